"""The pages: consent, the route picker and forms, the actions, the hub tray and the monthly audit.
Bad input is a form error that keeps what was typed; a role that may not answers 403 or 404."""

import pytest
from django.urls import reverse
from django.utils import timezone

from config.models import stale_message
from stepdown import services
from stepdown.models import Consent, StepDown

pytestmark = pytest.mark.django_db


def test_consent_page_records_consent_and_keeps_input_on_error(cast, south, hub, client_for):
    client = client_for(cast.social_worker)
    url = reverse("stepdown:consents", args=[south.family.pk])
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {
            "given_by": south.child.pk,
            "method": "verbal",
            "recorded_where": "Seen at school",
            "given_on": "2026-01-05",
        },
    )
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "Say what the family consented to" in page and "Seen at school" in page
    good = client.post(
        url,
        {
            "given_by": south.parent.pk,
            "early_help": "on",
            "share_with": [cast.school.pk],
            "method": "written",
            "recorded_where": "Signed form",
            "given_on": str(timezone.localdate()),
        },
    )
    assert good.status_code == 302
    consent = Consent.objects.get()
    withdraw = client.post(
        reverse("stepdown:consent-withdraw", args=[consent.pk]),
        {"withdrawn_on": str(timezone.localdate()), "note": "Mum phoned to withdraw"},
    )
    assert withdraw.status_code == 302
    consent.refresh_from_db()
    assert not consent.is_current
    assert client_for(cast.school_dsl).get(url).status_code in (403, 404)


def test_route_picker_form_and_errors(cast, south, hub, client_for):
    client = client_for(cast.social_worker)
    case_page = client.get(reverse("cases:case-detail", args=[south.case.pk])).content.decode()
    assert reverse("stepdown:routes", args=[south.case.pk]) in case_page
    routes = client.get(reverse("stepdown:routes", args=[south.case.pk])).content.decode()
    for label in (
        "(b) Referral accepted",
        "(c) MASH enquiry",
        "single agency",
        "(MASG)",
        "(e) From a child in need plan",
    ):
        assert label in routes
    url = reverse("stepdown:new", args=[south.case.pk, "cin_plan"])
    bad = client.post(url, {"rationale": "Typed reasons", "needs": "", "version": south.case.version})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "Typed reasons" in page and "Record the needs identified for early help." in page
    assert client.get(reverse("stepdown:new", args=[south.case.pk, "contact"])).status_code == 404
    assert client_for(cast.auditor).get(url).status_code == 403


def test_propose_approve_and_the_case_page_shows_where_it_stands(cast, south, hub, client_for, consent_to):
    consent = consent_to()
    worker = client_for(cast.social_worker)
    response = worker.post(
        reverse("stepdown:new", args=[south.case.pk, "referral"]),
        {
            "rationale": "Needs met",
            "needs": "Routines",
            "consent": consent.pk,
            "receiving_team": hub.team.pk,
            "version": south.case.version,
        },
    )
    assert response.status_code == 302
    step_down = StepDown.objects.get()
    case_page = worker.get(reverse("cases:case-detail", args=[south.case.pk])).content.decode()
    assert step_down.reference in case_page and "Waiting for a team manager&#x27;s approval" in case_page
    # The proposer is not offered approval, and is refused if they try.
    detail = worker.get(step_down.get_absolute_url()).content.decode()
    assert f'action="/step-downs/{step_down.pk}/approve/"' not in detail
    refused = client_for(cast.team_manager).post(
        reverse("stepdown:act", args=[step_down.pk, "approve"]), {"version": step_down.version - 1}
    )
    stale = stale_message("this step-down")
    assert refused.status_code == 400 and stale in refused.content.decode().replace("&#x27;", "'")
    step_down.refresh_from_db()
    assert step_down.state == "proposed"
    manager = client_for(cast.team_manager)
    listing = manager.get(reverse("stepdown:list")).content.decode()
    assert step_down.reference in listing
    approved = manager.post(
        reverse("stepdown:act", args=[step_down.pk, "approve"]), {"version": step_down.version}
    )
    assert approved.status_code == 302
    step_down.refresh_from_db()
    assert step_down.state == "with_hub"
    hub_page = client_for(hub.manager).get(reverse("stepdown:list")).content.decode()
    assert step_down.reference in hub_page
    accepted = client_for(hub.manager).post(
        reverse("stepdown:act", args=[step_down.pk, "accept"]),
        {"version": step_down.version, "key_worker": hub.eh_worker.pk, "note": ""},
    )
    assert accepted.status_code == 302
    step_down.refresh_from_db()
    assert step_down.state == "completed"


def test_self_approval_is_refused_on_the_page(cast, south, hub, client_for, consent_to):
    step_down = services.stepdown_propose(
        case=south.case,
        by=cast.team_manager,
        details=services.StepDownDetails(
            route="referral", rationale="r", needs="n", consent=consent_to(), receiving_team=hub.team
        ),
    )
    response = client_for(cast.team_manager).post(
        reverse("stepdown:act", args=[step_down.pk, "approve"]), {"version": step_down.version}
    )
    assert response.status_code == 400
    assert "another team manager must approve it" in response.content.decode()


def test_monthly_audit_page(cast, stepped_down, client_for):
    step_down = stepped_down
    auditor = client_for(cast.auditor)
    page = auditor.get(reverse("stepdown:audit")).content.decode()
    assert step_down.reference in page and "Draw this month" in page
    month = f"{timezone.localdate():%Y-%m}"
    assert auditor.post(reverse("stepdown:audit-sample"), {"month": month}).status_code == 302
    from stepdown.models import AuditSampleItem

    item = AuditSampleItem.objects.get(kind="step_down")  # beside the world's step-up into pathway 3
    bad = auditor.post(reverse("stepdown:audit-finding", args=[item.pk]), {"findings": "Kept text"})
    assert bad.status_code == 400 and "Kept text" in bad.content.decode()
    good = auditor.post(
        reverse("stepdown:audit-finding", args=[item.pk]), {"rating": "good", "findings": "Well evidenced"}
    )
    assert good.status_code == 302
    assert "Well evidenced" in auditor.get(f"{reverse('stepdown:audit')}?month={month}").content.decode()
    assert auditor.get(f"{reverse('stepdown:audit')}?month=bad").status_code == 400
    assert client_for(cast.social_worker).get(reverse("stepdown:audit")).status_code == 403


def test_route_a_from_the_triage_page_to_the_hubs_review(cast, hub, contact, client_for):
    client = client_for(cast.mash_manager)
    triage = client.post(
        reverse("referrals:triage", args=[contact.pk]),
        {
            "triage-outcome": "early_help",
            "triage-rationale": "Below the threshold: early help with routines",
            "triage-feedback_text": "We passed this to the Early Help Hub, as the family agreed.",
            "triage-version": str(contact.version),
        },
    )
    assert triage.status_code == 302
    step_down = StepDown.objects.get(contact=contact)
    hub_client = client_for(hub.manager)
    assert step_down.reference in hub_client.get(reverse("stepdown:list")).content.decode()
    detail = hub_client.get(step_down.get_absolute_url()).content.decode()
    assert "Early Help Hub review" in detail
    bad = hub_client.post(
        reverse("stepdown:act", args=[step_down.pk, "review"]),
        {"version": step_down.version, "rationale": "Kept reasons"},
    )
    assert bad.status_code == 400 and "Kept reasons" in bad.content.decode()
    done = hub_client.post(
        reverse("stepdown:act", args=[step_down.pk, "review"]),
        {"version": step_down.version, "action": "enquiry", "rationale": "Hub enquiry first"},
    )
    assert done.status_code == 302
    step_down.refresh_from_db()
    assert step_down.state == "completed" and step_down.case.pathway == 1


def test_route_d_masg_panel_on_the_page(cast, assessed, hub, client_for, consent_to):
    step_down = services.stepdown_propose(
        case=assessed.case,
        by=cast.social_worker,
        details=services.StepDownDetails(
            route="masg", rationale="r", needs="n", consent=consent_to(share_with=[hub.health])
        ),
    )
    services.stepdown_approve(step_down=step_down, by=cast.team_manager)
    step_down.refresh_from_db()
    manager = client_for(hub.other_manager)
    assert "Record the panel's decision" in manager.get(step_down.get_absolute_url()).content.decode()
    done = manager.post(
        reverse("stepdown:act", args=[step_down.pk, "panel"]),
        {
            "version": step_down.version,
            "accepted": "yes",
            "panel_on": str(timezone.localdate()),
            "lead_professional": hub.health_visitor.pk,
            "resources": "Health visitor leads",
        },
    )
    assert done.status_code == 302
    step_down.refresh_from_db()
    assessed.case.refresh_from_db()
    assert step_down.state == "completed" and assessed.case.closure_reason == "RC9"
