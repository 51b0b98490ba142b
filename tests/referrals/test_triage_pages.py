"""Triage, feedback, letters and disagreements in the browser's pages and the API, for every role."""

import subprocess
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.choices import Role
from disagreements.models import Disagreement
from referrals.models import Contact
from referrals.services import SubjectDetails, contact_feedback_send, contact_receive, contact_subject_link
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def linked_contact(cast, by=None, key=None):
    contact = contact_receive(
        by=by or cast.school_dsl,
        channel="professional",
        referrer_name="Sadia Dhillon",
        concerns="Ola often arrives hungry and tired",
        family_consents="yes",
        subjects=[
            SubjectDetails(role="child", first_name="Ola", last_name="Okafor", date_of_birth=date(2016, 5, 2))
        ],
        idempotency_key=key,
    )
    for subject in contact.subjects.all():
        contact_subject_link(subject=subject, person=None, by=cast.mash_manager)
    contact.refresh_from_db()
    return contact


def triage_post(contact, **extra):
    data = {
        "triage-outcome": "pathway_2",
        "triage-rationale": "Unmet needs, family agrees to help",
        "triage-feedback_text": "The family agreed to help, so a family help worker will contact them.",
        "triage-team": "",
        "triage-version": str(contact.version),
    }
    data.update(extra)
    return data


def test_the_front_door_triages_from_the_contact_page(cast, client_for):
    contact = linked_contact(cast)
    client = client_for(cast.mash_manager)
    page = client.get(reverse("referrals:contact", args=[contact.pk])).content.decode()
    assert "Triage decision" in page and "Record the triage decision" in page
    response = client.post(
        reverse("referrals:triage", args=[contact.pk]), triage_post(contact, **{"triage-team": cast.north.pk})
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.state == "triaged" and contact.case.pathway == 2
    page = client.get(reverse("referrals:contact", args=[contact.pk])).content.decode()
    assert "Record the letter as sent" in page and contact.case.reference in page
    assert contact not in client.get(reverse("referrals:queue")).context["contacts"]


def test_a_bad_triage_form_keeps_what_was_typed(cast, client_for):
    contact = linked_contact(cast)
    response = client_for(cast.mash_manager).post(
        reverse("referrals:triage", args=[contact.pk]), triage_post(contact, **{"triage-rationale": ""})
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "a triage decision without a rationale cannot be recorded" in page
    assert "a family help worker will contact them" in page
    response = client_for(cast.mash_manager).post(
        reverse("referrals:triage", args=[contact.pk]), triage_post(contact)
    )
    assert response.status_code == 400 and "Choose the team that will hold" in response.content.decode()
    contact.refresh_from_db()
    assert contact.state == "received"


@pytest.mark.parametrize(
    "role",
    [
        "family_help_worker",
        "social_worker",
        "expert_cp_practitioner",
        "team_manager",
        "auditor",
        "partner_practitioner",
        "administrator",
    ],
)
def test_only_the_front_door_triages_and_sends_feedback(cast, client_for, api_for, role):
    contact = linked_contact(cast)
    user = cast.by_role()[role]
    client = client_for(user)
    triage = client.post(
        reverse("referrals:triage", args=[contact.pk]), triage_post(contact, **{"triage-team": cast.north.pk})
    )
    feedback = client.post(
        reverse("referrals:feedback", args=[contact.pk]),
        {"feedback-method": "online", "feedback-version": contact.version},
    )
    api = api_for(user).post(
        f"/api/v1/contacts/{contact.pk}/triage/",
        {
            "outcome": "pathway_2",
            "rationale": "x",
            "feedback_text": "y",
            "team_id": cast.north.pk,
            "version": contact.version,
        },
        format="json",
    )
    # Anyone who may see the contact is refused (403); the rest are told it does not exist (404).
    expected = 403 if user.has_perm("cases.view_all_cases") or role == "partner_practitioner" else 404
    assert triage.status_code == feedback.status_code == api.status_code == expected
    contact.refresh_from_db()
    assert contact.state == "received"


def test_the_referrer_reads_the_outcome_only_once_it_is_sent(cast, client_for):
    contact = linked_contact(cast)
    mash = client_for(cast.mash_manager)
    mash.post(
        reverse("referrals:triage", args=[contact.pk]), triage_post(contact, **{"triage-team": cast.north.pk})
    )
    contact.refresh_from_db()
    dsl = client_for(cast.school_dsl)
    assert dsl.get(reverse("referrals:letter", args=[contact.pk])).status_code == 404
    page = dsl.get(reverse("referrals:contact", args=[contact.pk])).content.decode()
    assert "We are looking at this request" in page and "Unmet needs" not in page
    # The front door's working record stays with the front door: no linked record, no triage history.
    assert "Linked to" not in page and "Triaged" not in page and "New record made" not in page
    assert f"/people/{contact.subjects.get().person_id}/" not in page
    contact_feedback_send(contact=contact, by=cast.mash_manager, method="online")
    letter = dsl.get(reverse("referrals:letter", args=[contact.pk])).content.decode()
    assert contact.reference in letter and "a family help worker will contact them" in letter
    assert "We will offer the family help" in letter
    assert "Unmet needs" not in letter  # the front door's own rationale stays in-house
    assert "I disagree with this decision" in letter
    # Their requests list says it is decided; the case itself stays out of their sight.
    assert "Decided: read the letter" in dsl.get(reverse("referrals:my-requests")).content.decode()
    assert dsl.get(reverse("cases:case-detail", args=[contact.case_id])).status_code == 404


def test_the_letter_is_a_pdf_with_the_same_words(cast, client_for, tmp_path):
    contact = linked_contact(cast)
    client_for(cast.mash_manager).post(
        reverse("referrals:triage", args=[contact.pk]), triage_post(contact, **{"triage-team": cast.north.pk})
    )
    contact.refresh_from_db()
    contact_feedback_send(contact=contact, by=cast.mash_manager, method="online")
    response = client_for(cast.school_dsl).get(reverse("referrals:letter-pdf", args=[contact.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    (tmp_path / "letter.pdf").write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "letter.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "OFFICIAL-SENSITIVE" in text and contact.reference in text
    assert "family help worker will contact them" in " ".join(text.split())


def test_a_referrer_sees_their_own_contacts_and_nothing_else(cast, client_for, api_for):
    other_dsl = UserFactory(username="other.dsl", roles=[Role.PARTNER_PRACTITIONER], agency=cast.school)
    mine = linked_contact(cast)
    theirs = linked_contact(cast, by=other_dsl, key="theirs")
    client = client_for(cast.school_dsl)
    assert client.get(reverse("referrals:contact", args=[mine.pk])).status_code == 200
    for name in (
        "referrals:contact",
        "referrals:letter",
        "referrals:letter-pdf",
        "disagreements:disagree-on-contact",
    ):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404, name
    assert client.get(reverse("referrals:queue")).status_code == 403
    assert client.get(reverse("referrals:phone")).status_code == 403
    api = api_for(cast.school_dsl)
    assert [row["id"] for row in api.get("/api/v1/contacts/").json()["results"]] == [mine.pk]
    assert api.get(f"/api/v1/contacts/{theirs.pk}/").status_code == 404
    assert api.get(f"/api/v1/contacts/{theirs.pk}/letter/").status_code == 404
    # On their own contact, the match candidates stay with the front door.
    assert api.get(f"/api/v1/contacts/{mine.pk}/candidates/").status_code == 403


def test_a_referrer_disagrees_from_the_letter(cast, client_for):
    contact = linked_contact(cast)
    client_for(cast.mash_manager).post(
        reverse("referrals:triage", args=[contact.pk]), triage_post(contact, **{"triage-team": cast.north.pk})
    )
    contact.refresh_from_db()
    dsl = client_for(cast.school_dsl)
    assert (
        dsl.get(reverse("disagreements:disagree-on-contact", args=[contact.pk])).status_code == 404
    )  # no letter yet
    contact_feedback_send(contact=contact, by=cast.mash_manager, method="online")
    assert dsl.get(reverse("disagreements:disagree-on-contact", args=[contact.pk])).status_code == 200
    blank = dsl.post(
        reverse("disagreements:disagree-on-contact", args=[contact.pk]), {"disagree-wanted": "An assessment"}
    )
    assert blank.status_code == 400 and "An assessment" in blank.content.decode()
    response = dsl.post(
        reverse("disagreements:disagree-on-contact", args=[contact.pk]),
        {"disagree-position": "She told us she is scared to go home", "disagree-wanted": "An assessment"},
    )
    assert response.status_code == 302
    disagreement = Disagreement.objects.get()
    assert disagreement.raised_by == cast.school_dsl and disagreement.contact == contact
    page = client_for(cast.mash_manager).get(reverse("referrals:contact", args=[contact.pk])).content.decode()
    assert disagreement.reference in page and "scared to go home" in page


def test_front_door_staff_record_a_phone_contact(cast, client_for):
    client = client_for(cast.mash_manager)
    assert client.get(reverse("referrals:phone")).status_code == 200
    data = {
        "phone-referrer_name": "Dr Ade",
        "phone-referrer_role": "GP",
        "phone-referrer_agency": "",
        "phone-referrer_phone": "0115 000 0000",
        "phone-concerns": "Bruising seen at an appointment",
        "phone-family_consents": "not_asked",
        "phone-consent_notes": "Asking could put the child at risk",
        "phone-urgency": "urgent",
        "phone-idempotency_key": "phone-1",
        "subjects-TOTAL_FORMS": "1",
        "subjects-INITIAL_FORMS": "1",
        "subjects-MIN_NUM_FORMS": "0",
        "subjects-MAX_NUM_FORMS": "1000",
        "subjects-0-role": "child",
        "subjects-0-first_name": "Ola",
        "subjects-0-last_name": "Okafor",
    }
    missing = client.post(reverse("referrals:phone"), {**data, "phone-referrer_name": ""})
    assert missing.status_code == 400 and "Record who rang." in missing.content.decode()
    assert "Bruising seen at an appointment" in missing.content.decode()
    response = client.post(reverse("referrals:phone"), data)
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (
        contact.channel == "phone" and contact.referrer_name == "Dr Ade" and contact.referrer_agency is None
    )
    assert contact.urgency == "urgent"


def test_the_api_triages_sends_and_reads_the_letter(cast, api_for):
    contact = linked_contact(cast)
    api = api_for(cast.mash_manager)
    bad = api.post(
        f"/api/v1/contacts/{contact.pk}/triage/",
        {"outcome": "pathway_2", "rationale": " ", "feedback_text": "y", "version": contact.version},
        format="json",
    )
    assert bad.status_code == 400 and "rationale" in bad.json()
    no_team = api.post(
        f"/api/v1/contacts/{contact.pk}/triage/",
        {
            "outcome": "pathway_2",
            "rationale": "Unmet needs",
            "feedback_text": "y",
            "version": contact.version,
        },
        format="json",
    )
    assert no_team.status_code == 400 and "team" in no_team.json()
    done = api.post(
        f"/api/v1/contacts/{contact.pk}/triage/",
        {
            "outcome": "pathway_2",
            "rationale": "Unmet needs",
            "feedback_text": "A family help worker will contact them.",
            "team_id": cast.north.pk,
            "version": contact.version,
        },
        format="json",
    )
    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["state"] == "triaged" and body["outcome"] == "pathway_2" and body["case"]
    stale = api.post(
        f"/api/v1/contacts/{contact.pk}/feedback/", {"method": "online", "version": 1}, format="json"
    )
    assert stale.status_code == 400 and "version" in stale.json()
    sent = api.post(
        f"/api/v1/contacts/{contact.pk}/feedback/",
        {"method": "online", "version": body["version"]},
        format="json",
    )
    assert sent.status_code == 200 and sent.json()["feedback_sent_at"]
    dsl = api_for(cast.school_dsl)
    letter = dsl.get(f"/api/v1/contacts/{contact.pk}/letter/").json()
    assert (
        letter["reference"] == contact.reference
        and letter["reasons"] == "A family help worker will contact them."
    )
    assert "rationale" not in letter
    raised = dsl.post(
        f"/api/v1/contacts/{contact.pk}/disagreements/",
        {"position": "She is scared to go home"},
        format="json",
    )
    assert raised.status_code == 201 and raised.json()["reference"].startswith("D")
    again = dsl.post(f"/api/v1/contacts/{contact.pk}/disagreements/", {"position": "Again"}, format="json")
    assert again.status_code == 400


def test_the_queue_page_costs_the_same_queries_however_long_the_queue(cast, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cast.mash_manager)

    def queries_with(n):
        while Contact.objects.filter(state="received").count() < n:
            linked_contact(cast, key=f"q-{Contact.objects.count()}")
        client.get(reverse("referrals:queue"))  # warm sessions and permission caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("referrals:queue")).status_code == 200
        return len(captured)

    assert queries_with(2) == queries_with(12)


def test_the_whole_journey_through_the_api(cast, api_for):
    dsl, mash = api_for(cast.school_dsl), api_for(cast.mash_manager)
    sent = dsl.post(
        "/api/v1/contacts/",
        {
            "concerns": "Ola often arrives hungry",
            "family_consents": "yes",
            "subjects": [
                {"role": "child", "first_name": "Ola", "last_name": "Okafor", "date_of_birth": "2016-05-02"}
            ],
        },
        format="json",
        headers={"Idempotency-Key": "journey-1"},
    )
    assert sent.status_code == 201
    contact = sent.json()
    candidates = mash.get(f"/api/v1/contacts/{contact['id']}/candidates/").json()
    assert candidates[0]["candidates"] == []  # nobody like Ola is known yet
    subject = contact["subjects"][0]["id"]
    linked = mash.post(
        f"/api/v1/contacts/{contact['id']}/subjects/{subject}/link/", {"person_id": None}, format="json"
    )
    assert linked.status_code == 200 and linked.json()["person"]
    detail = mash.get(f"/api/v1/contacts/{contact['id']}/").json()
    triaged = mash.post(
        f"/api/v1/contacts/{contact['id']}/triage/",
        {
            "outcome": "pathway_2",
            "rationale": "Unmet needs; family agrees",
            "feedback_text": "A family help worker will contact the family.",
            "team_id": cast.north.pk,
            "version": Contact.objects.get(pk=contact["id"]).version,
        },
        format="json",
    )
    assert detail["state"] == "received" and triaged.status_code == 200
    assert (
        mash.post(
            f"/api/v1/contacts/{contact['id']}/feedback/",
            {"method": "online", "version": triaged.json()["version"]},
            format="json",
        ).status_code
        == 200
    )
    letter = dsl.get(f"/api/v1/contacts/{contact['id']}/letter/")
    assert letter.status_code == 200 and letter.json()["outcome"] == "pathway_2"


def test_the_triager_sees_earlier_contacts_and_their_outcomes(cast, client_for):
    from referrals.services import TriageDetails, contact_triage

    first = linked_contact(cast, key="first")
    contact_triage(
        contact=first,
        by=cast.mash_manager,
        details=TriageDetails(
            outcome="signpost",
            rationale="Universal needs",
            feedback_text="School nurse",
            advice="School nurse",
        ),
    )
    second = contact_receive(
        by=cast.school_dsl,
        channel="professional",
        referrer_name="Sadia Dhillon",
        concerns="Ola is hungry again and now missing school",
        family_consents="yes",
        subjects=[
            SubjectDetails(role="child", first_name="Ola", last_name="Okafor", date_of_birth=date(2016, 5, 2))
        ],
    )
    page = client_for(cast.mash_manager).get(reverse("referrals:contact", args=[second.pk])).content.decode()
    assert first.reference in page and "Signpost to universal services" in page


def test_phone_contacts_through_the_api_are_for_the_front_door(cast, api_for):
    call = {
        "channel": "phone",
        "referrer_name": "Dr Ade",
        "referrer_agency_id": cast.school.pk,
        "concerns": "Bruising seen at an appointment",
        "family_consents": "not_asked",
        "consent_notes": "Asking could put the child at risk",
        "subjects": [{"role": "child", "first_name": "Ola", "last_name": "Okafor"}],
    }
    assert api_for(cast.school_dsl).post("/api/v1/contacts/", call, format="json").status_code == 403
    mash = api_for(cast.mash_manager)
    nameless = mash.post("/api/v1/contacts/", {**call, "referrer_name": ""}, format="json")
    assert nameless.status_code == 400 and "referrer_name" in nameless.json()
    made = mash.post("/api/v1/contacts/", call, format="json")
    assert made.status_code == 201 and made.json()["referrer_agency"] == str(cast.school)
    recorded = Contact.objects.get()
    assert recorded.submitted_by is None and recorded.recorded_by == cast.mash_manager
    other_agency = api_for(cast.school_dsl).post(
        "/api/v1/contacts/",
        {**call, "channel": "professional", "referrer_agency_id": cast.la.pk},
        format="json",
    )
    assert other_agency.status_code == 400 and "referrer_agency_id" in other_agency.json()


def test_the_api_shows_a_referrer_their_request_not_the_front_doors_record(cast, api_for):
    contact = linked_contact(cast)
    row = api_for(cast.school_dsl).get(f"/api/v1/contacts/{contact.pk}/").json()
    assert row["status"] == "being looked at" and "state" not in row
    assert "person" not in row["subjects"][0]
    staff = api_for(cast.mash_manager).get(f"/api/v1/contacts/{contact.pk}/").json()
    assert staff["state"] == "received" and staff["subjects"][0]["person"]


def test_an_idempotency_key_only_finds_the_senders_own_contact(cast, api_for):
    from tests.accounts.factories import UserFactory

    other = UserFactory(username="gp", roles=[Role.PARTNER_PRACTITIONER], agency=cast.school)
    body = {
        "concerns": "Worried",
        "family_consents": "yes",
        "subjects": [{"role": "child", "first_name": "Ola", "last_name": "Okafor"}],
    }
    first = api_for(cast.school_dsl).post(
        "/api/v1/contacts/", body, format="json", headers={"Idempotency-Key": "k1"}
    )
    second = api_for(other).post(
        "/api/v1/contacts/", {**body, "concerns": "Mine"}, format="json", headers={"Idempotency-Key": "k1"}
    )
    assert first.json()["id"] != second.json()["id"] and second.json()["concerns"] == "Mine"


def test_a_long_raised_for_is_a_field_error_not_a_crash(cast, api_for):
    contact = linked_contact(cast)
    from referrals.services import TriageDetails, contact_triage

    contact_triage(
        contact=contact,
        by=cast.mash_manager,
        details=TriageDetails(outcome="pathway_2", rationale="r", feedback_text="f", team=cast.north),
    )
    response = api_for(cast.mash_manager).post(
        f"/api/v1/contacts/{contact.pk}/disagreements/",
        {"position": "Caller disagrees", "raised_for": "x" * 500},
        format="json",
    )
    assert response.status_code == 400 and "raised_for" in response.json()


def test_a_broken_pdf_library_gives_the_letter_not_an_error(cast, client_for, monkeypatch):
    from referrals import views

    contact = linked_contact(cast)
    client = client_for(cast.mash_manager)
    client.post(
        reverse("referrals:triage", args=[contact.pk]), triage_post(contact, **{"triage-team": cast.north.pk})
    )

    def broken(_contact):
        raise OSError("no fonts")

    monkeypatch.setattr(views, "render_letter_pdf", broken)
    response = client.get(reverse("referrals:letter-pdf", args=[contact.pk]), follow=True)
    assert response.status_code == 200 and "The PDF could not be made" in response.content.decode()


def test_linking_refuses_merged_records_and_the_wrong_kind_and_can_be_undone(
    cast, world, client_for, api_for
):
    from cases.services import person_create, person_merge
    from referrals.services import contact_subject_link, contact_subject_unlink

    contact = contact_receive(
        by=cast.school_dsl,
        channel="professional",
        referrer_name="Sadia Dhillon",
        concerns="Worried",
        family_consents="yes",
        subjects=[SubjectDetails(role="child", first_name="Nia", last_name="Northam")],
    )
    subject = contact.subjects.get()
    dup = person_create(by=cast.mash_manager, kind="child", first_name="Nia", last_name="Northam")
    person_merge(duplicate=dup, keep=world.north_child, reason="Same child", by=cast.team_manager)
    adult = person_create(by=cast.mash_manager, kind="adult", first_name="Pat", last_name="Northam")
    for wrong in (dup, adult):
        with pytest.raises(ValidationError) as refused:
            contact_subject_link(subject=subject, person=wrong, by=cast.mash_manager)
        assert "person" in refused.value.message_dict
    contact_subject_link(subject=subject, person=world.north_child, by=cast.mash_manager)
    contact_subject_unlink(subject=subject, by=cast.mash_manager)
    subject.refresh_from_db()
    assert subject.person is None
    response = api_for(cast.mash_manager).post(
        f"/api/v1/contacts/{contact.pk}/subjects/{subject.pk}/unlink/", format="json"
    )
    assert response.status_code == 400  # nothing linked now


def test_a_child_needs_a_name_so_a_record_can_be_made(cast):
    with pytest.raises(ValidationError) as refused:
        contact_receive(
            by=cast.school_dsl,
            channel="professional",
            referrer_name="Sadia Dhillon",
            concerns="Worried",
            family_consents="yes",
            subjects=[SubjectDetails(role="child", date_of_birth=date(2016, 5, 2))],
        )
    assert "subjects.1.first_name" in refused.value.message_dict
