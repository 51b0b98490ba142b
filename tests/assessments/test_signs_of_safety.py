"""Signs of Safety: the 0-10 scale says whose it is (practitioner, family, child), and the assessment
shows each one's line over time (issue 18, part 4)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments.charts import PAD, scale_chart
from assessments.choices import ScaledBy, Section
from assessments.models import Assessment, Contribution
from assessments.selectors import scaling_series
from assessments.services import ContributionDraft, assessment_of, contribution_add, conversation_record
from cases.models import Person
from tests.migrating import migrate, migrate_to_latest

pytestmark = pytest.mark.django_db

JAN = datetime(2026, 1, 10, 10, tzinfo=UTC)


def parent_of(family) -> Person:
    return Person.objects.get(memberships__family=family, kind="adult")


def scale(family, by, value, scaled_by=ScaledBy.PRACTITIONER, **extra) -> Contribution:
    return contribution_add(
        family=family,
        by=by,
        section=Section.HOW_WORRIED,
        text=f"Scaled {value}",
        scale=value,
        scaled_by=scaled_by,
        **extra,
    )


# --- the rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "extra", "field"),
    [
        (Section.HOW_WORRIED, {"scale": 5}, "scaled_by"),
        (Section.HOW_WORRIED, {"scale": 5, "scaled_by": "granny"}, "scaled_by"),
        (Section.HOW_WORRIED, {"scale": 11, "scaled_by": ScaledBy.FAMILY}, "scale"),
        (Section.HOW_WORRIED, {"scale": -1, "scaled_by": ScaledBy.FAMILY}, "scale"),
        (Section.HOW_WORRIED, {"scale": 5.5, "scaled_by": ScaledBy.FAMILY}, "scale"),
        (Section.HOW_WORRIED, {"scale": "five", "scaled_by": ScaledBy.FAMILY}, "scale"),
        (Section.WORRIED_ABOUT, {"scaled_by": ScaledBy.FAMILY}, "scaled_by"),
        (Section.WORKING_WELL, {"gathered_by": "three_houses"}, "gathered_by"),
    ],
)
def test_whose_scale_is_required_for_the_scale_and_only_there(section, extra, field, cast, world):
    with pytest.raises(ValidationError) as excinfo:
        contribution_add(
            family=world.north_case.family, by=cast.fh_worker, section=section, text="x", **extra
        )
    assert field in excinfo.value.message_dict


def test_the_person_named_must_fit_whose_scale_it_is(cast, world):
    family = world.north_case.family
    parent = parent_of(family)
    cases = [
        (ScaledBy.CHILD, parent, "Choose a child in this family."),
        (ScaledBy.FAMILY, world.north_child, "Choose a parent, carer or other adult in this family."),
        (ScaledBy.CHILD, world.south_child, "Choose a child in this family."),
        (ScaledBy.PRACTITIONER, parent, "Name a person only for the family's or the child's own scale."),
    ]
    for scaled_by, person, message in cases:
        with pytest.raises(ValidationError) as excinfo:
            scale(family, cast.fh_worker, 5, scaled_by, scaled_by_person=person)
        assert excinfo.value.message_dict == {"scaled_by_person": [message]}
    made = scale(family, cast.fh_worker, 6, ScaledBy.FAMILY, scaled_by_person=parent)
    assert (made.scaled_by, made.scaled_by_person, made.scale) == ("family", parent, 6)
    made = scale(family, cast.fh_worker, 4, ScaledBy.CHILD, scaled_by_person=world.north_child)
    assert made.scaled_by_person == world.north_child


def test_the_database_refuses_a_scale_without_whose_it_is(cast, world):
    assessment = assessment_of(world.north_case.family)
    rows = [
        {"section": Section.HOW_WORRIED, "scale": 5},
        {"section": Section.HOW_WORRIED, "scale": 5, "scaled_by": "granny"},
        {"section": Section.HEALTH, "scaled_by": ScaledBy.FAMILY},
        {
            "section": Section.HOW_WORRIED,
            "scale": 5,
            "scaled_by": "practitioner",
            "scaled_by_person": world.north_child,
        },
    ]
    for row in rows:
        with pytest.raises(IntegrityError), transaction.atomic():
            Contribution.objects.create(assessment=assessment, text="x", author=cast.fh_worker, **row)


# --- the form and the API -----------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["11", "-1", "5.5", "five"])
def test_the_form_refuses_a_scale_that_is_not_a_whole_number_0_to_10(typed, cast, world, client_for):
    family = world.north_case.family
    response = client_for(cast.fh_worker).post(
        reverse("assessments:contribution-add", args=[family.pk]),
        {
            "contribution-section": "how_worried",
            "contribution-text": "Keep what I typed",
            "contribution-scale": typed,
            "contribution-scaled_by": "family",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Give the scale as a whole number from 0" in page
    assert "Keep what I typed" in page and f'value="{typed}"' in page
    assert re.search(r'value="family"[^>]*checked', page)
    assert not Contribution.objects.exists()


def test_the_form_asks_whose_scale_and_saves_it_with_the_person(cast, world, client_for):
    family = world.north_case.family
    client = client_for(cast.fh_worker)
    url = reverse("assessments:contribution-add", args=[family.pk])
    page = client.get(reverse("assessments:assessment", args=[family.pk])).content.decode()
    assert "Whose scale is it?" in page and "How were the child&#x27;s words gathered?" in page
    missing = client.post(
        url, {"contribution-section": "how_worried", "contribution-text": "x", "contribution-scale": "5"}
    )
    assert missing.status_code == 400 and "Say whose scale this is" in missing.content.decode()
    parent = parent_of(family)
    ok = client.post(
        url,
        {
            "contribution-section": "how_worried",
            "contribution-text": "Mum says 7",
            "contribution-scale": "7",
            "contribution-scaled_by": "family",
            "contribution-scaled_by_person": str(parent.pk),
        },
    )
    assert ok.status_code == 302
    made = Contribution.objects.get()
    assert (made.scale, made.scaled_by, made.scaled_by_person_id) == (7, "family", parent.pk)
    correcting = client.get(
        reverse("assessments:assessment", args=[family.pk]), {"correct": made.pk}
    ).content.decode()
    assert re.search(r'value="family"[^>]*checked', correcting)


@pytest.mark.parametrize("typed", [11, -1, 5.5, "5.5", "five", True])
def test_the_api_refuses_a_scale_that_is_not_a_whole_number_0_to_10(typed, cast, world, api_for):
    url = f"/api/v1/families/{world.north_case.family_id}/assessment/contributions/"
    body = {"section": "how_worried", "text": "x", "scale": typed, "scaled_by": "child"}
    response = api_for(cast.fh_worker).post(url, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["scale"]
    assert "whole number from 0" in response.json()["scale"][0]


def test_the_api_takes_and_gives_whose_scale(cast, world, api_for):
    family = world.north_case.family
    api = api_for(cast.fh_worker)
    url = f"/api/v1/families/{family.pk}/assessment/contributions/"
    missing = api.post(url, {"section": "how_worried", "text": "x", "scale": 5}, format="json")
    assert missing.status_code == 400 and "scaled_by" in missing.json()
    wrong = api.post(url, {"section": "health", "text": "x", "scaled_by": "family"}, format="json")
    assert wrong.status_code == 400 and "scaled_by" in wrong.json()
    adult_as_child = api.post(
        url,
        {
            "section": "how_worried",
            "text": "x",
            "scale": 5,
            "scaled_by": "child",
            "scaled_by_person_id": parent_of(family).pk,
        },
        format="json",
    )
    assert adult_as_child.status_code == 400 and list(adult_as_child.json()) == ["scaled_by_person_id"]
    stranger = api.post(
        url,
        {
            "section": "how_worried",
            "text": "x",
            "scale": 5,
            "scaled_by": "child",
            "scaled_by_person_id": world.south_child.pk,
        },
        format="json",
    )
    assert stranger.status_code == 400 and list(stranger.json()) == ["scaled_by_person_id"]
    made = api.post(
        url,
        {
            "section": "how_worried",
            "text": "Nia put it at 4",
            "scale": 4,
            "scaled_by": "child",
            "scaled_by_person_id": world.north_child.pk,
        },
        format="json",
    )
    assert made.status_code == 201
    body = made.json()
    assert body["scaled_by"] == "child" and body["scale"] == 4 and body["gathered_by"] == ""
    assert body["scaled_by_person"] == {"id": world.north_child.pk, "name": "Nia Northam"}
    listed = api.get(url).json()["results"]
    assert listed[0]["scaled_by"] == "child" and listed[0]["scaled_by_person"]["id"] == world.north_child.pk


def test_a_scale_recorded_in_a_conversation_through_the_api_says_whose(cast, world, api_for):
    url = f"/api/v1/families/{world.north_case.family_id}/conversations/"
    body = {
        "kind": "home_visit",
        "occurred_at": (timezone.now() - timedelta(days=2)).isoformat(),
        "discussed": "The safety plan",
        "contributions": [{"section": "how_worried", "text": "Mum said 6", "scale": 6}],
    }
    api = api_for(cast.fh_worker)
    refused = api.post(url, body, format="json")
    assert refused.status_code == 400 and "contributions.1.scaled_by" in refused.json()
    body["contributions"][0]["scaled_by"] = "family"
    assert api.post(url, body, format="json").status_code == 201
    assert Contribution.objects.get().scaled_by == "family"


# --- the line over time -------------------------------------------------------------------------


def test_each_kind_of_contributor_has_a_series_in_time_order(cast, world):
    family = world.north_case.family
    parent = parent_of(family)
    for days, value, scaled_by in [
        (60, 6, ScaledBy.FAMILY),
        (0, 3, ScaledBy.PRACTITIONER),
        (30, 5, ScaledBy.PRACTITIONER),
        (31, 2, ScaledBy.CHILD),
        (90, 8, ScaledBy.FAMILY),
    ]:
        with time_machine.travel(JAN + timedelta(days=days), tick=False):
            person = parent if scaled_by == ScaledBy.FAMILY else None
            scale(family, cast.fh_worker, value, scaled_by, scaled_by_person=person)
    series = scaling_series(Assessment.objects.get(family=family))
    assert [one.scaled_by for one in series] == ["practitioner", "family", "child"]
    assert [[p.scale for p in one.points] for one in series] == [[3, 5], [6, 8], [2]]
    assert [p.at for p in series[1].points] == [JAN + timedelta(days=60), JAN + timedelta(days=90)]
    assert series[1].points[0].person == parent and series[1].latest.scale == 8
    assert scaling_series(None)[0].points == []


def test_a_corrected_scale_gives_way_and_keeps_its_time_and_a_visit_dates_its_scale(cast, world):
    family = world.north_case.family
    with time_machine.travel(JAN, tick=False):
        wrong = scale(family, cast.fh_worker, 2)
    with time_machine.travel(JAN + timedelta(days=40), tick=False):
        scale(family, cast.fh_worker, 7, supersedes=wrong)
        conversation_record(
            family=family,
            by=cast.fh_worker,
            kind="home_visit",
            occurred_at=JAN + timedelta(days=20),
            discussed="Safety plan",
            contributions=[
                ContributionDraft(
                    section=Section.HOW_WORRIED, text="At the visit", scale=5, scaled_by=ScaledBy.PRACTITIONER
                )
            ],
        )
    (practitioner, _, _) = scaling_series(Assessment.objects.get(family=family))
    assert [(p.scale, p.at) for p in practitioner.points] == [(7, JAN), (5, JAN + timedelta(days=20))]


def test_the_chart_lays_out_each_line_left_to_right_and_0_at_the_bottom(cast, world):
    family = world.north_case.family
    for days, value, scaled_by in [(0, 2, "practitioner"), (50, 6, "practitioner"), (100, 9, "child")]:
        with time_machine.travel(JAN + timedelta(days=days), tick=False):
            scale(family, cast.fh_worker, value, scaled_by)
    chart = scale_chart(scaling_series(Assessment.objects.get(family=family)))
    practitioner, family_line, child = chart.lines
    assert [p.scale for p in practitioner.points] == [2, 6] and family_line.points == []
    assert practitioner.points[0].x == chart.left + PAD and child.points[0].x == chart.right - PAD
    assert practitioner.points[0].x < practitioner.points[1].x < child.points[0].x
    assert practitioner.points[0].y > practitioner.points[1].y > child.points[0].y  # higher is safer
    assert chart.y_ticks[0] == (chart.bottom, 0) and chart.y_ticks[-1] == (chart.top, 10)
    assert practitioner.path.startswith("M") and practitioner.path.count("L") == 1
    assert "Practitioner: 2 on 10 Jan 2026, 6 on 1 Mar 2026" in chart.description
    assert "Family (parent or carer): no scale yet" in chart.description
    assert [label for _, label, _ in chart.x_ticks] == ["10 Jan 2026", "1 Mar 2026", "20 Apr 2026"]
    assert not scale_chart(scaling_series(None)).has_points


def test_the_assessment_page_draws_the_scale_with_a_point_for_each_and_a_table(cast, world, client_for):
    family = world.north_case.family
    parent = parent_of(family)
    for days, value, scaled_by, person in [
        (0, 3, "practitioner", None),
        (30, 4, "practitioner", None),
        (60, 6, "practitioner", None),
        (10, 5, "family", parent),
        (70, 7, "family", parent),
        (40, 4, "child", world.north_child),
    ]:
        with time_machine.travel(JAN + timedelta(days=days), tick=False):
            scale(family, cast.fh_worker, value, scaled_by, scaled_by_person=person)
    page = (
        client_for(cast.social_worker)
        .get(reverse("assessments:assessment", args=[family.pk]))
        .content.decode()
    )
    svg = page[
        page.index("<svg", page.index('id="scale-chart"')) : page.index(
            "</svg>", page.index('id="scale-chart"')
        )
    ]
    assert (
        'role="img"' in svg
        and '<title id="scale-chart-title">' in svg
        and '<desc id="scale-chart-desc">' in svg
    )
    for key, count in (("practitioner", 3), ("family", 2), ("child", 1)):
        group = svg[svg.index(f'data-scaled-by="{key}"') :].split("</g>")[0]
        assert group.count("app-scale-chart__point") == count
    table = page[page.index('id="scale-chart-table"') :].split("</table>")[0]
    assert (
        "govuk-visually-hidden"
        in page[page.index('id="scale-chart-table"') - 80 : page.index('id="scale-chart-table"')]
    )
    assert table.count("<tr") == 1 + 6 and f"Family (parent or carer) ({parent})" in table
    assert "Whose scale: Child (Nia Northam)" in page


def test_the_scaling_api_gives_the_series_as_the_viewer_may_read_them(cast, world, api_for):
    family = world.school_case.family
    with time_machine.travel(JAN, tick=False):
        scale(family, cast.fh_worker, 3)
    with time_machine.travel(JAN + timedelta(days=7), tick=False):
        scale(family, cast.school_dsl, 5)
    url = f"/api/v1/families/{family.pk}/assessment/scaling/"
    body = api_for(cast.social_worker).get(url).json()
    assert [one["scaled_by"] for one in body["series"]] == ["practitioner", "family", "child"]
    points = body["series"][0]["points"]
    assert [p["scale"] for p in points] == [3, 5] and points[0]["at"].startswith("2026-01-10")
    assert set(points[0]) == {"contribution_id", "at", "scale", "person", "author"}
    # The school sees what the school contributed, as everywhere in the assessment.
    partner = api_for(cast.school_dsl).get(url).json()["series"][0]["points"]
    assert [p["scale"] for p in partner] == [5]
    assert (
        api_for(cast.school_dsl)
        .get(f"/api/v1/families/{world.north_case.family_id}/assessment/scaling/")
        .status_code
        == 404
    )


# --- legacy rows and the demo -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_says_whose_and_how_for_what_was_written_before(cast, world):
    family = world.north_case.family
    worried = scale(family, cast.fh_worker, 4, ScaledBy.FAMILY)
    voice = contribution_add(
        family=family,
        by=cast.fh_worker,
        section=Section.VOICE_OF_CHILD,
        text="I like school",
        child=world.north_child,
        gathered_by="three_houses",
    )
    health = contribution_add(family=family, by=cast.fh_worker, section=Section.HEALTH, text="Well")
    try:
        migrate([("assessments", "0002_conversations")])
        migrate_to_latest()
        rows = dict(Contribution.objects.values_list("pk", "scaled_by"))
        assert rows == {worried.pk: "practitioner", voice.pk: "", health.pk: ""}
        assert Contribution.objects.get(pk=voice.pk).gathered_by == "not_recorded"
        assert Contribution.objects.get(pk=health.pk).gathered_by == ""
    finally:
        migrate_to_latest()


def test_the_demo_scales_rise_for_practitioner_family_and_child(cast, world):
    from cases.choices import AllocationRole
    from cases.services import case_allocate
    from demo.signs_of_safety import seed_signs_of_safety, signs_of_safety_seeded

    case_allocate(
        case=world.school_case, user=cast.social_worker, role=AllocationRole.KEY_WORKER, by=cast.team_manager
    )
    users = {"fh.worker": cast.fh_worker, "social.worker": cast.social_worker}
    assert not signs_of_safety_seeded()
    with time_machine.travel(timezone.now() + timedelta(days=160), tick=False):  # the cases are older
        assert seed_signs_of_safety(users, {}) == 2
    assert signs_of_safety_seeded()
    for case in (world.north_case, world.school_case):
        series = scaling_series(Assessment.objects.get(family=case.family))
        for one in series:
            values = [p.scale for p in one.points]
            assert len(values) == 5 and values == sorted(values) and values[-1] > values[0]
            assert len({p.at.date() for p in one.points}) == 5
        assert series[2].points[0].person.kind == "child" and series[1].points[0].person.kind == "adult"
        gathered = set(
            Contribution.objects.filter(
                assessment__family=case.family, section=Section.VOICE_OF_CHILD
            ).values_list("gathered_by", flat=True)
        )
        assert gathered == {"three_houses", "wizards_and_fairies"}
    assert seed_signs_of_safety(users, {}) == 0  # a second run adds nothing


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_scale_chart_the_childs_voice_and_the_forms_errors_pass_axe(journey, live_server, cast, world):
    from tests.axe import assert_accessible
    from tests.test_browser import signed_in

    family = world.north_case.family
    for days, value, scaled_by, person in [
        (0, 3, "practitioner", None),
        (30, 6, "practitioner", None),
        (10, 5, "family", parent_of(family)),
        (40, 4, "child", world.north_child),
    ]:
        with time_machine.travel(JAN + timedelta(days=days), tick=False):
            scale(family, cast.social_worker, value, scaled_by, scaled_by_person=person)
    contribution_add(
        family=family,
        by=cast.social_worker,
        section=Section.VOICE_OF_CHILD,
        text="House of dreams: tea together",
        child=world.north_child,
        gathered_by="three_houses",
    )
    page = signed_in(journey, live_server.url, "social.worker")
    for url in (
        reverse("assessments:assessment", args=[family.pk]),
        reverse("cases:case-detail", args=[world.north_case.pk]),
    ):
        assert page.goto(live_server.url + url).status == 200
        assert_accessible(page)
    page.goto(live_server.url + reverse("assessments:assessment", args=[family.pk]))
    assert page.locator("#scale-chart svg[role=img]").count() == 1
    page.get_by_label("Part of the assessment").select_option("how_worried")
    page.get_by_label("How worried are we? (0-10)").fill("5.5")
    page.get_by_label("What you have learned or observed").fill("Half way")
    page.get_by_role("button", name="Add to the assessment").click()
    page.locator(".govuk-error-summary").wait_for()
    assert_accessible(page)
