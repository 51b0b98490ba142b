"""Browser journey (issue 18): a team manager opens the drift review, puts a drifting case in a new
review set, records "step down" for it, and lands on the step-down, where the family's consent is
asked. Headless Chromium (Debian's package, driven by Playwright); every page checked with axe."""

import re

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from tests.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-test-password-1"  # tests.accounts.factories.PASSWORD


@pytest.fixture
def early_help_hub(cast):
    from accounts.choices import Role, TeamKind
    from tests.accounts.factories import TeamFactory, UserFactory

    hub = TeamFactory(name="Early Help Hub", agency=cast.la, kind=TeamKind.EARLY_HELP_HUB)
    hub.manager = UserFactory(username="ehh.manager", roles=[Role.TEAM_MANAGER], teams=[hub], agency=cast.la)
    hub.save()
    return hub


def test_a_manager_puts_a_drifting_case_in_a_review_set_and_steps_it_down(
    journey, live_server, cast, world, early_help_hub
):
    from cases.models import Case
    from stepdown.models import ReviewSet, StepDown

    case = world.south_case  # pathway 3, Family Help Team South, which team.manager manages
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - relativedelta(months=11))

    page = journey()
    page.goto(live_server.url + reverse("home"))
    assert_accessible(page)
    page.get_by_label("Username").fill("team.manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#navigation").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Open the drift review").click()  # from the manager's home page
    page.get_by_role("heading", name="Drift review").wait_for()
    assert_accessible(page)
    row = page.locator(f"#drift-{case.pk}")
    assert "Open at pathway 3 for 11 months with no plan change in 3 months" in row.inner_text()
    row.get_by_label(f"Put case {case.reference} in a review set").check()
    page.get_by_label("A new review set named").fill("South, drifting cases")
    page.get_by_role("button", name="Put in a review set").click()

    page.get_by_role("heading", name="South, drifting cases").wait_for()
    assert_accessible(page)
    review_set = ReviewSet.objects.get()
    item = review_set.items.get()
    assert page.locator("#review-report").is_visible()
    card = page.locator(f"#item-{item.pk}")
    card.get_by_text(f"Record the outcome for {case.reference}").click()
    card.get_by_label("Step down to early help").check()
    card.get_by_label("Reason", exact=True).fill("The worries have eased; early help can meet what remains.")
    card.get_by_label("If stepping down: the route").select_option("referral")
    card.get_by_label("If stepping down: the needs identified for early help").fill("Routines and attendance")
    card.get_by_label(re.compile("the Early Help Hub")).select_option(label="Early Help Hub")
    card.get_by_role("button", name="Record the outcome").click()

    step_down = StepDown.objects.get()
    page.get_by_role("heading", name=f"Step-down {step_down.reference}").wait_for()
    assert page.url.endswith(step_down.get_absolute_url())
    assert page.locator("#stepdown-state").inner_text() == "Waiting for the family's consent"
    # The consent is asked: send it on with the family's consent, recorded on their consents page.
    assert page.get_by_text("The family has consented: send for approval").is_visible()
    assert page.get_by_role("link", name="the family's consents").is_visible()
    assert_accessible(page)
    item.refresh_from_db()
    assert item.outcome == "step_down" and item.step_down == step_down
