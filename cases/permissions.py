"""Who may see and do what with people, families and cases. The only place such checks live;
the UI and the API both start from these querysets and functions.

Visibility:
- `cases.view_all_cases` (social workers, ECPPs, MASH and team managers, auditors): every case.
- `cases.view_team_cases` (family help workers): cases held by their teams.
- Anyone: cases they are allocated to (guardian `view_case` on the case) and the cases of
  families they are involved with (guardian `view_family` on the family).
An object outside a user's visibility answers 404, never 403, so its existence is not disclosed.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

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

# Actions that create something new, so have no object to be visible or not.
CREATE_ACTIONS: dict[str, tuple[str, str]] = {
    "create_person": ("cases.add_person", "Your role cannot add people."),
    "create_family": ("cases.add_family", "Your role cannot add families."),
    "change_family": ("cases.change_family", "Your role cannot change who is in a family."),
    "change_person": ("cases.change_person", "Your role cannot change a person's details."),
    "open_case": ("cases.add_case", "Only MASH and team managers can open a case."),
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


def cases_visible_to(user) -> QuerySet[Case]:
    if not _active(user):
        return Case.objects.none()
    if user.has_perm("cases.view_all_cases"):
        return Case.objects.all()
    condition = Q(pk__in=_allocated_case_ids(user)) | Q(family_id__in=_involved_family_ids(user))
    if user.has_perm("cases.view_team_cases"):
        condition |= Q(team_id__in=user.teams.values("pk"))
    return Case.objects.filter(condition)


def families_visible_to(user) -> QuerySet[Family]:
    if not _active(user):
        return Family.objects.none()
    if user.has_perm("cases.view_all_cases"):
        return Family.objects.all()
    return Family.objects.filter(
        Q(pk__in=_involved_family_ids(user)) | Q(pk__in=cases_visible_to(user).values("family_id"))
    )


def people_visible_to(user) -> QuerySet[Person]:
    if not _active(user):
        return Person.objects.none()
    if user.has_perm("cases.view_all_cases"):
        return Person.objects.all()
    members = FamilyMember.objects.filter(family__in=families_visible_to(user)).values("person_id")
    return Person.objects.filter(pk__in=members)


def chronology_visible_to(user) -> QuerySet[ChronologyEntry]:
    if not _active(user):
        return ChronologyEntry.objects.none()
    if user.has_perm("cases.view_all_cases"):
        return ChronologyEntry.objects.all()
    return ChronologyEntry.objects.filter(family__in=families_visible_to(user))


def _require(user, action: str) -> None:
    permission, refusal = CASE_ACTIONS[action]
    if permission and not user.has_perm(permission):
        raise PermissionDenied(refusal)


def case_for_user(user, case_id, action: str = "view") -> Case:
    """The case, if the user may see it (else 404) and may do `action` to it (else 403)."""
    try:
        case = cases_visible_to(user).select_related("family", "team", "key_worker", "ecpp").get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("No such case.") from None
    _require(user, action)
    return case


def family_for_user(user, family_id, action: str = "view") -> Family:
    try:
        family = families_visible_to(user).get(pk=family_id)
    except (Family.DoesNotExist, ValueError, TypeError):
        raise Http404("No such family.") from None
    _require(user, action)
    return family


def person_for_user(user, person_id) -> Person:
    try:
        return people_visible_to(user).get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("No such person.") from None


def require_create(user, action: str) -> None:
    permission, refusal = CREATE_ACTIONS[action]
    if not user.has_perm(permission):
        raise PermissionDenied(refusal)


def can(user, action: str) -> bool:
    """For templates: whether to offer a control. The server still checks on submit."""
    permission, _ = CASE_ACTIONS.get(action) or CREATE_ACTIONS[action]
    return permission is None or user.has_perm(permission)
