"""Who sees the clock dashboard and moves due times. Notifications are their recipient's alone."""

from django.core.exceptions import PermissionDenied


def require_clock_manager(user) -> None:
    """Managers see every clock and move due times (with a reason)."""
    if not user.has_perm("escalation.change_clock_due"):
        raise PermissionDenied("Timescales and due times are for managers.")
