"""Single sign-on with the council's OpenID Connect provider (mozilla-django-oidc).

On only when OIDC_RP_CLIENT_ID is set (config/settings.py reads the rest, docs/configuration.md).
A person signed in by the provider is the active Continuum account with the same email address
(case ignored); Continuum makes no account from the provider unless OIDC_CREATE_USERS is on, and
then one with no role. The provider's claims and the email address are never logged.
"""

import logging

import requests
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from mozilla_django_oidc.auth import OIDCAuthenticationBackend, default_username_algo
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts.services import user_create

logger = logging.getLogger(__name__)

BACKEND = "accounts.oidc.CouncilAccountBackend"
NOT_SIGNED_IN = (
    "You could not be signed in with your council account. Continuum needs an account with the same "
    "email address as your council account: ask your Continuum administrator to check it, or sign in "
    "with your username and password."
)


def single_sign_on_enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID)


def signed_in_with_single_sign_on(request) -> bool:
    """Whether this session's sign-in was the provider's (Django keeps the backend in the session)."""
    session = getattr(request, "session", None)
    return session is not None and session.get(auth.BACKEND_SESSION_KEY) == BACKEND


class CouncilAccountBackend(OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs):
        if single_sign_on_enabled():
            super().__init__(*args, **kwargs)
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        # Only the callback's call (a nonce, perhaps a PKCE verifier), never a password sign-in
        # that another backend refused: that would post the request's ?code= to the provider.
        if not single_sign_on_enabled() or request is None or set(kwargs) - {"nonce", "code_verifier"}:
            return None
        if "nonce" not in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, SuspiciousOperation) as exc:
            # The provider could not be reached, or its answer did not verify: no sign-in.
            logger.warning("Single sign-on refused: %s", type(exc).__name__)
            return None

    def verify_token(self, token, **kwargs):
        # mozilla-django-oidc checks the signature and the nonce; the id token must also be meant
        # for this client (another client of the same provider cannot pass its tokens on).
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The id token is for another client.")
        return payload

    def filter_users_by_claims(self, claims):
        email = (claims.get("email") or "").strip()
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email, is_active=True)

    def verify_claims(self, claims) -> bool:
        return bool((claims.get("email") or "").strip())

    def describe_user_by_claims(self, claims) -> str:
        return "the provider's email address"  # the library logs this; never the address itself

    def create_user(self, claims):
        if not settings.OIDC_CREATE_USERS:
            return None
        email = claims["email"].strip()
        username = email.lower()
        if self.UserModel.objects.filter(username=username).exists():
            username = default_username_algo(email)
        user = user_create(
            username=username,
            password=None,
            first_name=(claims.get("given_name") or "")[:150],
            last_name=(claims.get("family_name") or "")[:150],
            email=email,
            agency=None,
            roles=[],
        )
        logger.info("Single sign-on made user %s, with no role", user.pk)
        return user

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None


class AuthenticateView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider; not found while single sign-on is off."""

    def __init__(self, *args, **kwargs):
        if single_sign_on_enabled():
            super().__init__(*args, **kwargs)
        else:
            super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request):
        if not single_sign_on_enabled():
            raise Http404("Single sign-on is not set up.")
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back. A person it does not map to an account goes back
    to the sign-in page with a message saying so."""

    def get(self, request):
        if not single_sign_on_enabled():
            raise Http404("Single sign-on is not set up.")
        return super().get(request)

    def login_success(self):
        # Always a fresh sign-in, so the session records that the provider signed this person in
        # (a password session that has not given its second factor is replaced, not kept).
        auth.login(self.request, self.user)
        logger.info("User %s signed in with single sign-on", self.user.pk)
        return HttpResponseRedirect(self.success_url)

    def login_failure(self):
        messages.error(self.request, NOT_SIGNED_IN)
        return redirect(settings.LOGIN_URL)
