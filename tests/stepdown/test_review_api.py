"""The drift and review-set API: the names clients rely on (issue 18), bad input as 400s with field
messages, 403 for a role that may not, 404 for what a user may not see."""

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from cases.models import Case
from stepdown.choices import StepDownState
from stepdown.models import ReviewSet, StepDown

pytestmark = pytest.mark.django_db


@pytest.fixture
def drifting(cast, world, south):
    for case in (world.south_case, world.north_case):
        Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - relativedelta(months=12))
        case.refresh_from_db()
    return world


@pytest.fixture
def head_of_service(cast):
    from accounts.choices import Role, TeamKind
    from tests.accounts.factories import TeamFactory, UserFactory

    qa = TeamFactory(name="Quality Assurance", agency=cast.la, kind=TeamKind.QUALITY_ASSURANCE)
    return UserFactory(username="head.of.service", roles=[Role.HEAD_OF_SERVICE], teams=[qa], agency=cast.la)


@pytest.fixture
def east_manager(cast):
    from accounts.choices import Role
    from tests.accounts.factories import TeamFactory, UserFactory

    east = TeamFactory(name="Family Help Team East", agency=cast.la)
    return UserFactory(username="east.manager", roles=[Role.TEAM_MANAGER], teams=[east], agency=cast.la)


def _new_set(api, *cases, name="South and North"):
    response = api.post(
        "/api/v1/review-sets/", {"name": name, "case_ids": [case.pk for case in cases]}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_drift_lists_the_cases_with_their_reasons(cast, drifting, api_for):
    api = api_for(cast.team_manager)
    response = api.get("/api/v1/drift/")
    assert response.status_code == 200
    rows = {row["case"]: row for row in response.json()["results"]}
    south = rows[drifting.south_case.pk]
    assert south["reference"] == drifting.south_case.reference and south["pathway"] == 3
    codes = {reason["code"] for reason in south["reasons"]}
    assert {"plan_still", "no_visit", "not_seen_alone"} <= codes
    assert all(set(reason) == {"code", "text"} and reason["text"] for reason in south["reasons"])
    only = api.get("/api/v1/drift/", {"reason": "plan_still"}).json()["results"]
    assert [row["case"] for row in only] == [drifting.south_case.pk]
    north = api.get("/api/v1/drift/", {"team": cast.north.pk}).json()["results"]
    assert [row["case"] for row in north] == [drifting.north_case.pk]
    assert set(api.get("/api/v1/drift/", {"reason": "bad"}).json()) == {"reason"}
    assert set(api.get("/api/v1/drift/", {"team": "x"}).json()) == {"team"}
    assert set(api.get("/api/v1/drift/", {"team": 999999}).json()) == {"team"}


def test_drift_follows_the_role(cast, drifting, api_for, head_of_service, east_manager):
    assert api_for(head_of_service).get("/api/v1/drift/").json()["count"] >= 2
    assert api_for(east_manager).get("/api/v1/drift/").json()["results"] == []
    for user in (
        cast.social_worker,
        cast.fh_worker,
        cast.ecpp,
        cast.mash_manager,
        cast.school_dsl,
        cast.auditor,
    ):
        assert api_for(user).get("/api/v1/drift/").status_code == 403, user
    assert api_for(None).get("/api/v1/drift/").status_code in (401, 403)


def test_a_review_set_through_the_api_with_its_report(cast, drifting, hub, api_for):
    api = api_for(cast.team_manager)
    made = _new_set(api, drifting.south_case, drifting.north_case)
    assert made["name"] == "South and North" and made["closed_at"] is None
    assert [item["case"] for item in made["items"]] == [drifting.south_case.pk, drifting.north_case.pk]
    assert made["items"][0]["reasons"] and made["items"][0]["outcome"] == ""
    assert made["report"]["total"]["waiting"] == 2
    url = f"/api/v1/review-sets/{made['id']}/outcomes/"
    step_down = api.post(
        url,
        {
            "case_id": drifting.south_case.pk,
            "outcome": "step_down",
            "reason": "Early help can meet the needs now",
            "route": "referral",
            "needs": "Routines",
            "receiving_team_id": hub.team.pk,
        },
        format="json",
    )
    assert step_down.status_code == 200, step_down.json()
    assert step_down.json()["outcome"] == "step_down"
    proposed = StepDown.objects.get(pk=step_down.json()["step_down"])
    assert proposed.state == StepDownState.AWAITING_CONSENT
    continued = api.post(
        url, {"case_id": drifting.north_case.pk, "outcome": "continue", "reason": "Working"}, format="json"
    )
    assert continued.status_code == 200
    listed = api.get("/api/v1/review-sets/").json()["results"]
    assert [(row["id"], row["audited"], row["waiting"]) for row in listed] == [(made["id"], 2, 0)]
    detail = api.get(f"/api/v1/review-sets/{made['id']}/").json()
    assert detail["closed_at"] is not None
    assert detail["report"]["total"] == {
        "label": "Total",
        "audited": 2,
        "closed": 0,
        "stepped_down": 1,
        "continued": 1,
        "escalated": 0,
        "waiting": 0,
    }
    assert {row["label"] for row in detail["report"]["teams"]} == {
        "Family Help Team North",
        "Family Help Team South",
    }


def test_bad_input_is_a_400_with_field_messages(cast, drifting, world, api_for):
    api = api_for(cast.team_manager)
    assert set(api.post("/api/v1/review-sets/", {}, format="json").json()) == {"name", "case_ids"}
    empty = api.post("/api/v1/review-sets/", {"name": "", "case_ids": []}, format="json")
    assert empty.status_code == 400 and set(empty.json()) == {"name", "cases"}
    unknown = api.post("/api/v1/review-sets/", {"name": "X", "case_ids": [999999]}, format="json")
    assert unknown.status_code == 400 and "case_ids" in unknown.json()
    typed = api.post("/api/v1/review-sets/", {"name": "X", "case_ids": ["abc"]}, format="json")
    assert typed.status_code == 400
    made = _new_set(api, drifting.north_case)
    url = f"/api/v1/review-sets/{made['id']}/outcomes/"
    no_reason = api.post(url, {"case_id": drifting.north_case.pk, "outcome": "continue"}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    no_closure = api.post(
        url, {"case_id": drifting.north_case.pk, "outcome": "close", "reason": "Done"}, format="json"
    )
    assert no_closure.status_code == 400 and "closure_reason" in no_closure.json()
    rc9 = api.post(
        url,
        {"case_id": drifting.north_case.pk, "outcome": "close", "reason": "Done", "closure_reason": "RC9"},
        format="json",
    )
    assert rc9.status_code == 400 and "closure_reason" in rc9.json()
    no_route = api.post(
        url, {"case_id": drifting.north_case.pk, "outcome": "step_down", "reason": "EH"}, format="json"
    )
    assert no_route.status_code == 400 and "route" in no_route.json()
    below = api.post(
        url,
        {"case_id": drifting.north_case.pk, "outcome": "step_down", "reason": "EH", "route": "referral"},
        format="json",
    )
    assert below.status_code == 400  # pathway 2: the step-down service refuses it
    assert (
        api.post(url, {"case_id": drifting.north_case.pk, "outcome": "maybe"}, format="json").status_code
        == 400
    )
    not_in_set = api.post(
        url, {"case_id": world.school_case.pk, "outcome": "continue", "reason": "x"}, format="json"
    )
    assert not_in_set.status_code == 404
    closed = api.post(
        url,
        {"case_id": drifting.north_case.pk, "outcome": "close", "reason": "Done", "closure_reason": "RC8"},
        format="json",
    )
    assert closed.status_code == 200
    assert not Case.objects.get(pk=drifting.north_case.pk).is_open
    again = api.post(
        url, {"case_id": drifting.north_case.pk, "outcome": "continue", "reason": "x"}, format="json"
    )
    assert again.status_code == 400


def test_review_sets_follow_the_role(cast, drifting, api_for, head_of_service, east_manager):
    made = _new_set(api_for(cast.team_manager), drifting.north_case)
    url = f"/api/v1/review-sets/{made['id']}/"
    outcome = {"case_id": drifting.north_case.pk, "outcome": "continue", "reason": "Working"}
    head = api_for(head_of_service)
    assert head.get(url).status_code == 200
    assert head.post(url + "outcomes/", outcome, format="json").status_code == 403
    refused = head.post(
        "/api/v1/review-sets/", {"name": "Mine", "case_ids": [drifting.north_case.pk]}, format="json"
    )
    assert refused.status_code == 400 and "cases" in refused.json()
    east = api_for(east_manager)
    assert east.get(url).status_code == 404
    assert east.get("/api/v1/review-sets/").json()["results"] == []
    assert east.post(url + "outcomes/", outcome, format="json").status_code == 404
    for user in (cast.social_worker, cast.fh_worker, cast.school_dsl, cast.auditor, cast.administrator):
        api = api_for(user)
        assert api.get(url).status_code == 403, user
        assert api.get("/api/v1/review-sets/").status_code == 403, user
        assert api.post(url + "outcomes/", outcome, format="json").status_code == 403, user
    assert ReviewSet.objects.count() == 1
