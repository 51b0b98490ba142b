"""Each step-down rule on its own: which consent a step-down needs and which consent counts
(stepdown.services.consent_*), and what each route asks of the case (the route checks)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.choices import TeamKind
from cases.models import Case
from pathways.choices import PlanKind
from pathways.models import Plan
from pathways.services import assessment_authorise
from stepdown import services
from stepdown.choices import Route
from stepdown.models import StepDown
from stepdown.services import StepDownDetails
from tests.accounts.factories import TeamFactory

pytestmark = pytest.mark.django_db


def _details(route, **extra):
    return StepDownDetails(route=route, rationale="Needs are met", needs="Routines at home", **extra)


def _withdraw(cast, consent):
    return services.consent_withdraw(
        consent=consent, by=cast.social_worker, withdrawn_on=timezone.localdate(), note="Mum said no"
    )


# --- whose consent: consent_needed_for ----------------------------------------------------------


def test_route_a_rests_on_the_familys_yes_to_the_request(contact):
    assert contact.family_consents == "yes"
    assert services.consent_needed_for(StepDown(route=Route.CONTACT, contact=contact)) is False


def test_route_a_needs_a_recorded_consent_when_the_family_did_not_say_yes(contact):
    for answer in ("no", "not_asked"):
        contact.family_consents = answer
        assert services.consent_needed_for(StepDown(route=Route.CONTACT, contact=contact)) is True


@pytest.mark.parametrize("route", [r for r in Route if r != Route.CONTACT])
def test_every_other_route_needs_a_recorded_consent_whatever_a_contact_said(contact, route):
    assert services.consent_needed_for(StepDown(route=route, contact=contact)) is True


# --- which consent counts: one rule each --------------------------------------------------------


def test_a_withdrawn_consent_covers_nothing(cast, south, consent_to):
    consent = consent_to()
    assert services.consent_withdrawn_refusal(consent) is None
    consent = _withdraw(cast, consent)
    refusal = services.consent_withdrawn_refusal(consent)
    assert refusal == f"Consent {consent.reference} was withdrawn on {timezone.localdate():%d %B %Y}."


def test_only_the_step_downs_own_familys_consent_counts(world, south, consent_to):
    consent = consent_to()
    assert services.consent_family_refusal(consent, StepDown(family=south.family)) is None
    other = StepDown(family=world.north_case.family)
    assert services.consent_family_refusal(consent, other) == "That consent is another family's."


def test_a_single_agency_referral_needs_consent_to_refer_to_that_agency(cast, hub, consent_to):
    to_health = consent_to(early_help=False, referral_agency=hub.health)
    assert services.consent_referral_refusal(to_health, hub.health) is None
    assert services.consent_referral_refusal(to_health, cast.school) == (
        f"Consent {to_health.reference} does not cover a referral to Test Primary School: the family "
        "must consent to the referral to that agency."
    )
    assert services.consent_referral_refusal(to_health, None) is not None
    assert services.consent_referral_refusal(consent_to(), hub.health) is not None  # early help only


def test_the_other_routes_need_consent_to_early_help(hub, consent_to):
    assert services.consent_early_help_refusal(consent_to()) is None
    referral_only = consent_to(early_help=False, referral_agency=hub.health)
    assert services.consent_early_help_refusal(referral_only) == (
        f"Consent {referral_only.reference} does not cover a step-down to early help."
    )


def test_the_masg_route_needs_consent_to_share_with_at_least_one_agency(hub, consent_to):
    consent = consent_to()
    refusal = services.consent_masg_refusal(consent, Route.MASG, set())
    assert refusal.startswith(f"Consent {consent.reference} does not cover sharing the assessment")
    assert "multi-agency support group" in refusal
    assert services.consent_masg_refusal(consent, Route.MASG, {hub.health.pk}) is None
    for route in (Route.REFERRAL, Route.MASH_ENQUIRY, Route.CIN_PLAN, Route.CONTACT):
        assert services.consent_masg_refusal(consent, route, set()) is None


def test_the_lead_agency_is_the_one_named_now_else_the_step_downs_lead_professionals(cast, hub):
    assert services.lead_agency_for(StepDown()) is None
    named_on_it = StepDown(lead_professional=cast.school_dsl)
    assert services.lead_agency_for(named_on_it) == cast.school
    assert services.lead_agency_for(named_on_it, hub.health) == hub.health
    assert services.lead_agency_for(StepDown(), hub.health) == hub.health


def test_a_partner_agencys_lead_professional_needs_consent_to_share_with_that_agency(cast, hub, consent_to):
    consent = consent_to()
    assert services.consent_lead_agency_refusal(consent, hub.health, set()) == (
        f"Consent {consent.reference} does not cover sharing the assessment with Test Health Trust, "
        "the lead professional's agency."
    )
    assert services.consent_lead_agency_refusal(consent, hub.health, {hub.health.pk}) is None
    assert services.consent_lead_agency_refusal(consent, hub.health, {cast.school.pk}) is not None
    # Children's services share with themselves; no lead agency, nothing to share.
    assert services.consent_lead_agency_refusal(consent, cast.la, set()) is None
    assert services.consent_lead_agency_refusal(consent, None, set()) is None


# --- the rules together: consent_cover_refusal ------------------------------------------------------


def test_a_withdrawn_consent_is_refused_as_withdrawn_before_anything_else(cast, world, consent_to):
    consent = _withdraw(cast, consent_to(early_help=False, referral_agency=cast.school))
    elsewhere = StepDown(route=Route.MASG, family=world.north_case.family)
    assert "was withdrawn on" in services.consent_cover_refusal(consent, elsewhere)


def test_a_single_agency_referral_needs_no_consent_to_early_help(hub, south, consent_to):
    consent = consent_to(early_help=False, referral_agency=hub.health)
    step_down = StepDown(route=Route.SINGLE_AGENCY, family=south.family, receiving_agency=hub.health)
    assert services.consent_cover_refusal(consent, step_down) is None


def test_the_agencies_shared_with_are_those_the_family_agreed_to(cast, hub, south, consent_to):
    consent = consent_to(share_with=[cast.school])
    masg = StepDown(route=Route.MASG, family=south.family)
    assert services.consent_cover_refusal(consent, masg) is None
    assert services.consent_cover_refusal(consent, masg, lead_agency=cast.school) is None
    refusal = services.consent_cover_refusal(consent, masg, lead_agency=hub.health)
    assert "Test Health Trust, the lead professional's agency" in refusal
    no_agencies = consent_to()
    assert "multi-agency support group" in services.consent_cover_refusal(no_agencies, masg)
    cin = StepDown(route=Route.CIN_PLAN, family=south.family, lead_professional=hub.health_visitor)
    assert "Test Health Trust" in services.consent_cover_refusal(consent, cin)


# --- the gate: consent_covering -----------------------------------------------------------------


def _refusal(step_down, **extra) -> dict:
    with pytest.raises(ValidationError) as refused:
        services.consent_covering(step_down, **extra)
    return refused.value.message_dict


def test_without_a_consent_the_gate_refuses_unless_none_is_needed(south, contact):
    assert _refusal(StepDown(route=Route.REFERRAL, family=south.family)) == {"consent": [services.NO_CONSENT]}
    assert services.consent_covering(StepDown(route=Route.CONTACT, contact=contact)) is None
    contact.family_consents = "no"
    assert _refusal(StepDown(route=Route.CONTACT, contact=contact)) == {"consent": [services.NO_CONSENT]}


def test_the_gate_returns_a_covering_consent_and_refuses_one_that_does_not_cover(
    cast, hub, south, consent_to
):
    consent = consent_to(share_with=[cast.school])
    masg = StepDown(route=Route.MASG, family=south.family, consent=consent)
    assert services.consent_covering(masg) == consent
    assert _refusal(masg, lead_agency=hub.health) == {
        "consent": [
            f"Consent {consent.reference} does not cover sharing the assessment with Test Health Trust, "
            "the lead professional's agency."
        ]
    }
    _withdraw(cast, consent)
    assert "was withdrawn on" in _refusal(masg)["consent"][0]


# --- what each route asks of the case -----------------------------------------------------------


def test_a_case_is_assessed_once_its_assessment_is_authorised(cast, south):
    assert services.assessment_done_for(south.case) is False
    assessment_authorise(case=south.case, by=cast.team_manager, factors=["1B"])
    assert services.assessment_done_for(south.case) is True


def test_routes_b_and_c_go_to_the_hub_before_any_assessment(cast, hub, south):
    referral = _details(Route.REFERRAL, receiving_team=hub.team)
    assert services.hub_transfer_errors(south.case, referral, assessed=False) == {}
    assert services.hub_transfer_errors(south.case, referral, assessed=True) == {
        "route": "The assessment is done: step down after an assessment, to a single agency or the MASG."
    }
    for team in (None, cast.south):
        not_hub = _details(Route.REFERRAL, receiving_team=team)
        assert services.hub_transfer_errors(south.case, not_hub, assessed=False) == {
            "receiving_team": "Choose the Early Help Hub that will receive the family."
        }


def test_route_c_is_for_the_front_doors_cases_and_route_b_for_the_others(hub, south):
    enquiry = _details(Route.MASH_ENQUIRY, receiving_team=hub.team)
    errors = services.hub_transfer_errors(south.case, enquiry, assessed=True)
    # The team's rule wins the "route" field over the assessment's, keeping the field's place.
    assert list(errors) == ["route"]
    assert errors["route"] == "This case is not a MASH enquiry: it is held by Family Help Team South."
    at_front_door = Case(team=TeamFactory(name="MASH front door", kind=TeamKind.MASH))
    assert services.hub_transfer_errors(at_front_door, enquiry, assessed=False) == {}
    referral = _details(Route.REFERRAL, receiving_team=None)
    assert services.hub_transfer_errors(at_front_door, referral, assessed=False) == {
        "receiving_team": "Choose the Early Help Hub that will receive the family.",
        "route": "The front door holds this case: use the MASH enquiry route.",
    }


def test_route_d_follows_an_authorised_assessment(hub):
    for route in (Route.MASG, Route.SINGLE_AGENCY):
        details = _details(route, receiving_agency=hub.health)
        assert services.after_assessment_errors(details, assessed=True) == {}
        assert list(services.after_assessment_errors(details, assessed=False)) == ["route"]
    assert "use route (b) or (c)" in services.after_assessment_errors(details, assessed=False)["route"]


def test_route_d_to_a_single_agency_goes_to_a_named_partner_agency(cast):
    none = services.after_assessment_errors(_details(Route.SINGLE_AGENCY), assessed=True)
    assert none == {"receiving_agency": "Choose the agency the family is being referred to."}
    ours = _details(Route.SINGLE_AGENCY, receiving_agency=cast.la)
    assert services.after_assessment_errors(ours, assessed=True) == {
        "receiving_agency": "A single-agency referral goes to a partner agency."
    }
    # The MASG route names no agency of its own.
    assert services.after_assessment_errors(_details(Route.MASG, receiving_agency=cast.la), True) == {}


def _cin(cast, **extra):
    values = {
        "lead_professional": cast.school_dsl,
        "cin_meeting_on": timezone.localdate(),
        "agreement": "Agreed at the CIN meeting",
        **extra,
    }
    return _details(Route.CIN_PLAN, **values)


def test_route_e_needs_a_live_cin_plan(cast, on_cin_plan, world):
    assert services.cin_plan_errors(on_cin_plan.case, _cin(cast)) == {}
    no_plan = {"route": "This case has no child in need plan to step down from."}
    assert services.cin_plan_errors(world.north_case, _cin(cast)) == no_plan
    # Only a child in need plan counts, and only while it runs.
    plan = Plan.objects.filter(case=on_cin_plan.case)
    plan.update(kind=PlanKind.FAMILY_SUPPORT)
    assert services.cin_plan_errors(on_cin_plan.case, _cin(cast)) == no_plan
    plan.update(kind=PlanKind.CHILD_IN_NEED, ended_on=timezone.localdate())
    assert services.cin_plan_errors(on_cin_plan.case, _cin(cast)) == no_plan


def test_route_e_needs_a_lead_professional_from_a_partner_agency(cast, on_cin_plan):
    case = on_cin_plan.case
    assert services.cin_plan_errors(case, _cin(cast, lead_professional=None)) == {
        "lead_professional": "Name the lead professional agreed at the CIN meeting."
    }
    assert services.cin_plan_errors(case, _cin(cast, lead_professional=cast.fh_worker)) == {
        "lead_professional": "The lead professional comes from an early help partner agency."
    }


def test_route_e_needs_the_cin_meetings_date_and_agreement(cast, on_cin_plan):
    case = on_cin_plan.case
    assert services.cin_plan_errors(case, _cin(cast, cin_meeting_on=None)) == {
        "cin_meeting_on": "Enter the date of the CIN meeting that agreed the step-down."
    }
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert services.cin_plan_errors(case, _cin(cast, cin_meeting_on=tomorrow)) == {
        "cin_meeting_on": "The CIN meeting must already have happened."
    }
    assert services.cin_plan_errors(case, _cin(cast, agreement="  ")) == {
        "agreement": "Record the agreement as written in the CIN meeting notes."
    }


# --- consent to a family group conference -------------------------------------------------------


def test_consent_to_a_family_group_conference_alone_is_a_purpose_and_names_it(cast, south):
    consent = services.consent_record(
        family=south.family,
        by=cast.social_worker,
        given_by=south.parent,
        method="verbal",
        recorded_where="Notes of the home visit",
        given_on=timezone.localdate(),
        family_group_conference=True,
    )
    assert consent.family_group_conference is True
    assert consent.early_help is False
    assert consent.purposes() == ["a family group conference"]
    entry = south.family.chronology.filter(kind="consent_recorded").latest("pk")
    assert "a family group conference" in entry.detail


def test_consent_to_nothing_says_a_family_group_conference_is_one_of_the_purposes(cast, south):
    with pytest.raises(ValidationError) as raised:
        services.consent_record(
            family=south.family,
            by=cast.social_worker,
            given_by=south.parent,
            method="verbal",
            recorded_where="Notes of the home visit",
            given_on=timezone.localdate(),
        )
    assert "family group conference" in raised.value.message_dict["early_help"][0]
