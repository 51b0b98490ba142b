"""Who reads the access log, who exports PDF chronologies, and restricted records: which
restrictions close a record to a user, who marks and manages them. The visibility querysets of
cases/permissions.py apply `open_families` and `open_people`, so every page and API that starts
from them leaves restricted records out."""

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from audit.models import BreakGlass, Restriction, RestrictionAccess
from cases.models import FamilyMember


class RecordRestricted(PermissionDenied):
    """The user could otherwise open this record, but it is restricted and they are not named on it.
    Pages answer with the break-glass form (audit.middleware), the API with a 403 saying so."""

    def __init__(self, record_type: str, record_id: int):
        self.record_type = record_type
        self.record_id = int(record_id)
        super().__init__(
            "This record is restricted. Only the people named on it can open it; you can open it "
            "by giving a reason, which is logged and sent to the record's managers."
        )

    @property
    def break_glass_url(self) -> str:
        return reverse("audit:break-glass", args=[self.record_type, self.record_id])


def require_auditor(user) -> None:
    if not user.has_perm("audit.view_access_log"):
        raise PermissionDenied("The access log is for auditors and administrators.")


def require_exporter(user) -> None:
    if not user.has_perm("audit.export_chronology"):
        raise PermissionDenied("Only auditors export PDF chronologies.")


# --- Restricted records -----------------------------------------------------------------------


def restrictions_closed_to(user) -> QuerySet[Restriction]:
    """Live restrictions the user is neither named on nor has broken glass for (still in time)."""
    named = RestrictionAccess.objects.filter(user=user, removed_at__isnull=True).values("restriction_id")
    opened = BreakGlass.objects.filter(user=user, expires_at__gt=timezone.now()).values("restriction_id")
    return Restriction.objects.filter(lifted_at__isnull=True).exclude(pk__in=named).exclude(pk__in=opened)


def _closed_family_conditions(closed: QuerySet[Restriction], field: str) -> list[Q]:
    """Conditions, each true of a family reference behind a closed restriction: one on the family,
    or one on anyone in it (a restricted person restricts every family they are in)."""
    on_family = closed.filter(family__isnull=False).values("family_id")
    on_member = FamilyMember.objects.filter(
        person_id__in=closed.filter(person__isnull=False).values("person_id")
    ).values("family_id")
    return [Q(**{f"{field}__in": on_family}), Q(**{f"{field}__in": on_member})]


def open_families(user, field: str = "pk") -> Q:
    """A condition on a reference to a family: no restriction closed to the user covers it."""
    first, second = _closed_family_conditions(restrictions_closed_to(user), field)
    return ~first & ~second


def open_people(user, field: str = "pk") -> Q:
    """A condition on a reference to a person: not restricted, and in no family behind a restriction
    (so a restricted child's parents and siblings are not found, and with them their address)."""
    closed = restrictions_closed_to(user)
    on_person = Q(**{f"{field}__in": closed.filter(person__isnull=False).values("person_id")})
    conditions = [on_person]
    for in_closed_family in _closed_family_conditions(closed, "family_id"):
        members = FamilyMember.objects.filter(in_closed_family).values("person_id")
        conditions.append(Q(**{f"{field}__in": members}))
    condition = ~conditions[0]
    for other in conditions[1:]:
        condition &= ~other
    return condition


def behind_restriction(user, field: str = "pk") -> Case:
    """An annotation: True for a person (at `field`) the user may not open because of a restriction,
    so a list can show them only as "restricted record — request access"."""
    return Case(
        When(open_people(user, field), then=Value(False)), default=Value(True), output_field=BooleanField()
    )


def covering(*, family_id=None, person_id=None) -> Q:
    """A condition on restrictions: those covering a family (on it or anyone in it) or a person (on
    them, a family they are in, or anyone in such a family)."""
    if family_id is not None:
        return Q(family_id=family_id) | Q(person__memberships__family_id=family_id)
    return (
        Q(person_id=person_id)
        | Q(family__memberships__person_id=person_id)
        | Q(person__memberships__family__memberships__person_id=person_id)
    )


def may_restrict(user) -> bool:
    return user.has_perm("audit.restrict_record")


def require_restricter(user) -> None:
    if not may_restrict(user):
        raise PermissionDenied("Only a team or MASH manager can restrict a record.")


def require_restriction_reader(user) -> None:
    """Restricted records and the break-glass report: managers (their own) and auditors (all)."""
    if not (may_restrict(user) or user.has_perm("audit.view_access_log")):
        raise PermissionDenied("Restricted records and the break-glass report are for managers and auditors.")


def restrictions_visible_to(user) -> QuerySet[Restriction]:
    """Auditors and administrators see every restriction; a manager those they are named on."""
    if not (user and user.is_authenticated and user.is_active):
        return Restriction.objects.none()
    if user.has_perm("audit.view_access_log"):
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
