"""referrals 0006 drops the contact's copies of its due times, which its clocks hold: a contact
without clocks gets them first, and going back fills the columns from the clocks."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.migrating import migrate, migrate_to_latest

BEFORE = [("referrals", "0005_history_event_base"), ("escalation", "0006_history_event_base")]
AFTER = [("referrals", "0006_due_times_from_clocks")]
RECEIVED = datetime(2026, 1, 5, 9, tzinfo=UTC)


def clocks(apps):
    Clock = apps.get_model("escalation", "Clock")
    return {
        (clock.object_id, clock.kind): (clock.due_at, clock.state)
        for clock in Clock.objects.filter(content_type__app_label="referrals", content_type__model="contact")
    }


@pytest.mark.django_db(transaction=True)
def test_due_times_move_to_the_clocks_and_back():
    try:
        old = migrate(BEFORE)
        Contact = old.get_model("referrals", "Contact")
        ContentType = old.get_model("contenttypes", "ContentType")
        content_type, _ = ContentType.objects.get_or_create(app_label="referrals", model="contact")
        with_clocks = Contact.objects.create(
            reference="R26-000001",
            received_at=RECEIVED,
            decision_due=RECEIVED + timedelta(days=1),
            feedback_due=RECEIVED + timedelta(days=3),
        )
        moved = RECEIVED + timedelta(days=2)  # a manager moved the decision clock; the column went stale
        for kind, due in (
            ("contact_decision", moved),
            ("feedback_to_referrer", RECEIVED + timedelta(days=3)),
        ):
            old.get_model("escalation", "Clock").objects.create(
                content_type=content_type,
                object_id=with_clocks.pk,
                kind=kind,
                started_at=RECEIVED,
                due_at=due,
            )
        without = Contact.objects.create(
            reference="R26-000002",
            received_at=RECEIVED,
            decision_due=RECEIVED + timedelta(days=1),
            feedback_due=RECEIVED + timedelta(days=3),
            triaged_at=RECEIVED + timedelta(hours=5),
        )

        new = migrate(AFTER)
        assert clocks(new) == {
            (with_clocks.pk, "contact_decision"): (moved, "running"),
            (with_clocks.pk, "feedback_to_referrer"): (RECEIVED + timedelta(days=3), "running"),
            (without.pk, "contact_decision"): (RECEIVED + timedelta(days=1), "met"),
            (without.pk, "feedback_to_referrer"): (RECEIVED + timedelta(days=3), "running"),
        }

        back = migrate(BEFORE)
        columns = dict(back.get_model("referrals", "Contact").objects.values_list("pk", "decision_due"))
        assert columns == {with_clocks.pk: moved, without.pk: RECEIVED + timedelta(days=1)}
    finally:
        migrate_to_latest()
