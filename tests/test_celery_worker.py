"""A real Celery worker process consumes a task from the real broker: Redis when REDIS_URL is
set (as in CI), otherwise kombu's filesystem transport under var/ (as in the demo)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from config import health
from config.celery import app
from config.tasks import heartbeat

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.worker


@pytest.fixture
def worker_queue():
    """Start `celery worker` on a queue of its own (so no other worker can take our task)."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0"}
    log = ROOT / "var" / "log" / f"worker-{queue}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-n",
                f"{queue}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield queue, process, log
    finally:
        worker_stop(process, log)


def worker_stop(process: subprocess.Popen, log: Path) -> None:
    """End a worker started by a test (killed if it does not stop in 20 s) and remove its log."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.unlink(missing_ok=True)


@pytest.fixture
def really_send():
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


def test_a_worker_process_consumes_the_heartbeat_from_the_broker(worker_queue, really_send):
    queue, process, log = worker_queue
    expected = "redis" if settings.REDIS_URL else "filesystem"
    assert app.conf.broker_url.startswith(expected)
    print(f"broker: {expected}")

    started = time.monotonic()
    result = heartbeat.apply_async(queue=queue)
    try:
        beat = result.get(timeout=90)
    except Exception:
        pytest.fail(f"worker did not answer (alive={process.poll() is None}):\n{log.read_text()[-3000:]}")
    assert process.poll() is None, "the worker should still be running"
    assert health.heartbeat_last().isoformat() == beat  # written by the worker, read here
    assert "heartbeat" in log.read_text()
    print(f"round trip through a real worker: {time.monotonic() - started:.2f}s")


@pytest.fixture
def worker_uses_test_database(transactional_db, monkeypatch):
    """Point the worker process at the test database (it reads DATABASE_URL at start-up)."""
    from urllib.parse import urlsplit, urlunsplit

    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    monkeypatch.setenv(
        "DATABASE_URL", urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))
    )


def test_a_worker_process_runs_the_clock_sweep_on_the_real_broker(
    cast, world, worker_uses_test_database, worker_queue, really_send
):
    from datetime import timedelta

    from django.utils import timezone

    from escalation.models import Notification
    from escalation.services import clock_start
    from escalation.tasks import clocks_sweep

    queue, process, log = worker_queue
    now = timezone.now()
    clock = clock_start(
        target=world.north_case,
        kind="plan_review",
        holder=cast.fh_worker,
        family=world.north_case.family,
        started_at=now - timedelta(days=90),
        due_at=now - timedelta(minutes=1),
    )
    result = clocks_sweep.apply_async(queue=queue)
    try:
        counts = result.get(timeout=90)
    except Exception:
        pytest.fail(f"worker did not answer (alive={process.poll() is None}):\n{log.read_text()[-3000:]}")
    assert counts["breached"] == 1
    clock.refresh_from_db()
    assert clock.state == "breached"  # written by the worker process, read here
    assert Notification.objects.filter(
        user=cast.fh_worker, key__startswith=f"clock:{clock.pk}:breached"
    ).exists()


def test_a_worker_process_makes_a_pdf_chronology_and_reports_progress(
    cast, world, worker_uses_test_database, worker_queue, really_send
):
    import hashlib
    from datetime import date, timedelta
    from pathlib import Path

    from django.utils import timezone

    from audit.models import ChronologyExport
    from audit.tasks import chronology_export_build
    from cases.models import ChronologyEntry

    queue, _, log = worker_queue
    family = world.north_case.family
    now = timezone.now()
    ChronologyEntry.objects.bulk_create(
        ChronologyEntry(
            family=family,
            kind="note",
            summary=f"Synthetic note {number}",
            occurred_at=now - timedelta(hours=number),
            author=cast.fh_worker,
            author_agency=cast.la,
        )
        for number in range(600)
    )
    export = ChronologyExport.objects.create(
        requested_by=cast.auditor,
        family=family,
        date_from=date(2020, 1, 1),
        date_to=timezone.localdate(),
        key="worker-test",
        requested_at=now,
    )
    result = chronology_export_build.apply_async(args=[export.pk], queue=queue)
    seen = set()
    deadline = time.monotonic() + 120
    while not result.ready():
        seen.add(ChronologyExport.objects.get(pk=export.pk).progress)
        if time.monotonic() > deadline:
            pytest.fail(f"no PDF from the worker:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)
    assert result.get(timeout=10) == "done"
    export.refresh_from_db()
    seen.add(export.progress)
    print(f"progress seen from the worker: {sorted(seen)}")
    assert export.progress == 100 and len(seen - {0, 100}) >= 1  # it reported on the way
    assert hashlib.sha256(Path(export.file_path).read_bytes()).hexdigest() == export.sha256
    assert export.entries >= 600
    Path(export.file_path).unlink()


def test_a_worker_process_makes_the_census_and_reports_progress(
    cast, world, worker_uses_test_database, worker_queue, really_send
):
    import hashlib
    import xml.etree.ElementTree as ET
    from datetime import date
    from pathlib import Path

    from django.utils import timezone

    from cases.models import Person
    from pathways.models import CinEpisode
    from returns.census import census_years_available
    from returns.models import ReturnBuild
    from returns.tasks import return_build

    queue, _, log = worker_queue
    today = timezone.localdate()
    already = CinEpisode.objects.count()  # the world's Southey child, referred into pathway 3 today
    children = Person.objects.bulk_create(
        Person(
            kind="child",
            first_name=f"Child{n}",
            last_name="Census",
            date_of_birth=date(2015, 1, 1),
            created_by=cast.mash_manager,
        )
        for n in range(1100)
    )
    CinEpisode.objects.bulk_create(
        CinEpisode(
            child=child, case=world.north_case, referral_date=today, referral_source="2A", primary_need="N1"
        )
        for child in children
    )
    build = ReturnBuild.objects.create(
        kind="cin_census",
        year=census_years_available()[0],
        requested_by=cast.team_manager,
        requested_at=timezone.now(),
    )
    result = return_build.apply_async(args=[build.pk], queue=queue)
    seen = set()
    deadline = time.monotonic() + 120
    while not result.ready():
        seen.add(ReturnBuild.objects.get(pk=build.pk).children_done)
        if time.monotonic() > deadline:
            pytest.fail(f"no census from the worker:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)
    assert result.get(timeout=10) == "done"
    build.refresh_from_db()
    print(f"progress seen from the worker: {sorted(seen)}")
    total = 1100 + already
    assert build.children == total and len(seen - {0, total}) >= 1  # it reported on the way
    content = Path(build.file_path).read_bytes()
    assert hashlib.sha256(content).hexdigest() == build.sha256
    assert len(ET.fromstring(content).findall("Children/Child")) == total
    Path(build.file_path).unlink()
