"""Fault tests for the clock sweep (the clocks issue), with real worker processes on a Redis of
their own: a redis-server on a spare port and workers started here, so stopping or killing them
never touches the machine's shared services."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from urllib.request import Request, urlopen

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    def __init__(self, tmp_path: Path):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.process = None

    def start(self):
        executable = shutil.which("redis-server")
        if not executable:
            pytest.fail("redis-server is not installed: `make test` installs Debian's redis-server package.")
        self.process = subprocess.Popen(
            [
                executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        pytest.fail("our redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    redis = OwnRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


def _test_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture
def workers(own_redis, tmp_path):
    """start(n) starts a worker process on our Redis and a queue of our own; all are stopped after."""
    queue = f"rel-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "REDIS_URL": own_redis.url,
        "DATABASE_URL": _test_database_url(),
    }
    started = []

    def start(name: str):
        log = tmp_path / f"{name}.log"
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
                "--prefetch-multiplier=1",
                "-O",
                "fair",
                "-Q",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-n",
                f"{name}-{queue}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process, log

    # Not the current app: the project's own tasks elsewhere keep using the project's broker.
    app = Celery("reliability-client", broker=own_redis.url, backend=own_redis.url, set_as_current=False)
    app.conf.broker_connection_retry_on_startup = True

    def sweep(**kwargs):
        return app.send_task("escalation.tasks.clocks_sweep", kwargs=kwargs, queue=queue)

    yield start, sweep
    app.close()
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=20)


def _breached_clocks(count: int, holder):
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import Team
    from escalation.models import Clock

    now = timezone.now()
    team_type = ContentType.objects.get_for_model(Team)
    Clock.objects.bulk_create(
        Clock(
            content_type=team_type,
            object_id=500_000 + i,
            kind="plan_review",
            holder=holder,
            started_at=now - timedelta(days=30),
            due_at=now - timedelta(minutes=1 + i % 100),
        )
        for i in range(count)
    )


def _exactly_once(count: int) -> None:
    from escalation.models import Clock, ClockEvent, Notification

    assert Clock.objects.filter(state="breached").count() == count
    assert Notification.objects.count() == count
    assert ClockEvent.objects.filter(summary__startswith="Breached").count() == count


def test_two_worker_processes_sweeping_at_once_notify_each_breach_once(cast, workers):
    start, sweep = workers
    _breached_clocks(1000, cast.fh_worker)
    (_, first_log), (_, second_log) = start("a"), start("b")
    time.sleep(2)  # both workers up before the work arrives
    results = [sweep(batch=25), sweep(batch=25)]
    try:
        counts = [result.get(timeout=120) for result in results]
    except Exception:
        pytest.fail(
            f"workers did not answer:\n{first_log.read_text()[-2000:]}\n{second_log.read_text()[-2000:]}"
        )
    print(
        f"two worker processes at once over 1,000 breached clocks: breached {[c['breached'] for c in counts]}"
    )
    assert sum(c["breached"] for c in counts) == 1000
    _exactly_once(1000)


def test_a_worker_killed_mid_sweep_loses_nothing_and_doubles_nothing(cast, workers):
    from escalation.models import Clock

    start, sweep = workers
    _breached_clocks(3000, cast.fh_worker)
    worker, log = start("doomed")
    sweep(batch=20)
    deadline = time.monotonic() + 120
    while Clock.objects.filter(state="breached").count() < 100:
        if time.monotonic() > deadline:
            pytest.fail(f"the sweep never started:\n{log.read_text()[-2000:]}")
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=20)
    done_before = Clock.objects.filter(state="breached").count()
    print(f"killed with SIGKILL after {done_before} of 3,000 breaches")
    assert done_before < 3000, "the sweep finished before the kill: nothing was tested"
    _exactly_once(done_before)  # what was committed is whole; nothing half-done
    start("replacement")
    counts = sweep(batch=200).get(timeout=180)
    assert counts["breached"] == 3000 - done_before
    _exactly_once(3000)


def test_redis_down_then_back_the_web_works_and_clocks_due_in_the_outage_fire_after(
    cast, world, workers, own_redis, tmp_path
):
    from accounts.services import api_token_create
    from escalation.services import clock_start

    start, sweep = workers
    start("survivor")
    assert sweep().get(timeout=90) == {"breached": 0, "warned": 0}
    port = _free_port()
    env = {
        **os.environ,
        "REDIS_URL": own_redis.url,
        "DATABASE_URL": _test_database_url(),
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "web.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    token = api_token_create(user=cast.team_manager, name="Reliability test", ends_with_sign_out=False).key
    clock = clock_start(
        target=world.north_case,
        kind="plan_review",
        holder=cast.fh_worker,
        started_at=timezone.now(),
        due_at=timezone.now() + timedelta(seconds=3),
    )

    def get(path):
        request = Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Token {token}"})
        try:
            with urlopen(request, timeout=20) as response:  # noqa: S310 (our own http://127.0.0.1 server)
                return response.status
        except Exception as exc:
            return getattr(exc, "code", None) or type(exc).__name__

    try:
        deadline = time.monotonic() + 30
        while get("/healthz") != 200:
            if time.monotonic() > deadline:
                pytest.fail((tmp_path / "web.log").read_text()[-2000:])
            time.sleep(0.2)
        own_redis.stop()
        time.sleep(4)  # the clock falls due while Redis is down
        assert get("/api/v1/cases/") == 200
        assert get("/healthz") == 200  # it reports the broker down, and answers
        own_redis.start()
        counts = sweep().get(timeout=120)
        assert counts["breached"] == 1
        clock.refresh_from_db()
        assert clock.state == "breached"
    finally:
        web.terminate()
        web.wait(timeout=20)
