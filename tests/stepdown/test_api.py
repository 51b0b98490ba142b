"""The API contracts: every route through the API, the refusals as 400s with field messages, and
the role rules (403 for a role that may not, 404 for what a user may not see)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from stepdown.models import AuditSampleItem, StepDown

pytestmark = pytest.mark.django_db


def _consent(api, family, parent, **purposes):
    response = api.post(
        "/api/v1/consents/",
        {
            "family_id": family.pk,
            "given_by_id": parent.pk,
            "method": "written",
            "recorded_where": "Signed form on file",
            "given_on": str(timezone.localdate()),
            **purposes,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def _propose(api, case, route, **extra):
    return api.post(
        "/api/v1/step-downs/",
        {
            "case_id": case.pk,
            "route": route,
            "rationale": "Needs are met at home; school will lead.",
            "needs": "Attendance, routines",
            **extra,
        },
        format="json",
    )


def test_route_e_through_the_api(cast, on_cin_plan, hub, api_for):
    worker = api_for(cast.social_worker)
    consent = _consent(
        worker, on_cin_plan.family, on_cin_plan.parent, early_help=True, share_with_ids=[cast.school.pk]
    )
    assert consent["purposes"] == [
        "step-down to early help",
        "sharing the assessment with Test Primary School",
    ]
    response = _propose(
        worker,
        on_cin_plan.case,
        "cin_plan",
        consent_id=consent["id"],
        lead_professional_id=cast.school_dsl.pk,
        cin_meeting_on=str(timezone.localdate()),
        agreement="Agreed at the CIN meeting; the DSL leads the team around the family.",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (
        body["state"] == "proposed"
        and body["outcome_wording"] == "Referral to early help: team around the family"
    )

    own = worker.post(
        f"/api/v1/step-downs/{body['id']}/approve/", {"version": body["version"]}, format="json"
    )
    assert own.status_code == 403  # a social worker's role may not approve at all

    manager = api_for(cast.team_manager)
    stale = manager.post(f"/api/v1/step-downs/{body['id']}/approve/", {"version": 0}, format="json")
    assert stale.status_code == 400 and "version" in stale.json()
    approved = manager.post(
        f"/api/v1/step-downs/{body['id']}/approve/", {"version": body["version"]}, format="json"
    )
    assert approved.status_code == 200, approved.json()
    assert approved.json()["state"] == "completed"
    case = manager.get(f"/api/v1/cases/{on_cin_plan.case.pk}/").json()
    assert case["state"] == "closed" and case["closure_reason"] == "RC9"

    # The lead professional now sees the family and the referral package shared with their agency.
    lead = api_for(cast.school_dsl)
    packages = lead.get(f"/api/v1/families/{on_cin_plan.family.pk}/referral-packages/").json()
    rows = packages["results"] if isinstance(packages, dict) else packages
    assert any(package["to_pathway"] == 2 for package in rows)
    assert lead.get(f"/api/v1/step-downs/{body['id']}/").status_code == 404  # partners: packages only


def test_route_b_and_the_hub_through_the_api(cast, south, hub, api_for):
    worker = api_for(cast.social_worker)
    consent = _consent(worker, south.family, south.parent, early_help=True)
    body = _propose(
        worker, south.case, "referral", consent_id=consent["id"], receiving_team_id=hub.team.pk
    ).json()
    manager = api_for(cast.team_manager)
    body = manager.post(
        f"/api/v1/step-downs/{body['id']}/approve/", {"version": body["version"]}, format="json"
    ).json()
    assert body["state"] == "with_hub"
    not_hub = manager.post(
        f"/api/v1/step-downs/{body['id']}/accept/",
        {"version": body["version"], "key_worker_id": hub.eh_worker.pk},
        format="json",
    )
    assert not_hub.status_code == 403
    accepted = api_for(hub.manager).post(
        f"/api/v1/step-downs/{body['id']}/accept/",
        {"version": body["version"], "key_worker_id": hub.eh_worker.pk},
        format="json",
    )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["state"] == "completed"
    assert [event["state"] for event in accepted.json()["events"]][-1] == "completed"


def test_route_d_masg_through_the_api(cast, assessed, hub, api_for):
    worker = api_for(cast.social_worker)
    consent = _consent(
        worker, assessed.family, assessed.parent, early_help=True, share_with_ids=[hub.health.pk]
    )
    body = _propose(worker, assessed.case, "masg", consent_id=consent["id"]).json()
    manager = api_for(cast.team_manager)
    body = manager.post(
        f"/api/v1/step-downs/{body['id']}/approve/", {"version": body["version"]}, format="json"
    ).json()
    assert body["state"] == "awaiting_panel"
    missing = manager.post(
        f"/api/v1/step-downs/{body['id']}/panel/",
        {"version": body["version"], "accepted": True, "panel_on": str(timezone.localdate())},
        format="json",
    )
    assert missing.status_code == 400 and {"lead_professional", "resources"} <= set(missing.json())
    done = manager.post(
        f"/api/v1/step-downs/{body['id']}/panel/",
        {
            "version": body["version"],
            "accepted": True,
            "panel_on": str(timezone.localdate()),
            "lead_professional_id": hub.health_visitor.pk,
            "resources": "Health visitor; parenting group",
        },
        format="json",
    )
    assert done.status_code == 200, done.json()
    assert done.json()["state"] == "completed" and done.json()["lead_professional"]


def test_route_d_single_agency_through_the_api(cast, assessed, hub, api_for):
    worker = api_for(cast.social_worker)
    consent = _consent(worker, assessed.family, assessed.parent, referral_agency_id=hub.health.pk)
    body = _propose(
        worker, assessed.case, "single_agency", consent_id=consent["id"], receiving_agency_id=hub.health.pk
    ).json()
    done = api_for(cast.team_manager).post(
        f"/api/v1/step-downs/{body['id']}/approve/", {"version": body["version"]}, format="json"
    )
    assert done.json()["state"] == "completed"
    assert done.json()["outcome_wording"] == "Referral to early help: referred to a single agency"


def test_route_a_through_the_triage_api_and_the_hub_review(cast, hub, contact, api_for):
    triaged = api_for(cast.mash_manager).post(
        f"/api/v1/contacts/{contact.pk}/triage/",
        {
            "outcome": "early_help",
            "rationale": "Below the threshold; the family wants help with routines.",
            "feedback_text": "We passed this to the Early Help Hub.",
            "version": contact.version,
        },
        format="json",
    )
    assert triaged.status_code == 200, triaged.json()
    assert triaged.json()["state"] == "with_ehh"
    hub_api = api_for(hub.manager)
    tray = hub_api.get("/api/v1/step-downs/?state=with_hub").json()
    rows = tray["results"] if isinstance(tray, dict) else tray
    assert [row["route"] for row in rows] == ["contact"]
    row = rows[0]
    bad = hub_api.post(f"/api/v1/step-downs/{row['id']}/review/", {"version": row["version"]}, format="json")
    assert bad.status_code == 400 and {"action", "rationale"} <= set(bad.json())
    reviewed = hub_api.post(
        f"/api/v1/step-downs/{row['id']}/review/",
        {"version": row["version"], "action": "assessment", "rationale": "Early help assessment with school"},
        format="json",
    )
    assert reviewed.status_code == 200, reviewed.json()
    assert reviewed.json()["state"] == "completed" and reviewed.json()["hub_action"] == "assessment"
    assert api_for(cast.mash_manager).get(f"/api/v1/contacts/{contact.pk}/").json()["state"] == "triaged"


def test_refusals_are_400s_with_specific_messages_and_save_nothing(cast, assessed, hub, api_for):
    worker = api_for(cast.social_worker)
    school_only = _consent(worker, assessed.family, assessed.parent, referral_agency_id=cast.school.pk)
    not_covering = _propose(
        worker,
        assessed.case,
        "single_agency",
        consent_id=school_only["id"],
        receiving_agency_id=hub.health.pk,
    )
    assert not_covering.status_code == 400
    assert "does not cover a referral to Test Health Trust" in not_covering.json()["consent"][0]
    blank = _propose(worker, assessed.case, "masg", rationale=" ", needs="")
    assert blank.status_code == 400 and {"rationale", "needs"} <= set(blank.json())
    bad_route = _propose(worker, assessed.case, "contact")
    assert bad_route.status_code == 400 and "route" in bad_route.json()
    assert not StepDown.objects.exists()

    waiting = _propose(worker, assessed.case, "masg").json()
    assert waiting["state"] == "awaiting_consent"
    twice = _propose(worker, assessed.case, "masg")
    assert twice.status_code == 400 and "already in progress" in str(twice.json())
    no_consent = api_for(cast.team_manager).post(
        f"/api/v1/step-downs/{waiting['id']}/approve/", {"version": waiting["version"]}, format="json"
    )
    assert no_consent.status_code == 400 and "has not consented" in str(no_consent.json())


def test_roles_the_api_enforces(cast, south, hub, api_for):
    consent = _consent(api_for(cast.social_worker), south.family, south.parent, early_help=True)
    # Partners cannot record consent or propose; auditors change nothing.
    for user in (cast.school_dsl, cast.auditor):
        api = api_for(user)
        assert api.post("/api/v1/consents/", {"family_id": south.family.pk}, format="json").status_code in (
            403,
            404,
        )
        assert _propose(api, south.case, "referral").status_code in (403, 404)
        assert api.post(f"/api/v1/consents/{consent['id']}/withdraw/", {}, format="json").status_code in (
            403,
            404,
        )
    # A family help worker of another team does not see the family at all.
    assert api_for(cast.fh_worker).get(f"/api/v1/consents/{consent['id']}/").status_code == 404


def test_the_monthly_audit_api(cast, stepped_down, api_for):
    step_down = stepped_down
    month = f"{timezone.localdate():%Y-%m}"
    auditor = api_for(cast.auditor)
    report = auditor.get(f"/api/v1/step-down-audit/?month={month}").json()
    assert [row["reference"] for row in report["step_downs"]] == [step_down.reference]
    assert report["step_downs"][0]["rereferred"] is False
    assert auditor.get("/api/v1/step-down-audit/?month=2026-13").status_code == 400
    assert api_for(cast.social_worker).get("/api/v1/step-down-audit/").status_code == 403

    drawn = auditor.post("/api/v1/step-down-audit/sample/", {"month": month}, format="json")
    # The step-down, and the world's step-up into pathway 3 (a decision this month).
    assert drawn.status_code == 201
    assert sorted(item["kind"] for item in drawn.json()["items"]) == ["step_down", "step_up"]
    again = auditor.post("/api/v1/step-down-audit/sample/", {"month": month}, format="json")
    assert again.status_code == 400 and "already been drawn" in str(again.json())
    item = AuditSampleItem.objects.get(kind="step_down")
    own = api_for(cast.team_manager).post(
        f"/api/v1/step-down-audit/items/{item.pk}/findings/",
        {"rating": "good", "findings": "Timely"},
        format="json",
    )
    assert own.status_code == 400 and "another auditor" in str(own.json())
    found = auditor.post(
        f"/api/v1/step-down-audit/items/{item.pk}/findings/",
        {"rating": "good", "findings": "Consent clear; lead professional named.", "learning": "Share"},
        format="json",
    )
    assert found.status_code == 200 and found.json()["audited_by"]


def test_a_re_referral_within_12_months_is_flagged(cast, stepped_down, on_cin_plan):
    from referrals.services import SubjectDetails, contact_receive
    from stepdown import selectors

    contact = contact_receive(
        channel="professional",
        by=cast.school_dsl,
        referrer_name="Dee Lewis",
        concerns="Worried again",
        family_consents="yes",
        subjects=[SubjectDetails(role="child", first_name="Sol", last_name="Southey")],
    )
    contact.family = on_cin_plan.family
    contact.received_at = timezone.now() + timedelta(days=40)
    contact.save()
    report = selectors.audit_report(cast.auditor, timezone.localdate())
    assert report.step_downs[0].rereferred is True


def test_consent_to_a_family_group_conference_through_the_api(cast, south, api_for):
    consent = _consent(api_for(cast.social_worker), south.family, south.parent, family_group_conference=True)
    assert consent["family_group_conference"] is True
    assert consent["early_help"] is False
    assert consent["purposes"] == ["a family group conference"]
