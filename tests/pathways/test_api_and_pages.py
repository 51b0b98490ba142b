"""Decision points through the API and the pages, for every role."""

import pytest
from django.urls import reverse

from pathways.models import Decision

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
# Recording "pathway 3" on the north case (at pathway 2): who gets what.
RECORD_PATHWAY_3 = {
    "family_help_worker": 400,  # may only propose at 3
    "social_worker": 201,
    "expert_cp_practitioner": 201,
    "mash_manager": 201,
    "team_manager": 201,
    "partner_practitioner": 404,  # not involved with the north family
    "auditor": 403,
    "administrator": 404,
}


def body(**extra):
    codes = {"referral_source": "2A", "primary_need": "N1"}
    return {"outcome": "pathway_3", "rationale": "Needs are growing", "mode": "record", **codes, **extra}


@pytest.mark.parametrize("role", ROLES)
def test_recording_pathway_3_for_every_role(role, cast, world, api_for):
    case = world.north_case
    response = api_for(cast.by_role()[role]).post(
        f"/api/v1/cases/{case.pk}/decisions/", body(version=case.version), format="json"
    )
    assert response.status_code == RECORD_PATHWAY_3[role], response.content
    case.refresh_from_db()
    assert case.pathway == (3 if RECORD_PATHWAY_3[role] == 201 else 2)


@pytest.mark.parametrize("role", ROLES)
def test_moving_to_pathway_4_is_for_ecpps_only(role, cast, world, api_for):
    case = world.north_case
    response = api_for(cast.by_role()[role]).post(
        f"/api/v1/cases/{case.pk}/decisions/",
        body(outcome="pathway_4", lawful_basis="Risk of significant harm", version=case.version),
        format="json",
    )
    expected = {
        "expert_cp_practitioner": 201,
        "auditor": 403,
        "partner_practitioner": 404,
        "administrator": 404,
    }
    assert response.status_code == expected.get(role, 400)
    if response.status_code == 400:
        assert "expert child protection practitioner" in response.json()["outcome"][0]


def test_propose_confirm_and_return_through_the_api(cast, world, api_for):
    case = world.north_case
    fh = api_for(cast.fh_worker)
    proposed = fh.post(
        f"/api/v1/cases/{case.pk}/decisions/", body(mode="propose", version=case.version), format="json"
    )
    assert proposed.status_code == 201 and proposed.json()["state"] == "proposed"
    decision_id = proposed.json()["id"]
    own = fh.post(f"/api/v1/decisions/{decision_id}/confirm/", {"version": case.version + 1}, format="json")
    assert own.status_code == 400 and "someone else must confirm" in own.json()["non_field_errors"][0]
    second = fh.post(
        f"/api/v1/cases/{case.pk}/decisions/", body(mode="propose", version=case.version + 1), format="json"
    )
    assert second.status_code == 400  # one proposal waits at a time
    assert (
        api_for(cast.auditor)
        .post(f"/api/v1/decisions/{decision_id}/confirm/", {"version": case.version + 1}, format="json")
        .status_code
        == 403
    )
    confirmed = api_for(cast.social_worker).post(
        f"/api/v1/decisions/{decision_id}/confirm/", {"version": case.version + 1}, format="json"
    )
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "recorded"
    assert confirmed.json()["statutory_requirement"] == "Section 17 assessment (child in need)"
    history = api_for(cast.auditor).get(f"/api/v1/cases/{case.pk}/decisions/history/").json()["results"]
    assert [(row["from_pathway"], row["to_pathway"]) for row in history] == [(2, 3)]

    case.refresh_from_db()
    back = fh.post(
        f"/api/v1/cases/{case.pk}/decisions/",
        body(outcome="pathway_1", mode="propose", version=case.version),
        format="json",
    )
    returned = api_for(cast.social_worker).post(
        f"/api/v1/decisions/{back.json()['id']}/return/",
        {"reason": "Not yet", "version": case.version + 1},
        format="json",
    )
    assert returned.status_code == 200 and returned.json()["returned_reason"] == "Not yet"


def test_a_decision_without_rationale_is_a_field_error(cast, world, api_for):
    response = api_for(cast.social_worker).post(
        f"/api/v1/cases/{world.north_case.pk}/decisions/",
        body(rationale=" ", version=world.north_case.version),
        format="json",
    )
    assert response.status_code == 400 and "rationale" in response.json()
    assert not Decision.objects.filter(case=world.north_case).exists()


def test_packages_are_shared_only_as_the_family_agreed(cast, world, api_for):
    case = world.school_case
    api_for(cast.social_worker).post(
        f"/api/v1/cases/{case.pk}/decisions/", body(version=case.version), format="json"
    )  # no consent: nobody outside children's services
    url = f"/api/v1/families/{case.family_id}/referral-packages/"
    assert api_for(cast.school_dsl).get(url).json()["results"] == []
    assert len(api_for(cast.auditor).get(url).json()["results"]) == 1
    case.refresh_from_db()
    api_for(cast.social_worker).post(
        f"/api/v1/cases/{case.pk}/decisions/",
        body(
            outcome="pathway_1",
            family_consents_to_share=True,
            shared_with_ids=[cast.school.pk],
            version=case.version,
        ),
        format="json",
    )
    shared = api_for(cast.school_dsl).get(url).json()["results"]
    assert [row["to_pathway"] for row in shared] == [1]


def test_the_decision_page_for_a_proposer_and_a_decider(cast, world, client_for):
    case = world.north_case
    url = reverse("pathways:decision", args=[case.pk])
    fh_page = client_for(cast.fh_worker).get(url).content.decode()
    assert "Record decision" in fh_page and "Propose for confirmation" in fh_page
    assert client_for(cast.auditor).get(url).status_code == 200
    assert "Record a decision point" not in client_for(cast.auditor).get(url).content.decode()
    submit = reverse("pathways:decision-submit", args=[case.pk])
    missing = client_for(cast.fh_worker).post(
        submit, {"decision-outcome": "pathway_3", "decision-version": case.version, "mode": "propose"}
    )
    assert missing.status_code == 400 and "without a rationale" in missing.content.decode()
    refused = client_for(cast.fh_worker).post(
        submit,
        {
            "decision-outcome": "pathway_3",
            "decision-rationale": "Why",
            "decision-version": case.version,
            "mode": "record",
        },
    )
    assert refused.status_code == 400 and "propose it for someone who can" in refused.content.decode()
    assert client_for(cast.auditor).post(submit, {"mode": "propose"}).status_code == 403


def test_a_decision_read_gives_the_version_its_confirmation_needs(cast, world, api_for):
    """A client confirms a proposal with what it read from the API alone (issue 15, 7)."""
    case = world.north_case
    proposed = api_for(cast.fh_worker).post(
        f"/api/v1/cases/{case.pk}/decisions/",
        {
            "mode": "propose",
            "outcome": "pathway_3",
            "rationale": "Neglect is escalating",
            "referral_source": "2A",
            "primary_need": "N1",
            "version": case.version,
        },
        format="json",
    )
    assert proposed.status_code == 201, proposed.json()
    worker = api_for(cast.social_worker)
    read = worker.get(f"/api/v1/decisions/{proposed.json()['id']}/").json()
    listed = worker.get(f"/api/v1/cases/{case.pk}/decisions/").json()["results"][0]
    assert read["case_version"] == listed["case_version"]
    confirmed = worker.post(
        f"/api/v1/decisions/{read['id']}/confirm/", {"version": read["case_version"]}, format="json"
    )
    assert confirmed.status_code == 200, confirmed.json()
