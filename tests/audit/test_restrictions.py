"""Restricted records: a manager restricts a family or a person and names who may open it; anyone
else whose role would let them see it learns only that a restricted record exists, and may break
glass with a reason (logged, told to the record's managers, in the weekly report)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import ProgrammingError, transaction
from django.urls import reverse
from django.utils import timezone

from audit import services
from cases.models import AccessLogEntry, BreakGlass, Restriction, RestrictionEvent
from cases.permissions import cases_visible_to, chronology_visible_to, people_visible_to
from escalation.models import Notification

pytestmark = pytest.mark.django_db

REASON = "Duty call from the police about this family tonight."


@pytest.fixture
def restricted(cast, world):
    """The Northam family restricted by the team manager, with its key worker named."""
    return services.restriction_mark(
        by=cast.team_manager,
        family=world.north_case.family,
        category="staff_family",
        reason="A member of staff's family.",
        named_users=[cast.fh_worker],
    )


def _school_asks_about_nia(cast):
    from referrals.services import SubjectDetails, contact_receive

    nia = SubjectDetails(role="child", first_name="Nia", last_name="Northam", date_of_birth=date(2017, 3, 9))
    return contact_receive(
        by=cast.school_dsl,
        channel="professional",
        referrer_name="Sadia Dhillon",
        concerns="Hungry",
        family_consents="yes",
        postcode="NG1 5DT",
        subjects=[nia],
    )


def _pages(world):
    case = world.north_case
    return [
        reverse("cases:case-detail", args=[case.pk]),
        reverse("cases:person-detail", args=[world.north_child.pk]),
        reverse("assessments:assessment", args=[case.family_id]),
        reverse("pathways:decision", args=[case.pk]),
        reverse("pathways:plan", args=[case.pk]),
    ]


def test_a_restricted_family_is_hidden_from_everyone_not_named(cast, world, restricted, client_for):
    """Case, person, assessment, decisions and plan all answer with the break-glass page."""
    client = client_for(cast.social_worker)
    for path in _pages(world):
        response = client.get(path)
        assert response.status_code == 403, path
        body = response.content.decode()
        assert "Restricted record" in body and "Break glass" in body, path
        assert "Nia" not in body and "Northam" not in body, path
    assert not cases_visible_to(cast.social_worker).filter(pk=world.north_case.pk).exists()
    assert not people_visible_to(cast.social_worker).filter(pk=world.north_child.pk).exists()
    assert not chronology_visible_to(cast.social_worker).filter(family=world.north_case.family).exists()
    assert world.north_case.reference not in client.get(reverse("cases:case-list")).content.decode()
    # Nothing read, so nothing logged as read: only as refused.
    assert set(AccessLogEntry.objects.filter(user=cast.social_worker).values_list("reason", flat=True)) <= {
        "Refused"
    }


def test_named_users_open_it_as_before_and_see_the_banner(cast, world, restricted, client_for):
    client = client_for(cast.fh_worker)
    for path in _pages(world)[:3]:
        assert client.get(path).status_code == 200, path
    page = client.get(reverse("cases:case-detail", args=[world.north_case.pk])).content.decode()
    assert 'id="restricted-banner"' in page and f"R-{restricted.pk}" in page
    manager = client_for(cast.team_manager)
    assert manager.get(reverse("cases:case-detail", args=[world.north_case.pk])).status_code == 200


def test_someone_outside_the_record_gets_404_not_the_break_glass_page(cast, world, restricted, client_for):
    """A family help worker of another team could not see it anyway: its existence stays hidden."""
    client = client_for(cast.fh_worker_south)
    assert client.get(reverse("cases:case-detail", args=[world.north_case.pk])).status_code == 404
    response = client.post(
        reverse("audit:break-glass", args=["case", world.north_case.pk]), {"reason": REASON}
    )
    assert response.status_code == 404
    assert not BreakGlass.objects.exists()


def test_breaking_glass_needs_a_reason_and_keeps_what_was_typed(cast, world, restricted, client_for):
    client = client_for(cast.social_worker)
    url = reverse("audit:break-glass", args=["case", world.north_case.pk])
    response = client.post(url, {"reason": "need it", "next": "/cases/"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Say why you need to open this record (at least 10 characters)." in body
    assert "need it" in body
    assert not BreakGlass.objects.exists() and not Notification.objects.exists()


def test_breaking_glass_opens_the_record_logs_the_reason_and_tells_the_managers(
    cast, world, restricted, client_for
):
    client = client_for(cast.social_worker)
    case_url = reverse("cases:case-detail", args=[world.north_case.pk])
    response = client.post(
        reverse("audit:break-glass", args=["case", world.north_case.pk]), {"reason": REASON, "next": case_url}
    )
    assert response.status_code == 302 and response["Location"] == case_url
    opening = BreakGlass.objects.get()
    assert (opening.user, opening.restriction, opening.reason) == (cast.social_worker, restricted, REASON)
    assert opening.expires_at - opening.at == timedelta(hours=8)
    logged = AccessLogEntry.objects.get(user=cast.social_worker, reason=REASON)
    assert (logged.record_type, logged.record_id, logged.family_id) == (
        "case",
        world.north_case.pk,
        world.north_case.family_id,
    )
    told = Notification.objects.get(user=cast.team_manager)
    assert f"R-{restricted.pk}" in told.what and told.url == restricted.get_absolute_url()
    assert REASON not in told.what + told.why  # the reason stays in the log, not in emails
    assert not Notification.objects.filter(user=cast.social_worker).exists()
    # Open now, and every page of the record with it.
    for path in _pages(world):
        assert client.get(path).status_code == 200, path
    # Off a redirect to another site: back to the record instead.
    other = client_for(cast.ecpp).post(
        reverse("audit:break-glass", args=["family", world.north_case.family_id]),
        {"reason": REASON, "next": "https://evil.example/"},
    )
    assert other.status_code == 302 and other["Location"] == case_url


def test_break_glass_access_runs_out(cast, world, restricted, client_for, monkeypatch):
    client = client_for(cast.social_worker)
    client.post(reverse("audit:break-glass", args=["case", world.north_case.pk]), {"reason": REASON})
    assert cases_visible_to(cast.social_worker).filter(pk=world.north_case.pk).exists()
    later = timezone.now() + timedelta(hours=8, minutes=1)
    monkeypatch.setattr("cases.permissions.timezone.now", lambda: later)
    assert not cases_visible_to(cast.social_worker).filter(pk=world.north_case.pk).exists()


def test_a_restricted_person_restricts_every_family_they_are_in(cast, world, client_for):
    restriction = services.restriction_mark(
        by=cast.team_manager, person=world.north_child, category="adoption", reason="Placed for adoption."
    )
    client = client_for(cast.social_worker)
    assert client.get(reverse("cases:case-detail", args=[world.north_case.pk])).status_code == 403
    assert client.get(reverse("cases:person-detail", args=[world.north_child.pk])).status_code == 403
    assert client.get(reverse("cases:case-detail", args=[world.south_case.pk])).status_code == 200
    client.post(reverse("audit:break-glass", args=["person", world.north_child.pk]), {"reason": REASON})
    assert BreakGlass.objects.get().restriction == restriction
    assert client.get(reverse("cases:case-detail", args=[world.north_case.pk])).status_code == 200


def test_search_shows_restricted_people_only_as_request_access(cast, world, restricted, client_for, api_for):
    page = client_for(cast.social_worker).get(reverse("cases:person-search"), {"name": "Northam"})
    body = page.content.decode()
    assert "Restricted record — request access" in body
    assert "Nia" not in body and "9 Mar 2017" not in body
    assert reverse("audit:break-glass", args=["person", world.north_child.pk]) in body
    rows = api_for(cast.social_worker).get("/api/v1/people/", {"name": "Northam"}).json()
    results = rows["results"] if isinstance(rows, dict) else rows
    child = next(row for row in results if row["id"] == world.north_child.pk)
    assert child == {
        "id": world.north_child.pk,
        "restricted": True,
        "request_access": reverse("audit:break-glass", args=["person", world.north_child.pk]),
    }
    named = client_for(cast.fh_worker).get(reverse("cases:person-search"), {"name": "Northam"})
    assert "Nia" in named.content.decode() and "request access" not in named.content.decode()
    # Someone who could not see the family anyway does not learn that a restricted record exists.
    other = client_for(cast.fh_worker_south).get(reverse("cases:person-search"), {"name": "Northam"})
    assert "Restricted record" not in other.content.decode()


def test_the_api_answers_restricted_with_where_to_break_glass(cast, world, restricted, api_for):
    api = api_for(cast.social_worker)
    response = api.get(f"/api/v1/cases/{world.north_case.pk}/")
    assert response.status_code == 403
    assert response.json()["code"] == "restricted"
    assert (
        response.json()["record_type"] == "case" and response.json()["break_glass"] == "/api/v1/break-glass/"
    )
    assert api.get(f"/api/v1/families/{world.north_case.family_id}/").status_code == 403
    bad = api.post("/api/v1/break-glass/", {"record_type": "case", "record_id": world.north_case.pk})
    assert bad.status_code == 400 and "reason" in bad.json()
    short = api.post(
        "/api/v1/break-glass/", {"record_type": "case", "record_id": world.north_case.pk, "reason": "x"}
    )
    assert short.status_code == 400 and "reason" in short.json()
    made = api.post(
        "/api/v1/break-glass/", {"record_type": "case", "record_id": world.north_case.pk, "reason": REASON}
    )
    assert made.status_code == 201 and made.json()[0]["restriction"] == restricted.pk
    assert api.get(f"/api/v1/cases/{world.north_case.pk}/").status_code == 200
    assert AccessLogEntry.objects.filter(user=cast.social_worker, reason=REASON, via="api").exists()


def test_managers_restrict_name_and_lift_through_the_api(cast, world, api_for):
    manager = api_for(cast.team_manager)
    refused = api_for(cast.social_worker).post(
        "/api/v1/restrictions/",
        {
            "record_type": "family",
            "record_id": world.south_case.family_id,
            "category": "other",
            "reason": REASON,
        },
        format="json",
    )
    assert refused.status_code == 403
    made = manager.post(
        "/api/v1/restrictions/",
        {
            "record_type": "family",
            "record_id": world.south_case.family_id,
            "category": "high_profile",
            "reason": "In the local news this week.",
            "named_usernames": ["social.worker"],
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert {n["username"] for n in body["named"]} == {"team.manager", "social.worker"}
    again = manager.post(
        "/api/v1/restrictions/",
        {
            "record_type": "family",
            "record_id": world.south_case.family_id,
            "category": "other",
            "reason": REASON,
        },
        format="json",
    )
    assert again.status_code == 400 and "already restricted" in str(again.json())
    assert api_for(cast.ecpp).get(f"/api/v1/cases/{world.south_case.pk}/").status_code == 403
    named = manager.post(
        f"/api/v1/restrictions/{body['id']}/name/", {"username": "ecpp", "version": body["version"]}
    )
    assert named.status_code == 200
    assert api_for(cast.ecpp).get(f"/api/v1/cases/{world.south_case.pk}/").status_code == 200
    stale = manager.post(f"/api/v1/restrictions/{body['id']}/lift/", {"reason": REASON, "version": 1})
    assert stale.status_code == 400 and "changed this restriction" in str(stale.json())
    # The auditor reads restrictions but changes none.
    auditor = api_for(cast.auditor)
    assert auditor.get(f"/api/v1/restrictions/{body['id']}/").status_code == 200
    assert (
        auditor.post(f"/api/v1/restrictions/{body['id']}/lift/", {"reason": REASON, "version": 2}).status_code
        == 403
    )
    lifted = manager.post(
        f"/api/v1/restrictions/{body['id']}/lift/", {"reason": "No longer in the news.", "version": 2}
    )
    assert lifted.status_code == 200 and lifted.json()["lifted_at"]
    assert api_for(cast.fh_worker_south).get(f"/api/v1/cases/{world.south_case.pk}/").status_code == 200
    kinds = list(RestrictionEvent.objects.filter(restriction_id=body["id"]).values_list("kind", flat=True))
    assert kinds == ["marked", "named", "named", "named", "lifted"]


def test_a_manager_must_stay_named_and_nobody_else_changes_it(cast, world, restricted, client_for):
    with pytest.raises(ValidationError, match="A manager must stay named"):
        services.restriction_unname_user(restriction=restricted, user=cast.team_manager, by=cast.team_manager)
    assert restricted.named.filter(removed_at__isnull=True).count() == 2
    # The named key worker is not a manager: they cannot change who is named.
    response = client_for(cast.fh_worker).post(
        reverse("audit:restriction-name", args=[restricted.pk]), {"username": "ecpp", "version": 1}
    )
    assert response.status_code == 404  # not a manager: the restriction itself is not theirs to see
    page = client_for(cast.team_manager).post(
        reverse("audit:restriction-name", args=[restricted.pk]), {"username": "nobody", "version": 1}
    )
    assert page.status_code == 400 and "There is no active user with that username." in page.content.decode()


def test_marking_refuses_bad_input_and_saves_nothing(cast, world, client_for):
    client = client_for(cast.team_manager)
    url = reverse("audit:restriction-new", args=["family", world.north_case.family_id])
    assert (
        "Restrict this record"
        in client.get(reverse("cases:case-detail", args=[world.north_case.pk])).content.decode()
    )
    response = client.post(url, {"category": "", "reason": "short"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Choose why the record is restricted." in body
    assert "Say why the record is restricted (at least 10 characters)." in body and "short" in body
    assert not Restriction.objects.exists()
    made = client.post(url, {"category": "high_profile", "reason": "In the local news this week."})
    assert made.status_code == 302 and Restriction.objects.count() == 1
    assert client_for(cast.social_worker).get(url).status_code == 403  # not a manager
    assert (
        "Restrict this record"
        not in client_for(cast.social_worker)
        .get(reverse("cases:case-detail", args=[world.south_case.pk]))
        .content.decode()
    )


def test_break_glass_rows_and_history_are_append_only(cast, world, restricted):
    services.restriction_break_glass(
        user=cast.social_worker,
        restrictions=[restricted],
        record_type="case",
        record_id=world.north_case.pk,
        family_id=world.north_case.family_id,
        reason=REASON,
        route="/test/",
        via="page",
    )
    for model in (BreakGlass, RestrictionEvent):
        with pytest.raises(ProgrammingError), transaction.atomic():
            model.objects.all().delete()


def test_the_weekly_report_lists_openings_and_is_sent_once(cast, world, restricted, client_for):
    services.restriction_break_glass(
        user=cast.social_worker,
        restrictions=[restricted],
        record_type="case",
        record_id=world.north_case.pk,
        family_id=world.north_case.family_id,
        reason=REASON,
        route="/test/",
        via="page",
    )
    today = timezone.localdate()
    next_monday = services.week_start(today) + timedelta(days=7)
    assert services.break_glass_report_send(today=next_monday) == 2  # the auditor and the manager
    assert services.break_glass_report_send(today=next_monday) == 2
    week = services.week_start(today).isoformat()
    reports = Notification.objects.filter(key__startswith=f"break-glass-week:{week}")
    assert sorted(n.user.username for n in reports) == ["auditor", "team.manager"]
    assert all(n.what.startswith("1 break-glass opening in the week of") for n in reports)
    # A quiet week sends nothing.
    assert services.break_glass_report_send(today=next_monday + timedelta(days=7)) == 0
    page = client_for(cast.auditor).get(reverse("audit:break-glass-report"), {"week": week})
    assert page.status_code == 200 and REASON in page.content.decode()
    assert client_for(cast.fh_worker).get(reverse("audit:break-glass-report")).status_code == 403
    listed = client_for(cast.team_manager).get("/api/v1/break-glass/", {"week": week})
    assert [row["reason"] for row in listed.json()] == [REASON]
    assert client_for(cast.auditor).get("/api/v1/break-glass/", {"week": "soon"}).status_code == 400


def test_a_triaged_contact_follows_its_family_but_the_referrer_keeps_theirs(cast, world, client_for):
    from referrals.services import (
        TriageDetails,
        contact_subject_link,
        contact_triage,
    )

    contact = _school_asks_about_nia(cast)
    contact_subject_link(subject=contact.subjects.get(), person=world.north_child, by=cast.mash_manager)
    contact_triage(
        contact=contact,
        by=cast.mash_manager,
        details=TriageDetails(outcome="pathway_2", rationale="r", feedback_text="f", primary_need="N1"),
    )
    services.restriction_mark(
        by=cast.team_manager,
        family=world.north_case.family,
        category="other",
        reason="Threats made to staff.",
    )
    url = reverse("referrals:contact", args=[contact.pk])
    assert client_for(cast.social_worker).get(url).status_code == 403
    assert client_for(cast.school_dsl).get(url).status_code == 200


def test_front_door_matching_shows_a_restricted_match_without_its_details(
    cast, world, restricted, client_for
):
    """So the front door does not make a duplicate of a restricted child, nor learn about them."""

    contact = _school_asks_about_nia(cast)
    client = client_for(cast.mash_manager)
    page = client.get(reverse("referrals:contact", args=[contact.pk])).content.decode()
    assert "Restricted record — request access" in page
    # No radio to link it blind.
    assert f'name="person" type="radio" value="{world.north_child.pk}"' not in page
    found = client.get(f"/api/v1/contacts/{contact.pk}/candidates/").json()[0]["candidates"]
    match = next(c for c in found if c["person"] == world.north_child.pk)
    assert match["restricted"] is True and match["name"] is None and match["reasons"] == []
    linked = client.post(
        reverse("referrals:subject-link", args=[contact.pk, contact.subjects.get().pk]),
        {"person": world.north_child.pk},
    )
    assert linked.status_code in (302, 400)
    assert contact.subjects.get().person_id is None


def test_a_restricted_childs_parents_and_siblings_are_hidden_too(cast, world, client_for):
    """Their pages would give the restricted child's address away."""
    from cases.models import Person

    services.restriction_mark(
        by=cast.team_manager, person=world.north_child, category="adoption", reason="Placed for adoption."
    )
    parent = Person.objects.get(first_name="Pat", last_name="Northam")
    client = client_for(cast.social_worker)
    response = client.get(reverse("cases:person-detail", args=[parent.pk]))
    assert response.status_code == 403 and "Pat" not in response.content.decode()
    client.post(reverse("audit:break-glass", args=["person", parent.pk]), {"reason": REASON})
    assert client.get(reverse("cases:person-detail", args=[parent.pk])).status_code == 200


def test_a_member_restricted_through_another_family_shows_only_as_restricted(cast, world, client_for):
    """An adopted child still a member of their birth family: the birth family's case page does not
    name them, nor offer them in its forms."""
    from cases.services import family_create, family_member_add

    adoptive = family_create(by=cast.mash_manager, name="Adoptive family")
    family_member_add(family=adoptive, person=world.north_child, role="child", by=cast.mash_manager)
    services.restriction_mark(
        by=cast.team_manager, family=adoptive, category="adoption", reason="Placed for adoption."
    )
    page = client_for(cast.social_worker).get(reverse("cases:case-detail", args=[world.north_case.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Nia" not in body and "Restricted record — request access" in body
    assert "Pat Northam" in body
    family = client_for(cast.social_worker).get(f"/api/v1/families/{world.north_case.family_id}/").json()
    child = next(m for m in family["members"] if m["person"]["id"] == world.north_child.pk)
    assert child == {"person": {"id": world.north_child.pk, "restricted": True}, "role": "child"}
    assert "Nia" not in str(family) and "Pat" in str(family)


def test_triage_stops_at_a_family_restricted_since_the_link_was_made(cast, world, client_for):
    from referrals.services import contact_subject_link

    contact = _school_asks_about_nia(cast)
    contact_subject_link(subject=contact.subjects.get(), person=world.north_child, by=cast.mash_manager)
    services.restriction_mark(
        by=cast.team_manager,
        family=world.north_case.family,
        category="other",
        reason="Threats made to staff.",
    )
    client = client_for(cast.mash_manager)
    page = client.get(reverse("referrals:contact", args=[contact.pk]))
    assert page.status_code == 403 and "Northam family" not in page.content.decode()
    refused = client.post(reverse("referrals:triage", args=[contact.pk]), {"triage-outcome": "pathway_2"})
    assert refused.status_code == 403
    contact.refresh_from_db()
    assert contact.state == "received" and contact.family_id is None
    assert (
        client_for(cast.social_worker).get(reverse("referrals:contact", args=[contact.pk])).status_code == 403
    )


def test_restricted_records_are_not_merged_and_bad_versions_are_a_message(
    cast, world, restricted, client_for
):
    from cases.services import person_create, person_merge

    duplicate = person_create(by=cast.mash_manager, kind="child", first_name="Nia", last_name="Northam")
    services.restriction_mark(
        by=cast.team_manager, person=duplicate, category="other", reason="Threats to staff."
    )
    with pytest.raises(ValidationError, match="restricted"):
        person_merge(duplicate=duplicate, keep=world.north_child, reason="Same child", by=cast.team_manager)
    response = client_for(cast.team_manager).post(
        reverse("audit:restriction-unname", args=[restricted.pk, cast.fh_worker.pk]), {"version": "soon"}
    )
    assert response.status_code == 302
    assert restricted.named.filter(user=cast.fh_worker, removed_at__isnull=True).exists()


def test_a_restricted_record_met_mid_form_goes_back_to_the_form_page(cast, world, restricted, client_for):
    client = client_for(cast.social_worker)
    case_page = "http://testserver" + reverse("cases:case-detail", args=[world.north_case.pk])
    response = client.post(
        reverse("cases:case-chronology-add", args=[world.north_case.pk]),
        {"summary": "x"},
        HTTP_REFERER=case_page,
    )
    assert response.status_code == 403
    assert f'value="{case_page}"' in response.content.decode()
