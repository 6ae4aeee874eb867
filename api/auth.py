"""`POST /api/v1/auth/token/`: username and password in, an API token out (DRF authtoken), behind the sign-in
lockout of quartermaster.auth; tokens expire QM_TOKEN_TTL_HOURS after they were issued (0: never)."""
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from quartermaster.auth import locked_until

from .authentication import token_expires


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='send as "Authorization: Token <token>"')
    expires = serializers.DateTimeField(allow_null=True, help_text="when the token stops working (null: never)")


class TokenView(ObtainAuthToken):
    """Exchanges credentials for a token; anyone may ask, wrong credentials get 400, a username locked out after
    repeated failures gets 429 (with Retry-After). An expired token is replaced by a new one."""

    permission_classes = ()
    authentication_classes = ()

    @extend_schema(request=TokenRequestSerializer, tags=["auth"], operation_id="auth_token_create",
                   responses={200: TokenResponseSerializer,
                              429: OpenApiResponse(description="too many failed sign-ins for this username")})
    def post(self, request, *args, **kwargs):
        until = locked_until(str(request.data.get("username", "")))
        if until is not None:
            wait = max(1, int((until - timezone.now()).total_seconds()))
            return Response({"detail": f"too many failed sign-ins; try again in {wait} seconds", "code": "locked"},
                            status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(wait)})
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = form.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        expires = token_expires(token)
        if expires is not None and expires <= timezone.now():
            token.delete()
            token = Token.objects.create(user=user)
            expires = token_expires(token)
        return Response({"token": token.key, "expires": expires})
