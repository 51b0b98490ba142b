"""Issue 16's journey, in headless Chromium with axe on every page shown: a step-down a team
manager proposes waits in another manager's tray, and leaves it when approved."""

import re

import pytest
from django.urls import reverse

from tests.axe import assert_accessible
from tests.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_s_step_down_waits_in_another_manager_s_tray_until_approved(
    journey, live_server, cast, south, hub, consent_to
):
    from stepdown.choices import StepDownState
    from stepdown.models import StepDown

    hub.other_manager.first_name, hub.other_manager.last_name = "Olu", "Adeyemi"
    hub.other_manager.save()
    consent = consent_to()

    proposer = signed_in(journey, live_server.url, "team.manager")
    proposer.goto(live_server.url + reverse("cases:case-detail", args=[south.case.pk]))
    assert_accessible(proposer)
    proposer.get_by_role("link", name="Propose a step-down to early help").click()
    assert_accessible(proposer)
    proposer.get_by_role("link", name=re.compile(r"\(b\) Referral accepted")).click()
    assert_accessible(proposer)
    proposer.get_by_label("Why early help, not social care, is right for the family now").fill(
        "Needs are met; the family wants help with routines and school attendance."
    )
    proposer.get_by_label("Needs identified for early help").fill("Routines at home; school attendance")
    proposer.get_by_label(re.compile(rf"{consent.reference}")).check()
    proposer.get_by_label("Early Help Hub").select_option(label="Early Help Hub")
    proposer.get_by_role("button", name="Propose the step-down").click()
    proposer.locator("#stepdown-state", has_text="Waiting for a team manager's approval").wait_for()
    assert_accessible(proposer)
    step_down = StepDown.objects.get()
    assert proposer.get_by_role("button", name="Approve").count() == 0  # never their own
    proposer.goto(live_server.url + reverse("escalation:tray"))
    assert_accessible(proposer)
    assert step_down.reference not in proposer.locator("main").inner_text()

    # Another manager of the team finds it at the top of their home page, and approves it there.
    approver = signed_in(journey, live_server.url, "other.manager")
    task = approver.locator("#tray").get_by_role("row").filter(has_text=step_down.reference)
    assert task.count() == 1, approver.locator("#tray").inner_text()
    assert "approve" in task.inner_text().lower(), task.inner_text()
    task.get_by_role("link").first.click()
    approver.get_by_role("button", name="Approve").wait_for()
    assert_accessible(approver)
    approver.get_by_role("button", name="Approve").click()
    waiting = "Waiting for a team manager's approval"
    approver.locator("#stepdown-state").filter(has_not_text=waiting).wait_for()
    assert_accessible(approver)

    approver.goto(live_server.url + reverse("home"))
    assert_accessible(approver)
    rows = approver.locator("#tray").get_by_role("row").filter(has_text=step_down.reference)
    assert not any("approve" in row.lower() for row in rows.all_inner_texts()), rows.all_inner_texts()
    step_down.refresh_from_db()
    assert step_down.state == StepDownState.WITH_HUB
