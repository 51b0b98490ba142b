"""Settings come from the environment in one place and stop start-up loudly on bad values."""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_by_pathway, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent


def _start(**changes) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECURE_SSL_REDIRECT", "DEBUG"}}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    code = "import django; django.setup()"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"CONN_MAX_AGE": "forever"}, "CONN_MAX_AGE"),
        ({"CONN_MAX_AGE": "-5"}, "CONN_MAX_AGE"),
        ({"DATABASE_URL": "sqlite:///db.sqlite3"}, "PostgreSQL"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"SECRET_KEY": None, "DEBUG": "0"}, "SECRET_KEY"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"LEA_CODE": "12"}, "LEA_CODE"),
        ({"CIN_EPISODE_FROM_PATHWAY": "4"}, "CIN_EPISODE_FROM_PATHWAY"),
        ({"ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS"),
        ({"DATABASE_OWNER_URL": "postgresql://owner@127.0.0.1/another"}, "must name the same database"),
        ({"DATABASE_OWNER_URL": os.environ.get("DATABASE_URL", "")}, "DATABASE_OWNER_URL's role must differ"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(changes, named):
    result = _start(**changes)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr


def test_good_environment_starts():
    assert _start().returncode == 0


def test_secrets_can_come_from_files(tmp_path, monkeypatch):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("SOME_SECRET_FILE", str(secret))
    assert env_str("SOME_SECRET") == "from-a-file"
    monkeypatch.setenv("SOME_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="SOME_SECRET_FILE"):
        env_str("SOME_SECRET")


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("COUNT", "12")
    assert env_int("COUNT", 1, minimum=0) == 12
    monkeypatch.setenv("HOSTS", "a.example, b.example")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.delenv("NOT_SET", raising=False)
    assert env_str("NOT_SET", "default") == "default"


def test_env_by_pathway(monkeypatch):
    monkeypatch.delenv("WEEKS", raising=False)
    assert env_by_pathway("WEEKS", "2:8,3:4") == {2: 8, 3: 4}
    monkeypatch.setenv("WEEKS", " 4:2 , 3:6 ")
    assert env_by_pathway("WEEKS", "2:8") == {4: 2, 3: 6}
    for bad in ("4", "5:2", "3:0", "three:4"):
        monkeypatch.setenv("WEEKS", bad)
        with pytest.raises(ImproperlyConfigured, match="WEEKS"):
            env_by_pathway("WEEKS", "2:8")


def _deploy_check(**changes) -> subprocess.CompletedProcess:
    unset = {"SECURE_SSL_REDIRECT", "SECURE_COOKIES", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_OWNER_URL"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="continuum.example.org", **changes
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_settings():
    owner = urlsplit(os.environ["DATABASE_URL"])._replace(netloc="continuum_owner@db.example.org").geturl()
    result = _deploy_check(DATABASE_OWNER_URL=owner)
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_warns_when_one_role_owns_the_tables_and_runs_the_app():
    result = _deploy_check()
    assert result.returncode != 0
    assert "continuum.W001" in result.stderr and "History is not tamper-proof" in result.stderr


def test_persistent_connections_are_on_by_default(settings):
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 60
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
