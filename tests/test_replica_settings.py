"""DATABASE_REPLICA_URL (issue 17): parsed and checked as DATABASE_URL is; unset, no replica alias."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOW = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({alias: {key: db.get(key) for key in ('NAME', 'ENGINE', 'CONN_MAX_AGE', "
    "'CONN_HEALTH_CHECKS', 'DISABLE_SERVER_SIDE_CURSORS', 'TEST')} "
    "for alias, db in settings.DATABASES.items()}))"
)


def _start(**changes) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_REPLICA_URL", "DATABASE_REPLICA_URL_FILE"}
    }
    env.update(changes)
    return subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("sqlite:///replica.sqlite3", "DATABASE_REPLICA_URL must point at PostgreSQL"),
        ("mysql://reader@replica/continuum", "DATABASE_REPLICA_URL must point at PostgreSQL"),
        ("not a url", "DATABASE_REPLICA_URL"),
    ],
)
def test_a_bad_replica_url_stops_start_up_naming_it(url, named):
    result = _start(DATABASE_REPLICA_URL=url)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr


def test_unset_there_is_no_replica_and_everything_reads_the_primary():
    result = _start()
    assert result.returncode == 0, result.stderr
    assert list(json.loads(result.stdout.splitlines()[-1])) == ["default"]


def test_set_the_replica_is_configured_like_the_primary_and_mirrors_it_in_tests():
    result = _start(
        DATABASE_REPLICA_URL="postgresql://reader@replica.internal:5432/continuum", CONN_MAX_AGE="30"
    )
    assert result.returncode == 0, result.stderr
    databases = json.loads(result.stdout.splitlines()[-1])
    replica = databases["replica"]
    assert replica["TEST"]["MIRROR"] == "default"
    del replica["TEST"]
    assert replica == {
        "NAME": "continuum",
        "ENGINE": "django.db.backends.postgresql",
        "CONN_MAX_AGE": 30,
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": False,
    }
    assert databases["default"]["CONN_MAX_AGE"] == 30


def test_behind_pgbouncer_in_transaction_mode_no_server_side_cursors_are_opened():
    result = _start(
        DATABASE_REPLICA_URL="postgresql://reader@replica.internal:5432/continuum",
        PGBOUNCER_TRANSACTION_MODE="on",
    )
    assert result.returncode == 0, result.stderr
    databases = json.loads(result.stdout.splitlines()[-1])
    assert databases["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert databases["replica"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert json.loads(_start().stdout.splitlines()[-1])["default"]["DISABLE_SERVER_SIDE_CURSORS"] is False
