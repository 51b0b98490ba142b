"""Which database a query goes to: the primary, except the reads made inside `replica_reads()`.

Practitioners must read what they have just written, so nothing reads the replica by default. The
auditors' searches and exports, and the statutory returns, read large ranges and do not need the
last second's rows: they ask for the replica with `replica_reads()`. Writes (the access log rows
such a read leaves among them) always go to the primary, and so do migrations. Without a replica
(DATABASE_REPLICA_URL unset) the scope changes nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

REPLICA = "replica"

_reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def read_database() -> str:
    """The alias reads go to here and now."""
    return REPLICA if _reading_replica.get() and replica_configured() else DEFAULT_DB_ALIAS


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block (or a function decorated with it), reads go to the replica when there is
    one. Only for reads that may lag the primary by a moment: never around a read of a row just
    written."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def pinned(queryset: QuerySet) -> QuerySet:
    """`queryset` bound to the database the scope reads from now, for one evaluated after the scope
    has ended (a streamed response's rows)."""
    return queryset.using(read_database())


class ReplicaRouter:
    """DATABASE_ROUTERS' only entry."""

    def db_for_read(self, model, **hints):
        return read_database()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, copied: a row read from the replica is the primary's row

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
