"""A case opens at pathway 1 or 2; it reaches 3 or 4 only through a decision point (issue 15, 7),
in the service, the API and its schema alike."""

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.choices import ChronologyKind
from cases.models import Case, ChronologyEntry
from pathways.models import PathwayTransition
from tests.cases.factories import FamilyFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("pathway", [3, 4])
def test_the_service_will_not_open_a_case_at_pathway_3_or_4(cast, pathway):
    family = FamilyFactory(created_by=cast.mash_manager)
    with pytest.raises(ValidationError) as excinfo:
        services.case_open(family=family, team=cast.north, pathway=pathway, by=cast.mash_manager)
    assert excinfo.value.message_dict == {"pathway": [services.OPENS_AT_1_OR_2]}
    assert "needs a decision" in services.OPENS_AT_1_OR_2
    assert not Case.objects.filter(family=family).exists()
    assert not ChronologyEntry.objects.filter(family=family, kind=ChronologyKind.CASE_OPENED).exists()


@pytest.mark.parametrize("pathway", [1, 2])
def test_the_service_opens_a_case_at_pathway_1_or_2(cast, pathway):
    family = FamilyFactory(created_by=cast.mash_manager)
    case = services.case_open(family=family, team=cast.north, pathway=pathway, by=cast.mash_manager)
    assert case.pathway == pathway and case.is_open


@pytest.mark.parametrize("pathway", [3, 4, "4", 7])
def test_the_api_refuses_to_open_a_case_at_pathway_3_or_4_naming_the_field(cast, api_for, pathway):
    family = FamilyFactory(created_by=cast.mash_manager)
    response = api_for(cast.mash_manager).post(
        "/api/v1/cases/",
        {"family_id": family.pk, "team_id": cast.north.pk, "pathway": pathway},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"pathway": [services.OPENS_AT_1_OR_2]}
    assert not Case.objects.filter(family=family).exists()


def test_the_schema_offers_only_pathways_1_and_2_for_opening(cast, api_for):
    schema = (
        api_for(cast.mash_manager).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    )
    components = schema["components"]["schemas"]
    opening = components["CaseOpenInputRequest"]["properties"]["pathway"]
    enum = components[opening["allOf"][0]["$ref"].rsplit("/", 1)[1]]["enum"]
    assert enum == [1, 2]
    assert "decision" in opening["description"]


def test_a_case_reaches_pathway_3_through_a_confirmed_decision_in_its_history(cast, api_for):
    """Opened at 2 through the API, proposed for 3 by the MASH manager, confirmed by the team
    manager: the case is at 3 and its pathway history names that decision."""
    family = FamilyFactory(created_by=cast.mash_manager)
    mash, manager = api_for(cast.mash_manager), api_for(cast.team_manager)
    opened = mash.post(
        "/api/v1/cases/", {"family_id": family.pk, "team_id": cast.south.pk, "pathway": 2}, format="json"
    )
    assert opened.status_code == 201
    case = opened.json()
    proposed = mash.post(
        f"/api/v1/cases/{case['id']}/decisions/",
        {
            "mode": "propose",
            "outcome": "pathway_3",
            "rationale": "Worries are growing: a child in need assessment is needed.",
            "referral_source": "2A",
            "primary_need": "N1",
            "version": case["version"],
        },
        format="json",
    )
    assert proposed.status_code == 201, proposed.json()
    decision = proposed.json()
    assert mash.get(f"/api/v1/cases/{case['id']}/").json()["pathway"] == 2  # nothing moves on a proposal
    confirmed = manager.post(
        f"/api/v1/decisions/{decision['id']}/confirm/", {"version": decision["case_version"]}, format="json"
    )
    assert confirmed.status_code == 200, confirmed.json()
    assert manager.get(f"/api/v1/cases/{case['id']}/").json()["pathway"] == 3
    history = manager.get(f"/api/v1/cases/{case['id']}/decisions/history/").json()["results"]
    assert [(row["from_pathway"], row["to_pathway"], row["decision"]) for row in history] == [
        (2, 3, decision["id"])
    ]
    move = PathwayTransition.objects.get(case_id=case["id"])
    assert move.decision.proposed_by == cast.mash_manager and move.decision.decided_by == cast.team_manager
    assert move.by == cast.team_manager


def test_the_worlds_pathway_3_case_got_there_by_a_recorded_decision(cast, world):
    case = world.south_case
    assert case.pathway == 3
    (move,) = PathwayTransition.objects.filter(case=case)
    assert (move.from_pathway, move.to_pathway) == (2, 3)
    assert move.decision.state == "recorded" and move.decision.decided_by == cast.mash_manager
