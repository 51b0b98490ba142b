"""Before triage, the contact page shows what the front door already knows: the family's open case
and pathway, the indicators the referrer chose, and earlier contacts; its query count does not grow
with them."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import ThresholdIndicator
from referrals.services import SubjectDetails, contact_receive, contact_subject_link

pytestmark = pytest.mark.django_db


def _about_nia(cast, world, key, indicators=()):
    """A request about Nia Northam (whose family has an open case at pathway 2), linked to her."""
    contact = contact_receive(
        by=cast.school_dsl,
        channel="professional",
        referrer_name="Sadia Dhillon",
        concerns="Nia often arrives hungry",
        family_consents="yes",
        subjects=[
            SubjectDetails(
                role="child", first_name="Nia", last_name="Northam", date_of_birth=date(2017, 3, 9)
            )
        ],
        indicators=list(indicators),
        idempotency_key=key,
    )
    for subject in contact.subjects.all():
        contact_subject_link(subject=subject, person=world.north_child, by=cast.mash_manager)
    contact.refresh_from_db()
    return contact


def _page(client, contact):
    response = client.get(reverse("referrals:contact", args=[contact.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_before_triage_the_page_shows_the_open_case_indicators_and_earlier_contacts(
    cast, world, thresholds, client_for
):
    earlier = _about_nia(cast, world, "earlier")
    immediate = ThresholdIndicator.objects.filter(immediate_referral=True).first()
    levelled = ThresholdIndicator.objects.filter(immediate_referral=False).select_related("level").first()
    contact = _about_nia(cast, world, "now", indicators=[levelled, immediate])
    page = _page(client_for(cast.mash_manager), contact)
    known = page[page.index('id="known-families"') :]
    assert "Northam family" in known and world.north_case.reference in known
    assert "Pathway 2" in known and "Femi Harper" in known  # pathway and key worker
    chosen = page[page.index('id="chosen-indicators"') :]
    assert immediate.text in chosen and levelled.text in chosen and levelled.level.name in chosen
    assert chosen.index(immediate.text) < chosen.index(levelled.text)  # immediate referral first
    repeats = page[page.index('id="repeat-contacts"') :]
    assert earlier.reference in repeats
    assert "Record the triage decision" in page  # all of it before triage


def test_the_referrer_does_not_see_the_front_doors_background(cast, world, client_for):
    contact = _about_nia(cast, world, "mine")
    page = _page(client_for(cast.school_dsl), contact)
    assert 'id="known-families"' not in page and world.north_case.reference not in page


def test_the_contact_page_costs_the_same_queries_however_much_is_known(cast, world, thresholds, client_for):
    client = client_for(cast.mash_manager)
    indicators = list(ThresholdIndicator.objects.order_by("pk")[:6])

    def queries(earlier: int, chosen: int, key: str) -> int:
        for n in range(earlier):
            _about_nia(cast, world, f"{key}-earlier-{n}")
        contact = _about_nia(cast, world, key, indicators=indicators[:chosen])
        _page(client, contact)  # warm sessions and permission caches
        with CaptureQueriesContext(connection) as captured:
            _page(client, contact)
        return len(captured)

    assert queries(1, 1, "few") == queries(4, 6, "many")
