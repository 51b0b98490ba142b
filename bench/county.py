"""County-scale load benchmark (issue 17): numbers and ratios, never assertions.

    python -m bench.county --scales 0.01,1.0 --users 50 --duration 180 --json var/bench/county.json

For each scale it seeds a synthetic county (`manage.py seed_county --scale S`) into a database of
its own beside the configured one (`continuum_county_<scale>`; `--reuse` keeps one already seeded),
serves it as `make demo` does but with production settings (gunicorn, 2 workers x 4 threads, DEBUG
off, the Celery worker and beat running), and loads it with Locust (bench/locustfile.py): the demo
logins at their work, each person waiting 1-5 s between requests, for `--duration` seconds; then a
second run with no waiting gives the saturation throughput. It writes, per scale and page: p50, p95
and p99 (ms), requests, failures and the page's SQL query count (one request through Django's test
client in this process); per scale: requests a second, saturation requests a second, and the web
workers' peak memory; the ratio of each page's p95 at the largest scale to the smallest; and, at the
largest scale, the case page's Django time over the time of its SQL run raw.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PORT = int(os.environ.get("BENCH_PORT", "8790"))
SECRET = os.environ.get("SECRET_KEY") or "bench-only-not-a-secret"
# This process's own Django (targets, query counts, the raw SQL timing) talks to the same databases.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", SECRET)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("REQUIRE_TWO_FACTOR", "0")


def _database_url(name: str) -> str:
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))


def _admin_sql(sql: str) -> None:
    import psycopg

    with psycopg.connect(_database_url("postgres"), autocommit=True) as conn:
        conn.execute(sql)


def _manage(database: str, *args: str, **env) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": _database_url(database), **env},
        check=True,
    )


def _seeded(database: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(_database_url(database)) as conn:
            return conn.execute("SELECT EXISTS (SELECT 1 FROM cases_case)").fetchone()[0]
    except psycopg.Error:
        return False


def seed(database: str, scale: float, *, reuse: bool) -> float | None:
    """Seed the county into `database` (made afresh); returns the seconds it took, or None when an
    already seeded database was reused."""
    if reuse and _seeded(database):
        return None
    _admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    _admin_sql(f'CREATE DATABASE "{database}"')
    _manage(database, "migrate", "--no-input", "-v", "0")
    started = time.monotonic()
    _manage(database, "seed_county", "--scale", str(scale), DEBUG="1")
    return time.monotonic() - started


# --- this process's Django ----------------------------------------------------------------------


def _django(database: str) -> None:
    import django
    from django.db import connections

    if not getattr(_django, "ready", False):
        django.setup()
        _django.ready = True
    connections.close_all()
    connections["default"].settings_dict["NAME"] = database


def targets() -> dict[str, dict[str, list]]:
    """For each login the load uses, the records its pages open: the cases it works on and their
    families, the contacts waiting at the front door, people to look up and surnames to search for
    (all from the seeded database, so every request opens a record the login may see). Logins with
    no open case to work on are left out."""
    from accounts.models import User
    from bench.pages import LOGINS
    from cases.models import Person
    from cases.selectors import case_list, cases_of_worker
    from referrals.models import Contact

    surnames = list(Person.objects.order_by("?").values_list("last_name", flat=True)[:400])
    people = list(Person.objects.order_by("?").values_list("pk", flat=True)[:400])
    # The contacts waiting for triage, topped up with the latest triaged ones when few are waiting
    # (a small county's queue can be empty): the front door opens both.
    waiting = list(
        Contact.objects.filter(state="received").order_by("-pk").values_list("pk", flat=True)[:400]
    )
    waiting += (
        Contact.objects.exclude(state="received")
        .order_by("-pk")
        .values_list("pk", flat=True)[: 400 - len(waiting)]
    )
    found = {}
    for role, logins in LOGINS.items():
        for login in logins:
            user = User.objects.get(username=login)
            # Practitioners open the cases they work on; others any open case they may see.
            cases = cases_of_worker(user) if role == "practitioner" else case_list(user).filter(state="open")
            rows = list(cases.order_by("pk").values_list("pk", "family_id")[:400])
            if not rows:
                continue  # a login with no case to open does no work in the load
            found[login] = {
                "cases": [pk for pk, _ in rows],
                "families": sorted({family for _, family in rows}),
                "contacts": waiting if role == "front door" else [],
                "people": people,
                "surnames": surnames,
            }
    return found


# Statements that only open, mark or end a transaction: not counted as queries.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def query_counts(found: dict) -> dict[str, int]:
    """Each page's SQL query count: one request through Django's test client as a login whose
    work includes the page (transaction control, BEGIN and savepoints, not counted)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bench.pages import LOGINS, PAGES, WORK

    counts = {}
    rng = random.Random(17)
    for role, pages in WORK.items():
        login = next(login for login in LOGINS[role] if login in found)
        client = Client()
        client.force_login(User.objects.get(username=login))
        for name in pages:
            if name in counts:
                continue
            method, path, body = PAGES[name](found[login], rng)
            if method == "GET":
                client.get(path)  # warm: the first request fills caches
            with CaptureQueriesContext(connection) as queries:
                if method == "GET":
                    response = client.get(path)
                else:
                    response = client.post(path, data=json.dumps(body), content_type="application/json")
            if response.status_code >= 400:
                raise RuntimeError(f"{name} ({path}) answered {response.status_code} for {login}")
            counts[name] = sum(
                1 for query in queries.captured_queries if not query["sql"].startswith(TRANSACTION_CONTROL)
            )
    return counts


def django_over_sql(found: dict, rounds: int = 30) -> dict[str, float]:
    """The case page's time through Django against the time of the same SQL run raw."""
    from django.db import DatabaseError, connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bench.pages import PRACTITIONERS

    login = PRACTITIONERS[0]
    client = Client()
    client.force_login(User.objects.get(username=login))
    path = f"/cases/{found[login]['cases'][0]}/"
    client.get(path)
    page_ms = []
    for _ in range(rounds):
        started = time.perf_counter()
        client.get(path)
        page_ms.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    statements = [
        query["sql"] for query in queries.captured_queries if not query["sql"].startswith(TRANSACTION_CONTROL)
    ]
    sql_ms = []
    for _ in range(rounds):
        with transaction.atomic():
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for sql in statements:
                    try:
                        with transaction.atomic():
                            cursor.execute(sql)
                            if cursor.description:
                                cursor.fetchall()
                    except DatabaseError:
                        pass  # a write the page made once (the access log's chain) cannot be made twice
            sql_ms.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    page, sql = statistics.median(page_ms), statistics.median(sql_ms)
    return {"page_ms": round(page, 1), "sql_ms": round(sql, 1), "ratio": round(page / sql, 2)}


# --- the service, as make demo runs it, with production settings --------------------------------


def _service_env(database: str, work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": _database_url(database),
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on the loopback: no HTTPS redirect, no secure-only cookies, no HSTS.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "REQUIRE_TWO_FACTOR": "0",  # the demo logins sign in with a password alone, as in make demo
        "CELERY_DATA_DIR": str(work / "celery"),
        # No mail server here: notices are kept in memory, not retried against a refused connection.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


@contextmanager
def serve(database: str, work: Path):
    """gunicorn (2 workers x 4 threads), the Celery worker and beat, as config/dev/demo.sh starts
    them; yields gunicorn's process. Each runs in a process group of its own, stopped at the end."""
    import http.client

    env = _service_env(database, work)
    bin_dir = Path(sys.executable).parent
    commands = [
        [
            str(bin_dir / "celery"),
            "-A",
            "config",
            "worker",
            "-Q",
            "celery,sweeps,exports,mail",  # every queue (CELERY_TASK_QUEUES), as config/dev/demo.sh
            "--loglevel=WARNING",
            "--concurrency=2",
        ],
        [str(bin_dir / "celery"), "-A", "config", "beat", "--loglevel=WARNING", "-s", str(work / "beat")],
        [
            str(bin_dir / "gunicorn"),
            "-c",
            "config/gunicorn.py",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--threads",
            "4",
        ],
    ]
    log = open(work / "service.log", "ab")  # noqa: SIM115
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
        for command in commands
    ]
    try:
        for _ in range(300):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn did not answer: see {work / 'service.log'}")
        yield processes[-1]
    finally:
        for process in processes:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def peak_rss_mb(master: subprocess.Popen) -> float:
    """The web workers' peak resident memory (VmHWM), summed over gunicorn's workers."""
    total_kb = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) != master.pid:
            continue
        try:
            status = (stat.parent / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
    return round(total_kb / 1024, 1)


def load(targets_file: Path, prefix: Path, *, users: int, duration: int, wait: bool) -> dict:
    """One Locust run; returns its statistics by page, and the whole run's requests a second."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 5)),
            "--run-time",
            f"{duration}s",
            "--host",
            f"http://127.0.0.1:{PORT}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--reset-stats",  # count from when everyone is signed in: the steady day, not the log-on rush
            "--stop-timeout",
            "10",
            "--exit-code-on-error",
            "0",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "BENCH_TARGETS": str(targets_file), "BENCH_WAIT": "1" if wait else "0"},
        check=True,
    )
    return stats_read(Path(f"{prefix}_stats.csv"))


def stats_read(path: Path) -> dict:
    """Locust's stats CSV as {"pages": {name: times, counts}, "rps": ...}."""
    pages, rps = {}, 0.0
    with path.open(newline="") as stats:
        for row in csv.DictReader(stats):
            if row["Name"] == "Aggregated":
                rps = float(row["Requests/s"])
                continue
            pages[row["Name"]] = {  # a page nobody reached in a short run has no times: None
                "p50_ms": _ms(row["50%"]),
                "p95_ms": _ms(row["95%"]),
                "p99_ms": _ms(row["99%"]),
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
            }
    return {"pages": pages, "rps": round(rps, 1)}


def _ms(value: str) -> float | None:
    return None if value in ("", "N/A") else float(value)


def run_scale(scale: float, args) -> dict:
    label = f"{scale:g}"
    database = f"continuum_county_{label.replace('.', '_')}"
    work = Path(args.work) / f"county-{label}"
    work.mkdir(parents=True, exist_ok=True)
    print(f"\n== scale {label}: database {database}", flush=True)
    seconds = seed(database, scale, reuse=args.reuse)
    print(f"seeded in {seconds:.0f} s" if seconds is not None else "reused the seeded database", flush=True)
    _django(database)
    found = targets()
    targets_file = work / "targets.json"
    targets_file.write_text(json.dumps(found))
    counts = query_counts(found)
    with serve(database, work) as web:
        steady = load(targets_file, work / "steady", users=args.users, duration=args.duration, wait=True)
        saturated = load(
            targets_file, work / "saturation", users=args.users, duration=args.saturation, wait=False
        )
        peak = peak_rss_mb(web)
    result = {
        "pages": {
            name: stats | {"queries": counts.get(name)}
            for name, stats in sorted(steady["pages"].items())
            if name != "sign in"
        },
        "rps": steady["rps"],
        "saturation_rps": saturated["rps"],
        "peak_rss_mb": peak,
        "seed_seconds": None if seconds is None else round(seconds),
    }
    _print(label, result)
    return result


def _print(label: str, result: dict) -> None:
    print(f"\nscale {label}: {result['rps']} req/s with waits, saturation {result['saturation_rps']} req/s, ")
    print(f"web workers' peak memory {result['peak_rss_mb']} MB")
    print(f"{'page':32} {'p50':>7} {'p95':>7} {'p99':>7} {'reqs':>6} {'fail':>5} {'SQL':>4}")
    for name, page in result["pages"].items():
        times = " ".join(
            f"{page[key]:7.0f}" if page[key] is not None else f"{'-':>7}"
            for key in ("p50_ms", "p95_ms", "p99_ms")
        )
        print(f"{name:32} {times} {page['requests']:6d} {page['failures']:5d} {page['queries'] or 0:4d}")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scales", default="0.01,1.0", help="comma-separated county scales (1.0: the full county)"
    )
    parser.add_argument("--users", type=int, default=50, help="simultaneous simulated people")
    parser.add_argument("--duration", type=int, default=180, help="seconds of load with waits, per scale")
    parser.add_argument("--saturation", type=int, default=60, help="seconds of load without waits, per scale")
    parser.add_argument("--json", default="var/bench/county.json", help="where to write the results")
    parser.add_argument("--work", default="var/bench", help="Locust's CSVs, targets and service logs")
    parser.add_argument("--reuse", action="store_true", help="keep a county database already seeded")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        parser.error("DATABASE_URL is not set (make bench-county sets it)")
    scales = sorted(float(scale) for scale in args.scales.split(","))
    results = {"scales": {f"{scale:g}": run_scale(scale, args) for scale in scales}}
    smallest, largest = results["scales"][f"{scales[0]:g}"], results["scales"][f"{scales[-1]:g}"]
    results["ratios"] = {
        name: round(page["p95_ms"] / smallest["pages"][name]["p95_ms"], 2)
        for name, page in largest["pages"].items()
        if page["p95_ms"] is not None and smallest["pages"].get(name, {}).get("p95_ms")
    }
    _django(f"continuum_county_{scales[-1]:g}".replace(".", "_"))
    timing = django_over_sql(targets())
    results["django_over_sql"] = timing["ratio"]
    results["case_page_timing"] = timing
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2))
    print(f"\np95 at scale {scales[-1]:g} / p95 at {scales[0]:g}: {results['ratios']}")
    print(
        f"case page: {timing['page_ms']} ms through Django, {timing['sql_ms']} ms of SQL run raw "
        f"(ratio {timing['ratio']})"
    )
    print(f"written to {args.json}")
    return results


if __name__ == "__main__":
    main()
