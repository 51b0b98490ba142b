"""Reads for step-down pages: where a case's step-down stands, the lists, and the monthly audit."""

from dataclasses import dataclass, field
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.db.models import Case as SqlCase
from django.db.models import Count, Q, QuerySet, Value, When
from django.utils import timezone

from cases.choices import Pathway
from cases.models import Case
from cases.permissions import cases_visible_to, families_visible_to
from pathways.models import PathwayTransition
from referrals.models import Contact
from stepdown.choices import OPEN_STATES, ReviewOutcome, StepDownState
from stepdown.models import AuditSample, ReviewSet, StepDown
from stepdown.permissions import (
    hub_teams_of,
    review_sets_visible_to,
    stepdowns_to_approve,
    stepdowns_visible_to,
)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime(month.year, month.month, 1))
    return start, start + relativedelta(months=1)


def month_step_downs(start: datetime, end: datetime) -> QuerySet[StepDown]:
    """Step-downs completed in the period: what the monthly audit lists and samples."""
    return StepDown.objects.filter(
        state=StepDownState.COMPLETED, completed_at__gte=start, completed_at__lt=end
    )


def month_step_ups(start: datetime, end: datetime) -> QuerySet[PathwayTransition]:
    """Moves from early help (pathways 1-2) into social care (3-4) in the period."""
    return PathwayTransition.objects.filter(
        at__gte=start, at__lt=end, from_pathway__lte=Pathway.FAMILY_HELP, to_pathway__gte=Pathway.REDUCE_RISK
    )


def rereferred_within_year(since: dict[int, datetime]) -> set[int]:
    """Families referred again (a new contact, or a step-up) within 12 months after `since[family]`."""
    if not since:
        return set()
    contacts = Contact.objects.filter(family_id__in=since).values_list("family_id", "received_at")
    ups = PathwayTransition.objects.filter(
        case__family_id__in=since, to_pathway__gte=Pathway.REDUCE_RISK
    ).values_list("case__family_id", "at")
    return {
        family_id
        for family_id, at in [*contacts, *ups]
        if since[family_id] < at <= since[family_id] + relativedelta(months=12)
    }


def current_stepdown(case: Case) -> StepDown | None:
    """The step-down in progress on the case, else its latest one (for the case page)."""
    in_progress = SqlCase(When(state__in=OPEN_STATES, then=Value(0)), default=Value(1))
    return (
        StepDown.objects.filter(case=case)
        .select_related("proposed_by", "receiving_team")
        .order_by(in_progress, *StepDown._meta.ordering)
        .first()
    )


def stepdown_queues(user) -> dict[str, QuerySet[StepDown]]:
    visible = stepdowns_visible_to(user).select_related("case", "family", "proposed_by", "receiving_team")
    queues = {"mine": visible.filter(proposed_by=user, state__in=OPEN_STATES)}
    if user.has_perm("stepdown.approve_stepdown"):
        # The same people the approval task goes to (stepdown/permissions.py stepdown_approvers).
        queues["to_approve"] = stepdowns_to_approve(user, visible).order_by("proposed_at")
        queues["panel"] = visible.filter(state=StepDownState.AWAITING_PANEL).order_by("proposed_at")
        queues["hub"] = visible.filter(
            state__in=[StepDownState.WITH_HUB, StepDownState.DISCUSSING],
            receiving_team__in=hub_teams_of(user),
        ).order_by("proposed_at")
    return queues


@dataclass
class AuditReport:
    month: date
    step_downs: list = field(default_factory=list)
    step_ups: list = field(default_factory=list)
    sample: AuditSample | None = None
    items: list = field(default_factory=list)
    hidden: int = 0


def audit_report(user, month: date) -> AuditReport:
    """The month's step-downs and step-ups for managers and auditors, the drawn sample with findings,
    and families referred again within 12 months of a step-down flagged."""
    month = month.replace(day=1)
    start, end = month_bounds(month)
    visible_families = families_visible_to(user)
    step_downs = month_step_downs(start, end).select_related("family", "case", "proposed_by", "approved_by")
    step_ups = month_step_ups(start, end).select_related("case__family", "by")
    report = AuditReport(month=month)
    total = step_downs.count() + step_ups.count()
    report.step_downs = list(step_downs.filter(family__in=visible_families).order_by("completed_at"))
    report.step_ups = list(step_ups.filter(case__family__in=visible_families).order_by("at"))
    report.hidden = total - len(report.step_downs) - len(report.step_ups)
    # Re-referred within 12 months after its step-down; a step-up within 12 months after one.
    since = {s.family_id: s.completed_at for s in report.step_downs}
    again = rereferred_within_year(since)
    for step_down in report.step_downs:
        step_down.rereferred = step_down.family_id in again
    up_families = {t.case.family_id for t in report.step_ups}
    earlier = {}
    for step_down in StepDown.objects.filter(
        state=StepDownState.COMPLETED, family_id__in=up_families, completed_at__lt=end
    ).order_by("completed_at"):
        earlier[step_down.family_id] = step_down.completed_at
    for transition in report.step_ups:
        stepped_down = earlier.get(transition.case.family_id)
        transition.rereferred = bool(
            stepped_down and stepped_down + relativedelta(months=12) >= transition.at
        )
    report.sample = AuditSample.objects.filter(month=month).select_related("drawn_by").first()
    if report.sample:
        report.items = list(
            report.sample.items.filter(family__in=visible_families).select_related(
                "family", "step_down", "transition__case", "audited_by"
            )
        )
    return report


# --- drift review sets: the report, as Stockton's tables counted their audit of open CIN cases ------


@dataclass
class ReviewTally:
    """One row of a review set's report: a team's cases (or all of them) by outcome."""

    label: str
    audited: int = 0
    continued: int = 0
    stepped_down: int = 0
    closed: int = 0
    escalated: int = 0
    waiting: int = 0

    def add(self, outcome: str) -> None:
        self.audited += 1
        field_name = {
            ReviewOutcome.CONTINUE: "continued",
            ReviewOutcome.STEP_DOWN: "stepped_down",
            ReviewOutcome.CLOSE: "closed",
            ReviewOutcome.ESCALATE: "escalated",
        }.get(outcome, "waiting")
        setattr(self, field_name, getattr(self, field_name) + 1)

    def share(self, count: int) -> int:
        """`count` as a whole percentage of the cases audited."""
        return round(100 * count / self.audited) if self.audited else 0

    @property
    def closed_share(self) -> int:
        return self.share(self.closed)

    @property
    def stepped_down_share(self) -> int:
        return self.share(self.stepped_down)

    @property
    def continued_share(self) -> int:
        return self.share(self.continued)

    @property
    def escalated_share(self) -> int:
        return self.share(self.escalated)

    @property
    def waiting_share(self) -> int:
        return self.share(self.waiting)

    def as_dict(self) -> dict:
        return {
            "audited": self.audited,
            "continued": self.continued,
            "stepped_down": self.stepped_down,
            "closed": self.closed,
            "escalated": self.escalated,
            "waiting": self.waiting,
        }


@dataclass
class ReviewReport:
    teams: list[ReviewTally]
    total: ReviewTally


def review_set_report(items) -> ReviewReport:
    """Counts per team of the case (its team now) and in total, from the set's items as loaded
    (with case__team); no query of its own."""
    teams: dict[str, ReviewTally] = {}
    total = ReviewTally("Total")
    for item in items:
        name = str(item.case.team)
        teams.setdefault(name, ReviewTally(name)).add(item.outcome)
        total.add(item.outcome)
    return ReviewReport(teams=[teams[name] for name in sorted(teams)], total=total)


def open_review_sets(user) -> QuerySet[ReviewSet]:
    """The open sets the user made (the drift page's "add them to an open set")."""
    return ReviewSet.objects.filter(created_by=user, closed_at__isnull=True).order_by("-created_at", "-pk")


def review_sets_listed(user) -> QuerySet[ReviewSet]:
    """The sets the user may read, with how many of the cases they may see each holds and how many
    of those wait (a restricted family's case is not counted, as the set's report leaves it out)."""
    seen = Q(items__case__in=cases_visible_to(user))
    return (
        review_sets_visible_to(user)
        .select_related("created_by")
        .annotate(
            audited=Count("items", filter=seen), waiting=Count("items", filter=seen & Q(items__outcome=""))
        )
        .order_by("-created_at", "-pk")
    )
