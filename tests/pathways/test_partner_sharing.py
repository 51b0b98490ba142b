"""What a partner agency sees of the family's record: their own agency's contributions and
visits, the landmarks of the chronology, and referral packages the family agreed to share with
their agency. Never decisions, census facts, plans or other agencies' contributions."""

import pytest
from django.urls import reverse

from assessments.services import contribution_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_nothing(cast, world, api_for):
    """The school family moves to pathway 3 without the family agreeing to share anything."""
    case = world.school_case
    contribution_add(
        family=case.family, by=cast.social_worker, section="family_history", text="SECRET: DV disclosure"
    )
    contribution_add(family=case.family, by=cast.school_dsl, section="education", text="School own note")
    response = api_for(cast.social_worker).post(
        f"/api/v1/cases/{case.pk}/decisions/",
        {
            "mode": "record",
            "outcome": "pathway_3",
            "rationale": "SECRET rationale",
            "referral_source": "2A",
            "primary_need": "N1",
            "version": case.version,
        },
        format="json",
    )
    assert response.status_code == 201
    return case


def test_a_partner_reads_only_their_agencys_contributions(cast, shared_nothing, api_for, client_for):
    api = api_for(cast.school_dsl)
    family = shared_nothing.family_id
    texts = [
        row["text"]
        for row in api.get(f"/api/v1/families/{family}/assessment/contributions/").json()["results"]
    ]
    assert texts == ["School own note"]
    page = client_for(cast.school_dsl).get(reverse("assessments:assessment", args=[family])).content.decode()
    assert "School own note" in page and "SECRET" not in page
    history = client_for(cast.school_dsl).get(
        reverse("assessments:section-history", args=[family, "family_history"])
    )
    assert "SECRET" not in history.content.decode()


def test_a_partner_cannot_read_decisions_census_or_plan(cast, shared_nothing, api_for, client_for):
    api = api_for(cast.school_dsl)
    case = shared_nothing.pk
    assert api.get(f"/api/v1/cases/{case}/decisions/").status_code == 403
    assert api.get(f"/api/v1/cases/{case}/child-records/").status_code == 403
    assert api.get(f"/api/v1/cases/{case}/plan/").status_code == 403
    decision = shared_nothing.decisions.get()
    assert api.get(f"/api/v1/decisions/{decision.pk}/").status_code == 404
    assert client_for(cast.school_dsl).get(reverse("pathways:decision", args=[case])).status_code == 403
    chronology = api.get(f"/api/v1/cases/{case}/chronology/").json()["results"]
    assert all("SECRET" not in (row["summary"] + row["detail"]) for row in chronology)
    assert any(row["kind"] == "pathway_changed" for row in chronology)  # the landmark is shared
    assert api.get(f"/api/v1/families/{shared_nothing.family_id}/referral-packages/").json()["results"] == []


def test_a_partner_with_no_agency_sees_no_packages(cast, shared_nothing, api_for):
    cast.school_dsl.agency = None
    cast.school_dsl.save(update_fields=["agency"])
    rows = (
        api_for(cast.school_dsl).get(f"/api/v1/families/{shared_nothing.family_id}/referral-packages/").json()
    )
    assert rows["results"] == []


def test_agencies_ticked_without_consent_are_an_error_not_silently_dropped(cast, world, api_for):
    case = world.north_case
    response = api_for(cast.fh_worker).post(
        f"/api/v1/cases/{case.pk}/decisions/",
        {
            "mode": "record",
            "outcome": "pathway_1",
            "rationale": "x",
            "shared_with_ids": [cast.school.pk],
            "version": case.version,
        },
        format="json",
    )
    assert response.status_code == 400 and "shared_with" in response.json()


def test_a_partner_cannot_correct_another_agencys_contribution(cast, world, api_for, client_for):
    family = world.school_case.family
    theirs = contribution_add(family=family, by=cast.social_worker, section="health", text="LA note")
    response = api_for(cast.school_dsl).post(
        f"/api/v1/families/{family.pk}/assessment/contributions/",
        {"section": "health", "text": "Overwrite", "supersedes_id": theirs.pk},
        format="json",
    )
    assert response.status_code == 400 and "supersedes_id" in response.json()
    page = client_for(cast.school_dsl).post(
        reverse("assessments:contribution-add", args=[family.pk]),
        {
            "contribution-section": "health",
            "contribution-text": "Overwrite",
            "contribution-supersedes": theirs.pk,
        },
    )
    assert page.status_code == 400 and "not in this family" in page.content.decode()
    odd = client_for(cast.social_worker).get(
        reverse("assessments:assessment", args=[family.pk]), {"correct": "²"}
    )
    assert odd.status_code == 200
