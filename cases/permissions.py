"""Who may see and do what with people, families and cases. The only place such checks live;
the UI and the API both start from these querysets and functions.

Visibility of a case:
- `cases.view_all_cases` (social workers, ECPPs, MASH and team managers, auditors): every case.
- `cases.view_team_cases` (family help workers): cases held by their teams.
- Anyone: cases they are allocated to (guardian `view_case` on the case) and the cases of
  families they are involved with (guardian `view_family` on the family).
Families and people follow their cases. The chronology follows the same rules, except that
access through an allocation alone covers that case's entries (and the family's own entries),
not later episodes held by others.
A record someone has just created and not yet attached (a family with no case, a person in no
family) stays visible to its creator so they can finish the job.
An object outside a user's visibility answers 404, never 403, so its existence is not disclosed.

Restricted records (the end of this file) are left out of every queryset here unless the user is
named on the restriction or has broken glass. Opening one that would otherwise be visible raises
`RecordRestricted`, which offers the break-glass form; `restricted=False` gives what the user
would see without restrictions, for that check and for search's "restricted record" rows.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models import Case as Conditional
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from cases.access_log import record_read, record_refused
from cases.choices import ChronologyKind, RecordType
from cases.models import (
    Allocation,
    BreakGlass,
    Case,
    CaseUserObjectPermission,
    ChronologyEntry,
    Family,
    FamilyMember,
    FamilyUserObjectPermission,
    Person,
    Restriction,
    RestrictionAccess,
)
from config.api import DeniedWithDetail
from config.visibility import visibility_rule

# Action -> (model permission needed, what to tell someone who lacks it).
CASE_ACTIONS: dict[str, tuple[str | None, str]] = {
    "view": (None, ""),
    "add_chronology": ("cases.add_chronologyentry", "Your role cannot add to the chronology."),
    "allocate": ("cases.allocate_case", "Only a team manager can allocate workers to a case."),
    "close": ("cases.close_case", "Only a team manager can close a case."),
    "involve": ("cases.add_involvement", "Your role cannot add practitioners to a family."),
}
# System entries every practitioner involved with the family may see.
PARTNER_VISIBLE_KINDS = [
    ChronologyKind.CASE_OPENED,
    ChronologyKind.CASE_ALLOCATED,
    ChronologyKind.ALLOCATION_ENDED,
    ChronologyKind.CASE_CLOSED,
    ChronologyKind.PATHWAY_CHANGED,
    ChronologyKind.INVOLVEMENT_STARTED,
    ChronologyKind.INVOLVEMENT_ENDED,
    ChronologyKind.FAMILY_MEMBER_ADDED,
    ChronologyKind.CASE_TRANSFERRED,
    ChronologyKind.STEP_DOWN,
    # Only "Case supervised on <date>": what was said stays with the supervision record.
    ChronologyKind.SUPERVISION,
]

# Actions a manager may take only on cases held by a team they manage.
TEAM_SCOPED_ACTIONS = {"allocate", "close"}

# Actions that create something new, so have no object to be visible or not.
CREATE_ACTIONS: dict[str, tuple[str, str]] = {
    "create_person": ("cases.add_person", "Your role cannot add people."),
    "create_family": ("cases.add_family", "Your role cannot add families."),
    "change_family": ("cases.change_family", "Your role cannot change who is in a family."),
    "change_person": ("cases.change_person", "Your role cannot change a person's details."),
    "open_case": ("cases.add_case", "Only MASH and team managers can open a case."),
    "merge_people": ("cases.merge_person", "Only a MASH or team manager can merge duplicate records."),
}


def sees_whole_record(user) -> bool:
    """Children's services staff (and auditors): not limited to their own agency's entries."""
    return user.has_perm("cases.view_all_cases") or user.has_perm("cases.view_team_cases")


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _allocated_case_ids(user):
    return CaseUserObjectPermission.objects.filter(user=user, permission__codename="view_case").values(
        "content_object_id"
    )


def _involved_family_ids(user):
    return FamilyUserObjectPermission.objects.filter(user=user, permission__codename="view_family").values(
        "content_object_id"
    )


def _family_scope(user) -> Q:
    """Families the user sees whole (every episode): involvement, or their team holds a case."""
    condition = Q(pk__in=_involved_family_ids(user))
    if user.has_perm("cases.view_team_cases"):
        condition |= Q(pk__in=Case.objects.filter(team__in=user.teams.all()).values("family_id"))
    return condition


@visibility_rule(Case)
def cases_visible_to(user, *, restricted: bool = True) -> QuerySet[Case]:
    if not _active(user):
        return Case.objects.none()
    cases = Case.objects.filter(open_families(user, "family_id")) if restricted else Case.objects.all()
    if user.has_perm("cases.view_all_cases"):
        return cases
    condition = Q(pk__in=_allocated_case_ids(user)) | Q(family_id__in=_involved_family_ids(user))
    if user.has_perm("cases.view_team_cases"):
        condition |= Q(team_id__in=user.teams.values("pk"))
    return cases.filter(condition)


@visibility_rule(Family)
def families_visible_to(user, *, restricted: bool = True) -> QuerySet[Family]:
    if not _active(user):
        return Family.objects.none()
    families = Family.objects.filter(open_families(user)) if restricted else Family.objects.all()
    if user.has_perm("cases.view_all_cases"):
        return families
    just_created = Q(created_by=user) & ~Exists(Case.objects.filter(family=OuterRef("pk")))
    return families.filter(
        _family_scope(user)
        | Q(pk__in=cases_visible_to(user, restricted=False).values("family_id"))
        | just_created
    )


@visibility_rule(Person)
def people_visible_to(user, *, restricted: bool = True) -> QuerySet[Person]:
    if not _active(user):
        return Person.objects.none()
    people = Person.objects.filter(open_people(user)) if restricted else Person.objects.all()
    if user.has_perm("cases.view_all_cases"):
        return people
    in_scope = families_visible_to(user, restricted=False)
    members = FamilyMember.objects.filter(family__in=in_scope).values("person_id")
    just_created = Q(created_by=user) & ~Exists(FamilyMember.objects.filter(person=OuterRef("pk")))
    return people.filter(Q(pk__in=members) | just_created)


@visibility_rule(ChronologyEntry)
def chronology_visible_to(user, *, restricted: bool = True) -> QuerySet[ChronologyEntry]:
    if not _active(user):
        return ChronologyEntry.objects.none()
    if restricted:
        # Also entries about someone behind a restriction on another family (an adopted child's
        # entries in their birth family's record, say).
        entries = chronology_visible_to(user, restricted=False)
        return entries.filter(open_families(user, "family_id"), open_people(user, "subject_id"))
    if user.has_perm("cases.view_all_cases"):
        return ChronologyEntry.objects.all()
    allocated = Case.objects.filter(pk__in=_allocated_case_ids(user))
    family_ids = Family.objects.filter(_family_scope(user)).values("pk")
    entries = ChronologyEntry.objects.filter(
        Q(family_id__in=family_ids)
        | Q(case_id__in=allocated.values("pk"))
        | Q(case__isnull=True, family_id__in=allocated.values("family_id"))
    )
    if user.has_perm("cases.view_team_cases") or allocated.exists():
        return entries
    # A partner agency's practitioner: their own agency's entries and the landmarks of the
    # family's involvement with services; the rest reaches them in shared referral packages.
    return entries.filter(Q(author_agency_id=user.agency_id) | Q(kind__in=PARTNER_VISIBLE_KINDS))


def _require(user, action: str, case: Case | None = None) -> None:
    permission, refusal = CASE_ACTIONS[action]
    if permission and not user.has_perm(permission):
        raise PermissionDenied(refusal)
    if case is not None and action in TEAM_SCOPED_ACTIONS and not _manages(user, case):
        raise PermissionDenied(f"Only a manager of {case.team} can do this.")


def _manages(user, case: Case) -> bool:
    return user.is_superuser or user.teams.filter(pk=case.team_id).exists()


def restricted_or_404(unrestricted: QuerySet, record_type: str, record_id, message: str):
    """Raised when a record is not in the user's visible set: `RecordRestricted` if it would be
    there but for a restriction (so they may break glass), else 404. Either way the attempt goes in
    the access log as refused."""
    record_refused(record_type, record_id)
    try:
        exists = unrestricted.filter(pk=record_id).exists()
    except (ValueError, TypeError):
        exists = False
    if exists:
        raise RecordRestricted(record_type, record_id)
    raise Http404(message)


def case_for_user(user, case_id, action: str = "view") -> Case:
    """The case, if the user may see it (else 404) and may do `action` to it (else 403)."""
    try:
        case = cases_visible_to(user).select_related("family", "team", "key_worker", "ecpp").get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        restricted_or_404(cases_visible_to(user, restricted=False), RecordType.CASE, case_id, "No such case.")
    _require(user, action, case)
    record_read(RecordType.CASE, case.pk, case.family_id)
    return case


def family_for_user(user, family_id, action: str = "view") -> Family:
    try:
        family = families_visible_to(user).get(pk=family_id)
    except (Family.DoesNotExist, ValueError, TypeError):
        unrestricted = families_visible_to(user, restricted=False)
        restricted_or_404(unrestricted, RecordType.FAMILY, family_id, "No such family.")
    _require(user, action)
    record_read(RecordType.FAMILY, family.pk, family.pk)
    return family


def person_for_user(user, person_id) -> Person:
    try:
        person = people_visible_to(user).get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        unrestricted = people_visible_to(user, restricted=False)
        restricted_or_404(unrestricted, RecordType.PERSON, person_id, "No such person.")
    family_id = FamilyMember.objects.filter(person=person).values_list("family_id", flat=True).first()
    record_read(RecordType.PERSON, person.pk, family_id)
    return person


# --- families' feedback ----------------------------------------------------------------------

FEEDBACK_ASK_REFUSAL = (
    "Only the children's services workers on this case, and its team, can ask the family for feedback."
)
FEEDBACK_VIEW_REFUSAL = "A family's feedback is seen by children's services staff."


def may_ask_feedback(user, case: Case) -> bool:
    """Workers who may work the case: children's services staff who add to the chronology and are
    (or were) allocated to it, or belong to or manage the team that holds it. Never a partner."""
    if not _active(user) or not user.has_perm("cases.add_chronologyentry") or not sees_whole_record(user):
        return False
    if user.is_superuser or user.teams.filter(pk=case.team_id).exists():
        return True
    return Allocation.objects.filter(case=case, user=user).exists()


def case_feedback_for_user(user, case_id, action: str = "view") -> Case:
    """The case whose family's feedback the user reads (`view`: children's services staff and
    auditors who see the case) or asks for and records (`ask`: may_ask_feedback). 404 for a case
    they cannot see, 403 otherwise."""
    case = case_for_user(user, case_id)
    if not sees_whole_record(user):
        raise PermissionDenied(FEEDBACK_VIEW_REFUSAL)
    if action == "ask" and not may_ask_feedback(user, case):
        raise PermissionDenied(FEEDBACK_ASK_REFUSAL)
    return case


def restrictions_covering(user, record_type: str, record_id) -> QuerySet[Restriction]:
    """The restrictions closed to the user that keep them out of a record they could otherwise
    open (what breaking glass would open). 404 if they could not open it anyway."""
    visible = {
        RecordType.CASE: cases_visible_to,
        RecordType.FAMILY: families_visible_to,
        RecordType.PERSON: people_visible_to,
    }
    if record_type not in visible or not str(record_id).isdigit():
        raise Http404("No such record.")
    record = visible[record_type](user, restricted=False).filter(pk=record_id).first()
    if record is None:
        raise Http404("No such record.")
    if record_type == RecordType.PERSON:
        condition = covering(person_id=record.pk)
    else:
        condition = covering(family_id=record.family_id if record_type == RecordType.CASE else record.pk)
    return restrictions_closed_to(user).filter(condition).distinct().order_by("pk")


def restrictable_for_user(user, record_type: str, record_id) -> Family | Person:
    """The family or person a manager wants to restrict (404 if unseen, or not a family or person)."""
    if record_type == RecordType.FAMILY:
        return family_for_user(user, record_id)
    if record_type == RecordType.PERSON:
        return person_for_user(user, record_id)
    raise Http404("Only a family or a person can be restricted.")


def people_behind_restrictions(user) -> set[int]:
    """The people a user may not open because of a restriction (few: restrictions are rare), for
    lists that show a family's members."""
    if not _active(user):
        return set()
    return set(Person.objects.exclude(open_people(user)).values_list("pk", flat=True))


def require_create(user, action: str) -> None:
    permission, refusal = CREATE_ACTIONS[action]
    if not user.has_perm(permission):
        raise PermissionDenied(refusal)


def can(user, action: str, case: Case | None = None) -> bool:
    """For templates: whether to offer a control. The server still checks on submit."""
    try:
        if action in CREATE_ACTIONS:
            require_create(user, action)
        else:
            _require(user, action, case)
    except PermissionDenied:
        return False
    return True


# --- Restricted records ---------------------------------------------------------------------


class RecordRestricted(DeniedWithDetail):
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

    def api_detail(self) -> dict:
        return {
            "code": "restricted",
            "record_type": self.record_type,
            "record_id": self.record_id,
            "break_glass": "/api/v1/break-glass/",
        }


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


def behind_restriction(user, field: str = "pk") -> Conditional:
    """An annotation: True for a person (at `field`) the user may not open because of a restriction,
    so a list can show them only as "restricted record — request access"."""
    return Conditional(
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
    return user.has_perm("cases.restrict_record")


def require_restricter(user) -> None:
    if not may_restrict(user):
        raise PermissionDenied("Only a team or MASH manager can restrict a record.")
