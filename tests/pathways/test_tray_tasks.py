"""The pathways' waits are tasks in their owners' trays (issue 16, part 1): a decision to confirm,
a pathway-4 proposal returned to its proposer, an ICPC to hold and a review due. Each is opened by
the service that starts the wait and leaves every tray when the service that ends it runs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.choices import Role
from cases import services as case_services
from cases.choices import ClosureReason
from escalation.choices import ClockKind, TaskKind, TaskState
from escalation.models import Clock, Task
from escalation.selectors import open_clock, tray
from pathways.choices import Outcome
from pathways.models import Plan
from pathways.services import (
    ConferenceDecision,
    DecisionDetails,
    decision_confirm,
    decision_propose,
    decision_record,
    decision_return,
    icpc_record,
    plan_review_record,
    plan_start,
    s47_outcome_record,
)
from tests.accounts.factories import UserFactory
from tests.pathways.test_census import backdate_enquiries, last_weekday

pytestmark = pytest.mark.django_db


def details(outcome, **extra):
    if outcome in (Outcome.PATHWAY_3, Outcome.PATHWAY_4):
        extra.setdefault("referral_source", "2A")
        extra.setdefault("primary_need", "N1")
    if outcome == Outcome.PATHWAY_4:
        extra.setdefault("lawful_basis", "Children Act 1989 s47: risk of significant harm")
    return DecisionDetails(outcome=outcome, rationale="Needs and strengths weighed", **extra)


def kinds(user, kind):
    return list(tray(user).filter(kind=kind))


def api_tray(api_for, user):
    return api_for(user).get("/api/v1/tray/").json()


def everyone(cast, *more):
    return [
        cast.fh_worker,
        cast.fh_worker_south,
        cast.social_worker,
        cast.ecpp,
        cast.mash_manager,
        cast.team_manager,
        cast.school_dsl,
        cast.auditor,
        cast.administrator,
        *more,
    ]


def holders_of(cast, kind, *more):
    return [user for user in everyone(cast, *more) if tray(user).filter(kind=kind).exists()]


# --- a decision to confirm ---------------------------------------------------------------------


def test_a_pathway_4_proposal_waits_in_the_named_ecpp_s_tray_only_until_confirmed(cast, world, api_for):
    case = world.north_case
    other_ecpp = UserFactory(username="ecpp.two", roles=[Role.ECPP], teams=[], agency=cast.la)
    proposal = decision_propose(
        case=case, by=cast.social_worker, details=details(Outcome.PATHWAY_4, ecpp=cast.ecpp)
    )
    (task,) = kinds(cast.ecpp, TaskKind.DECISION_CONFIRM)
    assert task.target == proposal and task.user == cast.ecpp and task.family == case.family
    assert task.url == f"/cases/{case.pk}/decision/"
    assert case.reference in task.summary and "Northam" not in task.summary  # a reference, never a name
    # Only the named ECPP: not the proposer, nor another ECPP, nor the case's managers or workers.
    assert holders_of(cast, TaskKind.DECISION_CONFIRM, other_ecpp) == [cast.ecpp]
    answer = api_tray(api_for, cast.ecpp)
    assert answer["count"] == 1
    (item,) = answer["results"]
    assert item["kind"] == "decision_confirm" and item["object_id"] == proposal.pk
    assert item["assigned_to"] == "me" and item["url"] == f"/cases/{case.pk}/decision/"
    assert api_tray(api_for, cast.social_worker)["count"] == 0

    decision_confirm(decision=proposal, by=cast.ecpp)
    assert holders_of(cast, TaskKind.DECISION_CONFIRM, other_ecpp) == []
    assert Task.objects.get(kind=TaskKind.DECISION_CONFIRM).state == TaskState.DONE
    assert "decision_confirm" not in [row["kind"] for row in api_tray(api_for, cast.ecpp)["results"]]


def test_the_ecpp_s_home_page_shows_the_pathway_4_proposal(cast, world, client_for):
    case = world.north_case
    decision_propose(case=case, by=cast.fh_worker, details=details(Outcome.PATHWAY_4, ecpp=cast.ecpp))
    home = client_for(cast.ecpp).get("/").content.decode()
    assert f"Confirm or return the proposed decision on case {case.reference}" in home
    assert f"/cases/{case.pk}/decision/" in home


def test_a_pathway_3_proposal_goes_to_the_team_s_managers_but_never_the_proposer(cast, world, api_for):
    case = world.north_case  # Family Help Team North
    second = UserFactory(username="tm.north", roles=[Role.TEAM_MANAGER], teams=[cast.north], agency=cast.la)
    south_only = UserFactory(
        username="tm.south", roles=[Role.TEAM_MANAGER], teams=[cast.south], agency=cast.la
    )
    proposal = decision_propose(case=case, by=cast.fh_worker, details=details(Outcome.PATHWAY_3))
    assert holders_of(cast, TaskKind.DECISION_CONFIRM, second, south_only) == [cast.team_manager, second]
    assert api_tray(api_for, second)["results"][0]["object_id"] == proposal.pk
    assert api_tray(api_for, cast.fh_worker)["count"] == 0

    decision_return(decision=proposal, by=second, reason="Speak to the school first")
    assert holders_of(cast, TaskKind.DECISION_CONFIRM, second, south_only) == []
    assert set(Task.objects.values_list("state", flat=True)) == {TaskState.DONE}
    assert api_tray(api_for, cast.team_manager)["count"] == 0
    # Returning a proposal below pathway 4 is no "pathway 4 proposal returned".
    assert not Task.objects.filter(kind=TaskKind.PROPOSAL_RETURNED).exists()


def test_a_team_manager_s_own_proposal_goes_to_the_other_managers_of_the_team(cast, world):
    second = UserFactory(username="tm.north", roles=[Role.TEAM_MANAGER], teams=[cast.north], agency=cast.la)
    cast.north.manager = cast.team_manager
    cast.north.save()
    proposal = decision_propose(
        case=world.north_case, by=cast.team_manager, details=details(Outcome.PATHWAY_3)
    )
    assert holders_of(cast, TaskKind.DECISION_CONFIRM, second) == [second]
    decision_confirm(decision=proposal, by=second)
    assert holders_of(cast, TaskKind.DECISION_CONFIRM, second) == []


def test_a_withdrawn_proposal_is_cancelled_in_every_tray(cast, world):
    proposal = decision_propose(case=world.north_case, by=cast.fh_worker, details=details(Outcome.PATHWAY_3))
    assert kinds(cast.team_manager, TaskKind.DECISION_CONFIRM)
    decision_return(decision=proposal, by=cast.fh_worker, reason="I had the wrong family")
    assert not tray(cast.team_manager).exists() and not tray(cast.fh_worker).exists()
    assert Task.objects.get().state == TaskState.CANCELLED


def test_closing_the_case_cancels_the_proposal_waiting_on_it(cast, world):
    decision_propose(case=world.north_case, by=cast.fh_worker, details=details(Outcome.PATHWAY_3))
    case_services.case_close(case=world.north_case, reason=ClosureReason.RC7, by=cast.team_manager)
    assert not tray(cast.team_manager).exists()
    assert Task.objects.get().state == TaskState.CANCELLED


# --- a pathway-4 proposal returned -------------------------------------------------------------


def test_a_returned_pathway_4_proposal_waits_on_its_proposer_until_they_propose_again(cast, world, api_for):
    case = world.north_case
    first = decision_propose(case=case, by=cast.fh_worker, details=details(Outcome.PATHWAY_4, ecpp=cast.ecpp))
    decision_return(decision=first, by=cast.ecpp, reason="Hold a strategy discussion with the police first")
    assert holders_of(cast, TaskKind.DECISION_CONFIRM) == []
    (returned,) = kinds(cast.fh_worker, TaskKind.PROPOSAL_RETURNED)
    assert returned.target == first and returned.url == f"/cases/{case.pk}/decision/"
    assert case.reference in returned.summary
    assert holders_of(cast, TaskKind.PROPOSAL_RETURNED) == [cast.fh_worker]
    (item,) = api_tray(api_for, cast.fh_worker)["results"]
    assert item["kind"] == "proposal_returned" and item["object_id"] == first.pk

    case.refresh_from_db()
    second = decision_propose(
        case=case, by=cast.fh_worker, details=details(Outcome.PATHWAY_4, ecpp=cast.ecpp)
    )
    assert holders_of(cast, TaskKind.PROPOSAL_RETURNED) == []
    assert Task.objects.get(kind=TaskKind.PROPOSAL_RETURNED).state == TaskState.DONE
    assert [task.target for task in kinds(cast.ecpp, TaskKind.DECISION_CONFIRM)] == [second]


def test_a_returned_proposal_leaves_the_tray_when_the_case_is_decided_otherwise(cast, world):
    first = decision_propose(
        case=world.north_case, by=cast.fh_worker, details=details(Outcome.PATHWAY_4, ecpp=cast.ecpp)
    )
    decision_return(decision=first, by=cast.ecpp, reason="Family help is working")
    assert kinds(cast.fh_worker, TaskKind.PROPOSAL_RETURNED)
    world.north_case.refresh_from_db()
    decision_record(case=world.north_case, by=cast.fh_worker, details=details(Outcome.PATHWAY_1))
    assert not tray(cast.fh_worker).exists()


def test_a_front_door_proposal_goes_to_the_ecpp_and_returns_to_the_front_door_s_queue_once(cast):
    from referrals.services import contact_triage
    from tests.referrals.test_triage import details as triage_details
    from tests.referrals.test_triage import link_all, new_contact

    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager)
    contact = contact_triage(
        contact=contact,
        by=cast.mash_manager,
        details=triage_details("pathway_4", team=cast.north, ecpp=cast.ecpp, primary_need="N1"),
    )
    (task,) = kinds(cast.ecpp, TaskKind.DECISION_CONFIRM)
    assert task.target == contact.decision
    assert holders_of(cast, TaskKind.DECISION_CONFIRM) == [cast.ecpp]
    decision_return(decision=contact.decision, by=cast.ecpp, reason="Not at pathway 4 on what we know")
    assert holders_of(cast, TaskKind.DECISION_CONFIRM) == []
    # Back in the front door's queue to triage again: that is the follow-up, not a second task.
    assert [task.kind for task in tray(cast.mash_manager)] == [TaskKind.CONTACT_TRIAGE]


# --- an ICPC to hold and a review due ----------------------------------------------------------


def test_the_icpc_to_hold_is_in_the_ecpp_s_tray_timed_by_its_clock_until_it_is_held(cast, world, api_for):
    case = world.north_case
    decision_record(case=case, by=cast.ecpp, details=details(Outcome.PATHWAY_4))
    clock = Clock.objects.get(kind=ClockKind.ICPC, object_id=case.pk)
    (task,) = kinds(cast.ecpp, TaskKind.ICPC_HOLD)
    assert task.clock == clock and task.due == clock.due_at and task.target == case
    assert holders_of(cast, TaskKind.ICPC_HOLD) == [cast.ecpp]
    (item,) = [row for row in api_tray(api_for, cast.ecpp)["results"] if row["kind"] == "icpc_hold"]
    assert item["due_at"] is not None

    s47_outcome_record(case=case, by=cast.ecpp, outcome="hold_icpc", rationale="Substantiated")
    assert kinds(cast.ecpp, TaskKind.ICPC_HOLD)  # decided to hold one: still waiting
    backdate_enquiries(case)
    held = last_weekday(timezone.localdate())
    icpc_record(
        case=case,
        by=cast.ecpp,
        held_on=held,
        children=[ConferenceDecision(world.north_child.pk, True, "NEG")],
        late_reason="Synthetic reason",
    )
    assert holders_of(cast, TaskKind.ICPC_HOLD) == []
    assert Task.objects.get(kind=TaskKind.ICPC_HOLD).state == TaskState.DONE
    # The conference made a child protection plan: its review conference is due, on its clock.
    (review,) = kinds(cast.fh_worker, TaskKind.REVIEW_DUE)
    assert review.clock.kind == ClockKind.CP_REVIEW and review.target == Plan.objects.get(case=case)


def test_an_icpc_the_enquiry_decides_against_leaves_the_tray(cast, world):
    decision_record(case=world.north_case, by=cast.ecpp, details=details(Outcome.PATHWAY_4))
    assert kinds(cast.ecpp, TaskKind.ICPC_HOLD)
    s47_outcome_record(
        case=world.north_case, by=cast.ecpp, outcome="continue_cin", rationale="Not substantiated"
    )
    assert not kinds(cast.ecpp, TaskKind.ICPC_HOLD)
    assert Task.objects.get(kind=TaskKind.ICPC_HOLD).state == TaskState.CANCELLED


def test_a_plan_review_is_in_the_key_worker_s_tray_until_it_is_held_then_the_next_one(cast, world, api_for):
    case = world.north_case  # pathway 2, fh_worker holds it
    plan = plan_start(case=case, by=cast.fh_worker)
    (task,) = kinds(cast.fh_worker, TaskKind.REVIEW_DUE)
    clock = open_clock(plan)
    assert task.clock == clock and task.due == clock.due_at and task.target == plan
    assert task.url == f"/cases/{case.pk}/plan/"
    assert holders_of(cast, TaskKind.REVIEW_DUE) == [cast.fh_worker]
    assert api_tray(api_for, cast.fh_worker)["results"][0]["kind"] == "review_due"

    plan_review_record(plan=plan, by=cast.fh_worker, held_on=timezone.localdate(), notes="Going well")
    assert Task.objects.get(pk=task.pk).state == TaskState.DONE
    (following,) = kinds(cast.fh_worker, TaskKind.REVIEW_DUE)
    assert following.pk != task.pk and following.clock == open_clock(plan)
    assert following.due > timezone.now() + timedelta(days=30)

    case_services.case_close(case=case, reason=ClosureReason.RC7, by=cast.team_manager)
    assert not tray(cast.fh_worker).exists()
    assert Task.objects.get(pk=following.pk).state == TaskState.CANCELLED


# --- buttons a user cannot use are not shown ---------------------------------------------------


def test_only_those_who_may_confirm_see_confirm_and_return(cast, world, client_for):
    case = world.north_case
    decision_propose(case=case, by=cast.social_worker, details=details(Outcome.PATHWAY_4, ecpp=cast.ecpp))
    url = f"/cases/{case.pk}/decision/"

    page = client_for(cast.fh_worker).get(url).content.decode()  # the key worker: a family help worker
    assert "Waiting for confirmation" in page
    assert "Confirm this decision" not in page and "Send it back" not in page
    assert "/confirm/" not in page and "/return/" not in page

    page = client_for(cast.team_manager).get(url).content.decode()  # decides up to pathway 3 only
    assert "Confirm this decision" not in page and "Send it back" not in page

    page = client_for(cast.social_worker).get(url).content.decode()  # the proposer may withdraw
    assert "Confirm this decision" not in page and "Withdraw it" in page

    page = client_for(cast.ecpp).get(url).content.decode()
    assert "Confirm this decision" in page and "Send it back" in page
