"""The synthetic county (seed_county) at a tiny scale: its sizes follow the scale, its rows keep
the services' rules, and the pages still work on it."""

import io
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from accounts.models import User
from accounts.roles import QUALIFIED_ROLES
from cases.models import AccessLogEntry, Allocation, Case, ChronologyEntry, Family, Person
from config.models import ChainHead
from escalation.calendar import working_days_after
from escalation.models import Clock, Task
from pathways.choices import CLOSED, PATHWAY_TRANSITIONS
from pathways.codes import ASSESSMENT_FACTORS, AbuseCategory
from pathways.models import (
    ChildAssessment,
    CinEpisode,
    CinPlanPeriod,
    CpCategoryChange,
    CpPlan,
    Decision,
    PathwayTransition,
    Plan,
    Section47,
)
from pathways.selectors import case_children
from referrals.models import Contact

pytestmark = pytest.mark.django_db

SCALE = 0.001
UK = ZoneInfo("Europe/London")


@pytest.fixture
def county(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "county-pass-for-test"
    out = io.StringIO()
    call_command("seed_county", scale=SCALE, stdout=out)
    return out.getvalue()


def _scalar(sql: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def test_seed_county_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_county", scale=SCALE)
    assert not Family.objects.exists()


def test_the_county_is_the_size_the_scale_asks_for_and_says_how_long_it_took(county):
    assert Family.objects.count() == 100
    assert 250 <= Person.objects.count() <= 360
    assert Contact.objects.count() == 1_000
    assert 80 <= Case.objects.count() <= 250
    assert 9_000 <= ChronologyEntry.objects.count() <= 11_000
    assert AccessLogEntry.objects.count() == 50_000
    assert Case.objects.filter(state="open").count() >= 4
    assert "Time per table" in county and "audit_accesslogentry" in county and "Loaded the county" in county


def test_a_loaded_database_is_refused(county, settings):
    with pytest.raises(CommandError, match="already holds"):
        call_command("seed_county", scale=SCALE, stdout=io.StringIO())


def test_every_open_case_is_allocated_as_the_services_require(county):
    for case in Case.objects.filter(state="open"):
        current = {
            allocation.role: allocation.user
            for allocation in Allocation.objects.filter(case=case, ended_at__isnull=True)
        }
        assert current["key_worker"].pk == case.key_worker_id, case
        if case.pathway >= 3:
            assert current["key_worker"].roles & QUALIFIED_ROLES, case
        if case.pathway == 4:
            assert current["ecpp"].pk == case.ecpp_id and "expert_cp_practitioner" in current["ecpp"].roles
        assert case.key_worker.has_perm("view_case", case)
    assert not Allocation.objects.filter(case__state="closed", ended_at__isnull=True).exists()


def test_pathway_histories_are_walks_along_the_state_machine_by_entitled_deciders(county):
    for case in Case.objects.all():
        where = 1
        for transition in PathwayTransition.objects.filter(case=case).order_by("at", "pk"):
            assert transition.from_pathway == where, case
            target = transition.to_pathway or CLOSED
            assert target in PATHWAY_TRANSITIONS[where], case
            assert transition.decision.case_id == case.pk and transition.decision.state == "recorded"
            where = target
        assert where == (CLOSED if case.state == "closed" else case.pathway), case
    for decision in Decision.objects.select_related("case", "decided_by"):
        level = max(decision.from_pathway, decision.to_pathway or 0)
        assert decision.decided_by.has_perm(f"pathways.decide_pathway_{level}"), decision.pk


def test_open_work_has_its_clocks_running(county):
    open_clocks = Clock.objects.filter(state__in=["running", "breached"])
    for plan in Plan.objects.filter(case__state="open"):
        assert open_clocks.filter(object_id=plan.pk, content_type__model="plan").exists(), plan
    for case in Case.objects.filter(state="open", pathway=2, plan__isnull=True):
        assert open_clocks.filter(object_id=case.pk, kind="early_help_assessment").exists(), case
    for contact in Contact.objects.filter(state="received"):
        assert open_clocks.filter(object_id=contact.pk, kind="contact_decision").exists(), contact
    assert not open_clocks.filter(
        object_id__in=Case.objects.filter(state="closed").values("pk"), content_type__model="case"
    ).exists()
    assert all(clock.due_at >= clock.started_at for clock in Clock.objects.all())
    # Each plan's review waits in its key worker's tray.
    open_plans = Plan.objects.filter(ended_on__isnull=True)
    assert open_plans.exists()
    for plan in open_plans.select_related("case"):
        assert Task.objects.filter(
            kind="review_due", object_id=plan.pk, state="open", user=plan.case.key_worker
        )


def test_every_child_of_a_case_that_reached_pathway_3_has_its_statutory_records(county):
    assert CinEpisode.objects.exists() and Section47.objects.exists() and CpPlan.objects.exists()
    # Every child of an open case at 3 or 4 has an open episode on that case, with an assessment.
    open_cin = Case.objects.filter(state="open", pathway__gte=3)
    assert open_cin.exists()
    for case in open_cin:
        for child in case_children(case).filter(kind="child"):  # unborn: added today, after the move
            episode = CinEpisode.objects.get(child=child, closure_date__isnull=True)
            assert episode.case_id == case.pk, case
            assert episode.assessments.exists(), episode
        # While the pathway-3 assessment clock its episodes started runs, their assessments wait.
        for clock in Clock.objects.filter(
            object_id=case.pk, kind="assessment_pathway_3", state__in=["running", "breached"]
        ):
            started = clock.started_at.astimezone(UK).date()
            waiting = ChildAssessment.objects.filter(episode__case=case, episode__referral_date=started)
            assert not waiting.filter(authorised_on__isnull=False).exists(), case
        # The open pathway-4 cases whose ICPC clock runs have the enquiries it times.
        if case.pathway == 4 and Clock.objects.filter(
            object_id=case.pk, kind="icpc", state__in=["running", "breached"]
        ):
            assert Section47.objects.filter(
                episode__case=case, episode__closure_date__isnull=True, icpc_date__isnull=True,
                outcome__in=["", "hold_icpc"],
            ).exists(), case  # fmt: skip
    # Cases that never reached 3 have none; no episode is open on a closed case.
    assert not CinEpisode.objects.exclude(case__pathway_history__to_pathway__gte=3).exists()
    assert not CinEpisode.objects.filter(case__state="closed", closure_date__isnull=True).exists()
    for episode in CinEpisode.objects.select_related("case", "decision"):
        case = episode.case
        # It opens on the decision that brought the case to 3 or 4, never before the case.
        assert episode.decision.case_id == case.pk and episode.decision.to_pathway >= 3, episode.pk
        assert episode.referral_date == episode.decision.decided_at.astimezone(UK).date(), episode.pk
        assert episode.referral_date >= case.opened_at.astimezone(UK).date(), episode.pk
        assert episode.referral_source and episode.primary_need, episode.pk
        if case.state == "closed":
            assert episode.closure_date == case.closed_at.astimezone(UK).date(), episode.pk
            assert episode.closure_reason in ("RC7", "RC8", "RC9"), episode.pk
            further = episode.cin_plans.exists() or episode.section47s.exists() or episode.cp_plans.exists()
            if further:
                assert episode.closure_reason == "RC7", episode.pk  # DfE rule 2990
    # Assessments: authorised by a manager, after their start, mostly within 45 working days.
    authorised = ChildAssessment.objects.filter(authorised_on__isnull=False)
    assert authorised.exists()
    on_time = 0
    for assessment in authorised.select_related("episode", "authorised_by"):
        assert assessment.authorised_by.has_perm("pathways.authorise_assessment"), assessment.pk
        assert assessment.factors and set(assessment.factors) <= set(ASSESSMENT_FACTORS), assessment.pk
        closure = assessment.episode.closure_date
        assert closure is None or assessment.authorised_on <= closure, assessment.pk
        on_time += assessment.authorised_on <= working_days_after(assessment.started_on, 45)
    assert on_time >= 0.7 * authorised.count()
    # CIN plans run within their episode and never on a day the child is on a CP plan.
    for period in CinPlanPeriod.objects.select_related("episode"):
        episode = period.episode
        assert period.started_on >= episode.referral_date, period.pk
        cp_plans = list(episode.cp_plans.all())
        if not cp_plans:
            assert (period.ended_on is None) == (episode.closure_date is None), period.pk
        for cp_plan in cp_plans:
            assert period.ended_on is not None and period.ended_on < cp_plan.started_on, period.pk
        assert period.ended_on is None or period.ended_on <= (episode.closure_date or date.today())


def test_section_47_enquiries_and_child_protection_plans_follow_pathway_4(county):
    for enquiry in Section47.objects.select_related("episode__case"):
        case = enquiry.episode.case
        started = case.pathway_history.filter(to_pathway=4, at__date__lte=enquiry.started_on)
        assert started.exists(), enquiry.pk  # a strategy discussion, when the case came to 4
        assert enquiry.icpc_target == working_days_after(enquiry.started_on, 15)
        if enquiry.outcome:
            assert enquiry.started_on <= enquiry.outcome_on, enquiry.pk
        else:
            assert case.state == "open" and case.pathway == 4, enquiry.pk
        if enquiry.icpc_date:
            assert enquiry.outcome == "hold_icpc" and enquiry.icpc_date.weekday() < 5, enquiry.pk
    held = Section47.objects.filter(icpc_date__isnull=False)
    assert held.exists() and CpPlan.objects.exists()
    in_time = sum(enquiry.icpc_date <= enquiry.icpc_target for enquiry in held)
    assert in_time >= 0.7 * held.count()
    # Every CP plan came from an enquiry that decided on a conference, held the day it started.
    for cp_plan in CpPlan.objects.select_related("section47", "episode"):
        enquiry = cp_plan.section47
        assert enquiry is not None and enquiry.episode_id == cp_plan.episode_id, cp_plan.pk
        assert enquiry.outcome == "hold_icpc" and enquiry.icpc_date == cp_plan.started_on, cp_plan.pk
        assert cp_plan.initial_category in AbuseCategory.values, cp_plan.pk
        assert cp_plan.ended_on == cp_plan.episode.closure_date, cp_plan.pk
        change = CpCategoryChange.objects.get(cp_plan=cp_plan)
        assert change.to_category == cp_plan.latest_category and change.on == cp_plan.started_on
    # An open case's CP plans go with its child protection plan.
    for cp_plan in CpPlan.objects.filter(ended_on__isnull=True).select_related("episode__case__plan"):
        assert cp_plan.episode.case.plan.kind == "child_protection", cp_plan.pk


def test_the_county_census_passes_the_dfes_rules(county, settings, tmp_path):
    """The children's records the load writes make a census return the DfE's rules accept (no
    ERROR; the QUERY rules docs/census.md explains, and 2991Q: an s47 whose episode's assessment was
    authorised before the census year, which the services do not ask for again)."""
    import json
    import subprocess
    import xml.etree.ElementTree as ET
    from pathlib import Path

    from returns.census import census_write

    root = Path(settings.BASE_DIR)
    children = 0
    for year in (2026, 2027):
        path = tmp_path / f"cin{year}.xml"
        with path.open("wb") as out:
            census_write(year, out)
        children += len(ET.parse(path).getroot().findall("Children/Child"))
        validator = root / "returns/dfe_rules/cin_validate.py"
        command = [str(root / ".venv-cin/bin/python"), "-I", str(validator), str(path), str(year)]
        ran = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert ran.returncode == 0, ran.stderr[-2000:]
        report = json.loads(ran.stdout)
        fired = report["rules"] + report["return_level"]
        assert report["crashed"] == [] and [rule for rule in fired if rule["severity"] == "ERROR"] == []
        assert {rule["rule"] for rule in fired} <= {"2887Q", "8670Q", "8675Q", "8770Q", "2991Q"}, fired
    assert children > 0


def test_people_have_plausible_dates_and_the_history_chains_hold(county):
    today = date.today()
    for person in Person.objects.filter(kind="child"):
        assert person.date_of_birth < today and person.age < 18
    assert not Person.objects.filter(kind="unborn", expected_date_of_birth__lt=today).exists()
    parents_older = _scalar(
        "SELECT count(*) FROM cases_relationship r JOIN cases_person p ON p.id = r.person_id "
        "JOIN cases_person c ON c.id = r.relative_id WHERE r.kind IN ('mother', 'father') "
        "AND p.date_of_birth > c.date_of_birth - interval '18 years'"
    )
    assert parents_older == 0
    assert (
        _scalar("SELECT count(*) FROM cases_chronologyentry WHERE occurred_at > now() + interval '1 minute'")
        == 0
    )
    orphans = _scalar(
        "SELECT count(*) FROM cases_chronologyentry e LEFT JOIN cases_family f ON f.id = e.family_id "
        "LEFT JOIN accounts_user u ON u.id = e.author_id WHERE f.id IS NULL OR u.id IS NULL"
    )
    assert orphans == 0
    out = io.StringIO()
    call_command("history_verify", stdout=out)
    assert out.getvalue().count("intact") == 2, out.getvalue()


def test_the_access_log_lands_in_its_months_with_every_index_and_the_chain_heads_follow(county):
    """Ten years of reads go to their months' partitions (none waits in the default), each partition
    carries every index of the parent (rebuilt after the load), and the chains' heads are the
    tables' newest rows, so the next read carries the chain on."""
    table = AccessLogEntry._meta.db_table
    assert _scalar(f'SELECT count(*) FROM "{table}_default"') == 0  # noqa: S608
    assert _scalar(f'SELECT count(DISTINCT tableoid) FROM "{table}"') >= 100  # noqa: S608
    parent = _scalar("SELECT count(*) FROM pg_indexes WHERE tablename = %s", [table])
    short = _scalar(
        "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass AND "
        "(SELECT count(*) FROM pg_index x WHERE x.indrelid = c.oid AND x.indisvalid) <> %s",
        [table, parent],
    )
    assert parent >= 6 and short == 0
    for model in (AccessLogEntry, ChronologyEntry):
        newest = model.objects.order_by("-chain_seq").values_list("chain_seq", "row_hash").first()
        head = ChainHead.objects.get(chain=model._meta.db_table)
        assert (head.seq, head.row_hash) == newest


def test_the_demo_logins_hold_cases_and_the_pages_work(county, client):
    worker = authenticate(username="fh.worker", password="county-pass-for-test")
    assert worker is not None
    assert Case.objects.filter(key_worker__username__in=["fh.worker", "social.worker"], state="open").exists()
    case = Case.objects.filter(key_worker__username__startswith=("fh.worker"), state="open").first() or (
        Case.objects.filter(state="open").first()
    )
    client.force_login(case.key_worker)
    response = client.get(reverse("cases:case-detail", args=[case.pk]))
    assert response.status_code == 200
    assert case.family.name in response.content.decode()
    client.force_login(User.objects.get(username="mash.manager"))
    contact = Contact.objects.filter(family__isnull=False).first()
    assert client.get(reverse("referrals:contact", args=[contact.pk])).status_code == 200
