"""The front-door pages: professionals' and families' requests, the queue, matching and linking."""

import pytest
from django.urls import reverse

from referrals.models import Contact

pytestmark = pytest.mark.django_db


def professional_post(**extra):
    data = {
        "request-concerns": "Nia often arrives hungry",
        "request-family_consents": "yes",
        "request-urgency": "routine",
        "request-idempotency_key": "k-1",
        "subjects-TOTAL_FORMS": "5",
        "subjects-INITIAL_FORMS": "5",
        "subjects-MIN_NUM_FORMS": "0",
        "subjects-MAX_NUM_FORMS": "1000",
        "subjects-0-role": "child",
        "subjects-0-first_name": "Nia",
        "subjects-0-last_name": "Northam",
        "subjects-0-date_of_birth": "2017-09-03",
    }
    for row in range(1, 5):
        data[f"subjects-{row}-role"] = "child" if row < 3 else "adult"
    data.update(extra)
    return data


def test_a_school_dsl_sends_a_request_once_even_if_they_click_twice(cast, world, client_for):
    client = client_for(cast.school_dsl)
    assert client.get(reverse("referrals:request-new")).status_code == 200
    first = client.post(reverse("referrals:request-new"), professional_post())
    second = client.post(reverse("referrals:request-new"), professional_post())
    assert first.status_code == second.status_code == 302
    assert Contact.objects.count() == 1
    contact = Contact.objects.get()
    page = client.get(first["Location"]).content.decode()
    assert contact.reference in page
    assert contact.reference in client.get(reverse("referrals:my-requests")).content.decode()


def test_a_bad_request_keeps_what_was_typed(cast, client_for):
    response = client_for(cast.school_dsl).post(
        reverse("referrals:request-new"),
        professional_post(
            **{"subjects-0-date_of_birth": "2999-01-01", "request-family_consents": "not_asked"}
        ),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert (
        "Nia often arrives hungry" in page and "today or in the past" in page and "Say why the family" in page
    )
    assert not Contact.objects.exists()


def test_a_family_can_ask_for_help_without_signing_in(client):
    data = {
        "help-your_name": "Pat Newby",
        "help-phone": "01234 567890",
        "help-help_needed": "Help with routines",
        "help-idempotency_key": "f-1",
        "subjects-TOTAL_FORMS": "5",
        "subjects-INITIAL_FORMS": "5",
        "subjects-MIN_NUM_FORMS": "0",
        "subjects-MAX_NUM_FORMS": "1000",
        "subjects-0-role": "child",
        "subjects-0-first_name": "Nell",
    }
    for row in range(1, 5):
        data[f"subjects-{row}-role"] = "child" if row < 3 else "adult"
    assert client.get(reverse("referrals:help")).status_code == 200
    response = client.post(reverse("referrals:help"), data)
    assert response.status_code == 200 and "We have your request" in response.content.decode()
    contact = Contact.objects.get()
    assert contact.channel == "family" and contact.submitted_by is None and contact.family_consents == "yes"


def test_the_queue_and_a_contact_for_each_role(cast, world, client_for):
    client_for(cast.school_dsl).post(reverse("referrals:request-new"), professional_post())
    contact = Contact.objects.get()
    queue = reverse("referrals:queue")
    detail = reverse("referrals:contact", args=[contact.pk])
    mash = client_for(cast.mash_manager)
    assert contact.reference in mash.get(queue).content.decode()
    page = mash.get(detail).content.decode()
    assert "Nia Northam" in page and "Date of birth with day and month swapped" in page
    assert client_for(cast.school_dsl).get(queue).status_code == 403
    assert client_for(cast.school_dsl).get(detail).status_code == 200  # their own request
    assert client_for(cast.fh_worker).get(detail).status_code == 404
    assert client_for(cast.administrator).get(detail).status_code == 404


def test_linking_from_the_contact_page(cast, world, client_for):
    client_for(cast.school_dsl).post(reverse("referrals:request-new"), professional_post())
    contact = Contact.objects.get()
    subject = contact.subjects.get()
    url = reverse("referrals:subject-link", args=[contact.pk, subject.pk])
    assert client_for(cast.school_dsl).post(url, {"person": world.north_child.pk}).status_code == 403
    client_for(cast.mash_manager).post(url, {"person": "²"})
    subject.refresh_from_db()
    assert subject.person is None
    client_for(cast.mash_manager).post(url, {"person": world.north_child.pk})
    subject.refresh_from_db()
    assert subject.person == world.north_child


def test_the_contacts_api(cast, world, api_for):
    body = {
        "concerns": "Nia often arrives hungry",
        "family_consents": "yes",
        "subjects": [
            {"role": "child", "first_name": "Nia", "last_name": "Northam", "date_of_birth": "2017-03-09"}
        ],
    }
    dsl = api_for(cast.school_dsl)
    first = dsl.post("/api/v1/contacts/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    again = dsl.post("/api/v1/contacts/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    bad = dsl.post("/api/v1/contacts/", {"subjects": [{"role": "child"}]}, format="json")
    assert bad.status_code == 400 and {"concerns", "family_consents"} <= set(bad.json())
    assert api_for(cast.auditor).post("/api/v1/contacts/", body, format="json").status_code == 403
    contact_id = first.json()["id"]
    assert [row["id"] for row in dsl.get("/api/v1/contacts/").json()["results"]] == [contact_id]
    assert dsl.get("/api/v1/contacts/queue/").status_code == 403
    assert api_for(cast.fh_worker).get(f"/api/v1/contacts/{contact_id}/").status_code == 404
    mash = api_for(cast.mash_manager)
    assert [row["id"] for row in mash.get("/api/v1/contacts/queue/").json()["results"]] == [contact_id]
    candidates = mash.get(f"/api/v1/contacts/{contact_id}/candidates/").json()
    top = candidates[0]["candidates"][0]
    assert top["person"] == world.north_child.pk and "Same date of birth" in top["reasons"]
    subject_id = candidates[0]["subject"]
    linked = mash.post(
        f"/api/v1/contacts/{contact_id}/subjects/{subject_id}/link/",
        {"person_id": top["person"]},
        format="json",
    )
    assert linked.status_code == 200 and linked.json()["person"] == world.north_child.pk
