"""The professional-disagreement ladder, the inbox and the managers' dashboard (the clocks issue)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Team
from disagreements.models import Disagreement, LadderContact
from disagreements.services import (
    disagreement_escalate,
    disagreement_position_add,
    disagreement_raise_on_contact,
    disagreement_resolve,
    disagreement_withdraw,
)
from escalation.calendar import working_hours_after
from escalation.models import Clock, Notification
from escalation.services import clocks_sweep
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ladder(cast):
    """The front door's manager, the DSL's head teacher, and the authority's senior managers."""
    Team.objects.filter(kind="mash").update(manager=cast.team_manager)
    head = UserFactory(username="head.teacher", roles=[Role.PARTNER_PRACTITIONER], agency=cast.school)
    cast.school_dsl.line_manager = head
    cast.school_dsl.save(update_fields=["line_manager"])
    seniors = {}
    for stage, name in ((4, "service.manager"), (5, "head.of.service"), (6, "director")):
        seniors[stage] = UserFactory(username=name, roles=[Role.TEAM_MANAGER], agency=cast.la)
        LadderContact.objects.create(agency=cast.la, stage=stage, user=seniors[stage])
    return {"head": head, **seniors}


@pytest.fixture
def refused(cast):
    from tests.referrals.test_triage import link_all, new_contact, triage

    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager)
    return triage(contact, cast.mash_manager, outcome="nfa")


def raise_it(contact, cast, **extra):
    return disagreement_raise_on_contact(
        contact=contact, by=cast.school_dsl, position="She told us she is scared to go home", **extra
    )


def test_a_disagreement_starts_with_the_duty_worker_on_a_deadline_and_both_sides_know(cast, ladder, refused):
    disagreement = raise_it(refused, cast)
    assert disagreement.stage == 1 and disagreement.owner == cast.mash_manager
    clock = Clock.objects.get(object_id=disagreement.pk, content_type__model="disagreement", state="running")
    assert clock.kind == "escalation_stage" and clock.holder == cast.mash_manager
    assert clock.due_at == working_hours_after(disagreement.raised_at, 16)
    told = set(
        Notification.objects.filter(key__startswith=f"disagreement:{disagreement.pk}").values_list(
            "user__username", flat=True
        )
    )
    assert told == {"school.dsl", "mash.manager"}


def test_high_risk_runs_to_hours_not_days(cast, ladder, refused):
    disagreement = raise_it(refused, cast, high_risk=True)
    clock = Clock.objects.get(object_id=disagreement.pk, content_type__model="disagreement")
    assert clock.kind == "escalation_stage_high_risk"
    assert clock.due_at == working_hours_after(disagreement.raised_at, 4)


def test_it_climbs_the_ladder_rung_by_rung_to_the_director(cast, ladder, refused):
    disagreement = raise_it(refused, cast)
    owners = [disagreement.owner]
    for _ in range(5):
        disagreement = disagreement_escalate(
            disagreement=disagreement, by=cast.school_dsl, reason="Still worried"
        )
        owners.append(disagreement.owner)
    # Stage 3: the school's head teacher takes it up with the duty team manager, who answers.
    assert owners == [
        cast.mash_manager,
        cast.team_manager,
        cast.team_manager,
        ladder[4],
        ladder[5],
        ladder[6],
    ]
    assert (
        Clock.objects.filter(
            object_id=disagreement.pk, content_type__model="disagreement", state="running"
        ).count()
        == 1
    )
    with pytest.raises(ValidationError, match="top of the ladder"):
        disagreement_escalate(disagreement=disagreement, by=cast.school_dsl, reason="Again")
    # From stage 3 the raiser's line manager hears about it too.
    assert Notification.objects.filter(user=ladder["head"], key__contains=":stage:4:").exists()


def test_a_missed_stage_deadline_moves_it_up_and_tells_both_sides(cast, ladder, refused):
    disagreement = raise_it(refused, cast)
    Clock.objects.filter(object_id=disagreement.pk, content_type__model="disagreement").update(
        started_at=timezone.now() - timedelta(days=3), due_at=timezone.now() - timedelta(minutes=1)
    )
    counts = clocks_sweep()
    assert counts["breached"] == 1
    disagreement.refresh_from_db()
    assert disagreement.stage == 2 and disagreement.owner == cast.team_manager
    running = Clock.objects.get(
        object_id=disagreement.pk, content_type__model="disagreement", state="running"
    )
    assert running.holder == cast.team_manager and running.due_at > timezone.now()
    stage_two = Notification.objects.filter(key__startswith=f"disagreement:{disagreement.pk}:stage:2")
    assert set(stage_two.values_list("user__username", flat=True)) == {"school.dsl", "team.manager"}
    assert disagreement.events.filter(summary="Stage deadline missed").exists()
    assert clocks_sweep()["breached"] == 0  # acted on once


def test_positions_and_resolution_are_recorded_and_only_the_owner_resolves(cast, ladder, refused, client_for):
    disagreement = raise_it(refused, cast)
    disagreement_position_add(
        disagreement=disagreement, by=cast.mash_manager, text="Checks show no concerns at home"
    )
    disagreement_position_add(disagreement=disagreement, by=cast.school_dsl, text="She said it again today")
    response = client_for(cast.school_dsl).post(
        reverse("disagreements:disagreement-act", args=[disagreement.pk, "resolve"]),
        {
            "resolve-resolution": "x",
            "resolve-decision_changed": "yes",
            "resolve-version": disagreement.version,
        },
    )
    assert response.status_code == 403
    with pytest.raises(ValidationError) as missing:
        disagreement_resolve(
            disagreement=disagreement, by=cast.mash_manager, resolution="Agreed", decision_changed=None
        )
    assert "decision_changed" in missing.value.message_dict
    disagreement = disagreement_resolve(
        disagreement=disagreement,
        by=cast.mash_manager,
        resolution="Strategy discussion today",
        decision_changed=True,
    )
    assert disagreement.state == "resolved" and disagreement.decision_changed is True
    assert Clock.objects.get(object_id=disagreement.pk, content_type__model="disagreement").state == "met"
    assert Notification.objects.filter(key__contains=":resolved:").count() == 2
    with pytest.raises(ValidationError, match="resolved"):
        disagreement_withdraw(disagreement=disagreement, by=cast.school_dsl, reason="x")


def test_both_agencies_see_it_and_nobody_else(cast, ladder, refused, client_for, api_for):
    disagreement = raise_it(refused, cast)
    outsider = UserFactory(username="gp", roles=[Role.PARTNER_PRACTITIONER])
    url = reverse("disagreements:disagreement", args=[disagreement.pk])
    # Inside children's services, seeing disagreements comes with seeing all cases: not the
    # administrator, nor a family help worker of another team.
    assert client_for(cast.administrator).get(url).status_code == 404
    assert client_for(cast.fh_worker).get(url).status_code == 404
    for user, code in (
        (cast.school_dsl, 200),
        (ladder["head"], 200),
        (cast.mash_manager, 200),
        (cast.auditor, 200),
        (outsider, 404),
    ):
        assert client_for(user).get(url).status_code == code, user.username
    assert api_for(outsider).get(f"/api/v1/disagreements/{disagreement.pk}/").status_code == 404
    assert [
        row["id"] for row in api_for(cast.school_dsl).get("/api/v1/disagreements/").json()["results"]
    ] == [disagreement.pk]
    # The auditor reads but cannot take part.
    response = client_for(cast.auditor).post(
        reverse("disagreements:disagreement-act", args=[disagreement.pk, "position"]), {"position-text": "x"}
    )
    assert response.status_code == 403


def test_the_ladder_pages_keep_what_was_typed_on_error(cast, ladder, refused, client_for):
    disagreement = raise_it(refused, cast)
    client = client_for(cast.school_dsl)
    page = client.get(reverse("disagreements:disagreement", args=[disagreement.pk])).content.decode()
    assert "Stage 1: Practitioner and the duty or allocated social worker" in page
    bad = client.post(
        reverse("disagreements:disagreement-act", args=[disagreement.pk, "meeting"]),
        {
            "meeting-held_on": "2999-01-01",
            "meeting-attendees": "Sadia and Maya",
            "meeting-notes": "Talked it through",
        },
    )
    assert bad.status_code == 400 and "Talked it through" in bad.content.decode()
    good = client.post(
        reverse("disagreements:disagreement-act", args=[disagreement.pk, "escalate"]),
        {"escalate-reason": "No reply", "escalate-version": disagreement.version},
    )
    assert good.status_code == 302
    disagreement.refresh_from_db()
    assert disagreement.stage == 2
    assert (
        client.post(reverse("disagreements:disagreement-act", args=[disagreement.pk, "nonsense"])).status_code
        == 404
    )


def test_a_partner_disagrees_with_a_decision_on_an_open_case_through_the_api(cast, world, ladder, api_for):
    from pathways.choices import Outcome
    from pathways.services import DecisionDetails, decision_record

    decision = decision_record(
        case=world.school_case,
        by=cast.social_worker,
        details=DecisionDetails(outcome=Outcome.PATHWAY_1, rationale="Needs met"),
    )
    # The DSL works with the family but does not see decisions: so they cannot name one.
    assert (
        api_for(cast.school_dsl)
        .post("/api/v1/disagreements/", {"decision_id": decision.pk, "position": "x"}, format="json")
        .status_code
        == 400
    )
    response = api_for(cast.fh_worker_south).post(
        "/api/v1/disagreements/",
        {"decision_id": decision.pk, "position": "The family still needs help"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    disagreement = Disagreement.objects.get(pk=response.json()["id"])
    assert disagreement.owner == cast.social_worker  # nobody holds the case: whoever decided answers
    assert response.json()["stage"] == 1


def test_the_inbox_shows_mine_with_a_badge_and_marks_read(cast, ladder, refused, client_for, api_for):
    raise_it(refused, cast)
    client = client_for(cast.mash_manager)
    badge = client.get(reverse("escalation:inbox-badge")).content.decode()
    assert ">1<" in badge.replace(" ", "")
    page = client.get(reverse("escalation:inbox")).content.decode()
    assert "Professional disagreement" in page
    mine = Notification.objects.get(user=cast.mash_manager)
    response = client.post(reverse("escalation:notification-read", args=[mine.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == mine.url
    assert "govuk-tag" not in client.get(reverse("escalation:inbox-badge")).content.decode()
    other = Notification.objects.get(user=cast.school_dsl)
    assert client.post(reverse("escalation:notification-read", args=[other.pk])).status_code == 404
    api = api_for(cast.school_dsl)
    assert [n["id"] for n in api.get("/api/v1/notifications/").json()["results"]] == [other.pk]
    assert api.post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 404


def test_the_dashboard_is_for_managers_and_its_queries_do_not_grow(cast, world, client_for, api_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from escalation.services import clock_start

    assert client_for(cast.fh_worker).get(reverse("escalation:dashboard")).status_code == 403
    assert api_for(cast.fh_worker).get("/api/v1/clocks/").status_code == 403
    client = client_for(cast.team_manager)

    def queries():
        client.get(reverse("escalation:dashboard"))
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("escalation:dashboard"))
        assert page.status_code == 200
        return len(captured), page.content.decode()

    clock_start(
        target=world.north_case,
        kind="plan_review",
        team=cast.north,
        pathway=2,
        due_at=timezone.now() + timedelta(hours=3),
    )
    few, page = queries()
    assert "Family Help Team North" in page
    for case in (world.south_case, world.school_case):
        clock_start(
            target=case, kind="icpc", team=cast.south, pathway=3, due_at=timezone.now() + timedelta(days=3)
        )
    many, _ = queries()
    assert few == many


def test_a_manager_moves_a_due_time_through_the_api_with_a_reason(cast, world, api_for):
    from escalation.services import clock_start

    clock = clock_start(target=world.north_case, kind="plan_review", team=cast.north)
    api = api_for(cast.team_manager)
    later = (clock.due_at + timedelta(days=5)).isoformat()
    bad = api.post(f"/api/v1/clocks/{clock.pk}/due/", {"due_at": later, "reason": ""}, format="json")
    assert bad.status_code == 400 and "reason" in bad.json()
    done = api.post(
        f"/api/v1/clocks/{clock.pk}/due/", {"due_at": later, "reason": "Conference moved"}, format="json"
    )
    assert done.status_code == 200 and done.json()["version"] == clock.version + 1
    assert api.post("/api/v1/clocks/abc/due/", {}, format="json").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_moving_a_due_time_works_outside_a_test_transaction_and_not_on_your_own_clock(cast, world, api_for):
    from escalation.services import clock_start

    clock = clock_start(target=world.north_case, kind="plan_review", holder=cast.team_manager)
    later = (clock.due_at + timedelta(days=5)).isoformat()
    own = api_for(cast.team_manager).post(
        f"/api/v1/clocks/{clock.pk}/due/", {"due_at": later, "reason": "x"}, format="json"
    )
    assert own.status_code == 400 and "another manager" in str(own.json())
    done = api_for(cast.mash_manager).post(
        f"/api/v1/clocks/{clock.pk}/due/", {"due_at": later, "reason": "Conference moved"}, format="json"
    )
    assert done.status_code == 200


def test_a_returned_pathway_4_gets_a_new_decision_clock_and_leaving_a_pathway_stops_its_clocks(cast, world):
    from pathways.choices import Outcome
    from pathways.services import DecisionDetails, decision_record, decision_return
    from tests.referrals.test_triage import link_all, new_contact, triage

    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager)
    contact = triage(
        contact, cast.mash_manager, outcome="pathway_4", team=cast.north, primary_need="N1", ecpp=cast.ecpp
    )
    decision_return(decision=contact.decision, by=cast.ecpp, reason="Pathway 3 first")
    decision_clocks = Clock.objects.filter(
        object_id=contact.pk, content_type__model="contact", kind="contact_decision"
    )
    assert sorted(decision_clocks.values_list("state", flat=True)) == ["met", "running"]
    # A case at pathway 4 with its ICPC clock, stepped down to 3 by an ECPP: the ICPC clock stops.
    case = world.north_case
    decision_record(
        case=case,
        by=cast.ecpp,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_4,
            rationale="x",
            lawful_basis="s47",
            referral_source="6",
            primary_need="N1",
        ),
    )
    decision_record(
        case=case, by=cast.ecpp, details=DecisionDetails(outcome=Outcome.PATHWAY_3, rationale="y")
    )
    assert Clock.objects.get(object_id=case.pk, content_type__model="case", kind="icpc").state == "cancelled"


def test_breach_emails_name_nobody_and_link_to_the_case(cast, world):
    from escalation.services import clock_start, notifications_email

    cast.fh_worker.email = "fh@demo.invalid"
    cast.fh_worker.save()
    clock_start(
        target=world.north_case,
        kind="plan_review",
        holder=cast.fh_worker,
        started_at=timezone.now() - timedelta(days=30),
        due_at=timezone.now() - timedelta(hours=1),
    )
    clocks_sweep()
    notifications_email()
    from django.core import mail

    body = mail.outbox[0].body
    assert world.north_case.reference in body and "Northam" not in body
    assert f"/cases/{world.north_case.pk}/" in body


def test_a_failing_mail_server_keeps_the_email_for_later(cast, world, settings):
    from escalation.services import clock_start, notifications_email

    cast.fh_worker.email = "fh@demo.invalid"
    cast.fh_worker.save()
    clock_start(
        target=world.north_case,
        kind="plan_review",
        holder=cast.fh_worker,
        started_at=timezone.now() - timedelta(days=30),
        due_at=timezone.now() - timedelta(hours=1),
    )
    clocks_sweep()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    assert notifications_email() == 0
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications_email() == 1


def test_disagreeing_with_a_decision_from_the_decision_page(cast, world, ladder, client_for):
    from pathways.choices import Outcome
    from pathways.services import DecisionDetails, decision_record

    decision = decision_record(
        case=world.north_case,
        by=cast.social_worker,
        details=DecisionDetails(outcome=Outcome.PATHWAY_1, rationale="Met"),
    )
    url = reverse("disagreements:disagreement-new") + f"?decision={decision.pk}"
    assert client_for(cast.school_dsl).get(url).status_code == 404  # partners do not see decisions
    client = client_for(cast.fh_worker)
    page = client.get(reverse("pathways:decision", args=[world.north_case.pk])).content.decode()
    assert "Disagree with this decision" in page
    blank = client.post(url, {"raise-wanted": "Keep family help going"})
    assert blank.status_code == 400 and "Keep family help going" in blank.content.decode()
    done = client.post(url, {"raise-position": "Mum has just lost her job", "raise-high_risk": ""})
    assert done.status_code == 302
    disagreement = Disagreement.objects.get()
    # The raiser holds the case, so the worker who decided answers: nobody answers their own.
    assert disagreement.decision == decision and disagreement.owner == cast.social_worker
