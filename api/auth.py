"""`POST /api/v1/auth/token/`: username and password in, the user's API token out (DRF authtoken)."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='send as "Authorization: Token <token>"')


class TokenView(ObtainAuthToken):
    """Exchanges credentials for a token; anyone may ask, wrong credentials get 400."""

    permission_classes = ()
    authentication_classes = ()

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer}, tags=["auth"],
                   operation_id="auth_token_create")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
