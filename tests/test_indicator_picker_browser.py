"""The threshold indicator picker in headless Chromium: by keyboard alone with JavaScript, and as
grouped checkboxes without it. axe-core checks every page shown (tests/axe.py)."""

import re

import pytest
from django.urls import reverse

from assessments.models import Contribution
from referrals.models import Contact
from tests.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-test-password-1"  # tests.accounts.factories.PASSWORD
BASIC_NEEDS = "Unable to meet family's basic needs"


def sign_in(page, base_url, username, check=True):
    page.goto(base_url + reverse("home"))
    if check:
        assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=re.compile("Hello")).wait_for()
    if check:
        assert_accessible(page)


def fill_in_the_request(page):
    page.locator("[name=subjects-0-first_name]").fill("Ola")
    page.locator("[name=subjects-0-last_name]").fill("Okafor")
    page.get_by_label("What help does the family need, and why? In your own words").fill(
        "Ola often arrives hungry and tired; mum has asked us for help"
    )
    page.get_by_label("Yes, the family agrees to this request").check()


def focused(page) -> str:
    return page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()")


def test_a_referrer_chooses_and_removes_an_indicator_by_keyboard_alone(
    journey, live_server, cast, thresholds
):
    basic_needs = thresholds.indicators.get(text__startswith=BASIC_NEEDS)
    page = journey()
    sign_in(page, live_server.url, "school.dsl")
    page.goto(live_server.url + reverse("referrals:request-new"))
    assert_accessible(page)
    fill_in_the_request(page)

    # From the question before it, Tab reaches the picker's search box.
    page.get_by_role("radio", name="Routine").focus()
    page.keyboard.press("Tab")
    assert focused(page) == "id_request-indicators-search"
    page.keyboard.type("unable to meet basic needs")
    listbox = page.get_by_role("listbox")
    listbox.wait_for()
    assert page.get_by_role("combobox").get_attribute("aria-expanded") == "true"
    assert_accessible(page)

    page.keyboard.press("ArrowDown")
    active = page.get_by_role("combobox").get_attribute("aria-activedescendant")
    assert active and BASIC_NEEDS in page.locator(f"#{active}").inner_text()
    page.keyboard.press("Enter")  # chooses; it does not send the form
    tags = page.locator(".app-picker__tag")
    assert tags.count() == 1 and BASIC_NEEDS in tags.first.inner_text()
    assert page.locator(f"input[type=checkbox][value='{basic_needs.pk}']").is_checked()
    assert "/requests/new/" in page.url
    assert page.get_by_role("status").filter(has_text="Added").count() == 1

    # Escape closes the list; Tab goes to the tag's Remove button, and Enter removes it.
    page.keyboard.press("Escape")
    assert page.get_by_role("combobox").get_attribute("aria-expanded") == "false"
    page.keyboard.press("Tab")
    assert focused(page).startswith("Remove") and BASIC_NEEDS in focused(page)
    page.keyboard.press("Enter")
    assert tags.count() == 0
    assert not page.locator(f"input[type=checkbox][value='{basic_needs.pk}']").is_checked()
    assert focused(page) == "id_request-indicators-search"

    # Choose it again and send the request from the keyboard.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert tags.count() == 1
    assert_accessible(page)
    page.get_by_role("button", name="Send the request").focus()
    page.keyboard.press("Enter")
    page.get_by_text("Your reference is").wait_for()
    assert_accessible(page)
    contact = Contact.objects.get()
    assert list(contact.indicators.all()) == [basic_needs]


def test_a_worker_chooses_an_indicator_with_the_mouse_and_at_once_sends_the_form_with_a_click(
    journey, live_server, cast, world, thresholds
):
    """A press on a button below the open list used to close the list at once (the search box's
    blur comes when the press begins), and the list took space on the page: everything below it
    moved up before the button was released, so the click landed elsewhere and the form was not
    sent (seen at 1280 x 900)."""
    basic_needs = thresholds.indicators.get(text__startswith=BASIC_NEEDS)
    page = journey(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server.url, "fh.worker")
    page.goto(live_server.url + reverse("assessments:assessment", args=[world.north_case.family.pk]))
    assert_accessible(page)
    page.get_by_label("Part of the assessment").select_option("worried_about")
    page.get_by_label("What you have learned or observed").fill("Nia says there is often no food at home")
    send = page.get_by_role("button", name="Add to the assessment")
    where = "button => button.getBoundingClientRect().top + window.scrollY"  # on the page
    before = send.evaluate(where)

    page.get_by_label("Search for an indicator").fill(BASIC_NEEDS)
    option = page.get_by_role("option", name=re.compile(re.escape(BASIC_NEEDS)))
    option.wait_for()
    assert send.evaluate(where) == before  # the open list lies over the page: nothing below it moves
    option.click()
    assert page.locator(".app-picker__tag").filter(has_text=BASIC_NEEDS).count() == 1
    listbox = page.get_by_role("listbox")
    assert listbox.is_visible()  # a multi-select list stays open after a choice

    # Straight to the button, scrolled to the foot of the window as someone scrolling down to it
    # would have it. The page goes on below it further than the list is tall: were the page to get
    # shorter by the list, the browser could not hold the button in place by scrolling back.
    send.evaluate("button => button.scrollIntoView({block: 'end'})")
    room = "() => document.documentElement.scrollHeight - window.scrollY - window.innerHeight"
    assert page.evaluate(room) > listbox.evaluate("list => list.offsetHeight")
    box = send.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    # While the button is held, the list stays as it was and the button stays under the pointer.
    assert listbox.is_visible()
    under = "([x, y]) => document.elementFromPoint(x, y).closest('button')?.textContent"
    assert page.evaluate(under, [x, y]) == "Add to the assessment"
    page.mouse.up()

    page.get_by_text("Added to the family's assessment.").wait_for()
    assert_accessible(page)
    contribution = Contribution.objects.get()
    assert contribution.text == "Nia says there is often no food at home"
    assert list(contribution.indicators.all()) == [basic_needs]


def test_without_javascript_indicators_are_checkboxes_grouped_by_level_and_domain(
    browser, live_server, cast, thresholds
):
    # axe needs JavaScript in the page, so it checks this markup in the test above, where the same
    # checkboxes are on the page with the search box added.
    basic_needs = thresholds.indicators.select_related("level").get(text__startswith=BASIC_NEEDS)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "school.dsl", check=False)
    page.goto(live_server.url + reverse("referrals:request-new"))
    picker = page.locator("#id_request-indicators")
    assert page.get_by_role("combobox").count() == 0

    levels = picker.locator("details > summary").all_inner_texts()
    assert levels[0].startswith("Requires an immediate referral to social care")
    assert any(basic_needs.level.name in level for level in levels)
    level = picker.locator("details").filter(has=page.locator("summary", has_text=basic_needs.level.name))
    level.locator("summary").click()
    domain = level.locator("fieldset").filter(
        has=page.locator("legend", has_text=basic_needs.get_domain_display())
    )
    domain.get_by_label(basic_needs.text, exact=True).check()

    fill_in_the_request(page)
    page.get_by_role("button", name="Send the request").click()
    page.get_by_text("Your reference is").wait_for()
    assert list(Contact.objects.get().indicators.all()) == [basic_needs]
    context.close()
