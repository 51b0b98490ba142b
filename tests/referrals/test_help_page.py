"""The public "ask for help" pages: what to do in an emergency, a privacy notice, a footer written for
families, the phone number from settings, and a promised contact day that is a working day."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from referrals.models import Contact

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
STAFF_NOTICE = "OFFICIAL-SENSITIVE"


def _help_post(key: str) -> dict:
    data = {
        "help-your_name": "Pat Newby",
        "help-phone": "01234 567890",
        "help-help_needed": "Help with routines",
        "help-idempotency_key": key,
        "subjects-TOTAL_FORMS": "1",
        "subjects-INITIAL_FORMS": "1",
        "subjects-MIN_NUM_FORMS": "0",
        "subjects-MAX_NUM_FORMS": "1000",
        "subjects-0-role": "child",
        "subjects-0-first_name": "Nell",
    }
    return data


def _ask_at(client, when: datetime, key: str) -> str:
    with time_machine.travel(when, tick=False):
        response = client.post(reverse("referrals:help"), _help_post(key))
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def test_the_help_page_says_what_to_do_in_an_emergency_with_the_configured_numbers(client, settings):
    settings.HELP_PHONE = "0115 496 0000"
    settings.HELP_PHONE_HOURS = "Monday to Friday, 8:30am to 5pm"
    settings.HELP_OUT_OF_HOURS_PHONE = "0115 496 0999"
    page = client.get(reverse("referrals:help")).content.decode()
    assert "call 999" in page
    assert "0115 496 0000" in page and "Monday to Friday, 8:30am to 5pm" in page
    assert "0115 496 0999" in page
    assert reverse("referrals:help-privacy") in page


def test_the_public_pages_have_a_footer_for_families_not_the_staff_notice(client):
    for url in (reverse("referrals:help"), reverse("referrals:help-privacy")):
        page = client.get(url).content.decode()
        assert 'id="family-footer"' in page, url
        assert STAFF_NOTICE not in page, url
    assert STAFF_NOTICE in client.get(reverse("accounts:login")).content.decode()  # staff pages keep it


def test_the_privacy_notice_is_public_and_names_who_to_ask(client, settings):
    settings.DATA_PROTECTION_EMAIL = "dpo@testshire.example"
    settings.LOCAL_AUTHORITY_NAME = "Testshire County Council"
    response = client.get(reverse("referrals:help-privacy"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "How we use your information" in page and "Testshire County Council" in page
    assert "dpo@testshire.example" in page and "Information Commissioner" in page


def test_a_request_on_friday_evening_is_promised_for_monday(client):
    page = _ask_at(client, datetime(2026, 12, 4, 18, 30, tzinfo=LONDON), "fri-evening")
    assert "Monday 7 December" in page
    assert Contact.objects.count() == 1


def test_a_promise_that_would_fall_on_a_weekend_or_bank_holiday_moves_to_the_next_working_day(client):
    # Thursday 24 December 2026 in the evening: 72 hours on is Sunday 27th; Monday 28th is the bank
    # holiday for Boxing Day (a Saturday), so the family is promised Tuesday 29th.
    page = _ask_at(client, datetime(2026, 12, 24, 18, 0, tzinfo=LONDON), "christmas-eve")
    assert "Tuesday 29 December" in page


def test_the_promised_day_is_always_a_working_day(db):
    from datetime import date, timedelta

    from escalation.calendar import is_working_day
    from referrals.selectors import first_working_day_from

    day = date(2026, 12, 19)
    for offset in range(21):
        promised = first_working_day_from(day + timedelta(days=offset))
        assert is_working_day(promised) and promised >= day + timedelta(days=offset)
