"""Codes for the statutory returns are captured where they arise (DOMAIN.md "Codes to capture")."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pathways.choices import Outcome
from pathways.codes import ASSESSMENT_FACTORS
from pathways.models import CinRecord
from pathways.services import (
    DecisionDetails,
    assessment_authorise,
    decision_record,
    icpc_record,
    s47_outcome_record,
)

pytestmark = pytest.mark.django_db


def last_weekday(before: date) -> date:
    day = before
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def test_a_referral_into_pathway_3_needs_its_census_codes(cast, world):
    case = world.north_case
    with pytest.raises(ValidationError) as excinfo:
        decision_record(
            case=case,
            by=cast.social_worker,
            details=DecisionDetails(outcome=Outcome.PATHWAY_3, rationale="x"),
        )
    assert {"referral_source", "primary_need"} <= set(excinfo.value.message_dict)
    with pytest.raises(ValidationError) as excinfo:
        decision_record(
            case=case,
            by=cast.social_worker,
            details=DecisionDetails(
                outcome=Outcome.PATHWAY_3, rationale="x", referral_source="99", primary_need="N1"
            ),
        )
    assert "referral_source" in excinfo.value.message_dict
    decision_record(
        case=case,
        by=cast.social_worker,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_3, rationale="x", referral_source="2A", primary_need="N4"
        ),
    )
    record = CinRecord.objects.get(case=case)
    today = timezone.localdate()
    assert (record.referral_date, record.referral_source, record.primary_need, record.assessment_start) == (
        today,
        "2A",
        "N4",
        today,
    )


def test_the_whole_census_trail_to_a_child_protection_plan(cast, world):
    case = world.north_case
    decision_record(
        case=case,
        by=cast.ecpp,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_4,
            rationale="Bruising",
            lawful_basis="s47",
            referral_source="3E",
            primary_need="N1",
        ),
    )
    record = CinRecord.objects.get(case=case)
    assert record.s47_start == timezone.localdate() and record.icpc_target > record.s47_start
    assert record.icpc_target.weekday() < 5
    with pytest.raises(ValidationError, match="Only an expert child protection practitioner"):
        s47_outcome_record(case=case, by=cast.social_worker, outcome="hold_icpc", rationale="Substantiated")
    with pytest.raises(ValidationError):
        icpc_record(case=case, by=cast.ecpp, held_on=timezone.localdate(), cp_plan=True, categories=["PHY"])
    s47_outcome_record(case=case, by=cast.ecpp, outcome="hold_icpc", rationale="Substantiated")
    # The enquiry began a fortnight ago (whatever day of the week the tests run).
    started = timezone.localdate() - timedelta(days=14)
    CinRecord.objects.filter(case=case).update(s47_start=started)
    held = last_weekday(timezone.localdate())
    saturday = started + timedelta(days=(5 - started.weekday()) % 7 or 7)
    with pytest.raises(ValidationError, match="weekend"):
        icpc_record(case=case, by=cast.ecpp, held_on=saturday, cp_plan=True, categories=["PHY"])
    with pytest.raises(ValidationError, match="stands alone"):
        icpc_record(case=case, by=cast.ecpp, held_on=held, cp_plan=True, categories=["MUL", "PHY"])
    with pytest.raises(ValidationError, match="category"):
        icpc_record(case=case, by=cast.ecpp, held_on=held, cp_plan=True, categories=[])
    record = icpc_record(case=case, by=cast.ecpp, held_on=held, cp_plan=True, categories=["PHY"])
    assert record.cp_plan_start == record.icpc_date == held and record.cp_categories == ["PHY"]


def test_authorising_the_assessment_records_valid_factors(cast, world):
    case = world.north_case
    with pytest.raises(ValidationError, match="no census record"):
        assessment_authorise(case=case, by=cast.team_manager, factors=["1B"])
    decision_record(
        case=case,
        by=cast.social_worker,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_3, rationale="x", referral_source="1C", primary_need="N5"
        ),
    )
    for bad, message in (
        (["99Z"], "Not census factor codes"),
        (["21", "3B"], "cannot go with"),
        ([], "Record the factors"),
    ):
        with pytest.raises(ValidationError, match=message):
            assessment_authorise(case=case, by=cast.team_manager, factors=bad)
    with pytest.raises(ValidationError, match="Only a team manager"):
        assessment_authorise(case=case, by=cast.fh_worker, factors=["3B"])
    record = assessment_authorise(case=case, by=cast.team_manager, factors=["3B", "1B", "3B"])
    assert record.factors == ["1B", "3B"] and record.assessment_authorised == timezone.localdate()
    assert "21" in ASSESSMENT_FACTORS and "24A" in ASSESSMENT_FACTORS


def test_census_steps_through_the_api_and_the_page(cast, world, api_for, client_for):
    from django.urls import reverse

    case = world.north_case
    api = api_for(cast.ecpp)
    assert api.get(f"/api/v1/cases/{case.pk}/cin-record/").status_code == 404
    moved = api.post(
        f"/api/v1/cases/{case.pk}/decisions/",
        {
            "mode": "record",
            "outcome": "pathway_4",
            "rationale": "Injury",
            "lawful_basis": "s47",
            "referral_source": "6",
            "primary_need": "N1",
            "version": case.version,
        },
        format="json",
    )
    assert moved.status_code == 201
    record = api.get(f"/api/v1/cases/{case.pk}/cin-record/").json()
    assert record["referral_source"] == "6" and record["s47_start"] and record["icpc_target"]
    refused = api_for(cast.social_worker).post(
        f"/api/v1/cases/{case.pk}/cin-record/s47-outcome/",
        {"outcome": "hold_icpc", "rationale": "x"},
        format="json",
    )
    assert refused.status_code == 400 and "expert child protection" in refused.json()["non_field_errors"][0]
    page = client_for(cast.ecpp).get(reverse("pathways:decision", args=[case.pk])).content.decode()
    assert "Record the outcome of the section 47 enquiry" in page
    done = client_for(cast.ecpp).post(
        reverse("pathways:census", args=[case.pk, "s47"]),
        {"s47-outcome": "hold_icpc", "s47-rationale": "Substantiated"},
    )
    assert done.status_code == 302
    bad = client_for(cast.ecpp).post(
        reverse("pathways:census", args=[case.pk, "icpc"]), {"icpc-cp_plan": "on"}
    )
    assert bad.status_code == 400 and "Enter the date the conference was held" in bad.content.decode()
    auth = api_for(cast.team_manager).post(
        f"/api/v1/cases/{case.pk}/cin-record/assessment-authorisation/",
        {"factors": ["18A", "3B"]},
        format="json",
    )
    assert auth.status_code == 200 and auth.json()["factors"] == ["3B", "18A"]


def test_an_icpc_is_recorded_once_and_authorisation_is_a_managers_once(cast, world):
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
    s47_outcome_record(case=case, by=cast.ecpp, outcome="hold_icpc", rationale="Substantiated")
    held = last_weekday(timezone.localdate())
    CinRecord.objects.filter(case=case).update(s47_start=held - timedelta(days=7))
    icpc_record(case=case, by=cast.ecpp, held_on=held, cp_plan=True, categories=["PHY"])
    with pytest.raises(ValidationError, match="already recorded"):
        icpc_record(case=case, by=cast.ecpp, held_on=held, cp_plan=True, categories=["NEG"])
    assert CinRecord.objects.get(case=case).cp_categories == ["PHY"]
    with pytest.raises(ValidationError, match="Only a team manager"):
        assessment_authorise(case=case, by=cast.social_worker, factors=["3B"])
    assessment_authorise(case=case, by=cast.team_manager, factors=["18A"])
    with pytest.raises(ValidationError, match="already authorised"):
        assessment_authorise(case=case, by=cast.team_manager, factors=["21"])


def test_the_authorise_control_is_offered_only_to_managers(cast, world, client_for):
    from django.urls import reverse

    case = world.north_case
    decision_record(
        case=case,
        by=cast.social_worker,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_3, rationale="x", referral_source="1C", primary_need="N5"
        ),
    )
    url = reverse("pathways:decision", args=[case.pk])
    assert "Authorise the assessment" in client_for(cast.team_manager).get(url).content.decode()
    assert "Authorise the assessment" not in client_for(cast.social_worker).get(url).content.decode()
