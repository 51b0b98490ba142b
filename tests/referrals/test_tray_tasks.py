"""A contact waits on the front door: it is a task in the front-door team's tray from its receipt
until it is triaged, and again when an ECPP or the Early Help Hub sends it back."""

import pytest

from escalation.choices import TaskKind, TaskState
from escalation.models import Task
from escalation.selectors import tray
from pathways.services import decision_return
from tests.referrals.test_triage import details, link_all, new_contact

pytestmark = pytest.mark.django_db


def _triage_tasks(contact):
    return Task.objects.filter(kind=TaskKind.CONTACT_TRIAGE, object_id=contact.pk)


def test_a_new_contact_is_in_the_front_door_team_s_tray_until_it_is_triaged(cast, client):
    from referrals.services import contact_triage

    contact = new_contact(cast.school_dsl)
    (task,) = tray(cast.mash_manager)
    assert task.kind == TaskKind.CONTACT_TRIAGE and task.team.name == "MASH"
    assert task.url == f"/front-door/{contact.pk}/" and contact.reference in task.summary
    assert task.due == contact.decision_due
    assert not tray(cast.fh_worker).exists() and not tray(cast.school_dsl).exists()
    client.force_login(cast.mash_manager)
    (item,) = client.get("/api/v1/tray/").json()["results"]
    assert item["assigned_to"] == "team" and item["object_id"] == contact.pk
    contact = link_all(contact, cast.mash_manager)
    contact_triage(contact=contact, by=cast.mash_manager, details=details("pathway_2", team=cast.north))
    assert not tray(cast.mash_manager).filter(kind=TaskKind.CONTACT_TRIAGE).exists()
    assert _triage_tasks(contact).get().state == TaskState.DONE


def test_a_contact_an_ecpp_returns_is_back_in_the_front_door_s_tray(cast):
    from referrals.services import contact_triage

    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager)
    contact = contact_triage(
        contact=contact,
        by=cast.mash_manager,
        details=details("pathway_4", team=cast.north, ecpp=cast.ecpp, primary_need="N1"),
    )
    assert not tray(cast.mash_manager).filter(kind=TaskKind.CONTACT_TRIAGE).exists()
    decision_return(decision=contact.decision, by=cast.ecpp, reason="Not at pathway 4 on what we know")
    reopened = tray(cast.mash_manager).get(kind=TaskKind.CONTACT_TRIAGE)
    assert "returned" in reopened.why
    assert _triage_tasks(contact).count() == 2
