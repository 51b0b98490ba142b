"""The access log is partitioned by month (cases 0016): every row goes to its month's partition, the
append-only rules hold on every partition, the hash chain runs across them, months ahead are made
each night, and ACCESS_LOG_RETENTION_MONTHS drops whole months while the chain still verifies."""

from datetime import UTC, datetime
from io import StringIO

import pgtrigger
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import tasks
from audit.services import ACCESS_LOG_MONTHS_AHEAD, access_log_partitions_maintain
from cases.models import AccessLogEntry
from config.history import chain_verify, chained_models
from config.models import ChainAnchor
from config.partitions import is_partitioned, month_add, month_partition_name, month_start, months_made
from tests.migrating import migrate, migrate_to_latest

pytestmark = pytest.mark.django_db
TABLE = AccessLogEntry._meta.db_table
THIS_MONTH = month_start(timezone.now())


def month(offset: int) -> datetime:
    """The 10th of the month `offset` months from this one, at noon UTC."""
    first = month_add(THIS_MONTH, offset)
    return datetime(first.year, first.month, 10, 12, tzinfo=UTC)


def read(user, at: datetime, record_id: int = 1) -> AccessLogEntry:
    entry = AccessLogEntry.objects.create(
        at=at, user=user, record_type="family", record_id=record_id, route="test", method="GET", via="page"
    )
    entry.refresh_from_db()  # the database gave it its place in the chain
    return entry


def partition_of(entry: AccessLogEntry) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT tableoid::regclass::text FROM "{TABLE}" WHERE id = %s', [entry.pk])  # noqa: S608
        return cursor.fetchone()[0]


def partitions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [TABLE],
        )
        return [name for (name,) in cursor.fetchall()]


def access_log_chain():
    model, trigger = next(pair for pair in chained_models() if pair[0] is AccessLogEntry)
    with connection.cursor() as cursor:
        return chain_verify(cursor, model, trigger)


def test_the_table_is_partitioned_by_month_with_months_ahead_and_a_default():
    with connection.cursor() as cursor:
        assert is_partitioned(cursor, TABLE)
        made = months_made(cursor, TABLE)
    for offset in range(ACCESS_LOG_MONTHS_AHEAD + 1):
        assert month_add(THIS_MONTH, offset) in made
    assert f"{TABLE}_default" in partitions()


def test_each_row_goes_to_its_month_and_the_chain_runs_across_months(cast):
    access_log_partitions_maintain(now=month(-2))
    rows = [read(cast.auditor, month(offset)) for offset in (-2, -1, 0, -2)]
    assert [partition_of(row) for row in rows] == [
        month_partition_name(TABLE, month_start(month(offset))) for offset in (-2, -1, 0, -2)
    ]
    seqs = list(AccessLogEntry.objects.order_by("chain_seq").values_list("chain_seq", flat=True))
    assert seqs == [1, 2, 3, 4]
    report = access_log_chain()
    assert report.intact and report.rows == 4 and report.pruned == 0


def test_every_partition_refuses_updates_deletes_and_truncation(cast):
    for offset in (*range(ACCESS_LOG_MONTHS_AHEAD + 1), 24):  # 24: no month made, the default partition
        read(cast.auditor, month(offset))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks to stop a TRUNCATE
    for partition in [*partitions(), TABLE]:
        for statement in ("UPDATE {} SET route = 'x'", "DELETE FROM {}", "TRUNCATE {}"):
            refused = statement.format(f'"{partition}"')
            with (
                pytest.raises(DatabaseError, match="Cannot"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(refused)
    assert AccessLogEntry.objects.count() == ACCESS_LOG_MONTHS_AHEAD + 2


def test_a_row_with_no_month_made_waits_in_the_default_partition_and_is_not_lost(cast):
    far = read(cast.auditor, month(24))
    assert partition_of(far) == f"{TABLE}_default"
    report = access_log_partitions_maintain(now=month(22))
    far_month = month_partition_name(TABLE, month_start(month(24)))
    assert far_month in report.refused and far_month not in partitions()
    assert month_partition_name(TABLE, month_start(month(23))) in report.made
    assert AccessLogEntry.objects.filter(pk=far.pk).exists()
    assert access_log_chain().intact


def test_retention_drops_whole_months_and_the_kept_chain_still_verifies(cast, settings):
    access_log_partitions_maintain(now=month(-5))
    for offset in (-5, -4, -4, -3, -2, -3, -2, -1, 0):  # a month -3 row lands between two -2 rows
        read(cast.auditor, month(offset))
    settings.ACCESS_LOG_RETENTION_MONTHS = 2
    report = access_log_partitions_maintain()
    assert report.dropped == [month_partition_name(TABLE, month_start(month(n))) for n in (-5, -4, -3)]
    assert sorted(AccessLogEntry.objects.values_list("chain_seq", flat=True)) == [5, 7, 8, 9]
    # The kept rows at places 5 and 7 lost their predecessors (4 and 6): both are anchored.
    assert list(ChainAnchor.objects.values_list("chain", "seq")) == [
        ("cases.AccessLogEntry", 4),
        ("cases.AccessLogEntry", 6),
    ]
    assert report.anchors == 2
    chain = access_log_chain()
    assert chain.intact and chain.rows == 4 and chain.pruned == 5 and chain.head_seq == 9
    out = StringIO()
    call_command("history_verify", stdout=out)
    assert (
        "cases.AccessLogEntry: intact, 4 rows" in out.getvalue() and "5 older rows removed" in out.getvalue()
    )
    # New reads carry on the chain.
    assert read(cast.auditor, timezone.now()).chain_seq == 10 and access_log_chain().intact


def test_a_gap_retention_did_not_leave_is_still_found(cast, settings):
    access_log_partitions_maintain(now=month(-4))
    rows = [read(cast.auditor, month(offset)) for offset in (-4, -1, -1, 0)]
    settings.ACCESS_LOG_RETENTION_MONTHS = 2
    access_log_partitions_maintain()
    with pgtrigger.ignore("cases.AccessLogEntry:access_log_append_only"), connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{TABLE}" WHERE id = %s', [rows[2].pk])  # noqa: S608
    chain = access_log_chain()
    assert not chain.intact and f"places 3 to 3 are missing before row {rows[3].pk}" in chain.problem


def test_without_a_retention_period_nothing_is_dropped(cast, settings):
    access_log_partitions_maintain(now=month(-30))
    read(cast.auditor, month(-30))
    settings.ACCESS_LOG_RETENTION_MONTHS = 0
    report = access_log_partitions_maintain()
    assert report.dropped == [] and AccessLogEntry.objects.count() == 1


def test_a_month_holding_the_chains_newest_row_is_kept(cast, settings):
    access_log_partitions_maintain(now=month(-6))
    read(cast.auditor, month(0))
    newest = read(cast.auditor, month(-6))  # back-dated, so the newest place is in an old month
    settings.ACCESS_LOG_RETENTION_MONTHS = 2
    report = access_log_partitions_maintain()
    assert report.kept == [partition_of(newest)]
    assert report.dropped == [month_partition_name(TABLE, month_start(month(n))) for n in (-5, -4, -3)]
    assert access_log_chain().intact


def test_the_worker_keeps_months_ahead_every_night(cast):
    schedule = settings.CELERY_BEAT_SCHEDULE["access-log-partitions"]
    assert schedule["task"] == "audit.tasks.access_log_partitions_maintain"
    with connection.cursor() as cursor:
        ahead = month_partition_name(TABLE, month_add(THIS_MONTH, ACCESS_LOG_MONTHS_AHEAD))
        cursor.execute(f'DROP TABLE "{ahead}"')
    result = tasks.access_log_partitions_maintain.apply().get()
    assert result["made"] == [ahead] and ahead in partitions()


def test_the_command_reports_what_it_did(cast, settings):
    access_log_partitions_maintain(now=month(-14))
    read(cast.auditor, month(-14))
    read(cast.auditor, month(0))
    settings.ACCESS_LOG_RETENTION_MONTHS = 12
    out = StringIO()
    call_command("access_log_partitions", "--no-drop", stdout=out)
    assert "Dropped: none" in out.getvalue()
    call_command("access_log_partitions", stdout=out)
    assert f"Dropped: {month_partition_name(TABLE, month_start(month(-14)))}" in out.getvalue()
    assert AccessLogEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_row_both_ways(cast):
    rows = [read(cast.auditor, month(offset)) for offset in (0, 0, 1)]
    try:
        migrate([("cases", "0015_case_newest_first")])
        with connection.cursor() as cursor:
            assert not is_partitioned(cursor, TABLE)
            cursor.execute(f'SELECT id, chain_seq FROM "{TABLE}" ORDER BY id')  # noqa: S608
            assert cursor.fetchall() == [(row.pk, row.chain_seq) for row in rows]
        migrate_to_latest()
        with connection.cursor() as cursor:
            assert is_partitioned(cursor, TABLE)
        assert list(AccessLogEntry.objects.order_by("id").values_list("id", "chain_seq")) == [
            (row.pk, row.chain_seq) for row in rows
        ]
        added = read(cast.auditor, timezone.now())
        assert added.pk > rows[-1].pk and added.chain_seq == 4
        assert access_log_chain().intact
    finally:
        migrate_to_latest()
