"""API token authentication: knox's, plus a note of when each token was last used, and read-only
tokens refused anything but reading."""

from django.utils.translation import gettext as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS

from accounts import services
from accounts.models import TokenInfo


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate(self, request):
        found = super().authenticate(request)
        if found and request.method not in SAFE_METHODS and _is_read_only(found[1]):
            raise PermissionDenied(_("This API token is read only: it can read but change nothing."))
        return found

    def validate_user(self, auth_token):
        user, auth_token = super().validate_user(auth_token)
        services.token_record_use(token=auth_token)
        return user, auth_token


def _is_read_only(auth_token) -> bool:
    try:
        return auth_token.info.read_only
    except TokenInfo.DoesNotExist:  # a token from before tokens had names
        return False


class TokenScheme(KnoxTokenScheme):
    """The schema documents these tokens as knox's (the same header and prefix)."""

    target_class = "accounts.token_auth.TokenAuthentication"
