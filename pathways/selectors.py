"""Reads for decisions and pathways."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from accounts.choices import Role
from assessments.models import Contribution
from cases.choices import FamilyRole, PersonKind
from cases.models import Case, Person
from cases.panels import home_sections
from cases.permissions import cases_visible_to, sees_whole_record
from pathways.choices import DecisionState
from pathways.codes import AbuseCategory, S47Outcome
from pathways.models import ChildAssessment, CinEpisode, CpPlan, Decision, Section47
from pathways.permissions import packages_visible_to


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
