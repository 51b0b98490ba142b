"""The managers' dashboards (issue 16, part 2): figures right on a small authority built through the
services, each manager seeing only the teams they may, every chart named and tabled, and the page's
queries not growing with the data."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import unescape
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role, TeamKind
from escalation.choices import ClockKind
from escalation.services import clock_meet, clock_start
from pathways.choices import Outcome
from pathways.models import CinEpisode
from pathways.services import DecisionDetails, assessment_authorise, decision_record
from returns.dashboards import Period, Scope, dashboard, dashboard_cached
from returns.permissions import dashboard_links, dashboard_teams
from stepdown.choices import Route
from stepdown.models import StepDown
from stepdown.services import StepDownDetails, stepdown_propose
from tests.accounts.factories import TeamFactory, UserFactory
from tests.referrals.test_triage import link_all, new_contact, triage

pytestmark = pytest.mark.django_db

URL = "/dashboard/"
API = "/api/v1/dashboard/"


@dataclass
class Managers:
    north: Any  # a team manager of Family Help Team North only
    head: Any  # a head of service: every team
    hub: Any  # the Early Help Hub


@pytest.fixture
def managers(cast) -> Managers:
    return Managers(
        north=UserFactory(
            username="north.manager", roles=[Role.TEAM_MANAGER], teams=[cast.north], agency=cast.la
        ),
        head=UserFactory(username="head.of.service", roles=[Role.HEAD_OF_SERVICE], agency=cast.la),
        hub=TeamFactory(name="Early Help Hub", agency=cast.la, kind=TeamKind.EARLY_HELP_HUB),
    )


@pytest.fixture
def authority(cast, world, managers):
    """On top of the world (north at pathway 2 with a key worker; south moved up to 3; the
    Scholes family at 2 in South, nobody allocated): north moves down to 1, a late plan review in
    North, an ICPC overdue in South, Sol referred twice within a year, a step-down from South
    waiting for consent for 10 days, and a refused contact the school disagrees with."""
    now = timezone.now()
    north, south, school = world.north_case, world.south_case, world.school_case
    decision_record(
        case=north,
        by=cast.social_worker,
        details=DecisionDetails(outcome=Outcome.PATHWAY_1, rationale="Things are better: advice is enough."),
    )
    review = clock_start(
        target=north, kind=ClockKind.PLAN_REVIEW, team=cast.north, started_at=now - timedelta(days=100),
        due_at=now - timedelta(days=10),
    )  # fmt: skip
    clock_meet(target=north, kind=review.kind, by=cast.team_manager, late_reason="The family was away")
    clock_start(
        target=school, kind=ClockKind.ICPC, team=cast.south, started_at=now - timedelta(days=20),
        due_at=now - timedelta(days=1),
    )  # fmt: skip
    earlier = CinEpisode.objects.get(child=world.south_child, closure_date__isnull=True)
    CinEpisode.objects.create(
        child=world.south_child,
        case=south,
        referral_date=earlier.referral_date - timedelta(days=200),
        closure_date=earlier.referral_date - timedelta(days=100),
        closure_reason="RC8",
    )
    step_down = stepdown_propose(
        case=south,
        by=cast.social_worker,
        details=StepDownDetails(
            route=Route.REFERRAL,
            rationale="Family help can meet these needs now.",
            needs="Routines at home",
            receiving_team=managers.hub,
        ),
    )
    StepDown.objects.filter(pk=step_down.pk).update(proposed_at=now - timedelta(days=10))
    assessment_authorise(case=south, by=cast.team_manager, factors=["4B"])
    refused = triage(
        link_all(new_contact(cast.school_dsl), cast.mash_manager), cast.mash_manager, outcome="nfa"
    )
    from disagreements.services import disagreement_raise_on_contact

    disagreement_raise_on_contact(contact=refused, by=cast.school_dsl, position="She is scared to go home")
    return world


def _figures(user, team=None, months=12):
    teams = dashboard_teams(user)
    result = dashboard(
        scope=Scope.of(teams, team), period=Period.last_months(months), links=dashboard_links(user)
    )
    return {figure.key: figure for figure in result.figures}


def _cells(figure) -> dict[str, list]:
    return {row.label: row.cells for row in figure.rows}


# --- the figures ------------------------------------------------------------------------------------


def test_caseload_by_pathway_and_by_worker_for_a_team_manager_s_teams(cast, authority, managers):
    figures = _figures(cast.team_manager)
    by_pathway = {row.label[:9]: row.value for row in figures["caseload-by-pathway"].rows}
    assert by_pathway == {"Pathway 1": 1, "Pathway 2": 1, "Pathway 3": 1, "Pathway 4": 0}
    workers = _cells(figures["caseload-by-worker"])
    assert workers == {"No key worker": [0, 1, 1, 0, 2], "Femi Harper": [1, 0, 0, 0, 1]}
    # A manager of North alone sees North's one case.
    north = _figures(managers.north)
    assert [row.value for row in north["caseload-by-pathway"].rows] == [1, 0, 0, 0]
    assert _cells(north["caseload-by-worker"]) == {"Femi Harper": [1, 0, 0, 0, 1]}


def test_flow_counts_families_moving_up_down_and_stepping_down(cast, authority, managers):
    flow = _cells(_figures(cast.team_manager)["flow"])
    assert flow == {"Moved up a pathway": [1], "Moved down a pathway": [1], "Stepped down to early help": [0]}
    assert _cells(_figures(managers.north)["flow"])["Moved up a pathway"] == [0]


def test_re_referrals_are_referrals_within_12_months_of_the_child_s_last(cast, authority, managers):
    rereferrals = _cells(_figures(cast.team_manager)["rereferrals"])
    assert rereferrals == {"Referrals": [2, None], "Re-referrals within 12 months": [1, 50]}
    # Three months back the earlier referral is outside the period, but still counts as the one before.
    recent = _cells(_figures(cast.team_manager, months=3)["rereferrals"])
    assert recent == {"Referrals": [1, None], "Re-referrals within 12 months": [1, 100]}
    assert _cells(_figures(managers.north)["rereferrals"])["Referrals"] == [0, None]


def test_timeliness_is_read_from_the_clocks_of_the_teams_in_scope(cast, authority, managers):
    timeliness = {
        row.label.split(" ")[0]: row.cells for row in _figures(cast.team_manager)["timeliness"].rows
    }
    # columns: on time, late, per cent on time, overdue now
    assert timeliness["Assessments"] == [1, 0, 100, 0]
    assert timeliness["Plan"] == [0, 1, 0, 0]
    assert timeliness["Initial"] == [0, 0, None, 1]
    assert timeliness["Contacts"] == [0, 0, None, 0]  # the front door is not this manager's
    front_door = {
        row.label.split(" ")[0]: row.cells for row in _figures(cast.mash_manager)["timeliness"].rows
    }
    assert front_door["Contacts"] == [1, 0, 100, 0]
    labels = [row.label for row in _figures(cast.mash_manager)["timeliness"].rows]
    assert labels[0] == "Contacts decided within 1 working day"
    assert "Referrers told the outcome within 72 hours" in labels


def test_step_downs_waiting_by_state_and_age_and_disagreements_by_stage(cast, authority, managers):
    figures = _figures(cast.team_manager)
    waiting = _cells(figures["stepdowns-waiting"])
    # columns: step-downs, under 7 days, 7 to 28 days, over 28 days, oldest (days)
    assert waiting["Waiting for the family's consent"] == [1, 0, 1, 0, 10]
    assert waiting["Waiting for a team manager's approval"] == [0, 0, 0, 0, None]
    assert _cells(figures["stepdowns-age"]) == {"Under 7 days": [0], "7 to 28 days": [1], "Over 28 days": [0]}
    # The hub receiving it counts it too; North does not.
    assert _cells(_figures(managers.north)["stepdowns-age"])["7 to 28 days"] == [0]
    # A disagreement about a contact is the front door's: the MASH manager's figure, not South's.
    assert _cells(figures["disagreements"])[f"Stage 1: {_stage_1()}"] == [0, 0, None]
    assert _cells(_figures(cast.mash_manager)["disagreements"])[f"Stage 1: {_stage_1()}"] == [1, 0, 0]
    assert "front-door" in _figures(cast.mash_manager) and "front-door" not in figures


def _stage_1():
    from disagreements.choices import LADDER

    return LADDER[1]


def test_families_feedback_by_team_is_the_share_who_said_yes(cast, authority, managers):
    from cases.services import feedback_give, feedback_invite, feedback_record

    north = authority.north_case  # moved down to pathway 1: the family may be asked
    feedback_record(case=north, by=cast.fh_worker, help_right="yes", listened_to="partly", ask_again="yes")
    _, token = feedback_invite(case=north, by=cast.fh_worker)
    feedback_give(token=token, help_right="no", listened_to="yes", ask_again="not_sure")

    feedback = _cells(_figures(cast.team_manager)["feedback"])
    assert feedback == {
        "Family Help Team North": [2, 50, 50, 50],
        "Family Help Team South": [0, None, None, None],
    }
    assert _cells(_figures(managers.north)["feedback"]) == {"Family Help Team North": [2, 50, 50, 50]}
    # Feedback given before the period is not counted in it.
    assert _cells(_figures(managers.north, months=3)["feedback"])["Family Help Team North"][0] == 2
    import pgtrigger

    from cases.models import FamilyFeedback

    with pgtrigger.ignore("cases.FamilyFeedback:family_feedback_append_only"):  # as if given long ago
        FamilyFeedback.objects.filter(case=north).update(given_at=timezone.now() - timedelta(days=200))
    assert _cells(_figures(managers.north, months=3)["feedback"]) == {
        "Family Help Team North": [0, None, None, None]
    }


# --- who sees what ----------------------------------------------------------------------------------


def test_each_manager_sees_only_the_teams_they_may(cast, authority, managers, api_for):
    mine = api_for(cast.team_manager).get(API).json()
    assert sorted(mine["teams"]) == sorted([cast.north.pk, cast.south.pk]) and mine["team"] is None
    assert api_for(managers.north).get(API).json()["teams"] == [cast.north.pk]
    everyone = set(api_for(managers.head).get(API).json()["teams"])
    assert {cast.north.pk, cast.south.pk, managers.hub.pk} <= everyone
    assert set(api_for(cast.mash_manager).get(API).json()["teams"]) == everyone
    one = api_for(cast.team_manager).get(API, {"team": cast.south.pk}).json()
    assert one["teams"] == [cast.south.pk] and one["team"] == cast.south.pk


def test_a_team_that_is_not_yours_is_a_form_error_not_a_500(cast, authority, managers, client_for, api_for):
    client = client_for(managers.north)
    for team in (cast.south.pk, "abc", "99999"):
        page = client.get(URL, {"team": team})
        assert page.status_code == 400
        html = page.content.decode()
        assert "There is a problem" in html and "Choose one of your teams from the list." in html
        assert "caseload-by-pathway" not in html
        answer = api_for(managers.north).get(API, {"team": team})
        assert answer.status_code == 400 and answer.json() == {
            "team": ["Choose one of your teams from the list."]
        }


def test_bad_periods_are_errors_that_say_what_to_fix(cast, managers, client_for, api_for):
    api = api_for(cast.team_manager)
    assert api.get(API, {"months": "5"}).json() == {"months": ["Choose 3, 6 or 12 months."]}
    assert api.get(API, {"start": "2026-02-30", "end": "2026-03-01"}).status_code == 400
    assert "start" in api.get(API, {"end": "2026-03-01"}).json()
    backwards = api.get(API, {"start": "2026-03-02", "end": "2026-03-01"})
    assert backwards.json() == {"end": ["The last day must be the same as or after the first day."]}
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert api.get(API, {"start": "2026-01-01", "end": future}).json() == {
        "end": ["The last day must be today or in the past."]
    }
    chosen = api.get(API, {"start": "2026-01-01", "end": "2026-03-31"}).json()
    assert chosen["period"] == {"start": "2026-01-01", "end": "2026-03-31"}
    page = client_for(cast.team_manager).get(URL, {"start": "2026-03-02", "end": "2026-03-01"})
    assert page.status_code == 400 and 'name="start_day" type="text" inputmode="numeric" value="2"' in (
        page.content.decode()
    )


@pytest.mark.parametrize(
    "who", ["fh_worker", "social_worker", "ecpp", "school_dsl", "auditor", "administrator"]
)
def test_others_are_refused_the_page_and_the_api(cast, who, client_for, api_for):
    user = getattr(cast, who)
    assert client_for(user).get(URL).status_code == 403
    assert api_for(user).get(API).status_code == 403


def test_signed_out_is_sent_to_sign_in(client, api_for):
    assert client.get(URL).status_code == 302
    assert api_for(None).get(API).status_code in (401, 403)


# --- the page ---------------------------------------------------------------------------------------


def _svg(html, key):
    match = re.search(rf'<svg[^>]*id="{key}-chart"[^>]*>(.*?)</svg>', html, re.S)
    assert match, key
    return match.group(0)


def _table(html, key) -> dict[str, list[str]]:
    body = re.search(rf'<table class="govuk-table" id="{key}-table">(.*?)</table>', html, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", body.split("<tbody")[1], re.S):
        label = re.sub(r"<[^>]+>", "", re.search(r"<th[^>]*>(.*?)</th>", row, re.S).group(1)).strip()
        rows[label] = [
            re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
    return rows


def test_every_chart_has_an_accessible_name_and_a_table_of_the_same_numbers(cast, authority, client_for):
    response = client_for(cast.team_manager).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for key in (
        "caseload-by-pathway",
        "caseload-by-worker",
        "flow",
        "rereferrals",
        "timeliness",
        "disagreements",
    ):
        svg = _svg(html, key)
        assert f'role="img" aria-labelledby="{key}-title {key}-desc"' in svg
        title = re.search(rf'<title id="{key}-title">(.*?)</title>', svg).group(1)
        assert title and f'<h2 class="govuk-heading-m" id="{key}-heading">{title}</h2>' in html
        desc = re.search(rf'<desc id="{key}-desc">(.*?)</desc>', svg).group(1)
        table = _table(html, key)
        assert table, key
        for label in table:
            assert f"{unescape(label)}: " in unescape(desc), (key, label)
    pathways = _table(html, "caseload-by-pathway")
    assert [cells for cells in pathways.values()] == [["1"], ["1"], ["1"], ["0"]]
    assert "Pathway 1. Advice and information: 1; Pathway 2. Family help: 1" in html
    # Bars are as long as their share of the largest: three equal bars, one empty.
    bars = re.findall(r'<rect x="1" y="\d+" width="(\d+)"', _svg(html, "caseload-by-pathway"))
    assert bars == ["520", "520", "520"]
    assert "<script" not in _svg(html, "timeliness")


def test_each_figure_links_to_the_list_behind_it(cast, authority, client_for):
    html = client_for(cast.team_manager).get(URL, {"team": cast.south.pk}).content.decode()
    south = cast.south.pk
    assert f'href="/cases/?state=open&amp;pathway=3&amp;team={south}"' in html
    assert f'href="/cases/?state=open&amp;key_worker=null&amp;team={south}"' in html
    assert 'href="/clocks/"' in html and 'href="/step-downs/"' in html and 'href="/disagreements/"' in html
    assert 'href="/step-downs/audit/"' in html and 'href="/returns/annex-a/"' in html
    # The case list honours the filters it is sent with.
    listed = client_for(cast.team_manager).get(
        "/cases/", {"state": "open", "key_worker": "null", "team": south}
    )
    text = listed.content.decode()
    assert authority.school_case.reference in text and authority.south_case.reference in text
    assert authority.north_case.reference not in text
    worker = client_for(cast.team_manager).get("/cases/", {"key_worker": cast.fh_worker.pk}).content.decode()
    assert authority.north_case.reference in worker and authority.school_case.reference not in worker


def test_a_head_of_service_is_not_offered_lists_their_role_cannot_open(managers, authority, client_for):
    html = client_for(managers.head).get(URL).content.decode()
    assert 'href="/step-downs/"' not in html  # they neither propose nor approve step-downs
    assert 'href="/clocks/"' in html and 'href="/step-downs/audit/"' in html


def test_the_api_gives_the_same_figures_as_the_page(cast, authority, api_for):
    answer = api_for(cast.team_manager).get(API, {"months": 6})
    assert answer.status_code == 200
    data = answer.json()
    figures = {figure["key"]: figure for figure in data["figures"]}
    pathways = figures["caseload-by-pathway"]
    assert pathways["columns"] == ["Open cases"] and pathways["url"].startswith("/cases/?state=open")
    assert [row["values"]["Open cases"] for row in pathways["rows"]] == [1, 1, 1, 0]
    timeliness = figures["timeliness"]["rows"][2]
    assert timeliness["values"] == {"On time": 1, "Late": 0, "Per cent on time": 100, "Overdue now": 0}
    assert timeliness["value"] == 100 and timeliness["text"] == "100%"
    assert data["period"]["end"] == timezone.localdate().isoformat()


def test_the_api_is_in_the_openapi_schema(cast, api_for):
    schema = api_for(cast.team_manager).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/dashboard/"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"team", "months", "start", "end"}
    assert "DashboardOutput" in str(operation["responses"]["200"])


# --- cost ----------------------------------------------------------------------------------------------


def test_the_page_s_queries_do_not_grow_with_the_data(
    cast, authority, managers, client_for, django_assert_max_num_queries
):
    from cases import services
    from cases.choices import AllocationRole
    from tests.cases.factories import FamilyFactory

    client = client_for(managers.head)
    with django_assert_max_num_queries(20) as few:
        assert client.get(URL).status_code == 200
    now = timezone.now()
    for index in range(8):
        case = services.case_open(
            family=FamilyFactory(created_by=cast.mash_manager),
            team=cast.north if index % 2 else cast.south,
            pathway=2,
            by=cast.mash_manager,
        )
        services.case_allocate(
            case=case, user=cast.social_worker, role=AllocationRole.KEY_WORKER, by=cast.team_manager
        )
        clock_start(
            target=case,
            kind=ClockKind.PLAN_REVIEW,
            team=case.team,
            started_at=now,
            due_at=now + timedelta(days=9),
        )
        clock_meet(target=case, kind=ClockKind.PLAN_REVIEW, by=cast.team_manager)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert "Sam Walker" in response.content.decode()


# --- in a browser ------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_dashboard_passes_axe_with_its_charts_and_with_its_errors(journey, live_server, cast, authority):
    from tests.accounts.factories import PASSWORD
    from tests.axe import assert_accessible

    page = journey()
    page.goto(live_server.url + reverse("home"))
    assert_accessible(page)
    page.get_by_label("Username").fill("team.manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=re.compile("Hello")).wait_for()
    assert_accessible(page)
    page.goto(live_server.url + reverse("returns:dashboard"))
    assert page.get_by_role("img", name="Open cases by pathway").count() == 1
    assert_accessible(page)
    page.get_by_label("Period").select_option("3")
    page.get_by_role("button", name="Show the figures").click()
    page.get_by_role("heading", name="Done on time").wait_for()
    assert_accessible(page)
    page.goto(live_server.url + reverse("returns:dashboard") + "?months=5")
    page.locator(".govuk-error-summary").wait_for()
    assert_accessible(page)


# --- kept for a few minutes ------------------------------------------------------------------------


@pytest.fixture
def kept_five_minutes(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.DASHBOARD_CACHE_SECONDS = 300
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_a_dashboard_is_counted_once_and_kept_saying_when(
    cast, authority, managers, client_for, api_for, kept_five_minutes, django_assert_num_queries
):
    client = client_for(cast.team_manager)
    first = client.get(URL)
    assert first.status_code == 200
    as_at = first.context["dashboard"].as_at
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", unescape(first.content.decode())))
    assert f"as they stood at {timezone.localtime(as_at):%H:%M}" in text
    assert "counted again at most every 5 minutes" in text
    # Opened again (or by the API): the same figures, counted no more.
    again = client.get(URL)
    assert again.context["dashboard"].as_at == as_at
    api_as_at = api_for(cast.team_manager).get(API).json()["as_at"]
    assert datetime.fromisoformat(api_as_at.replace("Z", "+00:00")) == as_at
    teams = dashboard_teams(cast.team_manager)
    scope, period, links = Scope.of(teams), Period.last_months(12), dashboard_links(cast.team_manager)
    with django_assert_num_queries(0):
        dashboard_cached(scope=scope, period=period, links=links)


def test_each_set_of_teams_and_period_is_kept_apart(cast, authority, managers, kept_five_minutes):
    def pathway_counts(user, months=12):
        scope = Scope.of(dashboard_teams(user))
        kept = dashboard_cached(scope=scope, period=Period.last_months(months), links=dashboard_links(user))
        return [row.value for row in kept.figures[0].rows]

    assert pathway_counts(managers.north) == [1, 0, 0, 0]
    assert pathway_counts(cast.team_manager) == [1, 1, 1, 0]  # not North's kept figures
    assert pathway_counts(managers.north, months=3) == [1, 0, 0, 0]


def test_with_no_keeping_every_request_counts_afresh(cast, authority, client_for, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    client = client_for(cast.team_manager)
    first, second = client.get(URL), client.get(URL)
    assert second.context["dashboard"].as_at > first.context["dashboard"].as_at
    assert "counted again" not in second.content.decode()
