"""The family group conference journey in headless Chromium, every page checked with axe: the social
worker is sent to record the family's consent, refers; the coordinator takes the referral up from
the service's queue, records the conference and the family's plan, which shows in the case's plan."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.axe import assert_accessible
from tests.test_browser import signed_in


def _date(page, group, day):
    for part, value in zip(("Day", "Month", "Year"), f"{day:%-d %-m %Y}".split(), strict=True):
        page.get_by_role("group", name=group).get_by_label(part).fill(value)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_family_is_referred_and_its_own_plan_joins_the_case_plan(
    journey, live_server, cast, service, south
):
    from pathways.models import PlanAction

    today = timezone.localdate()
    worker = signed_in(journey, live_server.url, "social.worker")
    worker.goto(live_server.url + reverse("cases:case-detail", args=[south.case.pk]))
    assert_accessible(worker)
    worker.get_by_role("link", name="Refer for a family group conference").click()
    worker.locator("#fgc-no-consent").wait_for()
    assert_accessible(worker)
    worker.get_by_role("button", name="Send the referral").click()
    worker.locator(".govuk-error-summary").wait_for()
    assert_accessible(worker)
    worker.locator("#fgc-no-consent").get_by_role("link", name="Record the family's consent").click()
    assert_accessible(worker)
    worker.get_by_label("Who gave consent").select_option(label="Pat Southey")
    worker.get_by_label("To a family group conference").check()
    worker.get_by_label("In writing (signed form or letter)").check()
    worker.get_by_label("Where it is recorded").fill("Signed form on file")
    _date(worker, "Date given", today)
    worker.get_by_role("button", name="Record consent").click()
    worker.get_by_text(re.compile(r"Consent CN\d+ recorded")).wait_for()
    assert "/family-group-conference/" in worker.url
    assert_accessible(worker)
    worker.get_by_label(re.compile(r"CN\d+: Pat Southey")).check()
    worker.get_by_label("Sol Southey").check()
    worker.get_by_label("What the family wants help with").fill("Mum wants her family to help with mornings.")
    worker.get_by_role("button", name="Send the referral").click()
    worker.get_by_text(re.compile(r"Referral FG\d+ sent")).wait_for()
    assert_accessible(worker)

    coordinator = signed_in(journey, live_server.url, "fgc.coordinator")
    coordinator.goto(live_server.url + reverse("fgc:queue"))
    assert_accessible(coordinator)
    coordinator.locator("#queue-waiting + table").get_by_role("link", name=re.compile(r"FG\d+")).click()
    assert_accessible(coordinator)
    coordinator.get_by_role("button", name="Take up the referral").click()
    coordinator.get_by_text(re.compile("you are now involved with the family")).wait_for()
    assert_accessible(coordinator)
    coordinator.get_by_role("link", name="Record the conference").click()
    assert_accessible(coordinator)
    coordinator.get_by_role("button", name="Save").click()
    coordinator.locator(".govuk-error-summary").wait_for()
    assert_accessible(coordinator)
    _date(coordinator, "Date the conference was held", today)
    coordinator.get_by_label("Who came").fill("Mum, Nan, Aunt Jo")
    coordinator.get_by_label("How many came").fill("3")
    coordinator.get_by_role("group", name="Did the family have private time?").get_by_label("Yes").check()
    coordinator.get_by_role("button", name="Save").click()
    coordinator.get_by_text("Conference recorded.").wait_for()
    assert_accessible(coordinator)
    coordinator.get_by_role("link", name="Record the family's plan").click()
    assert_accessible(coordinator)
    _date(coordinator, "Date the family agreed its plan", today)
    coordinator.get_by_label("Action 1: what will be done").fill("School run on Mondays")
    coordinator.get_by_label("Action 1: who will do it").fill("Aunt Jo")
    _date(coordinator, "Action 1: by when", today + timedelta(days=14))
    coordinator.get_by_role("button", name="Add the family's plan to the case's plan").click()
    coordinator.locator(".govuk-notification-banner").get_by_text(
        re.compile("joined the case's plan")
    ).wait_for()
    assert_accessible(coordinator)
    assert PlanAction.objects.get(plan=south.case.plan).source == "family_plan"
