"""Who reads the access log, who exports PDF chronologies, and who sees and manages restrictions
and the break-glass report. Which records a restriction closes to a user, and who may mark one,
is decided in cases/permissions.py, where every visibility queryset applies it."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from cases.models import BreakGlass, Restriction, RestrictionAccess
from cases.permissions import may_restrict
from config.visibility import visibility_rule


def require_auditor(user) -> None:
    if not user.has_perm("cases.view_access_log"):
        raise PermissionDenied("The access log is for auditors and administrators.")


def require_exporter(user) -> None:
    if not user.has_perm("audit.export_chronology"):
        raise PermissionDenied("Only auditors export PDF chronologies.")


def require_restriction_reader(user) -> None:
    """Restricted records and the break-glass report: managers (their own) and auditors (all)."""
    if not (may_restrict(user) or user.has_perm("cases.view_access_log")):
        raise PermissionDenied("Restricted records and the break-glass report are for managers and auditors.")


@visibility_rule(Restriction)
def restrictions_visible_to(user) -> QuerySet[Restriction]:
    """Auditors and administrators see every restriction; a manager those they are named on."""
    if not (user and user.is_authenticated and user.is_active):
        return Restriction.objects.none()
    if user.has_perm("cases.view_access_log"):
        return Restriction.objects.all()
    if not may_restrict(user):
        return Restriction.objects.none()
    named = RestrictionAccess.objects.filter(user=user, removed_at__isnull=True).values("restriction_id")
    return Restriction.objects.filter(pk__in=named)


def restriction_for_user(user, restriction_id, action: str = "view") -> Restriction:
    """The restriction (404 if unseen); changing who is named or lifting it takes a manager named
    on it (403 otherwise: an auditor reads, never changes)."""
    try:
        restrictions = restrictions_visible_to(user).select_related("family", "person", "marked_by")
        restriction = restrictions.get(pk=restriction_id)
    except (Restriction.DoesNotExist, ValueError, TypeError):
        raise Http404("No such restriction.") from None
    if action != "view":
        named = restriction.named.filter(user=user, removed_at__isnull=True).exists()
        if not (may_restrict(user) and named):
            raise PermissionDenied("Only a manager named on this restriction can change it.")
        if not restriction.is_live:
            raise PermissionDenied("This restriction has been lifted.")
    return restriction


def break_glass_report_scope(user) -> QuerySet[BreakGlass]:
    """Break-glass openings a user may list: auditors all, managers those on their restrictions."""
    return BreakGlass.objects.filter(restriction__in=restrictions_visible_to(user))
