"""GOV.UK date inputs, error summaries and times (config/forms.py, config/templatetags/govuk.py)."""

import datetime
import re

import pytest
import time_machine
from django import forms
from django.urls import reverse
from django.utils import timezone

from config.forms import DateField, DateInput, DateTimeInput
from config.templatetags.govuk import govuk_datetime, govuk_time
from tests.referrals.test_pages import professional_post

LONDON = datetime.timezone(datetime.timedelta(0))


class BirthForm(forms.Form):
    date_of_birth = DateField(label="Date of birth", must_be="today_or_past")


class PlainForm(forms.Form):
    """A form that uses Django's own DateField with the GOV.UK widget, as most of ours do."""

    by_when = forms.DateField(widget=DateInput, label="By when", required=False)
    occurred_at = forms.DateTimeField(widget=DateTimeInput, label="When it happened", required=False)


class FutureForm(forms.Form):
    review_on = DateField(label="Date of the review", must_be="future")


def birth(day, month, year):
    return BirthForm({"date_of_birth_day": day, "date_of_birth_month": month, "date_of_birth_year": year})


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "3", "2017", "Date of birth must include a day"),
        ("3", "", "2017", "Date of birth must include a month"),
        ("3", "9", "", "Date of birth must include a year"),
        ("", "", "2017", "Date of birth must include a day and month"),
        ("3", "", "", "Date of birth must include a month and year"),
        ("31", "2", "2017", "Date of birth must be a real date"),
        ("3", "13", "2017", "Date of birth must be a real date"),
        ("x", "9", "2017", "Date of birth must be a real date"),
        ("3", "9", "17", "Year must include 4 numbers"),
        ("3", "9", "2999", "Date of birth must be today or in the past"),
    ],
)
def test_a_date_that_is_not_whole_and_real_gets_the_govuk_message(day, month, year, message):
    form = birth(day, month, year)
    assert not form.is_valid()
    assert form.errors["date_of_birth"] == [message]


def test_a_real_date_is_read_from_its_parts_and_a_month_may_be_a_name():
    assert birth("3", "9", "2017").is_valid()
    form = birth(" 03 ", "Sep", "2017")
    assert form.is_valid() and form.cleaned_data["date_of_birth"] == datetime.date(2017, 9, 3)


def test_a_required_date_left_blank_is_required_not_invalid():
    form = birth("", "", "")
    assert not form.is_valid() and form.errors["date_of_birth"] == ["This field is required."]


def test_the_old_single_value_still_works_when_the_parts_are_absent():
    assert BirthForm({"date_of_birth": "2017-09-03"}).is_valid()
    form = PlainForm({"by_when": "2026-12-01", "occurred_at": "2026-03-02T10:15"})
    assert form.is_valid()
    assert form.cleaned_data["by_when"] == datetime.date(2026, 12, 1)
    assert (
        timezone.localtime(form.cleaned_data["occurred_at"]).strftime("%Y-%m-%d %H:%M") == "2026-03-02 10:15"
    )


def test_djangos_own_date_field_gets_the_govuk_message_too():
    form = PlainForm({"by_when_day": "12", "by_when_month": "", "by_when_year": "2026"})
    assert not form.is_valid()
    assert form.errors["by_when"] == ["The date must include a month"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("10:15am", "10:15"), ("10am", "10:00"), ("14:30", "14:30"), ("midday", "12:00"), ("12am", "00:00")],
)
def test_a_date_and_time_reads_the_time_as_people_write_it(typed, expected):
    data = {
        "occurred_at_day": "2",
        "occurred_at_month": "3",
        "occurred_at_year": "2026",
        "occurred_at_time": typed,
    }
    form = PlainForm(data)
    assert form.is_valid(), form.errors
    assert timezone.localtime(form.cleaned_data["occurred_at"]).strftime("%H:%M") == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "The date must include a time"),
        ("25:00", "Enter a real time, like 9:30am or 14:30"),
        ("10", None),
    ],
)
def test_a_missing_or_unreal_time_is_an_error(typed, message):
    data = {
        "occurred_at_day": "2",
        "occurred_at_month": "3",
        "occurred_at_year": "2026",
        "occurred_at_time": typed,
    }
    form = PlainForm(data)
    assert not form.is_valid()
    assert form.errors["occurred_at"] == [message or "Enter a real time, like 9:30am or 14:30"]


@time_machine.travel(datetime.datetime(2026, 12, 4, 12, tzinfo=LONDON), tick=False)
def test_past_and_future_rules():
    assert not FutureForm(
        {"review_on_day": "4", "review_on_month": "12", "review_on_year": "2026"}
    ).is_valid()
    assert FutureForm({"review_on_day": "5", "review_on_month": "12", "review_on_year": "2026"}).is_valid()
    assert birth("4", "12", "2026").is_valid()
    assert birth("5", "12", "2026").errors["date_of_birth"] == ["Date of birth must be today or in the past"]
    with pytest.raises(ValueError):
        DateField(must_be="soon")


def test_the_date_input_shows_back_what_was_typed_and_marks_only_the_missing_part():
    html = str(birth("3", "", "2017")["date_of_birth"].as_field_group())
    assert re.search(r'name="date_of_birth_day"[^>]*value="3"', html)
    assert re.search(r'name="date_of_birth_year"[^>]*value="2017"', html)
    assert re.search(r'govuk-input--error" id="id_date_of_birth_month"', html)
    assert 'govuk-input--error" id="id_date_of_birth_day"' not in html
    assert "<legend" in html and "For example, 27 3 2007" in html


@pytest.mark.django_db
def test_the_request_page_lists_every_error_at_the_top_with_links(cast, client_for):
    # Nobody is a child: the only person named is an adult, whose date of birth lacks a month.
    data = professional_post(
        **{
            "request-concerns": "",
            "request-family_consents": "",
            "subjects-0-first_name": "",
            "subjects-0-last_name": "",
            "subjects-3-first_name": "Ann",
            "subjects-3-last_name": "Northam",
            "subjects-3-date_of_birth_day": "3",
            "subjects-3-date_of_birth_month": "",
            "subjects-3-date_of_birth_year": "1990",
        }
    )
    del data["subjects-0-date_of_birth"]
    response = client_for(cast.school_dsl).post(reverse("referrals:request-new"), data)
    page = response.content.decode()
    assert response.status_code == 400
    summary = page[
        page.index('class="govuk-error-summary"') : page.index("</ul>", page.index("govuk-error-summary"))
    ]
    assert page.index("govuk-error-summary") < page.index("<h1")
    assert page.count('class="govuk-error-summary"') == 1
    assert "Tell us about at least one child." in summary
    assert '<a href="#id_subjects-3-date_of_birth_month">Date of birth must include a month</a>' in summary
    assert (
        '<a href="#id_request-concerns">Tell us, in your own words, what help is needed and why.</a>'
        in summary
    )
    assert (
        '<a href="#id_request-family_consents_0">Say whether the family agrees to this request.</a>'
        in summary
    )
    assert "<title>Error: " in page


@pytest.mark.django_db
def test_a_family_without_a_child_sees_the_at_least_one_child_error_in_the_summary(client):
    data = {
        "help-your_name": "Pat Newby",
        "help-help_needed": "",
        "help-idempotency_key": "k-2",
        "subjects-TOTAL_FORMS": "1",
        "subjects-INITIAL_FORMS": "1",
        "subjects-MIN_NUM_FORMS": "0",
        "subjects-MAX_NUM_FORMS": "1000",
        "subjects-0-role": "child",
    }
    page = client.post(reverse("referrals:help"), data).content.decode()
    summary = page[page.index('class="govuk-error-summary"') :]
    assert summary.index("Tell us about at least one child.") < summary.index("</ul>")
    assert summary.index("Tell us what would help.") < summary.index("</ul>")


@pytest.mark.parametrize(
    ("hour", "minute", "text"),
    [
        (10, 15, "10:15am"),
        (10, 0, "10am"),
        (15, 30, "3:30pm"),
        (12, 0, "midday"),
        (0, 0, "midnight"),
        (0, 5, "12:05am"),
    ],
)
def test_times_are_written_the_govuk_way(hour, minute, text):
    assert govuk_time(datetime.time(hour, minute)) == text


def test_a_date_and_time_reads_as_a_sentence():
    moment = timezone.make_aware(datetime.datetime(2026, 12, 4, 15, 0))
    assert govuk_datetime(moment) == "4 December 2026 at 3pm"
    assert govuk_datetime(moment, "j M") == "4 Dec at 3pm"
