"""Reads for decisions and pathways."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Team
from assessments.models import Contribution
from cases.choices import CaseState, FamilyRole, PersonKind
from cases.models import Allocation, Case, Person
from cases.panels import HOME_LIST_SIZE, home_sections
from cases.permissions import cases_visible_to, sees_whole_record
from escalation.choices import ClockKind, ClockState
from escalation.models import Clock
from escalation.selectors import open_clock
from pathways.choices import DecisionState
from pathways.codes import AbuseCategory, S47Outcome
from pathways.models import (
    ChildAssessment,
    CinEpisode,
    CpPlan,
    Decision,
    Section47,
    Supervision,
    SupervisionAction,
    SupervisionReflection,
)
from pathways.permissions import packages_visible_to, supervision_refusal


def cases_needing_ecpp(user) -> QuerySet[Case]:
    """Open cases whose assessment cites an indicator requiring an immediate referral to social
    care, made since the last decision an ECPP recorded on the case: they wait in front of an ECPP."""
    immediate = Contribution.objects.filter(
        assessment__family=OuterRef("family"), indicators__immediate_referral=True
    )
    later_ecpp_decision = Decision.objects.filter(
        case=OuterRef(OuterRef("pk")),
        state=DecisionState.RECORDED,
        decided_by__groups__name=Role.ECPP,
        decided_at__gte=OuterRef("recorded_at"),
    )
    unanswered = immediate.annotate(answered=Exists(later_ecpp_decision)).filter(answered=False)
    return (
        cases_visible_to(user)
        .filter(state="open")
        .filter(Exists(unanswered))
        .select_related("family", "team", "key_worker", "ecpp")
    )


def case_children(case: Case) -> QuerySet[Person]:
    """The children a family's case is for: its current child members, unborn children included;
    merged duplicates, those who have left the family and those who have died are not."""
    return Person.objects.filter(
        memberships__family_id=case.family_id,
        memberships__role=FamilyRole.CHILD,
        memberships__left_on__isnull=True,
        kind__in=[PersonKind.CHILD, PersonKind.UNBORN],
        merged_into__isnull=True,
        date_of_death__isnull=True,
    ).order_by("date_of_birth", "expected_date_of_birth", "pk")


@dataclass
class ChildRecord:
    """One child of a case, their statutory status today, and their episodes, newest first."""

    child: Person
    status: str
    episodes: list[CinEpisode]
    open_episode: CinEpisode | None


def _status(episode: CinEpisode | None) -> str:
    if episode is None:
        return "Not a child in need"
    cp_plan = next((plan for plan in episode.cp_plans.all() if plan.ended_on is None), None)
    if cp_plan is not None:
        return f"Child protection plan ({AbuseCategory(cp_plan.latest_category).label.lower()})"
    if any(enquiry.outcome == "" for enquiry in episode.section47s.all()):
        return "Section 47 enquiry"
    if any(period.ended_on is None for period in episode.cin_plans.all()):
        return "Child in need plan"
    if any(assessment.authorised_on is None for assessment in episode.assessments.all()):
        return "Child in need: being assessed"
    return "Child in need"


def child_records(case: Case) -> list[ChildRecord]:
    """The statutory records of the case's children on this family's cases (a child's episodes
    with another family stay with that family's record), in a fixed number of queries."""
    rows = (
        CinEpisode.objects.filter(case__family_id=case.family_id)
        .select_related("child")
        .prefetch_related(
            "assessments",
            "cin_plans",
            "section47s",
            Prefetch("cp_plans", queryset=CpPlan.objects.prefetch_related("category_changes", "reviews")),
        )
        .order_by("child__date_of_birth", "child_id", "-referral_date", "-pk")
    )
    by_child: dict[int, ChildRecord] = {}
    for child in case_children(case):
        by_child[child.pk] = ChildRecord(child=child, status=_status(None), episodes=[], open_episode=None)
    for episode in rows:
        record = by_child.setdefault(
            episode.child_id,
            ChildRecord(child=episode.child, status=_status(None), episodes=[], open_episode=None),
        )
        record.episodes.append(episode)
        if episode.closure_date is None:
            record.open_episode = episode
            record.status = _status(episode)
    return list(by_child.values())


def children_awaiting(records: list[ChildRecord], case: Case) -> dict[str, list]:
    """The children whose records on this case wait for a step, read from child_records (already
    loaded) rather than queried again: the same rows as assessments_awaiting, enquiries_awaiting_outcome
    and icpc_awaiting, which the services lock."""
    open_here = [
        episode
        for record in records
        for episode in record.episodes
        if episode.case_id == case.pk and episode.closure_date is None
    ]
    return {
        "assessment": [
            episode.child
            for episode in open_here
            for assessment in episode.assessments.all()
            if assessment.authorised_on is None
        ],
        "s47_outcome": [
            episode.child
            for episode in open_here
            for enquiry in episode.section47s.all()
            if enquiry.outcome == ""
        ],
        "icpc": [
            episode.child
            for episode in open_here
            for enquiry in episode.section47s.all()
            if enquiry.outcome == S47Outcome.HOLD_ICPC and enquiry.icpc_date is None
        ],
    }


def assessments_awaiting(case: Case) -> QuerySet[ChildAssessment]:
    """The children's section 17 assessments on the case still to be authorised."""
    return (
        ChildAssessment.objects.filter(
            episode__case=case, episode__closure_date__isnull=True, authorised_on__isnull=True
        )
        .select_related("episode__child")
        .order_by("episode__child__date_of_birth", "pk")
    )


def enquiries_awaiting_outcome(case: Case) -> QuerySet[Section47]:
    """The children's section 47 enquiries on the case still without an outcome."""
    return (
        Section47.objects.filter(episode__case=case, episode__closure_date__isnull=True, outcome="")
        .select_related("episode__child")
        .order_by("episode__child__date_of_birth", "pk")
    )


def icpc_awaiting(case: Case) -> QuerySet[Section47]:
    """The section 47 enquiries on the case whose conference is still to be held."""
    return (
        Section47.objects.filter(
            episode__case=case,
            episode__closure_date__isnull=True,
            outcome=S47Outcome.HOLD_ICPC,
            icpc_date__isnull=True,
        )
        .select_related("episode__child")
        .order_by("episode__child__date_of_birth", "pk")
    )


def ecpp_home_panel(*, user) -> dict | None:
    """An ECPP's home page starts with the cases whose immediate-referral indicators wait for one."""
    if user.primary_role != Role.ECPP:
        return None
    return home_sections([("Immediate-referral indicators waiting for an ECPP", cases_needing_ecpp(user))])


def assessment_packages_panel(*, user, family) -> dict | None:
    """A partner's view of the family's assessment: the referral packages the family agreed to share
    with their agency (children's services staff see the whole assessment instead)."""
    if sees_whole_record(user):
        return None
    packages = packages_visible_to(user).filter(family=family).order_by("-version")[:10]
    return {"packages": packages} if packages else None


# --- case supervision --------------------------------------------------------------------------


def case_supervisions(case: Case) -> QuerySet[Supervision]:
    """The case's supervisions, newest first, with their actions and reflections, in a fixed
    number of queries (the caller has checked pathways/permissions.py case_for_supervision)."""
    return (
        Supervision.objects.filter(case=case)
        .select_related("practitioner", "manager")
        .prefetch_related(
            "children",
            Prefetch("actions", queryset=SupervisionAction.objects.select_related("owner", "done_by")),
            Prefetch("reflections", queryset=SupervisionReflection.objects.select_related("by")),
        )
    )


def last_supervised_on(case: Case):
    return Supervision.objects.filter(case=case).aggregate(last=Max("held_on"))["last"]


def _overdue_clock(now) -> Q:
    """A SUPERVISION clock still open whose due time has passed (breached by the sweep, or not yet)."""
    return Q(state=ClockState.BREACHED) | Q(state=ClockState.RUNNING, due_at__lt=now)


def overdue_supervision_clocks(now):
    """The case's (OuterRef "pk") SUPERVISION clock, when it is overdue: one rule for the overdue
    lists, the dashboards and the drift review (stepdown/drift.py)."""
    return Clock.objects.filter(
        _overdue_clock(now),
        kind=ClockKind.SUPERVISION,
        content_type=ContentType.objects.get_for_model(Case),
        object_id=OuterRef("pk"),
    )


def supervision_status(case: Case, now=None) -> dict:
    """The case's supervision at a glance: when it was last supervised, when next due, overdue."""
    now = now or timezone.now()
    clock = open_clock(case, ClockKind.SUPERVISION)
    overdue = clock is not None and (clock.state == ClockState.BREACHED or clock.due_at < now)
    return {
        "last": last_supervised_on(case),
        "clock": clock,
        "next_due": clock and clock.due_at,
        "overdue": overdue,
    }


def supervision_teams(user) -> QuerySet[Team]:
    """The teams whose supervision a manager answers for: those they manage or belong to."""
    return Team.objects.filter(Q(manager=user) | Q(members=user)).distinct()


def cases_overdue_for_supervision(user, *, teams=None, now=None) -> QuerySet[Case]:
    """Open cases of the user's teams (or of `teams`) the user may see whose next supervision is
    overdue, longest overdue first. One query, whatever the number of cases."""
    now = now or timezone.now()
    team_ids = (teams if teams is not None else supervision_teams(user)).values("pk")
    due = Clock.objects.filter(
        kind=ClockKind.SUPERVISION,
        content_type=ContentType.objects.get_for_model(Case),
        object_id=OuterRef("pk"),
        state__in=[ClockState.RUNNING, ClockState.BREACHED],
    ).values("due_at")[:1]
    return (
        cases_visible_to(user)
        .filter(state=CaseState.OPEN, team_id__in=team_ids)
        .filter(Exists(overdue_supervision_clocks(now)))
        .annotate(supervision_due_at=due)
        .select_related("family", "team", "key_worker", "ecpp")
        .order_by("supervision_due_at", "pk")
    )


def supervision_overdue_by_team(team_ids, now=None) -> dict[int, int]:
    """How many open cases of each team are overdue for supervision: one grouped query, for the
    managers' dashboard (figures, never a family)."""
    now = now or timezone.now()
    rows = (
        Case.objects.filter(state=CaseState.OPEN, team_id__in=list(team_ids))
        .filter(Exists(overdue_supervision_clocks(now)))
        .values("team")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["team"]: row["n"] for row in rows}


def supervision_home_panel(*, user) -> dict | None:
    """A team manager's home starts with their teams' cases overdue for supervision."""
    if not user.has_perm("pathways.record_supervision"):
        return None
    cases = cases_overdue_for_supervision(user)
    return {"cases": cases[:HOME_LIST_SIZE], "total": cases.count()}


def supervision_case_panel(*, user, case) -> dict | None:
    """The case page: last supervised, next due, overdue, and the way to the supervisions, in one
    query. Partners see nothing of it here (only the chronology's line)."""
    if not sees_whole_record(user):
        return None
    clocks = Clock.objects.filter(
        kind=ClockKind.SUPERVISION,
        content_type=ContentType.objects.get_for_model(Case),
        object_id=OuterRef("pk"),
        state__in=[ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED],
    ).order_by("due_at")
    asked = {
        "last": Subquery(
            Supervision.objects.filter(case=OuterRef("pk")).order_by("-held_on").values("held_on")[:1]
        ),
        "next_due": Subquery(clocks.values("due_at")[:1]),
        "clock_state": Subquery(clocks.values("state")[:1]),
    }
    may_record = case.is_open and user.has_perm("pathways.record_supervision")
    if may_record:
        asked["in_team"] = Exists(Team.objects.filter(pk=OuterRef("team_id"), members=user))
        asked["allocated"] = Exists(
            Allocation.objects.filter(case=OuterRef("pk"), user=user, ended_at__isnull=True)
        )
    row = Case.objects.filter(pk=case.pk).annotate(**asked).values(*asked).get()
    can_record = may_record and (
        supervision_refusal(user, case, in_team=row["in_team"], allocated=row["allocated"]) is None
    )
    if row["last"] is None and row["next_due"] is None and not can_record:
        return None
    overdue = row["next_due"] is not None and (
        row["clock_state"] == ClockState.BREACHED or row["next_due"] < timezone.now()
    )
    return {
        "case": case,
        "last": row["last"],
        "next_due": row["next_due"],
        "overdue": overdue,
        "can_record": can_record,
    }
