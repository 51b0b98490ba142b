"""When a clock is due soon or breached, and who is told (escalation/breaches.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.breaches import breached_by, due_soon_by, holders, next_level, told_of_breach
from escalation.choices import ClockKind
from escalation.models import Clock
from escalation.services import clock_start
from tests.accounts.factories import TeamFactory, UserFactory
from tests.cases.factories import FamilyFactory

pytestmark = pytest.mark.django_db


def started(**holding) -> Clock:
    family = FamilyFactory()
    return clock_start(target=family, kind=ClockKind.PLAN_REVIEW, family=family, **holding)


def test_a_named_holder_is_told_and_then_their_line_manager():
    boss = UserFactory()
    worker = UserFactory(line_manager=boss)
    clock = started(holder=worker)
    assert holders(clock) == [worker]
    assert next_level(clock) == [boss]
    assert [user for user, _ in told_of_breach(clock)] == [worker, boss]
    assert told_of_breach(clock)[1][1] == f"Overdue with {worker}: you are told as the next level"


def test_a_holder_with_no_line_manager_goes_up_to_their_teams_manager_but_never_to_themselves():
    manager = UserFactory()
    team = TeamFactory(manager=manager)
    worker = UserFactory()
    assert next_level(started(holder=worker, team=team)) == [manager]
    assert next_level(started(holder=manager, team=team)) == []


def test_a_clock_held_by_a_team_tells_its_manager_and_then_theirs():
    head = UserFactory()
    manager = UserFactory(line_manager=head)
    clock = started(team=TeamFactory(manager=manager))
    assert holders(clock) == [manager]
    assert next_level(clock) == [head]
    assert told_of_breach(clock) == [
        (manager, "Overdue: the timescale has been missed"),
        (head, f"Overdue with {clock.team}: you are told as the next level"),
    ]


def test_a_clock_nobody_holds_tells_nobody():
    assert told_of_breach(started()) == []


def test_due_soon_and_breached(settings):
    settings.CLOCK_WARNING_HOURS = 24
    now = timezone.now()
    clock = started(started_at=now - timedelta(days=10))
    running = Clock.objects.filter(pk=clock.pk)
    for due_in, soon, breached in (
        (timedelta(hours=30), False, False),
        (timedelta(hours=23), True, False),
        (timedelta(0), False, True),
        (-timedelta(minutes=1), False, True),
    ):
        running.update(due_at=now + due_in, warned_at=None)
        assert running.filter(due_soon_by(now)).exists() == soon, due_in
        assert running.filter(breached_by(now)).exists() == breached, due_in
    running.update(due_at=now + timedelta(hours=2), warned_at=now)
    assert not running.filter(due_soon_by(now)).exists()  # reminded once only
