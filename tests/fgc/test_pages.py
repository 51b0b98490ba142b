"""The pages, without JavaScript: the case panel, referring (and being sent to record consent),
the queue, the referral's page with its actions, and the coordinator's forms keeping bad input."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fgc.choices import FgcState
from fgc.models import FgcReferral
from pathways.models import PlanAction

pytestmark = pytest.mark.django_db


def test_the_case_page_offers_the_referral_and_lists_the_case_s_referrals(cast, south, client_for, refer):
    client = client_for(cast.social_worker)
    page = client.get(south.case.get_absolute_url()).content.decode()
    assert reverse("fgc:refer", args=[south.case.pk]) in page
    referral = refer()
    page = client.get(south.case.get_absolute_url()).content.decode()
    assert referral.reference in page and reverse("fgc:refer", args=[south.case.pk]) not in page
    partner_page = client_for(cast.auditor).get(south.case.get_absolute_url()).content.decode()
    assert (
        referral.reference in partner_page and reverse("fgc:refer", args=[south.case.pk]) not in partner_page
    )


def test_without_consent_the_form_says_record_it_first_and_keeps_what_was_typed(cast, south, client_for):
    client = client_for(cast.social_worker)
    url = reverse("fgc:refer", args=[south.case.pk])
    page = client.get(url).content.decode()
    consents = reverse("stepdown:consents", args=[south.family.pk])
    assert 'id="fgc-no-consent"' in page and consents in page
    response = client.post(url, {"children": [south.child.pk], "reason": "Mornings are hard"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "record their consent" in body and "Mornings are hard" in body
    assert not FgcReferral.objects.exists()


def test_referring_with_consent_lands_on_the_referral(cast, south, client_for, consent_to):
    consent = consent_to()
    other = consent_to(family_group_conference=False, early_help=True)
    client = client_for(cast.social_worker)
    url = reverse("fgc:refer", args=[south.case.pk])
    page = client.get(url).content.decode()
    assert consent.reference in page and other.reference not in page  # only consents that cover it
    response = client.post(url, {"consent": consent.pk, "children": [south.child.pk], "reason": "Mornings"})
    referral = FgcReferral.objects.get()
    assert response.status_code == 302 and response["Location"] == referral.get_absolute_url()


def test_a_role_that_cannot_refer_is_refused(cast, south, client_for):
    assert client_for(cast.auditor).get(reverse("fgc:refer", args=[south.case.pk])).status_code == 403
    assert client_for(cast.fh_worker).get(reverse("fgc:refer", args=[south.case.pk])).status_code == 404


def test_the_queue_shows_the_service_s_waiting_referrals_and_the_coordinator_s_own(
    cast, service, refer, client_for, django_assert_max_num_queries
):
    referral = refer()
    client = client_for(service.coordinator)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("fgc:queue")).content.decode()
    waiting = page.split('id="queue-waiting"')[1].split('id="queue-mine"')[0]
    assert referral.reference in waiting and "Southey" not in waiting  # no family name before taking up
    client.post(reverse("fgc:act", args=[referral.pk, "accept"]))
    page = client.get(reverse("fgc:queue")).content.decode()
    assert referral.reference in page.split('id="queue-mine"')[1]
    assert referral.reference in client_for(cast.social_worker).get(reverse("fgc:queue")).content.decode()


def test_decline_without_a_reason_shows_the_error_on_the_referral(service, refer, client_for):
    referral = refer()
    client = client_for(service.coordinator)
    response = client.post(reverse("fgc:act", args=[referral.pk, "decline"]), {"reason": ""})
    assert (
        response.status_code == 400
        and "Say why the service cannot take the referral up" in response.content.decode()
    )
    response = client.post(
        reverse("fgc:act", args=[referral.pk, "decline"]), {"reason": "Already in proceedings"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == FgcState.DECLINED


def test_the_coordinator_records_the_conference_plan_and_review_through_the_pages(
    cast, south, service, accepted, client_for
):
    client = client_for(service.coordinator)
    detail = client.get(accepted.get_absolute_url()).content.decode()
    assert reverse("fgc:conference", args=[accepted.pk]) in detail
    url = reverse("fgc:conference", args=[accepted.pk])
    bad = client.post(url, {"held_on": "", "attendees": "Mum and Nan", "attendee_count": "two"})
    assert bad.status_code == 400 and "Mum and Nan" in bad.content.decode()
    today = timezone.localdate()
    ok = client.post(
        url,
        {
            "held_on": today.isoformat(),
            "attendees": "Mum and Nan",
            "attendee_count": "2",
            "family_private_time": "yes",
        },
    )
    assert ok.status_code == 302
    plan_url = reverse("fgc:plan", args=[accepted.pk])
    half = client.post(plan_url, {"agreed_on": today.isoformat(), "what_1": "School run", "who_1": ""})
    assert half.status_code == 400
    body = half.content.decode()
    assert "Action 1: say who will do it." in body and "School run" in body
    when = (today + timedelta(days=7)).isoformat()
    done = client.post(
        plan_url,
        {
            "agreed_on": today.isoformat(),
            "what_1": "School run",
            "who_1": "Nan",
            "by_when_1": when,
            "what_3": "Tea on Fridays",
            "who_3": "Aunt",
            "by_when_3": when,
        },
    )
    assert done.status_code == 302
    assert PlanAction.objects.filter(plan=south.case.plan, source="family_plan").count() == 2
    review = client.post(reverse("fgc:review", args=[accepted.pk]), {"held_on": today.isoformat()})
    assert review.status_code == 400
    review = client.post(
        reverse("fgc:review", args=[accepted.pk]), {"held_on": today.isoformat(), "plan_working": "yes"}
    )
    assert review.status_code == 302
    page = client.get(accepted.get_absolute_url()).content.decode()
    assert "School run" in page and "The family had private time" in page
    # The family's own actions sit in the case's one plan, marked as theirs, on the page and the API.
    worker = client_for(cast.team_manager)
    plan_page = worker.get(reverse("pathways:plan", args=[south.case.pk])).content.decode()
    row = plan_page[plan_page.index("School run") :][:400]
    assert "Family&#x27;s own plan" in row or "Family's own plan" in row


def test_someone_else_cannot_open_the_coordinator_s_forms(cast, service, accepted, client_for):
    assert (
        client_for(cast.social_worker).get(reverse("fgc:conference", args=[accepted.pk])).status_code == 403
    )
    assert (
        client_for(service.other_coordinator).get(reverse("fgc:conference", args=[accepted.pk])).status_code
        == 404
    )
