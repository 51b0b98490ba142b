"""The second factor is asked for before anything else (REQUIRE_TWO_FACTOR)."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse

from accounts.oidc import signed_in_with_single_sign_on
from accounts.selectors import authenticator_set_up

API_MESSAGE = (
    "This session has not given its second factor. Sign in on the sign-in page and enter the code "
    "from your authenticator app, or use an API token."
)
# What a person signed in with a password alone may reach: the pages that take the second factor,
# signing out, and single sign-on (which replaces the session).
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:two-factor",
        "accounts:two-factor-set-up",
        "oidc_authentication_init",
        "oidc_authentication_callback",
        "healthz",
    }
)


def second_factor_pending(request) -> bool:
    """Signed in with a password, and no second factor given in this session (while one is required).
    A person the council's provider signed in is not asked: the provider asks for its own."""
    if not settings.REQUIRE_TWO_FACTOR:
        return False
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or signed_in_with_single_sign_on(request):
        return False
    return not user.is_verified()


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware. Pages redirect to the set-up or code page (coming back
    afterwards); API calls signed in by this session are refused 403. Token-authenticated API calls
    are not this session's: tokens are made only by a session that has given its second factor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if second_factor_pending(request):
            request.second_factor_pending = True
            if not self._open(request.path_info):
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"detail": API_MESSAGE}, status=403)
                name = (
                    "accounts:two-factor"
                    if authenticator_set_up(request.user)
                    else "accounts:two-factor-set-up"
                )
                url = reverse(name)
                if request.method in ("GET", "HEAD"):
                    url += "?" + urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(url)
        return self.get_response(request)

    @staticmethod
    def _open(path: str) -> bool:
        if path.startswith(settings.STATIC_URL):
            return True
        try:
            return resolve(path).view_name in OPEN_BEFORE_SECOND_FACTOR
        except Resolver404:
            return False
