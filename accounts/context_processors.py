from django.conf import settings
from django.utils.functional import SimpleLazyObject

from accounts.choices import Role
from accounts.oidc import signed_in_with_single_sign_on

# Roles whose work goes through the API: administrators, and partner agencies' own systems.
API_ROLES = {Role.ADMINISTRATOR, Role.PARTNER_PRACTITIONER}


def uses_api(user) -> bool:
    """Whether the menu offers the API docs: to those whose role uses the API, and to anyone who
    holds an API token that has not expired (everyone else reaches the docs from "API tokens").
    No query of its own: User.access is read once per request."""
    if not (user and user.is_authenticated):
        return False
    return bool(user.roles & API_ROLES) or user.access.holds_api_token


def service(request) -> dict:
    return {
        "local_authority_name": settings.LOCAL_AUTHORITY_NAME,
        # Signed in with a password, second factor not yet given: no menu (accounts/middleware.py).
        "second_factor_pending": getattr(request, "second_factor_pending", False),
        "second_factor_asked": settings.REQUIRE_TWO_FACTOR and not signed_in_with_single_sign_on(request),
        # Read only when a page shows the menu.
        "uses_api": SimpleLazyObject(lambda: uses_api(getattr(request, "user", None))),
    }
