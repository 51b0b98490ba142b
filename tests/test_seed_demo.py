import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from accounts.models import User
from cases.models import Case, ChronologyEntry, Family

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
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for username, role in DEMO_LOGINS.items():
        user = authenticate(username=username, password="demo-pass-for-test")
        assert user is not None, username
        assert user.primary_role == role
    assert Family.objects.count() == 51  # 50 demo families, one more made at the front door
    open_pathways = set(Case.objects.filter(state="open").values_list("pathway", flat=True))
    assert open_pathways == {1, 2, 3, 4}
    assert Case.objects.filter(state="closed").exists()
    assert all(case.ecpp_id for case in Case.objects.filter(pathway=4, state="open"))
    assert User.objects.get(username="school.dsl").involvements.exists()
    # The heart is populated: every family has its assessment, families beyond pathway 1 a plan.
    from assessments.models import Assessment, Conversation
    from pathways.models import Decision, Plan

    assert Assessment.objects.count() == 51 and Conversation.objects.count() == 50
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
    from escalation.models import Disagreement, LadderContact

    disputed = Disagreement.objects.get()
    assert disputed.stage == 1 and disputed.owner.username == "mash.manager"
    assert LadderContact.objects.count() == 3
    assert Decision.objects.filter(state="proposed").exists()
    # A step-down waits for the team manager, with the parent's consent; the hub has a manager.
    from stepdown.models import StepDown

    waiting = StepDown.objects.get()
    assert waiting.state == "proposed" and waiting.consent.early_help
    assert waiting.receiving_team.manager.username == "ehh.manager"
    counts = (
        Family.objects.count(),
        Case.objects.count(),
        ChronologyEntry.objects.count(),
        User.objects.count(),
    )
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts == (
        Family.objects.count(),
        Case.objects.count(),
        ChronologyEntry.objects.count(),
        User.objects.count(),
    )


def test_every_demo_login_signs_in_to_a_home_page(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.DEBUG = False
    for username in DEMO_LOGINS:
        response = client.post(
            "/accounts/sign-in/", {"username": username, "password": settings.DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        home = client.get("/")
        assert home.status_code == 200 and "Hello," in home.content.decode(), username
        client.logout()
