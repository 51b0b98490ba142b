"""A clock's history (started, due time moved and why, breached, met) is readable by managers, in the
API and on a page (issue 15, 7)."""

from datetime import timedelta

import pytest

from escalation.choices import ClockKind
from escalation.services import clock_due_change, clock_start
from tests.cases.factories import FamilyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved_clock(cast):
    family = FamilyFactory()
    clock = clock_start(target=family, kind=ClockKind.PLAN_REVIEW, family=family, team=cast.north)
    return clock_due_change(
        clock=clock,
        due_at=clock.due_at + timedelta(days=3),
        reason="The family asked to meet after half term",
        by=cast.team_manager,
    )


def test_the_api_gives_a_clock_with_its_history(cast, moved_clock, api_for):
    answer = api_for(cast.mash_manager).get(f"/api/v1/clocks/{moved_clock.pk}/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["version"] == moved_clock.version
    summaries = [event["summary"] for event in body["events"]]
    assert len(summaries) == 2
    assert summaries[0].startswith("Started: due ") and summaries[1].startswith("Due time moved from ")
    moved = body["events"][-1]
    assert moved["detail"] == "The family asked to meet after half term"
    assert moved["by"] == str(cast.team_manager)


def test_the_page_shows_the_history_and_the_dashboard_links_to_it(cast, moved_clock, client_for):
    page = client_for(cast.team_manager).get(f"/clocks/{moved_clock.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "The family asked to meet after half term" in text and "Due time moved" in text


def test_only_managers_read_a_clock_and_a_missing_one_is_404(cast, moved_clock, api_for, client_for):
    assert api_for(cast.fh_worker).get(f"/api/v1/clocks/{moved_clock.pk}/").status_code == 403
    assert client_for(cast.social_worker).get(f"/clocks/{moved_clock.pk}/").status_code == 403
    assert api_for(cast.mash_manager).get(f"/api/v1/clocks/{moved_clock.pk + 999}/").status_code == 404
