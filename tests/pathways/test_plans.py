"""Plans continue across pathway changes: re-typed, actions kept, reviews following the pathway."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from pathways.choices import Outcome
from pathways.models import PlanChange, PlanReview, Section47
from pathways.services import (
    ConferenceDecision,
    DecisionDetails,
    decision_record,
    icpc_record,
    plan_action_add,
    plan_action_status_set,
    plan_outcome_add,
    plan_review_record,
    plan_start,
    s47_outcome_record,
)

pytestmark = pytest.mark.django_db


def move(case, by, outcome, **extra):
    case.refresh_from_db()
    if outcome in (Outcome.PATHWAY_3, Outcome.PATHWAY_4):
        extra.setdefault("referral_source", "6")
        extra.setdefault("primary_need", "N4")
    return decision_record(
        case=case, by=by, details=DecisionDetails(outcome=outcome, rationale="Weighed", **extra)
    )


def test_the_plan_carries_over_every_pathway_change_with_its_actions(cast, world):
    case = world.north_case  # pathway 2
    plan = plan_start(case=case, by=cast.fh_worker)
    today = timezone.localdate()
    assert plan.kind == "family_support" and plan.next_review_due == today + timedelta(days=42)
    outcome = plan_outcome_add(plan=plan, by=cast.fh_worker, text="Nia eats breakfast every school day")
    action = plan_action_add(
        plan=plan,
        by=cast.fh_worker,
        what="Breakfast club place",
        who="School",
        by_when=today,
        outcome=outcome,
    )

    move(case, cast.social_worker, Outcome.PATHWAY_3)
    plan.refresh_from_db()
    assert plan.kind == "child_in_need" and plan.next_review_due == today + timedelta(days=84)
    move(case, cast.ecpp, Outcome.PATHWAY_4, lawful_basis="s47")
    plan.refresh_from_db()
    assert plan.kind == "child_in_need"  # no CP plan until a conference decides on one
    s47_outcome_record(case=case, by=cast.ecpp, outcome="hold_icpc", rationale="Substantiated")
    held = timezone.localdate()
    while held.weekday() >= 5:
        held -= timedelta(days=1)
    Section47.objects.filter(episode__case=case).update(started_on=held - timedelta(days=7))
    decided = [ConferenceDecision(world.north_child.pk, True, "NEG")]
    with pytest.raises(ValidationError, match="Only an expert child protection practitioner"):
        icpc_record(case=case, by=cast.social_worker, held_on=held, children=decided)
    icpc_record(case=case, by=cast.ecpp, held_on=held, children=decided)
    plan.refresh_from_db()
    assert plan.kind == "child_protection" and plan.next_review_due == held + timedelta(days=91)
    move(case, cast.ecpp, Outcome.PATHWAY_1, family_consents_to_share=True)  # (to 2 is a step-down)
    plan.refresh_from_db()
    assert plan.kind == "family_support"
    assert list(plan.actions.all()) == [action] and list(plan.outcomes.all()) == [outcome]
    kinds = list(PlanChange.objects.filter(plan=plan).exclude(to_kind="").values_list("from_kind", "to_kind"))
    assert kinds == [
        ("", "family_support"),
        ("family_support", "child_in_need"),
        ("child_in_need", "child_protection"),
        ("child_protection", "family_support"),
    ]

    move(case, cast.fh_worker, Outcome.CLOSE, closure_reason="RC7")
    plan.refresh_from_db()
    assert plan.ended_on == today
    with pytest.raises(ValidationError, match="ended"):
        plan_outcome_add(plan=plan, by=cast.fh_worker, text="Too late")


def test_plan_rules(cast, world):
    case = world.north_case
    plan = plan_start(case=case, by=cast.fh_worker)
    with pytest.raises(ValidationError, match="already has a plan"):
        plan_start(case=case, by=cast.fh_worker)
    with pytest.raises(ValidationError) as excinfo:
        plan_action_add(plan=plan, by=cast.fh_worker, what="", who="", by_when=None)
    assert {"what", "who", "by_when"} <= set(excinfo.value.message_dict)
    move(case, cast.fh_worker, Outcome.PATHWAY_1)
    other = world.south_case
    move(other, cast.social_worker, Outcome.PATHWAY_1)
    with pytest.raises(ValidationError, match="no plan"):
        plan_start(case=other, by=cast.fh_worker)


def test_reviews_schedule_the_next_and_are_history(cast, world):
    plan = plan_start(case=world.north_case, by=cast.fh_worker)
    today = timezone.localdate()
    review = plan_review_record(plan=plan, by=cast.fh_worker, held_on=today, notes="Going well")
    plan.refresh_from_db()
    assert review.due_on == today + timedelta(days=42) and plan.next_review_due == today + timedelta(days=91)
    with pytest.raises(ValidationError) as excinfo:
        plan_review_record(plan=plan, by=cast.fh_worker, held_on=today + timedelta(days=1), notes="")
    assert {"held_on", "notes"} <= set(excinfo.value.message_dict)
    with pytest.raises(ValidationError, match="plan"):
        plan_review_record(plan=plan, by=cast.fh_worker, held_on=today, notes="x", expected_version=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        PlanReview.objects.filter(pk=review.pk).update(notes="rewritten")


def test_action_status_changes_are_recorded(cast, world):
    plan = plan_start(case=world.north_case, by=cast.fh_worker)
    action = plan_action_add(
        plan=plan, by=cast.fh_worker, what="Visit", who="Femi", by_when=timezone.localdate()
    )
    plan_action_status_set(action=action, by=cast.fh_worker, status="done")
    assert PlanChange.objects.filter(plan=plan, summary__contains="Not started → Done").exists()
    with pytest.raises(ValidationError):
        plan_action_status_set(action=action, by=cast.fh_worker, status="abandoned")


def test_the_plan_through_the_api_and_the_page(cast, world, api_for, client_for):
    from django.urls import reverse

    case = world.north_case
    api = api_for(cast.fh_worker)
    assert api.get(f"/api/v1/cases/{case.pk}/plan/").status_code == 404
    assert api_for(cast.auditor).post(f"/api/v1/cases/{case.pk}/plan/").status_code == 403
    assert api_for(cast.school_dsl).post(f"/api/v1/cases/{case.pk}/plan/").status_code == 404
    started = api.post(f"/api/v1/cases/{case.pk}/plan/")
    assert started.status_code == 201 and started.json()["kind"] == "family_support"
    outcome = api.post(
        f"/api/v1/cases/{case.pk}/plan/outcomes/", {"text": "Warm home"}, format="json"
    ).json()["outcomes"][0]
    bad = api.post(
        f"/api/v1/cases/{case.pk}/plan/actions/",
        {"what": "Fix boiler", "who": "", "by_when": "soon"},
        format="json",
    )
    assert bad.status_code == 400 and {"who", "by_when"} <= set(bad.json())
    plan = api.post(
        f"/api/v1/cases/{case.pk}/plan/actions/",
        {
            "what": "Fix boiler",
            "who": "Housing",
            "by_when": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "outcome_id": outcome["id"],
        },
        format="json",
    ).json()
    action_id = plan["actions"][0]["id"]
    done = api.post(
        f"/api/v1/cases/{case.pk}/plan/actions/{action_id}/status/", {"status": "done"}, format="json"
    )
    assert done.json()["actions"][0]["status"] == "done"
    page = client_for(cast.fh_worker).get(reverse("pathways:plan", args=[case.pk])).content.decode()
    assert "Family support plan" in page and "Fix boiler" in page and "Warm home" in page
    missing = client_for(cast.fh_worker).post(
        reverse("pathways:plan-review-add", args=[case.pk]), {"review-version": 1, "review-notes": "Kept"}
    )
    assert missing.status_code == 400 and "Kept" in missing.content.decode()


def test_every_plan_change_is_history_and_moves_the_version(cast, world, api_for):
    plan = plan_start(case=world.north_case, by=cast.fh_worker)
    before = (plan.version, PlanChange.objects.filter(plan=plan).count())
    outcome = plan_outcome_add(plan=plan, by=cast.fh_worker, text="Warm home")
    action = plan_action_add(
        plan=plan, by=cast.fh_worker, what="Fix boiler", who="Housing", by_when=timezone.localdate()
    )
    plan_action_status_set(action=action, by=cast.fh_worker, status="in_progress")
    plan.refresh_from_db()
    assert plan.version == before[0] + 3
    assert PlanChange.objects.filter(plan=plan).count() == before[1] + 3
    assert outcome.pk
    bad = api_for(cast.fh_worker).post(
        f"/api/v1/cases/{world.north_case.pk}/plan/actions/{action.pk}/status/", ["done"], format="json"
    )
    assert bad.status_code == 400
