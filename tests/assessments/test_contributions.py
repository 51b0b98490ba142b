"""The one living assessment: contributions, corrections, indicators (issue: the heart)."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction
from django.urls import reverse

from assessments.choices import Section
from assessments.models import Assessment, Contribution, ThresholdDocument, ThresholdIndicator
from assessments.selectors import assessment_picture, current_contributions, indicator_summary
from assessments.services import contribution_add, threshold_document_current
from cases.models import ChronologyEntry

pytestmark = pytest.mark.django_db


def test_the_nottingham_document_loads_whole_and_reloads_idempotently(thresholds):
    assert thresholds.levels.count() == 4
    assert list(thresholds.levels.values_list("suggests_pathway", flat=True)) == [1, 2, 3, 4]
    assert thresholds.indicators.filter(immediate_referral=False).count() == 236
    assert thresholds.indicators.filter(immediate_referral=True).count() == 10
    call_command("load_thresholds", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert ThresholdIndicator.objects.count() == 246


def test_another_authoritys_document_loads_beside_it_and_is_chosen_in_settings(
    thresholds, tmp_path, settings
):
    other = {
        "code": "othertown",
        "title": "Othertown levels of need",
        "levels": [{"code": "low", "rank": 1, "name": "Low", "suggests_pathway": 1}],
        "indicators": [
            {"code": "low.1", "level": "low", "domain": "family_environment", "text": "Housing worries"}
        ],
    }
    path = tmp_path / "othertown.json"
    path.write_text(json.dumps(other))
    call_command("load_thresholds", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert ThresholdDocument.objects.count() == 2
    settings.THRESHOLD_DOCUMENT = "othertown"
    assert threshold_document_current().indicators.get().text == "Housing worries"


def test_a_broken_threshold_file_is_refused_clearly(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"code": "bad", "title": "Bad", "levels": [], "indicators": [{"code": "x"}]}))
    with pytest.raises(CommandError, match="'level' is missing"):
        call_command("load_thresholds", str(path))


def test_a_correction_supersedes_and_both_stay_in_the_history(cast, world):
    family = world.north_case.family
    first = contribution_add(
        family=family, by=cast.fh_worker, section=Section.HOUSING, text="Damp in the bedroom"
    )
    second = contribution_add(
        family=family,
        by=cast.fh_worker,
        section=Section.HOUSING,
        text="Damp in both bedrooms",
        supersedes=first,
    )
    assessment = Assessment.objects.get(family=family)
    assert [c.pk for c in current_contributions(assessment)] == [second.pk]
    assert Contribution.objects.filter(assessment=assessment, section=Section.HOUSING).count() == 2
    housing = next(
        p for _, parts in assessment_picture(assessment) for p in parts if p.section == Section.HOUSING
    )
    assert [c.text for c in housing.current] == ["Damp in both bedrooms"] and housing.corrected == 1
    with pytest.raises(ValidationError, match="already been corrected"):
        contribution_add(
            family=family, by=cast.social_worker, section=Section.HOUSING, text="x", supersedes=first
        )
    with pytest.raises(ValidationError, match="same section"):
        contribution_add(
            family=family, by=cast.social_worker, section=Section.INCOME, text="x", supersedes=second
        )


def test_contributions_cannot_be_changed_even_in_the_database(cast, world):
    contribution = contribution_add(
        family=world.north_case.family, by=cast.fh_worker, section=Section.HEALTH, text="x"
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        Contribution.objects.filter(pk=contribution.pk).update(text="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        Contribution.objects.filter(pk=contribution.pk).delete()


@pytest.mark.parametrize(
    ("section", "extra", "field"),
    [
        (Section.HOW_WORRIED, {}, "scale"),
        (Section.HOW_WORRIED, {"scale": 11}, "scale"),
        (Section.HEALTH, {"scale": 5}, "scale"),
        (Section.VOICE_OF_CHILD, {}, "child"),
        (Section.HEALTH, {"text": " "}, "text"),
        ("astrology", {}, "section"),
    ],
)
def test_contribution_rules(section, extra, field, cast, world):
    values = {"text": "Something observed", **extra}
    with pytest.raises(ValidationError) as excinfo:
        contribution_add(family=world.north_case.family, by=cast.fh_worker, section=section, **values)
    assert field in excinfo.value.message_dict


def test_a_child_from_another_family_is_refused(cast, world):
    with pytest.raises(ValidationError) as excinfo:
        contribution_add(
            family=world.north_case.family,
            by=cast.fh_worker,
            section=Section.HEALTH,
            text="x",
            child=world.south_child,
        )
    assert "child" in excinfo.value.message_dict


def test_cited_indicators_suggest_a_level_and_immediate_ones_raise_the_alarm(
    cast, world, thresholds, client_for
):
    family = world.north_case.family
    early = ThresholdIndicator.objects.get(code="early_help.health.1")
    targeted = ThresholdIndicator.objects.get(code="targeted_early_help.health.1")
    contribution_add(
        family=family, by=cast.school_dsl, section=Section.HEALTH, text="x", indicators=[early, targeted]
    )
    summary = indicator_summary(current_contributions(family.assessment))
    assert summary.suggested_level.code == "targeted_early_help" and summary.suggests_pathway == 3
    assert not summary.immediate
    assert not ChronologyEntry.objects.filter(kind="immediate_referral_indicator").exists()

    immediate = ThresholdIndicator.objects.get(code="immediate.1")
    contribution_add(
        family=family,
        by=cast.school_dsl,
        section=Section.WORRIED_ABOUT,
        text="Bruise",
        indicators=[immediate],
    )
    summary = indicator_summary(current_contributions(family.assessment))
    assert summary.suggests_pathway == 4 and summary.immediate == [immediate]
    assert ChronologyEntry.objects.filter(family=family, kind="immediate_referral_indicator").exists()
    page = (
        client_for(cast.fh_worker).get(reverse("assessments:assessment", args=[family.pk])).content.decode()
    )
    assert "Indicators requiring an immediate referral to social care" in page
    # In front of an ECPP until an ECPP records a decision.
    ecpp_home = client_for(cast.ecpp).get(reverse("home")).content.decode()
    assert "waiting for an ECPP" in ecpp_home and world.north_case.reference in ecpp_home


def test_who_may_contribute(cast, world, api_for):
    url = f"/api/v1/families/{world.school_case.family_id}/assessment/contributions/"
    body = {"section": "education", "text": "Attendance 85%"}
    assert api_for(cast.school_dsl).post(url, body, format="json").status_code == 201  # involved partner
    assert api_for(cast.auditor).post(url, body, format="json").status_code == 403
    assert api_for(cast.administrator).post(url, body, format="json").status_code == 404
    north = f"/api/v1/families/{world.north_case.family_id}/assessment/contributions/"
    assert api_for(cast.school_dsl).post(north, body, format="json").status_code == 404  # not involved
    listed = api_for(cast.auditor).get(url).json()["results"]
    assert [row["text"] for row in listed] == ["Attendance 85%"]


def test_api_corrections_and_bad_ids(cast, world, thresholds, api_for):
    api = api_for(cast.fh_worker)
    url = f"/api/v1/families/{world.north_case.family_id}/assessment/contributions/"
    first = api.post(
        url,
        {"section": "how_worried", "text": "Worried", "scale": 4, "scaled_by": "practitioner"},
        format="json",
    ).json()
    again = api.post(
        url,
        {
            "section": "how_worried",
            "text": "Less",
            "scale": 6,
            "scaled_by": "practitioner",
            "supersedes_id": first["id"],
        },
        format="json",
    )
    assert again.status_code == 201 and again.json()["supersedes"] == first["id"]
    current = api.get(url, {"current": "1"}).json()["results"]
    assert [row["scale"] for row in current] == [6]
    bad = api.post(
        url,
        {"section": "health", "text": "x", "indicator_ids": [999999], "child_id": world.south_child.pk},
        format="json",
    )
    assert bad.status_code == 400 and {"indicator_ids", "child_id"} <= set(bad.json())
    indicators = api.get("/api/v1/thresholds/indicators/").json()
    assert len(indicators) == 246 and sum(row["immediate_referral"] for row in indicators) == 10


def test_the_assessment_page_adds_and_keeps_typed_input_on_error(cast, world, thresholds, client_for):
    client = client_for(cast.fh_worker)
    family = world.north_case.family
    url = reverse("assessments:contribution-add", args=[family.pk])
    bad = client.post(url, {"contribution-section": "how_worried", "contribution-text": "Keep this text"})
    assert bad.status_code == 400 and "Keep this text" in bad.content.decode()
    indicator = ThresholdIndicator.objects.get(code="early_help.housing_employment_and_finance.1")
    ok = client.post(
        url,
        {
            "contribution-section": "housing",
            "contribution-text": "Rent arrears",
            "contribution-indicators": [indicator.pk],
        },
    )
    assert ok.status_code == 302
    page = client.get(reverse("assessments:assessment", args=[family.pk])).content.decode()
    assert "Rent arrears" in page and indicator.text[:40] in page
    correct = client.get(
        reverse("assessments:assessment", args=[family.pk]), {"correct": Contribution.objects.get().pk}
    )
    assert 'name="contribution-supersedes"' in correct.content.decode()
    history = client.get(reverse("assessments:section-history", args=[family.pk, "housing"]))
    assert history.status_code == 200 and "Rent arrears" in history.content.decode()


def test_the_assessment_page_query_count_does_not_grow_with_contributions(
    cast, world, thresholds, client_for
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    family = world.north_case.family
    indicator = ThresholdIndicator.objects.get(code="early_help.health.1")
    client = client_for(cast.social_worker)
    url = reverse("assessments:assessment", args=[family.pk])
    contribution_add(
        family=family, by=cast.fh_worker, section=Section.HEALTH, text="first", indicators=[indicator]
    )
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(10):
        contribution_add(
            family=family,
            by=cast.school_dsl,
            section=Section.EDUCATION,
            text=f"note {number}",
            indicators=[indicator],
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
