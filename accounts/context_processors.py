from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from knox.models import AuthToken

from accounts.choices import Role
from accounts.oidc import signed_in_with_single_sign_on

# Roles whose work goes through the API: administrators, and partner agencies' own systems.
API_ROLES = {Role.ADMINISTRATOR, Role.PARTNER_PRACTITIONER}


def uses_api(user) -> bool:
    """Whether the menu offers the API docs: to those whose role uses the API, and to anyone who
    holds an API token that has not expired (everyone else reaches the docs from "API tokens").
    One query."""
    if not (user and user.is_authenticated):
        return False
    live_tokens = AuthToken.objects.filter(user=OuterRef("pk")).filter(
        Q(expiry__isnull=True) | Q(expiry__gt=timezone.now())
    )
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .filter(Q(groups__name__in=API_ROLES) | Exists(live_tokens))
        .exists()
    )


def service(request) -> dict:
    return {
        "local_authority_name": settings.LOCAL_AUTHORITY_NAME,
        # Signed in with a password, second factor not yet given: no menu (accounts/middleware.py).
        "second_factor_pending": getattr(request, "second_factor_pending", False),
        "second_factor_asked": settings.REQUIRE_TWO_FACTOR and not signed_in_with_single_sign_on(request),
        # Read only when a page shows the menu.
        "uses_api": SimpleLazyObject(lambda: uses_api(getattr(request, "user", None))),
    }
