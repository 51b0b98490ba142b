"""The API's contract: the names clients rely on, 400s with field messages, 404 for what the
caller may not see, and the whole journey through it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pathways.models import PlanAction

pytestmark = pytest.mark.django_db


def _url(case):
    return f"/api/v1/cases/{case.pk}/fgc-referrals/"


def test_referring_without_consent_is_a_400_on_consent_id_naming_the_consents_page(cast, south, api_for):
    response = api_for(cast.social_worker).post(
        _url(south.case), {"children_ids": [south.child.pk], "reason": "Help"}, format="json"
    )
    assert response.status_code == 400
    assert f"/families/{south.family.pk}/consents/" in response.json()["consent_id"][0]


def test_missing_fields_and_invisible_ids_are_400s_with_field_messages(
    cast, world, south, consent_to, api_for
):
    response = api_for(cast.social_worker).post(_url(south.case), {}, format="json")
    assert response.status_code == 400 and {"children_ids", "reason"} <= set(response.json())
    # The north family's child is visible to the social worker, but is not this case's child.
    response = api_for(cast.social_worker).post(
        _url(south.case),
        {"consent_id": consent_to().pk, "children_ids": [world.north_child.pk], "reason": "x"},
        format="json",
    )
    assert response.status_code == 400 and "children_ids" in response.json()
    # A consent the caller may not see answers as one that does not exist.
    response = api_for(cast.fh_worker_south).post(
        _url(south.case),
        {"consent_id": 999999, "children_ids": [south.child.pk], "reason": "x"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["consent_id"] == [
        "No record 999999 that you can see."
    ]


def test_an_invisible_case_is_a_404(cast, south, api_for):
    assert api_for(cast.fh_worker).get(_url(south.case)).status_code == 404
    assert api_for(cast.fh_worker).post(_url(south.case), {}, format="json").status_code == 404


def test_the_whole_journey_through_the_api(cast, south, service, consent_to, api_for):
    worker, coordinator = api_for(cast.social_worker), api_for(service.coordinator)
    made = worker.post(
        _url(south.case),
        {"consent_id": consent_to().pk, "children_ids": [south.child.pk], "reason": "Help with mornings"},
        format="json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (
        body["state"] == "referred"
        and body["children"] == [south.child.pk]
        and body["reference"].startswith("FG")
    )
    listed = worker.get(_url(south.case)).json()
    assert [row["id"] for row in listed] == [body["id"]]
    assert body["id"] in [row["id"] for row in coordinator.get("/api/v1/fgc-referrals/").json()["results"]]

    base = f"/api/v1/fgc-referrals/{body['id']}"
    assert coordinator.post(f"{base}/accept/", {}, format="json").json()["state"] == "accepted"
    bad = coordinator.post(
        f"{base}/conference/", {"held_on": "2999-01-01", "attendee_count": 0}, format="json"
    )
    assert bad.status_code == 400 and {"attendees", "attendee_count", "family_private_time"} <= set(
        bad.json()
    )
    today = timezone.localdate()
    held = coordinator.post(
        f"{base}/conference/",
        {
            "held_on": today.isoformat(),
            "attendees": "Mum, aunt",
            "attendee_count": 2,
            "family_private_time": True,
        },
        format="json",
    )
    assert held.status_code == 200 and held.json()["conferences"][0]["family_private_time"] is True
    empty = coordinator.post(f"{base}/plan/", {"agreed_on": today.isoformat(), "actions": []}, format="json")
    assert empty.status_code == 400 and "actions" in empty.json()
    plan = coordinator.post(
        f"{base}/plan/",
        {
            "agreed_on": today.isoformat(),
            "actions": [
                {"what": "School run", "who": "Aunt", "by_when": (today + timedelta(days=7)).isoformat()},
                {
                    "what": "Tea on Thursdays",
                    "who": "Grandad",
                    "by_when": (today + timedelta(days=14)).isoformat(),
                },
            ],
        },
        format="json",
    )
    assert plan.status_code == 200, plan.content
    assert {a["source"] for a in plan.json()["plan_actions"]} == {"family_plan"}
    assert PlanAction.objects.filter(plan=south.case.plan, source="family_plan").count() == 2
    reviewed = coordinator.post(
        f"{base}/review/",
        {"held_on": today.isoformat(), "plan_working": "yes", "notes": "Going well"},
        format="json",
    )
    assert reviewed.json()["state"] == "reviewed"
    closed = coordinator.post(f"{base}/close/", {}, format="json")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert [e["state"] for e in closed.json()["events"]] == [
        "referred",
        "accepted",
        "conference_held",
        "plan_agreed",
        "reviewed",
        "closed",
    ]


def test_decline_needs_a_reason(service, refer, api_for):
    referral = refer()
    api = api_for(service.coordinator)
    response = api.post(f"/api/v1/fgc-referrals/{referral.pk}/decline/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api.post(
        f"/api/v1/fgc-referrals/{referral.pk}/decline/", {"reason": "In proceedings"}, format="json"
    )
    assert response.status_code == 200 and response.json()["state"] == "declined"


def test_a_wrong_state_is_a_400_not_a_500(service, refer, api_for):
    referral = refer()
    response = api_for(service.coordinator).post(
        f"/api/v1/fgc-referrals/{referral.pk}/close/", {}, format="json"
    )
    assert response.status_code in (400, 403)
