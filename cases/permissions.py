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

Restricted records (audit/permissions.py) are left out of every queryset here unless the user is
named on the restriction or has broken glass. Opening one that would otherwise be visible raises
`RecordRestricted`, which offers the break-glass form; `restricted=False` gives what the user
would see without restrictions, for that check and for search's "restricted record" rows.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from audit.choices import RecordType
from audit.models import Restriction
from audit.permissions import (
    RecordRestricted,
    covering,
    open_families,
    open_people,
    restrictions_closed_to,
)
from audit.services import record_read
from cases.choices import ChronologyKind
from cases.models import (
    Case,
    CaseUserObjectPermission,
    ChronologyEntry,
    Family,
    FamilyMember,
    FamilyUserObjectPermission,
    Person,
)

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
    there but for a restriction (so they may break glass), else 404."""
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
