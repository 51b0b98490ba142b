"""Reads for people, families and cases. Each starts from a queryset restricted in
cases/permissions.py, so nothing here can show a user what they may not see."""

from dataclasses import dataclass
from datetime import date

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Case as SqlCase
from django.db.models import Count, F, FloatField, Max, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Greatest

from accounts.choices import Role
from accounts.models import User
from cases.choices import AskAgainAnswer, CaseState, FeedbackAnswer
from cases.matching import MatchQuery, person_candidates
from cases.models import (
    Address,
    Allocation,
    Case,
    ChronologyEntry,
    Family,
    FamilyFeedback,
    FamilyMember,
    FeedbackInvitation,
    Involvement,
    Person,
    Relationship,
    Restriction,
)
from cases.permissions import (
    behind_restriction,
    cases_visible_to,
    chronology_visible_to,
    covering,
    families_visible_to,
    people_visible_to,
)

CASE_LIST_RELATED = ("family", "team", "key_worker", "ecpp")


def case_list(user: User) -> QuerySet[Case]:
    return cases_visible_to(user).select_related(*CASE_LIST_RELATED)


def cases_of_worker(user: User) -> QuerySet[Case]:
    """Open cases where the user currently holds an allocation (any role)."""
    current = Allocation.objects.filter(user=user, ended_at__isnull=True).values("case_id")
    return case_list(user).filter(state=CaseState.OPEN, pk__in=current)


def cases_of_teams(user: User) -> QuerySet[Case]:
    return case_list(user).filter(state=CaseState.OPEN, team__in=user.teams.all())


def cases_of_involved_families(user: User) -> QuerySet[Case]:
    current = user.involvements.filter(ended_at__isnull=True).values("family_id")
    return case_list(user).filter(state=CaseState.OPEN, family_id__in=current)


def family_members(family: Family, user: User | None = None) -> QuerySet[FamilyMember]:
    """The family's members; with a user, each marked `is_restricted` when they are behind a
    restriction on another family that is closed to the user (show them only as restricted)."""
    current_address = Prefetch(
        "person__addresses",
        queryset=Address.objects.filter(moved_out__isnull=True),
        to_attr="current_addresses",
    )
    return (
        FamilyMember.objects.filter(family=family)
        .select_related("person")
        # Derived, never stored: when each child was last seen, and last seen alone.
        .annotate(
            last_seen=Max("person__seen_in__occurred_at"),
            last_seen_alone=Max("person__seen_alone_in__occurred_at"),
        )
        .prefetch_related(current_address, "person__relationships_from__relative")
        .annotate(
            is_restricted=behind_restriction(user, "person_id") if user is not None else Value(False),
        )
        .order_by("role", "person__date_of_birth", "person__pk")
    )


def family_involvements(family: Family) -> QuerySet[Involvement]:
    return family.involvements.filter(ended_at__isnull=True).select_related("user", "agency")


def case_allocations(case: Case) -> QuerySet[Allocation]:
    return Allocation.objects.filter(case=case, ended_at__isnull=True).select_related("user", "user__agency")


def family_cases(user: User, family: Family) -> QuerySet[Case]:
    """The family's cases past and present that the user may see, the open one first."""
    return (
        cases_visible_to(user)
        .filter(family=family)
        .select_related(*CASE_LIST_RELATED)
        .order_by(F("closed_at").desc(nulls_first=True), "-opened_at", "-pk")
    )


def family_relationships(family: Family, user: User) -> QuerySet[Relationship]:
    """How the family's members relate to each other; either end behind a restriction closed to the
    user is marked (`person_restricted`, `relative_restricted`) so a page shows it only as such."""
    return (
        Relationship.objects.filter(family=family)
        .select_related("person", "relative")
        .annotate(
            person_restricted=behind_restriction(user, "person_id"),
            relative_restricted=behind_restriction(user, "relative_id"),
        )
        .order_by("person__date_of_birth", "person_id", "relative__date_of_birth", "relative_id")
    )


def family_chronology(user: User, family: Family) -> QuerySet[ChronologyEntry]:
    return (
        chronology_visible_to(user)
        .filter(family=family)
        .select_related("author", "author_agency", "subject", "case")
        .order_by("-occurred_at", "-pk")
    )


@dataclass(frozen=True)
class PersonSearch:
    name: str = ""
    date_of_birth: date | None = None
    postcode: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.name.strip() or self.date_of_birth or self.postcode.strip())


def person_search(user: User, search: PersonSearch, *, limit: int = 50) -> QuerySet[Person]:
    """People the user may see, by any part of a name, date of birth and postcode. Each word of the
    name is found in a first, middle, last or preferred name, or is close to a first or last name
    as typed in a hurry ("Thomsen" finds Thompson: pg_trgm similarity, on the names' trigram
    indexes); people whose names hold every word as typed come first, then the closest. Restricted
    people the user may not open are marked `is_restricted`; show them only as "restricted record
    — request access"."""
    if search.is_empty:
        return Person.objects.none()
    # Restricted people the user is not named on come back marked, for a "restricted record —
    # request access" row: never their details.
    people = people_visible_to(user, restricted=False).filter(merged_into__isnull=True)
    people = people.annotate(is_restricted=behind_restriction(user))
    terms = search.name.split()
    as_typed = Q()
    for term in terms:
        contains = (
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(preferred_name__icontains=term)
            | Q(middle_names__icontains=term)
        )
        as_typed &= contains
        people = people.filter(
            contains | Q(last_name__trigram_similar=term) | Q(first_name__trigram_similar=term)
        )
    order = ["last_name", "first_name", "pk"]
    if terms:
        zero = Value(0.0, output_field=FloatField())
        closeness = Greatest(
            *(TrigramSimilarity(name, term) for term in terms for name in ("last_name", "first_name")), zero
        )
        people = people.annotate(
            typed=SqlCase(When(as_typed, then=Value(0)), default=Value(1)), closeness=closeness
        )
        order = ["typed", "-closeness", *order]
    if search.date_of_birth:
        people = people.filter(
            Q(date_of_birth=search.date_of_birth) | Q(expected_date_of_birth=search.date_of_birth)
        )
    if search.postcode.strip():
        # Stored postcodes are normalised ("NG1 5DT"); a partial one ("NG1") matches its start.
        wanted = " ".join(search.postcode.upper().split())
        people = people.filter(pk__in=Address.objects.filter(postcode__startswith=wanted).values("person_id"))
    visible_families = Prefetch("families", queryset=families_visible_to(user), to_attr="visible_families")
    return people.prefetch_related(visible_families).order_by(*order)[:limit]


def possible_duplicates(user: User, person: Person, *, limit: int = 5):
    """Other records that look like this person (the front door's matching), for a manager to merge."""
    address = person.addresses.filter(moved_out__isnull=True).first()
    query = MatchQuery(
        first_name=person.first_name,
        last_name=person.last_name,
        date_of_birth=person.date_of_birth,
        postcode=address.postcode if address else "",
        nhs_number=person.nhs_number,
    )
    candidates = person_candidates(user, query, limit=limit + 1)
    return [c for c in candidates if c.person.pk != person.pk and not c.restricted][:limit]


def family_members_open_to(family: Family, user: User) -> list[FamilyMember]:
    """The members a user may name in a form (restricted ones left out)."""
    return [member for member in family_members(family, user) if not member.is_restricted]


def restrictions_on(*, family_id=None, person_id=None) -> list[Restriction]:
    """Live restrictions covering a family (on it or anyone in it) or a person (on them or any family
    they are in), for the banner on the record's page."""
    live = Restriction.objects.filter(lifted_at__isnull=True)
    return list(live.filter(covering(family_id=family_id, person_id=person_id)).distinct().order_by("pk"))


def home_cases(*, user) -> list[tuple[str, QuerySet[Case]]]:
    """The case lists on each role's home page (config/views.py, through cases/apps.py)."""
    role = user.primary_role
    if role in (Role.FAMILY_HELP_WORKER, Role.SOCIAL_WORKER, Role.ECPP):
        return [("My cases", cases_of_worker(user)), ("My team's cases", cases_of_teams(user))]
    if role == Role.TEAM_MANAGER:
        team_cases = cases_of_teams(user)
        return [
            ("Cases waiting for a key worker", team_cases.filter(key_worker__isnull=True)),
            ("My teams' open cases", team_cases),
        ]
    if role == Role.MASH_MANAGER:
        return [("Cases opened most recently", case_list(user).filter(state=CaseState.OPEN))]
    if role == Role.PARTNER_PRACTITIONER:
        return [("Families you work with", cases_of_involved_families(user))]
    if role == Role.AUDITOR:
        return [("Open cases", case_list(user).filter(state=CaseState.OPEN))]
    return []


# --- families' feedback on the help they got --------------------------------------------------


def case_feedback(case: Case) -> QuerySet[FamilyFeedback]:
    """What the case's family said, newest first (the caller has checked cases/permissions.py
    case_feedback_for_user)."""
    return FamilyFeedback.objects.filter(case=case).select_related("recorded_by", "team")


def feedback_invitation_open(token: str) -> FeedbackInvitation | None:
    """The invitation behind a family's link, if it still works (not used, withdrawn or expired)."""
    from_hash = FeedbackInvitation.objects.filter(token_hash=FeedbackInvitation.hash_token(token)).first()
    return from_hash if from_hash is not None and from_hash.state == "open" else None


def case_feedback_invitations(case: Case) -> QuerySet[FeedbackInvitation]:
    return FeedbackInvitation.objects.filter(case=case).select_related("created_by", "revoked_by")


FEEDBACK_SHARES = {
    "help_right": FeedbackAnswer,
    "listened_to": FeedbackAnswer,
    "ask_again": AskAgainAnswer,
}


def feedback_by_team(teams, since=None, until=None) -> list[dict]:
    """Families' feedback per team given in [since, until): how many, and for each question how
    many gave each answer and its share (whole per cent of that team's feedback). One grouped query
    whatever the number of teams; teams with no feedback are listed with a count of 0."""
    rows = FamilyFeedback.objects.filter(team__in=teams)
    if since is not None:
        rows = rows.filter(given_at__gte=since)
    if until is not None:
        rows = rows.filter(given_at__lt=until)
    counts = {"count": Count("pk")}
    for question, answers in FEEDBACK_SHARES.items():
        for answer in answers.values:
            counts[f"{question}__{answer}"] = Count("pk", filter=Q(**{question: answer}))
    found = {row["team"]: row for row in rows.values("team").annotate(**counts).order_by()}
    result = []
    for team in sorted(teams, key=lambda team: team.name):
        row = found.get(team.pk, {})
        total = row.get("count", 0)
        questions = {}
        for question, answers in FEEDBACK_SHARES.items():
            questions[question] = [
                {
                    "answer": answer.value,
                    "label": answer.label,
                    "count": row.get(f"{question}__{answer.value}", 0),
                    "share": round(100 * row.get(f"{question}__{answer.value}", 0) / total) if total else 0,
                }
                for answer in answers
            ]
        result.append({"team": team, "count": total, "questions": questions})
    return result
