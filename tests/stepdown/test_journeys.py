"""The step-down journey in headless Chromium, and the consent checks on a real Celery worker."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.test_browser import sign_in
from tests.test_celery_worker import (  # noqa: F401  (a real worker on the real broker)
    really_send,
    worker_queue,
    worker_uses_test_database,
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_social_worker_steps_a_cin_case_down_to_a_team_around_the_family(
    browser,
    live_server,
    cast,
    on_cin_plan,
    hub,
):
    """Route (e): the social worker records the family's consent and proposes; the team manager
    approves; the school's lead professional sees the family with what was already done."""
    from assessments.choices import Section
    from assessments.services import contribution_add
    from stepdown.models import StepDown

    contribution_add(
        family=on_cin_plan.family,
        by=cast.social_worker,
        section=Section.WORRIED_ABOUT,
        text="Sol's attendance was 70%; home routines were chaotic.",
    )
    cast.school_dsl.first_name, cast.school_dsl.last_name = "Dee", "Lewis"
    cast.school_dsl.save()
    case_url = live_server.url + reverse("cases:case-detail", args=[on_cin_plan.case.pk])

    def as_user(username):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        sign_in(page, live_server.url, username)
        page.get_by_role("heading", name=re.compile("Hello")).wait_for()
        return page

    worker = as_user("social.worker")
    worker.goto(case_url)
    worker.get_by_role("link", name="Propose a step-down to early help").click()
    worker.get_by_role("link", name=re.compile(r"\(e\) From a child in need plan")).click()
    worker.get_by_role("link", name="Record the family's consent").click()
    worker.get_by_label("Who gave consent").select_option(label="Pat Southey")
    worker.get_by_label("To a step-down to early help").check()
    worker.get_by_label("Test Primary School").check()
    worker.get_by_label("In writing (signed form or letter)").check()
    worker.get_by_label("Where it is recorded").fill("Signed at the CIN meeting")
    for part, value in zip(
        ("Day", "Month", "Year"), f"{timezone.localdate():%-d %-m %Y}".split(), strict=True
    ):
        worker.get_by_role("group", name="Date given").get_by_label(part).fill(value)
    worker.get_by_role("button", name="Record consent").click()
    worker.get_by_text(re.compile(r"Consent CN\d+ recorded")).wait_for()
    # Back on the route (e) form, where the consent now shows.
    assert "/step-down/cin_plan/" in worker.url
    worker.get_by_label("Why early help, not social care, is right for the family now").fill(
        "The CIN plan's goals are met; the school can lead the support that remains."
    )
    worker.get_by_label("Needs identified for early help").fill("School attendance; evening routines")
    worker.get_by_label(re.compile(r"CN\d+: Pat Southey")).check()
    worker.get_by_label("Lead professional named at the CIN meeting").select_option(label="Dee Lewis")
    for part, value in zip(
        ("Day", "Month", "Year"), f"{timezone.localdate():%-d %-m %Y}".split(), strict=True
    ):
        worker.get_by_role("group", name="Date of the CIN meeting").get_by_label(part).fill(value)
    worker.get_by_label("The agreement, as recorded in the CIN meeting notes").fill(
        "All agreed to step down to a team around the family, Dee Lewis (school DSL) to lead."
    )
    worker.get_by_role("button", name="Propose the step-down").click()
    worker.locator("#stepdown-state", has_text="Waiting for a team manager's approval").wait_for()
    step_down = StepDown.objects.get()
    assert worker.get_by_role("button", name="Approve").count() == 0  # never their own

    manager = as_user("team.manager")
    manager.get_by_role("link", name="Step-downs").click()
    manager.get_by_role("link", name=step_down.reference).click()
    manager.get_by_role("button", name="Approve").click()
    manager.locator("#stepdown-state", has_text="Done: support continues in early help").wait_for()
    manager.goto(case_url)
    assert "RC9 Closed after assessment, referred to early help" in manager.content()

    lead = as_user("school.dsl")
    lead.goto(live_server.url + reverse("assessments:assessment", args=[on_cin_plan.family.pk]))
    lead.get_by_role("heading", name="Shared with your agency").wait_for()
    shared = lead.locator(".govuk-summary-card").first
    assert "Referral to early help" in shared.inner_text()
    assert "School attendance; evening routines" in shared.inner_text()
    assert "Sol's attendance was 70%" in shared.inner_text()  # what was already done travels
    lead.goto(case_url)
    assert f"Step-down {step_down.reference}: Referral to early help" in lead.content()


@pytest.mark.worker
def test_a_worker_process_raises_a_step_down_waiting_for_consent(
    cast,
    south,
    hub,
    worker_uses_test_database,  # noqa: F811
    worker_queue,  # noqa: F811
    really_send,  # noqa: F811
):
    from escalation.models import Clock, Notification
    from stepdown import services
    from stepdown.tasks import consent_checks

    queue, process, log = worker_queue
    step_down = services.stepdown_propose(
        case=south.case,
        by=cast.social_worker,
        details=services.StepDownDetails(route="referral", rationale="r", needs="n", receiving_team=hub.team),
    )
    Clock.objects.filter(object_id=step_down.pk, kind="stepdown_consent").update(
        started_at=timezone.now() - timedelta(days=8), due_at=timezone.now() - timedelta(minutes=1)
    )
    result = consent_checks.apply_async(queue=queue)
    try:
        counts = result.get(timeout=90)
    except Exception:
        pytest.fail(f"worker did not answer (alive={process.poll() is None}):\n{log.read_text()[-3000:]}")
    assert counts["awaiting_consent"] == 1
    told = Notification.objects.filter(key__startswith=f"stepdown:{step_down.pk}:awaiting_consent")
    assert set(told.values_list("user__username", flat=True)) == {"social.worker", "team.manager"}
