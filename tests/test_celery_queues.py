"""Celery work is split by queue (issue 17): each task goes to its queue, every place that starts a
worker consumes them all, and a real worker consuming a queue runs the tasks routed to it."""

import os
import re
import shlex
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from config.celery import app
from tests.test_celery_worker import worker_stop

ROOT = Path(__file__).resolve().parent.parent
QUEUES = {queue.name for queue in settings.CELERY_TASK_QUEUES}

EXPECTED = {
    "config.tasks.heartbeat": "celery",  # the default queue: /healthz looks for its heartbeat
    "config.tasks.history_heads_log": "sweeps",
    "escalation.tasks.clocks_sweep": "sweeps",
    "stepdown.tasks.consent_checks": "sweeps",
    "audit.tasks.access_log_partitions_maintain": "sweeps",
    "audit.tasks.chronology_export_build": "exports",
    "returns.tasks.return_build": "exports",
    "escalation.tasks.notifications_send": "mail",
    "audit.tasks.break_glass_report_send": "mail",
}


def _our_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def _queue_of(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


def test_the_queues_are_the_four_named():
    assert {"celery", "sweeps", "exports", "mail"} == QUEUES
    assert settings.CELERY_TASK_DEFAULT_QUEUE == "celery"


@pytest.mark.parametrize(("task", "queue"), sorted(EXPECTED.items()))
def test_each_task_goes_to_its_queue(task, queue):
    assert _queue_of(task) == queue


def test_every_task_of_ours_has_a_route():
    """A new @shared_task must be given a queue here and in CELERY_TASK_ROUTES."""
    assert _our_tasks() == set(EXPECTED)
    assert set(settings.CELERY_TASK_ROUTES) == set(EXPECTED)


def test_beat_sends_its_schedule_to_the_routed_queues():
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert _queue_of(entry["task"]) == EXPECTED[entry["task"]]


def test_a_queue_given_when_sending_wins_over_the_route():
    """How the worker tests send to a worker of their own (tests/test_celery_worker.py)."""
    assert app.amqp.router.route({"queue": "test-own"}, "escalation.tasks.clocks_sweep")["queue"].name == (
        "test-own"
    )


def _queues_of(command: list[str]) -> set[str]:
    if "-Q" not in command:
        return set(QUEUES)  # no -Q: every queue in CELERY_TASK_QUEUES
    return set(command[command.index("-Q") + 1].split(","))


def test_make_demo_and_the_county_benchmark_start_a_worker_for_every_queue():
    demo = ROOT / "config" / "dev" / "demo.sh"
    workers = [
        shlex.split(line.split(">")[0])
        for line in demo.read_text().splitlines()
        if re.search(r"celery.* worker", line)
    ]
    assert len(workers) == 1 and _queues_of(workers[0]) == QUEUES
    bench = (ROOT / "bench" / "county.py").read_text()
    assert re.search(r'"worker",\s*"-Q",\s*"celery,sweeps,exports,mail"', bench)


def test_docker_compose_workers_consume_every_queue_between_them():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    workers = {
        name: _queues_of(service["command"])
        for name, service in services.items()
        if service.get("command", [])[:4] == ["celery", "-A", "config", "worker"]
    }
    assert len(workers) >= 1
    assert set().union(*workers.values()) == QUEUES
    assert all(queues <= QUEUES for queues in workers.values()), workers
    assert any("celery" in queues for queues in workers.values())  # someone answers the heartbeat


def test_docker_compose_web_downloads_what_the_exports_worker_made():
    """An export is written by the worker that takes `exports` and downloaded through web: both
    mount one volume at EXPORT_DIR's default (/app/var/exports)."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    exporters = [
        service
        for service in services.values()
        if service.get("command", [])[:4] == ["celery", "-A", "config", "worker"]
        and "exports" in _queues_of(service["command"])
    ]
    assert exporters
    for service in [services["web"], *exporters]:
        assert "exports:/app/var/exports" in service.get("volumes", [])
    assert "mkdir -p /app/var/exports" in (ROOT / "Dockerfile").read_text()


# --- A real worker consuming the named queues -------------------------------------------------


@pytest.fixture
def worker_on_the_named_queues(db):
    """`celery worker -Q sweeps,exports,mail` (not "celery") on the real broker, reading the test
    database (nothing this test writes is committed: the tasks find no work)."""
    from urllib.parse import urlsplit, urlunsplit

    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    env = {
        **os.environ,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"])),
    }
    name = f"queues-{uuid.uuid4().hex[:8]}"
    log = ROOT / "var" / "log" / f"worker-{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1"]
    command += ["-Q", "sweeps,exports,mail", "--without-gossip", "--without-mingle", "--loglevel=INFO"]
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "-n", f"{name}@%h"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield process, log
    finally:
        app.conf.task_always_eager = eager
        worker_stop(process, log)


@pytest.mark.worker
def test_a_worker_consuming_the_named_queues_runs_the_tasks_routed_to_them(worker_on_the_named_queues):
    from audit.tasks import chronology_export_build
    from escalation.tasks import clocks_sweep, notifications_send

    process, log = worker_on_the_named_queues
    started = time.monotonic()
    sweep = clocks_sweep.delay()  # no queue given: the route sends it to "sweeps"
    mail = notifications_send.delay()  # "mail"
    export = chronology_export_build.delay(0)  # "exports"; no such export, so it fails in the worker
    try:
        swept, mailed = sweep.get(timeout=90), mail.get(timeout=90)
        export.get(timeout=90, propagate=False)
    except Exception:
        pytest.fail(f"worker did not answer (alive={process.poll() is None}):\n{log.read_text()[-3000:]}")
    assert swept == {"breached": 0, "warned": 0} and mailed == 0
    assert export.state == "FAILURE" and "DoesNotExist" in export.traceback
    text = log.read_text()
    for result in (sweep, mail, export):
        assert result.id in text, "run by this worker"
    print(f"three queues through a real worker: {time.monotonic() - started:.2f}s")
