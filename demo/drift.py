"""Demo data for the drift review (issue 18): drifting cases in team.manager's teams and a review set
of three of them, one continued, one stepped down (waiting for the family's consent) and one waiting.
Made only through services; seed_demo calls `seed_drift(users, teams)` once, when no review set
exists yet.

Most demo cases at pathways 3 and 4 drift by themselves (opened long ago, not visited since). Where
fewer than three do, a case's plan gets an action that fell due weeks ago: added through the plan
services as of that day (time_machine, as seed_demo dates its history), never by editing rows."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from accounts.choices import TeamKind
from accounts.models import Team
from cases.choices import CaseState, Pathway
from pathways.choices import ActionStatus
from pathways.models import Plan, PlanAction
from pathways.services import plan_action_add, plan_start
from stepdown.choices import OPEN_STATES, ReviewOutcome, Route
from stepdown.drift import drift_for
from stepdown.permissions import reviewable_cases_for
from stepdown.services import StepDownChoice, assessment_done_for, review_outcome_record, review_set_create

WANTED = 3
OVERDUE_BY = timedelta(days=30)


def _candidates(manager):
    return (
        reviewable_cases_for(manager)
        .filter(state=CaseState.OPEN, pathway__gte=Pathway.FAMILY_HELP)
        .exclude(key_worker=manager)
        .exclude(family__restrictions__isnull=False)
        .exclude(step_downs__state__in=OPEN_STATES)
        .select_related("key_worker", "team", "family")
        .order_by("pk")
    )


def _overdue_action(case, by) -> bool:
    """Give the case's plan one action that fell due a month ago (when it has no open action still in
    date): added as of six weeks ago, or just after the case opened if that was later."""
    today = timezone.localdate()
    if PlanAction.objects.filter(
        plan__case=case, status__in=[ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS], by_when__gte=today
    ).exists():
        return False
    then = max(timezone.now() - OVERDUE_BY - timedelta(days=14), case.opened_at + timedelta(hours=1))
    due = timezone.localdate(then) + timedelta(days=7)
    if due >= today:
        return False
    with time_machine.travel(then, tick=False):
        plan = Plan.objects.filter(case=case, ended_on__isnull=True).first() or plan_start(case=case, by=by)
        if plan.started_on > due:
            return False
        plan_action_add(
            plan=plan,
            by=by,
            what="Agree a morning routine with the family and check it at the next visit",
            who=str(by),
            by_when=due,
        )
    return True


def _step_down_choice(case, teams) -> StepDownChoice:
    """After an authorised assessment the MASG route; before one, the Early Help Hub's (route b)."""
    needs = "Help with routines and school attendance; the family asked for a parenting group."
    if assessment_done_for(case):
        return StepDownChoice(route=Route.MASG, needs=needs)
    hub = (
        teams.get("Early Help Hub")
        or Team.objects.filter(kind=TeamKind.EARLY_HELP_HUB).order_by("pk").first()
    )
    return StepDownChoice(route=Route.REFERRAL, needs=needs, receiving_team=hub)


def seed_drift(users, teams):
    """Returns the review set made (None when team.manager's teams hold too few open cases)."""
    manager = users["team.manager"]
    candidates = _candidates(manager)
    drifting = [row.case for row in drift_for(candidates)]
    if len(drifting) < WANTED:
        for case in candidates.exclude(pk__in=[case.pk for case in drifting]):
            worker = case.key_worker or users.get("social.worker") or manager
            if _overdue_action(case, worker):
                drifting.append(case)
            if len(drifting) >= WANTED:
                break
    if len(drifting) < WANTED:
        return None
    stepping_down = next((case for case in drifting if case.pathway == Pathway.REDUCE_RISK), None)
    others = [case for case in drifting if case != stepping_down]
    chosen = ([stepping_down] if stepping_down else []) + others[: WANTED - (1 if stepping_down else 0)]
    review_set = review_set_create(
        by=manager, name=f"Drifting cases, {timezone.localdate():%B %Y}", cases=chosen
    )
    items = {item.case_id: item for item in review_set.items.select_related("case")}
    continued = chosen[1]
    review_outcome_record(
        item=items[continued.pk],
        by=manager,
        outcome=ReviewOutcome.CONTINUE,
        reason="The plan is working: the family engages and the school reports better attendance. "
        "Visit this month and review at the next CIN meeting.",
    )
    if stepping_down is not None:
        review_outcome_record(
            item=items[stepping_down.pk],
            by=manager,
            outcome=ReviewOutcome.STEP_DOWN,
            reason="The worries that brought the family to social care have eased; the needs that remain "
            "can be met by early help with the family's agreement.",
            step_down=_step_down_choice(stepping_down, teams),
        )
    return review_set
