"""An FGC service team with two coordinators, a pathway 3 family on a child in need plan whose
parent holds parental responsibility, and helpers to consent and refer."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone


@dataclass
class Service:
    team: Any
    coordinator: Any
    other_coordinator: Any  # same team
    stranger: Any  # a coordinator of another FGC team
    head_of_service: Any


@pytest.fixture
def service(cast) -> Service:
    from accounts.choices import Role, TeamKind
    from tests.accounts.factories import TeamFactory, UserFactory

    team = TeamFactory(
        name="Family Group Conference Service", agency=cast.la, kind=TeamKind.FAMILY_GROUP_CONFERENCE
    )
    other = TeamFactory(name="Another FGC service", agency=cast.la, kind=TeamKind.FAMILY_GROUP_CONFERENCE)
    qa = TeamFactory(name="Quality Assurance", agency=cast.la, kind=TeamKind.QUALITY_ASSURANCE)

    def coordinator(username, teams):
        return UserFactory(username=username, roles=[Role.FGC_COORDINATOR], teams=teams, agency=cast.la)

    return Service(
        team=team,
        coordinator=coordinator("fgc.coordinator", [team]),
        other_coordinator=coordinator("fgc.coordinator.2", [team]),
        stranger=coordinator("fgc.elsewhere", [other]),
        head_of_service=UserFactory(
            username="head.of.service", roles=[Role.HEAD_OF_SERVICE], teams=[qa], agency=cast.la
        ),
    )


@pytest.fixture
def south(cast, south_family, service):
    """The South family (tests/fixtures.py south_family), assessed and on a child in need plan."""
    from pathways.services import assessment_authorise, plan_start

    assessment_authorise(case=south_family.case, by=cast.team_manager, factors=["1B"])
    plan_start(case=south_family.case, by=cast.social_worker)
    south_family.case.refresh_from_db()
    return south_family


@pytest.fixture
def consent_to(cast, south):
    """Record the parent's consent; to a family group conference unless told otherwise."""
    from stepdown.services import consent_record

    def give(*, family_group_conference=True, early_help=False):
        return consent_record(
            family=south.family,
            by=cast.social_worker,
            given_by=south.parent,
            method="written",
            recorded_where="Signed consent form on file",
            given_on=timezone.localdate() - timedelta(days=1),
            early_help=early_help,
            family_group_conference=family_group_conference,
        )

    return give


@pytest.fixture
def refer(cast, south, consent_to):
    """Refer the south family (by the social worker, with a fresh consent unless one is given)."""
    from fgc.services import fgc_referral_make

    def make(*, consent=None, by=None):
        return fgc_referral_make(
            case=south.case,
            by=by or cast.social_worker,
            consent=consent or consent_to(),
            children=[south.child],
            reason="Mum wants her family to help with mornings.",
        )

    return make


@pytest.fixture
def accepted(refer, service):
    from fgc.services import fgc_referral_accept

    return fgc_referral_accept(referral=refer(), by=service.coordinator)


@pytest.fixture
def conference_held(accepted, service):
    from fgc.services import fgc_conference_record

    fgc_conference_record(
        referral=accepted,
        by=service.coordinator,
        held_on=timezone.localdate(),
        attendees="Mum, aunt, grandparents",
        attendee_count=4,
        family_private_time=True,
    )
    accepted.refresh_from_db()
    return accepted


@pytest.fixture
def plan_agreed(conference_held, service):
    from fgc.services import FamilyPlanItem, fgc_plan_record

    today = timezone.localdate()
    fgc_plan_record(
        referral=conference_held,
        by=service.coordinator,
        agreed_on=today,
        actions=[
            FamilyPlanItem(what="School run on Mondays", who="Aunt", by_when=today + timedelta(days=14)),
            FamilyPlanItem(what="Tea on late shifts", who="Grandparents", by_when=today + timedelta(days=28)),
        ],
    )
    conference_held.refresh_from_db()
    return conference_held
