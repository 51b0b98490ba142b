"""The service navigation: it fits one line at 1280 px for every role, and shows "API" only to those
who use it."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

PASSWORD = "a-test-password-1"  # tests.accounts.factories.PASSWORD


def _items(client) -> list[str]:
    page = client.get(reverse("home")).content.decode()
    nav = page[page.index('id="navigation"') : page.index("</nav>")]
    return re.findall(r'navigation__link" href="[^"]*">([^<]*)<', nav)


@pytest.mark.django_db
def test_api_is_in_the_menu_only_for_those_who_use_it(cast, client_for):
    from accounts.services import api_token_create

    uses_api = {cast.administrator, cast.school_dsl}  # administrators; partners' own systems
    for user in cast.by_role().values():
        assert ("API" in _items(client_for(user))) == (user in uses_api), user.username
    api_token_create(user=cast.fh_worker, name="My script", ends_with_sign_out=False)
    assert "API" in _items(client_for(cast.fh_worker))  # holds a token: uses the API


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_roles_menu_fits_one_line_at_1280px(browser, live_server, cast):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        for role, user in cast.by_role().items():
            context.clear_cookies()
            page.goto(live_server.url + reverse("accounts:login"))
            page.get_by_label("Username").fill(user.username)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.locator("#navigation").wait_for()
            count = page.locator("#navigation .govuk-service-navigation__item").count()
            tops = page.eval_on_selector_all(
                "#navigation .govuk-service-navigation__item",
                "items => items.map(item => item.getBoundingClientRect().top)",
            )
            assert len(tops) == count
            assert max(tops) - min(tops) < 2, f"{role}'s menu ({count} items) wraps: {tops}"
    finally:
        context.close()


# --- Breadcrumbs and internal references ---------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# What users must never read: the project's internal documents and the issues' source notes.
INTERNAL = re.compile(r"seeds[/ ]\d|seeds/|DOMAIN\.md|STYLE\.md|issue \d+", re.IGNORECASE)


def test_every_breadcrumb_trail_ends_with_the_page_you_are_on():
    trails = 0
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for trail in re.findall(r'<ol class="govuk-breadcrumbs__list">(.*?)</ol>', text, re.DOTALL):
            trails += 1
            items = re.findall(r"<li[^>]*>.*?</li>", trail, re.DOTALL)
            assert 'aria-current="page"' in items[-1], f"{template.relative_to(TEMPLATES)}: {items[-1]}"
            assert "<a " not in items[-1], template
    assert trails >= 8


def test_no_page_cites_internal_references():
    for template in TEMPLATES.rglob("*.html"):
        for line in template.read_text(encoding="utf-8").splitlines():
            if "{#" in line:  # a template comment is not shown
                line = re.sub(r"\{#.*?#\}", "", line)
            assert not INTERNAL.search(line), f"{template.relative_to(TEMPLATES)}: {line.strip()}"


@pytest.mark.django_db
def test_no_label_help_text_or_api_description_cites_internal_references():
    import json

    from django.apps import apps
    from drf_spectacular.generators import SchemaGenerator

    for model in apps.get_models():
        for field in model._meta.get_fields():
            words = [str(getattr(field, "help_text", "")), str(getattr(field, "verbose_name", ""))]
            words += [str(label) for _, label in (getattr(field, "choices", None) or []) if label]
            for text in words:
                assert not INTERNAL.search(text), f"{model.__name__}.{field.name}: {text}"
    schema = json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str)
    found = INTERNAL.search(schema)
    assert not found, schema[max(0, found.start() - 200) : found.end() + 50] if found else ""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_new_pages_pass_axe(journey, live_server, cast, world):
    """The public help pages, the family page, a contact before triage and a 404, with axe-core."""
    from tests.axe import assert_accessible

    family = world.north_case.family
    page = journey()
    for url in (reverse("referrals:help"), reverse("referrals:help-privacy")):
        page.goto(live_server.url + url)
        assert_accessible(page)
    page.goto(live_server.url + reverse("accounts:login"))
    assert_accessible(page)
    page.get_by_label("Username").fill("mash.manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#navigation").wait_for()
    assert_accessible(page)
    for url in (
        reverse("cases:family-detail", args=[family.pk]),
        reverse("audit:access-log"),
        "/no-such-page/",
    ):
        page.goto(live_server.url + url)
        assert_accessible(page)
