"""Work trays (issue 16): whatever waits on someone is a task in their tray, opened and closed by
the services that start and end the wait (escalation/services.py task_open, tasks_close)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from escalation.choices import ClockKind, TaskKind, TaskState
from escalation.models import Task, TaskEvent
from escalation.selectors import tray
from escalation.services import clock_due_change, clock_start, task_open, tasks_close

pytestmark = pytest.mark.django_db


def _open(world, cast, **extra):
    case = world.north_case
    defaults = {
        "kind": TaskKind.DECISION_CONFIRM,
        "target": case,
        "summary": f"Confirm the decision on {case.reference}",
        "url": f"/cases/{case.pk}/",
        "family": case.family,
    }
    return task_open(**(defaults | extra))


def test_a_task_goes_to_each_person_but_the_one_who_started_the_wait(world, cast):
    opened = _open(world, cast, users=[cast.team_manager, cast.social_worker], exclude=cast.social_worker)
    assert [task.user for task in opened] == [cast.team_manager]
    assert list(tray(cast.team_manager)) == opened
    assert not tray(cast.social_worker).exists()
    assert TaskEvent.objects.filter(task=opened[0], summary="Opened").exists()


def test_opening_the_same_wait_again_makes_no_second_task(world, cast):
    _open(world, cast, users=[cast.team_manager])
    assert _open(world, cast, users=[cast.team_manager]) == []
    assert Task.objects.count() == 1


def test_the_database_refuses_two_open_tasks_of_a_kind_on_one_record_for_one_person(world, cast):
    (task,) = _open(world, cast, users=[cast.team_manager])
    task.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        task.save()


def test_a_team_task_is_in_every_member_s_tray_marked_as_the_team_s(world, cast, client):
    _open(world, cast, kind=TaskKind.CONTACT_TRIAGE, team=cast.north)
    assert tray(cast.fh_worker).count() == tray(cast.social_worker).count() == 1
    assert not tray(cast.fh_worker_south).exists()
    client.force_login(cast.fh_worker)
    answer = client.get("/api/v1/tray/").json()
    assert answer["count"] == 1
    item = answer["results"][0]
    assert item["assigned_to"] == "team" and item["team"] == "Family Help Team North"
    assert item["kind"] == "contact_triage" and item["object_id"] == world.north_case.pk
    assert item["url"] == f"/cases/{world.north_case.pk}/"


def test_closing_the_wait_empties_every_tray_and_writes_history(world, cast):
    _open(world, cast, users=[cast.team_manager, cast.ecpp])
    assert tasks_close(target=world.north_case, kind=TaskKind.DECISION_CONFIRM, by=cast.team_manager) == 2
    assert not tray(cast.team_manager).exists() and not tray(cast.ecpp).exists()
    assert set(Task.objects.values_list("state", flat=True)) == {TaskState.DONE}
    assert TaskEvent.objects.filter(summary="Done", by=cast.team_manager).count() == 2
    assert tasks_close(target=world.north_case) == 0  # closing twice changes nothing


def test_the_due_time_is_the_clock_s_and_the_overdue_come_first(world, cast):
    clock = clock_start(target=world.north_case, kind=ClockKind.PLAN_REVIEW, family=world.north_case.family)
    (timed,) = _open(world, cast, users=[cast.team_manager], clock=clock)
    (late,) = _open(
        world,
        cast,
        kind=TaskKind.REVIEW_DUE,
        users=[cast.team_manager],
        due_at=timezone.now() - timedelta(days=1),
    )
    (untimed,) = _open(world, cast, kind=TaskKind.CONSENT_RECORD, users=[cast.team_manager])
    assert list(tray(cast.team_manager)) == [late, timed, untimed]
    moved = timezone.now() + timedelta(days=90)
    clock_due_change(clock=clock, due_at=moved, reason="Synthetic reason", by=cast.team_manager)
    (again,) = [task for task in tray(cast.team_manager) if task.pk == timed.pk]
    assert again.due == moved
    assert [task.overdue for task in tray(cast.team_manager)] == [True, False, False]


def test_the_home_page_is_the_tray_and_the_header_counts_it(world, cast, client):
    _open(world, cast, users=[cast.team_manager])
    client.force_login(cast.team_manager)
    home = client.get("/").content.decode()
    assert "Your work tray" in home and f"Confirm the decision on {world.north_case.reference}" in home
    badge = client.get(reverse("escalation:tray-badge")).content.decode()
    assert ">1<" in badge
    page = client.get(reverse("escalation:tray"))
    assert page.status_code == 200 and "For you" in page.content.decode()
    partial = client.get(reverse("escalation:tray"), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'id="tray"' in partial


def test_nobody_sees_another_person_s_tray(world, cast, client):
    _open(world, cast, users=[cast.team_manager])
    client.force_login(cast.fh_worker)
    assert client.get("/api/v1/tray/").json()["count"] == 0
    assert "Confirm the decision" not in client.get("/").content.decode()


def test_a_clock_close_to_its_end_goes_in_its_holder_s_tray_until_it_is_met(world, cast):
    from escalation.services import clock_meet, clocks_sweep

    now = timezone.now()
    soon = clock_start(
        target=world.north_case,
        kind=ClockKind.PLAN_REVIEW,
        holder=cast.fh_worker,
        family=world.north_case.family,
        started_at=now,
        due_at=now + timedelta(hours=2),
    )
    clock_start(
        target=world.school_case,
        kind=ClockKind.PLAN_REVIEW,
        holder=cast.fh_worker,
        started_at=now,
        due_at=now + timedelta(days=20),
    )
    clocks_sweep(now=now)
    (task,) = tray(cast.fh_worker)
    assert task.kind == TaskKind.CLOCK_DUE and task.clock == soon and task.due == soon.due_at
    assert task.summary.startswith("Plan review")
    clocks_sweep(now=now)  # a second sweep adds nothing
    assert tray(cast.fh_worker).count() == 1
    clock_meet(target=world.north_case, kind=ClockKind.PLAN_REVIEW, by=cast.fh_worker)
    assert not tray(cast.fh_worker).exists()


def test_a_clock_whose_wait_is_already_a_task_makes_no_second_one(world, cast):
    from escalation.services import clocks_sweep

    now = timezone.now()
    clock = clock_start(
        target=world.north_case,
        kind=ClockKind.PLAN_REVIEW,
        holder=cast.team_manager,
        started_at=now,
        due_at=now + timedelta(hours=2),
    )
    _open(world, cast, users=[cast.team_manager], clock=clock)
    clocks_sweep(now=now)
    assert [task.kind for task in tray(cast.team_manager)] == [TaskKind.DECISION_CONFIRM]
