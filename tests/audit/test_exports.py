"""Auditor PDF chronologies (the audit issue, part 3)."""

import hashlib
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.chronology_pdf import chronology_export_build
from audit.exports import chronology_export_request
from audit.models import ChronologyExport
from cases.models import AccessLogEntry, ChronologyEntry
from cases.services import chronology_entry_add

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def made(django_capture_on_commit_callbacks):
    """made(**request): ask for an export and let the (eager) task run once the request commits."""

    def ask(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            export = chronology_export_request(**kwargs)
        export.refresh_from_db()
        return export

    return ask


def notes(cast, world, count=3):
    family = world.north_case.family
    for number in range(count):
        chronology_entry_add(
            family=family,
            by=cast.fh_worker,
            kind="home_visit",
            summary=f"Visit number {number}",
            occurred_at=timezone.now() - timedelta(days=10 - number),
            subject=world.north_child,
        )
    return family


def test_an_auditor_gets_a_pdf_of_the_chronology_with_its_hash_in_the_access_log(cast, world, made):
    family = notes(cast, world)
    export = made(user=cast.auditor, family=family, date_from=date(2006, 1, 1), date_to=timezone.localdate())
    assert export.state == "done" and export.progress == 100
    data = Path(export.file_path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == export.sha256
    text = " ".join(pdf_text(export.file_path).split())
    assert "OFFICIAL-SENSITIVE" in text and f"Chronology F{world.north_case.family_id}: page 1" in text
    expected = ChronologyEntry.objects.filter(family=family).order_by("occurred_at", "pk")
    assert export.entries == expected.count()
    positions = [text.index(entry.summary[:40]) for entry in expected if entry.summary[:40] in text]
    assert len(positions) == expected.count() and positions == sorted(positions)  # all of them, in order
    assert AccessLogEntry.objects.filter(user=cast.auditor, sha256=export.sha256, via="export").exists()


def test_the_same_request_gives_the_same_entries(cast, world, made):
    family = notes(cast, world)
    first = made(user=cast.auditor, family=family, date_from=date(2006, 1, 1), date_to=timezone.localdate())
    second = made(user=cast.auditor, family=family, date_from=date(2006, 1, 1), date_to=timezone.localdate())
    body = [
        pdf_text(export.file_path).split("SHA-256 of this file", 1)[1].split("\f", 1)[1]
        for export in (first, second)
    ]
    assert body[0] == body[1]


def test_an_identical_request_while_one_runs_returns_it(
    cast, world, settings, django_capture_on_commit_callbacks
):
    family = notes(cast, world)
    with django_capture_on_commit_callbacks(execute=False):
        first = chronology_export_request(
            user=cast.auditor, family=family, date_from=date(2020, 1, 1), date_to=timezone.localdate()
        )
        again = chronology_export_request(
            user=cast.auditor, family=family, date_from=date(2020, 1, 1), date_to=timezone.localdate()
        )
    assert first.pk == again.pk and ChronologyExport.objects.count() == 1


def test_an_empty_range_says_so_and_twenty_years_works(cast, world, made):
    family = notes(cast, world)
    empty = made(user=cast.auditor, family=family, date_from=date(2001, 1, 1), date_to=date(2001, 12, 31))
    assert empty.entries == 0 and "There are no entries in this range" in pdf_text(empty.file_path)
    long = made(user=cast.auditor, family=family, date_from=date(2006, 1, 1), date_to=timezone.localdate())
    assert long.state == "done" and long.entries >= 3


def test_only_the_requester_downloads_and_not_after_it_expires(
    cast, world, client_for, django_capture_on_commit_callbacks
):
    family = notes(cast, world)
    client = client_for(cast.auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("audit:export-new", args=[family.pk]),
            {"export-date_from": "2020-01-01", "export-date_to": timezone.localdate().isoformat()},
        )
    assert response.status_code == 302
    export = ChronologyExport.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "Download the PDF" in page and export.sha256 in page
    download = client.get(reverse("audit:export-download", args=[export.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    other = client_for(cast.team_manager)
    assert other.get(reverse("audit:export", args=[export.pk])).status_code == 404
    assert other.get(reverse("audit:export-download", args=[export.pk])).status_code == 404
    ChronologyExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client_for(cast.auditor).get(reverse("audit:export-download", args=[export.pk])).status_code == 410


def test_only_auditors_export_and_bad_ranges_are_field_errors(cast, world, client_for):
    family = notes(cast, world)
    assert client_for(cast.team_manager).get(reverse("audit:export-new", args=[family.pk])).status_code == 403
    bad = client_for(cast.auditor).post(
        reverse("audit:export-new", args=[family.pk]),
        {"export-date_from": "2026-02-01", "export-date_to": "2026-01-01"},
    )
    assert bad.status_code == 400 and "on or after the first" in bad.content.decode()
    assert 'name="export-date_from_month" type="text" inputmode="numeric" value="2"' in bad.content.decode()


def test_a_failed_build_is_reported_not_lost(cast, world, monkeypatch, made):
    family = notes(cast, world)
    import weasyprint

    def broken(*args, **kwargs):
        raise OSError("no fonts")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    export = made(user=cast.auditor, family=family, date_from=date(2020, 1, 1), date_to=timezone.localdate())
    assert export.state == "failed" and export.error == "OSError"
    monkeypatch.undo()
    assert chronology_export_build(export.pk).state == "done"  # built again on request


def test_long_ranges_are_laid_out_in_chunks_numbered_on_from_the_cover(cast, world, made, monkeypatch):
    """Memory is bounded by laying out CHUNK entries at a time; the pages still number on, the
    entries stay in order, and the cover counts every page."""
    from pypdf import PdfReader

    monkeypatch.setattr("audit.chronology_pdf.CHUNK", 2)
    family = notes(cast, world, count=5)
    export = made(user=cast.auditor, family=family, date_from=date(2006, 1, 1), date_to=timezone.localdate())
    assert export.state == "done"
    pages = len(PdfReader(export.file_path).pages)
    expected = list(ChronologyEntry.objects.filter(family=family).order_by("occurred_at", "pk"))
    assert pages >= 1 + len(expected) // 2  # a cover and a part for every two entries
    text = " ".join(pdf_text(export.file_path).split())
    assert f"Pages {pages}, this cover included" in text
    numbers = [int(n) for n in re.findall(rf"Chronology F{family.pk}: page (\d+)", text)]
    assert numbers == list(range(1, pages + 1))
    positions = [text.index(entry.summary) for entry in expected]
    assert positions == sorted(positions)


def test_entries_about_a_restricted_child_are_left_out_and_counted(cast, world, made):
    """The child is also in a restricted (adoptive) family: their entries in this family's record are
    left out of the auditor's PDF, and the cover says how many."""
    from audit import services
    from cases.services import family_create, family_member_add

    family = notes(cast, world)  # three visits about the child
    chronology_entry_add(
        family=family,
        by=cast.fh_worker,
        kind="note",
        summary="About the whole family",
        occurred_at=timezone.now() - timedelta(days=1),
    )
    adoptive = family_create(by=cast.mash_manager, name="Adoptive family")
    family_member_add(family=adoptive, person=world.north_child, role="child", by=cast.mash_manager)
    services.restriction_mark(
        by=cast.team_manager, family=adoptive, category="adoption", reason="Placed for adoption."
    )
    export = made(user=cast.auditor, family=family, date_from=date(2006, 1, 1), date_to=timezone.localdate())
    about_child = ChronologyEntry.objects.filter(family=family, subject=world.north_child).count()
    assert about_child >= 3
    assert export.state == "done" and export.left_out == about_child
    assert export.entries == ChronologyEntry.objects.filter(family=family).count() - about_child
    text = " ".join(pdf_text(export.file_path).split())
    assert f"{about_child} left out that the requester may not see" in text
    assert "Visit number" not in text and "About the whole family" in text


def test_a_family_restricted_before_the_worker_gets_to_it_is_not_made(
    cast, world, monkeypatch, django_capture_on_commit_callbacks
):
    """Asked for under break-glass that runs out before the worker starts: not even a cover."""
    from audit import services

    family = notes(cast, world)
    restriction = services.restriction_mark(
        by=cast.team_manager, family=family, category="high_profile", reason="In the news this week."
    )
    services.restriction_break_glass(
        user=cast.auditor,
        restrictions=[restriction],
        record_type="family",
        record_id=family.pk,
        family_id=family.pk,
        reason="Annual audit of the case file.",
        route="/test/",
        via="page",
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        export = chronology_export_request(
            user=cast.auditor, family=family, date_from=date(2006, 1, 1), date_to=timezone.localdate()
        )
    later = timezone.now() + timedelta(hours=9)
    monkeypatch.setattr("cases.permissions.timezone.now", lambda: later)
    for callback in queued:
        callback()
    export.refresh_from_db()
    assert export.state == "failed" and "restricted" in export.error and not export.file_path


def test_a_build_killed_mid_way_does_not_hold_up_the_next_request(cast, world, made):
    family = notes(cast, world)
    ask = {
        "user": cast.auditor,
        "family": family,
        "date_from": date(2006, 1, 1),
        "date_to": timezone.localdate(),
    }
    first = made(**ask)
    ChronologyExport.objects.filter(pk=first.pk).update(
        state="running", requested_at=timezone.now() - timedelta(hours=1)
    )
    second = made(**ask)
    assert second.pk != first.pk and second.state == "done"
    first.refresh_from_db()
    assert first.state == "failed" and first.error == "the worker stopped before finishing"
