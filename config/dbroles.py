"""Two database roles: the owner that migrates, and the role the running application uses.

When DATABASE_OWNER_URL is set, `manage.py migrate` connects as that owner (config/management/
commands/migrate.py) and afterwards grants the application's role (DATABASE_URL's user) only what it
needs: reading and writing the working tables, and only SELECT and INSERT on the append-only ones
(the chronology, the access log and every history). Not owning the tables, the application's role
cannot TRUNCATE them, switch their triggers off, or UPDATE and DELETE history even with
`pgtrigger.ignore` set. With DATABASE_URL alone everything works as one role, and `check --deploy`
says that history is then not tamper-proof (config/checks.py)."""

import pgtrigger
from django.apps import apps
from psycopg import sql


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
    for statement in statements:
        cursor.execute(statement)
    return limited
