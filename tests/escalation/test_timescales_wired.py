"""Every DOMAIN.md timescale that has an owning event runs on the clock engine."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.services import case_close, case_open, family_create
from escalation.calendar import end_of_working_day, working_days_after
from escalation.models import Clock
from pathways.choices import Outcome
from pathways.models import Plan, Section47
from pathways.services import (
    ConferenceDecision,
    DecisionDetails,
    assessment_authorise,
    decision_record,
    icpc_record,
    plan_review_record,
    plan_start,
    s47_outcome_record,
)

pytestmark = pytest.mark.django_db


def clocks(target, **filters):
    return Clock.objects.filter(
        object_id=target.pk, content_type__model=type(target).__name__.lower(), **filters
    )


def to_pathway_4(case, cast):
    decision_record(
        case=case,
        by=cast.ecpp,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_4,
            rationale="x",
            lawful_basis="s47",
            referral_source="6",
            primary_need="N1",
        ),
    )


def test_referral_into_pathway_3_starts_the_45_working_day_assessment_clock(cast, world):
    case = world.north_case
    decision_record(
        case=case,
        by=cast.social_worker,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_3, rationale="x", referral_source="2A", primary_need="N1"
        ),
    )
    clock = clocks(case, kind="assessment_pathway_3").get()
    assert clock.state == "running" and clock.holder == cast.fh_worker and clock.team == cast.north
    assert clock.due_at == end_of_working_day(working_days_after(timezone.localdate(), 45))
    assessment_authorise(case=case, by=cast.team_manager, factors=["21"])
    clock.refresh_from_db()
    assert clock.state == "met"


def test_the_strategy_discussion_starts_the_ecpps_icpc_clock(cast, world):
    case = world.north_case
    to_pathway_4(case, cast)
    clock = clocks(case, kind="icpc").get()
    enquiry = Section47.objects.get(episode__case=case)
    assert clock.holder == cast.ecpp and clock.due_at == end_of_working_day(enquiry.icpc_target)
    s47_outcome_record(case=case, by=cast.ecpp, outcome="hold_icpc", rationale="Substantiated")
    held = timezone.localdate()
    while held.weekday() >= 5:
        held -= timedelta(days=1)
    Section47.objects.filter(episode__case=case).update(started_on=held - timedelta(days=7))
    icpc_record(
        case=case,
        by=cast.ecpp,
        held_on=held,
        children=[ConferenceDecision(world.north_child.pk, True, "PHY")],
    )
    clock.refresh_from_db()
    assert clock.state == "met"
    # The child protection plan's review conference is now on the clock: three months.
    plan = Plan.objects.get(case=case)
    review = clocks(plan, state="running").get()
    assert review.kind == "cp_review" and review.due_at == end_of_working_day(plan.next_review_due)


def test_no_icpc_cancels_the_icpc_clock(cast, world):
    case = world.north_case
    to_pathway_4(case, cast)
    s47_outcome_record(case=case, by=cast.ecpp, outcome="nfa", rationale="Unsubstantiated")
    assert clocks(case, kind="icpc").get().state == "cancelled"


def test_family_help_starts_the_early_help_assessment_and_the_plan_meets_it(cast):
    family = family_create(by=cast.mash_manager, name="Test family")
    case = case_open(family=family, team=cast.north, pathway=1, by=cast.mash_manager)
    decision_record(
        case=case, by=cast.mash_manager, details=DecisionDetails(outcome=Outcome.PATHWAY_2, rationale="x")
    )
    assessment = clocks(case, kind="early_help_assessment").get()
    assert assessment.due_at == end_of_working_day(working_days_after(timezone.localdate(), 10))
    plan = plan_start(case=case, by=cast.team_manager)
    assessment.refresh_from_db()
    assert assessment.state == "met"
    review = clocks(plan).get()
    assert review.kind == "plan_review" and review.state == "running"


def test_a_plan_review_meets_its_clock_and_starts_the_next(cast, world):
    plan = plan_start(case=world.north_case, by=cast.fh_worker)
    first = clocks(plan).get()
    Clock.objects.filter(pk=first.pk).update(
        started_at=timezone.now() - timedelta(days=60), due_at=timezone.now() - timedelta(days=2)
    )
    with pytest.raises(ValidationError) as refused:
        plan_review_record(plan=plan, by=cast.fh_worker, held_on=timezone.localdate(), notes="Reviewed")
    assert "late_reason" in refused.value.message_dict
    plan_review_record(
        plan=plan, by=cast.fh_worker, held_on=timezone.localdate(), notes="Reviewed", late_reason="Parent ill"
    )
    first.refresh_from_db()
    assert first.state == "met" and first.late_reason == "Parent ill"
    plan.refresh_from_db()
    nxt = clocks(plan, state="running").get()
    assert nxt.due_at == end_of_working_day(plan.next_review_due)


def test_closing_a_case_cancels_its_clocks_and_its_plans(cast, world):
    case = world.north_case
    plan = plan_start(case=case, by=cast.fh_worker)
    decision_record(
        case=case,
        by=cast.social_worker,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_3, rationale="x", referral_source="2A", primary_need="N1"
        ),
    )
    assert clocks(case, state="running").exists() and clocks(plan, state="running").exists()
    case.refresh_from_db()
    case_close(case=case, reason="RC8", by=cast.team_manager)
    assert (
        not Clock.objects.filter(state__in=["running", "paused", "breached"])
        .exclude(content_type__model="contact")
        .exclude(content_type__model="case", object_id=world.south_case.pk)  # another family's case
        .exists()
    )
