"""Continuum benchmarks: `make bench` (numbers and ratios; never assertions).

Builds a throw-away database (test_<name>) beside the configured one, seeds the demo local
authority into it, then measures the main pages and the API, and the effect of persistent
database connections (CONN_MAX_AGE). Everything runs in-process through Django's test client,
so the numbers are server time without network or browser.
"""

import http.client
import os
import random
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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
QUEUE_CONTACTS = int(os.environ.get("BENCH_QUEUE_CONTACTS", "5000"))
SWEEP_PENDING = int(os.environ.get("BENCH_SWEEP_PENDING", "1000000"))
SWEEP_DUE = int(os.environ.get("BENCH_SWEEP_DUE", "1000"))


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


def _serve(max_age: int, database: str, port: int) -> subprocess.Popen:
    url = urlsplit(os.environ["DATABASE_URL"])
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(url._replace(path=f"/{database}")),
        "CONN_MAX_AGE": str(max_age),
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--threads",
            "1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def _conn_max_age_ratio(session_key: str, database: str, paths: list[str]) -> dict[str, tuple[float, float]]:
    """Requests per second through a real gunicorn (one sync worker, keep-alive client) with a
    new database connection per request (CONN_MAX_AGE=0) and a persistent one (60)."""
    rates: dict[str, list[float]] = {path: [] for path in paths}
    for max_age in (0, 60):
        port = 8765 + max_age
        server = _serve(max_age, database, port)
        try:
            for path in paths:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                headers = {"Cookie": f"sessionid={session_key}"}
                for _ in range(5):
                    conn.request("GET", path, headers=headers)
                    conn.getresponse().read()
                started = time.perf_counter()
                for _ in range(ROUNDS * 3):
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{path} answered {response.status}")
                rates[path].append(ROUNDS * 3 / (time.perf_counter() - started))
        finally:
            server.terminate()
            server.wait()
    return {path: (rate[0], rate[1]) for path, rate in rates.items()}


MATCH_PEOPLE = int(os.environ.get("BENCH_MATCH_PEOPLE", "300000"))


def _name_pools() -> tuple[list[str], list[str]]:
    """Realistic pools of synthetic English forenames and surnames (Faker's en_GB lists)."""
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(3)
    firsts = sorted({fake.first_name() for _ in range(5000)})
    lasts = sorted({fake.last_name() for _ in range(5000)})
    return firsts, lasts


def _bench_matching(user) -> None:
    """Person matching among MATCH_PEOPLE people (issue: p95 <= 100 ms)."""
    from cases.matching import MatchQuery, person_candidates
    from cases.models import Person

    firsts, lasts = _name_pools()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Forename and surname drawn independently from the pools; dates of birth over 18 years.
        cursor.execute(
            """
            INSERT INTO cases_person (kind, first_name, middle_names, last_name, preferred_name,
                                      date_of_birth, sex, ethnicity, nhs_number, upn, created_at,
                                      created_by_id, version, merge_reason)
            SELECT 'child', (%s::text[])[1 + (g %% array_length(%s::text[], 1))],
                   '', (%s::text[])[1 + ((g::bigint * 7919) %% array_length(%s::text[], 1))],
                   '', DATE '2006-01-01' + (g %% 6500), 'U', 'NOBT', '', '', now(), %s, 1, ''
            FROM generate_series(1, %s) AS g
            """,
            [firsts, firsts, lasts, lasts, user.pk, MATCH_PEOPLE],
        )
        cursor.execute("ANALYZE cases_person")
    loaded = time.perf_counter() - started
    rng = random.Random(11)
    sample = list(Person.objects.order_by("?").values_list("first_name", "last_name", "date_of_birth")[:100])
    timings = []
    for first, last, born in sample:
        typo = last[:2] + last[3:] if len(last) > 4 else last
        query = MatchQuery(first_name=first, last_name=typo, date_of_birth=born)
        t0 = time.perf_counter()
        candidates = person_candidates(user, query, limit=10)
        timings.append((time.perf_counter() - t0) * 1000)
        assert candidates is not None
        rng.random()
    timings.sort()
    print(
        f"\nperson matching among {Person.objects.count():,} people (loaded in {loaded:.1f}s), "
        f"{len(timings)} queries: median {statistics.median(timings):.1f} ms, "
        f"p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms (target p95 <= 100 ms)"
    )


def _add_contacts(user, count: int, start: int) -> None:
    from datetime import timedelta

    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from assessments.models import ThresholdIndicator
    from escalation.models import Clock
    from referrals.models import Contact, ContactSubject

    now = timezone.now()
    rng = random.Random(start)
    contacts = Contact.objects.bulk_create(
        Contact(
            reference=f"B{start + i:08d}",
            channel="professional",
            urgency=rng.choice(["routine", "routine", "routine", "urgent", "immediate"]),
            received_at=now - timedelta(minutes=start + i),
            referrer_name="Bench Referrer",
            submitted_by=user,
            concerns="Synthetic concern for the benchmark",
            family_consents="yes",
        )
        for i in range(count)
    )
    ContactSubject.objects.bulk_create(
        ContactSubject(contact=c, role="child", first_name="Bench", last_name=f"Child{c.pk}")
        for c in contacts
    )
    # Their due times are their clocks' (the queue reads them from there).
    content_type = ContentType.objects.get_for_model(Contact)
    Clock.objects.bulk_create(
        Clock(content_type=content_type, object_id=c.pk, kind=kind, started_at=c.received_at, due_at=due)
        for c in contacts
        for kind, due in (
            ("contact_decision", now + timedelta(days=1)),
            ("feedback_to_referrer", now + timedelta(hours=72)),
        )
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_contact")
        cursor.execute("ANALYZE escalation_clock")
    immediate = ThresholdIndicator.objects.filter(immediate_referral=True).first()
    if immediate:
        Contact.indicators.through.objects.bulk_create(
            Contact.indicators.through(contact_id=c.pk, thresholdindicator_id=immediate.pk)
            for c in contacts[::100]
        )


def _bench_triage_queue(user) -> None:
    """The MASH triage queue (issue: query count independent of the queue's length)."""
    from referrals.models import Contact

    client = Client()
    client.force_login(user)
    print(f"\n{'triage queue':40} {'open':>6} {'median ms':>10} {'p95 ms':>10} {'queries':>8}")
    queries = {}
    for target in (50, QUEUE_CONTACTS):
        waiting = Contact.objects.filter(state="received").count()
        if waiting < target:
            _add_contacts(user, target - waiting, start=waiting)
        for label, url in (
            ("queue page (50 a page)", "/front-door/"),
            ("API queue", "/api/v1/contacts/queue/"),
        ):
            result = _time(client, url, rounds=20)
            queries[(label, target)] = result["queries"]
            print(
                f"{label:40} {target:6d} {result['median_ms']:10.1f} {result['p95_ms']:10.1f} "
                f"{result['queries']:8d}"
            )
    for label in ("queue page (50 a page)", "API queue"):
        ratio = queries[(label, QUEUE_CONTACTS)] / queries[(label, 50)]
        print(f"{label}: queries at {QUEUE_CONTACTS:,} open / at 50 open = {ratio:.2f} (target 1.00)")


def _add_clocks(count: int, *, due_in: str, holder_id: int, team_id: int, start: int) -> None:
    """Bulk-load running clocks (one per target id, as the constraint requires), due `due_in` from now."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO escalation_clock (content_type_id, object_id, kind, state, holder_id, team_id,
                                          started_at, due_at, late_reason, version)
            SELECT ct.id, g, 'plan_review', 'running', %s, %s, now() - interval '30 days',
                   now() + %s::interval + (g %% 1000) * interval '1 second', '', 1
            FROM generate_series(%s, %s) AS g, django_content_type ct
            WHERE ct.app_label = 'accounts' AND ct.model = 'team'
            """,
            [holder_id, team_id, due_in, start, start + count - 1],
        )
        cursor.execute("ANALYZE escalation_clock")


def _bench_sweep(user) -> None:
    """The clock sweep (issue: 1M running clocks, 1k due: one sweep <= 1 s; report the ratio
    sweep(1M pending) / sweep(10k pending))."""
    from accounts.models import Team
    from escalation.services import clocks_sweep

    team = Team.objects.order_by("pk").first()
    timings = {}
    loaded = 0
    for pending in (10_000, SWEEP_PENDING):
        if loaded < pending:
            started = time.perf_counter()
            _add_clocks(pending - loaded, due_in="30 days", holder_id=user.pk, team_id=team.pk, start=loaded)
            print(f"  loaded {pending - loaded:,} pending clocks in {time.perf_counter() - started:.1f}s")
            loaded = pending
        _add_clocks(
            SWEEP_DUE, due_in="-1 day", holder_id=user.pk, team_id=team.pk, start=10_000_000 + pending
        )
        started = time.perf_counter()
        counts = clocks_sweep()
        timings[pending] = time.perf_counter() - started
        print(
            f"sweep with {pending:,} pending and {SWEEP_DUE:,} due: {timings[pending]:.2f}s "
            f"(breached {counts['breached']}, warned {counts['warned']}; target <= 1 s at 1M)"
        )
    ratio = timings[SWEEP_PENDING] / timings[10_000]
    print(
        f"sweep({SWEEP_PENDING:,} pending) / sweep(10,000 pending) = {ratio:.2f} "
        "(the cost follows the due clocks, not all clocks)"
    )


def _bench_access_log(user, url: str, rounds: int = 300) -> None:
    """The access log's cost per page view (issue: <= 2 ms): two clients, one whose middleware
    chain writes the log and one without it, timed alternately request by request so drift in
    the machine's speed falls on both alike."""
    from django.conf import settings

    clients = {}
    without = [m for m in settings.MIDDLEWARE if m != "audit.middleware.AccessLogMiddleware"]
    for label, middleware in (("with", settings.MIDDLEWARE), ("without", without)):
        with override_settings(MIDDLEWARE=middleware):
            clients[label] = Client()
            clients[label].force_login(user)
            clients[label].get(url)  # loads the middleware chain as it is now, and warms up
    samples = {"with": [], "without": []}
    for _ in range(rounds):
        for label, client in clients.items():
            started = time.perf_counter()
            client.get(url)
            samples[label].append((time.perf_counter() - started) * 1000)
    medians = {label: statistics.median(values) for label, values in samples.items()}
    inserts = {}
    for label, client in clients.items():
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        inserts[label] = sum(q["sql"].startswith('INSERT INTO "audit_accesslogentry"') for q in captured)
    difference = medians["with"] - medians["without"]
    print(
        f"\naccess log on the case page ({rounds} alternated requests each): median "
        f"{medians['with']:.2f} ms with it, {medians['without']:.2f} ms without: {difference:+.2f} ms "
        f"a page view ({inserts['with']} INSERT with, {inserts['without']} without; target <= 2 ms)"
    )
    # The write itself, without the page around it.
    from cases.access_log import _Reads, reads_write

    timings = []
    for i in range(500):
        reads = _Reads(user=user, route="bench", method="GET", via="page", records={("case", i + 1): None})
        started = time.perf_counter()
        reads_write(reads)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"one access-log INSERT: median {statistics.median(timings):.3f} ms over {len(timings)} writes")


def _bench_chronology_pdf(auditor, family) -> None:
    """An auditor's PDF chronology of 2,000 entries (issue: <= 10 s and <= 500 MB on one worker),
    then of 10,000 in the same process: the peak should barely move (laid out in chunks)."""
    import resource
    from datetime import date, timedelta

    from django.utils import timezone

    from audit.chronology_pdf import chronology_export_build
    from audit.models import ChronologyExport
    from cases.models import ChronologyEntry

    def entries(count: int) -> None:
        now = timezone.now()
        have = ChronologyEntry.objects.filter(family=family).count()
        ChronologyEntry.objects.bulk_create(
            ChronologyEntry(
                family=family,
                kind="note",
                summary=f"Synthetic note {have + number}: visit, school report or phone call",
                detail="Synthetic detail for the benchmark. " * 4,
                occurred_at=now - timedelta(hours=3 * (have + number)),
                author=auditor,
            )
            for number in range(max(0, count - have))
        )

    def build(key: str):
        export = ChronologyExport.objects.create(
            requested_by=auditor,
            family=family,
            date_from=date(1990, 1, 1),
            date_to=timezone.localdate(),
            key=key,
            requested_at=timezone.now(),
        )
        started = time.perf_counter()
        export = chronology_export_build(export.pk)
        took = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size = Path(export.file_path).stat().st_size / 1024
        Path(export.file_path).unlink()
        return export.entries, took, peak, size

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPDF chronologies (process peak before: {before:,.0f} MB; target <= 10 s and <= 500 MB):")
    results = []
    for count in (2000, 10000):
        entries(count)
        made, took, peak, size = build(f"bench-{count}")
        results.append((made, took, peak))
        print(f"  {made:>6,} entries: {took:5.1f} s, {size:,.0f} KB; process peak memory {peak:,.0f} MB")
    (small, small_s, small_peak), (large, large_s, large_peak) = results
    print(
        f"  {large // small}x the entries: {large_s / small_s:.1f}x the time, "
        f"{large_peak / small_peak:.2f}x the peak memory"
    )


def _add_census_children(count: int, case, by, start: int) -> None:
    """Synthetic children with a year's records each, written in bulk (valid by the services'
    rules: assessment after referral, CIN plan, some s47 enquiries with ICPCs and CP plans)."""
    from datetime import date, timedelta

    from cases.models import Person
    from pathways.models import ChildAssessment, CinEpisode, CinPlanPeriod, CpPlan, CpReview, Section47

    rng = random.Random(start)
    people = Person.objects.bulk_create(
        Person(
            kind="child",
            first_name=f"Bench{start + n}",
            last_name="Census",
            sex=rng.choice("MF"),
            ethnicity="WBRI",
            date_of_birth=date(2012, 1, 1) + timedelta(days=rng.randint(0, 3000)),
            disabilities=["NONE"],
            upn_unknown_reason="UN2",
            created_by=by,
        )
        for n in range(count)
    )
    referred = [date(2025, 4, 7) + timedelta(days=rng.randint(0, 300)) for _ in people]
    episodes = CinEpisode.objects.bulk_create(
        CinEpisode(child=child, case=case, referral_date=day, referral_source="2A", primary_need="N1")
        for child, day in zip(people, referred, strict=True)
    )
    ChildAssessment.objects.bulk_create(
        ChildAssessment(
            episode=e,
            started_on=e.referral_date,
            authorised_on=e.referral_date + timedelta(days=20),
            factors=["3B", "16A"],
        )
        for e in episodes
    )
    CinPlanPeriod.objects.bulk_create(
        CinPlanPeriod(episode=e, started_on=e.referral_date + timedelta(days=7))
        for e in episodes[count // 5 :]
    )
    enquiries = Section47.objects.bulk_create(
        Section47(
            episode=e,
            started_on=e.referral_date,
            icpc_target=e.referral_date + timedelta(days=21),
            outcome="hold_icpc",
            outcome_on=e.referral_date + timedelta(days=5),
            icpc_date=e.referral_date + timedelta(days=14),
        )
        for e in episodes[: count // 5]
    )
    plans = CpPlan.objects.bulk_create(
        CpPlan(
            episode=q.episode,
            section47=q,
            started_on=q.icpc_date,
            initial_category="NEG",
            latest_category="NEG",
        )
        for q in enquiries
    )
    CpReview.objects.bulk_create(
        CpReview(cp_plan=p, held_on=p.started_on + timedelta(days=90)) for p in plans
    )


PEAK_OF_CHILD = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def _bench_returns(user, case) -> None:
    """The CIN census for 20,000 children (issue: <= 60 s, memory not growing with the children)
    and Annex A for the year (<= 60 s)."""
    import tempfile
    from datetime import date

    from returns.annex_a import annex_a_write

    print("\nstatutory returns (target: census of 20,000 children <= 60 s; Annex A for a year <= 60 s):")
    # Each census is made by `manage.py cin_census` in a process of its own, so its peak memory is
    # the census's alone (not the benchmark's, which has just bulk-loaded the children).
    parts = urlsplit(os.environ["DATABASE_URL"])
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"])),
    }
    have = 0
    results = []
    for total in (5000, 20000):
        _add_census_children(total - have, case, user, have)
        have = total
        connection.cursor().execute("ANALYZE")
        with tempfile.TemporaryDirectory() as folder:
            output = Path(folder) / "cin.xml"
            started = time.perf_counter()
            # A small wrapper starts it and reports its peak: forked from this large process, the
            # census's own figure would count this process's pages as well.
            census = ["manage.py", "cin_census", "--year", "2026", "--output", str(output)]
            measured = subprocess.run(
                [sys.executable, "-c", PEAK_OF_CHILD, sys.executable, *census],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            took = time.perf_counter() - started
            size = output.stat().st_size / 1024 / 1024
            children = output.read_bytes().count(b"<Child>")
        peak = int(measured.stdout.strip().splitlines()[-1]) / 1024
        results.append((children, took, peak))
        print(
            f"  census 2025/26: {children:>6,} children in {took:5.1f} s, {size:.1f} MB; "
            f"peak of its process {peak:,.0f} MB"
        )
    (small, small_s, small_peak), (large, large_s, large_peak) = results
    print(
        f"  {large / small:.1f}x the children: {large_s / small_s:.1f}x the time, "
        f"{large_peak / small_peak:.2f}x the peak"
    )
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        counts = annex_a_write(date(2026, 3, 31), out, months=12)
        took = time.perf_counter() - started
    print(f"  Annex A, 12 months to 31 March 2026: {sum(counts.values()):,} rows in {took:.1f} s ({counts})")


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
        only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
        if only:  # e.g. BENCH_ONLY=returns: just those (the others take minutes)
            if "returns" in only:
                _bench_returns(manager, case)
            return 0
        client = Client()
        client.force_login(manager)
        api = Client()
        api.force_login(worker)
        pages = [
            ("home (team manager)", client, "/"),
            ("case list", client, "/cases/"),
            ("case page (pathway 4)", client, f"/cases/{case.pk}/"),
            ("assessment page", client, f"/families/{case.family_id}/assessment/"),
            ("decision page", client, f"/cases/{case.pk}/decision/"),
            ("plan page", client, f"/cases/{case.pk}/plan/"),
            ("person search 'a'", client, "/people/?name=a"),
            ("API cases list (family help worker)", api, "/api/v1/cases/"),
            ("API chronology", api, f"/api/v1/cases/{case.pk}/chronology/"),
            ("healthz", client, "/healthz"),
        ]
        print(f"\n{'page':40} {'median ms':>10} {'p95 ms':>10} {'queries':>8}   ({ROUNDS} rounds)")
        for label, who, url in pages:
            result = _time(who, url)
            print(f"{label:40} {result['median_ms']:10.1f} {result['p95_ms']:10.1f} {result['queries']:8d}")

        print("\nthrough gunicorn (1 sync worker), requests per second:")
        print(f"{'page':40} {'CONN_MAX_AGE=0':>15} {'=60':>10} {'ratio':>8}")
        paths = {
            "case page": f"/cases/{case.pk}/",
            "API case detail": f"/api/v1/cases/{case.pk}/",
            "healthz": "/healthz",
        }
        rates = _conn_max_age_ratio(
            client.session.session_key, connection.settings_dict["NAME"], list(paths.values())
        )
        for label, path in paths.items():
            fresh, persistent = rates[path]
            print(f"{label:40} {fresh:15.0f} {persistent:10.0f} {persistent / fresh:7.2f}x")
        _bench_access_log(manager, f"/cases/{case.pk}/")
        _bench_chronology_pdf(User.objects.get(username="auditor"), case.family)
        _bench_triage_queue(User.objects.get(username="mash.manager"))
        _bench_sweep(User.objects.get(username="fh.worker"))
        _bench_matching(User.objects.get(username="mash.manager"))
        _bench_returns(manager, case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
