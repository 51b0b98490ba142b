"""Who sees the clock dashboard and moves due times. Notifications are their recipient's alone."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from escalation.models import Clock


def require_clock_manager(user) -> None:
    """Managers see every clock and move due times (with a reason)."""
    if not user.has_perm("escalation.change_clock_due"):
        raise PermissionDenied("Timescales and due times are for managers.")


def clock_for_user(user, clock_id) -> Clock:
    """One clock, with its history, for a manager (403 for anyone else, 404 if there is none)."""
    require_clock_manager(user)
    clock = Clock.objects.select_related("holder", "team", "content_type").filter(pk=clock_id).first()
    if clock is None:
        raise Http404("No such clock.")
    return clock
