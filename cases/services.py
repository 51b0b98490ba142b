"""Every write to people, families, cases and the chronology. Each function is one business
action: it runs in a transaction, checks the rules, saves, and writes the chronology itself.
Permissions (may this user do this at all?) are checked by callers via cases/permissions.py;
these functions check the domain rules (may this be done to this case, now?).
"""

import re
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from accounts.choices import AgencyKind, Role
from accounts.models import Team, User
from accounts.roles import CASE_HOLDING_ROLES, PRACTICE_ROLES, QUALIFIED_ROLES
from cases.choices import (
    CASE_TRANSITIONS,
    OPENING_PATHWAYS,
    SINGLE_HOLDER_ALLOCATION_ROLES,
    SYSTEM_CHRONOLOGY_KINDS,
    AllocationRole,
    AskAgainAnswer,
    CaseState,
    ChronologyKind,
    ClosureReason,
    Disability,
    Ethnicity,
    FamilyRole,
    FeedbackAnswer,
    FeedbackInvitationEventKind,
    FeedbackVia,
    Pathway,
    PersonKind,
    RelationshipKind,
    Sex,
    UpnUnknown,
)
from cases.models import (
    Address,
    Allocation,
    Case,
    ChronologyEntry,
    Family,
    FamilyFeedback,
    FamilyMember,
    FeedbackInvitation,
    FeedbackInvitationEvent,
    Involvement,
    Person,
    Relationship,
    Restriction,
)
from cases.signals import case_allocated, case_closed
from cases.validators import validate_upn
from config.limits import LONG_TEXT
from config.models import lock_current, stale_message

POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST_DATE = date(1900, 1, 1)

STALE_EDIT = stale_message("this case")
OPENS_AT_1_OR_2 = (
    "A case opens at pathway 1 or 2; pathway 3 or 4 needs a decision: propose one from the case."
)


RC9_IS_A_STEP_DOWN = (
    "RC9 (referred to early help) is the outcome of a step-down, which needs the family's consent "
    "and a team manager's approval: propose it from the case's step-down page."
)


class InvalidTransition(ValidationError):
    """A case was asked to move to a state its state machine does not allow from where it is."""


# --- helpers ----------------------------------------------------------------------------------


def chronology_write(
    *,
    family: Family,
    kind: str,
    summary: str,
    author: User,
    case: Case | None = None,
    subject: Person | None = None,
    detail: str = "",
    occurred_at: datetime | None = None,
) -> ChronologyEntry:
    return ChronologyEntry.objects.create(
        family=family,
        case=case,
        subject=subject,
        kind=kind,
        summary=summary[:300],
        detail=detail,
        occurred_at=occurred_at or timezone.now(),
        author=author,
        author_agency=author.agency,
    )


def _lock_case(case: Case, expected_version: int | None) -> Case:
    return lock_current(case, expected_version)


def _case_transition(case: Case, to_state: str) -> None:
    if to_state not in CASE_TRANSITIONS[case.state]:
        raise InvalidTransition(
            f"A {case.get_state_display().lower()} case cannot become {CaseState(to_state).label.lower()}.",
            code="invalid_transition",
        )
    case.state = to_state


def _insert(create, conflict: dict[str, str]):
    """Run an INSERT that a unique constraint guards; a clash (two people submitting at once)
    becomes the same field error the earlier check would have given, not a 500."""
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        raise ValidationError(conflict) from None


def postcode_normalise(value: str) -> str:
    compact = re.sub(r"\s+", "", value or "").upper()
    match = POSTCODE.match(compact)
    if not match:
        raise ValidationError({"postcode": "Enter a full UK postcode, like NG1 5DT."})
    return f"{match.group(1)} {match.group(2)}"


def _person_rules(
    *,
    kind: str,
    first_name: str,
    last_name: str,
    date_of_birth: date | None,
    expected_date_of_birth: date | None,
    sex: str = Sex.UNKNOWN,
) -> dict[str, str]:
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if kind == PersonKind.UNBORN:
        if sex != Sex.UNKNOWN:
            errors["sex"] = "An unborn child's sex is recorded as not known (U) until they are born."
        if date_of_birth:
            errors["date_of_birth"] = "An unborn child has an expected date of birth, not a date of birth."
        if not expected_date_of_birth:
            errors["expected_date_of_birth"] = "Enter the expected date of birth."
        elif expected_date_of_birth < today - timedelta(days=31):
            errors["expected_date_of_birth"] = (
                "The expected date of birth is more than a month ago: if the baby has been born, "
                "record them as a child with their date of birth."
            )
        elif expected_date_of_birth > today + timedelta(days=300):
            errors["expected_date_of_birth"] = "The expected date of birth must be within the next 10 months."
        if not last_name:
            errors["last_name"] = "Enter the family name the baby is expected to have."
    else:
        if expected_date_of_birth:
            errors["expected_date_of_birth"] = "Only an unborn child has an expected date of birth."
        if not (first_name or last_name):
            errors["first_name"] = "Enter a first name or a last name."
        if date_of_birth and date_of_birth > today:
            errors["date_of_birth"] = "Date of birth must be today or in the past."
        elif date_of_birth and date_of_birth < date(1900, 1, 1):
            errors["date_of_birth"] = "Date of birth must be after 1900."
        if kind == PersonKind.CHILD and date_of_birth and (today.year - date_of_birth.year) > 25:
            errors["date_of_birth"] = "A child's date of birth cannot be more than 25 years ago."
    return errors


# --- people and families ----------------------------------------------------------------------


@transaction.atomic
def person_create(
    *,
    by: User,
    kind: str,
    first_name: str = "",
    middle_names: str = "",
    last_name: str = "",
    preferred_name: str = "",
    date_of_birth: date | None = None,
    expected_date_of_birth: date | None = None,
    sex: str = Sex.UNKNOWN,
    ethnicity: str = Ethnicity.NOBT,
    nhs_number: str = "",
    upn: str = "",
) -> Person:
    first_name, last_name = first_name.strip(), last_name.strip()
    errors = _person_rules(
        kind=kind,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
        expected_date_of_birth=expected_date_of_birth,
        sex=sex,
    )
    person = Person(
        kind=kind,
        first_name=first_name,
        middle_names=middle_names.strip(),
        last_name=last_name,
        preferred_name=preferred_name.strip(),
        date_of_birth=date_of_birth,
        expected_date_of_birth=expected_date_of_birth,
        sex=sex,
        ethnicity=ethnicity,
        nhs_number=re.sub(r"[\s-]", "", nhs_number or ""),
        upn=(upn or "").strip().upper(),
        created_by=by,
    )
    try:
        # Constraints are enforced by the database; the rules above and below say it in words.
        person.full_clean(validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages[0])
    for field, label in (("nhs_number", "NHS number"), ("upn", "Unique Pupil Number")):
        value = getattr(person, field)
        if field not in errors and value and Person.objects.filter(**{field: value}).exists():
            errors[field] = (
                f"Someone already has this {label}: find their record instead of adding a new one."
            )
    if errors:
        raise ValidationError(errors)
    _insert(person.save, {"nhs_number": "Someone already has this NHS number or Unique Pupil Number."})
    return person


PERSON_RETURN_FIELDS = (
    "sex",
    "ethnicity",
    "disabilities",
    "upn",
    "former_upn",
    "upn_unknown_reason",
    "date_of_death",
)


@transaction.atomic
def person_details_record(
    *,
    person: Person,
    by: User,
    sex: str,
    ethnicity: str,
    disabilities: list[str],
    upn: str = "",
    former_upn: str = "",
    upn_unknown_reason: str = "",
    date_of_death: date | None = None,
    expected_version: int | None = None,
) -> Person:
    """Record what the statutory returns need of a person: sex, ethnicity, disabilities, pupil
    numbers (or why there is none) and a date of death. Written where practitioners already work:
    the person's page."""
    person = lock_current(person, expected_version, what="this person's record")
    upn, former_upn = (upn or "").strip().upper(), (former_upn or "").strip().upper()
    disabilities = list(dict.fromkeys(disabilities or []))
    errors: dict[str, str] = {}
    if sex not in Sex.values:
        errors["sex"] = "Choose the child's sex: male, female or not known."
    elif person.kind == PersonKind.UNBORN and sex != Sex.UNKNOWN:
        errors["sex"] = "An unborn child's sex is recorded as not known (U) until they are born."
    if ethnicity not in Ethnicity.values:
        errors["ethnicity"] = "Choose an ethnicity from the list (or 'information not yet obtained')."
    if any(code not in Disability.values for code in disabilities):
        errors["disabilities"] = "Choose disabilities from the list."
    elif Disability.NONE in disabilities and len(disabilities) > 1:
        errors["disabilities"] = "'No disability' cannot go with a disability: untick one of them."
    if upn_unknown_reason and upn_unknown_reason not in UpnUnknown.values:
        errors["upn_unknown_reason"] = "Choose why the UPN is not known from the list."
    elif upn and upn_unknown_reason:
        errors["upn_unknown_reason"] = "A child with a UPN needs no reason for not having one: clear it."
    for field, value in (("upn", upn), ("former_upn", former_upn)):
        if value:
            try:
                validate_upn(value)
            except ValidationError as exc:
                errors[field] = exc.messages[0]
    if upn and former_upn and upn == former_upn:
        errors["former_upn"] = "The former UPN is the same as the current one: leave it blank."
    if upn and "upn" not in errors and Person.objects.filter(upn=upn).exclude(pk=person.pk).exists():
        errors["upn"] = "Someone already has this Unique Pupil Number: find their record instead."
    if date_of_death is not None:
        born = person.date_of_birth
        if date_of_death > timezone.localdate():
            errors["date_of_death"] = "The date of death cannot be in the future."
        elif born and date_of_death < born:
            errors["date_of_death"] = "The date of death cannot be before the date of birth."
        elif person.kind == PersonKind.UNBORN:
            errors["date_of_death"] = "Record the baby's birth first."
    if errors:
        raise ValidationError(errors)
    before = {field: getattr(person, field) for field in PERSON_RETURN_FIELDS}
    person.sex, person.ethnicity, person.disabilities = sex, ethnicity, disabilities
    person.upn, person.former_upn, person.upn_unknown_reason = upn, former_upn, upn_unknown_reason
    person.date_of_death = date_of_death
    changed = [field for field in PERSON_RETURN_FIELDS if getattr(person, field) != before[field]]
    if not changed:
        return person
    person.version += 1
    _insert(
        lambda: person.save(update_fields=[*changed, "version"]),
        {"upn": "Someone already has this Unique Pupil Number: find their record instead."},
    )
    labels = ", ".join(Person._meta.get_field(field).verbose_name for field in changed)
    for membership in FamilyMember.objects.filter(person=person).select_related("family"):
        chronology_write(
            family=membership.family,
            subject=person,
            kind=ChronologyKind.PERSON_DETAILS,
            summary=f"Details for the statutory returns updated: {labels}",
            author=by,
        )
    return person


@transaction.atomic
def person_address_add(
    *,
    person: Person,
    by: User,
    line_1: str,
    postcode: str,
    line_2: str = "",
    town: str = "",
    moved_in: date | None = None,
) -> Address:
    """Record where someone lives now; their previous address ends the day they moved."""
    if not line_1.strip():
        raise ValidationError({"line_1": "Enter the first line of the address."})
    postcode = postcode_normalise(postcode)
    today = timezone.localdate()
    moved_in = moved_in or today
    if not EARLIEST_DATE <= moved_in <= today + timedelta(days=366):
        raise ValidationError({"moved_in": "Enter a move-in date between 1900 and a year from now."})
    person = Person.objects.select_for_update().get(pk=person.pk)  # one move at a time per person
    current = Address.objects.filter(person=person, moved_out__isnull=True).first()
    if current:
        if current.moved_in and moved_in < current.moved_in:
            raise ValidationError(
                {"moved_in": "The new address must start on or after the current one started."}
            )
        current.moved_out = moved_in
        current.save(update_fields=["moved_out"])
    address = Address.objects.create(
        person=person,
        line_1=line_1.strip(),
        line_2=line_2.strip(),
        town=town.strip(),
        postcode=postcode,
        moved_in=moved_in,
    )
    for family in Family.objects.filter(memberships__person=person):
        chronology_write(
            family=family,
            subject=person,
            kind=ChronologyKind.ADDRESS_CHANGED,
            summary=f"{person} {'moved to' if current else 'lives at'} an address in {postcode}",
            author=by,
            occurred_at=timezone.make_aware(datetime.combine(moved_in, datetime.min.time()))
            if moved_in < today
            else None,
        )
    return address


@transaction.atomic
def family_create(*, by: User, name: str) -> Family:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the family, like 'Smith family'."})
    return Family.objects.create(name=name, created_by=by)


@transaction.atomic
def family_member_add(
    *, family: Family, person: Person, role: str, by: User, lives_in_household: bool = True
) -> FamilyMember:
    if role not in FamilyRole.values:
        raise ValidationError({"role": "Choose the person's place in the family."})
    if role == FamilyRole.CHILD and not person.is_child:
        raise ValidationError({"role": "Only a child or unborn child can be added as a child of the family."})
    already = {"person": f"Person {person.pk} is already a member of this family."}
    if FamilyMember.objects.filter(family=family, person=person).exists():
        raise ValidationError(already)
    membership = _insert(
        lambda: FamilyMember.objects.create(
            family=family, person=person, role=role, lives_in_household=lives_in_household
        ),
        already,
    )
    chronology_write(
        family=family,
        subject=person,
        kind=ChronologyKind.FAMILY_MEMBER_ADDED,
        summary=f"{person} added to the family record as {FamilyRole(role).label.lower()}",
        author=by,
    )
    return membership


@transaction.atomic
def relationship_record(
    *,
    family: Family,
    person: Person,
    relative: Person,
    kind: str,
    by: User,
    has_parental_responsibility: bool = False,
) -> Relationship:
    member_ids = set(FamilyMember.objects.filter(family=family).values_list("person_id", flat=True))
    if person.pk not in member_ids or relative.pk not in member_ids:
        raise ValidationError("Both people must be members of the family first.")
    if person.pk == relative.pk:
        raise ValidationError({"relative": "A person cannot be related to themselves."})
    if kind not in RelationshipKind.values:
        raise ValidationError({"kind": "Choose how they are related."})
    if has_parental_responsibility and (person.kind != PersonKind.ADULT or not relative.is_child):
        message = "Only an adult can hold parental responsibility, and only for a child."
        raise ValidationError({"has_parental_responsibility": message})
    relationship, _ = Relationship.objects.update_or_create(
        family=family,
        person=person,
        relative=relative,
        defaults={"kind": kind, "has_parental_responsibility": has_parental_responsibility},
    )
    responsibility = "holds" if has_parental_responsibility else "does not hold"
    chronology_write(
        family=family,
        subject=relative,
        kind=ChronologyKind.RELATIONSHIP_RECORDED,
        summary=f"{person} recorded as {RelationshipKind(kind).label.lower()} of {relative} "
        f"({responsibility} parental responsibility)",
        author=by,
    )
    return relationship


# --- cases ------------------------------------------------------------------------------------


def _allocatable(user: User, role: str, case: Case) -> str | None:
    """Why `user` cannot hold `role` on `case`, or None if they can."""
    if not user.is_active:
        return f"{user} has no active account."
    if user.agency is None or user.agency.kind != AgencyKind.LA_CHILDRENS_SERVICES:
        return "Only children's services staff can be allocated to a case; partners are added as involved."
    roles = user.roles
    if not roles & CASE_HOLDING_ROLES:
        return f"{user} does not work on cases (their role is {user.primary_role_label.lower()})."
    if role == AllocationRole.ECPP and Role.ECPP not in roles:
        return f"{user} is not an expert child protection practitioner."
    needs_qualified = role == AllocationRole.KEY_WORKER and case.pathway == Pathway.PREVENT_HARM
    if needs_qualified and not roles & QUALIFIED_ROLES:
        return (
            "At pathway 4 the key worker must be a qualified social worker; "
            "add the family help worker as a co-worker so they stay involved."
        )
    return None


@transaction.atomic
def case_open(*, family: Family, team: Team, pathway: int, by: User) -> Case:
    """Open a new episode for the family, at pathway 1 or 2: a case reaches 3 or 4 only through a
    decision point (pathways.services), which records who decided and why. Workers are allocated
    afterwards by the team's manager (case_allocate), so there is one way onto a case."""
    if pathway not in dict(OPENING_PATHWAYS):
        raise ValidationError({"pathway": OPENS_AT_1_OR_2})
    if team.agency.kind != AgencyKind.LA_CHILDRENS_SERVICES:
        raise ValidationError({"team": "A case is held by a children's services team."})
    existing = Case.objects.filter(family=family, state=CaseState.OPEN).first()
    if existing:
        raise ValidationError(
            {"family": f"This family already has an open case ({existing.reference}): use that case."}
        )
    try:
        with transaction.atomic():
            case = Case.objects.create(
                family=family, pathway=pathway, team=team, opened_at=timezone.now(), opened_by=by
            )
    except IntegrityError:
        raise ValidationError({"family": "This family already has an open case."}) from None
    chronology_write(
        family=family,
        case=case,
        kind=ChronologyKind.CASE_OPENED,
        summary=f"Case {case.reference} opened at pathway {Pathway(pathway).label} with {team}",
        author=by,
    )
    return case


def _end_allocation(allocation: Allocation, now: datetime) -> None:
    allocation.ended_at = now
    allocation.save(update_fields=["ended_at"])
    still_allocated = Allocation.objects.filter(
        case=allocation.case, user=allocation.user, ended_at__isnull=True
    ).exists()
    if not still_allocated:
        remove_perm("view_case", allocation.user, allocation.case)


@transaction.atomic
def case_allocate(
    *, case: Case, user: User, role: str, by: User, expected_version: int | None = None
) -> Allocation:
    case = _lock_case(case, expected_version)
    if not case.is_open:
        raise ValidationError("A closed case cannot be allocated.", code="closed")
    if role not in AllocationRole.values:
        raise ValidationError({"role": "Choose the role they will have."})
    refusal = _allocatable(user, role, case)
    if refusal:
        raise ValidationError({"user": refusal})
    if Allocation.objects.filter(case=case, user=user, role=role, ended_at__isnull=True).exists():
        raise ValidationError(
            {"user": f"{user} is already allocated to this case as {AllocationRole(role).label.lower()}."}
        )
    now = timezone.now()
    replaced = None
    if role in SINGLE_HOLDER_ALLOCATION_ROLES:
        replaced = Allocation.objects.filter(case=case, role=role, ended_at__isnull=True).first()
        if replaced:
            _end_allocation(replaced, now)
    allocation = Allocation.objects.create(case=case, user=user, role=role, started_at=now, allocated_by=by)
    assign_perm("view_case", user, case)
    update_fields = ["version"]
    if role == AllocationRole.KEY_WORKER:
        case.key_worker = user
        update_fields.append("key_worker")
    elif role == AllocationRole.ECPP:
        case.ecpp = user
        update_fields.append("ecpp")
    case.version += 1
    case.save(update_fields=update_fields)
    summary = f"{user} allocated as {AllocationRole(role).label.lower()}"
    if replaced:
        summary += f", replacing {replaced.user}"
    chronology_write(
        family=case.family,
        case=case,
        kind=ChronologyKind.CASE_ALLOCATED,
        summary=summary,
        author=by,
    )
    case_allocated.send(
        sender=Case, case=case, role=role, user=user, replaced=replaced.user if replaced else None, by=by
    )
    return allocation


@transaction.atomic
def allocation_end(*, allocation: Allocation, by: User, expected_version: int | None = None) -> Allocation:
    case = _lock_case(allocation.case, expected_version)
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if allocation.ended_at:
        raise ValidationError("That allocation has already ended.", code="ended")
    if allocation.role == AllocationRole.KEY_WORKER and case.is_open:
        raise ValidationError(
            "Allocate a new key worker instead: an open case always keeps one once it has one."
        )
    _end_allocation(allocation, timezone.now())
    update_fields = ["version"]
    if allocation.role == AllocationRole.ECPP:
        case.ecpp = None
        update_fields.append("ecpp")
    case.version += 1
    case.save(update_fields=update_fields)
    chronology_write(
        family=case.family,
        case=case,
        kind=ChronologyKind.ALLOCATION_ENDED,
        summary=f"{allocation.user} no longer allocated as {allocation.get_role_display().lower()}",
        author=by,
    )
    return allocation


@transaction.atomic
def case_close(
    *,
    case: Case,
    reason: str,
    by: User,
    note: str = "",
    expected_version: int | None = None,
    step_down: bool = False,
) -> Case:
    case = _lock_case(case, expected_version)
    if reason not in ClosureReason.values:
        raise ValidationError({"reason": "Choose the reason the case is closing."})
    if reason == ClosureReason.RC9 and not step_down:
        raise ValidationError({"reason": RC9_IS_A_STEP_DOWN})
    _case_transition(case, CaseState.CLOSED)
    now = timezone.now()
    case.closed_at = now
    case.closure_reason = reason
    case.version += 1
    case.save(update_fields=["state", "closed_at", "closure_reason", "version"])
    # Allocations end with the episode; the view permission stays so workers keep their history.
    Allocation.objects.filter(case=case, ended_at__isnull=True).update(ended_at=now)
    chronology_write(
        family=case.family,
        case=case,
        kind=ChronologyKind.CASE_CLOSED,
        summary=f"Case {case.reference} closed: {ClosureReason(reason).label}",
        detail=note.strip(),
        author=by,
    )
    case_closed.send(sender=Case, case=case, reason=reason, by=by)
    return case


@transaction.atomic
def case_transfer(*, case: Case, team: Team, by: User, note: str = "") -> Case:
    """Move an open case to another children's services team (a step-down accepted by the Early
    Help Hub, say). Workers already allocated stay until the new team allocates its own."""
    case = _lock_case(case, None)
    if not case.is_open:
        raise ValidationError("A closed case cannot be transferred.", code="closed")
    if team.agency.kind != AgencyKind.LA_CHILDRENS_SERVICES:
        raise ValidationError({"team": "A case is held by a children's services team."})
    if team.pk == case.team_id:
        return case
    previous = case.team
    case.team = team
    case.version += 1
    case.save(update_fields=["team", "version"])
    chronology_write(
        family=case.family,
        case=case,
        kind=ChronologyKind.CASE_TRANSFERRED,
        summary=f"Case {case.reference} transferred from {previous} to {team}",
        detail=note.strip(),
        author=by,
    )
    return case


# --- involvement and the chronology -----------------------------------------------------------


@transaction.atomic
def involvement_add(*, family: Family, user: User, role_description: str, by: User) -> Involvement:
    if not user.is_active or not user.roles & PRACTICE_ROLES:
        raise ValidationError({"user": f"{user} is not a practitioner, so cannot be involved with a family."})
    if user.agency is None:
        raise ValidationError({"user": f"{user} belongs to no agency: an administrator must set one first."})
    if not role_description.strip():
        raise ValidationError({"role_description": "Say what their role with the family is."})
    already = {"user": f"{user} is already involved with this family."}
    if Involvement.objects.filter(family=family, user=user, ended_at__isnull=True).exists():
        raise ValidationError(already)
    involvement = _insert(
        lambda: Involvement.objects.create(
            family=family,
            user=user,
            agency=user.agency,
            role_description=role_description.strip(),
            started_at=timezone.now(),
            added_by=by,
        ),
        already,
    )
    assign_perm("view_family", user, family)
    chronology_write(
        family=family,
        kind=ChronologyKind.INVOLVEMENT_STARTED,
        summary=f"{user} ({user.agency}, {involvement.role_description}) now involved with the family",
        author=by,
    )
    return involvement


@transaction.atomic
def involvement_end(*, involvement: Involvement, by: User) -> Involvement:
    involvement = Involvement.objects.select_for_update().get(pk=involvement.pk)
    if involvement.ended_at:
        raise ValidationError("That involvement has already ended.")
    involvement.ended_at = timezone.now()
    involvement.save(update_fields=["ended_at"])
    remove_perm("view_family", involvement.user, involvement.family)
    chronology_write(
        family=involvement.family,
        kind=ChronologyKind.INVOLVEMENT_ENDED,
        summary=f"{involvement.user} ({involvement.agency}) no longer involved with the family",
        author=by,
    )
    return involvement


@transaction.atomic
def chronology_entry_add(
    *,
    family: Family,
    by: User,
    kind: str,
    occurred_at: datetime,
    summary: str,
    detail: str = "",
    case: Case | None = None,
    subject: Person | None = None,
) -> ChronologyEntry:
    errors: dict[str, str] = {}
    if kind not in ChronologyKind.values or kind in SYSTEM_CHRONOLOGY_KINDS:
        errors["kind"] = "Choose what kind of event this was."
    if occurred_at is None:
        errors["occurred_at"] = "Enter when it happened."
    elif occurred_at > timezone.now() + CLOCK_SKEW:
        errors["occurred_at"] = "When it happened must be now or in the past."
    elif occurred_at.date() < EARLIEST_DATE:
        errors["occurred_at"] = "When it happened must be after 1900."
    if not summary.strip():
        errors["summary"] = "Enter a short summary of what happened."
    elif len(summary.strip()) > 300:
        errors["summary"] = "The summary must be 300 characters or fewer: put the rest in the detail."
    if case is not None and case.family_id != family.pk:
        errors["case"] = "That case belongs to another family."
    if subject is not None and not FamilyMember.objects.filter(family=family, person=subject).exists():
        errors["subject"] = "Choose someone who is a member of this family."
    if errors:
        raise ValidationError(errors)
    return chronology_write(
        family=family,
        case=case,
        subject=subject,
        kind=kind,
        summary=summary.strip(),
        detail=detail.strip(),
        occurred_at=occurred_at,
        author=by,
    )


# --- merging duplicate people -----------------------------------------------------------------

# History rows are append-only: they keep pointing at the duplicate, which stays as a row marked
# merged, so nothing is lost. Every other link to the duplicate moves to the record kept.
# Restrictions stay on the record they were made on (a live one refuses the merge).
MERGE_LEAVES_IN_PLACE = frozenset({"cases.chronologyentry", "assessments.contribution", "cases.restriction"})


def _merge_refusal(duplicate: Person, keep: Person, reason: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if duplicate.pk == keep.pk:
        errors["duplicate"] = "Choose a different record: a record cannot be merged into itself."
    elif duplicate.merged_into_id or keep.merged_into_id:
        errors["duplicate"] = (
            "One of these records has already been merged: use the record it was merged into."
        )
    elif duplicate.is_child != keep.is_child:
        errors["duplicate"] = "A child's record and an adult's record cannot be the same person."
    elif duplicate.nhs_number and keep.nhs_number and duplicate.nhs_number != keep.nhs_number:
        errors["duplicate"] = "These records have different NHS numbers, so they are not the same person."
    elif Restriction.objects.filter(person__in=[duplicate, keep], lifted_at__isnull=True).exists():
        errors["duplicate"] = (
            "One of these records is restricted: a manager named on the restriction must lift it first."
        )
    if not reason.strip():
        errors["reason"] = "Say why these records are the same person (what you checked)."
    return errors


def _move_links(duplicate: Person, keep: Person) -> None:
    for membership in FamilyMember.objects.filter(person=duplicate):
        if FamilyMember.objects.filter(family_id=membership.family_id, person=keep).exists():
            membership.delete()
        else:
            membership.person = keep
            membership.save(update_fields=["person"])
    for relationship in Relationship.objects.filter(Q(person=duplicate) | Q(relative=duplicate)):
        person_id = keep.pk if relationship.person_id == duplicate.pk else relationship.person_id
        relative_id = keep.pk if relationship.relative_id == duplicate.pk else relationship.relative_id
        clash = Relationship.objects.filter(
            family_id=relationship.family_id, person_id=person_id, relative_id=relative_id
        ).exclude(pk=relationship.pk)
        if person_id == relative_id or clash.exists():
            relationship.delete()
        else:
            relationship.person_id, relationship.relative_id = person_id, relative_id
            relationship.save(update_fields=["person", "relative"])
    if keep.addresses.filter(moved_out__isnull=True).exists():
        today = timezone.localdate()
        for address in duplicate.addresses.filter(moved_out__isnull=True):
            address.moved_out = max(today, address.moved_in or today)
            address.save(update_fields=["moved_out"])
    duplicate.addresses.update(person=keep)
    handled = {"cases.familymember", "cases.relationship", "cases.address", *MERGE_LEAVES_IN_PLACE}
    for relation in Person._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete:
            continue
        label = relation.related_model._meta.label_lower
        if relation.many_to_many:
            through = relation.through
            own = next(f for f in through._meta.fields if f.related_model is Person)
            other = next(f for f in through._meta.fields if f.is_relation and f is not own)
            already = set(through.objects.filter(**{own.name: keep}).values_list(other.attname, flat=True))
            rows = through.objects.filter(**{own.name: duplicate})
            rows.filter(**{f"{other.attname}__in": already}).delete()
            rows.update(**{own.name: keep})
        elif label not in handled:
            relation.related_model._base_manager.filter(**{relation.field.name: duplicate}).update(
                **{relation.field.name: keep}
            )


@transaction.atomic
def person_merge(
    *, duplicate: Person, keep: Person, reason: str, by: User, expected_version: int | None = None
) -> Person:
    """Merge a duplicate record into the record kept, with the reason recorded. Families,
    relationships, addresses, contacts and visits move to the record kept; chronology entries and
    contributions stay as written (append-only) and are read through the duplicate's pointer."""
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[duplicate.pk, keep.pk])}
    duplicate, keep = locked[duplicate.pk], locked[keep.pk]
    if expected_version is not None and keep.version != expected_version:
        raise ValidationError({"version": STALE_EDIT}, code="stale")
    errors = _merge_refusal(duplicate, keep, reason)
    if errors:
        raise ValidationError(errors)
    families = list(
        Family.objects.filter(memberships__person__in=[duplicate, keep]).distinct().order_by("pk")
    )
    taken = []
    if keep.kind == PersonKind.UNBORN and duplicate.kind == PersonKind.CHILD:
        # The baby has been born: the record kept becomes the child's record.
        keep.kind, keep.expected_date_of_birth = PersonKind.CHILD, None
        taken.append("born: now a child's record")
    for field in ("first_name", "nhs_number", "upn", "middle_names", "preferred_name", "date_of_birth"):
        if getattr(duplicate, field) and not getattr(keep, field):
            taken.append(Person._meta.get_field(field).verbose_name)
            setattr(keep, field, getattr(duplicate, field))
            if field in ("nhs_number", "upn"):
                setattr(duplicate, field, "")  # unique: released by the duplicate first
    if keep.sex == Sex.UNKNOWN and duplicate.sex != Sex.UNKNOWN:
        keep.sex = duplicate.sex
        taken.append("sex")
    now = timezone.now()
    duplicate.merged_into, duplicate.merged_at, duplicate.merged_by = keep, now, by
    duplicate.merge_reason = reason.strip()
    duplicate.version += 1
    duplicate.save()
    _move_links(duplicate, keep)
    keep.version += 1
    keep.save()
    detail = reason.strip() + (f"\nTaken from the duplicate: {', '.join(taken)}." if taken else "")
    if duplicate.date_of_birth and keep.date_of_birth and duplicate.date_of_birth != keep.date_of_birth:
        detail += (
            f"\nThe dates of birth differed: this record's {keep.date_of_birth:%d %B %Y} is kept; "
            f"the duplicate had {duplicate.date_of_birth:%d %B %Y}."
        )
    for family in families:
        chronology_write(
            family=family,
            subject=keep,
            kind=ChronologyKind.RECORDS_MERGED,
            summary=f"Duplicate record P{duplicate.pk} of {duplicate} merged into this record",
            detail=detail,
            author=by,
        )
        chronology_write(
            family=family,
            subject=duplicate,
            kind=ChronologyKind.RECORDS_MERGED,
            summary=f"This record (P{duplicate.pk}) was merged into P{keep.pk} {keep}",
            detail=detail,
            author=by,
        )
    return keep


# --- families' feedback on the help they got --------------------------------------------------
# A family is asked when their plan ends or the case steps down or closes: by a single-use link
# (feedback_invite, then feedback_give on the public form) or by a worker recording what they said
# in a conversation (feedback_record). The feedback goes on the family's chronology.

FEEDBACK_NOT_YET = (
    "A family is asked for feedback when their plan ends or the case steps down or closes: "
    "nothing on this case has ended yet."
)
FEEDBACK_LINK_NOT_WORKING = "This link no longer works."
FEEDBACK_ANSWER_REQUIRED = {
    "help_right": "Select whether the help was the right help for your family",
    "listened_to": "Select whether you felt listened to",
    "ask_again": "Select whether you would ask us for help again",
}
# How the chronology tells that something ended, in the words the services above cases write there
# (pathways: a pathway change and a child's plan ending; stepdown: an approval). The tests in
# tests/cases/test_family_feedback.py drive those services, so a change of wording fails there.
PATHWAY_DOWN = re.compile(r"^Pathway (\d) → (\d)")
STEP_DOWN_APPROVED = re.compile(r"^Step-down SD\d+: (approved by |accepted by the Early Help Hub)")
PLAN_ENDED = re.compile(r"plan ended", re.IGNORECASE)


def feedback_moment(case: Case) -> str | None:
    """Why the family may be asked for feedback on this case now (in words), or None when nothing
    has ended: the case closed, it stepped down (to a lower pathway, or a step-down to early help
    was approved), or a plan ended."""
    if case.state == CaseState.CLOSED:
        return f"The case closed on {timezone.localtime(case.closed_at):%-d %B %Y}"
    entries = ChronologyEntry.objects.filter(
        case=case,
        kind__in=[ChronologyKind.PATHWAY_CHANGED, ChronologyKind.STEP_DOWN, ChronologyKind.CHILD_RECORD],
    ).order_by("-occurred_at", "-pk")
    for entry in entries.only("kind", "summary", "occurred_at"):
        when = f"{timezone.localtime(entry.occurred_at):%-d %B %Y}"
        if entry.kind == ChronologyKind.PATHWAY_CHANGED:
            moved = PATHWAY_DOWN.match(entry.summary)
            if moved and int(moved.group(2)) < int(moved.group(1)):
                return f"The case stepped down to pathway {moved.group(2)} on {when}"
        elif entry.kind == ChronologyKind.STEP_DOWN and STEP_DOWN_APPROVED.match(entry.summary):
            return f"The case stepped down to early help on {when}"
        elif entry.kind == ChronologyKind.CHILD_RECORD and PLAN_ENDED.search(entry.summary):
            return f"A plan ended on {when}"
    return None


def _feedback_errors(*, help_right: str, listened_to: str, ask_again: str, comments: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field, value, allowed in (
        ("help_right", help_right, FeedbackAnswer.values),
        ("listened_to", listened_to, FeedbackAnswer.values),
        ("ask_again", ask_again, AskAgainAnswer.values),
    ):
        if value not in allowed:
            errors[field] = FEEDBACK_ANSWER_REQUIRED[field]
    if len(comments or "") > LONG_TEXT:
        errors["comments"] = f"What you tell us must be {LONG_TEXT:,} characters or fewer"
    return errors


def _feedback_save(
    *,
    case: Case,
    via: str,
    author: User,
    help_right: str,
    listened_to: str,
    ask_again: str,
    comments: str,
    given_by: str,
    invitation: FeedbackInvitation | None = None,
    recorded_by: User | None = None,
) -> FamilyFeedback:
    now = timezone.now()
    feedback = FamilyFeedback.objects.create(
        case=case,
        family=case.family,
        team=case.team,
        invitation=invitation,
        help_right=help_right,
        listened_to=listened_to,
        ask_again=ask_again,
        comments=comments.strip(),
        via=via,
        given_by=given_by.strip()[:200],
        recorded_by=recorded_by,
        given_at=now,
    )
    how = "online" if via == FeedbackVia.ONLINE else f"in a conversation with {recorded_by}"
    answers = (
        f"right help: {FeedbackAnswer(help_right).label.lower()}; "
        f"listened to: {FeedbackAnswer(listened_to).label.lower()}; "
        f"would ask again: {AskAgainAnswer(ask_again).label.lower()}"
    )
    detail = "\n".join(
        part
        for part in (
            f"Given by: {feedback.given_by}" if feedback.given_by else "",
            f"In their words: {feedback.comments}" if feedback.comments else "",
        )
        if part
    )
    chronology_write(
        family=case.family,
        case=case,
        kind=ChronologyKind.FAMILY_FEEDBACK,
        summary=f"The family's feedback on the help they got ({how}): {answers}",
        detail=detail,
        author=author,
        occurred_at=now,
    )
    return feedback


@transaction.atomic
def feedback_invite(*, case: Case, by: User) -> tuple[FeedbackInvitation, str]:
    """Make a single-use link for the family to give feedback, and return it with its token (the
    only time the token exists outside the family's link: the database keeps its hash). A newer
    link replaces any the case's family still holds."""
    case = _lock_case(case, None)
    moment = feedback_moment(case)
    if moment is None:
        raise ValidationError(FEEDBACK_NOT_YET, code="not_yet")
    now = timezone.now()
    for older in FeedbackInvitation.objects.select_for_update().filter(
        case=case, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ):
        _feedback_invitation_end(older, by, now, "Replaced by a newer link")
    token = secrets.token_urlsafe(32)
    invitation = FeedbackInvitation.objects.create(
        case=case,
        family=case.family,
        token_hash=FeedbackInvitation.hash_token(token),
        moment=moment[:200],
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=settings.FEEDBACK_LINK_DAYS),
    )
    FeedbackInvitationEvent.objects.create(
        invitation=invitation,
        kind=FeedbackInvitationEventKind.SENT,
        summary=f"Feedback link made for the family of case {case.reference}: {moment}",
        at=now,
        by=by,
    )
    return invitation, token


def _feedback_invitation_end(invitation: FeedbackInvitation, by: User, now: datetime, why: str) -> None:
    invitation.revoked_at, invitation.revoked_by = now, by
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    FeedbackInvitationEvent.objects.create(
        invitation=invitation, kind=FeedbackInvitationEventKind.REVOKED, summary=why, at=now, by=by
    )


@transaction.atomic
def feedback_invitation_revoke(*, invitation: FeedbackInvitation, by: User) -> FeedbackInvitation:
    """Withdraw a link the family has not used (sent to the wrong address, say)."""
    invitation = FeedbackInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at:
        raise ValidationError("The family has already used this link.", code="used")
    if invitation.revoked_at:
        raise ValidationError("This link has already been withdrawn.", code="revoked")
    _feedback_invitation_end(invitation, by, timezone.now(), f"Link withdrawn by {by}")
    return invitation


@transaction.atomic
def feedback_give(
    *,
    token: str,
    help_right: str,
    listened_to: str,
    ask_again: str,
    comments: str = "",
    given_by: str = "",
) -> FamilyFeedback:
    """A family's feedback through their link (no sign-in). A used, expired, withdrawn or unknown
    link raises the same error, so the answer tells nothing about which it was."""
    invitation = (
        FeedbackInvitation.objects.select_for_update()
        .select_related("case", "case__family", "case__team", "created_by")
        .filter(token_hash=FeedbackInvitation.hash_token(token))
        .first()
    )
    if invitation is None or invitation.state != "open":
        raise ValidationError(FEEDBACK_LINK_NOT_WORKING, code="link")
    errors = _feedback_errors(
        help_right=help_right, listened_to=listened_to, ask_again=ask_again, comments=comments
    )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    FeedbackInvitationEvent.objects.create(
        invitation=invitation, kind=FeedbackInvitationEventKind.USED, summary="Feedback given online", at=now
    )
    return _feedback_save(
        case=invitation.case,
        via=FeedbackVia.ONLINE,
        author=invitation.created_by,
        help_right=help_right,
        listened_to=listened_to,
        ask_again=ask_again,
        comments=comments,
        given_by=given_by,
        invitation=invitation,
    )


@transaction.atomic
def feedback_record(
    *,
    case: Case,
    by: User,
    help_right: str,
    listened_to: str,
    ask_again: str,
    comments: str = "",
    given_by: str = "",
) -> FamilyFeedback:
    """A worker records the feedback a family gave in a conversation (on the phone, at a visit)."""
    case = _lock_case(case, None)
    errors = _feedback_errors(
        help_right=help_right, listened_to=listened_to, ask_again=ask_again, comments=comments
    )
    if feedback_moment(case) is None:
        errors["__all__"] = FEEDBACK_NOT_YET
    if errors:
        raise ValidationError(errors)
    return _feedback_save(
        case=case,
        via=FeedbackVia.CONVERSATION,
        author=by,
        help_right=help_right,
        listened_to=listened_to,
        ask_again=ask_again,
        comments=comments,
        given_by=given_by,
        recorded_by=by,
    )
