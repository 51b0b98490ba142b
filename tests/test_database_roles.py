"""Two database roles (config/dbroles.py): `migrate` runs as the owner given by DATABASE_OWNER_URL and
grants the application's role (DATABASE_URL) only what it needs, so the running application can
neither empty nor rewrite history, nor switch the triggers off that guard it."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.checks import run_checks
from psycopg import errors, sql

from config.dbroles import append_only_tables

ROOT = Path(__file__).resolve().parent.parent
HISTORIES = [
    "cases_chronologyentry",
    "audit_accesslogentry",
    "escalation_clockevent",
    "referrals_contactevent",
    "stepdown_stepdownevent",
    "pathways_planchange",
    "escalation_disagreementevent",  # made in escalation, moved (disagreements 0001)
]


def test_every_history_is_among_the_append_only_tables():
    assert set(HISTORIES) <= set(append_only_tables())


def _server():
    base = settings.DATABASES["default"]
    return {"host": base["HOST"] or None, "port": base["PORT"] or None, "user": base["USER"]}


def _url(user: str, name: str) -> str:
    server = _server()
    host = quote(server["host"] or "", safe="")
    port = f":{server['port']}" if server["port"] else ""
    return f"postgresql://{user}@{host}{port}/{name}"


def _manage(*args, env_changes):
    env = {**os.environ, "SECRET_KEY": "tests-only", **env_changes}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def two_roles():
    """A scratch database owned by an owner role, migrated through DATABASE_OWNER_URL."""
    suffix = uuid.uuid4().hex[:8]
    owner, app, name = f"continuum_owner_{suffix}", f"continuum_app_{suffix}", f"continuum_roles_{suffix}"
    with psycopg.connect(**_server(), dbname="postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(owner)))
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(app)))
        admin.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(owner))
        )
    env = {"DATABASE_URL": _url(app, name), "DATABASE_OWNER_URL": _url(owner, name)}
    try:
        migrated = _manage("migrate", "--no-input", env_changes=env)
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        assert "Granted the application's role its privileges" in migrated.stdout
        yield {"owner": owner, "app": app, "name": name, "env": env}
    finally:
        with psycopg.connect(**_server(), dbname="postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(app)))
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(owner)))


def _as(roles, who):
    server = {**_server(), "user": roles[who]}
    return psycopg.connect(**server, dbname=roles["name"])


def _refused(connection, statement, params=None):
    with pytest.raises(errors.InsufficientPrivilege), connection.transaction():
        connection.execute(statement, params)


@pytest.mark.parametrize("table", HISTORIES)
def test_the_application_role_can_neither_empty_nor_rewrite_history(two_roles, table):
    with _as(two_roles, "app") as app:
        _refused(app, f"TRUNCATE {table}")
        _refused(app, f"DELETE FROM {table}")  # noqa: S608 - fixed names
        # pgtrigger's own switch lets a table's owner past its triggers; the application's role is
        # refused before any trigger runs, because it holds no UPDATE privilege at all.
        with pytest.raises(errors.InsufficientPrivilege), app.transaction():
            app.execute("SELECT set_config('pgtrigger.ignore', '{anything}', true)")
            app.execute(f"UPDATE {table} SET id = id")  # noqa: S608 - fixed names
        _refused(app, f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        _refused(app, f"DROP TABLE {table}")


def test_the_application_role_cannot_reach_the_access_logs_partitions(two_roles):
    """It reads and writes the access log through its parent; no partition is its to touch."""
    with _as(two_roles, "app") as app:
        partitions = [
            name
            for (name,) in app.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'audit_accesslogentry'::regclass"
            ).fetchall()
        ]
        assert "audit_accesslogentry_default" in partitions and len(partitions) >= 5
        for partition in partitions:
            with pytest.raises(errors.InsufficientPrivilege), app.transaction():
                app.execute("SELECT set_config('pgtrigger.ignore', '{anything}', true)")
                app.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(partition)))
            _refused(app, sql.SQL("TRUNCATE {}").format(sql.Identifier(partition)))
            _refused(app, sql.SQL("DROP TABLE {}").format(sql.Identifier(partition)))


def test_the_owner_makes_the_access_logs_months_and_the_worker_says_it_cannot(two_roles):
    env = two_roles["env"]
    with psycopg.connect(**{**_server(), "user": two_roles["owner"]}, dbname=two_roles["name"]) as owner:
        ahead = owner.execute(
            "SELECT max(c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'audit_accesslogentry'::regclass AND c.relname LIKE '%%_p%%'"
        ).fetchone()[0]
        owner.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(ahead)))
        owner.commit()
    task = _manage(
        "shell",
        "-c",
        "from audit.tasks import access_log_partitions_maintain as t; print(t())",
        env_changes=env,
    )
    assert task.returncode == 0, task.stderr[-3000:]
    assert "insufficient privilege" in task.stdout and "manage.py access_log_partitions" in task.stderr
    made = _manage("access_log_partitions", env_changes=env)
    assert made.returncode == 0, made.stderr[-3000:]
    assert f"Made: {ahead}" in made.stdout
    with _as(two_roles, "app") as app:
        _refused(app, sql.SQL("DELETE FROM {}").format(sql.Identifier(ahead)))


def test_the_application_role_cannot_turn_triggers_off_for_its_session(two_roles):
    with _as(two_roles, "app") as app:
        _refused(app, "SET session_replication_role = replica")
        _refused(app, "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())")


def test_the_application_role_does_its_work_and_history_stays_chained(two_roles):
    env = two_roles["env"]
    created = _manage(
        "shell",
        "-c",
        "from accounts.models import User, Agency;"
        "from cases.access_log import access_log_write;"
        "user = User.objects.create_user('roles.check', password='x' * 16);"
        "user.username = 'roles.checked'; user.save();"
        "[access_log_write(user=user, record_type='family', record_id=n, route='check') for n in range(3)];"
        "Agency.objects.create(name='Synthetic agency', kind='school').delete()",
        env_changes=env,
    )
    assert created.returncode == 0, created.stderr[-3000:]
    verified = _manage("history_verify", env_changes=env)
    assert verified.returncode == 0, verified.stderr
    assert "cases.AccessLogEntry: intact, 3 rows" in verified.stdout
    with _as(two_roles, "app") as app:
        owner = app.execute(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_accesslogentry'"
        ).fetchone()[0]
    assert owner == two_roles["owner"]


def test_migrating_again_as_the_owner_keeps_the_grants(two_roles):
    again = _manage("migrate", "--no-input", env_changes=two_roles["env"])
    assert again.returncode == 0, again.stderr[-3000:]
    with _as(two_roles, "app") as app:
        _refused(app, "TRUNCATE cases_chronologyentry")
        assert app.execute("SELECT count(*) FROM audit_accesslogentry").fetchone()[0] >= 0


def _deploy_warnings():
    return {message.id: message.msg for message in run_checks(include_deployment_checks=True)}


def test_check_deploy_warns_when_the_application_owns_its_tables(settings):
    settings.DATABASE_OWNER = None
    assert "History is not tamper-proof" in _deploy_warnings()["continuum.W001"]
    settings.DATABASE_OWNER = {"USER": "owner", "NAME": "continuum"}
    assert "continuum.W001" not in _deploy_warnings()
    assert "continuum.W001" not in {message.id for message in run_checks()}  # only with --deploy
