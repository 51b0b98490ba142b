"""Asking for a statutory return (made by the Celery task in returns/tasks.py) and handing it over."""

import logging
from datetime import date, timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.access_log import access_log_write
from cases.choices import RecordType
from returns.census import census_years_available
from returns.choices import BuildState, ReturnKind
from returns.models import ReturnBuild
from returns.permissions import require_returns_maker
from returns.tasks import return_build

logger = logging.getLogger(__name__)
# A build still "running" after the task's hard time limit was killed: ask again starts afresh.
STALE_AFTER = timedelta(seconds=1860)


@transaction.atomic
def return_build_request(
    *,
    user,
    kind: str = ReturnKind.CIN_CENSUS,
    year: int | None = None,
    end_on: date | None = None,
    months: int = 6,
) -> ReturnBuild:
    """Ask for a return (a census year, or Annex A's months to an end date); the same return still
    being made for this user is given back."""
    require_returns_maker(user)
    errors = {}
    if kind == ReturnKind.ANNEX_A:
        if end_on is None:
            errors["end_on"] = "Enter the last day the lists cover (usually the day before the inspection)."
        elif end_on > timezone.localdate():
            errors["end_on"] = "The lists cannot end after today."
        elif end_on < date(2000, 1, 1):
            errors["end_on"] = "Enter a date after 2000."
        if months not in (6, 12):
            errors["months"] = "Choose six or twelve months."
        year = end_on.year if end_on else None
    elif kind == ReturnKind.CIN_CENSUS:
        end_on, months = None, 6
        if year not in census_years_available():
            years = ", ".join(str(y) for y in census_years_available())
            errors["year"] = f"Choose a census year from the list ({years})."
    else:
        errors["kind"] = "Choose the census or Annex A."
    if errors:
        raise ValidationError(errors)
    same = {"kind": kind, "year": year, "end_on": end_on, "months": months, "requested_by": user}
    now = timezone.now()
    in_progress = {"state__in": [BuildState.QUEUED, BuildState.RUNNING]}
    ReturnBuild.objects.filter(**same, **in_progress, requested_at__lte=now - STALE_AFTER).update(
        state=BuildState.FAILED, error="the worker stopped before finishing", finished_at=now
    )
    running = ReturnBuild.objects.select_for_update().filter(**same, **in_progress).first()
    if running:
        return running
    try:
        with transaction.atomic():
            build = ReturnBuild.objects.create(**same, requested_at=now)
    except IntegrityError:  # asked twice at once: the other request's build
        return ReturnBuild.objects.get(**same, **in_progress)
    transaction.on_commit(lambda: return_build.delay(build.pk))
    return build


def return_build_handover(*, build: ReturnBuild, user, route: str, via: str) -> Path | None:
    """The finished file to hand to its requester, the download written to the access log; None
    when it is not ready, has expired or is gone."""
    path = Path(build.file_path)
    if build.state != BuildState.DONE or build.expired or not path.exists():
        return None
    access_log_write(
        user=user,
        record_type=RecordType.STATUTORY_RETURN,
        record_id=build.pk,
        route=route,
        via=via,
        sha256=build.sha256,
    )
    return path
