"""Lock-out after failed password sign-ins (django-axes), wired by config/settings.py (AXES_*).

A username that has failed AXES_FAILURE_LIMIT times, or an address that has failed
AXES_IP_FAILURE_LIMIT times, within AXES_COOLOFF_MINUTES is refused for that long, whatever the
password. Unknown usernames are counted and locked exactly like real ones, and the sign-in page
gives one message for both (accounts/forms.py), so neither the answers nor the lock say whether an
account exists. An administrator unlocks by deleting the attempts (the admin's "Access attempts",
or `manage.py axes_reset_username USERNAME`).

Only password sign-ins are counted: single sign-on is throttled by the council's provider.
"""

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpResponse

LOCKED_MESSAGE = (
    "Sign-in is paused after too many attempts that did not work. Try again in {minutes} minutes, "
    "or ask your Continuum administrator to unlock your account."
)


def locked_message() -> str:
    return LOCKED_MESSAGE.format(minutes=settings.AXES_COOLOFF_MINUTES)


def client_ip(request) -> str | None:
    """The address a failed attempt is counted against. Behind TRUSTED_PROXY_COUNT proxies that
    each append to X-Forwarded-For, it is the address the outermost of them saw; a client cannot
    forge it, because it can only add addresses to the left of those."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def is_not_a_password_attempt(request, credentials: dict | None) -> bool:
    """axes' allow-list: anything but a password (single sign-on's callback) is neither counted
    nor refused here."""
    return not credentials or "password" not in credentials


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked username or address before any password is checked. `authenticate()`
    without a request (the shell, `Client.login` in tests) has nobody to count and is let through
    to the other backends; every sign-in over HTTP passes its request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or password is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LockoutHandler(AxesDatabaseHandler):
    """axes counts failures per username and per address (AXES_LOCKOUT_PARAMETERS) against one
    limit; an address is shared by a whole office behind a council's proxy, so it has a limit of
    its own, AXES_IP_FAILURE_LIMIT."""

    def get_failures(self, request, credentials=None) -> int:
        by_username, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.AXES_IP_FAILURE_LIMIT:
            return max(by_username, settings.AXES_FAILURE_LIMIT)
        return by_username


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """The answer to a refused sign-in is the page that was going to be shown (the sign-in form
    with the neutral message, or the API's 401), marked 429 Too Many Requests."""
    if original_response is None:
        return HttpResponse(locked_message(), status=429, content_type="text/plain; charset=utf-8")
    original_response.status_code = 429
    return original_response
