"""Monthly partitions of a table partitioned by range of a timestamp (PostgreSQL's declarative
partitioning): the access log (cases 0016, audit.services.access_log_partitions_maintain).

A month's partition is named `<table>_pYYYYMM` and holds [1st of the month, 1st of the next) in UTC.
A DEFAULT partition `<table>_default` takes any row no month is made for yet, so a write never
fails for want of a partition; PostgreSQL then refuses to make that month's partition until its
rows are moved (`months_ensure` reports the month and goes on). Row-level triggers on the parent
(append-only, the hash chain) are cloned by PostgreSQL onto every partition; statement-level
TRUNCATE triggers are not, so every partition gets the parent's no-truncate trigger (same name, same
function, so `pgtrigger.ignore` lets the test database's flush past it as it does the parent's).

Table names come from models, never from input; the SQL is composed with psycopg's `sql` module."""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.db import IntegrityError
from psycopg import errors, sql


def month_start(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


def month_add(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def _month_of(table: str, name: str) -> date | None:
    found = re.fullmatch(re.escape(table) + r"_p(\d{4})(\d{2})", name)
    return date(int(found[1]), int(found[2]), 1) if found else None


def months_made(cursor, table: str) -> dict[date, str]:
    """The month partitions `table` has: {first day of the month: partition name}."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass",
        [table],
    )
    months = {}
    for (name,) in cursor.fetchall():
        month = _month_of(table, name)
        if month:
            months[month] = name
    return months


def no_truncate_add(cursor, partition: str, guard: str) -> None:
    """Give `partition` the parent's no-truncate trigger: `guard` is its name and its function's
    (pgtrigger names both with the trigger's pgid)."""
    cursor.execute(
        sql.SQL("CREATE TRIGGER {} BEFORE TRUNCATE ON {} FOR EACH STATEMENT EXECUTE FUNCTION {}()").format(
            sql.Identifier(guard), sql.Identifier(partition), sql.Identifier(guard)
        )
    )


def partitions_guard(cursor, table: str, guard: str) -> None:
    """Give every partition of `table` that lacks it the parent's no-truncate trigger."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass AND NOT EXISTS "
        "(SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = %s)",
        [table, guard],
    )
    for (partition,) in cursor.fetchall():
        no_truncate_add(cursor, partition, guard)


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", [table])
    found = cursor.fetchone()
    return bool(found and found[0])


def default_partition_make(cursor, table: str, guard: str | None = None) -> None:
    partition = f"{table}_default"
    cursor.execute(
        sql.SQL("CREATE TABLE {} PARTITION OF {} DEFAULT").format(
            sql.Identifier(partition), sql.Identifier(table)
        )
    )
    if guard:
        no_truncate_add(cursor, partition, guard)


@dataclass
class MonthsReport:
    made: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # months whose rows sit in the default partition


def months_ensure(cursor, table: str, first: date, last: date, guard: str | None = None) -> MonthsReport:
    """Make every month's partition from `first` to `last` (inclusive) that does not exist yet. A
    month whose rows already sit in the default partition is left there and reported (nothing is
    moved or lost; the rows are still read and chained through the parent)."""
    report = MonthsReport()
    made = months_made(cursor, table)
    month = month_start(first)
    while month <= last:
        if month not in made:
            name = month_partition_name(table, month)
            upper = month_add(month, 1)
            statement = sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES FROM ({}) TO ({})").format(
                sql.Identifier(name),
                sql.Identifier(table),
                sql.Literal(datetime(month.year, month.month, 1, tzinfo=UTC)),
                sql.Literal(datetime(upper.year, upper.month, 1, tzinfo=UTC)),
            )
            cursor.execute("SAVEPOINT month_partition")
            try:
                cursor.execute(statement)
                if guard:
                    no_truncate_add(cursor, name, guard)
            except IntegrityError as error:
                if not isinstance(error.__cause__, errors.CheckViolation):
                    raise
                cursor.execute("ROLLBACK TO SAVEPOINT month_partition")
                report.refused.append(name)
            else:
                cursor.execute("RELEASE SAVEPOINT month_partition")
                report.made.append(name)
        month = month_add(month, 1)
    return report
