"""The drift rules (stepdown/drift.py): each fires past its threshold and not at it, the thresholds
come from settings, the whole set costs the same few queries however many cases there are, and the
list follows who may see which team's drift."""

from datetime import timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from cases.models import Case
from stepdown.drift import drift_for, drifting_cases

pytestmark = pytest.mark.django_db

ALL_RULES_QUIET = {
    "DRIFT_OPEN_MONTHS": 9,
    "DRIFT_PLAN_STILL_MONTHS": 3,
    "DRIFT_VISIT_DAYS": {2: 42, 3: 28, 4: 14},
    "DRIFT_CP_PLAN_MONTHS": 18,
    "DRIFT_SEEN_ALONE_DAYS": 42,
}


@pytest.fixture(autouse=True)
def _rules(settings):
    for name, value in ALL_RULES_QUIET.items():
        setattr(settings, name, value)


def opened_ago(case, **delta):
    """Move a test case's opening back (what a case opened long ago looks like)."""
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - relativedelta(**delta))
    case.refresh_from_db()
    return case


def codes(case) -> list[str]:
    rows = drift_for(Case.objects.filter(pk=case.pk))
    return [str(code) for code in rows[0].codes] if rows else []


def reasons(case) -> dict[str, str]:
    rows = drift_for(Case.objects.filter(pk=case.pk))
    return {str(reason.code): reason.text for reason in rows[0].reasons} if rows else {}


def visit(case, by, *, days_ago, kind="home_visit", alone=()):
    from assessments.services import conversation_record

    return conversation_record(
        family=case.family,
        case=case,
        by=by,
        kind=kind,
        occurred_at=timezone.now() - timedelta(days=days_ago),
        discussed="Saw the family at home",
        children_seen=list(alone),
        children_seen_alone=list(alone),
    )


def visited_and_seen(case, by, child, *, days_ago=1):
    """Quiet the visit and seen-alone rules, so a test looks at one rule."""
    visit(case, by, days_ago=days_ago, alone=[child])


# --- 1. open long at pathway 3 with a still plan ---------------------------------------------------


def test_open_over_nine_months_at_pathway_3_with_no_plan_change_drifts(cast, world):
    case = world.south_case
    visited_and_seen(case, cast.social_worker, world.south_child)
    opened_ago(case, months=9, days=-1)  # a day short of nine months
    assert "plan_still" not in codes(case)
    opened_ago(case, months=9, days=1)
    assert "plan_still" in codes(case)
    assert reasons(case)["plan_still"] == "Open at pathway 3 for 9 months with no plan change in 3 months"
    opened_ago(case, months=11, days=2)
    assert reasons(case)["plan_still"] == "Open at pathway 3 for 11 months with no plan change in 3 months"


def test_a_plan_change_within_three_months_keeps_the_case_moving(cast, world):
    from pathways.services import plan_start

    case = world.south_case
    visited_and_seen(case, cast.social_worker, world.south_child)
    opened_ago(case, months=12)
    with time_machine.travel(timezone.now() - relativedelta(months=3) - timedelta(days=1), tick=False):
        plan_start(case=case, by=cast.social_worker)
    assert "plan_still" in codes(case)  # started (a change) three months and a day ago
    with time_machine.travel(timezone.now() - relativedelta(months=3) + timedelta(days=1), tick=False):
        from pathways.services import plan_outcome_add

        plan_outcome_add(plan=case.plan, by=cast.social_worker, text="Nia goes to school every day")
    assert "plan_still" not in codes(case)


def test_a_plan_review_or_an_action_added_is_a_plan_change(cast, world):
    from pathways.services import plan_action_add, plan_start

    case = world.south_case
    visited_and_seen(case, cast.social_worker, world.south_child)
    opened_ago(case, months=12)
    with time_machine.travel(timezone.now() - relativedelta(months=5), tick=False):
        plan = plan_start(case=case, by=cast.social_worker)
    assert "plan_still" in codes(case)
    plan_action_add(
        plan=plan, by=cast.social_worker, what="Routine chart", who="Pat", by_when=timezone.localdate()
    )
    assert "plan_still" not in codes(case)
    other = world.north_case
    assert "plan_still" not in codes(other)  # pathway 2 never drifts by this rule


def test_the_drift_rule_counts_a_review(cast, world):
    from pathways.models import PlanReview
    from pathways.services import plan_start

    case = world.south_case
    visited_and_seen(case, cast.social_worker, world.south_child)
    opened_ago(case, months=12)
    with time_machine.travel(timezone.now() - relativedelta(months=5), tick=False):
        plan = plan_start(case=case, by=cast.social_worker)
    assert "plan_still" in codes(case)
    # A review held last week, recorded directly (the service writes a PlanChange as well).
    PlanReview.objects.create(
        plan=plan,
        held_on=timezone.localdate() - timedelta(days=7),
        notes="Reviewed",
        recorded_by=cast.social_worker,
        recorded_at=timezone.now() - relativedelta(months=4),
    )
    assert "plan_still" not in codes(case)


def test_settings_change_the_thresholds(cast, world, settings):
    case = world.south_case
    visited_and_seen(case, cast.social_worker, world.south_child)
    opened_ago(case, months=7)
    assert "plan_still" not in codes(case)
    settings.DRIFT_OPEN_MONTHS = 6
    assert reasons(case)["plan_still"].startswith("Open at pathway 3 for 7 months")
    settings.DRIFT_PLAN_STILL_MONTHS = 1
    assert reasons(case)["plan_still"].endswith("no plan change in 1 months")


# --- 2. visits ----------------------------------------------------------------------------------


def test_no_visit_within_the_pathway_interval_drifts(cast, world):
    case = opened_ago(world.south_case, days=60)  # pathway 3: a visit every 28 days
    visit(case, cast.social_worker, days_ago=27, alone=[world.south_child])
    assert "no_visit" not in codes(case)
    case = world.north_case
    opened_ago(case, days=60)  # pathway 2: every 42 days
    visit(case, cast.fh_worker, days_ago=41)
    assert "no_visit" not in codes(case)


def test_a_visit_just_past_the_interval_drifts_and_says_how_long(cast, world):
    case = opened_ago(world.south_case, days=60)
    visit(case, cast.social_worker, days_ago=29, alone=[world.south_child])
    assert reasons(case)["no_visit"] == "No visit in 29 days: at pathway 3 a visit is due every 28 days"


def test_a_phone_call_is_not_a_visit_and_no_visit_at_all_says_so(cast, world):
    case = opened_ago(world.south_case, days=60)
    visit(case, cast.social_worker, days_ago=1, kind="phone_or_video")
    assert reasons(case)["no_visit"] == "No visit recorded: at pathway 3 a visit is due every 28 days"
    visit(case, cast.social_worker, days_ago=1, kind="school_visit")
    assert "no_visit" not in codes(case)


def test_a_case_opened_within_the_interval_is_not_drifting_for_visits(cast, world, settings):
    case = opened_ago(world.south_case, days=27)
    assert "no_visit" not in codes(case)
    opened_ago(case, days=29)
    assert "no_visit" in codes(case)
    settings.DRIFT_VISIT_DAYS = {2: 42, 4: 14}  # pathway 3 not timed
    assert "no_visit" not in codes(case)


# --- 3. supervision -------------------------------------------------------------------------------


def test_a_supervision_clock_past_due_or_breached_drifts(cast, world):
    from escalation.choices import ClockKind, ClockState
    from escalation.models import Clock
    from escalation.services import clock_start

    case = world.south_case
    now = timezone.now()
    clock = clock_start(
        target=case,
        kind=ClockKind.SUPERVISION,
        started_at=now - timedelta(days=30),
        due_at=now + timedelta(hours=1),
    )
    assert "supervision" not in codes(case)
    Clock.objects.filter(pk=clock.pk).update(
        started_at=now - timedelta(days=30), due_at=now - timedelta(days=3)
    )
    assert reasons(case)["supervision"].startswith("Supervision overdue by 3 days (due ")
    Clock.objects.filter(pk=clock.pk).update(due_at=now - timedelta(hours=1))
    assert reasons(case)["supervision"].startswith("Supervision overdue today (due ")
    Clock.objects.filter(pk=clock.pk).update(state=ClockState.BREACHED, breached_at=now)
    assert "supervision" in codes(case)
    Clock.objects.filter(pk=clock.pk).update(state=ClockState.MET, ended_at=now)
    assert "supervision" not in codes(case)


# --- 4. every action overdue ------------------------------------------------------------------------


def test_a_plan_whose_open_actions_are_all_overdue_drifts(cast, world):
    from pathways.services import plan_action_add, plan_action_status_set, plan_start

    case = world.south_case
    today = timezone.localdate()
    with time_machine.travel(timezone.now() - timedelta(days=40), tick=False):
        plan = plan_start(case=case, by=cast.social_worker)
        late = plan_action_add(
            plan=plan, by=cast.social_worker, what="A", who="Pat", by_when=today - timedelta(days=1)
        )
        later = plan_action_add(plan=plan, by=cast.social_worker, what="B", who="Pat", by_when=today)
    assert "actions_overdue" not in codes(case)  # one is due today, not overdue
    plan_action_status_set(action=later, by=cast.social_worker, status="done")
    assert reasons(case)["actions_overdue"] == "The plan's only open action is overdue"
    plan_action_status_set(action=late, by=cast.social_worker, status="not_done")
    assert "actions_overdue" not in codes(case)  # no open action at all


# --- 5. child protection plan too long ----------------------------------------------------------------


def test_a_child_protection_plan_past_eighteen_months_drifts(cast, world, settings):
    from pathways.models import CinEpisode, CpPlan

    case = world.south_case
    episode = CinEpisode.objects.get(case=case, child=world.south_child)
    today = timezone.localdate()
    plan = CpPlan.objects.create(
        episode=episode,
        started_on=today - relativedelta(months=18),
        initial_category="NEG",
        latest_category="NEG",
    )
    assert "cp_plan_long" not in codes(case)  # exactly 18 months
    CpPlan.objects.filter(pk=plan.pk).update(started_on=today - relativedelta(months=18, days=1))
    assert reasons(case)["cp_plan_long"].startswith("A child protection plan open for 18 months (since ")
    settings.DRIFT_CP_PLAN_MONTHS = 24
    assert "cp_plan_long" not in codes(case)
    settings.DRIFT_CP_PLAN_MONTHS = 18
    CpPlan.objects.filter(pk=plan.pk).update(ended_on=today)
    assert "cp_plan_long" not in codes(case)


# --- 6. a child not seen alone ----------------------------------------------------------------------


def test_a_child_not_seen_alone_within_six_weeks_drifts_at_pathway_3(cast, world):
    case = opened_ago(world.south_case, days=60)
    visit(case, cast.social_worker, days_ago=41, alone=[world.south_child])
    assert "not_seen_alone" not in codes(case)
    visit(case, cast.social_worker, days_ago=1, kind="home_visit")  # seen with the family: not alone
    opened = opened_ago(case, days=60)
    assert "not_seen_alone" not in codes(opened)
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        assert reasons(case)["not_seen_alone"] == "1 child not seen alone in 42 days"


def test_seen_alone_is_for_pathways_3_and_4_and_new_cases_are_exempt(cast, world):
    north = opened_ago(world.north_case, days=60)  # pathway 2
    assert "not_seen_alone" not in codes(north)
    south = opened_ago(world.south_case, days=41)
    assert "not_seen_alone" not in codes(south)
    opened_ago(south, days=43)
    assert "not_seen_alone" in codes(south)


def test_a_second_child_not_seen_counts(cast, world):
    from cases.choices import FamilyRole, PersonKind
    from cases.services import family_member_add, person_create

    case = opened_ago(world.south_case, days=60)
    sibling = person_create(
        by=cast.mash_manager, kind=PersonKind.CHILD, first_name="Sam", last_name="Southey"
    )
    family_member_add(family=case.family, person=sibling, role=FamilyRole.CHILD, by=cast.mash_manager)
    assert reasons(case)["not_seen_alone"] == "2 children not seen alone in 42 days"
    visit(case, cast.social_worker, days_ago=2, alone=[sibling])
    assert reasons(case)["not_seen_alone"] == "1 child not seen alone in 42 days"


# --- the whole set ----------------------------------------------------------------------------------


def test_a_quiet_case_is_not_drifting_and_closed_cases_never_are(cast, world):
    from cases.services import case_close

    assert codes(world.south_case) == []
    opened_ago(world.south_case, months=12)
    assert codes(world.south_case)
    case_close(case=world.south_case, reason="RC7", by=cast.team_manager)
    assert codes(world.south_case) == []


def _many_cases(cast, count):
    from cases import services
    from cases.choices import FamilyRole, PersonKind

    made = []
    for number in range(count):
        family = services.family_create(by=cast.mash_manager, name=f"Drift {number}")
        child = services.person_create(
            by=cast.mash_manager, kind=PersonKind.CHILD, first_name="Kid", last_name=f"D{number}"
        )
        services.family_member_add(family=family, person=child, role=FamilyRole.CHILD, by=cast.mash_manager)
        case = services.case_open(family=family, team=cast.south, pathway=2, by=cast.mash_manager)
        made.append(opened_ago(case, months=2))
    return made


def test_the_drift_list_costs_the_same_queries_for_three_cases_or_thirty(
    cast, world, django_assert_max_num_queries
):
    _many_cases(cast, 3)
    with django_assert_max_num_queries(10) as few:
        small = drifting_cases(cast.team_manager)
    _many_cases(cast, 27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        large = drifting_cases(cast.team_manager)
    assert len(large) == len(small) + 27


# --- who sees which drift ---------------------------------------------------------------------------


@pytest.fixture
def head_of_service(cast):
    from accounts.choices import Role, TeamKind
    from tests.accounts.factories import TeamFactory, UserFactory

    qa = TeamFactory(name="Quality Assurance", agency=cast.la, kind=TeamKind.QUALITY_ASSURANCE)
    return UserFactory(username="head.of.service", roles=[Role.HEAD_OF_SERVICE], teams=[qa], agency=cast.la)


@pytest.fixture
def other_manager(cast):
    from accounts.choices import Role
    from tests.accounts.factories import TeamFactory, UserFactory

    east = TeamFactory(name="Family Help Team East", agency=cast.la)
    return UserFactory(username="east.manager", roles=[Role.TEAM_MANAGER], teams=[east], agency=cast.la)


def test_managers_see_their_teams_drift_heads_of_service_all_others_none(
    cast, world, head_of_service, other_manager
):
    opened_ago(world.south_case, months=12)
    opened_ago(world.north_case, months=12)
    mine = {row.case for row in drifting_cases(cast.team_manager)}
    assert {world.south_case, world.north_case} <= mine
    assert {row.case for row in drifting_cases(head_of_service)} >= mine
    assert drifting_cases(other_manager) == []
    for user in (
        cast.social_worker,
        cast.fh_worker,
        cast.ecpp,
        cast.mash_manager,
        cast.school_dsl,
        cast.auditor,
        cast.administrator,
    ):
        assert drifting_cases(user) == [], user
    only_north = drifting_cases(cast.team_manager, team=cast.north)
    assert {row.case for row in only_north} == {world.north_case}
    assert {row.case for row in drifting_cases(cast.team_manager, reason="plan_still")} == {world.south_case}
