"""A hub, a family at pathway 3 with a parent holding parental responsibility, and helpers to bring
the case to where each step-down route starts."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone


@dataclass
class Hub:
    team: Any  # the Early Help Hub
    manager: Any  # its team manager
    eh_worker: Any  # a family help worker who takes stepped-down cases
    other_manager: Any  # a second team manager, for "nobody approves their own"
    health: Any  # a partner agency (for consent that does not cover it)
    health_visitor: Any


@pytest.fixture
def hub(cast) -> Hub:
    from accounts.choices import AgencyKind, Role, TeamKind
    from tests.accounts.factories import AgencyFactory, TeamFactory, UserFactory

    team = TeamFactory(name="Early Help Hub", agency=cast.la, kind=TeamKind.EARLY_HELP_HUB)
    manager = UserFactory(username="ehh.manager", roles=[Role.TEAM_MANAGER], teams=[team], agency=cast.la)
    team.manager = manager
    team.save()
    cast.south.manager = cast.team_manager
    cast.south.save()
    health = AgencyFactory(name="Test Health Trust", kind=AgencyKind.HEALTH)
    health_team = TeamFactory(name="Health visiting", agency=health, kind=TeamKind.PARTNER)
    return Hub(
        team=team,
        manager=manager,
        eh_worker=cast.fh_worker,
        other_manager=UserFactory(
            username="other.manager", roles=[Role.TEAM_MANAGER], teams=[cast.south], agency=cast.la
        ),
        health=health,
        health_visitor=UserFactory(
            username="health.visitor", roles=[Role.PARTNER_PRACTITIONER], teams=[health_team], agency=health
        ),
    )


@pytest.fixture
def south(south_family, hub):
    """The South family (tests/fixtures.py south_family), with an Early Help Hub to step down to."""
    return south_family


@pytest.fixture
def consent_to(cast, south):
    """Record the parent's consent to the given purposes."""
    from stepdown.services import consent_record

    def give(*, early_help=True, share_with=(), referral_agency=None, given_by=None):
        return consent_record(
            family=south.family,
            by=cast.social_worker,
            given_by=given_by or south.parent,
            method="written",
            recorded_where="Signed consent form on file",
            given_on=timezone.localdate() - timedelta(days=1),
            early_help=early_help,
            share_with=list(share_with),
            referral_agency=referral_agency,
        )

    return give


@pytest.fixture
def assessed(cast, south):
    from pathways.services import assessment_authorise

    assessment_authorise(case=south.case, by=cast.team_manager, factors=["1B"])
    return south


@pytest.fixture
def on_cin_plan(cast, south):
    from pathways.services import assessment_authorise, plan_start

    assessment_authorise(case=south.case, by=cast.team_manager, factors=["1B"])
    plan_start(case=south.case, by=cast.social_worker)
    return south


@pytest.fixture
def contact(cast, hub):
    from cases.choices import PersonKind
    from cases.services import person_create
    from referrals.models import ContactSubject
    from referrals.services import SubjectDetails, contact_receive, contact_subject_link

    contact = contact_receive(
        channel="professional",
        by=cast.school_dsl,
        referrer_name="Dee Lewis",
        referrer_agency=cast.school,
        concerns="Low attendance and the parent is struggling with routines.",
        family_consents="yes",
        subjects=[
            SubjectDetails(role="child", first_name="Ria", last_name="Early", date_of_birth=date(2016, 5, 1))
        ],
    )
    person = person_create(
        by=cast.mash_manager,
        kind=PersonKind.CHILD,
        first_name="Ria",
        last_name="Early",
        date_of_birth=date(2016, 5, 1),
    )
    contact_subject_link(
        subject=ContactSubject.objects.get(contact=contact), person=person, by=cast.mash_manager
    )
    return contact


@pytest.fixture
def stepped_down(cast, on_cin_plan, hub, consent_to):
    """A route (e) step-down, approved today: the case closed (RC9), the school's DSL leads."""
    from stepdown import services

    step_down = services.stepdown_propose(
        case=on_cin_plan.case,
        by=cast.social_worker,
        details=services.StepDownDetails(
            route="cin_plan",
            rationale="Needs met",
            needs="Routines",
            consent=consent_to(share_with=[cast.school]),
            lead_professional=cast.school_dsl,
            cin_meeting_on=timezone.localdate(),
            agreement="Agreed at the CIN meeting",
        ),
    )
    services.stepdown_approve(step_down=step_down, by=cast.team_manager)
    step_down.refresh_from_db()
    return step_down
