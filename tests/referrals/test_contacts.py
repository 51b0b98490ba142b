"""Receiving requests for support at the front door (issue: the front door)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import ThresholdIndicator
from referrals.models import Contact, ContactEvent
from referrals.selectors import repeat_contacts, triage_queue
from referrals.services import SubjectDetails, contact_receive, contact_subject_link

pytestmark = pytest.mark.django_db


def receive(by=None, **extra):
    values = {
        "channel": "professional",
        "referrer_name": "Sadia Dhillon",
        "concerns": "Nia often arrives hungry",
        "family_consents": "yes",
        "referrer_email": "dsl@school.invalid",
        "subjects": [
            SubjectDetails(
                role="child", first_name="Nia", last_name="Northam", date_of_birth=date(2017, 3, 9)
            )
        ],
    }
    values.update(extra)
    return contact_receive(by=by, **values)


def test_a_contact_gets_a_reference_and_its_clocks(cast):
    contact = receive(by=cast.school_dsl)
    assert contact.reference.startswith("R") and str(contact.pk) in contact.reference
    assert contact.feedback_due == contact.received_at + timedelta(hours=72)
    assert contact.decision_due > contact.received_at and contact.decision_due.weekday() < 5
    assert contact.referrer_agency == cast.school
    assert ContactEvent.objects.filter(contact=contact).count() == 1


def test_a_double_submission_makes_one_contact(cast):
    first = receive(by=cast.school_dsl, idempotency_key="abc-123")
    again = receive(by=cast.school_dsl, idempotency_key="abc-123")
    assert first.pk == again.pk and Contact.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"referrer_name": ""}, "referrer_name"),
        ({"concerns": " "}, "concerns"),
        ({"family_consents": "not_asked"}, "consent_notes"),
        ({"subjects": []}, "subjects"),
        (
            {"subjects": [SubjectDetails(role="child", first_name="Ada", date_of_birth=date(2999, 1, 1))]},
            "subjects.1.date_of_birth",
        ),
        (
            {"subjects": [SubjectDetails(role="unborn", last_name="Lane")]},
            "subjects.1.expected_date_of_birth",
        ),
        ({"referrer_email": "", "channel": "family"}, "referrer_email"),
        ({"postcode": "nonsense"}, "postcode"),
    ],
)
def test_bad_requests_get_field_errors_and_save_nothing(extra, field, cast):
    with pytest.raises(ValidationError) as excinfo:
        receive(**extra)
    assert field in excinfo.value.message_dict
    assert not Contact.objects.exists()


def test_a_child_with_no_name_and_no_date_of_birth_is_not_a_child_we_can_find(cast):
    with pytest.raises(ValidationError) as excinfo:
        receive(subjects=[SubjectDetails(role="child", relationship="daughter")])
    assert "subjects" in excinfo.value.message_dict


def test_the_queue_puts_immediate_referral_indicators_first_then_urgency_then_age(cast, thresholds):
    old_routine = receive(by=cast.school_dsl)
    urgent = receive(by=cast.school_dsl, urgency="urgent")
    flagged = receive(by=cast.school_dsl, indicators=[ThresholdIndicator.objects.get(code="immediate.1")])
    assert flagged.urgency == "immediate"
    queue = list(triage_queue(cast.mash_manager))
    assert [c.pk for c in queue] == [flagged.pk, urgent.pk, old_routine.pk]
    assert queue[0].flagged and not queue[1].flagged


def test_the_queue_query_count_does_not_grow(cast):

    receive(by=cast.school_dsl)
    list(triage_queue(cast.mash_manager))  # warm the permission cache
    with CaptureQueriesContext(connection) as few:
        list(triage_queue(cast.mash_manager))
    for _ in range(20):
        receive(by=cast.school_dsl)
    with CaptureQueriesContext(connection) as many:
        assert len(list(triage_queue(cast.mash_manager))) == 21
    assert len(many.captured_queries) == len(few.captured_queries)


def test_repeat_contacts_about_the_same_child_are_shown(cast):
    earlier = receive(by=cast.school_dsl)
    Contact.objects.filter(pk=earlier.pk).update(received_at=timezone.now() - timedelta(days=40))
    ancient = receive(by=cast.school_dsl)
    Contact.objects.filter(pk=ancient.pk).update(received_at=timezone.now() - timedelta(days=500))
    latest = receive(by=cast.school_dsl)
    assert list(repeat_contacts(cast.mash_manager, latest)) == [earlier]


def test_linking_to_a_person_or_making_a_new_record(cast, world):
    contact = receive(by=cast.school_dsl)
    subject = contact.subjects.get()
    contact_subject_link(subject=subject, person=world.north_child, by=cast.mash_manager)
    with pytest.raises(ValidationError, match="already linked"):
        contact_subject_link(subject=subject, person=None, by=cast.mash_manager)
    other = receive(
        subjects=[
            SubjectDetails(
                role="child", first_name="Newt", last_name="Newman", date_of_birth=date(2019, 1, 2)
            )
        ]
    )
    made = contact_subject_link(subject=other.subjects.get(), person=None, by=cast.mash_manager)
    assert made.person.first_name == "Newt" and made.person.date_of_birth == date(2019, 1, 2)
    with pytest.raises(DatabaseError), transaction.atomic():
        ContactEvent.objects.filter(contact=contact).update(summary="rewritten")


def test_a_contacts_due_times_are_its_clocks(cast, world, api_for, client_for):
    """A manager moves the decision clock: the API, the queue, the contact's page and the lateness
    check all follow it (the due time lives on the clock alone)."""
    from escalation.models import Clock
    from escalation.services import clock_due_change

    contact = receive(by=cast.school_dsl)
    clock = Clock.objects.get(object_id=contact.pk, kind="contact_decision")
    moved = timezone.localtime(clock.due_at + timedelta(days=2)).replace(
        hour=15, minute=30, second=0, microsecond=0
    )
    clock_due_change(
        clock=clock, due_at=moved, reason="Waiting for the school's records", by=cast.team_manager
    )

    api = api_for(cast.mash_manager)
    assert api.get(f"/api/v1/contacts/{contact.pk}/").json()["decision_due"] == moved.isoformat().replace(
        "+00:00", "Z"
    )
    listed = {row["id"]: row for row in api.get("/api/v1/contacts/").json()["results"]}
    assert (
        listed[contact.pk]["decision_due"]
        == api.get(f"/api/v1/contacts/{contact.pk}/").json()["decision_due"]
    )
    assert [c.decision_due for c in triage_queue(cast.mash_manager) if c.pk == contact.pk] == [moved]
    assert Contact.objects.get(pk=contact.pk).decision_due == moved
    page = client_for(cast.mash_manager).get(f"/front-door/{contact.pk}/").content.decode()
    assert f"decision due {moved:%-d %b} at 3:30pm" in page and "p.m." not in page

    feedback = Clock.objects.get(object_id=contact.pk, kind="feedback_to_referrer")
    Contact.objects.filter(pk=contact.pk).update(feedback_sent_at=feedback.due_at + timedelta(minutes=1))
    assert Contact.objects.get(pk=contact.pk).feedback_late
    Clock.objects.filter(pk=feedback.pk).update(due_at=feedback.due_at + timedelta(hours=1))
    assert not Contact.objects.get(pk=contact.pk).feedback_late


def test_lists_read_due_times_without_a_query_per_contact(cast):
    def queries_to_show_the_queue() -> int:
        with CaptureQueriesContext(connection) as queries:
            queue = triage_queue(cast.mash_manager)
            assert all(contact.decision_due and contact.feedback_due for contact in queue)
        return len(queries)

    receive(by=cast.school_dsl)
    queries_to_show_the_queue()  # the user's permissions, cached from here on
    one = queries_to_show_the_queue()
    for _ in range(5):
        receive(by=cast.school_dsl)
    assert queries_to_show_the_queue() == one


def test_a_referrers_list_of_requests_reads_due_times_in_one_query(cast, client_for):
    client = client_for(cast.school_dsl)

    def queries_to_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/requests/").status_code == 200
        return len(queries)

    receive(by=cast.school_dsl)
    queries_to_list()
    one = queries_to_list()
    for _ in range(4):
        receive(by=cast.school_dsl)
    assert queries_to_list() == one
