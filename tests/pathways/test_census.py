"""Statutory facts belong to children (issue 13): each child of a family case has their own CIN
episode, assessments, CIN plan periods, section 47 enquiries and child protection plans, written by
the services as the family's case moves (DOMAIN.md "Codes to capture")."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.choices import ChronologyKind, ClosureReason, FamilyRole, PersonKind, Sex
from cases.models import ChronologyEntry
from pathways.choices import Outcome
from pathways.codes import ASSESSMENT_FACTORS, FACTOR_LABELS
from pathways.models import ChildAssessment, CinEpisode, CinPlanPeriod, CpCategoryChange, CpPlan, Section47
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

pytestmark = pytest.mark.django_db


def last_weekday(before: date) -> date:
    day = before
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


@pytest.fixture
def siblings(cast, world):
    """The Northam family (pathway 2) with two children: Nia (born 2017) and her brother Noah."""
    case = world.north_case
    noah = case_services.person_create(
        by=cast.mash_manager,
        kind=PersonKind.CHILD,
        first_name="Noah",
        last_name="Northam",
        sex=Sex.MALE,
        date_of_birth=date(2020, 6, 1),
    )
    case_services.family_member_add(
        family=case.family, person=noah, role=FamilyRole.CHILD, by=cast.mash_manager
    )
    return case, world.north_child, noah


def to_pathway(case, by, outcome, **extra):
    case.refresh_from_db()
    details = {"rationale": "Because", "lawful_basis": "s47" if outcome == Outcome.PATHWAY_4 else ""}
    details.update(extra)
    return decision_record(case=case, by=by, details=DecisionDetails(outcome=outcome, **details))


def to_pathway_4(case, ecpp, **codes):
    codes = codes or {"referral_source": "3E", "primary_need": "N1"}
    return to_pathway(case, ecpp, Outcome.PATHWAY_4, **codes)


def backdate_enquiries(case, days=14):
    started = timezone.localdate() - timedelta(days=days)
    Section47.objects.filter(episode__case=case).update(started_on=started)
    CinEpisode.objects.filter(case=case).update(referral_date=started)
    ChildAssessment.objects.filter(episode__case=case).update(started_on=started)
    return started


def test_a_referral_needs_its_codes_and_opens_an_episode_for_each_child(cast, siblings):
    case, nia, noah = siblings
    with pytest.raises(ValidationError) as excinfo:
        to_pathway(case, cast.social_worker, Outcome.PATHWAY_3)
    assert {"referral_source", "primary_need"} <= set(excinfo.value.message_dict)
    with pytest.raises(ValidationError) as excinfo:
        to_pathway(case, cast.social_worker, Outcome.PATHWAY_3, referral_source="99", primary_need="N1")
    assert "referral_source" in excinfo.value.message_dict
    to_pathway(case, cast.social_worker, Outcome.PATHWAY_3, referral_source="2A", primary_need="N4")
    today = timezone.localdate()
    episodes = CinEpisode.objects.filter(case=case).order_by("child__date_of_birth")
    assert [(e.child, e.referral_date, e.referral_source, e.primary_need) for e in episodes] == [
        (nia, today, "2A", "N4"),
        (noah, today, "2A", "N4"),
    ]
    assert all(e.assessments.get().started_on == today for e in episodes)
    noted = ChronologyEntry.objects.filter(case=case, kind=ChronologyKind.CHILD_RECORD)
    assert set(noted.values_list("subject", flat=True)) == {nia.pk, noah.pk}


def test_an_icpc_decides_for_each_child_separately(cast, siblings):
    case, nia, noah = siblings
    to_pathway_4(case, cast.ecpp)
    enquiries = Section47.objects.filter(episode__case=case)
    assert enquiries.count() == 2
    assert all(e.icpc_target > e.started_on and e.icpc_target.weekday() < 5 for e in enquiries)
    with pytest.raises(ValidationError, match="Only an expert child protection practitioner"):
        s47_outcome_record(case=case, by=cast.social_worker, outcome="hold_icpc", rationale="Substantiated")
    s47_outcome_record(case=case, by=cast.ecpp, outcome="hold_icpc", rationale="Substantiated")
    started = backdate_enquiries(case)
    held = last_weekday(timezone.localdate())
    saturday = started + timedelta(days=(5 - started.weekday()) % 7 or 7)
    both = [ConferenceDecision(nia.pk, True, "NEG"), ConferenceDecision(noah.pk, False)]
    with pytest.raises(ValidationError, match="weekend"):
        icpc_record(case=case, by=cast.ecpp, held_on=saturday, children=both)
    with pytest.raises(ValidationError) as excinfo:
        icpc_record(case=case, by=cast.ecpp, held_on=held, children=both[:1])
    assert "Record the conference's decision for Noah Northam" in str(excinfo.value)
    with pytest.raises(ValidationError) as excinfo:
        icpc_record(
            case=case, by=cast.ecpp, held_on=held, children=[ConferenceDecision(nia.pk, True), both[1]]
        )
    assert f"child_{nia.pk}" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        icpc_record(
            case=case, by=cast.ecpp, held_on=held, children=[*both, ConferenceDecision(999999, False)]
        )
    assert "P999999" in str(excinfo.value)
    icpc_record(case=case, by=cast.ecpp, held_on=held, children=both)
    plan = CpPlan.objects.get()
    assert plan.episode.child == nia
    assert (plan.started_on, plan.initial_category, plan.latest_category, plan.previous_plans) == (
        held,
        "NEG",
        "NEG",
        0,
    )
    assert set(Section47.objects.values_list("icpc_date", flat=True)) == {held}
    assert not CpPlan.objects.filter(episode__child=noah).exists()
    case.plan.refresh_from_db()
    assert case.plan.kind == "child_protection"
    with pytest.raises(ValidationError, match="follows an ECPP's decision"):
        icpc_record(case=case, by=cast.ecpp, held_on=held, children=both)


def test_a_second_enquiry_in_one_episode_is_kept_beside_the_first(cast, siblings):
    case, nia, _ = siblings
    to_pathway_4(case, cast.ecpp)
    s47_outcome_record(case=case, by=cast.ecpp, outcome="continue_cin", rationale="Not substantiated")
    to_pathway(case, cast.ecpp, Outcome.PATHWAY_3)
    to_pathway(case, cast.ecpp, Outcome.PATHWAY_4)
    episode = CinEpisode.objects.get(child=nia)
    enquiries = list(episode.section47s.order_by("pk"))
    assert len(enquiries) == 2 and enquiries[0].outcome == "continue_cin" and enquiries[0].icpc_not_required
    assert enquiries[1].outcome == "" and not enquiries[1].icpc_not_required
    assert CinEpisode.objects.filter(child=nia).count() == 1


def test_stepping_down_closes_the_episode_and_coming_back_opens_a_new_one(cast, siblings):
    case, nia, _noah = siblings
    to_pathway(case, cast.social_worker, Outcome.PATHWAY_3, referral_source="1A", primary_need="N5")
    # Straight after assessment to advice: closed after assessment, no further action (RC8).
    to_pathway(case, cast.social_worker, Outcome.PATHWAY_1)
    first = CinEpisode.objects.get(child=nia)
    assert (first.closure_date, first.closure_reason) == (timezone.localdate(), ClosureReason.RC8)
    to_pathway(case, cast.social_worker, Outcome.PATHWAY_3, referral_source="2A", primary_need="N1")
    assert CinEpisode.objects.filter(child=nia).count() == 2
    second = CinEpisode.objects.get(child=nia, closure_date__isnull=True)
    assert second.referral_source == "2A" and second.assessments.count() == 1


def test_a_closure_after_a_cin_plan_is_rc7_whatever_was_asked(cast, siblings):
    """DfE rule 2990: RC8 and RC9 only for an episode that ended straight after assessment."""
    case, _nia, _noah = siblings
    to_pathway(case, cast.social_worker, Outcome.PATHWAY_3, referral_source="1A", primary_need="N5")
    plan_start(case=case, by=cast.social_worker)
    assert CinPlanPeriod.objects.filter(episode__case=case, ended_on__isnull=True).count() == 2
    to_pathway(case, cast.social_worker, Outcome.NFA)
    episodes = CinEpisode.objects.filter(case=case)
    assert set(episodes.values_list("closure_reason", flat=True)) == {ClosureReason.RC7}
    assert not CinPlanPeriod.objects.filter(episode__case=case, ended_on__isnull=True).exists()


def test_closing_a_case_by_hand_closes_each_childs_episode(cast, siblings):
    case, _nia, _noah = siblings
    to_pathway(case, cast.social_worker, Outcome.PATHWAY_3, referral_source="1A", primary_need="N5")
    case.refresh_from_db()
    case_services.case_close(case=case, reason=ClosureReason.RC8, by=cast.team_manager)
    assert set(CinEpisode.objects.filter(case=case).values_list("closure_reason", flat=True)) == {"RC8"}
    assert not CinEpisode.objects.filter(case=case, closure_date__isnull=True).exists()


def test_authorising_records_current_factors_for_each_child(cast, siblings):
    case, nia, noah = siblings
    with pytest.raises(ValidationError, match="No section 17 assessment is waiting"):
        assessment_authorise(case=case, by=cast.team_manager, factors=["1B"])
    to_pathway(case, cast.social_worker, Outcome.PATHWAY_3, referral_source="1C", primary_need="N5")
    for bad, message in (
        (["99Z"], "Not current census factor codes"),
        (["18A"], "Not current census factor codes: 18A"),
        (["21", "3B"], "cannot go with"),
        ([], "Record the factors"),
    ):
        with pytest.raises(ValidationError, match=message):
            assessment_authorise(case=case, by=cast.team_manager, factors=bad)
    with pytest.raises(ValidationError, match="Only a team manager"):
        assessment_authorise(case=case, by=cast.fh_worker, factors=["3B"])
    assessment_authorise(case=case, by=cast.team_manager, factors=["19C", "1B"], children=[noah.pk])
    noahs = ChildAssessment.objects.get(episode__child=noah)
    assert noahs.factors == ["1B", "19C"] and noahs.authorised_on == timezone.localdate()
    assert ChildAssessment.objects.get(episode__child=nia).authorised_on is None
    assessment_authorise(case=case, by=cast.team_manager, factors=["8C"])
    assert ChildAssessment.objects.get(episode__child=nia).factors == ["8C"]
    with pytest.raises(ValidationError, match="No section 17 assessment is waiting"):
        assessment_authorise(case=case, by=cast.team_manager, factors=["21"])


def test_the_factor_list_is_the_dfes_current_one():
    for code in ("8B", "8C", "8D", "8E", "8F", "18B", "18C", "19B", "19C", "24A", "21"):
        assert code in ASSESSMENT_FACTORS
    assert "18A" not in ASSESSMENT_FACTORS and "19A" not in ASSESSMENT_FACTORS
    assert "withdrawn" in FACTOR_LABELS["18A"]  # still readable on old records
    assert "overseas children who intend to return" in ASSESSMENT_FACTORS["8B"]


def test_a_cp_plan_keeps_its_category_history_reviews_and_previous_plans(cast, siblings):
    case, nia, noah = siblings
    to_pathway_4(case, cast.ecpp)
    s47_outcome_record(case=case, by=cast.ecpp, outcome="hold_icpc", rationale="Substantiated")
    backdate_enquiries(case, days=30)
    held = last_weekday(timezone.localdate() - timedelta(days=10))
    icpc_record(
        case=case,
        by=cast.ecpp,
        held_on=held,
        children=[ConferenceDecision(nia.pk, True, "NEG"), ConferenceDecision(noah.pk, True, "EMO")],
    )
    nias = CpPlan.objects.get(episode__child=nia)
    with pytest.raises(ValidationError, match="already"):
        cp_plan_category_change(cp_plan=nias, by=cast.ecpp, category="NEG")
    with pytest.raises(ValidationError, match="expert child protection"):
        cp_plan_category_change(cp_plan=nias, by=cast.social_worker, category="MUL")
    cp_plan_category_change(cp_plan=nias, by=cast.ecpp, category="MUL")
    nias.refresh_from_db()
    assert (nias.initial_category, nias.latest_category) == ("NEG", "MUL")
    assert list(
        CpCategoryChange.objects.filter(cp_plan=nias).values_list("from_category", "to_category")
    ) == [
        ("", "NEG"),
        ("NEG", "MUL"),
    ]
    review_day = last_weekday(timezone.localdate())
    plan_review_record(plan=case.plan, by=cast.ecpp, held_on=review_day, notes="Review conference")
    assert list(nias.reviews.values_list("held_on", flat=True)) == [review_day]
    # The review conference ends Noah's plan; he stays a child in need, Nia stays on hers.
    cp_plan_end(
        cp_plan=CpPlan.objects.get(episode__child=noah), by=cast.ecpp, on=review_day, rationale="Safe"
    )
    assert CpPlan.objects.get(episode__child=noah).ended_on == review_day
    assert CinPlanPeriod.objects.filter(episode__child=noah, ended_on__isnull=True).exists()
    case.plan.refresh_from_db()
    assert case.plan.kind == "child_protection"
    cp_plan_end(cp_plan=nias, by=cast.ecpp, on=review_day, rationale="Safe")
    case.plan.refresh_from_db()
    assert case.plan.kind == "child_in_need"
    # A later plan for Nia counts the earlier one.
    to_pathway(case, cast.ecpp, Outcome.PATHWAY_3)
    to_pathway(case, cast.ecpp, Outcome.PATHWAY_4)
    s47_outcome_record(case=case, by=cast.ecpp, outcome="hold_icpc", rationale="Again")
    Section47.objects.filter(outcome="hold_icpc", icpc_date=None).update(started_on=review_day)
    icpc_record(
        case=case,
        by=cast.ecpp,
        held_on=review_day,
        children=[ConferenceDecision(nia.pk, True, "PHY"), ConferenceDecision(noah.pk, False)],
    )
    assert CpPlan.objects.get(episode__child=nia, ended_on__isnull=True).previous_plans == 1


def test_an_unborn_childs_sex_is_not_known(cast):
    with pytest.raises(ValidationError, match="not known"):
        case_services.person_create(
            by=cast.mash_manager,
            kind=PersonKind.UNBORN,
            last_name="Baby",
            sex=Sex.MALE,
            expected_date_of_birth=timezone.localdate() + timedelta(days=60),
        )


def test_child_records_through_the_api(cast, siblings, api_for):
    case, nia, noah = siblings
    api = api_for(cast.ecpp)
    assert api.get(f"/api/v1/cases/{case.pk}/child-records/").json()[0]["episodes"] == []
    moved = api.post(
        f"/api/v1/cases/{case.pk}/decisions/",
        {
            "mode": "record",
            "outcome": "pathway_4",
            "rationale": "Injury",
            "lawful_basis": "s47",
            "referral_source": "6",
            "primary_need": "N1",
            "version": case.version,
        },
        format="json",
    )
    assert moved.status_code == 201
    records = api.get(f"/api/v1/cases/{case.pk}/child-records/").json()
    assert [r["child"]["id"] for r in records] == [nia.pk, noah.pk]
    assert records[0]["status"] == "Section 47 enquiry"
    episode = records[0]["episodes"][0]
    assert episode["referral_source"] == "6" and episode["section47s"][0]["icpc_target"]
    refused = api_for(cast.social_worker).post(
        f"/api/v1/cases/{case.pk}/child-records/s47-outcome/",
        {"outcome": "hold_icpc", "rationale": "x"},
        format="json",
    )
    assert refused.status_code == 400 and "expert child protection" in refused.json()["non_field_errors"][0]
    done = api.post(
        f"/api/v1/cases/{case.pk}/child-records/s47-outcome/",
        {"outcome": "hold_icpc", "rationale": "Substantiated"},
        format="json",
    )
    assert done.status_code == 200
    backdate_enquiries(case)
    held = last_weekday(timezone.localdate()).isoformat()
    stranger = api.post(
        f"/api/v1/cases/{case.pk}/child-records/icpc/",
        {"held_on": held, "children": [{"child": 987654, "cp_plan": False}]},
        format="json",
    )
    assert stranger.status_code == 400 and "P987654" in str(stranger.json())
    icpc = api.post(
        f"/api/v1/cases/{case.pk}/child-records/icpc/",
        {
            "held_on": held,
            "children": [
                {"child": nia.pk, "cp_plan": True, "category": "SAB"},
                {"child": noah.pk, "cp_plan": False},
            ],
        },
        format="json",
    )
    assert icpc.status_code == 200, icpc.content
    by_child = {r["child"]["id"]: r for r in icpc.json()}
    assert by_child[nia.pk]["status"].startswith("Child protection plan")
    assert by_child[nia.pk]["episodes"][0]["cp_plans"][0]["initial_category"] == "SAB"
    assert by_child[noah.pk]["episodes"][0]["cp_plans"] == []
    cp_plan_id = by_child[nia.pk]["episodes"][0]["cp_plans"][0]["id"]
    changed = api.post(
        f"/api/v1/cases/{case.pk}/child-records/cp-plans/{cp_plan_id}/category/",
        {"category": "MUL"},
        format="json",
    )
    assert changed.status_code == 200
    assert {r["child"]["id"]: r for r in changed.json()}[nia.pk]["episodes"][0]["cp_plans"][0][
        "latest_category"
    ] == "MUL"
    other = api.post(
        f"/api/v1/cases/{case.pk}/child-records/cp-plans/{cp_plan_id + 1000}/category/",
        {"category": "NEG"},
        format="json",
    )
    assert other.status_code == 404
    auth = api_for(cast.team_manager).post(
        f"/api/v1/cases/{case.pk}/child-records/assessment-authorisation/",
        {"factors": ["18C", "3B"]},
        format="json",
    )
    assert auth.status_code == 200
    assert auth.json()[0]["episodes"][0]["assessments"][0]["factors"] == ["3B", "18C"]


def test_the_decision_page_shows_each_child_and_asks_the_icpc_for_each(cast, siblings, client_for):
    case, nia, noah = siblings
    to_pathway_4(case, cast.ecpp)
    client = client_for(cast.ecpp)
    page = client.get(reverse("pathways:decision", args=[case.pk])).content.decode()
    assert 'id="child-records"' in page and "Nia Northam" in page and "Noah Northam" in page
    assert "Record the outcome of the section 47 enquiry" in page
    done = client.post(
        reverse("pathways:census", args=[case.pk, "s47"]),
        {"s47-outcome": "hold_icpc", "s47-rationale": "Substantiated"},
    )
    assert done.status_code == 302
    backdate_enquiries(case)
    page = client.get(reverse("pathways:decision", args=[case.pk])).content.decode()
    assert f'name="icpc-child_{nia.pk}"' in page and f'name="icpc-child_{noah.pk}"' in page
    held = last_weekday(timezone.localdate()).isoformat()
    bad = client.post(
        reverse("pathways:census", args=[case.pk, "icpc"]),
        {"icpc-held_on": held, f"icpc-child_{nia.pk}": "plan"},
    )
    body = bad.content.decode()
    assert bad.status_code == 400 and "Record the conference&#x27;s decision for Noah Northam" in body
    assert f'name="icpc-held_on_year" type="text" inputmode="numeric" value="{held[:4]}"' in body  # kept
    missing_category = client.post(
        reverse("pathways:census", args=[case.pk, "icpc"]),
        {"icpc-held_on": held, f"icpc-child_{nia.pk}": "plan", f"icpc-child_{noah.pk}": "no_plan"},
    )
    assert missing_category.status_code == 400 and "category of abuse" in missing_category.content.decode()
    ok = client.post(
        reverse("pathways:census", args=[case.pk, "icpc"]),
        {
            "icpc-held_on": held,
            f"icpc-child_{nia.pk}": "plan",
            f"icpc-category_{nia.pk}": "NEG",
            f"icpc-child_{noah.pk}": "no_plan",
        },
    )
    assert ok.status_code == 302
    page = client.get(reverse("pathways:decision", args=[case.pk])).content.decode()
    assert "Child protection plan (neglect)" in page and "Change the category or end this plan" in page
    nias = CpPlan.objects.get()
    changed = client.post(
        reverse("pathways:census", args=[case.pk, "category"]),
        {"category-cp_plan": nias.pk, "category-category": "NEG"},
    )
    assert changed.status_code == 400 and "category already" in changed.content.decode()


def test_the_authorise_control_lists_the_children_waiting(cast, siblings, client_for):
    case, _nia, noah = siblings
    to_pathway(case, cast.social_worker, Outcome.PATHWAY_3, referral_source="1C", primary_need="N5")
    page = client_for(cast.team_manager).get(reverse("pathways:decision", args=[case.pk])).content.decode()
    assert "Authorise the assessment" in page and f'value="{noah.pk}"' in page
    social = client_for(cast.social_worker).get(reverse("pathways:decision", args=[case.pk])).content.decode()
    assert "Authorise the assessment" not in social


def test_the_person_page_records_what_the_returns_need(cast, world, client_for, api_for):
    child = world.north_child
    client = client_for(cast.social_worker)
    page = client.get(reverse("cases:person-detail", args=[child.pk])).content.decode()
    assert "Details for the statutory returns" in page
    url = reverse("cases:person-details", args=[child.pk])
    bad = client.post(
        url,
        {
            "details-sex": "F",
            "details-ethnicity": "WBRI",
            "details-disabilities": ["NONE", "HEAR"],
            "details-upn": "A123",
            "details-version": child.version,
        },
    )
    body = bad.content.decode()
    assert bad.status_code == 400 and "cannot go with a disability" in body and 'value="A123"' in body
    good = client.post(
        url,
        {
            "details-sex": "F",
            "details-ethnicity": "MWBA",
            "details-disabilities": ["HEAR", "AUT"],
            "details-upn_unknown_reason": "UN2",
            "details-version": child.version,
        },
    )
    assert good.status_code == 302
    child.refresh_from_db()
    assert (child.ethnicity, child.disabilities, child.upn_unknown_reason) == ("MWBA", ["HEAR", "AUT"], "UN2")
    stale = client.post(url, {"details-sex": "M", "details-ethnicity": "WBRI", "details-version": 1})
    assert stale.status_code == 400 and "Someone else changed" in stale.content.decode()
    assert ChronologyEntry.objects.filter(subject=child, kind=ChronologyKind.PERSON_DETAILS).count() == 1
    api = api_for(cast.social_worker)
    answered = api.post(
        f"/api/v1/people/{child.pk}/details/",
        {"sex": "F", "ethnicity": "MWBA", "disabilities": ["BOGUS"], "version": child.version},
        format="json",
    )
    assert answered.status_code == 400 and "disabilities" in answered.json()
    partner = api_for(cast.school_dsl).post(
        f"/api/v1/people/{child.pk}/details/",
        {"sex": "F", "ethnicity": "MWBA", "disabilities": [], "version": child.version},
        format="json",
    )
    assert partner.status_code in (403, 404)


def test_an_authority_can_count_family_help_as_child_in_need(cast, siblings, settings):
    settings.CIN_EPISODE_FROM_PATHWAY = 2
    case, nia, noah = siblings
    to_pathway(case, cast.social_worker, Outcome.PATHWAY_1)
    assert not CinEpisode.objects.filter(case=case).exists()
    with pytest.raises(ValidationError) as excinfo:
        to_pathway(case, cast.social_worker, Outcome.PATHWAY_2)
    assert "referral_source" in excinfo.value.message_dict
    to_pathway(case, cast.social_worker, Outcome.PATHWAY_2, referral_source="5D", primary_need="N4")
    assert set(CinEpisode.objects.filter(case=case).values_list("child", flat=True)) == {nia.pk, noah.pk}
    assert not Section47.objects.exists()


def test_closing_the_day_a_cp_plan_ends_leaves_no_plan_after_the_closure(cast, siblings):
    """A CP plan ended at today's review makes the child's CIN plan start tomorrow (never on a CP
    plan's day); closing the case today too closes the episode today, and that CIN plan never ran."""
    case, nia, noah = siblings
    to_pathway_4(case, cast.ecpp)
    s47_outcome_record(case=case, by=cast.ecpp, outcome="hold_icpc", rationale="Substantiated")
    backdate_enquiries(case, days=30)
    held = last_weekday(timezone.localdate() - timedelta(days=7))
    icpc_record(
        case=case,
        by=cast.ecpp,
        held_on=held,
        children=[ConferenceDecision(nia.pk, True, "NEG"), ConferenceDecision(noah.pk, False)],
    )
    today = timezone.localdate()
    cp_plan_end(cp_plan=CpPlan.objects.get(), by=cast.ecpp, on=today, rationale="Safe")
    assert CinPlanPeriod.objects.get(episode__child=nia).started_on == today + timedelta(days=1)
    to_pathway(case, cast.ecpp, Outcome.CLOSE)
    episode = CinEpisode.objects.get(child=nia)
    assert (episode.closure_date, episode.closure_reason) == (today, ClosureReason.RC7)
    assert not CinPlanPeriod.objects.filter(episode=episode).exists()
    assert CpPlan.objects.get().ended_on == today
