"""Every role against the heart's write endpoints (the issue: "every rule above, for every role").
Seen but not allowed is 403; not seen is 404; allowed but against a rule is 400."""

import pytest

from assessments.services import contribution_add
from pathways.choices import Outcome
from pathways.services import DecisionDetails, decision_propose, decision_record

pytestmark = pytest.mark.django_db

ROLES = [
    "family_help_worker",
    "social_worker",
    "expert_cp_practitioner",
    "mash_manager",
    "team_manager",
    "partner_practitioner",
    "auditor",
    "administrator",
]
LA_PRACTICE = {
    "family_help_worker",
    "social_worker",
    "expert_cp_practitioner",
    "mash_manager",
    "team_manager",
}


def expect(role, allowed, *, partner=403, auditor=403, administrator=404, others=403):
    if role in allowed:
        return allowed[role] if isinstance(allowed, dict) else 201
    return {"partner_practitioner": partner, "auditor": auditor, "administrator": administrator}.get(
        role, others
    )


@pytest.mark.parametrize("role", ROLES)
def test_contributing_to_the_north_familys_assessment(role, cast, world, api_for):
    response = api_for(cast.by_role()[role]).post(
        f"/api/v1/families/{world.north_case.family_id}/assessment/contributions/",
        {"section": "health", "text": "Seen by the GP"},
        format="json",
    )
    assert response.status_code == expect(role, LA_PRACTICE, partner=404)


@pytest.mark.parametrize("role", ROLES)
def test_proposing_a_decision(role, cast, world, api_for):
    case = world.north_case
    response = api_for(cast.by_role()[role]).post(
        f"/api/v1/cases/{case.pk}/decisions/",
        {
            "mode": "propose",
            "outcome": "pathway_1",
            "rationale": "Needs met with advice",
            "version": case.version,
        },
        format="json",
    )
    assert response.status_code == expect(role, LA_PRACTICE, partner=404)


@pytest.mark.parametrize("role", ROLES)
def test_confirming_a_family_help_workers_proposal_of_pathway_3(role, cast, world, api_for):
    case = world.north_case
    proposal = decision_propose(
        case=case,
        by=cast.fh_worker,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_3, rationale="x", referral_source="2A", primary_need="N1"
        ),
    )
    case.refresh_from_db()
    response = api_for(cast.by_role()[role]).post(
        f"/api/v1/decisions/{proposal.pk}/confirm/", {"version": case.version}, format="json"
    )
    allowed = {
        "social_worker": 200,
        "expert_cp_practitioner": 200,
        "mash_manager": 200,
        "team_manager": 200,
        "family_help_worker": 400,
    }  # the proposer: never their own
    assert response.status_code == expect(role, allowed, partner=404, auditor=403)


@pytest.mark.parametrize("role", ROLES)
def test_starting_a_plan(role, cast, world, api_for):
    response = api_for(cast.by_role()[role]).post(f"/api/v1/cases/{world.north_case.pk}/plan/")
    assert response.status_code == expect(role, LA_PRACTICE, partner=404)


@pytest.mark.parametrize("role", ROLES)
def test_recording_a_visit(role, cast, world, api_for):
    response = api_for(cast.by_role()[role]).post(
        f"/api/v1/families/{world.school_case.family_id}/conversations/",
        {"kind": "home_visit", "occurred_at": "2026-11-01T10:00:00Z", "discussed": "Routines"},
        format="json",
    )
    # The school family is held by the south team: the north family help worker cannot see it.
    allowed = (LA_PRACTICE | {"partner_practitioner"}) - {"family_help_worker"}
    assert response.status_code == expect(role, allowed, others=404)


@pytest.mark.parametrize("role", ROLES)
def test_the_s47_outcome_is_the_ecpps(role, cast, world, api_for):
    case = world.north_case
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
    response = api_for(cast.by_role()[role]).post(
        f"/api/v1/cases/{case.pk}/child-records/s47-outcome/",
        {"outcome": "hold_icpc", "rationale": "x"},
        format="json",
    )
    allowed = {"expert_cp_practitioner": 200}
    assert response.status_code == expect(role, allowed, partner=404, others=400), response.content


@pytest.mark.parametrize("role", ROLES)
def test_reading_the_assessment(role, cast, world, api_for):
    contribution_add(family=world.school_case.family, by=cast.social_worker, section="health", text="LA note")
    response = api_for(cast.by_role()[role]).get(
        f"/api/v1/families/{world.school_case.family_id}/assessment/contributions/"
    )
    visible = {
        "partner_practitioner": 200,
        "auditor": 200,
        "social_worker": 200,
        "expert_cp_practitioner": 200,
        "mash_manager": 200,
        "team_manager": 200,
    }
    assert response.status_code == visible.get(role, 404)
    if response.status_code == 200:
        texts = [row["text"] for row in response.json()["results"]]
        assert texts == ([] if role == "partner_practitioner" else ["LA note"])
