"""Case supervision (issue 18, 1): a manager of the case's team records supervision with a
practitioner allocated to the case; it goes on the chronology as "Case supervised on <date>" and
no more, meets the SUPERVISION clock and starts the next by pathway, puts its actions in their
owners' trays, and the practitioner may reflect but never edit the manager's words."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pgtrigger
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import ProgrammingError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from cases.choices import AllocationRole, ChronologyKind, ClosureReason
from cases.models import Case, ChronologyEntry
from cases.permissions import chronology_visible_to
from cases.services import case_allocate, case_close
from escalation.breaches import holders
from escalation.calendar import end_of_working_day
from escalation.choices import ClockKind, ClockState, TaskKind, TaskState
from escalation.models import Clock, Task
from escalation.selectors import open_clock
from pathways import selectors, services
from pathways.models import Supervision, SupervisionReflection
from pathways.services import SupervisionActionDetails
from tests.accounts.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

HELD = date(2026, 12, 3)


@dataclass
class Oversight:
    case: Any  # world.south_case: pathway 3, Family Help Team South; social worker holds it
    child: Any
    manager: Any  # the team manager, who manages South
    other_manager: Any  # manages another team
    head: Any  # head of service
    co_worker: Any  # South's family help worker, co-working the case


def _opened_long_ago(case, days=90):
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(days=days))
    case.refresh_from_db()
    return case


@pytest.fixture
def oversight(cast, world) -> Oversight:
    cast.south.manager = cast.team_manager
    cast.south.save()
    case = world.south_case
    case_allocate(case=case, user=cast.social_worker, role=AllocationRole.KEY_WORKER, by=cast.team_manager)
    case_allocate(case=case, user=cast.fh_worker_south, role=AllocationRole.CO_WORKER, by=cast.team_manager)
    east = TeamFactory(name="Family Help Team East", agency=cast.la)
    other = UserFactory(username="east.manager", roles=[Role.TEAM_MANAGER], teams=[east], agency=cast.la)
    east.manager = other
    east.save()
    head = UserFactory(username="head.of.service", roles=[Role.HEAD_OF_SERVICE], agency=cast.la)
    case = _opened_long_ago(Case.objects.get(pk=case.pk))
    return Oversight(case, world.south_child, cast.team_manager, other, head, cast.fh_worker_south)


def record(o: Oversight, *, by=None, practitioner=None, held_on=HELD, actions=(), **extra):
    values = {
        "children": [o.child],
        "what_changed": "Mum has started the parenting course.",
        "child_voice": "Sol drew his three houses: the worry house is about shouting at night.",
        "plan_progress": "School attendance is up to 91%.",
        "discussion": "Whether the home conditions have improved enough.",
        "direction": "Visit unannounced within two weeks; keep the plan at pathway 3.",
    } | extra
    return services.supervision_record(
        case=o.case,
        by=by or o.manager,
        practitioner=practitioner or o.case.key_worker,
        held_on=held_on,
        actions=actions,
        **values,
    )


def _due_tasks(case):
    return Task.objects.filter(
        kind=TaskKind.SUPERVISION_DUE, content_type=ContentType.objects.get_for_model(Case), object_id=case.pk
    )


def _stop_clocks(case):
    """As if the case had been open before supervision was recorded."""
    _due_tasks(case).update(state=TaskState.CANCELLED)
    Clock.objects.filter(kind=ClockKind.SUPERVISION, object_id=case.pk).update(state=ClockState.CANCELLED)


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


# --- who may record -----------------------------------------------------------------------------


def test_a_manager_of_the_cases_team_records_supervision_on_the_chronology_as_one_line(oversight, cast):
    supervision = record(oversight)
    assert supervision.manager == cast.team_manager
    assert supervision.practitioner == cast.social_worker
    assert list(supervision.children.all()) == [oversight.child]
    entry = ChronologyEntry.objects.get(case=oversight.case, kind=ChronologyKind.SUPERVISION)
    assert entry.summary == "Case supervised on 3 December 2026"
    assert entry.detail == ""
    assert entry.author == cast.team_manager


def test_a_partner_sees_the_chronology_line_and_none_of_what_was_said(oversight, cast, world, client_for):
    from cases.services import involvement_add

    involvement_add(
        family=oversight.case.family, user=cast.school_dsl, role_description="DSL", by=cast.team_manager
    )
    record(oversight)
    entries = chronology_visible_to(cast.school_dsl).filter(
        case=oversight.case, kind=ChronologyKind.SUPERVISION
    )
    assert [entry.summary for entry in entries] == ["Case supervised on 3 December 2026"]
    assert Supervision.objects.restrict(cast.school_dsl).count() == 0
    client = client_for(cast.school_dsl)
    case_page = client.get(reverse("cases:case-detail", args=[oversight.case.pk])).content.decode()
    assert "three houses" not in case_page and "unannounced" not in case_page
    assert client.get(reverse("pathways:supervisions", args=[oversight.case.pk])).status_code == 403
    supervision = Supervision.objects.get()
    assert client.get(reverse("pathways:supervision", args=[supervision.pk])).status_code == 404


def test_only_a_team_manager_records_supervision(oversight, cast):
    for user in (cast.fh_worker, cast.ecpp, cast.mash_manager, cast.auditor, oversight.head):
        with pytest.raises(ValidationError) as excinfo:
            record(oversight, by=user)
        assert excinfo.value.code == "not_entitled", user


def test_a_manager_of_another_team_may_not_supervise_the_case(oversight):
    with pytest.raises(ValidationError, match="Only a manager of Family Help Team South"):
        record(oversight, by=oversight.other_manager)


def test_nobody_supervises_a_case_they_hold(oversight, cast):
    case_allocate(
        case=oversight.case, user=cast.team_manager, role=AllocationRole.CO_WORKER, by=cast.team_manager
    )
    oversight.case.refresh_from_db()
    with pytest.raises(ValidationError, match="You hold this case yourself"):
        record(oversight)


def test_the_practitioner_is_someone_allocated_to_the_case_and_never_the_manager(oversight, cast):
    with pytest.raises(ValidationError) as excinfo:
        record(oversight, practitioner=cast.fh_worker)
    assert "is not allocated to this case" in _errors(excinfo)["practitioner"][0]
    with pytest.raises(ValidationError) as excinfo:
        record(oversight, practitioner=cast.team_manager)
    assert "yourself" in _errors(excinfo)["practitioner"][0]
    # A co-worker may be supervised on the case as well as its key worker.
    assert record(oversight, practitioner=oversight.co_worker).practitioner == oversight.co_worker


def test_what_a_supervision_must_say(oversight, cast, world):
    with pytest.raises(ValidationError) as excinfo:
        record(
            oversight,
            held_on=timezone.localdate() + timedelta(days=1),
            children=[world.north_child],
            discussion=" ",
            direction="",
            actions=[SupervisionActionDetails(what="", owner=cast.school_dsl, by_when=None)],
        )
    errors = _errors(excinfo)
    assert errors["held_on"] == ["A supervision cannot be in the future: enter the date it was held."]
    assert errors["children"] == [f"Person P{world.north_child.pk} is not a child of this family."]
    assert errors["discussion"] == ["Record what was discussed."]
    assert errors["direction"] == ["Record the management direction: what is to happen next."]
    assert errors["actions.1.what"] == ["Say what will be done."]
    assert "cannot open this case" in errors["actions.1.owner"][0]
    assert errors["actions.1.by_when"] == ["Say by when."]
    assert not Supervision.objects.exists()


def test_no_children_named_means_all_the_familys_children(oversight):
    supervision = record(oversight, children=[])
    assert list(supervision.children.all()) == [oversight.child]


def test_a_supervision_cannot_go_before_the_last_one(oversight):
    record(oversight)
    with pytest.raises(ValidationError) as excinfo:
        record(oversight, held_on=HELD - timedelta(days=1))
    assert "last supervised on 3 December 2026" in _errors(excinfo)["held_on"][0]


# --- the clock and the trays --------------------------------------------------------------------


def test_the_case_is_timed_for_supervision_from_when_it_came_into_pathway_3(oversight, cast):
    clock = open_clock(oversight.case, ClockKind.SUPERVISION)
    assert clock is not None and clock.pathway == 3
    assert holders(clock) == [cast.team_manager]  # the team's manager, who answers for it
    # Before the first supervision the clock alone times it (the overdue list, the sweep's reminder).
    assert not _due_tasks(oversight.case).exists()


def test_supervision_meets_the_clock_and_starts_the_next_by_pathway(oversight, cast):
    first = open_clock(oversight.case, ClockKind.SUPERVISION)
    record(oversight)
    first.refresh_from_db()
    assert first.state == ClockState.MET
    following = open_clock(oversight.case, ClockKind.SUPERVISION)
    assert following.pk != first.pk
    assert following.due_at == end_of_working_day(HELD + timedelta(weeks=4))  # pathway 3: 4 weeks
    due = _due_tasks(oversight.case).get(state=TaskState.OPEN)
    assert due.clock == following and due.user == cast.team_manager
    assert due.summary == f"Supervise case {oversight.case.reference}"
    record(oversight, held_on=HELD + timedelta(days=1))
    due.refresh_from_db()
    assert due.state == TaskState.DONE and due.closed_by == cast.team_manager
    assert _due_tasks(oversight.case).get(state=TaskState.OPEN).clock == open_clock(
        oversight.case, ClockKind.SUPERVISION
    )


def test_a_pathway_2_case_is_supervised_every_8_weeks(cast, world, settings):
    cast.north.manager = cast.team_manager
    cast.north.save()
    case = _opened_long_ago(world.north_case)
    services.supervision_record(
        case=case,
        by=cast.team_manager,
        practitioner=cast.fh_worker,
        held_on=HELD,
        discussion="Routines",
        direction="Carry on",
    )
    clock = open_clock(case, ClockKind.SUPERVISION)
    assert clock.due_at == end_of_working_day(HELD + timedelta(weeks=8))


def test_a_pathway_not_in_the_setting_has_no_supervision_clock(cast, world, settings):
    settings.SUPERVISION_WEEKS = {3: 4, 4: 4}
    case = _opened_long_ago(world.north_case)
    _stop_clocks(case)
    services.supervision_record(
        case=case,
        by=cast.team_manager,
        practitioner=cast.fh_worker,
        held_on=HELD,
        discussion="Routines",
        direction="Carry on",
    )
    assert open_clock(case, ClockKind.SUPERVISION) is None


def test_supervision_after_it_was_due_says_why(oversight):
    Clock.objects.filter(kind=ClockKind.SUPERVISION, object_id=oversight.case.pk).update(
        started_at=timezone.now() - timedelta(days=70), due_at=timezone.now() - timedelta(days=40)
    )
    with pytest.raises(ValidationError) as excinfo:
        record(oversight, held_on=timezone.localdate())
    assert "say why it is late" in _errors(excinfo)["late_reason"][0]
    record(oversight, held_on=timezone.localdate(), late_reason="The manager was off sick.")
    met = Clock.objects.get(kind=ClockKind.SUPERVISION, state=ClockState.MET)
    assert met.late_reason == "The manager was off sick."


def test_actions_go_in_their_owners_trays_until_done(oversight, cast):
    supervision = record(
        oversight,
        actions=[
            SupervisionActionDetails(
                what="Unannounced visit", owner=cast.social_worker, by_when=HELD + timedelta(14)
            ),
            SupervisionActionDetails(
                what="Ask school for attendance", owner=oversight.co_worker, by_when=HELD + timedelta(7)
            ),
        ],
    )
    visit, school = sorted(supervision.actions.all(), key=lambda action: action.what, reverse=True)
    task = Task.objects.get(kind=TaskKind.SUPERVISION_ACTION, object_id=visit.pk, state=TaskState.OPEN)
    assert task.user == cast.social_worker
    assert task.due_at == end_of_working_day(HELD + timedelta(14))
    services.supervision_action_done(action=visit, by=cast.social_worker, expected_version=visit.version)
    task.refresh_from_db()
    assert task.state == TaskState.DONE
    visit.refresh_from_db()
    assert visit.done_by == cast.social_worker and visit.version == 2
    with pytest.raises(ValidationError, match="marked done"):
        services.supervision_action_done(action=visit, by=cast.social_worker)
    # Nobody else may, whichever way they reach the service.
    with pytest.raises(ValidationError, match="Only the action's owner or a manager"):
        services.supervision_action_done(action=school, by=cast.fh_worker)
    # The manager may mark the co-worker's action done too.
    services.supervision_action_done(action=school, by=cast.team_manager)
    assert not Task.objects.filter(kind=TaskKind.SUPERVISION_ACTION, state=TaskState.OPEN).exists()


def test_a_closed_case_leaves_no_supervision_waiting(oversight, cast):
    record(
        oversight,
        actions=[
            SupervisionActionDetails(what="Visit", owner=cast.social_worker, by_when=HELD + timedelta(7))
        ],
    )
    case_close(case=oversight.case, reason=ClosureReason.RC1, by=cast.team_manager)
    assert open_clock(oversight.case, ClockKind.SUPERVISION) is None
    assert not _due_tasks(oversight.case).filter(state=TaskState.OPEN).exists()
    assert not Task.objects.filter(kind=TaskKind.SUPERVISION_ACTION, state=TaskState.OPEN).exists()


def test_a_pathway_change_retimes_the_supervision_clock(oversight, cast):
    from pathways.choices import Outcome
    from pathways.services import DecisionDetails, decision_record

    record(oversight)
    decision_record(
        case=oversight.case,
        by=cast.ecpp,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_2, rationale="Needs met at family help.", step_down=True
        ),
    )
    clock = open_clock(oversight.case, ClockKind.SUPERVISION)
    assert clock.pathway == 2
    assert clock.due_at == end_of_working_day(HELD + timedelta(weeks=8))


def test_the_backfill_times_open_cases_without_a_clock(oversight):
    record(oversight)
    _stop_clocks(oversight.case)
    services.supervision_clocks_backfill()
    services.supervision_clocks_backfill()
    running = Clock.objects.filter(
        kind=ClockKind.SUPERVISION, object_id=oversight.case.pk, state=ClockState.RUNNING
    )
    assert running.count() == 1
    assert _due_tasks(oversight.case).filter(state=TaskState.OPEN).count() == 1


# --- reflections: the practitioner's own words ----------------------------------------------------


def test_only_the_practitioner_supervised_reflects(oversight, cast):
    supervision = record(oversight)
    with pytest.raises(ValidationError, match="Only the practitioner supervised"):
        services.supervision_reflect(supervision=supervision, by=cast.team_manager, text="Agreed")
    with pytest.raises(ValidationError) as excinfo:
        services.supervision_reflect(supervision=supervision, by=cast.social_worker, text="  ")
    assert _errors(excinfo) == {"text": ["Write your reflection."]}
    reflection = services.supervision_reflect(
        supervision=supervision, by=cast.social_worker, text="I will plan the visit with the school."
    )
    assert reflection.by == cast.social_worker
    supervision.refresh_from_db()
    assert supervision.direction.startswith("Visit unannounced")


def test_the_database_refuses_to_change_the_managers_words(oversight, cast):
    supervision = record(oversight)
    reflection = services.supervision_reflect(supervision=supervision, by=cast.social_worker, text="Noted")
    for change in (
        lambda: Supervision.objects.filter(pk=supervision.pk).update(direction="Changed"),
        lambda: connection.cursor().execute(
            "DELETE FROM pathways_supervision WHERE id = %s", [supervision.pk]
        ),
        lambda: SupervisionReflection.objects.filter(pk=reflection.pk).update(text="Changed"),
    ):
        with pytest.raises(ProgrammingError, match="pgtrigger"), transaction.atomic():
            change()
    assert Supervision.objects.get().direction.startswith("Visit unannounced")
    assert pgtrigger  # the triggers are pgtrigger.Protect


# --- the manager's dashboard -----------------------------------------------------------------------


def _overdue(case):
    Clock.objects.filter(kind=ClockKind.SUPERVISION, object_id=case.pk).update(
        started_at=timezone.now() - timedelta(days=40), due_at=timezone.now() - timedelta(days=2)
    )


def test_a_case_overdue_for_supervision_shows_on_the_managers_home_and_list(oversight, cast, client_for):
    assert oversight.case not in selectors.cases_overdue_for_supervision(cast.team_manager)
    _overdue(oversight.case)
    assert list(selectors.cases_overdue_for_supervision(cast.team_manager)) == [oversight.case]
    assert list(selectors.cases_overdue_for_supervision(oversight.other_manager)) == []
    client = client_for(cast.team_manager)
    home = client.get(reverse("home")).content.decode()
    assert "Cases overdue for supervision" in home and oversight.case.reference in home
    listing = client.get(reverse("pathways:supervisions-overdue"))
    assert listing.status_code == 200 and oversight.case.reference in listing.content.decode()
    assert client_for(cast.fh_worker).get(reverse("pathways:supervisions-overdue")).status_code == 403
    # A head of service reads every team's.
    across = client_for(oversight.head).get(reverse("pathways:supervisions-overdue"))
    assert across.status_code == 200 and oversight.case.reference in across.content.decode()


def test_a_case_overdue_for_supervision_shows_on_the_managers_dashboard(
    oversight, cast, client_for, settings
):
    settings.DASHBOARD_CACHE_SECONDS = 0
    _overdue(oversight.case)
    page = client_for(cast.team_manager).get(reverse("returns:dashboard"), {"team": cast.south.pk})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Cases overdue for supervision" in text
    assert selectors.supervision_overdue_by_team([cast.south.pk]) == {cast.south.pk: 1}


def test_the_overdue_list_costs_the_same_queries_for_more_cases(
    oversight, cast, client_for, django_assert_max_num_queries
):
    _overdue(oversight.case)
    client = client_for(cast.team_manager)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("pathways:supervisions-overdue"))
    from tests.fixtures import _family_with_case

    for n in range(3):
        case, _ = _family_with_case(
            cast, name=f"Extra{n}", team=cast.south, pathway=2, child_name=f"Kit Extra{n}"
        )
        case_allocate(
            case=case, user=cast.fh_worker_south, role=AllocationRole.KEY_WORKER, by=cast.team_manager
        )
        services.supervision_clock_follow(case=case, by=None)
        _overdue(case)
    with CaptureQueriesContext(connection) as four:
        client.get(reverse("pathways:supervisions-overdue"))
    assert len(four) == len(one)
    assert len(selectors.cases_overdue_for_supervision(cast.team_manager)) == 4
