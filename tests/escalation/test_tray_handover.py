"""Work follows the case (issue 16): when a new key worker or ECPP is allocated, the clocks the role
holds for the case pass to them, and the tasks those clocks time leave the old holder's tray (or the
team's, when nobody held the case) for the new one's."""

import pytest

from cases.choices import AllocationRole
from cases.services import case_allocate
from escalation.choices import ClockKind, TaskKind, TaskState
from escalation.models import Clock, ClockEvent, Task
from escalation.selectors import tray
from pathways.models import Plan
from pathways.services import plan_start

pytestmark = pytest.mark.django_db


def _review_clock(case, by):
    plan = Plan.objects.filter(case=case, ended_on__isnull=True).first()
    if plan is None:
        plan_start(case=case, by=by)
        plan = Plan.objects.get(case=case, ended_on__isnull=True)
    return plan, Clock.objects.get(object_id=plan.pk, kind=ClockKind.PLAN_REVIEW, state="running")


def test_a_new_key_worker_takes_over_the_review_and_its_task(cast, world):
    case = world.north_case
    plan, clock = _review_clock(case, cast.team_manager)
    assert clock.holder == cast.fh_worker
    assert tray(cast.fh_worker).filter(kind=TaskKind.REVIEW_DUE, object_id=plan.pk).exists()

    case_allocate(case=case, user=cast.social_worker, role=AllocationRole.KEY_WORKER, by=cast.team_manager)

    clock.refresh_from_db()
    assert clock.holder == cast.social_worker
    assert ClockEvent.objects.filter(clock=clock, summary__contains="in place of").exists()
    assert not tray(cast.fh_worker).filter(kind=TaskKind.REVIEW_DUE, object_id=plan.pk).exists()
    moved = tray(cast.social_worker).get(kind=TaskKind.REVIEW_DUE, object_id=plan.pk)
    assert moved.clock == clock
    old = Task.objects.get(kind=TaskKind.REVIEW_DUE, object_id=plan.pk, user=cast.fh_worker)
    assert old.state == TaskState.CANCELLED and old.events.filter(summary__startswith="Handed over").exists()


def test_other_allocations_leave_the_clocks_alone(cast, world):
    case = world.north_case
    plan, clock = _review_clock(case, cast.team_manager)
    case_allocate(case=case, user=cast.social_worker, role=AllocationRole.CO_WORKER, by=cast.team_manager)
    clock.refresh_from_db()
    assert clock.holder == cast.fh_worker
    assert tray(cast.fh_worker).filter(kind=TaskKind.REVIEW_DUE, object_id=plan.pk).exists()


def test_a_first_key_worker_takes_the_review_from_the_team_s_tray(cast, world):
    case = world.south_case
    assert case.key_worker is None
    plan, clock = _review_clock(case, cast.team_manager)
    assert clock.holder is None
    assert Task.objects.filter(kind=TaskKind.REVIEW_DUE, object_id=plan.pk, team=case.team, state="open")

    case_allocate(case=case, user=cast.social_worker, role=AllocationRole.KEY_WORKER, by=cast.team_manager)

    clock.refresh_from_db()
    assert clock.holder == cast.social_worker
    assert not Task.objects.filter(kind=TaskKind.REVIEW_DUE, object_id=plan.pk, team=case.team, state="open")
    assert tray(cast.social_worker).filter(
        kind=TaskKind.REVIEW_DUE, object_id=plan.pk, user=cast.social_worker
    )
