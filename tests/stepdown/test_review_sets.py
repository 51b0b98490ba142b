"""Review sets: a manager puts drifting cases in a set and records an outcome for each, through the
services that own each outcome (a step-down waits for the family's consent; closing is the case's
own close); the report counts them as Stockton's audit tables did; the pages and who may use them."""

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.choices import ChronologyKind
from cases.models import Case, ChronologyEntry
from escalation.choices import TaskKind, TaskState
from escalation.models import Task
from stepdown import services
from stepdown.choices import StepDownState
from stepdown.models import ReviewItem, ReviewItemEvent, ReviewSet, StepDown
from stepdown.selectors import review_set_report

pytestmark = pytest.mark.django_db


def opened_ago(case, **delta):
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - relativedelta(**delta))
    case.refresh_from_db()
    return case


@pytest.fixture
def drifting(cast, world, south):
    """Both team manager's families open for a year: South at pathway 3 (the step-down family,
    with a parent holding parental responsibility), North at pathway 2 with a key worker."""
    opened_ago(world.south_case, months=12)
    opened_ago(world.north_case, months=12)
    return world


@pytest.fixture
def head_of_service(cast):
    from accounts.choices import Role, TeamKind
    from tests.accounts.factories import TeamFactory, UserFactory

    qa = TeamFactory(name="Quality Assurance", agency=cast.la, kind=TeamKind.QUALITY_ASSURANCE)
    return UserFactory(username="head.of.service", roles=[Role.HEAD_OF_SERVICE], teams=[qa], agency=cast.la)


@pytest.fixture
def east_manager(cast):
    from accounts.choices import Role
    from tests.accounts.factories import TeamFactory, UserFactory

    east = TeamFactory(name="Family Help Team East", agency=cast.la)
    return UserFactory(username="east.manager", roles=[Role.TEAM_MANAGER], teams=[east], agency=cast.la)


@pytest.fixture
def review_set(cast, drifting):
    return services.review_set_create(
        by=cast.team_manager,
        name="North and South, December",
        cases=[drifting.south_case, drifting.north_case],
    )


def item_for(review_set, case) -> ReviewItem:
    return ReviewItem.objects.select_related("case").get(review_set=review_set, case=case)


def step_down_choice(hub, **overrides):
    values = {"route": "referral", "needs": "Routines and school attendance", "receiving_team": hub.team}
    values.update(overrides)
    return services.StepDownChoice(**values)


# --- making a set ---------------------------------------------------------------------------------


def test_a_set_holds_each_case_once_with_its_reasons_and_waits_in_the_makers_tray(cast, review_set, drifting):
    items = list(review_set.items.order_by("pk"))
    assert [item.case for item in items] == [drifting.south_case, drifting.north_case]
    south = items[0]
    assert {reason["code"] for reason in south.reasons} >= {"plan_still", "no_visit", "not_seen_alone"}
    assert all(reason["text"] for reason in south.reasons)
    tasks = Task.objects.filter(kind=TaskKind.REVIEW_OUTCOME, state=TaskState.OPEN)
    assert {(task.user, task.object_id) for task in tasks} == {(cast.team_manager, item.pk) for item in items}
    assert ReviewItemEvent.objects.filter(item=south).count() == 1
    with pytest.raises(ValidationError) as twice:
        services.review_item_add(review_set=review_set, case=drifting.south_case, by=cast.team_manager)
    assert "already in" in str(twice.value)


def test_a_set_needs_a_name_and_cases(cast, drifting):
    with pytest.raises(ValidationError) as refused:
        services.review_set_create(by=cast.team_manager, name=" ", cases=[])
    assert set(refused.value.message_dict) == {"name", "cases"}
    assert not ReviewSet.objects.exists()


def test_only_a_manager_of_the_cases_team_may_put_it_in_a_set(cast, drifting, east_manager, head_of_service):
    for user in (east_manager, head_of_service, cast.social_worker):
        with pytest.raises(ValidationError, match="Only a manager of Family Help Team South"):
            services.review_set_create(by=user, name="Not mine", cases=[drifting.south_case])
    assert not ReviewSet.objects.exists()


def test_nobody_reviews_a_case_they_hold(cast, drifting, review_set):
    from cases.choices import AllocationRole
    from cases.services import case_allocate

    case_allocate(
        case=drifting.south_case, user=cast.team_manager, role=AllocationRole.KEY_WORKER, by=cast.team_manager
    )
    item = item_for(review_set, drifting.south_case)
    with pytest.raises(ValidationError, match="You hold this case"):
        services.review_outcome_record(item=item, by=cast.team_manager, outcome="continue", reason="Fine")
    with pytest.raises(ValidationError, match="You hold this case"):
        services.review_set_create(by=cast.team_manager, name="Mine", cases=[drifting.south_case])


# --- outcomes ---------------------------------------------------------------------------------------


def test_continue_needs_a_reason_and_then_goes_on_the_chronology(cast, review_set, drifting):
    item = item_for(review_set, drifting.north_case)
    with pytest.raises(ValidationError) as refused:
        services.review_outcome_record(item=item, by=cast.team_manager, outcome="continue", reason="  ")
    assert "reason" in refused.value.message_dict
    item = services.review_outcome_record(
        item=item, by=cast.team_manager, outcome="continue", reason="The family help plan is working"
    )
    assert item.outcome == "continue" and item.decided_by == cast.team_manager and item.version == 2
    entry = ChronologyEntry.objects.get(case=drifting.north_case, kind=ChronologyKind.CASE_REVIEWED)
    assert entry.summary == "Case reviewed: continues" and entry.detail == "The family help plan is working"
    task = Task.objects.get(kind=TaskKind.REVIEW_OUTCOME, object_id=item.pk)
    assert task.state == TaskState.DONE
    with pytest.raises(ValidationError, match="already recorded"):
        services.review_outcome_record(item=item, by=cast.team_manager, outcome="close", reason="Now close")


def test_step_down_proposes_through_the_step_down_service_and_waits_for_consent(
    cast, hub, review_set, drifting
):
    item = item_for(review_set, drifting.south_case)
    item = services.review_outcome_record(
        item=item,
        by=cast.team_manager,
        outcome="step_down",
        reason="Early help can meet these needs now",
        step_down=step_down_choice(hub),
    )
    step_down = item.step_down
    assert step_down.state == StepDownState.AWAITING_CONSENT
    assert step_down.proposed_by == cast.team_manager
    assert step_down.rationale == "Early help can meet these needs now" and step_down.consent is None
    assert step_down.events.count() == 1
    drifting.south_case.refresh_from_db()
    assert drifting.south_case.is_open  # no side door: nothing closes without consent and approval
    # The consent gate: nobody can approve it until the family's consent is recorded.
    with pytest.raises(ValidationError) as gate:
        services.stepdown_approve(step_down=step_down, by=hub.other_manager)
    assert "consent" in gate.value.message_dict
    assert Task.objects.filter(
        kind=TaskKind.CONSENT_RECORD, user=cast.team_manager, object_id=step_down.pk, state=TaskState.OPEN
    ).exists()
    entry = ChronologyEntry.objects.get(case=drifting.south_case, kind=ChronologyKind.CASE_REVIEWED)
    assert entry.summary == "Case reviewed: step-down to early help proposed"
    assert step_down.reference in entry.detail


def test_a_step_down_the_service_refuses_records_nothing(cast, hub, review_set, drifting):
    north = item_for(review_set, drifting.north_case)  # pathway 2: already below social care
    with pytest.raises(ValidationError, match="already below social care"):
        services.review_outcome_record(
            item=north,
            by=cast.team_manager,
            outcome="step_down",
            reason="Step down",
            step_down=step_down_choice(hub),
        )
    south = item_for(review_set, drifting.south_case)
    with pytest.raises(ValidationError) as refused:
        services.review_outcome_record(
            item=south,
            by=cast.team_manager,
            outcome="step_down",
            reason="Step down",
            step_down=step_down_choice(hub, needs="", receiving_team=None),
        )
    assert {"needs", "receiving_team"} <= set(refused.value.message_dict)
    assert not StepDown.objects.exists()
    assert not ReviewItem.objects.exclude(outcome="").exists()


def test_close_goes_through_the_case_close_and_needs_its_reason(cast, review_set, drifting):
    item = item_for(review_set, drifting.north_case)
    with pytest.raises(ValidationError) as refused:
        services.review_outcome_record(item=item, by=cast.team_manager, outcome="close", reason="Needs met")
    assert "closure_reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as rc9:
        services.review_outcome_record(
            item=item, by=cast.team_manager, outcome="close", reason="Needs met", closure_reason="RC9"
        )
    assert "closure_reason" in rc9.value.message_dict  # RC9 is a step-down's, with consent
    services.review_outcome_record(
        item=item, by=cast.team_manager, outcome="close", reason="Needs met", closure_reason="RC8"
    )
    drifting.north_case.refresh_from_db()
    assert not drifting.north_case.is_open and drifting.north_case.closure_reason == "RC8"
    summaries = set(
        ChronologyEntry.objects.filter(case=drifting.north_case).values_list("summary", flat=True)
    )
    assert "Case reviewed: closed" in summaries
    assert any(summary.startswith(f"Case {drifting.north_case.reference} closed") for summary in summaries)


def test_escalate_puts_a_decision_in_the_key_worker_s_tray_until_one_is_proposed(cast, review_set, drifting):
    from pathways.choices import Outcome
    from pathways.services import DecisionDetails, decision_propose

    item = item_for(review_set, drifting.north_case)
    services.review_outcome_record(
        item=item, by=cast.team_manager, outcome="escalate", reason="Worries have grown: pathway 3?"
    )
    task = Task.objects.get(kind=TaskKind.DECISION_ASKED, state=TaskState.OPEN)
    assert task.user == cast.fh_worker and task.target == drifting.north_case
    assert task.url == reverse("pathways:decision", args=[drifting.north_case.pk])
    assert "Worries" not in task.summary + task.why  # the tray names the case, not what was said
    assert ChronologyEntry.objects.filter(
        case=drifting.north_case, summary="Case reviewed: escalated for a pathway decision"
    ).exists()
    drifting.north_case.refresh_from_db()
    decision_propose(
        case=drifting.north_case,
        by=cast.fh_worker,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_3,
            rationale="The worries have grown",
            referral_source="1A",
            primary_need="N1",
        ),
    )
    task.refresh_from_db()
    assert task.state == TaskState.DONE


def test_the_set_closes_with_its_last_outcome_and_the_report_counts(cast, hub, review_set, drifting, world):
    south = item_for(review_set, drifting.south_case)
    north = item_for(review_set, drifting.north_case)
    report = review_set_report(review_set.items.select_related("case__team"))
    assert report.total.audited == 2 and report.total.waiting == 2
    services.review_outcome_record(
        item=south,
        by=cast.team_manager,
        outcome="step_down",
        reason="Early help",
        step_down=step_down_choice(hub),
    )
    review_set.refresh_from_db()
    assert review_set.closed_at is None
    services.review_outcome_record(item=north, by=cast.team_manager, outcome="continue", reason="Working")
    review_set.refresh_from_db()
    assert review_set.closed_at is not None
    report = review_set_report(review_set.items.select_related("case__team"))
    assert report.total.as_dict() == {
        "audited": 2,
        "continued": 1,
        "stepped_down": 1,
        "closed": 0,
        "escalated": 0,
        "waiting": 0,
    }
    assert [row.label for row in report.teams] == ["Family Help Team North", "Family Help Team South"]
    assert report.total.stepped_down_share == 50
    with pytest.raises(ValidationError, match="closed"):
        services.review_item_add(review_set=review_set, case=world.school_case, by=cast.team_manager)


# --- the pages ----------------------------------------------------------------------------------------


def test_the_drift_page_lists_cases_with_reasons_and_puts_them_in_a_set(cast, drifting, client_for):
    client = client_for(cast.team_manager)
    page = client.get(reverse("stepdown:drift"))
    assert page.status_code == 200
    html = page.content.decode()
    assert drifting.south_case.reference in html and "Open at pathway 3 for 12 months" in html
    assert f'value="{drifting.south_case.pk}"' in html
    filtered = client.get(
        reverse("stepdown:drift"), {"team": cast.north.pk, "reason": "no_visit"}
    ).content.decode()
    assert drifting.north_case.reference in filtered and drifting.south_case.reference not in filtered
    assert client.get(reverse("stepdown:drift"), {"reason": "nonsense"}).status_code == 400
    bad = client.post(reverse("stepdown:review-set-add"), {"cases": [drifting.south_case.pk]})
    assert bad.status_code == 400
    assert "Name a new review set" in bad.content.decode()
    assert "checked" in bad.content.decode()  # the ticks are kept
    good = client.post(
        reverse("stepdown:review-set-add"), {"cases": [drifting.south_case.pk], "name": "South, December"}
    )
    review_set = ReviewSet.objects.get()
    assert good.status_code == 302 and good.url == review_set.get_absolute_url()
    more = client.post(
        reverse("stepdown:review-set-add"), {"cases": [drifting.north_case.pk], "review_set": review_set.pk}
    )
    assert more.status_code == 302 and review_set.items.count() == 2


def test_the_review_set_page_records_outcomes_and_step_down_lands_on_the_consent(
    cast, hub, review_set, drifting, client_for
):
    client = client_for(cast.team_manager)
    page = client.get(review_set.get_absolute_url()).content.decode()
    assert drifting.south_case.reference in page and "Record the outcome" in page
    assert 'id="review-report"' in page
    south = item_for(review_set, drifting.south_case)
    url = reverse("stepdown:review-outcome", args=[review_set.pk, drifting.south_case.pk])
    prefix = f"item-{south.pk}"
    bad = client.post(url, {f"{prefix}-outcome": "continue", f"{prefix}-reason": "", f"{prefix}-version": 1})
    assert bad.status_code == 400 and "Give the reason for the outcome." in bad.content.decode()
    done = client.post(
        url,
        {
            f"{prefix}-outcome": "step_down",
            f"{prefix}-reason": "Early help can meet the needs",
            f"{prefix}-route": "referral",
            f"{prefix}-needs": "Routines",
            f"{prefix}-receiving_team": hub.team.pk,
            f"{prefix}-version": 1,
        },
    )
    step_down = StepDown.objects.get()
    assert done.status_code == 302 and done.url == step_down.get_absolute_url()
    landed = client.get(done.url).content.decode()
    assert "Waiting for the family&#x27;s consent" in landed or "Waiting for the family's consent" in landed
    assert reverse("stepdown:consents", args=[step_down.family_id]) in landed
    north = item_for(review_set, drifting.north_case)
    closed = client.post(
        reverse("stepdown:review-outcome", args=[review_set.pk, drifting.north_case.pk]),
        {
            f"item-{north.pk}-outcome": "close",
            f"item-{north.pk}-reason": "Needs met",
            f"item-{north.pk}-closure_reason": "RC8",
            f"item-{north.pk}-version": 1,
        },
    )
    assert closed.status_code == 302
    assert client.get(reverse("stepdown:review-sets")).status_code == 200


def test_escalate_on_the_page_lands_on_the_decision(cast, review_set, drifting, client_for):
    client = client_for(cast.team_manager)
    north = item_for(review_set, drifting.north_case)
    response = client.post(
        reverse("stepdown:review-outcome", args=[review_set.pk, drifting.north_case.pk]),
        {
            f"item-{north.pk}-outcome": "escalate",
            f"item-{north.pk}-reason": "Needs a decision",
            f"item-{north.pk}-version": 1,
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("pathways:decision", args=[drifting.north_case.pk])


def test_who_may_use_the_pages(cast, review_set, drifting, client_for, head_of_service, east_manager):
    drift_url = reverse("stepdown:drift")
    set_url = review_set.get_absolute_url()
    outcome_url = reverse("stepdown:review-outcome", args=[review_set.pk, drifting.south_case.pk])
    # A head of service reads every team's drift and every set, and records nothing.
    head = client_for(head_of_service)
    html = head.get(drift_url).content.decode()
    assert drifting.south_case.reference in html and 'name="cases"' not in html
    page = head.get(set_url)
    assert page.status_code == 200 and "Record the outcome" not in page.content.decode()
    assert head.post(outcome_url, {}).status_code == 403
    # A manager of another team sees neither their drift nor their set.
    east = client_for(east_manager)
    assert drifting.south_case.reference not in east.get(drift_url).content.decode()
    assert east.get(set_url).status_code == 404
    assert east.post(outcome_url, {}).status_code == 404
    for user in (
        cast.social_worker,
        cast.fh_worker,
        cast.ecpp,
        cast.mash_manager,
        cast.school_dsl,
        cast.auditor,
    ):
        client = client_for(user)
        assert client.get(drift_url).status_code == 403, user
        assert client.get(set_url).status_code == 403, user
        assert client.post(outcome_url, {}).status_code == 403, user


def test_demo_drift_makes_drifting_cases_and_a_set_of_three(cast, world, hub, south, settings):
    from demo.drift import seed_drift
    from stepdown.drift import drifting_cases

    for case in (world.north_case, world.south_case, world.school_case):
        opened_ago(case, months=3)  # the demo's cases were opened long ago
    users = {
        "team.manager": cast.team_manager,
        "social.worker": cast.social_worker,
        "fh.worker": cast.fh_worker,
    }
    teams = {
        "Family Help Team North": cast.north,
        "Family Help Team South": cast.south,
        "Early Help Hub": hub.team,
    }
    seed_drift(users, teams)
    rows = drifting_cases(cast.team_manager)
    assert len(rows) >= 3
    review_set = ReviewSet.objects.get(created_by=cast.team_manager)
    outcomes = sorted(item.outcome for item in review_set.items.all())
    assert outcomes == ["", "continue", "step_down"]
    step_down = review_set.items.get(outcome="step_down").step_down
    assert step_down.state == StepDownState.AWAITING_CONSENT
    assert review_set.items.get(outcome="").reasons
    assert timezone.now() - review_set.created_at < timedelta(minutes=5)


def test_the_outcome_waits_in_the_makers_tray(cast, review_set, drifting, client_for):
    home = client_for(cast.team_manager).get(reverse("home")).content.decode()
    assert f"Record the review outcome for case {drifting.south_case.reference}" in home


def test_page_query_budgets_do_not_grow_with_the_cases(
    cast, drifting, client_for, django_assert_max_num_queries
):
    client = client_for(cast.team_manager)
    review_set = services.review_set_create(by=cast.team_manager, name="One", cases=[drifting.south_case])
    with django_assert_max_num_queries(30) as drift_page:
        assert client.get(reverse("stepdown:drift")).status_code == 200
    with django_assert_max_num_queries(30) as set_page:
        assert client.get(review_set.get_absolute_url()).status_code == 200
    services.review_item_add(review_set=review_set, case=drifting.north_case, by=cast.team_manager)
    services.review_item_add(review_set=review_set, case=drifting.school_case, by=cast.team_manager)
    opened_ago(drifting.school_case, months=12)
    with django_assert_max_num_queries(len(drift_page.captured_queries)):
        client.get(reverse("stepdown:drift"))
    with django_assert_max_num_queries(len(set_page.captured_queries)):
        client.get(review_set.get_absolute_url())


def test_demo_drift_gives_cases_that_do_not_drift_yet_an_overdue_action(cast, world, hub, south):
    from assessments.services import conversation_record
    from demo.drift import seed_drift
    from stepdown.drift import drift_for

    children = {world.north_case: world.north_child, world.south_case: world.south_child}
    for case in (world.north_case, world.south_case, world.school_case):
        opened_ago(case, months=3)
        child = children.get(case) or case.family.members.get(memberships__role="child")
        conversation_record(
            family=case.family,
            case=case,
            by=cast.social_worker,
            kind="home_visit",
            occurred_at=timezone.now() - timedelta(days=1),
            discussed="Visit",
            children_seen=[child],
            children_seen_alone=[child],
        )
    assert drift_for(Case.objects.all()) == []
    users = {"team.manager": cast.team_manager, "social.worker": cast.social_worker}
    review_set = seed_drift(users, {"Early Help Hub": hub.team})
    rows = drift_for(Case.objects.filter(pk__in=review_set.items.values("case_id")))
    assert len(rows) == 3
    assert all(row.codes == ["actions_overdue"] for row in rows), [row.reasons for row in rows]
    assert review_set.items.filter(outcome="step_down", case=world.south_case).exists()


def test_the_reviewers_home_page_leads_to_the_drift_review_and_their_sets_waiting(
    cast, review_set, client_for
):
    home = client_for(cast.team_manager).get(reverse("home")).content.decode()
    assert reverse("stepdown:drift") in home
    assert review_set.name in home and "2 cases waiting for an outcome" in home
    for user in (cast.social_worker, cast.fh_worker, cast.school_dsl, cast.auditor):
        assert reverse("stepdown:drift") not in client_for(user).get(reverse("home")).content.decode()


def test_a_case_closed_while_it_waits_counts_as_closed_and_leaves_no_task(cast, review_set, drifting):
    from cases.services import case_close

    other = services.review_set_create(by=cast.team_manager, name="Second look", cases=[drifting.north_case])
    # Closed through one set's outcome: its item in the other set ends too, and that set closes.
    services.review_outcome_record(
        item=item_for(review_set, drifting.north_case),
        by=cast.team_manager,
        outcome="close",
        reason="Needs met",
        closure_reason="RC8",
    )
    decided = item_for(review_set, drifting.north_case)
    assert decided.outcome == "close"
    assert not decided.events.filter(summary="Outcome: closed while waiting for review").exists()
    ended = item_for(other, drifting.north_case)
    assert ended.outcome == "close" and ended.outcome_reason.startswith("The case closed while it waited")
    other.refresh_from_db()
    assert other.closed_at is not None
    assert not Task.objects.filter(
        kind=TaskKind.REVIEW_OUTCOME, state=TaskState.OPEN, object_id=ended.pk
    ).exists()
    # Closed outside any review: the same.
    case_close(case=drifting.south_case, by=cast.team_manager, reason="RC8")
    review_set.refresh_from_db()
    assert item_for(review_set, drifting.south_case).outcome == "close" and review_set.closed_at is not None
    assert not Task.objects.filter(kind=TaskKind.REVIEW_OUTCOME, state=TaskState.OPEN).exists()


def test_a_manager_who_works_on_the_case_as_its_ecpp_or_co_worker_does_not_review_it(
    cast, review_set, drifting
):
    from cases.choices import AllocationRole
    from cases.services import case_allocate

    case = drifting.north_case
    case_allocate(case=case, user=cast.team_manager, role=AllocationRole.CO_WORKER, by=cast.team_manager)
    case.refresh_from_db()
    from stepdown.permissions import review_refusal

    assert review_refusal(cast.team_manager, case) == "You hold this case: another manager must review it."
    with pytest.raises(ValidationError, match="You hold this case"):
        services.review_outcome_record(
            item=item_for(review_set, case), by=cast.team_manager, outcome="continue", reason="Fine"
        )


def test_a_head_of_service_reads_the_drift_but_records_no_outcome(
    cast, review_set, drifting, head_of_service
):
    from cases.models import Case
    from stepdown.permissions import review_refusal, reviewable_cases_for

    head_of_service.teams.add(drifting.north_case.team)  # even a member of the case's team
    assert not reviewable_cases_for(head_of_service).exists()
    assert review_refusal(head_of_service, Case.objects.get(pk=drifting.north_case.pk))


def test_confirming_a_waiting_proposal_answers_an_escalation(cast, review_set, drifting):
    from pathways.choices import Outcome
    from pathways.services import DecisionDetails, decision_confirm, decision_propose

    case = drifting.north_case
    proposal = decision_propose(
        case=case,
        by=cast.fh_worker,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_3, rationale="Worries grow", referral_source="1A", primary_need="N1"
        ),
    )
    services.review_outcome_record(
        item=item_for(review_set, case), by=cast.team_manager, outcome="escalate", reason="Needs a decision"
    )
    task = Task.objects.get(kind=TaskKind.DECISION_ASKED, state=TaskState.OPEN)
    decision_confirm(decision=proposal, by=cast.social_worker)
    task.refresh_from_db()
    assert task.state == TaskState.DONE


def test_the_set_lists_count_only_the_cases_the_reader_may_see(cast, review_set, drifting, head_of_service):
    from audit.services import restriction_mark
    from stepdown.selectors import review_sets_listed

    (listed,) = review_sets_listed(head_of_service)
    assert (listed.audited, listed.waiting) == (2, 2)
    restriction_mark(
        by=cast.team_manager,
        family=drifting.north_case.family,
        category="high_profile",
        reason="In the news.",
    )
    (listed,) = review_sets_listed(head_of_service)
    assert (listed.audited, listed.waiting) == (1, 1)
