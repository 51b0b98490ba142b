"""manage.py tray_backfill (issue 16): waits that began before work trays existed are put in their
owners' trays, as the services that start them would have, and running it again changes nothing.
It lives with the step-down tests for their fixtures; it covers every app that opens tasks."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from escalation.choices import TaskKind, TaskState
from escalation.models import Task
from escalation.selectors import tray
from pathways.choices import Outcome
from pathways.services import DecisionDetails, decision_propose
from stepdown import services
from stepdown.choices import Route
from stepdown.services import StepDownDetails

pytestmark = pytest.mark.django_db


def _open_tasks() -> set:
    """Each open task as (kind, record, assignee)."""
    return {
        (task.kind, task.object_id, task.user_id or f"team {task.team_id}")
        for task in Task.objects.filter(state=TaskState.OPEN)
    }


def _before_work_trays():
    """As if the waits had begun before the upgrade: none of them has an open task."""
    Task.objects.filter(state=TaskState.OPEN).update(state=TaskState.CANCELLED, closed_at=timezone.now())


def test_tray_backfill_puts_every_open_wait_back_in_its_owners_trays(cast, world, south, hub, consent_to):
    from tests.referrals.test_triage import new_contact

    new_contact(cast.school_dsl)  # a contact to triage
    decision_propose(  # a pathway 4 proposal for the named ECPP
        case=world.north_case,
        by=cast.social_worker,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_4,
            rationale="Bruising seen at school",
            referral_source="2A",
            primary_need="N1",
            lawful_basis="Children Act 1989 s47: risk of significant harm",
            ecpp=cast.ecpp,
        ),
    )
    details = {
        "route": Route.REFERRAL,
        "rationale": "Needs are met; the family wants help with routines.",
        "needs": "Routines at home",
        "receiving_team": hub.team,
    }
    services.stepdown_propose(  # waiting for approval
        case=south.case, by=cast.social_worker, details=StepDownDetails(consent=consent_to(), **details)
    )
    expected = _open_tasks()
    kinds = {kind for kind, _, _ in expected}
    assert {TaskKind.CONTACT_TRIAGE, TaskKind.DECISION_CONFIRM, TaskKind.STEPDOWN_APPROVE} <= kinds

    _before_work_trays()
    assert not tray(cast.ecpp).exists() and not tray(hub.other_manager).exists()

    out = StringIO()
    call_command("tray_backfill", stdout=out)
    assert _open_tasks() == expected
    assert tray(cast.ecpp).filter(kind=TaskKind.DECISION_CONFIRM).exists()
    assert tray(cast.mash_manager).filter(kind=TaskKind.CONTACT_TRIAGE).exists()
    assert tray(hub.other_manager).filter(kind=TaskKind.STEPDOWN_APPROVE).exists()
    assert not tray(cast.social_worker).filter(kind=TaskKind.STEPDOWN_APPROVE).exists()  # the proposer
    assert f"{len(expected)} task(s) opened in all" in out.getvalue()

    again = StringIO()
    call_command("tray_backfill", stdout=again)
    assert "0 task(s) opened in all" in again.getvalue()
    assert _open_tasks() == expected


def test_tray_backfill_covers_consent_the_hub_and_disagreements(cast, world, south, hub, consent_to):
    from disagreements.services import disagreement_raise_on_contact
    from tests.referrals.test_triage import link_all, new_contact, triage

    details = {
        "route": Route.REFERRAL,
        "rationale": "Needs are met; the family wants help with routines.",
        "needs": "Routines at home",
        "receiving_team": hub.team,
    }
    waiting_for_consent = services.stepdown_propose(
        case=south.case, by=cast.social_worker, details=StepDownDetails(consent=None, **details)
    )
    contact = triage(
        link_all(new_contact(cast.school_dsl), cast.mash_manager), cast.mash_manager, outcome="nfa"
    )
    disagreement = disagreement_raise_on_contact(
        contact=contact, by=cast.school_dsl, position="She told us she is scared to go home"
    )
    expected = _open_tasks()
    kinds = {kind for kind, _, _ in expected}
    assert {TaskKind.CONSENT_RECORD, TaskKind.DISAGREEMENT_STAGE} <= kinds, kinds

    _before_work_trays()
    call_command("tray_backfill", stdout=StringIO())
    assert _open_tasks() == expected
    assert tray(cast.social_worker).filter(kind=TaskKind.CONSENT_RECORD, object_id=waiting_for_consent.pk)
    assert Task.objects.filter(
        kind=TaskKind.DISAGREEMENT_STAGE, object_id=disagreement.pk, state=TaskState.OPEN
    ).exists()
