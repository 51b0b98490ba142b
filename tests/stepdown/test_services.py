"""The five routes end to end in the services, the consent gate and every refusal."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import ProgrammingError, transaction
from django.utils import timezone

from cases.choices import CaseState, ChronologyKind
from cases.models import ChronologyEntry, Involvement
from escalation.models import Clock, Notification
from pathways.choices import DecisionState, Outcome
from pathways.models import Decision, ReferralPackage
from pathways.services import DecisionDetails, decision_record
from stepdown import services
from stepdown.choices import Route, StepDownState
from stepdown.models import Consent, StepDown, StepDownEvent
from stepdown.services import StepDownDetails

pytestmark = pytest.mark.django_db


def _details(route, **extra):
    return StepDownDetails(
        route=route,
        rationale="Needs are met; the family wants help with routines and school attendance.",
        needs="Routines at home; school attendance; parenting support",
        **extra,
    )


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- consent ----------------------------------------------------------------------------------


def test_consent_is_recorded_with_who_what_how_and_when_and_goes_in_the_chronology(cast, south, hub):
    consent = services.consent_record(
        family=south.family,
        by=cast.social_worker,
        given_by=south.parent,
        method="verbal",
        recorded_where="Home visit note",
        given_on=timezone.localdate(),
        early_help=True,
        share_with=[cast.school],
    )
    assert consent.capacity == "parent" and consent.is_current
    assert consent.purposes() == [
        "step-down to early help",
        "sharing the assessment with Test Primary School",
    ]
    entry = ChronologyEntry.objects.get(family=south.family, kind=ChronologyKind.CONSENT_RECORDED)
    assert consent.reference in entry.summary and entry.subject == south.parent


def test_consent_needs_someone_who_can_give_it_and_something_to_consent_to(cast, south, hub):
    from cases.choices import FamilyRole, PersonKind
    from cases.services import family_member_add, person_create

    uncle = person_create(by=cast.social_worker, kind=PersonKind.ADULT, first_name="Ugo", last_name="Southey")
    family_member_add(family=south.family, person=uncle, role=FamilyRole.WIDER_FAMILY, by=cast.social_worker)
    base = dict(family=south.family, by=cast.social_worker, method="verbal", recorded_where="Visit")
    with pytest.raises(ValidationError) as no_pr:
        services.consent_record(**base, given_by=uncle, given_on=timezone.localdate(), early_help=True)
    assert "parental responsibility" in _messages(no_pr.value)
    with pytest.raises(ValidationError) as too_young:
        services.consent_record(**base, given_by=south.child, given_on=timezone.localdate(), early_help=True)
    assert "from 12" in _messages(too_young.value)
    with pytest.raises(ValidationError) as nothing:
        services.consent_record(**base, given_by=south.parent, given_on=timezone.localdate())
    assert "what the family consented to" in _messages(nothing.value)
    with pytest.raises(ValidationError) as future:
        services.consent_record(
            **base, given_by=south.parent, given_on=timezone.localdate() + timedelta(days=1), early_help=True
        )
    assert "future" in _messages(future.value)
    assert not Consent.objects.exists()


def test_a_young_person_of_twelve_may_consent_for_themselves(cast, south, hub):
    south.child.date_of_birth = timezone.localdate().replace(year=timezone.localdate().year - 13)
    south.child.save()
    consent = services.consent_record(
        family=south.family,
        by=cast.social_worker,
        given_by=south.child,
        method="verbal",
        recorded_where="Seen alone at school; understood what early help means",
        given_on=timezone.localdate(),
        early_help=True,
    )
    assert consent.capacity == "young_person"


def test_withdrawn_consent_is_final_and_never_deleted(cast, south, hub, consent_to):
    consent = consent_to()
    services.consent_withdraw(
        consent=consent, by=cast.social_worker, withdrawn_on=timezone.localdate(), note="Dad"
    )
    with pytest.raises(ValidationError, match="already been withdrawn"):
        services.consent_withdraw(
            consent=consent, by=cast.social_worker, withdrawn_on=timezone.localdate(), note="Again"
        )
    with pytest.raises(ProgrammingError), transaction.atomic():
        Consent.objects.filter(pk=consent.pk).update(withdrawal_note="changed")
    with pytest.raises(ProgrammingError), transaction.atomic():
        Consent.objects.filter(pk=consent.pk).delete()


# --- route (b): referral accepted, no assessment -------------------------------------------------


def test_route_b_moves_the_case_to_pathway_2_and_the_hub_accepts_it(cast, south, hub, consent_to):
    consent = consent_to(share_with=[cast.school])
    step_down = services.stepdown_propose(
        case=south.case,
        by=cast.social_worker,
        details=_details(Route.REFERRAL, consent=consent, receiving_team=hub.team),
    )
    assert step_down.state == StepDownState.PROPOSED
    approval = Clock.objects.get(object_id=step_down.pk, kind="stepdown_approval")
    assert approval.state == "running"
    assert Notification.objects.filter(
        user=cast.team_manager, key__contains=f"stepdown:{step_down.pk}:approve"
    )

    services.stepdown_approve(step_down=step_down, by=cast.team_manager)
    step_down.refresh_from_db()
    south.case.refresh_from_db()
    assert step_down.state == StepDownState.WITH_HUB
    assert south.case.pathway == 2 and south.case.is_open  # support continues: no NFA, no closure
    decision = step_down.decision
    assert decision.outcome == Outcome.PATHWAY_2 and decision.decided_by == cast.team_manager
    assert decision.rationale.startswith("Step down to Early Help.")
    assert "Needs identified for early help: Routines" in decision.rationale
    package = ReferralPackage.objects.get(decision=decision)
    assert package.snapshot["decision"]["shared_with"] == ["Test Primary School"]
    hub_clock = Clock.objects.get(object_id=step_down.pk, kind="ehh_review")
    assert hub_clock.team == hub.team and hub_clock.due_at - hub_clock.started_at == timedelta(hours=24)
    approval.refresh_from_db()
    assert approval.state == "met"

    services.stepdown_hub_discuss(step_down=step_down, by=hub.manager, note="Is school attendance improving?")
    step_down.refresh_from_db()
    assert step_down.state == StepDownState.DISCUSSING
    services.stepdown_hub_accept(step_down=step_down, by=hub.manager, key_worker=hub.eh_worker, note="Agreed")
    step_down.refresh_from_db()
    south.case.refresh_from_db()
    assert step_down.state == StepDownState.COMPLETED and step_down.completed_at
    assert south.case.team == cast.north and south.case.key_worker == hub.eh_worker
    assert [event.state for event in StepDownEvent.objects.filter(step_down=step_down)] == [
        "awaiting_consent",
        "proposed",
        "with_hub",
        "discussing",
        "completed",
    ]
    kinds = set(ChronologyEntry.objects.filter(case=south.case).values_list("kind", flat=True))
    assert {"step_down", "case_transferred", "pathway_changed"} <= kinds


def test_route_c_is_for_a_mash_enquiry_held_by_the_front_door(cast, south, hub, consent_to):
    with pytest.raises(ValidationError) as wrong_team:
        services.stepdown_propose(
            case=south.case,
            by=cast.social_worker,
            details=_details(Route.MASH_ENQUIRY, consent=consent_to(), receiving_team=hub.team),
        )
    assert "not a MASH enquiry" in _messages(wrong_team.value)
    south.case.team = cast.mash_manager.teams.get()
    south.case.save()
    step_down = services.stepdown_propose(
        case=south.case,
        by=cast.mash_manager,
        details=_details(Route.MASH_ENQUIRY, consent=consent_to(), receiving_team=hub.team),
    )
    services.stepdown_approve(step_down=step_down, by=cast.team_manager)
    step_down.refresh_from_db()
    assert step_down.decision.rationale.startswith("MASH enquiry outcome: step down to Early Help.")
    services.stepdown_hub_accept(step_down=step_down, by=hub.manager, key_worker=hub.eh_worker)
    step_down.refresh_from_db()
    assert step_down.state == StepDownState.COMPLETED


# --- route (d): after an assessment ------------------------------------------------------------


def test_route_d_single_agency_closes_with_rc9_and_the_referral_goes_to_that_agency(
    cast, assessed, hub, consent_to
):
    consent = consent_to(early_help=False, referral_agency=hub.health)
    step_down = services.stepdown_propose(
        case=assessed.case,
        by=cast.social_worker,
        details=_details(Route.SINGLE_AGENCY, consent=consent, receiving_agency=hub.health),
    )
    services.stepdown_approve(step_down=step_down, by=cast.team_manager)
    step_down.refresh_from_db()
    case = assessed.case
    case.refresh_from_db()
    assert step_down.state == StepDownState.COMPLETED
    assert case.state == CaseState.CLOSED and case.closure_reason == "RC9"  # never RC8 or NFA
    assert step_down.decision.outcome == Outcome.EARLY_HELP
    assert step_down.decision.get_outcome_display() == "Referral to early help"
    package = ReferralPackage.objects.get(decision=step_down.decision)
    assert package.to_pathway == 2 and package.snapshot["decision"]["shared_with"] == ["Test Health Trust"]


def test_route_d_masg_closes_only_when_the_panel_accepts(cast, assessed, hub, consent_to):
    consent = consent_to(share_with=[hub.health, cast.school])
    step_down = services.stepdown_propose(
        case=assessed.case, by=cast.social_worker, details=_details(Route.MASG, consent=consent)
    )
    services.stepdown_approve(step_down=step_down, by=cast.team_manager)
    step_down.refresh_from_db()
    assessed.case.refresh_from_db()
    assert step_down.state == StepDownState.AWAITING_PANEL and assessed.case.is_open
    with pytest.raises(ValidationError) as incomplete:
        services.stepdown_panel_record(
            step_down=step_down, by=cast.team_manager, accepted=True, panel_on=timezone.localdate()
        )
    assert {"lead_professional", "resources"} <= set(incomplete.value.message_dict)
    services.stepdown_panel_record(
        step_down=step_down,
        by=cast.team_manager,
        accepted=True,
        panel_on=timezone.localdate(),
        lead_professional=hub.health_visitor,
        resources="Health visitor leads; parenting group; school nurse",
    )
    step_down.refresh_from_db()
    assessed.case.refresh_from_db()
    assert step_down.state == StepDownState.COMPLETED and step_down.lead_professional == hub.health_visitor
    assert assessed.case.closure_reason == "RC9"
    assert Involvement.objects.filter(family=assessed.family, user=hub.health_visitor).exists()


def test_the_panel_can_decline_and_the_case_stays_open(cast, assessed, hub, consent_to):
    consent = consent_to(share_with=[hub.health])
    step_down = services.stepdown_propose(
        case=assessed.case, by=cast.social_worker, details=_details(Route.MASG, consent=consent)
    )
    services.stepdown_approve(step_down=step_down, by=cast.team_manager)
    services.stepdown_panel_record(
        step_down=step_down, by=hub.manager, accepted=False, panel_on=timezone.localdate(), reason="Too soon"
    )
    step_down.refresh_from_db()
    assessed.case.refresh_from_db()
    assert step_down.state == StepDownState.RETURNED and assessed.case.is_open and assessed.case.pathway == 3


def test_the_panels_lead_professional_must_be_covered_by_consent(cast, assessed, hub, consent_to):
    consent = consent_to(share_with=[cast.school])
    step_down = services.stepdown_propose(
        case=assessed.case, by=cast.social_worker, details=_details(Route.MASG, consent=consent)
    )
    services.stepdown_approve(step_down=step_down, by=cast.team_manager)
    with pytest.raises(ValidationError) as refused:
        services.stepdown_panel_record(
            step_down=step_down,
            by=cast.team_manager,
            accepted=True,
            panel_on=timezone.localdate(),
            lead_professional=hub.health_visitor,
            resources="Health visitor",
        )
    assert "does not cover sharing the assessment with Test Health Trust" in _messages(refused.value)
    step_down.refresh_from_db()
    assert step_down.state == StepDownState.AWAITING_PANEL and step_down.lead_professional is None


# --- route (e): from a CIN plan ---------------------------------------------------------------


def test_route_e_closes_with_rc9_the_lead_professional_sees_the_family(cast, on_cin_plan, hub, consent_to):
    consent = consent_to(share_with=[cast.school])
    step_down = services.stepdown_propose(
        case=on_cin_plan.case,
        by=cast.social_worker,
        details=_details(
            Route.CIN_PLAN,
            consent=consent,
            lead_professional=cast.school_dsl,
            cin_meeting_on=timezone.localdate(),
            agreement="All agreed at the CIN meeting: school DSL to lead the team around the family.",
        ),
    )
    services.stepdown_approve(step_down=step_down, by=cast.team_manager)
    step_down.refresh_from_db()
    case = on_cin_plan.case
    case.refresh_from_db()
    assert step_down.state == StepDownState.COMPLETED and case.closure_reason == "RC9"
    assert "agreed at the CIN meeting" in step_down.decision.consulted
    assert Involvement.objects.filter(
        family=case.family, user=cast.school_dsl, ended_at__isnull=True
    ).exists()
    from pathways.permissions import packages_visible_to

    assert packages_visible_to(cast.school_dsl).filter(decision=step_down.decision).exists()


def test_route_e_needs_a_cin_plan_a_partner_lead_and_the_meeting(cast, assessed, hub, consent_to):
    with pytest.raises(ValidationError) as refused:
        services.stepdown_propose(
            case=assessed.case,
            by=cast.social_worker,
            details=_details(Route.CIN_PLAN, consent=consent_to(), lead_professional=cast.fh_worker),
        )
    errors = refused.value.message_dict
    assert "no child in need plan" in errors["route"][0]
    assert "partner agency" in errors["lead_professional"][0]
    assert "cin_meeting_on" in errors and "agreement" in errors
    assert not StepDown.objects.exists()


# --- route (a): contact below the threshold -----------------------------------------------------


def _triage_to_hub(contact, by):
    from referrals.services import TriageDetails, contact_triage

    return contact_triage(
        contact=contact,
        by=by,
        details=TriageDetails(
            outcome="early_help",
            rationale="Below the social care threshold; early help would help with routines.",
            feedback_text="We have passed this to the Early Help Hub.",
        ),
    )


@pytest.mark.parametrize(
    "action, pathway",
    [("enquiry", 1), ("assessment", 2)],
)
def test_route_a_the_hub_reviews_within_24_hours_and_starts_support(cast, hub, contact, action, pathway):
    contact = _triage_to_hub(contact, cast.mash_manager)
    assert contact.state == "with_ehh"
    step_down = StepDown.objects.get(contact=contact)
    assert step_down.route == Route.CONTACT and step_down.state == StepDownState.WITH_HUB
    clock = Clock.objects.get(object_id=step_down.pk, kind="ehh_review")
    assert clock.due_at - clock.started_at == timedelta(hours=24)
    with pytest.raises(ValidationError, match="You proposed"):
        services.stepdown_hub_review(step_down=step_down, by=cast.mash_manager, action=action, rationale="x")
    services.stepdown_hub_review(step_down=step_down, by=hub.manager, action=action, rationale="Hub checked")
    step_down.refresh_from_db()
    contact.refresh_from_db()
    assert step_down.state == StepDownState.COMPLETED and contact.state == "triaged"
    assert step_down.case.pathway == pathway and step_down.case.team == hub.team
    assert contact.case == step_down.case and step_down.decision.decided_by == hub.manager
    clock.refresh_from_db()
    assert clock.state == "met"


def test_route_a_links_to_an_existing_early_help_episode(cast, hub, contact):
    from cases.services import case_open

    _triage_to_hub(contact, cast.mash_manager)
    step_down = StepDown.objects.get(contact=contact)
    with pytest.raises(ValidationError, match="no early help episode"):
        services.stepdown_hub_review(step_down=step_down, by=hub.manager, action="link", rationale="Link")
    case = case_open(family=step_down.family, team=cast.north, pathway=2, by=cast.team_manager)
    services.stepdown_hub_review(step_down=step_down, by=hub.manager, action="link", rationale="Link")
    contact.refresh_from_db()
    assert contact.case == case and contact.state == "triaged"


def test_route_a_the_hub_can_return_a_contact_to_the_front_door(cast, hub, contact):
    _triage_to_hub(contact, cast.mash_manager)
    step_down = StepDown.objects.get(contact=contact)
    services.stepdown_return(step_down=step_down, by=hub.manager, reason="Needs a social work assessment")
    contact.refresh_from_db()
    assert contact.state == "received" and contact.outcome == ""
    assert Clock.objects.filter(object_id=contact.pk, kind="contact_decision", state="running").exists()


def test_route_a_needs_the_familys_consent(cast, hub, contact):
    contact.family_consents = "no"
    contact.save()
    with pytest.raises(ValidationError) as refused:
        _triage_to_hub(contact, cast.mash_manager)
    assert "only with the family's consent" in _messages(refused.value)
    contact.refresh_from_db()
    assert contact.state == "received" and not StepDown.objects.exists()


# --- approval and bad input -------------------------------------------------------------------


def test_without_consent_a_step_down_waits_and_cannot_be_approved(cast, south, hub, consent_to):
    step_down = services.stepdown_propose(
        case=south.case, by=cast.social_worker, details=_details(Route.REFERRAL, receiving_team=hub.team)
    )
    assert step_down.state == StepDownState.AWAITING_CONSENT
    assert Clock.objects.filter(object_id=step_down.pk, kind="stepdown_consent", state="running").exists()
    with pytest.raises(ValidationError) as refused:
        services.stepdown_approve(step_down=step_down, by=cast.team_manager)
    assert "has not consented" in _messages(refused.value)
    services.stepdown_submit(step_down=step_down, by=cast.social_worker, consent=consent_to())
    step_down.refresh_from_db()
    assert step_down.state == StepDownState.PROPOSED


def test_consent_that_does_not_cover_the_receiving_agency_is_refused(cast, assessed, hub, consent_to):
    consent = consent_to(early_help=False, referral_agency=cast.school)
    with pytest.raises(ValidationError) as refused:
        services.stepdown_propose(
            case=assessed.case,
            by=cast.social_worker,
            details=_details(Route.SINGLE_AGENCY, consent=consent, receiving_agency=hub.health),
        )
    assert "does not cover a referral to Test Health Trust" in _messages(refused.value)
    assert not StepDown.objects.exists()  # nothing saved half
    assert not ChronologyEntry.objects.filter(kind=ChronologyKind.STEP_DOWN).exists()


def test_nobody_approves_their_own_step_down(cast, south, hub, consent_to):
    step_down = services.stepdown_propose(
        case=south.case,
        by=cast.team_manager,
        details=_details(Route.REFERRAL, consent=consent_to(), receiving_team=hub.team),
    )
    with pytest.raises(ValidationError) as refused:
        services.stepdown_approve(step_down=step_down, by=cast.team_manager)
    assert "You proposed this step-down" in _messages(refused.value)
    step_down.refresh_from_db()
    assert step_down.state == StepDownState.PROPOSED and step_down.decision is None
    services.stepdown_approve(step_down=step_down, by=hub.other_manager)


def test_a_closed_case_cannot_be_stepped_down(cast, south, hub, consent_to):
    from cases.services import case_close

    case_close(case=south.case, reason="RC7", by=cast.team_manager)
    with pytest.raises(ValidationError, match="This case is closed"):
        services.stepdown_propose(
            case=south.case,
            by=cast.social_worker,
            details=_details(Route.REFERRAL, consent=consent_to(), receiving_team=hub.team),
        )


def test_one_step_down_at_a_time(cast, south, hub, consent_to):
    details = _details(Route.REFERRAL, consent=consent_to(), receiving_team=hub.team)
    services.stepdown_propose(case=south.case, by=cast.social_worker, details=details)
    with pytest.raises(ValidationError, match="already in progress"):
        services.stepdown_propose(case=south.case, by=cast.social_worker, details=details)
    assert StepDown.objects.count() == 1


def test_a_returned_step_down_keeps_the_case_and_the_reason(cast, south, hub, consent_to):
    step_down = services.stepdown_propose(
        case=south.case,
        by=cast.social_worker,
        details=_details(Route.REFERRAL, consent=consent_to(), receiving_team=hub.team),
    )
    with pytest.raises(ValidationError, match="Say why"):
        services.stepdown_return(step_down=step_down, by=cast.team_manager, reason=" ")
    services.stepdown_return(step_down=step_down, by=cast.team_manager, reason="Speak to school first")
    step_down.refresh_from_db()
    south.case.refresh_from_db()
    assert step_down.state == StepDownState.RETURNED and step_down.returned_reason == "Speak to school first"
    assert south.case.pathway == 3
    with pytest.raises(ValidationError):
        services.stepdown_approve(step_down=step_down, by=cast.team_manager)


def test_a_stale_version_is_refused(cast, south, hub, consent_to):
    step_down = services.stepdown_propose(
        case=south.case,
        by=cast.social_worker,
        details=_details(Route.REFERRAL, consent=consent_to(), receiving_team=hub.team),
    )
    with pytest.raises(ValidationError) as stale:
        services.stepdown_approve(
            step_down=step_down, by=cast.team_manager, expected_version=step_down.version - 1
        )
    assert "version" in stale.value.message_dict


def test_pathway_4_and_pathway_2_cases_are_refused_with_reasons(cast, world, south, hub, consent_to):
    details = _details(Route.REFERRAL, consent=consent_to(), receiving_team=hub.team)
    with pytest.raises(ValidationError, match="already below social care"):
        services.stepdown_propose(case=world.north_case, by=cast.fh_worker, details=details)


def test_withdrawing_consent_before_sharing_sends_the_step_down_back_to_wait(cast, south, hub, consent_to):
    consent = consent_to()
    step_down = services.stepdown_propose(
        case=south.case,
        by=cast.social_worker,
        details=_details(Route.REFERRAL, consent=consent, receiving_team=hub.team),
    )
    services.consent_withdraw(
        consent=consent, by=cast.social_worker, withdrawn_on=timezone.localdate(), note="Mum changed her mind"
    )
    step_down.refresh_from_db()
    assert step_down.state == StepDownState.AWAITING_CONSENT and step_down.consent is None
    assert Clock.objects.get(object_id=step_down.pk, kind="stepdown_approval").state == "cancelled"


# --- no side door ---------------------------------------------------------------------------


def test_the_decision_screen_cannot_step_a_case_down_or_refer_to_early_help(cast, south, hub):
    decisions = list(Decision.objects.filter(case=south.case))  # the one that brought it to pathway 3
    for outcome in (Outcome.PATHWAY_2, Outcome.EARLY_HELP):
        with pytest.raises(ValidationError) as refused:
            decision_record(
                case=south.case,
                by=cast.team_manager,
                details=DecisionDetails(
                    outcome=outcome, rationale="Step down", family_consents_to_share=True
                ),
            )
        assert "step-down page" in _messages(refused.value)
    assert list(Decision.objects.filter(case=south.case)) == decisions


def test_step_up_keeps_the_early_help_worker_involved(cast, world, hub):
    case = world.north_case  # pathway 2, the family help worker holds it
    decision_record(
        case=case,
        by=cast.social_worker,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_3,
            rationale="Worries have grown: a section 17 assessment is needed.",
            family_consents_to_share=True,
            referral_source="1A",
            primary_need="N1",
        ),
    )
    case.refresh_from_db()
    assert case.pathway == 3 and case.key_worker == cast.fh_worker
    assert case.decisions.get().state == DecisionState.RECORDED


# --- the consent checks ------------------------------------------------------------------------


def test_consent_checks_raise_overdue_step_downs_and_withdrawn_consent_once(cast, south, hub, consent_to):
    waiting = services.stepdown_propose(
        case=south.case, by=cast.social_worker, details=_details(Route.REFERRAL, receiving_team=hub.team)
    )
    later = timezone.now() + timedelta(days=30)
    counts = services.stepdown_checks(now=later)
    assert counts["awaiting_consent"] == 1
    mine = Notification.objects.filter(key__startswith=f"stepdown:{waiting.pk}:awaiting_consent")
    assert set(mine.values_list("user__username", flat=True)) == {"social.worker", "team.manager"}
    services.stepdown_checks(now=later)
    assert mine.count() == 2  # raised once

    consent = consent_to()
    services.stepdown_submit(step_down=waiting, by=cast.social_worker, consent=consent)
    assert services.stepdown_checks(now=later)["awaiting_approval"] == 1
    services.stepdown_approve(step_down=waiting, by=cast.team_manager)
    services.consent_withdraw(
        consent=consent, by=cast.social_worker, withdrawn_on=timezone.localdate(), note="No"
    )
    counts = services.stepdown_checks()
    assert counts["withdrawn_after_sharing"] == 1
    assert Notification.objects.filter(
        key__startswith=f"stepdown:{waiting.pk}:consent-withdrawn", user=cast.team_manager
    ).exists()
