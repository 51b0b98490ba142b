"""Making a statutory return's file, run by the Celery task (returns/tasks.py) with its progress
recorded on the build row."""

import hashlib
import logging
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.access_log import access_log_write
from cases.choices import RecordType, Via
from config.db_router import replica_reads
from returns.annex_a import annex_a_write
from returns.census import census_write
from returns.choices import BuildState, ReturnKind
from returns.models import ReturnBuild

logger = logging.getLogger(__name__)


def return_build_run(build_id: int) -> ReturnBuild:
    """Make the file. Safe to run twice: a finished build is left be."""
    build = ReturnBuild.objects.select_related("requested_by").get(pk=build_id)
    if build.state == BuildState.DONE:
        return build
    ReturnBuild.objects.filter(pk=build.pk).update(state=BuildState.RUNNING)
    folder = Path(settings.EXPORT_DIR)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".return-{build.pk}.partial"

        def progress(done: int) -> None:
            ReturnBuild.objects.filter(pk=build.pk).update(children_done=done)

        with partial.open("wb") as out, replica_reads():  # pure reads; progress is written to the primary
            if build.kind == ReturnKind.ANNEX_A:
                counts = annex_a_write(build.end_on, out, months=build.months, progress=progress)
                written = {"children": sum(counts.values())}
            else:
                result = census_write(build.year, out, progress=progress)
                written = {
                    "children": result.children,
                    "children_with_errors": result.children_with_errors,
                    "children_with_queries": result.children_with_queries,
                }
        digest = hashlib.sha256(partial.read_bytes()).hexdigest()
        path = folder / f"return-{build.pk}-{digest[:12]}{Path(build.file_name).suffix}"
        os.replace(partial, path)
        with transaction.atomic():
            now = timezone.now()
            ReturnBuild.objects.filter(pk=build.pk).update(
                state=BuildState.DONE,
                children_done=written["children"],
                **written,
                file_path=str(path),
                sha256=digest,
                finished_at=now,
                expires_at=now + timedelta(hours=settings.CHRONOLOGY_EXPORT_HOURS),
            )
            access_log_write(
                user=build.requested_by,
                record_type=RecordType.STATUTORY_RETURN,
                record_id=build.pk,
                route=f"{build.kind} {build.period} build {build.pk}",
                via=Via.EXPORT,
                sha256=digest,
            )
    except Exception as exc:
        logger.exception("return build %s failed", build.pk)
        ReturnBuild.objects.filter(pk=build.pk).update(
            state=BuildState.FAILED, error=type(exc).__name__[:300], finished_at=timezone.now()
        )
    build.refresh_from_db()
    return build
