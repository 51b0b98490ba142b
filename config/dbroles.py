"""Two database roles: the owner that migrates, and the role the running application uses.

When DATABASE_OWNER_URL is set, `manage.py migrate` connects as that owner (config/management/
commands/migrate.py) and afterwards grants the application's role (DATABASE_URL's user) only what it
needs: reading and writing the working tables, and only SELECT and INSERT on the append-only ones
(the chronology, the access log and every history). Not owning the tables, the application's role
cannot TRUNCATE them, switch their triggers off, or UPDATE and DELETE history even with
`pgtrigger.ignore` set. With DATABASE_URL alone everything works as one role, and `check --deploy`
says that history is then not tamper-proof (config/checks.py)."""

from contextlib import contextmanager

import pgtrigger
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import sql

OWNER_KEYS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


@contextmanager
def as_owner():
    """Within: the default connection is the tables' owner's (DATABASE_OWNER_URL), for work only the
    owner may do (migrate, the access log's partitions). Yields the application's role's name, or
    None when one role does everything (no DATABASE_OWNER_URL: nothing changes)."""
    owner = settings.DATABASE_OWNER
    if not owner:
        yield None
        return
    connection = connections[DEFAULT_DB_ALIAS]
    runtime = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update({key: owner[key] for key in OWNER_KEYS if key in owner})
    try:
        yield runtime["USER"]
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(runtime)


def append_only_tables() -> list[str]:
    """Tables whose rows the database refuses to change or remove (a Protect trigger on both)."""
    tables = set()
    for model in apps.get_models():
        for trigger in getattr(model._meta, "triggers", ()):
            operation = str(trigger.operation or "")
            if isinstance(trigger, pgtrigger.Protect) and "UPDATE" in operation and "DELETE" in operation:
                tables.add(model._meta.db_table)
    return sorted(tables)


def runtime_privileges_grant(cursor, role: str) -> list[str]:
    """As the owner: give `role` what the application needs and no more. Run after every migrate,
    so that new tables are covered. Returns the append-only tables it was limited on."""
    limited = append_only_tables()
    role_id = sql.Identifier(role)
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role_id),
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(role_id),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(role_id),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role_id),
        sql.SQL("REVOKE INSERT, UPDATE, DELETE ON TABLE django_migrations FROM {}").format(role_id),
    ]
    statements += [
        sql.SQL("REVOKE UPDATE, DELETE ON TABLE {} FROM {}").format(sql.Identifier(table), role_id)
        for table in limited
    ]
    # A partitioned history (the access log) is read and written through its parent, whose grants
    # PostgreSQL checks; its partitions are given nothing, so none can be changed directly.
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent::regclass::text = ANY(%s)",
        [limited],
    )
    statements += [
        sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(sql.Identifier(partition), role_id)
        for (partition,) in cursor.fetchall()
    ]
    for statement in statements:
        cursor.execute(statement)
    return limited
