"""The backup drill: `manage.py backup` dumps the database with a manifest, and `backup_drill`
restores the dump into a new database and finds every table's rows and both hash chains whole."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cases.access_log import access_log_write
from cases.models import AccessLogEntry, ChronologyEntry
from cases.services import chronology_write
from tests.cases.factories import FamilyFactory

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump reads only what is committed


@pytest.fixture
def history(cast):
    family = FamilyFactory()
    for n in range(5):
        chronology_write(family=family, author=cast.social_worker, kind="note", summary=f"Synthetic {n}")
        access_log_write(user=cast.auditor, record_type="family", record_id=family.pk, route="backup-test")
    return family


def _backup(folder):
    out = StringIO()
    call_command("backup", "--output", str(folder), stdout=out, stderr=StringIO())
    (dump,) = folder.glob("*.dump")
    return dump, json.loads(dump.with_suffix(".manifest.json").read_text()), out.getvalue()


def test_a_backup_restores_whole_with_its_chains_intact(history, tmp_path):
    dump, manifest, output = _backup(tmp_path)
    assert "Backup written" in output
    assert manifest["tables"]["cases_chronologyentry"] == ChronologyEntry.objects.count()
    assert manifest["tables"]["audit_accesslogentry"] == AccessLogEntry.objects.count() == 5
    assert manifest["chains"]["cases.ChronologyEntry"]["head_seq"] == ChronologyEntry.objects.count()
    out = StringIO()
    call_command("backup_drill", str(dump), stdout=out)
    assert "Restore drill passed" in out.getvalue() and "hash chains intact" in out.getvalue()


def test_the_drill_fails_when_the_restored_rows_differ_from_the_manifest(history, tmp_path):
    dump, manifest, _ = _backup(tmp_path)
    manifest["tables"]["cases_chronologyentry"] += 1
    manifest["chains"]["cases.AccessLogEntry"]["head_seq"] = 4
    dump.with_suffix(".manifest.json").write_text(json.dumps(manifest))
    err = StringIO()
    with pytest.raises(CommandError, match="restore drill failed"):
        call_command("backup_drill", str(dump), stdout=StringIO(), stderr=err)
    assert "table cases_chronologyentry" in err.getvalue()
    assert "cases.AccessLogEntry: chain ends at 5, the backup's at 4" in err.getvalue()


def test_the_drill_refuses_a_damaged_dump(history, tmp_path):
    dump, _, _ = _backup(tmp_path)
    with dump.open("r+b") as handle:
        handle.seek(200)
        handle.write(b"\x00damaged")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("backup_drill", str(dump), stdout=StringIO(), stderr=err)
    assert "does not match the SHA-256" in err.getvalue()


def test_a_dump_and_its_manifest_must_both_exist(tmp_path):
    with pytest.raises(CommandError, match="must both exist"):
        call_command("backup_drill", str(tmp_path / "missing.dump"))
