"""How the API knows who sent a request with an API token: `Authorization: Token <key>`.

knox does the work: it finds the token by the key's first characters, compares SHA-512 digests,
refuses (and deletes) an expired token and refuses an inactive user. This adds the time the token
was last used, for its owner's list (accounts/services.py, `api_token_used`)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from rest_framework import exceptions

from accounts.services import api_token_used


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return super().authenticate_credentials(token)

    def validate_user(self, auth_token):
        user, auth_token = super().validate_user(auth_token)
        api_token_used(auth_token=auth_token)
        return user, auth_token


class ApiTokenScheme(KnoxTokenScheme):
    """The token as the OpenAPI schema states it: an `Authorization: Token <key>` header."""

    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"
