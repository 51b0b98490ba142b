"""Two census years of a small authority's history, written through the services on the days it
happened (time-machine moves the clock), shared by the census and Annex A tests."""

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from cases import services as case_services
from cases.choices import FamilyRole, PersonKind, Sex
from pathways.choices import Outcome
from pathways.models import CpPlan
from pathways.services import (
    ConferenceDecision,
    DecisionDetails,
    assessment_authorise,
    cp_plan_category_change,
    cp_plan_end,
    decision_record,
    icpc_record,
    plan_review_record,
    plan_start,
    s47_outcome_record,
)


def on(day: date):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, 11, 0, tzinfo=timezone.get_current_timezone()), tick=False
    )


def decide(case, by, outcome, **extra):
    case.refresh_from_db()
    extra.setdefault("rationale", "Because")
    if outcome == Outcome.PATHWAY_4:
        extra.setdefault("lawful_basis", "s47")
    return decision_record(case=case, by=by, details=DecisionDetails(outcome=outcome, **extra))


def details(person, cast, **fields):
    person.refresh_from_db()
    values = {
        "sex": person.sex,
        "ethnicity": "WBRI",
        "disabilities": ["NONE"],
        "upn_unknown_reason": "UN2",
    }
    values.update(fields)
    case_services.person_details_record(person=person, by=cast.social_worker, **values)


def the_worlds_referral_completed(cast, world):
    """The world's Southey case reached pathway 3 by a decision today, which opened Sol's child in
    need episode: here Sol's details are recorded and the assessment is authorised, so the returns
    hold Sol with nothing to fix or query."""
    details(world.south_child, cast)
    assessment_authorise(case=world.south_case, by=cast.team_manager, factors=["4B"])


@pytest.fixture
def county(cast, world):
    """Two census years of history written through the services on the days it happened."""
    the_worlds_referral_completed(cast, world)
    nia, sky = world.north_child, None
    north, school = world.north_case, world.school_case
    noah = case_services.person_create(
        by=cast.mash_manager,
        kind=PersonKind.CHILD,
        first_name="Noah",
        last_name="Northam",
        sex=Sex.MALE,
        date_of_birth=date(2020, 6, 1),
    )
    case_services.family_member_add(
        family=north.family, person=noah, role=FamilyRole.CHILD, by=cast.mash_manager
    )
    sky = school.family.memberships.get(role=FamilyRole.CHILD).person
    for child in (nia, noah, sky):
        details(child, cast)
    # The Northams: referral, CIN plans, assessment, s47 for both, an ICPC that puts Nia on a plan
    # and not Noah, a review, a change of category, Nia's plan ended, a step down, closure.
    with on(date(2025, 5, 12)):
        decide(north, cast.social_worker, Outcome.PATHWAY_3, referral_source="2A", primary_need="N4")
    with on(date(2025, 5, 19)):
        plan_start(case=north, by=cast.social_worker)
    with on(date(2025, 6, 16)):
        assessment_authorise(case=north, by=cast.team_manager, factors=["3B", "16A"])
    with on(date(2025, 7, 7)):
        decide(north, cast.ecpp, Outcome.PATHWAY_4)
    with on(date(2025, 7, 14)):
        s47_outcome_record(case=north, by=cast.ecpp, outcome="hold_icpc", rationale="Substantiated")
    with on(date(2025, 7, 21)):
        icpc_record(
            case=north,
            by=cast.ecpp,
            held_on=date(2025, 7, 21),
            children=[ConferenceDecision(nia.pk, True, "NEG"), ConferenceDecision(noah.pk, False)],
        )
    north.refresh_from_db()
    with on(date(2025, 10, 20)):
        plan_review_record(
            plan=north.plan, by=cast.ecpp, held_on=date(2025, 10, 20), notes="Review conference"
        )
    with on(date(2025, 10, 21)):
        cp_plan_category_change(cp_plan=CpPlan.objects.get(episode__child=nia), by=cast.ecpp, category="MUL")
    with on(date(2026, 1, 19)):
        cp_plan_end(
            cp_plan=CpPlan.objects.get(episode__child=nia),
            by=cast.ecpp,
            on=date(2026, 1, 19),
            rationale="Safe",
        )
    with on(date(2026, 2, 16)):
        decide(north, cast.ecpp, Outcome.PATHWAY_3)
    with on(date(2026, 5, 11)):
        decide(north, cast.social_worker, Outcome.NFA)
    # The Scholes: assessed, nothing found, closed straight after assessment (RC8).
    with on(date(2025, 9, 1)):
        decide(school, cast.social_worker, Outcome.PATHWAY_3, referral_source="5D", primary_need="N5")
    with on(date(2025, 10, 6)):
        assessment_authorise(case=school, by=cast.team_manager, factors=["21"])
    with on(date(2025, 10, 13)):
        decide(school, cast.social_worker, Outcome.PATHWAY_1)
    # An unborn baby referred this year.
    with on(date(2026, 9, 7)):
        family = case_services.family_create(by=cast.mash_manager, name="Unborn family")
        baby = case_services.person_create(
            by=cast.mash_manager,
            kind=PersonKind.UNBORN,
            last_name="Early",
            expected_date_of_birth=date(2027, 4, 10),
        )
        case_services.family_member_add(
            family=family, person=baby, role=FamilyRole.CHILD, by=cast.mash_manager
        )
        case = case_services.case_open(family=family, team=cast.south, pathway=1, by=cast.mash_manager)
        decide(case, cast.social_worker, Outcome.PATHWAY_3, referral_source="3B", primary_need="N1")
    with on(date(2026, 10, 19)):
        assessment_authorise(case=case, by=cast.team_manager, factors=["4B"])
    return {"nia": nia, "noah": noah, "sky": sky, "baby": baby}


@pytest.fixture
def contact_about_nia(cast, county):
    """A school's request for support about Nia, received on 2 November 2026."""
    from referrals.services import SubjectDetails, contact_receive

    with on(date(2026, 11, 2)):
        return contact_receive(
            by=cast.school_dsl,
            channel="professional",
            referrer_name="Sadia Dhillon",
            concerns="Nia often arrives hungry",
            family_consents="yes",
            subjects=[
                SubjectDetails(
                    role="child", first_name="Nia", last_name="Northam", date_of_birth=date(2017, 3, 9)
                )
            ],
        )
