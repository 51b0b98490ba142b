"""A disagreement at your stage (issue 16): whoever answers at the rung the disagreement is on has it
in their tray, timed by the stage clock, until it moves up the ladder, is resolved or is withdrawn
(disagreements/services.py); never the raiser."""

from datetime import timedelta

import pytest
from dateutil.parser import isoparse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Team
from disagreements.models import LadderContact
from disagreements.services import (
    disagreement_escalate,
    disagreement_raise_on_contact,
    disagreement_raise_on_decision,
    disagreement_resolve,
    disagreement_withdraw,
)
from escalation.choices import TaskKind, TaskState
from escalation.models import Clock, Task
from escalation.selectors import tray
from escalation.services import clocks_sweep
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ladder(cast):
    """The front door's manager, and the authority's senior managers for rungs 4-6."""
    Team.objects.filter(kind="mash").update(manager=cast.team_manager)
    seniors = {}
    for stage, name in ((4, "service.manager"), (5, "head.of.service"), (6, "director")):
        seniors[stage] = UserFactory(username=name, roles=[Role.TEAM_MANAGER], agency=cast.la)
        LadderContact.objects.create(agency=cast.la, stage=stage, user=seniors[stage])
    return seniors


@pytest.fixture
def disagreement(cast, ladder):
    from tests.referrals.test_triage import link_all, new_contact, triage

    contact = triage(
        link_all(new_contact(cast.school_dsl), cast.mash_manager), cast.mash_manager, outcome="nfa"
    )
    return disagreement_raise_on_contact(
        contact=contact, by=cast.school_dsl, position="She told us she is scared to go home"
    )


def _answering(disagreement) -> list:
    """Whose trays hold the disagreement now (open stage tasks)."""
    return [
        task.user
        for task in Task.objects.filter(
            kind=TaskKind.DISAGREEMENT_STAGE, object_id=disagreement.pk, state=TaskState.OPEN
        )
    ]


def _api_item(api_for, user, disagreement) -> dict | None:
    answer = api_for(user).get("/api/v1/tray/")
    assert answer.status_code == 200
    return next(
        (
            item
            for item in answer.json()["results"]
            if item["kind"] == "disagreement_stage" and item["object_id"] == disagreement.pk
        ),
        None,
    )


def _running_clock(disagreement) -> Clock:
    return Clock.objects.get(object_id=disagreement.pk, content_type__model="disagreement", state="running")


def test_a_raised_disagreement_is_in_the_stage_owner_s_tray_with_the_stage_clock(cast, disagreement, api_for):
    assert disagreement.owner == cast.mash_manager
    assert _answering(disagreement) == [cast.mash_manager]
    assert not tray(cast.school_dsl).exists()  # never the raiser's
    assert not tray(cast.team_manager).filter(kind=TaskKind.DISAGREEMENT_STAGE).exists()
    clock = _running_clock(disagreement)
    item = _api_item(api_for, cast.mash_manager, disagreement)
    assert item["assigned_to"] == "me" and item["url"] == f"/disagreements/{disagreement.pk}/"
    assert isoparse(item["due_at"]) == clock.due_at
    assert disagreement.reference in item["summary"] and "stage 1" in item["summary"]
    assert disagreement.contact.reference in item["summary"]
    assert _api_item(api_for, cast.school_dsl, disagreement) is None


def test_each_rung_moves_the_task_to_its_owner_and_resolution_empties_every_tray(
    cast, disagreement, ladder, api_for
):
    owners = [cast.mash_manager]
    for _ in range(4):
        disagreement = disagreement_escalate(
            disagreement=disagreement, by=cast.school_dsl, reason="Still worried"
        )
        owners.append(disagreement.owner)
        # Exactly one person answers at a time: the rung's owner, on that rung's clock.
        (task,) = Task.objects.filter(
            kind=TaskKind.DISAGREEMENT_STAGE, object_id=disagreement.pk, state=TaskState.OPEN
        )
        assert task.user == disagreement.owner and task.clock == _running_clock(disagreement)
        assert f"stage {disagreement.stage}" in task.summary
    assert owners == [cast.mash_manager, cast.team_manager, cast.team_manager, ladder[4], ladder[5]]
    for user in (cast.mash_manager, cast.team_manager, ladder[4], cast.school_dsl):
        assert _api_item(api_for, user, disagreement) is None
    assert _api_item(api_for, ladder[5], disagreement)["assigned_to"] == "me"

    disagreement_resolve(
        disagreement=disagreement,
        by=ladder[5],
        resolution="A fresh assessment is agreed",
        decision_changed=True,
    )
    assert _answering(disagreement) == []
    assert _api_item(api_for, ladder[5], disagreement) is None
    states = Task.objects.filter(kind=TaskKind.DISAGREEMENT_STAGE).values_list("state", flat=True)
    assert list(states) == [TaskState.DONE] * 5


def test_a_missed_deadline_moves_the_task_up_the_ladder(cast, disagreement):
    Clock.objects.filter(object_id=disagreement.pk, content_type__model="disagreement").update(
        started_at=timezone.now() - timedelta(days=3), due_at=timezone.now() - timedelta(minutes=1)
    )
    clocks_sweep()
    disagreement.refresh_from_db()
    assert disagreement.stage == 2
    assert _answering(disagreement) == [cast.team_manager]
    assert not tray(cast.mash_manager).filter(kind=TaskKind.DISAGREEMENT_STAGE).exists()
    first = Task.objects.filter(kind=TaskKind.DISAGREEMENT_STAGE).order_by("pk").first()
    assert first.user == cast.mash_manager and first.state == TaskState.CANCELLED


def test_a_withdrawn_disagreement_leaves_every_tray(cast, disagreement, api_for):
    disagreement_withdraw(disagreement=disagreement, by=cast.school_dsl, reason="Spoke to the duty worker")
    assert _answering(disagreement) == []
    assert _api_item(api_for, cast.mash_manager, disagreement) is None
    assert Task.objects.get(kind=TaskKind.DISAGREEMENT_STAGE).state == TaskState.CANCELLED


def test_a_disagreement_with_a_decision_goes_to_whoever_decided_never_the_raiser(cast, world, ladder):
    from pathways.choices import Outcome
    from pathways.services import DecisionDetails, decision_record

    decision = decision_record(
        case=world.school_case,
        by=cast.social_worker,
        details=DecisionDetails(outcome=Outcome.PATHWAY_1, rationale="Needs met"),
    )
    disagreement = disagreement_raise_on_decision(
        decision=decision, by=cast.fh_worker_south, position="The family still needs help"
    )
    assert _answering(disagreement) == [cast.social_worker]
    (task,) = tray(cast.social_worker).filter(kind=TaskKind.DISAGREEMENT_STAGE)
    assert world.school_case.reference in task.summary and task.family == world.school_case.family
    assert not tray(cast.fh_worker_south).filter(kind=TaskKind.DISAGREEMENT_STAGE).exists()
