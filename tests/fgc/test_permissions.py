"""Every role against referring, seeing and acting on a family group conference referral. The
south case is Family Help Team South's, at pathway 3; the school's DSL is involved with another
family; FGC coordinators see the service's queue, and the family only once they take it up."""

import pytest
from django.utils import timezone

from fgc.choices import FgcState

pytestmark = pytest.mark.django_db

# Who may refer from the south case (POST /api/v1/cases/{id}/fgc-referrals/).
REFER = {
    "fh_worker": 404,  # North's family help worker cannot see South's case
    "fh_worker_south": 201,
    "social_worker": 201,
    "ecpp": 201,
    "mash_manager": 201,
    "team_manager": 201,
    "head_of_service": 403,  # reads, does not refer
    "school_dsl": 404,
    "auditor": 403,
    "coordinator": 404,  # not involved with the family
}

# Who sees a referral waiting in the queue (GET /api/v1/fgc-referrals/{id}/).
SEE_WAITING = {
    "fh_worker": 404,
    "fh_worker_south": 200,
    "social_worker": 200,
    "ecpp": 200,
    "mash_manager": 200,
    "team_manager": 200,
    "head_of_service": 200,
    "school_dsl": 404,
    "auditor": 200,
    "coordinator": 200,  # the service's queue
    "other_coordinator": 200,
    "stranger": 404,  # a coordinator of another service
    "administrator": 404,
}


def _user(name, cast, service):
    if hasattr(service, name):
        return getattr(service, name)
    return getattr(cast, "administrator" if name == "administrator" else name)


@pytest.mark.parametrize(("name", "expected"), REFER.items())
def test_who_may_refer_from_the_case(name, expected, cast, service, south, consent_to, api_for):
    consent = consent_to()
    response = api_for(_user(name, cast, service)).post(
        f"/api/v1/cases/{south.case.pk}/fgc-referrals/",
        {"consent_id": consent.pk, "children_ids": [south.child.pk], "reason": "Help with mornings"},
        format="json",
    )
    assert response.status_code == expected, response.content


@pytest.mark.parametrize(("name", "expected"), SEE_WAITING.items())
def test_who_sees_a_referral_waiting_for_the_service(name, expected, cast, service, refer, api_for):
    referral = refer()
    response = api_for(_user(name, cast, service)).get(f"/api/v1/fgc-referrals/{referral.pk}/")
    assert response.status_code == expected
    listed = api_for(_user(name, cast, service)).get("/api/v1/fgc-referrals/")
    ids = [row["id"] for row in listed.json()["results"]] if listed.status_code == 200 else []
    assert (referral.pk in ids) == (expected == 200)


def test_once_taken_up_only_its_coordinator_of_the_service_still_sees_it(cast, service, accepted, api_for):
    assert api_for(service.coordinator).get(f"/api/v1/fgc-referrals/{accepted.pk}/").status_code == 200
    assert api_for(service.other_coordinator).get(f"/api/v1/fgc-referrals/{accepted.pk}/").status_code == 404
    assert api_for(cast.social_worker).get(f"/api/v1/fgc-referrals/{accepted.pk}/").status_code == 200


def test_the_coordinator_sees_the_family_s_case_only_after_taking_it_up(client_for, service, south, refer):
    from fgc.services import fgc_referral_accept

    referral = refer()
    client = client_for(service.coordinator)
    assert client.get(south.case.get_absolute_url()).status_code == 404
    page = client.get(referral.get_absolute_url())
    assert page.status_code == 200 and south.child.first_name not in page.content.decode()
    fgc_referral_accept(referral=referral, by=service.coordinator)
    assert client.get(south.case.get_absolute_url()).status_code == 200
    assert south.child.first_name in client.get(referral.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("coordinator", 200),
        ("other_coordinator", 200),
        ("stranger", 404),
        ("social_worker", 403),
        ("team_manager", 403),
        ("auditor", 403),
        ("school_dsl", 404),
    ],
)
def test_who_may_take_a_referral_up(name, expected, cast, service, refer, api_for):
    referral = refer()
    response = api_for(_user(name, cast, service)).post(f"/api/v1/fgc-referrals/{referral.pk}/accept/", {})
    assert response.status_code == expected, response.content
    referral.refresh_from_db()
    assert (referral.state == FgcState.ACCEPTED) == (expected == 200)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("coordinator", 200),
        ("other_coordinator", 404),  # no longer sees it: someone else took it up
        ("social_worker", 403),
        ("auditor", 403),
        ("head_of_service", 403),
    ],
)
def test_only_the_coordinator_records_the_conference(name, expected, cast, service, accepted, api_for):
    response = api_for(_user(name, cast, service)).post(
        f"/api/v1/fgc-referrals/{accepted.pk}/conference/",
        {
            "held_on": timezone.localdate().isoformat(),
            "attendees": "Mum, aunt",
            "attendee_count": 2,
            "family_private_time": True,
        },
        format="json",
    )
    assert response.status_code == expected, response.content


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("social_worker", 200),
        ("fh_worker_south", 200),
        ("coordinator", 200),
        ("auditor", 403),
        ("head_of_service", 403),
    ],
)
def test_who_may_withdraw(name, expected, cast, service, accepted, api_for):
    response = api_for(_user(name, cast, service)).post(
        f"/api/v1/fgc-referrals/{accepted.pk}/withdraw/", {"reason": "Mum changed her mind"}, format="json"
    )
    assert response.status_code == expected, response.content


def test_a_restricted_family_leaves_the_coordinators_queue(cast, service, south, refer, api_for):
    from audit.services import restriction_mark

    referral = refer()
    restriction_mark(
        by=cast.team_manager, category="other", reason="Staff member's family", family=south.family
    )
    assert api_for(service.coordinator).get(f"/api/v1/fgc-referrals/{referral.pk}/").status_code == 404
