"""Professional disagreements moved from escalation to their own app (escalation 0005,
disagreements 0001) with their tables, rows, append-only trigger and content types: a clock on a
disagreement's stage still finds it, forwards and backwards."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from tests.migrating import migrate, migrate_to_latest

BEFORE = [("escalation", "0004_stepdown_consent_clock"), ("referrals", "0004_early_help_hub_contacts")]
AFTER = [("disagreements", "0001_initial")]


def refuses_update(table: str) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET summary = 'changed'")  # noqa: S608 - a fixed name
    except DatabaseError:
        return True
    return False


def holds(apps, label: str) -> dict:
    Disagreement = apps.get_model(label, "Disagreement")
    Clock = apps.get_model("escalation", "Clock")
    clock = Clock.objects.get()
    return {
        "disagreements": list(Disagreement.objects.values_list("position", "stage")),
        "events": list(apps.get_model(label, "DisagreementEvent").objects.values_list("summary", flat=True)),
        "ladder": list(apps.get_model(label, "LadderContact").objects.values_list("stage", flat=True)),
        "clock_target": (clock.content_type.app_label, clock.content_type.model, clock.object_id),
    }


@pytest.mark.django_db(transaction=True)
def test_disagreements_move_with_their_rows_and_their_clocks_forwards_and_back():
    try:
        old = migrate(BEFORE)
        Agency = old.get_model("accounts", "Agency")
        User = old.get_model("accounts", "User")
        ContentType = old.get_model("contenttypes", "ContentType")
        agency = Agency.objects.create(name="Migration council", kind="local_authority")
        user = User.objects.create(username="mover", agency=agency)
        family = old.get_model("cases", "Family").objects.create(name="Moved family", created_by=user)
        contact = old.get_model("referrals", "Contact").objects.create(
            state="triaged",
            received_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
            decision_due=datetime(2026, 1, 6, 9, tzinfo=UTC),
            feedback_due=datetime(2026, 1, 8, 9, tzinfo=UTC),
            family=family,
        )
        now = datetime(2026, 1, 6, 12, tzinfo=UTC)
        disagreement = old.get_model("escalation", "Disagreement").objects.create(
            contact=contact, raised_by=user, raised_at=now, position="The risk is higher", stage=2
        )
        old.get_model("escalation", "DisagreementEvent").objects.create(
            disagreement=disagreement, summary="Raised", at=now, by=user
        )
        old.get_model("escalation", "LadderContact").objects.create(agency=agency, stage=4, user=user)
        content_type, _ = ContentType.objects.get_or_create(app_label="escalation", model="disagreement")
        old.get_model("escalation", "Clock").objects.create(
            content_type=content_type,
            object_id=disagreement.pk,
            kind="escalation_stage",
            started_at=now,
            due_at=now + timedelta(days=5),
        )
        before = holds(old, "escalation")
        assert before["clock_target"] == ("escalation", "disagreement", disagreement.pk)

        moved = holds(migrate(AFTER), "disagreements")
        assert moved == before | {"clock_target": ("disagreements", "disagreement", disagreement.pk)}
        assert refuses_update("escalation_disagreementevent")

        assert holds(migrate(BEFORE), "escalation") == before
        assert refuses_update("escalation_disagreementevent")
    finally:
        migrate_to_latest()
