"""Every history made from config.models.HistoryEvent is append-only in the database."""

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from config.models import HistoryEvent
from escalation.choices import ClockKind
from escalation.models import ClockEvent
from escalation.services import clock_start
from tests.cases.factories import FamilyFactory

HISTORIES = sorted(
    (model for model in apps.get_models() if issubclass(model, HistoryEvent)), key=lambda m: m._meta.label
)


def test_the_histories_share_the_base():
    assert [model._meta.label for model in HISTORIES] == [
        "cases.FeedbackInvitationEvent",
        "disagreements.DisagreementEvent",
        "escalation.ClockEvent",
        "escalation.TaskEvent",
        "fgc.FgcEvent",
        "pathways.PlanChange",
        "referrals.ContactEvent",
        "stepdown.ReviewItemEvent",
        "stepdown.StepDownEvent",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("model", HISTORIES, ids=lambda model: model._meta.label)
def test_the_database_refuses_to_change_or_remove_history(model):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [model._meta.db_table],
        )
        names = [name for (name,) in cursor.fetchall()]
    assert any(name.startswith("pgtrigger_history_append_only_") for name in names), names
    enabled = "SELECT tgenabled FROM pg_trigger WHERE tgname = %s"
    with connection.cursor() as cursor:
        (name,) = [name for name in names if name.startswith("pgtrigger_history_append_only_")]
        cursor.execute(enabled, [name])
        assert cursor.fetchone()[0] == "O"  # fires on every write, not only on a replica


@pytest.mark.django_db
def test_a_written_history_row_can_be_neither_changed_nor_removed():
    family = FamilyFactory()
    clock_start(target=family, kind=ClockKind.PLAN_REVIEW, family=family)
    assert ClockEvent.objects.filter(clock__object_id=family.pk).exists()
    for statement in (
        "UPDATE escalation_clockevent SET summary = 'changed'",
        "DELETE FROM escalation_clockevent",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert ClockEvent.objects.filter(clock__object_id=family.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["cases_chronologyentry", "audit_accesslogentry", "escalation_clockevent"])
def test_truncate_is_refused_on_append_only_tables(table):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"TRUNCATE {table} CASCADE")


@pytest.mark.django_db
def test_truncating_a_parent_cannot_empty_a_history_by_cascade():
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE cases_family CASCADE")
