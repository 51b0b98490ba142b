"""Continuum benchmarks: `make bench` (numbers and ratios; never assertions).

Builds a throw-away database (test_<name>) beside the configured one, seeds the demo local
authority into it, then measures the main pages and the API, and the effect of persistent
database connections (CONN_MAX_AGE). Everything runs in-process through Django's test client,
so the numbers are server time without network or browser.
"""

import os
import statistics
import sys
import time
from contextlib import contextmanager

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))


def _time(client: Client, url: str, rounds: int = ROUNDS) -> dict:
    client.get(url)  # warm
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    samples.sort()
    return {
        "median_ms": statistics.median(samples),
        "p95_ms": samples[int(len(samples) * 0.95) - 1],
        "queries": len(queries.captured_queries),
    }


@contextmanager
def _bench_database():
    creation = connection.creation
    name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield name
    finally:
        connections.close_all()
        creation.destroy_test_db(name, verbosity=0)


def _conn_max_age_ratio(user, url: str) -> tuple[float, float]:
    """Requests per second with a new connection per request vs a persistent one."""
    rates = []
    for max_age in (0, 60):
        connections.close_all()
        connection.settings_dict["CONN_MAX_AGE"] = max_age
        client = Client()
        client.force_login(user)
        client.get(url)
        started = time.perf_counter()
        for _ in range(ROUNDS * 2):
            client.get(url)
        rates.append(ROUNDS * 2 / (time.perf_counter() - started))
    connection.settings_dict["CONN_MAX_AGE"] = 60
    return rates[0], rates[1]


def main() -> int:
    from accounts.models import User
    from cases.models import Case, ChronologyEntry, Person

    with _bench_database():
        started = time.perf_counter()
        with override_settings(DEBUG=True):
            call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        reset_queries()
        seeded = time.perf_counter() - started
        print(
            f"seeded demo authority in {seeded:.1f}s: {Case.objects.count()} cases, "
            f"{Person.objects.count()} people, {ChronologyEntry.objects.count()} chronology entries"
        )
        manager = User.objects.get(username="team.manager")
        worker = User.objects.get(username="fh.worker")
        case = Case.objects.filter(state="open", pathway=4).first()
        client = Client()
        client.force_login(manager)
        api = Client()
        api.force_login(worker)
        pages = [
            ("home (team manager)", client, "/"),
            ("case list", client, "/cases/"),
            ("case page (pathway 4)", client, f"/cases/{case.pk}/"),
            ("person search 'a'", client, "/people/?name=a"),
            ("API cases list (family help worker)", api, "/api/v1/cases/"),
            ("API chronology", api, f"/api/v1/cases/{case.pk}/chronology/"),
            ("healthz", client, "/healthz"),
        ]
        print(f"\n{'page':40} {'median ms':>10} {'p95 ms':>10} {'queries':>8}   ({ROUNDS} rounds)")
        for label, who, url in pages:
            result = _time(who, url)
            print(f"{label:40} {result['median_ms']:10.1f} {result['p95_ms']:10.1f} {result['queries']:8d}")

        print()
        for label, url in (("case page", f"/cases/{case.pk}/"), ("healthz", "/healthz")):
            per_request, persistent = _conn_max_age_ratio(manager, url)
            print(
                f"{label} throughput: CONN_MAX_AGE=0 {per_request:.0f} req/s, "
                f"CONN_MAX_AGE=60 {persistent:.0f} req/s, ratio {persistent / per_request:.2f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
