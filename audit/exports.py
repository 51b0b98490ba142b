"""Asking for an auditor's PDF chronology: checked, deduplicated, and handed to a Celery task
(audit/tasks.py), which makes it with audit/chronology_pdf.py."""

import hashlib
import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.choices import ExportState
from audit.models import ChronologyExport
from audit.permissions import require_exporter
from audit.tasks import chronology_export_build
from cases.choices import ChronologyKind
from cases.models import Family, Person
from cases.permissions import families_visible_to

logger = logging.getLogger(__name__)
MAX_YEARS = 25
CHUNK = 400  # entries laid out at a time: bounds the worker's memory
RESTRICTED = "the family's record is restricted: break glass to open it, then ask again"
# A build still "running" after the task's hard time limit was killed (out of memory, say): an
# identical request starts afresh instead of waiting on it for ever.
STALE_AFTER = timedelta(seconds=960)


def _key(user, family, subject, date_from, date_to, kinds) -> str:
    who = subject.pk if subject else ""
    text = f"{user.pk}|{family.pk}|{who}|{date_from}|{date_to}|{','.join(sorted(kinds))}"
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def chronology_export_request(
    *, user, family: Family, date_from, date_to, kinds=(), subject: Person | None = None
) -> ChronologyExport:
    """Ask for a PDF chronology. An identical request still being made returns that one."""
    require_exporter(user)
    if not families_visible_to(user).filter(pk=family.pk).exists():
        raise PermissionDenied("This family is not in your scope.")
    errors = {}
    kinds = sorted(set(kinds))
    if date_from is None:
        errors["date_from"] = "Enter the first day of the range."
    if date_to is None:
        errors["date_to"] = "Enter the last day of the range."
    if date_from and date_to:
        if date_from > date_to:
            errors["date_to"] = "The last day must be on or after the first."
        elif date_to - date_from > timedelta(days=366 * MAX_YEARS):
            errors["date_from"] = f"Choose a range of at most {MAX_YEARS} years."
    if any(kind not in ChronologyKind.values for kind in kinds):
        errors["kinds"] = "Choose entry types from the list."
    if subject is not None and not subject.memberships.filter(family=family).exists():
        errors["subject"] = "Choose a child in this family."
    if errors:
        raise ValidationError(errors)
    key = _key(user, family, subject, date_from, date_to, kinds)
    now = timezone.now()
    ChronologyExport.objects.filter(
        key=key,
        state__in=[ExportState.QUEUED, ExportState.RUNNING],
        requested_at__lte=now - STALE_AFTER,
    ).update(
        state=ExportState.FAILED, error="the worker stopped before finishing", finished_at=timezone.now()
    )
    running = (
        ChronologyExport.objects.select_for_update()
        .filter(key=key, state__in=[ExportState.QUEUED, ExportState.RUNNING])
        .filter(requested_at__gt=now - STALE_AFTER)
        .first()
    )
    if running:
        return running
    export = ChronologyExport.objects.create(
        requested_by=user,
        family=family,
        subject=subject,
        date_from=date_from,
        date_to=date_to,
        kinds=kinds,
        key=key,
        requested_at=timezone.now(),
    )
    transaction.on_commit(lambda: chronology_export_build.delay(export.pk))
    return export
