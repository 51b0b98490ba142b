"""Step-down waits in the work trays (issue 16): a step-down to approve, an Early Help Hub review and
consent to record are tasks in exactly the right trays, opened and closed by stepdown/services.py
as the wait starts and ends; the "waiting for my approval" list asks the same people."""

import pytest
from dateutil.parser import isoparse
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from escalation.choices import TaskKind, TaskState
from escalation.models import Clock, Notification, Task
from escalation.selectors import tray
from stepdown import services
from stepdown.choices import Route, StepDownState
from stepdown.selectors import stepdown_queues
from stepdown.services import StepDownDetails
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _details(route=Route.REFERRAL, **extra):
    return StepDownDetails(
        route=route,
        rationale="Needs are met; the family wants help with routines and school attendance.",
        needs="Routines at home; school attendance; parenting support",
        **extra,
    )


def _propose(case, by, hub, consent=None):
    return services.stepdown_propose(
        case=case, by=by, details=_details(consent=consent, receiving_team=hub.team)
    )


def _holding(kind, step_down) -> set:
    """Everyone with an open task of `kind` on the step-down in their own tray."""
    open_tasks = Task.objects.filter(kind=kind, object_id=step_down.pk, state=TaskState.OPEN)
    return {task.user for task in open_tasks if task.user_id}


def _in_tray(user, kind, step_down) -> bool:
    return tray(user).filter(kind=kind, object_id=step_down.pk).exists()


def _api_item(api_for, user, kind, step_down) -> dict | None:
    answer = api_for(user).get("/api/v1/tray/")
    assert answer.status_code == 200
    return next(
        (i for i in answer.json()["results"] if i["kind"] == kind and i["object_id"] == step_down.pk), None
    )


def _approval_list(user, step_down) -> bool:
    return (
        stepdown_queues(user).get("to_approve") is not None
        and step_down in stepdown_queues(user)["to_approve"]
    )


def _same_people(step_down, everyone) -> None:
    """The approval list and the approval tasks name the same people."""
    asked = _holding(TaskKind.STEPDOWN_APPROVE, step_down)
    for user in everyone:
        assert (user in asked) == _approval_list(user, step_down), user.username


# --- a step-down to approve ----------------------------------------------------------------------


def test_a_step_down_to_approve_is_in_every_team_manager_s_tray_but_the_proposer_s(
    cast, south, hub, consent_to, api_for
):
    step_down = _propose(south.case, cast.social_worker, hub, consent_to())
    assert _holding(TaskKind.STEPDOWN_APPROVE, step_down) == {cast.team_manager, hub.other_manager}
    everyone = [cast.social_worker, cast.team_manager, hub.other_manager, hub.manager, cast.fh_worker_south]
    for user in (cast.social_worker, hub.manager, cast.fh_worker_south, cast.mash_manager):
        assert not _in_tray(user, TaskKind.STEPDOWN_APPROVE, step_down)
    _same_people(step_down, everyone)

    item = _api_item(api_for, hub.other_manager, "stepdown_approve", step_down)
    clock = Clock.objects.get(object_id=step_down.pk, kind="stepdown_approval")
    assert item["assigned_to"] == "me" and item["url"] == f"/step-downs/{step_down.pk}/"
    assert step_down.reference in item["summary"] and south.case.reference in item["summary"]
    assert "Southey" not in item["summary"]  # records by reference, never a person's name
    assert isoparse(item["due_at"]) == clock.due_at
    assert _api_item(api_for, cast.social_worker, "stepdown_approve", step_down) is None

    services.stepdown_approve(step_down=step_down, by=cast.team_manager)
    for user in everyone:
        assert not _in_tray(user, TaskKind.STEPDOWN_APPROVE, step_down)
        assert _api_item(api_for, user, "stepdown_approve", step_down) is None
    assert set(Task.objects.filter(kind=TaskKind.STEPDOWN_APPROVE).values_list("state", flat=True)) == {
        TaskState.DONE
    }
    _same_people(step_down, everyone)


def test_after_the_approval_no_inbox_still_says_waiting_for_your_approval(
    cast, south, hub, consent_to, api_for
):
    step_down = _propose(south.case, cast.social_worker, hub, consent_to())
    asked = Notification.objects.filter(key__startswith=f"stepdown:{step_down.pk}:approve:")
    assert set(asked.values_list("user__username", flat=True)) == {"team.manager", "other.manager"}
    assert not asked.filter(read_at__isnull=False).exists()
    services.stepdown_approve(step_down=step_down, by=cast.team_manager)
    assert not asked.filter(read_at__isnull=True).exists()
    unread = api_for(cast.team_manager).get("/api/v1/notifications/").json()["results"]
    assert not [n for n in unread if "waiting for your approval" in n["what"] and not n["read_at"]]


def test_a_team_manager_s_step_down_is_in_another_manager_s_tray_and_approval_list(
    cast, south, hub, consent_to, client_for, api_for
):
    step_down = _propose(south.case, cast.team_manager, hub, consent_to())
    assert _holding(TaskKind.STEPDOWN_APPROVE, step_down) == {hub.other_manager}
    assert not _in_tray(cast.team_manager, TaskKind.STEPDOWN_APPROVE, step_down)
    assert _api_item(api_for, hub.other_manager, "stepdown_approve", step_down)["assigned_to"] == "me"
    page = client_for(hub.other_manager).get(reverse("stepdown:list"))
    assert list(page.context["queues"]["to_approve"]) == [step_down]
    assert f'href="/step-downs/{step_down.pk}/"' in page.content.decode()
    _same_people(step_down, [cast.team_manager, hub.other_manager, hub.manager])

    services.stepdown_approve(step_down=step_down, by=hub.other_manager)
    assert not _holding(TaskKind.STEPDOWN_APPROVE, step_down)
    assert not client_for(hub.other_manager).get(reverse("stepdown:list")).context["queues"]["to_approve"]


def test_when_the_proposer_is_the_team_s_only_manager_their_line_manager_is_asked(
    cast, south, hub, consent_to, client_for, api_for
):
    hub.other_manager.teams.remove(cast.south)  # now the team manager is South's only manager
    senior = UserFactory(username="service.manager", roles=[Role.TEAM_MANAGER], teams=[], agency=cast.la)
    cast.team_manager.line_manager = senior
    cast.team_manager.save(update_fields=["line_manager"])
    # A worker's step-down still goes to the team's manager, not to anyone's line manager.
    cast.social_worker.line_manager = senior
    cast.social_worker.save(update_fields=["line_manager"])
    everyone = [cast.team_manager, hub.other_manager, hub.manager, senior]

    step_down = _propose(south.case, cast.team_manager, hub, consent_to())
    assert _holding(TaskKind.STEPDOWN_APPROVE, step_down) == {senior}
    item = _api_item(api_for, senior, "stepdown_approve", step_down)
    assert "line manager" in item["why"]
    assert list(client_for(senior).get(reverse("stepdown:list")).context["queues"]["to_approve"]) == [
        step_down
    ]
    _same_people(step_down, everyone)
    services.stepdown_withdraw(step_down=step_down, by=cast.team_manager, reason="Family moved away")
    assert not _holding(TaskKind.STEPDOWN_APPROVE, step_down)
    assert Task.objects.get(kind=TaskKind.STEPDOWN_APPROVE).state == TaskState.CANCELLED

    by_worker = _propose(south.case, cast.social_worker, hub, consent_to())
    assert _holding(TaskKind.STEPDOWN_APPROVE, by_worker) == {cast.team_manager}
    _same_people(by_worker, everyone)


@pytest.mark.parametrize("ending", ["return", "withdraw", "consent withdrawn"])
def test_the_approval_task_leaves_every_tray_however_the_wait_ends(cast, south, hub, consent_to, ending):
    consent = consent_to()
    step_down = _propose(south.case, cast.social_worker, hub, consent)
    assert _holding(TaskKind.STEPDOWN_APPROVE, step_down) == {cast.team_manager, hub.other_manager}
    if ending == "return":
        services.stepdown_return(step_down=step_down, by=hub.other_manager, reason="Check attendance first")
    elif ending == "withdraw":
        services.stepdown_withdraw(step_down=step_down, by=cast.social_worker, reason="Family refused")
    else:
        services.consent_withdraw(
            consent=consent, by=cast.social_worker, withdrawn_on=timezone.localdate(), note="No"
        )
    assert not _holding(TaskKind.STEPDOWN_APPROVE, step_down)
    for user in (cast.team_manager, hub.other_manager):
        assert not _in_tray(user, TaskKind.STEPDOWN_APPROVE, step_down)
    assert not Notification.objects.filter(
        key__startswith=f"stepdown:{step_down.pk}:approve:", read_at__isnull=True
    ).exists()


# --- consent to record -----------------------------------------------------------------------------


def test_a_step_down_waiting_for_consent_is_in_the_proposer_s_tray_until_consent_is_recorded(
    cast, south, hub, consent_to, api_for
):
    step_down = _propose(south.case, cast.social_worker, hub)
    assert step_down.state == StepDownState.AWAITING_CONSENT
    assert _holding(TaskKind.CONSENT_RECORD, step_down) == {cast.social_worker}
    assert not _holding(TaskKind.STEPDOWN_APPROVE, step_down)  # nothing to approve yet
    for user in (cast.team_manager, hub.other_manager, hub.manager):
        assert not _in_tray(user, TaskKind.CONSENT_RECORD, step_down)
    item = _api_item(api_for, cast.social_worker, "consent_record", step_down)
    clock = Clock.objects.get(object_id=step_down.pk, kind="stepdown_consent")
    assert item["assigned_to"] == "me" and isoparse(item["due_at"]) == clock.due_at
    assert item["url"] == f"/step-downs/{step_down.pk}/"

    consent = consent_to()
    services.stepdown_submit(step_down=step_down, by=cast.social_worker, consent=consent)
    assert not _in_tray(cast.social_worker, TaskKind.CONSENT_RECORD, step_down)
    assert _api_item(api_for, cast.social_worker, "consent_record", step_down) is None
    assert Task.objects.get(kind=TaskKind.CONSENT_RECORD).state == TaskState.DONE
    assert _holding(TaskKind.STEPDOWN_APPROVE, step_down) == {cast.team_manager, hub.other_manager}

    # Consent withdrawn before anything was shared: back to waiting for consent, in the same tray.
    services.consent_withdraw(
        consent=consent, by=cast.social_worker, withdrawn_on=timezone.localdate(), note="No"
    )
    assert _holding(TaskKind.CONSENT_RECORD, step_down) == {cast.social_worker}
    assert not _holding(TaskKind.STEPDOWN_APPROVE, step_down)


def test_a_withdrawn_step_down_leaves_nothing_waiting_for_consent(cast, south, hub):
    step_down = _propose(south.case, cast.social_worker, hub)
    services.stepdown_withdraw(step_down=step_down, by=cast.social_worker, reason="The family said no")
    assert not tray(cast.social_worker).filter(object_id=step_down.pk).exists()
    assert Task.objects.get(kind=TaskKind.CONSENT_RECORD).state == TaskState.CANCELLED


# --- an Early Help Hub review ----------------------------------------------------------------------


@pytest.mark.parametrize("hub_answer", ["accept", "discuss"])
def test_a_step_down_at_the_hub_is_the_hub_team_s_task_until_it_answers(
    cast, south, hub, consent_to, api_for, hub_answer
):
    step_down = _propose(south.case, cast.social_worker, hub, consent_to())
    assert not Task.objects.filter(kind=TaskKind.HUB_REVIEW).exists()  # not at the hub yet
    services.stepdown_approve(step_down=step_down, by=cast.team_manager)
    task = Task.objects.get(kind=TaskKind.HUB_REVIEW, state=TaskState.OPEN)
    clock = Clock.objects.get(object_id=step_down.pk, kind="ehh_review")
    assert task.team == hub.team and task.user is None and task.clock == clock
    assert _in_tray(hub.manager, TaskKind.HUB_REVIEW, step_down)
    for user in (cast.social_worker, cast.team_manager, hub.other_manager, cast.fh_worker):
        assert not _in_tray(user, TaskKind.HUB_REVIEW, step_down)
    item = _api_item(api_for, hub.manager, "hub_review", step_down)
    assert item["assigned_to"] == "team" and item["team"] == "Early Help Hub"
    assert isoparse(item["due_at"]) == clock.due_at and item["url"] == f"/step-downs/{step_down.pk}/"

    if hub_answer == "accept":
        services.stepdown_hub_accept(step_down=step_down, by=hub.manager, key_worker=hub.eh_worker)
    else:
        services.stepdown_hub_discuss(step_down=step_down, by=hub.manager, note="Is attendance improving?")
    assert not _in_tray(hub.manager, TaskKind.HUB_REVIEW, step_down)
    assert _api_item(api_for, hub.manager, "hub_review", step_down) is None
    assert Task.objects.get(kind=TaskKind.HUB_REVIEW).state == TaskState.DONE
    assert not Notification.objects.filter(
        key__startswith=f"stepdown:{step_down.pk}:hub:", read_at__isnull=True
    ).exists()


def _triage_to_hub(contact, by):
    from referrals.services import TriageDetails, contact_triage

    return contact_triage(
        contact=contact,
        by=by,
        details=TriageDetails(
            outcome="early_help",
            rationale="Below the social care threshold; early help would help with routines.",
            feedback_text="We have passed this to the Early Help Hub.",
        ),
    )


@pytest.mark.parametrize("hub_answer", ["review", "return"])
def test_a_contact_reassigned_to_the_hub_is_the_hub_team_s_task_until_it_is_reviewed(
    cast, hub, contact, api_for, hub_answer
):
    from stepdown.models import StepDown

    _triage_to_hub(contact, cast.mash_manager)
    step_down = StepDown.objects.get(contact=contact)
    (task,) = Task.objects.filter(kind=TaskKind.HUB_REVIEW, object_id=step_down.pk, state=TaskState.OPEN)
    assert task.team == hub.team and contact.reference in task.summary
    assert _api_item(api_for, hub.manager, "hub_review", step_down)["assigned_to"] == "team"
    assert not _in_tray(cast.mash_manager, TaskKind.HUB_REVIEW, step_down)  # the one who sent it
    if hub_answer == "review":
        services.stepdown_hub_review(step_down=step_down, by=hub.manager, action="assessment", rationale="Ok")
    else:
        services.stepdown_return(step_down=step_down, by=hub.manager, reason="Needs a social work assessment")
    assert not _in_tray(hub.manager, TaskKind.HUB_REVIEW, step_down)
    assert _api_item(api_for, hub.manager, "hub_review", step_down) is None


# --- the case closes another way ---------------------------------------------------------------


@pytest.mark.parametrize("with_consent", [True, False])
def test_a_case_closed_by_hand_withdraws_the_waiting_step_down_and_empties_the_trays(
    cast, south, hub, consent_to, with_consent
):
    from cases.services import case_close

    step_down = _propose(south.case, cast.social_worker, hub, consent_to() if with_consent else None)
    waiting = TaskKind.STEPDOWN_APPROVE if with_consent else TaskKind.CONSENT_RECORD
    assert _holding(waiting, step_down)

    case_close(case=south.case, reason="RC7", by=cast.team_manager)

    step_down.refresh_from_db()
    assert step_down.state == StepDownState.WITHDRAWN
    assert "The case closed (RC7" in step_down.events.order_by("pk").last().detail
    assert not Task.objects.filter(object_id=step_down.pk, state=TaskState.OPEN).exists()
    assert not Clock.objects.filter(object_id=step_down.pk, state="running").exists()
    for user in (cast.team_manager, hub.other_manager, cast.social_worker):
        assert not _in_tray(user, waiting, step_down)


def test_a_step_down_approved_to_close_the_case_is_done_not_withdrawn(cast, assessed, hub, consent_to):
    south = assessed
    step_down = services.stepdown_propose(
        case=south.case,
        by=cast.social_worker,
        details=_details(
            Route.SINGLE_AGENCY, consent=consent_to(referral_agency=hub.health), receiving_agency=hub.health
        ),
    )
    services.stepdown_approve(step_down=step_down, by=cast.team_manager)
    step_down.refresh_from_db()
    south.case.refresh_from_db()
    assert not south.case.is_open
    assert step_down.state == StepDownState.COMPLETED


def test_an_overdue_approval_is_raised_with_those_who_may_approve_it(cast, south, hub, consent_to):
    """The team's manager proposed: the reminder goes to the managers who may approve it."""
    from datetime import timedelta

    step_down = _propose(south.case, cast.team_manager, hub, consent_to())
    counts = services.stepdown_checks(now=timezone.now() + timedelta(days=30))
    assert counts["awaiting_approval"] == 1
    told = Notification.objects.filter(key__startswith=f"stepdown:{step_down.pk}:awaiting_approval")
    assert set(told.values_list("user__username", flat=True)) == {"team.manager", "other.manager"}


# --- a family to take up as lead professional ----------------------------------------------------


def test_the_lead_professional_has_the_family_in_their_tray_until_they_take_it_up(
    cast, stepped_down, client_for, api_for
):
    """Route (e): the school's DSL, named at the CIN meeting, takes the family up from the case
    page (the only part of the step-down a partner sees); the proposer is told."""
    step_down = stepped_down
    task = tray(cast.school_dsl).get(kind=TaskKind.LEAD_PROFESSIONAL, object_id=step_down.pk)
    assert task.url.startswith(reverse("cases:case-detail", args=[step_down.case_id]))
    assert holders_of_lead(step_down) == {cast.school_dsl}

    page = client_for(cast.school_dsl).get(task.url).content.decode()
    assert "I have taken this family up as lead professional" in page
    # Nobody else can take it up, and they are not offered the button.
    other = client_for(cast.social_worker)
    assert "I have taken this family up" not in other.get(task.url).content.decode()
    assert other.post(reverse("stepdown:take-up", args=[step_down.pk])).status_code == 404
    assert api_for(cast.team_manager).post(f"/api/v1/step-downs/{step_down.pk}/take-up/").status_code == 404

    answer = client_for(cast.school_dsl).post(reverse("stepdown:take-up", args=[step_down.pk]))
    assert answer.status_code == 302
    step_down.refresh_from_db()
    assert step_down.taken_up_at is not None
    assert not tray(cast.school_dsl).filter(kind=TaskKind.LEAD_PROFESSIONAL).exists()
    assert step_down.events.filter(summary="Taken up by the lead professional", by=cast.school_dsl).exists()
    assert Notification.objects.filter(
        user=cast.social_worker, key__startswith=f"stepdown:{step_down.pk}:taken-up"
    ).exists()
    # Once taken up, it is not waiting any more: not again, in the page or the API.
    assert (
        client_for(cast.school_dsl).post(reverse("stepdown:take-up", args=[step_down.pk])).status_code == 404
    )
    again = api_for(cast.school_dsl).post(f"/api/v1/step-downs/{step_down.pk}/take-up/")
    assert again.status_code == 404


def test_the_lead_professional_takes_up_through_the_api_and_sees_no_more(cast, stepped_down, api_for):
    answer = api_for(cast.school_dsl).post(f"/api/v1/step-downs/{stepped_down.pk}/take-up/")
    assert answer.status_code == 200
    assert set(answer.json()) == {"id", "reference", "taken_up_at"}
    assert answer.json()["taken_up_at"]


def holders_of_lead(step_down) -> set:
    return _holding(TaskKind.LEAD_PROFESSIONAL, step_down)


# --- the monthly audit ------------------------------------------------------------------------------


def test_a_drawn_audit_sample_waits_in_every_auditor_s_tray_until_its_last_finding(cast, stepped_down):
    from stepdown.models import AuditSampleItem

    second_auditor = UserFactory(username="auditor.two", roles=[Role.AUDITOR], agency=cast.la)
    sample = services.audit_sample_draw(month=timezone.localdate(), by=cast.auditor)
    items = list(AuditSampleItem.objects.filter(sample=sample))
    assert len(items) >= 2  # the step-down and the world's step-up into pathway 3
    for auditor in (cast.auditor, second_auditor):
        task = tray(auditor).get(kind=TaskKind.AUDIT_FINDINGS, object_id=sample.pk)
        assert f"{len(items)} of its families" in task.why
    assert not tray(cast.team_manager).filter(kind=TaskKind.AUDIT_FINDINGS).exists()

    for item in items[:-1]:
        services.audit_finding_record(item=item, by=cast.auditor, rating="good", findings="Well evidenced")
    assert tray(second_auditor).filter(kind=TaskKind.AUDIT_FINDINGS).exists()  # one family still waits
    services.audit_finding_record(item=items[-1], by=second_auditor, rating="good", findings="Clear plan")
    assert not Task.objects.filter(kind=TaskKind.AUDIT_FINDINGS, state=TaskState.OPEN).exists()
