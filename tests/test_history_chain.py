"""The chronology and the access log carry hash chains: every row's hash covers its content and the
previous row's hash (config/models.py HashChain), and `manage.py history_verify` finds the first
broken link after someone with the owner's rights edits, deletes or slips in a row."""

import threading
from io import StringIO

import pgtrigger
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from cases.access_log import access_log_write
from cases.models import ACCESS_LOG_CHAINED, CHRONOLOGY_CHAINED, AccessLogEntry, ChronologyEntry
from cases.services import chronology_write
from config.history import chain_verify, chained_models, history_verify, link_hash
from config.models import chain_digest_sql
from tests.cases.factories import FamilyFactory
from tests.migrating import migrate, migrate_to_latest

PROTECT = "cases.ChronologyEntry:chronology_append_only"


def verify_output():
    out, err = StringIO(), StringIO()
    try:
        call_command("history_verify", stdout=out, stderr=err)
    except CommandError as error:
        return False, out.getvalue() + err.getvalue() + str(error)
    return True, out.getvalue() + err.getvalue()


def add_entries(family, author, count):
    return [
        chronology_write(
            family=family, author=author, kind="note", summary=f"Synthetic note {n}", detail="Text"
        )
        for n in range(count)
    ]


@pytest.fixture
def entries(cast):
    family = FamilyFactory()
    return add_entries(family, cast.social_worker, 4)


def test_the_chronology_and_the_access_log_are_chained_on_every_column():
    assert [model._meta.label for model, _ in chained_models()] == [
        "cases.AccessLogEntry",
        "cases.ChronologyEntry",
    ]
    for model, chained in ((ChronologyEntry, CHRONOLOGY_CHAINED), (AccessLogEntry, ACCESS_LOG_CHAINED)):
        columns = {field.name for field in model._meta.concrete_fields} - {"chain_seq", "row_hash"}
        assert set(chained) == columns, f"{model._meta.label}: a column is left out of its hash chain"


@pytest.mark.django_db
def test_new_rows_take_the_next_place_and_hash_the_one_before(entries):
    rows = list(ChronologyEntry.objects.order_by("chain_seq").values_list("chain_seq", "row_hash"))
    assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1))
    assert all(len(row_hash) == 64 for _, row_hash in rows)
    assert len({row_hash for _, row_hash in rows}) == len(rows)
    (model, trigger) = next(pair for pair in chained_models() if pair[0] is ChronologyEntry)
    with connection.cursor() as cursor:
        report = chain_verify(cursor, model, trigger)
    assert report.intact and report.rows == len(rows) and report.head_seq == len(rows)
    assert report.head_hash == rows[-1][1]


@pytest.mark.django_db
def test_verify_reports_every_chain_intact(entries, cast):
    family = entries[0].family
    for _ in range(3):
        access_log_write(user=cast.auditor, record_type="family", record_id=family.pk, route="test")
    ok, output = verify_output()
    assert ok, output
    assert "cases.ChronologyEntry: intact" in output and "cases.AccessLogEntry: intact" in output


@pytest.mark.django_db
def test_an_owner_editing_a_row_breaks_the_chain_at_that_row(entries):
    edited = entries[1]
    with pgtrigger.ignore(PROTECT), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_chronologyentry SET detail = 'rewritten' WHERE id = %s", [edited.pk])
    ok, output = verify_output()
    assert not ok
    assert f"BROKEN: row {edited.pk} (place 2) does not match its hash" in output
    assert "Synthetic" not in output and "rewritten" not in output  # ids, never content


@pytest.mark.django_db
def test_an_owner_deleting_a_row_leaves_a_gap(entries):
    with pgtrigger.ignore(PROTECT), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_chronologyentry WHERE id = %s", [entries[1].pk])
    ok, output = verify_output()
    assert not ok and f"places 2 to 2 are missing before row {entries[2].pk}" in output


@pytest.mark.django_db
def test_an_owner_recomputing_one_hash_still_breaks_the_next_link(entries):
    """Rewriting a row and its own hash moves the break to the following row."""
    target = entries[1]
    with pgtrigger.ignore(PROTECT), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_chronologyentry SET detail = 'rewritten' WHERE id = %s", [target.pk])
        cursor.execute("SELECT row_hash FROM cases_chronologyentry WHERE chain_seq = 1")
        (previous,) = cursor.fetchone()
        (model, trigger) = next(pair for pair in chained_models() if pair[0] is ChronologyEntry)
        digest_sql = chain_digest_sql(model, trigger.fields, "t")
        cursor.execute(f"SELECT {digest_sql} FROM cases_chronologyentry t WHERE id = %s", [target.pk])  # noqa: S608
        (digest,) = cursor.fetchone()
        cursor.execute(
            "UPDATE cases_chronologyentry SET row_hash = %s WHERE id = %s",
            [link_hash(previous, digest), target.pk],
        )
    ok, output = verify_output()
    assert not ok and f"row {entries[2].pk} (place 3) does not match its hash" in output


@pytest.mark.django_db
def test_a_row_slipped_in_with_the_chain_switched_off_is_found(entries, cast):
    with pgtrigger.ignore("cases.ChronologyEntry:chronology_hash_chain"):
        chronology_write(
            family=entries[0].family, author=cast.social_worker, kind="note", summary="Slipped in"
        )
    ok, output = verify_output()
    assert not ok and "1 row(s) have no place in the chain" in output


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_make_one_unbroken_chain(cast):
    family = FamilyFactory()
    author = cast.social_worker
    errors = []
    start = threading.Barrier(4)

    def writer():
        try:
            start.wait()
            for _ in range(5):
                with transaction.atomic():
                    add_entries(family, author, 2)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with connection.cursor() as cursor:
        reports = history_verify(cursor)
    chronology = next(report for report in reports if report.label == "cases.ChronologyEntry")
    assert chronology.intact and chronology.rows == 40, chronology


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_chain_existed_are_chained_by_the_migration(cast):
    family = FamilyFactory()
    add_entries(family, cast.social_worker, 3)
    try:
        old = migrate([("cases", "0011_no_truncate")])
        OldEntry = old.get_model("cases", "ChronologyEntry")
        OldEntry.objects.create(
            family_id=family.pk,
            kind="note",
            occurred_at="2025-01-01T10:00:00Z",
            summary="Before the chain",
            author_id=cast.social_worker.pk,
        )
        migrate_to_latest()
        rows = list(ChronologyEntry.objects.order_by("id").values_list("chain_seq", flat=True))
        assert rows == [1, 2, 3, 4]
        ok, output = verify_output()
        assert ok, output
    finally:
        migrate_to_latest()


@pytest.mark.django_db
def test_the_chain_heads_are_logged_every_day_without_any_record_content(entries, caplog, settings):
    from config.tasks import history_heads_log

    assert settings.CELERY_BEAT_SCHEDULE["history-heads-log"]["task"] == "config.tasks.history_heads_log"
    with caplog.at_level("INFO", logger="config.tasks"):
        heads = history_heads_log()
    last = ChronologyEntry.objects.order_by("-chain_seq").values_list("chain_seq", "row_hash").first()
    assert heads["cases.ChronologyEntry"] == list(last)
    assert f"history chain cases.ChronologyEntry head {last[0]} {last[1]}" in caplog.text
    assert "Synthetic" not in caplog.text


@pytest.mark.django_db
def test_the_chain_head_moves_with_every_row_and_is_rebuilt_when_lost(entries, cast):
    from config.models import ChainHead

    table = ChronologyEntry._meta.db_table
    newest = ChronologyEntry.objects.order_by("-chain_seq").values_list("chain_seq", "row_hash").first()
    head = ChainHead.objects.get(chain=table)
    assert (head.seq, head.row_hash) == newest
    ChainHead.objects.filter(chain=table).delete()  # lost: the next row starts it from the table
    (added,) = add_entries(entries[0].family, cast.social_worker, 1)
    added.refresh_from_db()
    assert added.chain_seq == newest[0] + 1
    assert ChainHead.objects.get(chain=table).seq == added.chain_seq
    ok, output = verify_output()
    assert ok, output


@pytest.mark.django_db
def test_deleting_the_newest_row_is_found_once_another_follows(entries, cast):
    """The head remembers the deleted row's place, so the next row leaves the gap showing."""
    with pgtrigger.ignore(PROTECT), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_chronologyentry WHERE id = %s", [entries[-1].pk])
    (added,) = add_entries(entries[0].family, cast.social_worker, 1)
    ok, output = verify_output()
    assert not ok and f"places 4 to 4 are missing before row {added.pk}" in output
