"""Browser journeys in headless Chromium (Debian's package, driven by Playwright)."""

import re

import pytest
from django.urls import reverse

from tests.axe import assert_accessible, page_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-test-password-1"  # tests.accounts.factories.PASSWORD
# `browser` (one headless Chromium for the session) and `journey` (a page that fails the test if it
# showed an address it never checked with axe) are in tests/fixtures.py.


def assert_accessible_without_javascript(page, journey):
    """axe on a page shown with JavaScript off. axe-core cannot run in such a page (the browser runs
    none of the callbacks and timers it needs), so the page as it is, its document without
    JavaScript, is shown at the same address in a page with JavaScript on where the Content
    Security Policy lets no script of the page run, with the same stylesheets and images, and axe
    checks that copy."""
    url, html = page.url, page.content()
    mirror = journey()

    def serve(route):
        if route.request.resource_type == "document" and route.request.url == url:
            route.fulfill(
                status=200,
                content_type="text/html; charset=utf-8",
                headers={"Content-Security-Policy": "script-src 'none'"},
                body=html,
            )
        elif route.request.resource_type == "script":
            route.abort()
        else:
            route.continue_()

    mirror.route("**/*", serve)
    mirror.goto(url)
    assert mirror.evaluate("() => !document.body.classList.contains('js-enabled')")  # no script ran
    assert_accessible(mirror)
    mirror.close()
    page.axe_checked.add(page_key(url))


def signed_in(journey, base_url, username):
    """A new page of the journey, signed in as `username`; the sign-in and home pages checked with axe."""
    page = journey()
    sign_in(page, base_url, username)
    return page


def sign_in(page, base_url, username, *, accessible=True):
    """Sign in; `accessible`: check the sign-in page and the home page with axe (JavaScript on)."""
    page.goto(base_url + reverse("home"))
    assert "/accounts/sign-in/" in page.url
    if accessible:
        assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if accessible:
        page.locator("#navigation").wait_for()
        assert_accessible(page)


def test_a_worker_signs_in_opens_a_case_and_adds_to_the_chronology(journey, live_server, cast, world):
    page = journey()
    sign_in(page, live_server.url, "fh.worker")
    page.get_by_role("heading", name="Hello, Femi").wait_for()
    assert_accessible(page)
    # GOV.UK Frontend's stylesheet was built and served.
    header_colour = page.evaluate("getComputedStyle(document.querySelector('.govuk-header')).backgroundColor")
    assert header_colour not in ("rgba(0, 0, 0, 0)", "transparent")

    page.get_by_role("link", name=world.north_case.reference).first.click()
    page.get_by_role("heading", name=re.compile("Northam family")).wait_for()
    assert_accessible(page)
    assert page.get_by_role("link", name="Nia Northam").is_visible()
    assert page.locator(".moj-timeline__item").count() >= 3

    page.get_by_text("Add to the chronology").click()
    page.get_by_label("What happened").select_option("home_visit")
    page.locator("[name=entry-occurred_at_day]").fill("2")
    page.locator("[name=entry-occurred_at_month]").fill("3")
    page.locator("[name=entry-occurred_at_year]").fill("2026")
    page.locator("[name=entry-occurred_at_time]").fill("10:15am")
    page.get_by_label("Who it is about").select_option(label="Nia Northam")
    page.get_by_label("Summary").fill("Saw Nia at home after school")
    page.get_by_role("button", name="Add entry").click()

    page.get_by_text("Added to the chronology.").wait_for()
    assert_accessible(page)
    first = page.locator(".moj-timeline__item").filter(has_text="Saw Nia at home after school")
    assert first.count() == 1
    assert "Femi Harper" in first.inner_text()


def test_the_case_page_works_without_javascript(journey, live_server, cast, world):
    page = journey(java_script_enabled=False)
    page.goto(live_server.url + reverse("home"))
    assert "/accounts/sign-in/" in page.url
    assert_accessible_without_javascript(page, journey)
    page.get_by_label("Username").fill("team.manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#navigation").wait_for()
    assert_accessible_without_javascript(page, journey)
    page.goto(live_server.url + reverse("cases:case-detail", args=[world.south_case.pk]))
    assert page.get_by_role("heading", name=re.compile("Southey family")).is_visible()
    assert_accessible_without_javascript(page, journey)
    # <details> opens without JavaScript: allocate a key worker.
    page.get_by_text("Allocate a worker").click()
    page.get_by_label("Practitioner to allocate").select_option(label="Sam Walker")
    page.get_by_label("Key worker").check()
    page.get_by_role("button", name="Allocate").click()
    page.get_by_text("Sam Walker is now allocated to the case.").wait_for()
    assert_accessible_without_javascript(page, journey)
    world.south_case.refresh_from_db()
    assert world.south_case.key_worker == cast.social_worker


def test_a_partner_gets_not_found_for_a_family_they_do_not_work_with(journey, live_server, cast, world):
    page = journey()
    sign_in(page, live_server.url, "school.dsl")
    page.get_by_role("heading", name=re.compile("Hello")).wait_for()
    assert_accessible(page)
    assert world.school_case.reference in page.content()
    response = page.goto(live_server.url + reverse("cases:case-detail", args=[world.north_case.pk]))
    assert response.status == 404
    assert_accessible(page)


def test_person_search_updates_as_you_type(journey, live_server, cast, world):
    page = journey()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server.url, "social.worker")
    page.get_by_role("link", name="Find a person").click()
    page.get_by_label("Name").wait_for()
    assert_accessible(page)
    page.get_by_label("Name").fill("Northa")
    # No click on Search: htmx fetches the results as the name is typed.
    page.get_by_role("link", name="Nia Northam").wait_for(timeout=5000)
    assert_accessible(page)
    assert "name=Northa" in page.url
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_a_family_help_worker_contributes_and_proposes_pathway_3_and_a_social_worker_confirms(
    journey, live_server, cast, world, thresholds
):
    worker = journey()
    sign_in(worker, live_server.url, "fh.worker")
    worker.goto(live_server.url + reverse("cases:case-detail", args=[world.north_case.pk]))
    assert_accessible(worker)
    worker.get_by_role("link", name="The family's assessment").click()
    worker.get_by_role("heading", name=re.compile("Assessment: Northam family")).wait_for()
    assert_accessible(worker)
    worker.get_by_label("Part of the assessment").select_option("worried_about")
    worker.get_by_label("Which child").select_option(label="Nia Northam")
    worker.get_by_label("What you have learned or observed").fill("Nia says there is often no food at home")
    basic_needs = thresholds.indicators.get(text__startswith="Unable to meet family's basic needs")
    worker.get_by_label("Search for an indicator").fill("Unable to meet family's basic needs")
    worker.get_by_role("option", name=re.compile("Unable to meet family's basic needs")).click()
    worker.get_by_role("button", name="Add to the assessment").click()
    worker.get_by_text("Added to the family's assessment.").wait_for()
    assert_accessible(worker)
    assert worker.get_by_text("Nia says there is often no food at home").is_visible()
    assert basic_needs.level.name in worker.locator("#indicator-summary").inner_text()

    worker.get_by_role("link", name=re.compile("Decisions and pathway")).click()
    worker.get_by_label("Pathway 3: support to reduce risk").wait_for()
    assert_accessible(worker)
    worker.get_by_label("Pathway 3: support to reduce risk").check()
    worker.get_by_label("Why").fill("Food poverty and growing worries at school")
    worker.get_by_label("Referral source (census)").select_option("2A")
    worker.get_by_label("Primary need (census)").select_option("N7")
    worker.get_by_role("button", name="Propose for confirmation").click()
    worker.get_by_text("Decision proposed for confirmation").wait_for()
    assert_accessible(worker)
    assert worker.get_by_role("heading", name="Waiting for confirmation", exact=True).is_visible()

    social = journey()
    sign_in(social, live_server.url, "social.worker")
    social.goto(live_server.url + reverse("pathways:decision", args=[world.north_case.pk]))
    assert_accessible(social)
    social.get_by_role("button", name="Confirm this decision").click()
    social.get_by_text("Decision confirmed").wait_for()
    assert_accessible(social)
    assert "2 → 3" in social.locator("#pathway-history").inner_text()
    world.north_case.refresh_from_db()
    assert world.north_case.pathway == 3 and world.north_case.key_worker == cast.fh_worker


def test_a_school_dsl_requests_support_mash_triages_to_pathway_2_and_the_dsl_reads_the_feedback(
    journey, live_server, cast
):
    def as_user(username):
        user_page = journey()
        sign_in(user_page, live_server.url, username)
        return user_page

    # The DSL sends a request for support.
    dsl = as_user("school.dsl")
    dsl.get_by_role("link", name="Requests for support").click()
    dsl.get_by_role("link", name="Request support for a family").wait_for()
    assert_accessible(dsl)
    dsl.get_by_role("link", name="Request support for a family").click()
    dsl.locator("[name=subjects-0-first_name]").wait_for()
    assert_accessible(dsl)
    dsl.locator("[name=subjects-0-first_name]").fill("Ola")
    dsl.locator("[name=subjects-0-last_name]").fill("Okafor")
    dsl.locator("[name=subjects-0-date_of_birth_day]").fill("2")
    dsl.locator("[name=subjects-0-date_of_birth_month]").fill("5")
    dsl.locator("[name=subjects-0-date_of_birth_year]").fill("2016")
    dsl.get_by_label("What help does the family need, and why? In your own words").fill(
        "Ola often arrives hungry and tired; mum has asked us for help"
    )
    dsl.get_by_label("Yes, the family agrees to this request").check()
    dsl.get_by_role("button", name="Send the request").click()
    dsl.get_by_text("Your reference is").wait_for()
    assert_accessible(dsl)
    reference = re.search(r"R\d{2}-\d{6}", dsl.get_by_text("Your reference is").inner_text()).group(0)
    assert dsl.get_by_text("We are looking at this request").is_visible()

    # The MASH manager finds it in the queue, makes a record for Ola and triages to pathway 2.
    mash = as_user("mash.manager")
    mash.get_by_role("link", name="Front door").click()
    mash.get_by_role("link", name=reference).wait_for()
    assert_accessible(mash)
    mash.get_by_role("link", name=reference).click()
    mash.get_by_label(re.compile("make a new record")).wait_for()
    assert_accessible(mash)
    mash.get_by_label(re.compile("make a new record")).check()
    mash.get_by_role("button", name="Link").click()
    mash.get_by_text("Linked.").wait_for()
    assert_accessible(mash)
    mash.get_by_label("Pathway 2: family help").check()
    mash.get_by_label("Why (the front door's record)").fill("Unmet basic needs; the family wants help")
    mash.get_by_label("What we will tell the referrer").fill(
        "Ola's mum has agreed to help, so a family help worker will contact the family this week."
    )
    mash.get_by_label("Team to hold the case").select_option(label="Family Help Team North")
    mash.get_by_role("button", name="Record the triage decision").click()
    mash.get_by_text(f"{reference}: triaged.").wait_for()
    assert_accessible(mash)
    assert mash.locator("#outcome").get_by_text("Pathway 2: family help").is_visible()
    mash.get_by_role("button", name="Record the letter as sent").click()
    mash.get_by_text("The outcome letter is recorded as sent").wait_for()
    assert_accessible(mash)

    # The DSL reads the feedback from their requests.
    dsl.get_by_role("link", name="Requests for support").click()
    dsl.get_by_role("link", name="Decided: read the letter").wait_for()
    assert_accessible(dsl)
    dsl.get_by_role("link", name="Decided: read the letter").click()
    letter = dsl.locator("#letter")
    letter.get_by_text("a family help worker will contact the family this week").wait_for()
    assert_accessible(dsl)
    assert "We will offer the family help" in letter.inner_text()
    assert "Unmet basic needs" not in dsl.content()
    assert dsl.get_by_role("link", name="I disagree with this decision").is_visible()


def test_a_disagreement_climbs_the_ladder_in_the_browser(journey, live_server, cast):
    """The DSL disagrees from the letter; the duty worker answers; the DSL escalates; the team
    manager resolves and records that the decision changed."""
    from accounts.models import Team
    from referrals.services import (
        SubjectDetails,
        TriageDetails,
        contact_feedback_send,
        contact_receive,
        contact_subject_link,
        contact_triage,
    )

    Team.objects.filter(kind="mash").update(manager=cast.team_manager)
    contact = contact_receive(
        by=cast.school_dsl,
        channel="professional",
        referrer_name="Sadia Dhillon",
        concerns="Does not want to go home",
        family_consents="yes",
        subjects=[SubjectDetails(role="child", first_name="Tia", last_name="Thorne")],
    )
    contact_subject_link(subject=contact.subjects.get(), person=None, by=cast.mash_manager)
    contact = contact_triage(
        contact=contact,
        by=cast.mash_manager,
        details=TriageDetails(outcome="nfa", rationale="Explained by mum", feedback_text="Mum explained it."),
    )
    contact_feedback_send(contact=contact, by=cast.mash_manager, method="online")

    def as_user(username):
        user_page = journey()
        sign_in(user_page, live_server.url, username)
        return user_page

    dsl = as_user("school.dsl")
    dsl.goto(live_server.url + reverse("referrals:letter", args=[contact.pk]))
    assert_accessible(dsl)
    dsl.get_by_role("link", name="I disagree with this decision").click()
    dsl.get_by_label("Why do you think the decision is wrong?").wait_for()
    assert_accessible(dsl)
    dsl.get_by_label("Why do you think the decision is wrong?").fill("She is frightened of mum's new partner")
    dsl.get_by_role("button", name="Record my disagreement").click()
    dsl.get_by_text("Your disagreement is recorded").wait_for()
    assert_accessible(dsl)
    assert "Stage 1" in dsl.locator("#current-stage").inner_text()
    disagreement_url = dsl.url

    mash = as_user("mash.manager")
    mash.get_by_role("link", name="Inbox").click()
    mash.get_by_role("button", name="Open").first.wait_for()
    assert_accessible(mash)
    mash.get_by_role("button", name="Open").first.click()
    mash.get_by_text("Add your position").wait_for()
    assert_accessible(mash)
    mash.get_by_text("Add your position").click()
    mash.get_by_label("Your position").fill("Mum gave a full explanation; no other agency is worried")
    mash.get_by_role("button", name="Save position").click()
    mash.get_by_text("Your position is on record.").wait_for()
    assert_accessible(mash)

    dsl.goto(disagreement_url)
    assert_accessible(dsl)
    assert "no other agency is worried" in dsl.locator("#disagreement-history").inner_text()
    dsl.get_by_text("Not resolved: escalate to the next stage").click()
    dsl.get_by_label("Why it is not resolved at this stage").fill("She said it again today")
    dsl.get_by_role("button", name="Escalate").click()
    dsl.get_by_text("Escalated to the next stage").wait_for()
    assert_accessible(dsl)
    assert "Stage 2: Duty manager or team manager" in dsl.locator("#current-stage").inner_text()

    manager = as_user("team.manager")
    manager.goto(disagreement_url)
    assert_accessible(manager)
    manager.get_by_text("Record the resolution").click()
    manager.get_by_label("What was agreed").fill("A social worker will see her tomorrow; contact re-opened")
    manager.get_by_label("Yes, the original decision changed").check()
    manager.get_by_role("button", name="Record resolution").click()
    manager.get_by_text("Resolution recorded").wait_for()
    assert_accessible(manager)
    dsl.reload()
    assert_accessible(dsl)
    assert "the original decision changed" in dsl.content()


def test_a_manager_restricts_a_family_and_a_social_worker_breaks_glass_to_open_it(
    journey, live_server, cast, world
):
    from cases.models import AccessLogEntry, BreakGlass

    def as_user(username):
        page = journey()
        sign_in(page, live_server.url, username)
        page.get_by_role("heading", name=re.compile("Hello")).wait_for()
        assert_accessible(page)
        return page

    manager = as_user("team.manager")
    manager.goto(live_server.url + reverse("cases:case-detail", args=[world.north_case.pk]))
    assert_accessible(manager)
    manager.get_by_role("link", name="Restrict this record").click()
    manager.get_by_label("A member of staff's family").wait_for()
    assert_accessible(manager)
    manager.get_by_label("A member of staff's family").check()
    manager.get_by_role("textbox", name="Reason").fill("A member of staff's family: synthetic test.")
    manager.get_by_role("button", name="Restrict the record").click()
    manager.get_by_text("The record is restricted").wait_for()
    assert_accessible(manager)

    worker = as_user("social.worker")
    worker.get_by_role("link", name="Find a person").click()
    worker.get_by_label("Name").wait_for()
    assert_accessible(worker)
    worker.get_by_label("Name").fill("Northam")
    restricted_rows = worker.get_by_role("link", name="Restricted record — request access")
    restricted_rows.first.wait_for()
    assert_accessible(worker)
    assert restricted_rows.count() == 2  # the child and the parent, neither named
    worker.locator(f'a[href="{reverse("audit:break-glass", args=["person", world.north_child.pk])}"]').click()
    assert "Nia" not in worker.content()
    assert_accessible(worker)
    worker.get_by_label("Why do you need to open this record?").fill(
        "Police called about the children tonight."
    )
    worker.get_by_role("button", name="Break glass and open the record").click()
    worker.get_by_role("heading", name="Nia Northam").wait_for()
    assert_accessible(worker)
    assert worker.locator("#restricted-banner").is_visible()
    opening = BreakGlass.objects.get()
    assert (
        opening.user == cast.social_worker and opening.reason == "Police called about the children tonight."
    )
    assert AccessLogEntry.objects.filter(user=cast.social_worker, reason=opening.reason).exists()

    manager.goto(live_server.url + reverse("escalation:inbox"))
    assert_accessible(manager)
    assert "broke glass to open restricted record" in manager.content()
