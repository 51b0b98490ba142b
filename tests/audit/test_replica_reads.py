"""The read replica (issue 17): auditors' searches and exports read it, inside replica_reads() only;
everyone else, and every write, uses the primary."""

import copy
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connections, router
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from cases.access_log import access_log_write
from cases.models import AccessLogEntry
from config.db_router import REPLICA, pinned, read_database, replica_configured, replica_reads

LOG_TABLE = AccessLogEntry._meta.db_table
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def replica(db):
    """A "replica" alias as DATABASE_REPLICA_URL makes one (TEST MIRROR: the test database), here
    sharing the primary's session so that it sees the test's uncommitted rows: a replica with no
    delay, but a connection of its own to Django, which records its queries apart."""
    if REPLICA in connections.settings:
        pytest.skip("DATABASE_REPLICA_URL is set for the run: these tests add a replica of their own")
    connections.settings[REPLICA] = copy.deepcopy(connections["default"].settings_dict) | {
        "TEST": {"MIRROR": "default"}
    }
    primary, wrapper = connections["default"], connections[REPLICA]
    primary.ensure_connection()
    wrapper.connection = primary.connection
    yield wrapper
    wrapper.connection = None  # the session is the primary's to close
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def no_replica():
    saved = connections.settings.pop(REPLICA, None)
    yield
    if saved is not None:
        connections.settings[REPLICA] = saved


def _reads_of_the_log(captured) -> list[str]:
    """The captured queries that read the access log (a streamed export's through a DECLARE CURSOR)."""
    return [
        q["sql"]
        for q in captured
        if q["sql"].startswith(("SELECT", "DECLARE")) and f'"{LOG_TABLE}"' in q["sql"]
    ]


# --- The router -----------------------------------------------------------------------------


def test_reads_go_to_the_replica_only_inside_the_scope(replica):
    assert router.db_for_read(AccessLogEntry) == "default"
    with replica_reads():
        assert router.db_for_read(AccessLogEntry) == REPLICA
        assert router.db_for_read(User) == REPLICA
        assert AccessLogEntry.objects.all().db == REPLICA
        assert read_database() == REPLICA
    assert router.db_for_read(AccessLogEntry) == "default"
    assert AccessLogEntry.objects.all().db == "default"


def test_writes_and_migrations_always_go_to_the_primary(replica):
    for scoped in (False, True):
        if scoped:
            scope = replica_reads()
            scope.__enter__()
        assert router.db_for_write(AccessLogEntry) == "default"
        assert AccessLogEntry.objects.select_for_update().db == "default"
        assert router.allow_migrate("default", "cases")
        assert not router.allow_migrate(REPLICA, "cases")
        if scoped:
            scope.__exit__(None, None, None)


def test_the_scope_is_a_decorator_and_ends_on_an_error(replica):
    @replica_reads()
    def search():
        return router.db_for_read(AccessLogEntry)

    assert search() == REPLICA
    with pytest.raises(RuntimeError), replica_reads():
        raise RuntimeError
    assert router.db_for_read(AccessLogEntry) == "default"


def test_a_pinned_queryset_keeps_the_replica_after_the_scope(replica):
    with replica_reads():
        entries = pinned(AccessLogEntry.objects.all())
    assert entries.db == REPLICA
    assert pinned(AccessLogEntry.objects.all()).db == "default"


def test_without_a_replica_the_scope_changes_nothing(no_replica):
    assert not replica_configured()
    with replica_reads():
        assert router.db_for_read(AccessLogEntry) == "default"
        assert pinned(AccessLogEntry.objects.all()).db == "default"


# --- End to end: the auditor's pages read the replica -------------------------------------------


@pytest.fixture
def logged(cast):
    """One read of a family by a social worker."""
    return access_log_write(
        user=cast.social_worker, record_type="family", record_id=4242, route="/replica-test/", via="page"
    )


def test_the_auditors_access_log_page_reads_the_replica(cast, logged, client_for, replica):
    client = client_for(cast.auditor)
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(reverse("audit:access-log"), {"record_type": "family", "record_id": 4242})
    assert response.status_code == 200
    assert "social.worker" in response.content.decode()
    assert _reads_of_the_log(on_replica), "the search should have read the replica"
    assert _reads_of_the_log(on_primary) == []
    assert not any(q["sql"].startswith(("INSERT", "UPDATE", "DELETE")) for q in on_replica)


def test_the_access_log_api_reads_the_replica(cast, logged, api_for, replica):
    api = api_for(cast.auditor)
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = api.get("/api/v1/access-log/", {"record_type": "family", "record_id": 4242})
    assert response.status_code == 200
    assert [row["username"] for row in response.json()["results"]] == ["social.worker"]
    assert _reads_of_the_log(on_replica)
    assert _reads_of_the_log(on_primary) == []


def test_the_export_streams_from_the_replica_and_logs_itself_on_the_primary(
    cast, logged, client_for, replica
):
    client = client_for(cast.auditor)
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(
            reverse("audit:access-log-export"), {"record_type": "family", "record_id": 4242}
        )
        body = b"".join(response.streaming_content).decode()
    assert "social.worker" in body
    assert _reads_of_the_log(on_replica)
    assert _reads_of_the_log(on_primary) == []
    assert any(q["sql"].startswith(f'INSERT INTO "{LOG_TABLE}"') for q in on_primary)  # the export's own row
    assert not any(q["sql"].startswith("INSERT") for q in on_replica)


def test_a_practitioner_still_reads_the_primary(cast, world, logged, client_for, replica):
    client = client_for(cast.fh_worker)
    with CaptureQueriesContext(replica) as on_replica:
        assert client.get(reverse("cases:case-detail", args=[world.north_case.pk])).status_code == 200
    assert list(on_replica) == []


def test_a_pdf_chronology_reads_its_entries_from_the_replica(cast, world, replica, settings, tmp_path):
    from datetime import date

    from django.utils import timezone

    from audit.chronology_pdf import chronology_export_build
    from audit.models import ChronologyExport
    from cases.models import ChronologyEntry

    settings.EXPORT_DIR = tmp_path
    export = ChronologyExport.objects.create(
        requested_by=cast.auditor,
        family=world.north_case.family,
        date_from=date(2020, 1, 1),
        date_to=timezone.localdate(),
        key="replica-test",
        requested_at=timezone.now(),
    )
    entries = ChronologyEntry._meta.db_table
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        export = chronology_export_build(export.pk)
    assert export.state == "done"
    assert any(f'"{entries}"' in q["sql"] for q in on_replica), "the entries should be read on the replica"
    assert not any(f'FROM "{entries}"' in q["sql"] for q in on_primary)
    assert not any(q["sql"].startswith(("INSERT", "UPDATE", "DELETE")) for q in on_replica)
    assert any(q["sql"].startswith(f'INSERT INTO "{LOG_TABLE}"') for q in on_primary)


# --- With the setting itself: DATABASE_REPLICA_URL and TEST MIRROR, in a run of its own ---------


@pytest.mark.skipif(
    REPLICA not in settings.DATABASES, reason="run by the next test, with DATABASE_REPLICA_URL set"
)
@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_with_the_setting_the_auditors_search_reads_the_mirrored_replica(cast, client_for, api_for):
    """TEST MIRROR points the replica at the test database, through a connection of its own: it sees
    committed rows only, hence a transactional test."""
    replica = connections[REPLICA]
    assert replica.settings_dict["NAME"] == connections["default"].settings_dict["NAME"]
    access_log_write(
        user=cast.social_worker, record_type="family", record_id=4242, route="/replica-test/", via="page"
    )
    search = {"record_type": "family", "record_id": 4242}
    with CaptureQueriesContext(replica) as on_replica:
        page = client_for(cast.auditor).get(reverse("audit:access-log"), search)
        api = api_for(cast.auditor).get("/api/v1/access-log/", search)
    assert page.status_code == 200 and "social.worker" in page.content.decode()
    assert [row["username"] for row in api.json()["results"]] == ["social.worker"]
    assert len(_reads_of_the_log(on_replica)) >= 2


def test_the_setting_end_to_end_in_a_run_of_its_own():
    if REPLICA in settings.DATABASES:
        pytest.skip("this run has the setting: the test above runs here")
    parts = urlsplit(os.environ["DATABASE_URL"])
    url = urlunsplit(parts._replace(path=parts.path + "_replica"))  # its own test database
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_REPLICA_URL": url}
    name = test_with_the_setting_the_auditors_search_reads_the_mirrored_replica.__name__
    test = f"{Path(__file__).relative_to(ROOT)}::{name}"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0 and "1 passed" in result.stdout, (
        result.stdout[-3000:] + result.stderr[-2000:]
    )
