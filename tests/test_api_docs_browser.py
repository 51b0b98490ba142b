"""The API's reference page (Swagger UI in templates/api_docs.html) in headless Chromium: it works
under the Content Security Policy and passes axe (WCAG 2.2 AA), folded and with an operation open."""

import pytest

from tests.axe import assert_accessible
from tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_reference_is_readable_by_everyone_and_runs_under_the_csp(journey, live_server, cast):
    page = journey()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server.url, "social.worker")
    page.goto(live_server.url + "/api/docs/")
    page.get_by_text("Continuum API").first.wait_for(timeout=10000)
    assert page.locator("html").get_attribute("lang") == "en-GB"
    assert_accessible(page)
    page.locator(".opblock-summary-control").first.click()
    page.get_by_role("button", name="Try it out").first.wait_for()
    # With the pointer still over the operation, as after a click: its copy-path button shows.
    page.locator(".opblock-summary").first.hover()
    page.locator(".copy-to-clipboard button").first.wait_for()
    assert_accessible(page)
    assert not errors, errors
