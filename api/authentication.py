"""Token authentication with expiry: a token older than QM_TOKEN_TTL_HOURS (0: never) is refused with 401.
Its own module: DRF imports its authentication classes while it loads, before the views can be imported."""
import datetime as dt

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


def token_expires(token: Token) -> dt.datetime | None:
    hours = settings.QM_TOKEN_TTL_HOURS
    return token.created + dt.timedelta(hours=hours) if hours > 0 else None


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token older than QM_TOKEN_TTL_HOURS."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        expires = token_expires(token)
        if expires is not None and expires <= timezone.now():
            raise AuthenticationFailed("token expired; ask for a new one at /api/v1/auth/token/")
        return user, token
