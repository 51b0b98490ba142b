"""axe-core (WCAG 2.2 AA) on the pages each role works in, as the browser shows them.

The journeys (tests/*/test_*journeys.py, tests/test_browser.py) check every page they show; this
walks the pages each role opens first, with the forms' errors showing, so a page no journey reaches
is still held to the same standard."""

import re

import pytest
from django.urls import reverse

from tests.axe import assert_accessible, axe_violations
from tests.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def visit(page, url):
    response = page.goto(url)
    assert response.status == 200, (url, response.status)
    assert_accessible(page)


def test_axe_finds_what_it_should(browser):
    """The check can fail: a page with an unlabelled field and an image without alt text."""
    page = browser.new_page()
    page.set_content('<html lang="en"><title>t</title><main><img src="x.png"><input></main></html>')
    found = {violation["id"] for violation in axe_violations(page)}
    page.close()
    assert {"image-alt", "label"} <= found


def test_the_public_help_page_and_its_errors(journey, live_server, db):
    page = journey()
    visit(page, live_server.url + reverse("referrals:help"))
    page.get_by_role("button").filter(has_text=re.compile("Send|Ask|Submit", re.I)).first.click()
    page.locator(".govuk-error-summary").wait_for()
    assert_accessible(page)


def test_a_practitioner_s_pages(journey, live_server, cast, world):
    page = signed_in(journey, live_server.url, "social.worker")
    case, family = world.north_case, world.north_case.family
    for url in (
        reverse("escalation:tray"),
        reverse("escalation:inbox"),
        reverse("cases:case-list"),
        reverse("cases:person-search") + "?name=Northam",
        reverse("cases:case-detail", args=[case.pk]),
        reverse("cases:person-detail", args=[world.north_child.pk]),
        reverse("assessments:assessment", args=[family.pk]),
        reverse("assessments:conversation-add", args=[family.pk]),
        reverse("pathways:decision", args=[case.pk]),
        reverse("pathways:plan", args=[case.pk]),
        reverse("stepdown:list"),
        reverse("stepdown:routes", args=[case.pk]),
        reverse("disagreements:disagreements"),
        reverse("accounts:api-tokens"),
    ):
        visit(page, live_server.url + url)
    # A form sent empty shows its errors, and they too are accessible.
    page.goto(live_server.url + reverse("pathways:decision", args=[case.pk]))
    page.get_by_role("button", name="Propose for confirmation").click()
    page.locator(".govuk-error-summary").wait_for()
    assert_accessible(page)


def test_the_front_door_s_pages(journey, live_server, cast, world):
    page = signed_in(journey, live_server.url, "mash.manager")
    for url in (
        reverse("referrals:queue"),
        reverse("referrals:phone"),
        reverse("escalation:dashboard"),
        reverse("returns:census"),
        reverse("returns:annex-a"),
    ):
        visit(page, live_server.url + url)


def test_a_partner_s_and_an_auditor_s_pages(journey, live_server, cast, world):
    partner = signed_in(journey, live_server.url, "school.dsl")
    for url in (
        reverse("referrals:my-requests"),
        reverse("referrals:request-new"),
        reverse("cases:case-detail", args=[world.school_case.pk]),
    ):
        visit(partner, live_server.url + url)
    auditor = signed_in(journey, live_server.url, "auditor")
    for url in (reverse("audit:access-log"), reverse("stepdown:audit"), reverse("audit:break-glass-report")):
        visit(auditor, live_server.url + url)
