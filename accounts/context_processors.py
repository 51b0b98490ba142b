from django.conf import settings

from accounts.oidc import signed_in_with_single_sign_on


def service(request) -> dict:
    return {
        "local_authority_name": settings.LOCAL_AUTHORITY_NAME,
        # Signed in with a password, second factor not yet given: no menu (accounts/middleware.py).
        "second_factor_pending": getattr(request, "second_factor_pending", False),
        "second_factor_asked": settings.REQUIRE_TWO_FACTOR and not signed_in_with_single_sign_on(request),
    }
