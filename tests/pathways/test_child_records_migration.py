"""The move from one census record per family case to records per child loses nothing
(pathways 0007): forwards, each child gets the case's facts; backwards, the case's record is
rebuilt from its first child's episode."""

from datetime import UTC, date, datetime

import pytest

from tests.migrating import migrate, migrate_to_latest

BEFORE = [("pathways", "0005_referral_to_early_help"), ("cases", "0008_stepdown_chronology_kinds")]
AFTER = [("pathways", "0008_delete_cinrecord"), ("cases", "0009_person_return_details")]


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_each_childs_census_facts_survive_the_move_and_the_way_back():
    old = migrate(BEFORE)
    Agency = old.get_model("accounts", "Agency")
    Team = old.get_model("accounts", "Team")
    User = old.get_model("accounts", "User")
    Person = old.get_model("cases", "Person")
    Family = old.get_model("cases", "Family")
    FamilyMember = old.get_model("cases", "FamilyMember")
    Case = old.get_model("cases", "Case")
    CinRecord = old.get_model("pathways", "CinRecord")
    Plan = old.get_model("pathways", "Plan")
    PlanChange = old.get_model("pathways", "PlanChange")
    agency = Agency.objects.create(name="Migration council", kind="local_authority")
    team = Team.objects.create(name="Migration team", agency=agency, kind="family_help")
    user = User.objects.create(username="migrator", agency=agency)
    family = Family.objects.create(name="Moved family", created_by=user)
    children = [
        Person.objects.create(kind="child", first_name=name, last_name="Moved", created_by=user)
        for name in ("Ava", "Ben")
    ]
    adult = Person.objects.create(kind="adult", first_name="Cal", last_name="Moved", created_by=user)
    for person, role in ((children[0], "child"), (children[1], "child"), (adult, "parent_carer")):
        FamilyMember.objects.create(family=family, person=person, role=role)
    case = Case.objects.create(
        family=family,
        pathway=4,
        team=team,
        opened_at=at(date(2025, 5, 1)),
        opened_by=user,
        state="closed",
        closed_at=at(date(2026, 2, 2)),
        closure_reason="RC8",
    )
    CinRecord.objects.create(
        case=case,
        referral_date=date(2025, 5, 1),
        referral_source="2A",
        primary_need="N1",
        assessment_start=date(2025, 5, 1),
        assessment_authorised=date(2025, 6, 2),
        factors=["3B", "18A"],
        s47_start=date(2025, 6, 9),
        s47_outcome="hold_icpc",
        icpc_target=date(2025, 6, 30),
        icpc_date=date(2025, 6, 26),
        cp_plan_start=date(2025, 6, 26),
        cp_categories=["NEG"],
    )
    plan = Plan.objects.create(
        case=case, kind="child_protection", started_on=date(2025, 5, 20), ended_on=date(2026, 2, 2)
    )
    PlanChange.objects.create(
        plan=plan, summary="started", to_kind="child_in_need", at=at(date(2025, 5, 20)), by=user
    )
    PlanChange.objects.create(
        plan=plan,
        summary="cp",
        from_kind="child_in_need",
        to_kind="child_protection",
        at=at(date(2025, 6, 26)),
        by=user,
    )

    new = migrate(AFTER)
    CinEpisode = new.get_model("pathways", "CinEpisode")
    episodes = CinEpisode.objects.filter(case_id=case.pk).order_by("child__first_name")
    assert [e.child_id for e in episodes] == [c.pk for c in children]
    for episode in episodes:
        assert (episode.referral_date, episode.referral_source, episode.primary_need) == (
            date(2025, 5, 1),
            "2A",
            "N1",
        )
        # RC8 asked for, but the episode had an s47 and a CP plan: RC7 (DfE rule 2990).
        assert (episode.closure_date, episode.closure_reason) == (date(2026, 2, 2), "RC7")
        assessment = episode.assessments.get()
        assert (assessment.started_on, assessment.authorised_on, assessment.factors) == (
            date(2025, 5, 1),
            date(2025, 6, 2),
            ["3B", "18A"],
        )
        enquiry = episode.section47s.get()
        assert (enquiry.started_on, enquiry.icpc_target, enquiry.icpc_date, enquiry.outcome) == (
            date(2025, 6, 9),
            date(2025, 6, 30),
            date(2025, 6, 26),
            "hold_icpc",
        )
        cp_plan = episode.cp_plans.get()
        assert (cp_plan.started_on, cp_plan.ended_on, cp_plan.initial_category) == (
            date(2025, 6, 26),
            date(2026, 2, 2),
            "NEG",
        )
        assert list(episode.cin_plans.values_list("started_on", "ended_on")) == [
            (date(2025, 5, 20), date(2025, 6, 26))
        ]
    assert set(
        new.get_model("pathways", "Plan").objects.get(pk=plan.pk).children.values_list("pk", flat=True)
    ) == {c.pk for c in children}

    back = migrate(BEFORE)
    record = back.get_model("pathways", "CinRecord").objects.get(case_id=case.pk)
    assert (
        record.referral_date,
        record.s47_start,
        record.icpc_date,
        record.cp_plan_start,
        record.cp_categories,
    ) == (
        date(2025, 5, 1),
        date(2025, 6, 9),
        date(2025, 6, 26),
        date(2025, 6, 26),
        ["NEG"],
    )
    assert record.factors == ["3B", "18A"]
    migrate_to_latest()
