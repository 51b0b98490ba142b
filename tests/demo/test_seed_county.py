"""The synthetic county (seed_county) at a tiny scale: its sizes follow the scale, its rows keep
the services' rules, and the pages still work on it."""

import io
from datetime import date

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from accounts.models import User
from accounts.roles import QUALIFIED_ROLES
from cases.models import AccessLogEntry, Allocation, Case, ChronologyEntry, Family, Person
from escalation.models import Clock, Task
from pathways.choices import CLOSED, PATHWAY_TRANSITIONS
from pathways.models import Decision, PathwayTransition, Plan
from referrals.models import Contact

pytestmark = pytest.mark.django_db

SCALE = 0.001


@pytest.fixture
def county(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "county-pass-for-test"
    out = io.StringIO()
    call_command("seed_county", scale=SCALE, stdout=out)
    return out.getvalue()


def _scalar(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
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
