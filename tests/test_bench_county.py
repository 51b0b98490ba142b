"""The county benchmark's load (bench/locustfile.py, bench/pages.py, bench/county.py) does the work it
claims: every page it names answers each role's login on a seeded authority, and a short real Locust
run against a live server signs everyone in and loads every page without a failure. The numbers
themselves are the benchmark's (make bench-county), never asserted here."""

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from bench.county import query_counts, stats_read, targets
from bench.pages import LOGINS, PAGES, WORK

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[1]


def _live_server_idle(seconds: float = 15) -> None:
    """Wait until no other connection to the test database is running a query, so the live server
    has finished every request before the test database is flushed."""
    from django.db import connection

    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state NOT IN ('idle')"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.2)


def test_the_load_opens_every_page_it_names_for_each_role_and_locust_runs_it_without_failure(
    settings, live_server, tmp_path
):
    from demo.management.commands.seed_demo import DEMO_USERS

    assert {name for pages in WORK.values() for name in pages} == set(PAGES)
    assert {login for logins in LOGINS.values() for login in logins} <= {row[0] for row in DEMO_USERS}
    settings.DEBUG = True
    call_command("seed_demo", children=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.DEBUG = False
    # The live server is plain HTTP: cookies marked Secure would never come back from Locust.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False

    found = targets()
    # Logins without an open case are left out of the load; the demo gives most of them cases.
    for role, logins in LOGINS.items():
        working = [login for login in logins if login in found]
        assert len(working) >= min(3, len(logins)), role
        for login in working:
            assert found[login]["cases"] and found[login]["families"], login
            assert found[login]["surnames"] and found[login]["people"]
    assert found["mash.manager"]["contacts"], "no contact waits at the front door"
    # Every page answers its role's first login below 400, and each has its query count.
    counts = query_counts(found)
    assert set(counts) == set(PAGES) and all(count > 0 for count in counts.values())

    targets_file = tmp_path / "targets.json"
    targets_file.write_text(json.dumps(found))
    ran = subprocess.run(
        [
            sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
            "--users", "8", "--spawn-rate", "8", "--run-time", "20s", "--host", live_server.url,
            "--csv", str(tmp_path / "run"), "--only-summary", "--exit-code-on-error", "0",
            "--stop-timeout", "15",  # each person finishes the request they are in before Locust stops
        ],
        cwd=ROOT,
        env={**os.environ, "BENCH_TARGETS": str(targets_file), "BENCH_WAIT": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    _live_server_idle()
    requests, failures = {}, {}
    with open(tmp_path / "run_stats.csv", newline="") as stats:
        for row in csv.DictReader(stats):  # a row per method and name
            key = (row["Type"], row["Name"])
            requests[key] = int(row["Request Count"])
            failures[key] = int(row["Failure Count"])
    assert not {key: count for key, count in failures.items() if count}, ran.stderr[-3000:]
    assert requests[("GET", "sign in")] == requests[("POST", "sign in")] == 8  # everyone signed in once
    loaded = {name for (_, name), count in requests.items() if name in PAGES and count}
    # Each role's commonest pages were opened in 20 s (rare ones may not be).
    assert {"case page", "family chronology page", "triage queue", "contact page", "home (tray)"} <= loaded


def test_a_page_nobody_reached_in_a_short_run_has_no_times_not_a_crash(tmp_path):
    """Locust writes N/A for a page with no requests (a short run with few people)."""
    header = (
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
        "50%,95%,99%,Requests/s"
    )
    (tmp_path / "stats.csv").write_text(
        f"{header}\n"
        "GET,case page,12,0,80,90,80,200,300,1.2\n"
        "POST,receive a contact,0,0,0,0.0,N/A,N/A,N/A,0.0\n"
        ",Aggregated,12,0,80,90,80,200,300,1.2\n"
    )
    result = stats_read(tmp_path / "stats.csv")
    assert result["rps"] == 1.2
    assert result["pages"]["case page"] == {
        "p50_ms": 80.0,
        "p95_ms": 200.0,
        "p99_ms": 300.0,
        "requests": 12,
        "failures": 0,
    }
    assert result["pages"]["receive a contact"]["p95_ms"] is None
    assert result["pages"]["receive a contact"]["requests"] == 0
