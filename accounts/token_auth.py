"""API token authentication: knox's, plus a note of when each token was last used."""

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication

from accounts import services


class TokenAuthentication(KnoxTokenAuthentication):
    def validate_user(self, auth_token):
        user, auth_token = super().validate_user(auth_token)
        services.token_record_use(token=auth_token)
        return user, auth_token


class TokenScheme(KnoxTokenScheme):
    """The schema documents these tokens as knox's (the same header and prefix)."""

    target_class = "accounts.token_auth.TokenAuthentication"
