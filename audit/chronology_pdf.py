"""Making an auditor's PDF chronology (WeasyPrint), run by the Celery task with its progress recorded.

Reproducible: the entries are in a stable order (when it happened, then the entry's number) and the
body carries no wall-clock time; only the cover says when it was made and by whom. The SHA-256 of
the file goes into the access log, so a printed copy can be checked against it."""

import hashlib
import logging
import os
import tempfile
from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from audit.choices import ExportState
from audit.models import ChronologyExport
from cases.access_log import access_log_write
from cases.choices import RecordType, Via
from cases.models import ChronologyEntry
from cases.permissions import chronology_visible_to, families_visible_to
from config.db_router import replica_reads

logger = logging.getLogger(__name__)
MAX_YEARS = 25
CHUNK = 400  # entries laid out at a time: bounds the worker's memory
RESTRICTED = "the family's record is restricted: break glass to open it, then ask again"
# A build still "running" after the task's hard time limit was killed (out of memory, say): an
# identical request starts afresh instead of waiting on it for ever.
STALE_AFTER = timedelta(seconds=960)


def _entries(export: ChronologyExport):
    start = timezone.make_aware(datetime.combine(export.date_from, time.min))
    end = timezone.make_aware(datetime.combine(export.date_to + timedelta(days=1), time.min))
    everything = ChronologyEntry.objects.filter(
        family=export.family, occurred_at__gte=start, occurred_at__lt=end
    )
    if export.subject_id:
        everything = everything.filter(subject_id=export.subject_id)
    if export.kinds:
        everything = everything.filter(kind__in=export.kinds)
    visible = everything.filter(pk__in=chronology_visible_to(export.requested_by).values("pk"))
    return everything, visible.select_related("author", "author_agency", "subject").order_by(
        "occurred_at", "pk"
    )


def _render_entries(export: ChronologyExport, visible, total: int, scratch: Path) -> tuple[list[Path], int]:
    """The entries as PDFs of CHUNK entries each, numbered on from the cover. Memory stays that of
    one chunk however long the range: WeasyPrint lays out a whole document at once."""
    from weasyprint import HTML  # imported here: it loads Pango, which the web process never needs

    parts: list[Path] = []
    pages = 0
    chunk: list = []

    def flush(last: bool) -> None:
        nonlocal pages
        if not chunk and not (last and not parts):
            return
        html = render_to_string(
            "audit/chronology_pdf.html",
            {"export": export, "entries": chunk, "first_page": pages + 2, "first": not parts},
        )
        document = HTML(string=html).render()
        pages += len(document.pages)
        path = scratch / f"part-{len(parts):05d}.pdf"
        document.write_pdf(path)
        parts.append(path)
        chunk.clear()

    for number, entry in enumerate(visible.iterator(chunk_size=CHUNK), start=1):
        chunk.append(entry)
        if len(chunk) == CHUNK:
            flush(last=False)
            _progress(export, 1 + int(90 * number / max(total, 1)))
    flush(last=True)
    return parts, pages


def _pdf(html: str, into: Path) -> None:
    from weasyprint import HTML

    HTML(string=html).write_pdf(into)


def _merge(paths: list[Path], into: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for path in paths:
        writer.append(str(path))
    writer.add_metadata({"/Title": "Chronology (OFFICIAL-SENSITIVE)"})
    with into.open("wb") as out:
        writer.write(out)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _progress(export: ChronologyExport, percent: int) -> None:
    ChronologyExport.objects.filter(pk=export.pk).update(progress=percent)


def chronology_export_build(export_id: int) -> ChronologyExport:
    """Make the PDF (called by the Celery task). Safe to run again: a finished export is left be."""
    export = ChronologyExport.objects.select_related("requested_by", "family", "subject").get(pk=export_id)
    if export.state == ExportState.DONE:
        return export
    if not families_visible_to(export.requested_by).filter(pk=export.family_id).exists():
        # Restricted since it was asked for (or break-glass ran out): not even the cover is made.
        ChronologyExport.objects.filter(pk=export.pk).update(
            state=ExportState.FAILED, error=RESTRICTED, finished_at=timezone.now()
        )
        export.refresh_from_db()
        return export
    ChronologyExport.objects.filter(pk=export.pk).update(state=ExportState.RUNNING, progress=1)
    try:
        everything, visible = _entries(export)
        with tempfile.TemporaryDirectory(prefix="chronology-") as scratch:
            with replica_reads():  # the entries; the export row and the access log stay on the primary
                total = visible.count()
                left_out = everything.count() - total
                parts, pages = _render_entries(export, visible, total, Path(scratch))
            made_at = timezone.localtime()
            context = {
                "export": export,
                "left_out": left_out,
                "made_at": made_at,
                "total": total,
                "pages": pages + 1,
            }
            cover = Path(scratch) / "cover.pdf"
            _pdf(render_to_string("audit/chronology_pdf_cover.html", context), cover)
            folder = Path(settings.EXPORT_DIR)
            folder.mkdir(parents=True, exist_ok=True)
            merged = folder / f".chronology-{export.pk}.partial"
            _merge([cover, *parts], merged)
            digest = _sha256(merged)
            path = folder / f"chronology-{export.pk}-{digest[:12]}.pdf"
            os.replace(merged, path)  # whole or not at all
        _progress(export, 95)
        with transaction.atomic():
            now = timezone.now()
            ChronologyExport.objects.filter(pk=export.pk).update(
                state=ExportState.DONE,
                progress=100,
                entries=total,
                left_out=left_out,
                file_path=str(path),
                sha256=digest,
                finished_at=now,
                expires_at=now + timedelta(hours=settings.CHRONOLOGY_EXPORT_HOURS),
            )
            access_log_write(
                user=export.requested_by,
                record_type=RecordType.FAMILY,
                record_id=export.family_id,
                family_id=export.family_id,
                route=f"chronology export {export.pk}",
                via=Via.EXPORT,
                sha256=digest,
            )
    except Exception as exc:
        logger.exception("chronology export %s failed", export.pk)
        ChronologyExport.objects.filter(pk=export.pk).update(
            state=ExportState.FAILED, error=type(exc).__name__[:300], finished_at=timezone.now()
        )
    export.refresh_from_db()
    return export
