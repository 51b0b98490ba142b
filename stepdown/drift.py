"""Which open cases are drifting, and why: the rules of issue 18 (as Stockton found cases "not closing
or stepping down in a timely manner"), each with its threshold in settings.

- plan_still: at pathway 3, open over DRIFT_OPEN_MONTHS months, and no plan change (a PlanChange, a
  plan review held, an action added) in DRIFT_PLAN_STILL_MONTHS months;
- no_visit: no home, office or school visit to the family within DRIFT_VISIT_DAYS[pathway] days
  (a pathway not named there is not timed; a case opened more recently than that is not drifting);
- supervision: the case's supervision clock (escalation, ClockKind.SUPERVISION) breached or past due;
- actions_overdue: the open plan has open actions, and every one of them is past its date;
- cp_plan_long: a child's open child protection plan started over DRIFT_CP_PLAN_MONTHS months ago;
- not_seen_alone: at pathway 3 or 4, a child of the family not seen alone in any conversation within
  DRIFT_SEEN_ALONE_DAYS days (a case opened less than that ago is exempt).

A read, like a selector: the rules run in SQL as annotations on a queryset of cases, so a county's
thousands of cases cost one query whatever their number (drift_annotate), and the sentences are made
in Python from what the query brought back (drift_reasons)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from accounts.models import Team
from assessments.choices import ConversationKind
from assessments.models import Conversation
from cases.choices import CaseState, FamilyRole, Pathway, PersonKind
from cases.models import Case, Person
from pathways.choices import ActionStatus
from pathways.models import CpPlan, PlanAction, PlanChange, PlanReview
from pathways.selectors import overdue_supervision_clocks
from stepdown.choices import DriftReason
from stepdown.permissions import drift_cases_for

VISIT_KINDS = (ConversationKind.HOME_VISIT, ConversationKind.OFFICE_VISIT, ConversationKind.SCHOOL_VISIT)
OPEN_ACTION = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS)
SEEN_ALONE_PATHWAYS = (Pathway.REDUCE_RISK, Pathway.PREVENT_HARM)


@dataclass(frozen=True)
class Reason:
    code: str
    text: str


@dataclass
class DriftingCase:
    case: Case
    reasons: list[Reason]

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]


@dataclass(frozen=True)
class Thresholds:
    """The settings, read once per run (tests change them with the `settings` fixture)."""

    open_months: int
    plan_still_months: int
    visit_days: dict[int, int]
    cp_plan_months: int
    seen_alone_days: int

    @classmethod
    def from_settings(cls) -> "Thresholds":
        return cls(
            open_months=getattr(settings, "DRIFT_OPEN_MONTHS", 9),
            plan_still_months=getattr(settings, "DRIFT_PLAN_STILL_MONTHS", 3),
            visit_days={int(k): int(v) for k, v in getattr(settings, "DRIFT_VISIT_DAYS", {}).items()},
            cp_plan_months=getattr(settings, "DRIFT_CP_PLAN_MONTHS", 18),
            seen_alone_days=getattr(settings, "DRIFT_SEEN_ALONE_DAYS", 42),
        )


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


class _Count(Subquery):
    """How many distinct rows a correlated subquery finds (0 when none)."""

    output_field = IntegerField()

    def __init__(self, queryset, **extra):
        counted = Func(F("pk"), template="COUNT(DISTINCT %(expressions)s)", output_field=IntegerField())
        super().__init__(queryset.order_by().annotate(_n=counted).values("_n"), **extra)


def _children_not_seen_alone(since: datetime) -> QuerySet[Person]:
    """The children of the outer case (its family's current child members and its plan's children)
    seen alone in no conversation since `since` (rows may repeat: count them distinct)."""
    seen_alone = Conversation.objects.filter(children_seen_alone=OuterRef("pk"), occurred_at__gte=since)
    of_family = Q(
        memberships__family=OuterRef("family_id"),
        memberships__role=FamilyRole.CHILD,
        memberships__left_on__isnull=True,
    )
    on_plan = Q(support_plans__case=OuterRef("pk"))
    return Person.objects.filter(
        of_family | on_plan, kind=PersonKind.CHILD, merged_into__isnull=True, date_of_death__isnull=True
    ).filter(~Exists(seen_alone))


def drift_annotate(cases: QuerySet[Case], *, now: datetime | None = None) -> QuerySet[Case]:
    """`cases` with each rule's flag (drift_<code>) and the figures its sentence names, in one query."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rules = Thresholds.from_settings()

    # 1. At pathway 3 long, with a plan that has not moved.
    open_before = now - relativedelta(months=rules.open_months)
    still_since = now - relativedelta(months=rules.plan_still_months)
    plan_moved = (
        Exists(PlanChange.objects.filter(plan__case=OuterRef("pk"), at__gte=still_since))
        | Exists(
            PlanReview.objects.filter(plan__case=OuterRef("pk"), held_on__gte=timezone.localdate(still_since))
        )
        | Exists(PlanAction.objects.filter(plan__case=OuterRef("pk"), added_at__gte=still_since))
    )
    plan_still = Q(pathway=Pathway.REDUCE_RISK, opened_at__lt=open_before) & ~plan_moved

    # 2. No visit in the pathway's interval.
    visits = Conversation.objects.filter(
        family=OuterRef("family_id"), kind__in=VISIT_KINDS, occurred_at__lte=now
    )
    last_visit = Subquery(visits.order_by("-occurred_at").values("occurred_at")[:1])
    no_visit = Q(pk__in=[])
    for pathway, days in rules.visit_days.items():
        due_since = now - timedelta(days=days)
        no_visit |= Q(pathway=pathway, opened_at__lt=due_since) & (
            Q(last_visit__isnull=True) | Q(last_visit__lt=due_since)
        )

    # 3. Supervision not on time: the case's supervision clock overdue (pathways' one rule for it).
    supervision_late = overdue_supervision_clocks(now)

    # 4. Every open action on the open plan overdue.
    open_actions = PlanAction.objects.filter(
        plan__case=OuterRef("pk"), plan__ended_on__isnull=True, status__in=OPEN_ACTION
    )
    actions_overdue = Exists(open_actions) & ~Exists(open_actions.filter(by_when__gte=today))

    # 5. A child protection plan open too long.
    cp_before = today - relativedelta(months=rules.cp_plan_months)
    cp_plans = CpPlan.objects.filter(episode__case=OuterRef("pk"), ended_on__isnull=True)

    # 6. A child not seen alone.
    alone_since = now - timedelta(days=rules.seen_alone_days)
    unseen = _children_not_seen_alone(alone_since)
    not_seen_alone = Q(pathway__in=SEEN_ALONE_PATHWAYS, opened_at__lt=alone_since, unseen_alone__gt=0)

    return cases.annotate(
        last_visit=last_visit,
        supervision_due=Subquery(supervision_late.order_by("due_at").values("due_at")[:1]),
        open_actions=_Count(open_actions),
        cp_since=Subquery(
            cp_plans.order_by().values("episode__case").annotate(first=Min("started_on")).values("first")
        ),
        unseen_alone=_Count(unseen),
    ).annotate(
        drift_plan_still=_flag(plan_still),
        drift_no_visit=_flag(no_visit),
        drift_supervision=_flag(Q(supervision_due__isnull=False)),
        drift_actions_overdue=_flag(Q(actions_overdue)),
        drift_cp_plan_long=_flag(Q(cp_since__lt=cp_before)),
        drift_not_seen_alone=_flag(not_seen_alone),
    )


def drift_filter(cases: QuerySet[Case], reason: str | None = None) -> QuerySet[Case]:
    """Of annotated cases, those drifting (for `reason` alone, when given)."""
    codes = [reason] if reason else DriftReason.values
    any_rule = Q(pk__in=[])
    for code in codes:
        any_rule |= Q(**{f"drift_{code}": True})
    return cases.filter(any_rule)


def _months_between(start: date | datetime, end: date | datetime) -> int:
    span = relativedelta(end, start)
    return span.years * 12 + span.months


def drift_reasons(case: Case, *, now: datetime | None = None) -> list[Reason]:
    """The sentences for an annotated case's rules that fire, each naming its number."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rules = Thresholds.from_settings()
    reasons = []
    if case.drift_plan_still:
        months = _months_between(case.opened_at, now)
        reasons.append(
            Reason(
                DriftReason.PLAN_STILL,
                f"Open at pathway 3 for {months} months "
                f"with no plan change in {rules.plan_still_months} months",
            )
        )
    if case.drift_no_visit:
        interval = rules.visit_days.get(case.pathway)
        if case.last_visit is None:
            said = "No visit recorded"
        else:
            said = f"No visit in {(now - case.last_visit).days} days"
        reasons.append(
            Reason(
                DriftReason.NO_VISIT,
                f"{said}: at pathway {case.pathway} a visit is due every {interval} days",
            )
        )
    if case.drift_supervision:
        late_days = max((now - case.supervision_due).days, 0)
        due = f"{timezone.localtime(case.supervision_due):%-d %B %Y}"
        late = f"overdue by {late_days} day{'s' if late_days != 1 else ''}" if late_days else "overdue today"
        reasons.append(Reason(DriftReason.SUPERVISION, f"Supervision {late} (due {due})"))
    if case.drift_actions_overdue:
        count = case.open_actions
        reasons.append(
            Reason(
                DriftReason.ACTIONS_OVERDUE,
                f"All {count} open actions on the plan are overdue"
                if count != 1
                else "The plan's only open action is overdue",
            )
        )
    if case.drift_cp_plan_long:
        months = _months_between(case.cp_since, today)
        reasons.append(
            Reason(
                DriftReason.CP_PLAN_LONG,
                f"A child protection plan open for {months} months (since {case.cp_since:%d %B %Y}); "
                f"the limit is {rules.cp_plan_months}",
            )
        )
    if case.drift_not_seen_alone:
        count = case.unseen_alone
        children = f"{count} child{'ren' if count != 1 else ''}"
        reasons.append(
            Reason(
                DriftReason.NOT_SEEN_ALONE,
                f"{children} not seen alone in {rules.seen_alone_days} days",
            )
        )
    return reasons


def drift_for(cases: QuerySet[Case], *, reason: str | None = None, now=None) -> list[DriftingCase]:
    """The drifting cases among `cases` (open ones only), with their reasons: one query."""
    now = now or timezone.now()
    annotated = drift_annotate(cases.filter(state=CaseState.OPEN), now=now)
    rows = (
        drift_filter(annotated, reason)
        .select_related("family", "team", "key_worker")
        .order_by("opened_at", "pk")
    )
    return [DriftingCase(case, drift_reasons(case, now=now)) for case in rows]


def drifting_cases(
    user, *, team: Team | None = None, reason: str | None = None, now=None
) -> list[DriftingCase]:
    """The drifting cases `user` may review or read (stepdown/permissions.py drift_cases_for), with
    their reasons; optionally one team's, or one reason's."""
    cases = drift_cases_for(user)
    if team is not None:
        cases = cases.filter(team=team)
    return drift_for(cases, reason=reason, now=now)
