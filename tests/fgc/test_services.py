"""The referral's journey through its services: the consent gate, the state machine and its history,
the tray and the clock, the coordinator's involvement, and the family's plan in the case's plan."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.choices import ChronologyKind
from cases.models import ChronologyEntry, Involvement
from cases.permissions import cases_visible_to
from escalation.choices import ClockKind, ClockState, TaskKind, TaskState
from escalation.models import Clock, Task
from fgc import services
from fgc.choices import FGC_TRANSITIONS, FgcState
from fgc.models import FgcEvent, FgcReferral
from pathways.choices import ActionSource
from pathways.models import PlanAction

pytestmark = pytest.mark.django_db


def _tasks(referral, kind):
    from django.contrib.contenttypes.models import ContentType

    return Task.objects.filter(
        kind=kind, content_type=ContentType.objects.get_for_model(FgcReferral), object_id=referral.pk
    )


def _clock(referral):
    from django.contrib.contenttypes.models import ContentType

    return Clock.objects.get(
        kind=ClockKind.FGC_CONFERENCE,
        content_type=ContentType.objects.get_for_model(FgcReferral),
        object_id=referral.pk,
    )


# --- the consent gate ---------------------------------------------------------------------------


def _refuse(refer, **kwargs):
    with pytest.raises(ValidationError) as refused:
        refer(**kwargs)
    assert "consent" in refused.value.message_dict
    message = refused.value.message_dict["consent"][0]
    assert "record their consent" in message and "/consents/" in message
    assert not FgcReferral.objects.exists()
    return message


def test_without_consent_the_referral_is_refused_with_a_pointer_to_the_consents_page(cast, south):
    with pytest.raises(ValidationError) as refused:
        services.fgc_referral_make(
            case=south.case, by=cast.social_worker, consent=None, children=[south.child], reason="Help"
        )
    message = refused.value.message_dict["consent"][0]
    assert f"/families/{south.family.pk}/consents/" in message
    assert not FgcReferral.objects.exists()


def test_withdrawn_consent_is_refused(cast, refer, consent_to):
    from stepdown.services import consent_withdraw

    consent = consent_to()
    consent_withdraw(
        consent=consent, by=cast.social_worker, withdrawn_on=timezone.localdate(), note="Mum said no"
    )
    assert "withdrawn" in _refuse(refer, consent=consent)


def test_consent_to_something_else_is_refused(refer, consent_to):
    consent = consent_to(family_group_conference=False, early_help=True)
    assert "does not cover a family group conference" in _refuse(refer, consent=consent)


def test_another_family_s_consent_is_refused(cast, world, south, refer):
    from cases.choices import RelationshipKind
    from cases.models import FamilyMember
    from cases.services import relationship_record
    from stepdown.services import consent_record

    north = world.north_case.family
    members = {m.role: m.person for m in FamilyMember.objects.filter(family=north)}
    relationship_record(
        family=north,
        person=members["parent_carer"],
        relative=members["child"],
        kind=RelationshipKind.MOTHER,
        by=cast.social_worker,
        has_parental_responsibility=True,
    )
    theirs = consent_record(
        family=north,
        by=cast.social_worker,
        given_by=members["parent_carer"],
        method="verbal",
        recorded_where="Phone call",
        given_on=timezone.localdate(),
        family_group_conference=True,
    )
    assert "this family" in _refuse(refer, consent=theirs)


def test_with_consent_the_referral_is_made_with_its_history_tray_task_and_clock(cast, south, service, refer):
    referral = refer()
    assert referral.state == FgcState.REFERRED and referral.service == service.team
    assert list(referral.children.all()) == [south.child]
    assert [e.state for e in FgcEvent.objects.filter(referral=referral)] == [FgcState.REFERRED]
    entry = ChronologyEntry.objects.get(kind=ChronologyKind.FGC_REFERRAL, case=south.case)
    assert referral.reference in entry.summary and referral.consent.reference in entry.summary
    task = _tasks(referral, TaskKind.FGC_REFERRAL).get()
    assert task.team == service.team and task.state == TaskState.OPEN and task.user is None
    clock = _clock(referral)
    assert clock.state == ClockState.RUNNING and task.clock == clock


def test_one_open_referral_per_case(refer):
    refer()
    with pytest.raises(ValidationError) as refused:
        refer()
    assert "one at a time" in str(refused.value)


def test_the_children_must_be_the_case_s(cast, world, south, consent_to):
    with pytest.raises(ValidationError) as refused:
        services.fgc_referral_make(
            case=south.case,
            by=cast.social_worker,
            consent=consent_to(),
            children=[world.north_child],
            reason="x",
        )
    assert "children" in refused.value.message_dict


def test_without_a_service_team_the_referral_says_so(cast, south, consent_to):
    from accounts.models import Team

    Team.objects.filter(kind="family_group_conference").update(kind="quality_assurance")
    with pytest.raises(ValidationError, match="no family group conference service team"):
        services.fgc_referral_make(
            case=south.case, by=cast.social_worker, consent=consent_to(), children=[south.child], reason="x"
        )


# --- accept and decline -------------------------------------------------------------------------


def test_accepting_makes_the_coordinator_involved_and_closes_the_team_task(south, service, refer):
    referral = refer()
    assert not cases_visible_to(service.coordinator).filter(pk=south.case.pk).exists()
    referral = services.fgc_referral_accept(referral=referral, by=service.coordinator)
    assert referral.state == FgcState.ACCEPTED and referral.coordinator == service.coordinator
    assert referral.involvement.user == service.coordinator and referral.involvement.ended_at is None
    assert cases_visible_to(service.coordinator).filter(pk=south.case.pk).exists()
    assert not cases_visible_to(service.other_coordinator).filter(pk=south.case.pk).exists()
    assert _tasks(referral, TaskKind.FGC_REFERRAL).get().state == TaskState.DONE
    assert _clock(referral).state == ClockState.RUNNING  # until the conference


def test_only_a_coordinator_of_the_service_accepts(cast, service, refer):
    referral = refer()
    for user in (service.stranger, cast.team_manager):
        with pytest.raises(ValidationError):
            services.fgc_referral_accept(referral=referral, by=user)
    referral.refresh_from_db()
    assert referral.state == FgcState.REFERRED


def test_declining_needs_a_reason_and_ends_the_wait(service, refer):
    referral = refer()
    with pytest.raises(ValidationError) as refused:
        services.fgc_referral_decline(referral=referral, by=service.coordinator, reason=" ")
    assert "reason" in refused.value.message_dict
    referral = services.fgc_referral_decline(
        referral=referral, by=service.coordinator, reason="Already in court"
    )
    assert referral.state == FgcState.DECLINED and referral.closed_at
    assert _clock(referral).state == ClockState.CANCELLED
    assert not _tasks(referral, TaskKind.FGC_REFERRAL).filter(state=TaskState.OPEN).exists()
    assert ChronologyEntry.objects.filter(
        kind=ChronologyKind.FGC_REFERRAL, summary__contains="declined"
    ).exists()


# --- conference, plan, review, close ------------------------------------------------------------


def test_the_conference_meets_the_clock_and_goes_on_the_chronology(south, conference_held):
    assert conference_held.state == FgcState.CONFERENCE_HELD
    conference = conference_held.conferences.get()
    assert conference.family_private_time and conference.attendee_count == 4
    assert _clock(conference_held).state == ClockState.MET
    entry = ChronologyEntry.objects.get(kind=ChronologyKind.FGC_CONFERENCE, case=south.case)
    assert "private time" in entry.detail


def test_a_conference_needs_who_came_and_the_private_time_answer(service, accepted):
    with pytest.raises(ValidationError) as refused:
        services.fgc_conference_record(
            referral=accepted,
            by=service.coordinator,
            held_on=timezone.localdate() + timedelta(days=1),
            attendees="",
            attendee_count=0,
            family_private_time=None,
        )
    assert set(refused.value.message_dict) == {
        "held_on",
        "attendees",
        "attendee_count",
        "family_private_time",
    }


def test_only_the_coordinator_records_the_conference(service, accepted):
    with pytest.raises(ValidationError, match="coordinator"):
        services.fgc_conference_record(
            referral=accepted,
            by=service.other_coordinator,
            held_on=timezone.localdate(),
            attendees="Mum",
            attendee_count=1,
            family_private_time=False,
        )


def test_the_family_s_plan_joins_the_case_s_plan_as_its_own_actions(south, service, plan_agreed):
    assert plan_agreed.state == FgcState.PLAN_AGREED
    actions = PlanAction.objects.filter(plan=south.case.plan).order_by("by_when")
    assert [a.what for a in actions] == ["School run on Mondays", "Tea on late shifts"]
    assert {a.source for a in actions} == {ActionSource.FAMILY_PLAN}
    assert set(plan_agreed.plan_actions.all()) == set(actions)
    review = _tasks(plan_agreed, TaskKind.FGC_REVIEW).get()
    assert review.user == service.coordinator and review.state == TaskState.OPEN
    assert timezone.localdate(review.due_at) >= timezone.localdate() + timedelta(weeks=12)


def test_the_review_weeks_come_from_settings(settings, south, service, conference_held):
    settings.FGC_REVIEW_WEEKS = 6
    today = timezone.localdate()
    services.fgc_plan_record(
        referral=conference_held,
        by=service.coordinator,
        agreed_on=today,
        actions=[services.FamilyPlanItem(what="x", who="Aunt", by_when=today)],
    )
    due = timezone.localdate(_tasks(conference_held, TaskKind.FGC_REVIEW).get().due_at)
    assert today + timedelta(weeks=6) <= due < today + timedelta(weeks=7)


def test_a_family_plan_row_the_plan_refuses_names_its_row_and_saves_nothing(south, service, conference_held):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        services.fgc_plan_record(
            referral=conference_held,
            by=service.coordinator,
            agreed_on=today,
            actions=[
                services.FamilyPlanItem(what="School run", who="Aunt", by_when=today),
                services.FamilyPlanItem(what="Tea", who=" ", by_when=today),
            ],
        )
    assert refused.value.message_dict["actions"][0].startswith("Action 2:")
    assert not PlanAction.objects.filter(plan=south.case.plan).exists()
    conference_held.refresh_from_db()
    assert conference_held.state == FgcState.CONFERENCE_HELD


def test_without_a_case_plan_the_family_s_plan_is_refused_clearly(south, service, conference_held):
    from pathways.models import Plan

    Plan.objects.filter(case=south.case).update(ended_on=timezone.localdate())
    with pytest.raises(ValidationError, match="has no plan"):
        services.fgc_plan_record(
            referral=conference_held,
            by=service.coordinator,
            agreed_on=timezone.localdate(),
            actions=[services.FamilyPlanItem(what="x", who="y", by_when=timezone.localdate())],
        )


def test_the_review_closes_its_task_and_closing_ends_the_involvement(south, service, plan_agreed):
    review = services.fgc_review_record(
        referral=plan_agreed, by=service.coordinator, held_on=timezone.localdate(), plan_working="partly"
    )
    assert review.get_plan_working_display().startswith("Partly")
    assert _tasks(plan_agreed, TaskKind.FGC_REVIEW).get().state == TaskState.DONE
    referral = services.fgc_referral_close(referral=plan_agreed, by=service.coordinator)
    assert referral.state == FgcState.CLOSED and referral.closed_at
    assert Involvement.objects.get(pk=referral.involvement_id).ended_at is not None
    assert not cases_visible_to(service.coordinator).filter(pk=south.case.pk).exists()
    # The family's actions stay in the case's plan.
    assert PlanAction.objects.filter(plan=south.case.plan, source=ActionSource.FAMILY_PLAN).count() == 2
    states = list(FgcEvent.objects.filter(referral=referral).values_list("state", flat=True))
    assert states == ["referred", "accepted", "conference_held", "plan_agreed", "reviewed", "closed"]


def test_transitions_not_in_the_table_are_refused(service, accepted):
    assert FgcState.CLOSED not in FGC_TRANSITIONS[FgcState.ACCEPTED]
    with pytest.raises(ValidationError, match="cannot do that now"):
        services.fgc_referral_close(referral=accepted, by=service.coordinator)
    with pytest.raises(ValidationError, match="cannot do that now"):
        services.fgc_review_record(
            referral=accepted, by=service.coordinator, held_on=timezone.localdate(), plan_working="yes"
        )


def test_any_open_referral_can_be_withdrawn_and_nothing_waits_on_it(cast, service, conference_held):
    referral = services.fgc_referral_withdraw(
        referral=conference_held, by=cast.social_worker, reason="Mum said no"
    )
    assert referral.state == FgcState.WITHDRAWN and referral.withdrawn_reason == "Mum said no"
    assert Involvement.objects.get(pk=referral.involvement_id).ended_at is not None
    assert not _tasks(referral, TaskKind.FGC_REVIEW).filter(state=TaskState.OPEN).exists()
    with pytest.raises(ValidationError, match="cannot do that now"):
        services.fgc_referral_withdraw(referral=referral, by=cast.social_worker, reason="again")


def test_closing_the_case_withdraws_its_open_referral(cast, south, refer):
    from cases.services import case_close

    referral = refer()
    case_close(case=south.case, by=cast.team_manager, reason="RC8")
    referral.refresh_from_db()
    assert referral.state == FgcState.WITHDRAWN
    assert _clock(referral).state == ClockState.CANCELLED


def test_stale_versions_are_refused(service, refer):
    referral = refer()
    with pytest.raises(ValidationError) as refused:
        services.fgc_referral_accept(
            referral=referral, by=service.coordinator, expected_version=referral.version - 1
        )
    assert "Someone else changed" in str(refused.value)


def test_the_coordinators_trays_hold_the_referral_then_the_review(service, refer):
    from escalation.selectors import tray

    referral = refer()
    for user in (service.coordinator, service.other_coordinator):
        assert [t.kind for t in tray(user)] == [TaskKind.FGC_REFERRAL]
    assert not list(tray(service.stranger))
    services.fgc_referral_accept(referral=referral, by=service.coordinator)
    assert not list(tray(service.other_coordinator))
    services.fgc_conference_record(
        referral=referral,
        by=service.coordinator,
        held_on=timezone.localdate(),
        attendees="Mum",
        attendee_count=1,
        family_private_time=True,
    )
    services.fgc_plan_record(
        referral=referral,
        by=service.coordinator,
        agreed_on=timezone.localdate(),
        actions=[services.FamilyPlanItem(what="x", who="Mum", by_when=timezone.localdate())],
    )
    assert [t.kind for t in tray(service.coordinator)] == [TaskKind.FGC_REVIEW]


def test_with_a_consent_on_file_but_none_chosen_the_error_says_choose_it(cast, south, consent_to):
    consent_to()
    with pytest.raises(ValidationError) as refused:
        services.fgc_referral_make(
            case=south.case, by=cast.social_worker, consent=None, children=[south.child], reason="Help"
        )
    assert refused.value.message_dict["consent"] == [
        "Choose the family's consent to a family group conference."
    ]


def _withdraw_consent(cast, referral):
    from stepdown.services import consent_withdraw

    consent_withdraw(
        consent=referral.consent, by=cast.social_worker, withdrawn_on=timezone.localdate(), note="Mum said no"
    )
    referral.refresh_from_db()
    return referral


def test_consent_withdrawn_before_the_conference_withdraws_the_referral(cast, accepted):
    referral = _withdraw_consent(cast, accepted)
    assert referral.state == FgcState.WITHDRAWN
    assert referral.withdrawn_reason == "The family withdrew its consent to a family group conference"
    assert Involvement.objects.get(pk=referral.involvement_id).ended_at is not None


def test_consent_withdrawn_after_the_conference_leaves_the_family_s_plan_standing(cast, conference_held):
    assert _withdraw_consent(cast, conference_held).state == FgcState.CONFERENCE_HELD
