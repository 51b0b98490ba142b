"""Asking for a statutory return and making it (the Celery task calls `return_build_run`)."""

import hashlib
import logging
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.choices import RecordType, Via
from audit.services import access_log_write
from returns.census import census_write, census_years_available
from returns.choices import BuildState, ReturnKind
from returns.models import ReturnBuild
from returns.permissions import require_returns_maker

logger = logging.getLogger(__name__)
# A build still "running" after the task's hard time limit was killed: ask again starts afresh.
STALE_AFTER = timedelta(seconds=1860)


@transaction.atomic
def return_build_request(*, user, year: int, kind: str = ReturnKind.CIN_CENSUS) -> ReturnBuild:
    """Ask for a return; the same return still being made for this user is given back."""
    require_returns_maker(user)
    if year not in census_years_available():
        years = ", ".join(str(y) for y in census_years_available())
        raise ValidationError({"year": f"Choose a census year from the list ({years})."})
    now = timezone.now()
    ReturnBuild.objects.filter(
        kind=kind,
        year=year,
        requested_by=user,
        state__in=[BuildState.QUEUED, BuildState.RUNNING],
        requested_at__lte=now - STALE_AFTER,
    ).update(state=BuildState.FAILED, error="the worker stopped before finishing", finished_at=now)
    running = (
        ReturnBuild.objects.select_for_update()
        .filter(kind=kind, year=year, requested_by=user, state__in=[BuildState.QUEUED, BuildState.RUNNING])
        .first()
    )
    if running:
        return running
    try:
        with transaction.atomic():
            build = ReturnBuild.objects.create(kind=kind, year=year, requested_by=user, requested_at=now)
    except IntegrityError:  # asked twice at once: the other request's build
        return ReturnBuild.objects.get(
            kind=kind, year=year, requested_by=user, state__in=[BuildState.QUEUED, BuildState.RUNNING]
        )
    from returns.tasks import return_build  # the task module imports this one

    transaction.on_commit(lambda: return_build.delay(build.pk))
    return build


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

        with partial.open("wb") as out:
            result = census_write(build.year, out, progress=progress)
        digest = hashlib.sha256(partial.read_bytes()).hexdigest()
        path = folder / f"return-{build.pk}-{digest[:12]}.xml"
        os.replace(partial, path)
        with transaction.atomic():
            now = timezone.now()
            ReturnBuild.objects.filter(pk=build.pk).update(
                state=BuildState.DONE,
                children_done=result.children,
                children=result.children,
                children_with_errors=result.children_with_errors,
                children_with_queries=result.children_with_queries,
                file_path=str(path),
                sha256=digest,
                finished_at=now,
                expires_at=now + timedelta(hours=settings.CHRONOLOGY_EXPORT_HOURS),
            )
            access_log_write(
                user=build.requested_by,
                record_type=RecordType.STATUTORY_RETURN,
                record_id=build.pk,
                route=f"cin census {build.year} build {build.pk}",
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
