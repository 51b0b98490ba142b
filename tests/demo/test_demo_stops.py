"""`make demo` stops cleanly within 10 s on Ctrl-C or SIGTERM, Celery worker included (issue 15, 6).

These start the real config/dev/demo.sh (directly, or through `make demo`) on a scratch database of
their own, with the filesystem broker and every file under a temporary VAR_DIR, wait until the web
answers /healthz and the worker and beat are up, signal it as a terminal or a supervisor would, and
look in /proc for anything left of the process groups it started. The one concession to speed:
DEMO_HISTORY_CHILDREN=0 seeds the demo authority without the census history (minutes of work that
has nothing to do with stopping); migrate and seed_demo still run, through the script.
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent
STOP_BUDGET = 10.0  # seconds from the signal to nothing left
START_BUDGET = 300.0  # migrate + seed on a busy machine

pytestmark = pytest.mark.worker


def _server(dbname: str = "postgres") -> dict:
    db = settings.DATABASES["default"]
    return {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or "",
        "dbname": dbname,
    }


def _url(dbname: str) -> str:
    server = _server(dbname)
    credentials = quote(server["user"], safe="")
    if server["password"]:
        credentials += ":" + quote(server["password"], safe="")
    return f"postgresql://{credentials}@{server['host']}:{server['port']}/{dbname}"


def _admin(sql: str) -> None:
    with psycopg.connect(**_server(), autocommit=True) as connection:
        connection.execute(sql)


@pytest.fixture(scope="module")
def scratch_database():
    """A database of the module's own on the test server, dropped at the end."""
    name = f"demo_stops_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield _url(name)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("demo-var")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _demo_env(database_url: str, var_dir: Path, port: int) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        # No Redis (the filesystem broker under VAR_DIR), no second database role, and nothing of
        # an outer `make test` (its jobserver) for the inner make.
        if key not in {"REDIS_URL", "DATABASE_OWNER_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    }
    env.update(
        DATABASE_URL=database_url,
        PORT=str(port),
        VAR_DIR=str(var_dir),
        CELERY_DATA_DIR=str(var_dir / "celery"),
        DEBUG="1",
        CELERY_TASK_ALWAYS_EAGER="0",
        DEMO_HISTORY_CHILDREN="0",
    )
    return env


def _as_a_terminal_starts_it():
    """A new session with INT and TERM at their defaults, as a shell's foreground job has them
    (a background job of a non-interactive shell ignores INT, and bash cannot trap it then)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, process group, state) for every process, from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), int(fields[2]), fields[0])
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _demo_sh(started: subprocess.Popen) -> int:
    """The bash running demo.sh: the process itself, or make's child."""
    if "demo.sh" in _cmdline(started.pid):
        return started.pid
    children = [pid for pid, (ppid, _, _) in _processes().items() if ppid == started.pid]
    return next(pid for pid in children if "demo.sh" in _cmdline(pid))


def _groups_of(script: int) -> set[int]:
    """The process groups of the programs demo.sh started (each leads its own)."""
    return {pgid for pid, (ppid, pgid, _) in _processes().items() if ppid == script}


def _left_in(groups: set[int]) -> dict[int, str]:
    return {
        pid: _cmdline(pid)
        for pid, (_, pgid, state) in _processes().items()
        if pgid in groups and state != "Z"  # a zombie has stopped; only its reaping is left
    }


def _log_has(path: Path, text: str) -> bool:
    return path.exists() and text in path.read_text(errors="replace")


def _wait_until_up(started: subprocess.Popen, port: int, var_dir: Path, output: Path) -> None:
    logs = var_dir / "log"
    deadline = time.monotonic() + START_BUDGET
    while time.monotonic() < deadline:
        if started.poll() is not None:
            pytest.fail(f"the demo stopped while starting:\n{output.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                web = response.status == 200
        except (urllib.error.URLError, OSError):
            web = False
        if web and _log_has(logs / "worker.log", " ready.") and _log_has(logs / "beat.log", "Starting"):
            return
        time.sleep(0.5)
    pytest.fail(f"the demo did not start within {START_BUDGET:.0f} s:\n{output.read_text()[-3000:]}")


def _start(command: list[str], env: dict, output: Path) -> subprocess.Popen:
    with output.open("w") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the group a terminal signals on Ctrl-C: make (or bash) leads it
            preexec_fn=_as_a_terminal_starts_it,
        )


def _stop_and_measure(started: subprocess.Popen, groups: set[int], send) -> tuple[float, dict[int, str]]:
    """Send the signal; how long until the started process has exited and nothing is left of the
    groups (the script's programs' and its own, which holds make and bash)."""
    groups = groups | {started.pid}
    sent = time.monotonic()
    send()
    with contextlib.suppress(subprocess.TimeoutExpired):
        started.wait(timeout=STOP_BUDGET)
    left = _left_in(groups)
    while left and time.monotonic() - sent < STOP_BUDGET:
        time.sleep(0.1)
        left = _left_in(groups)
    return time.monotonic() - sent, left


def _kill_what_is_left(started: subprocess.Popen, groups: set[int]) -> None:
    for group in {*groups, started.pid}:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
    started.wait(timeout=10)


HOW = {
    # What is started, and how it is told to stop.
    "SIGTERM to demo.sh": (["bash", "config/dev/demo.sh"], lambda p, script: os.kill(script, signal.SIGTERM)),
    "Ctrl-C: SIGINT to make demo's process group": (
        ["make", "-o", "install", "demo"],  # -o install: run the demo recipe, install nothing
        lambda p, script: os.killpg(p.pid, signal.SIGINT),
    ),
    "SIGTERM to make demo's process": (
        ["make", "-o", "install", "demo"],
        lambda p, script: os.kill(p.pid, signal.SIGTERM),
    ),
    "SIGTERM to make demo's process group": (
        ["make", "-o", "install", "demo"],
        lambda p, script: os.killpg(p.pid, signal.SIGTERM),
    ),
}


@pytest.mark.parametrize("how", list(HOW))
def test_the_demo_stops_within_ten_seconds_worker_included(how, scratch_database, var_dir, tmp_path):
    command, send = HOW[how]
    port = _free_port()
    output = tmp_path / "demo.out"
    started = _start(command, _demo_env(scratch_database, var_dir, port), output)
    groups: set[int] = set()
    try:
        _wait_until_up(started, port, var_dir, output)
        script = _demo_sh(started)
        groups = _groups_of(script)
        running = {pid: _cmdline(pid) for pid in _left_in(groups)}
        commands = list(running.values())
        # Three programs, each the leader of its own group: the worker with its pool of two, beat,
        # and gunicorn with its two workers.
        assert len(groups) == 3, running
        assert sum(" worker " in line for line in commands) == 3, running
        assert sum(" beat " in line for line in commands) == 1, running
        assert sum("gunicorn" in line for line in commands) == 3, running

        took, left = _stop_and_measure(started, groups, lambda: send(started, script))

        assert started.poll() is not None, f"{how}: still running after {took:.1f} s"
        assert not left, f"{how}: left running after {took:.1f} s: {left}"
        assert took <= STOP_BUDGET, f"{how}: took {took:.1f} s"
        assert "Stopping..." in output.read_text()
        if command[0] == "bash":
            assert started.returncode == 143  # 128 + TERM: stopped, not failed
        escalated = "killed" if "Still running" in output.read_text() else "all stopped on TERM"
        print(f"{how}: stopped in {took:.2f} s ({escalated})")
    finally:
        _kill_what_is_left(started, groups)


def test_the_demo_stops_while_it_migrates(tmp_path):
    """A stop during migrate (the first minute of a first `make demo`) does not wait for it."""
    name = f"demo_stops_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    output = tmp_path / "demo.out"
    env = _demo_env(_url(name), tmp_path / "var", _free_port())
    started = _start(["bash", "config/dev/demo.sh"], env, output)
    groups: set[int] = set()
    try:
        deadline = time.monotonic() + START_BUDGET
        while not _log_has(output, "Applying") and started.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _log_has(output, "Applying"), output.read_text()[-3000:]
        groups = _groups_of(started.pid)
        assert len(groups) == 1 and "migrate" in " ".join(_left_in(groups).values())

        took, left = _stop_and_measure(started, groups, lambda: os.kill(started.pid, signal.SIGTERM))

        assert started.poll() == 143 and not left, (took, left, output.read_text()[-2000:])
        assert took <= STOP_BUDGET, f"took {took:.1f} s"
        print(f"stopped while migrating in {took:.2f} s")
    finally:
        _kill_what_is_left(started, groups)
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
