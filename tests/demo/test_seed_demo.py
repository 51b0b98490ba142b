import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count

from accounts.models import User
from cases.models import Case, ChronologyEntry, Family, Person

pytestmark = pytest.mark.django_db

DEMO_LOGINS = {
    "fh.worker": "family_help_worker",
    "social.worker": "social_worker",
    "ecpp": "expert_cp_practitioner",
    "mash.manager": "mash_manager",
    "team.manager": "team_manager",
    "ehh.manager": "team_manager",
    "school.dsl": "partner_practitioner",
    "auditor": "auditor",
    "admin": "administrator",
}


def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_builds_a_demo_authority_and_is_idempotent(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "demo-pass-for-test"
    call_command("seed_demo", children=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    for username, role in DEMO_LOGINS.items():
        user = authenticate(username=username, password="demo-pass-for-test")
        assert user is not None, username
        assert user.primary_role == role
    assert Family.objects.count() == 52  # 50 demo families, two more made at the front door
    open_pathways = set(Case.objects.filter(state="open").values_list("pathway", flat=True))
    assert open_pathways == {1, 2, 3, 4}
    assert Case.objects.filter(state="closed").exists()
    assert all(case.ecpp_id for case in Case.objects.filter(pathway=4, state="open"))
    assert User.objects.get(username="school.dsl").involvements.exists()
    # The heart is populated: every family has its assessment, families beyond pathway 1 a plan.
    from assessments.models import Assessment, Conversation
    from pathways.models import Decision, Plan

    assert Assessment.objects.count() == 52 and Conversation.objects.count() == 50
    assert Plan.objects.count() == Case.objects.filter(pathway__gte=2, contacts__isnull=True).count()
    # The front door has work in it, and one request has been decided and answered.
    from referrals.models import Contact
    from referrals.selectors import triage_queue

    queue = list(triage_queue(User.objects.get(username="mash.manager")))
    assert len(queue) == 5 and queue[0].flagged
    answered = Contact.objects.get(state="triaged", outcome="pathway_2")
    assert answered.feedback_sent and answered.case.pathway == 2
    assert answered.submitted_by.username == "school.dsl"
    # The disputed one is on the ladder, with the contacts for every rung.
    from disagreements.models import Disagreement, LadderContact

    disputed = Disagreement.objects.get()
    # Not resolved at any rung in time, it has climbed to the head of service (rung 5).
    assert disputed.stage == 5 and disputed.owner.username == "head.of.service"
    assert disputed.events.filter(summary="Not resolved at this stage").count() == 4
    assert LadderContact.objects.count() == 3
    assert Decision.objects.filter(state="proposed").exists()
    # A step-down waits for the team manager, with the parent's consent; the hub has a manager.
    from stepdown.models import StepDown

    waiting = StepDown.objects.get(state="proposed")
    assert waiting.consent.early_help
    assert waiting.receiving_team.manager.username == "ehh.manager"
    # The front door passed one request to the Early Help Hub, which has yet to review it.
    assert StepDown.objects.get(state="with_hub", route="contact").receiving_team == waiting.receiving_team
    # Management oversight and the family's own voice, on the first run (issue 18).
    from assessments.models import Contribution
    from fgc.models import FgcReferral
    from pathways.models import PlanAction, Supervision
    from pathways.selectors import cases_overdue_for_supervision
    from stepdown.models import ReviewSet

    manager = User.objects.get(username="team.manager")
    assert Supervision.objects.filter(manager=manager).count() >= 2
    assert cases_overdue_for_supervision(manager).exists()
    assert set(FgcReferral.objects.values_list("state", flat=True)) == {"plan_agreed", "referred"}
    assert PlanAction.objects.filter(source="family_plan").count() == 3
    review_set = ReviewSet.objects.get(created_by=manager)
    outcomes = sorted(review_set.items.values_list("outcome", flat=True))
    assert outcomes == ["", "continue", "step_down"]
    assert review_set.items.get(outcome="step_down").step_down.state == "awaiting_consent"
    scaled_by = set(Contribution.objects.filter(section="how_worried").values_list("scaled_by", flat=True))
    assert {"practitioner", "family", "child"} <= scaled_by
    assert Contribution.objects.filter(section="voice_of_child", gathered_by="three_houses").exists()
    counts = (
        Family.objects.count(),
        Case.objects.count(),
        ChronologyEntry.objects.count(),
        User.objects.count(),
    )
    call_command("seed_demo", children=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts == (
        Family.objects.count(),
        Case.objects.count(),
        ChronologyEntry.objects.count(),
        User.objects.count(),
    )


def test_every_demo_login_signs_in_to_a_home_page(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", children=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.DEBUG = False
    for username in DEMO_LOGINS:
        response = client.post(
            "/accounts/sign-in/", {"username": username, "password": settings.DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        home = client.get("/")
        assert home.status_code == 200 and "Hello," in home.content.decode(), username
        client.logout()


def test_the_demo_history_holds_every_census_element_and_passes_the_dfes_rules(settings, tmp_path):
    """seed_demo --children N writes a history since April 2024 through the services; both census
    years' returns pass the DfE's rules (no ERROR; the QUERY rules docs/census.md explains)."""
    import json
    import subprocess
    import xml.etree.ElementTree as ET
    from datetime import timedelta
    from pathlib import Path

    from pathways.models import CinEpisode, CpCategoryChange, CpPlan, CpReview, Section47
    from returns.census import census_write

    settings.DEBUG = True
    call_command("seed_demo", children=120, stdout=open("/dev/null", "w"))  # noqa: SIM115
    episodes = CinEpisode.objects.all()
    assert episodes.filter(child__kind="unborn").exists()
    assert {"RC7", "RC8", "RC9"} <= set(episodes.values_list("closure_reason", flat=True))
    assert Section47.objects.filter(icpc_date__isnull=False).exists()
    assert Section47.objects.filter(outcome__in=["nfa", "continue_cin"]).exists()
    assert CpReview.objects.exists() and CpCategoryChange.objects.filter(from_category__gt="").exists()
    # A step-down after a CP plan closes the episode with RC7.
    assert CpPlan.objects.filter(episode__closure_reason="RC7").exists()
    # A re-referral within 12 months, a child in two families, a merged duplicate.
    assert any(
        later.referral_date - earlier.closure_date <= timedelta(days=365)
        for earlier in episodes.filter(closure_date__isnull=False)
        for later in episodes.filter(child=earlier.child_id, referral_date__gt=earlier.referral_date)
    )
    assert (
        Person.objects.filter(memberships__role="child").annotate(n=Count("memberships")).filter(n=2).exists()
    )
    assert Person.objects.filter(merged_into__isnull=False).exists()
    counts = (CinEpisode.objects.count(), Family.objects.count())
    call_command("seed_demo", children=120, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts == (CinEpisode.objects.count(), Family.objects.count())
    root = Path(settings.BASE_DIR)
    for year in (2026, 2027):
        path = tmp_path / f"cin{year}.xml"
        with path.open("wb") as out:
            census_write(year, out)
        assert len(ET.parse(path).getroot().findall("Children/Child")) > 40
        ran = subprocess.run(
            [
                str(root / ".venv-cin/bin/python"),
                "-I",
                str(root / "returns/dfe_rules/cin_validate.py"),
                str(path),
                str(year),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert ran.returncode == 0, ran.stderr[-2000:]
        report = json.loads(ran.stdout)
        fired = report["rules"] + report["return_level"]
        assert report["crashed"] == [] and [rule for rule in fired if rule["severity"] == "ERROR"] == []
        assert {rule["rule"] for rule in fired} <= {"2887Q", "8670Q", "8675Q"}, fired


def test_on_first_sign_in_every_worker_and_manager_finds_work_in_their_tray(settings):
    from demo.management.commands.seed_demo import DEMO_USERS
    from escalation.models import Task
    from escalation.selectors import tray

    settings.DEBUG = True
    call_command("seed_demo", children=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    empty = {row[0] for row in DEMO_USERS if not tray(User.objects.get(username=row[0])).exists()}
    assert empty == set()
    kinds = set(Task.objects.filter(state="open").values_list("kind", flat=True))
    assert {
        "decision_confirm",
        "stepdown_approve",
        "hub_review",
        "contact_triage",
        "disagreement_stage",
        "icpc_hold",
        "review_due",
        "proposal_returned",
        "consent_record",
        "lead_professional",
        "audit_findings",
        "account_role",
    } <= kinds


def test_the_demo_families_dates_hold_together(settings):
    """No address before birth, no parent younger than 16 at a child's birth, no school worries
    about a baby, cases opened on days of their own over past years, nothing on a case's chronology
    before it opened, caseloads a worker could hold, and families' feedback on closed cases."""
    from datetime import timedelta

    from django.db.models import F, Max, Min

    from assessments.models import Contribution
    from cases.models import Address, FamilyFeedback, Relationship

    settings.DEBUG = True
    call_command("seed_demo", children=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Address.objects.exists()
    assert not Address.objects.filter(moved_in__lt=F("person__date_of_birth")).exists()
    for relationship in Relationship.objects.filter(kind__in=["mother", "father"]).select_related(
        "person", "relative"
    ):
        gap = relationship.relative.date_of_birth - relationship.person.date_of_birth
        assert gap >= timedelta(days=16 * 365), relationship
    for contribution in Contribution.objects.filter(child__isnull=False).select_related("child"):
        if "school" in contribution.text.lower() or contribution.section == "education":
            assert contribution.child.age >= 5, contribution.text
    assert Case.objects.dates("opened_at", "day").count() >= 40
    span = Case.objects.aggregate(first=Min("opened_at"), last=Max("opened_at"))
    assert span["last"] - span["first"] > timedelta(days=365)
    assert not ChronologyEntry.objects.filter(
        case__isnull=False, occurred_at__lt=F("case__opened_at")
    ).exists()
    caseloads = (
        Case.objects.filter(state="open", key_worker__isnull=False)
        .values("key_worker")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    assert max(caseloads) <= 25
    feedback = FamilyFeedback.objects.select_related("case")
    assert feedback.exists() and all(item.case.state == "closed" for item in feedback)
    assert ChronologyEntry.objects.filter(kind="family_feedback").count() == feedback.count()
