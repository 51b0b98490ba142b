"""The chronology is append-only at the database level: not even raw SQL may rewrite history."""

import pytest
from django.db import DatabaseError, connection, transaction

from cases.models import ChronologyEntry


@pytest.fixture
def entry(world):
    return ChronologyEntry.objects.filter(case=world.north_case).first()


def test_raw_sql_update_of_an_entry_is_refused(entry):
    with (
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE cases_chronologyentry SET summary = 'rewritten' WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.summary != "rewritten"


def test_raw_sql_delete_of_an_entry_is_refused(entry):
    with (
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM cases_chronologyentry WHERE id = %s", [entry.pk])
    assert ChronologyEntry.objects.filter(pk=entry.pk).exists()


def test_the_table_name_the_raw_sql_uses_is_the_models():
    assert ChronologyEntry._meta.db_table == "cases_chronologyentry"


def test_orm_bulk_update_and_delete_are_refused_too(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        ChronologyEntry.objects.filter(pk=entry.pk).update(summary="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        ChronologyEntry.objects.filter(pk=entry.pk).delete()
    assert ChronologyEntry.objects.get(pk=entry.pk).summary == entry.summary


def test_appending_still_works(world, cast):
    from django.utils import timezone

    from cases import services

    before = ChronologyEntry.objects.count()
    services.chronology_entry_add(
        family=world.north_case.family,
        case=world.north_case,
        by=cast.fh_worker,
        kind="note",
        occurred_at=timezone.now(),
        summary="Correction: the visit was on Tuesday, not Monday",
    )
    assert ChronologyEntry.objects.count() == before + 1
