import logging

from celery import shared_task
from django.db import ProgrammingError
from psycopg import errors

from audit import chronology_pdf, services

logger = logging.getLogger(__name__)


@shared_task(time_limit=900, soft_time_limit=840, ignore_result=False)
def chronology_export_build(export_id: int) -> str:
    """Make an auditor's PDF chronology; the export row carries its progress for the browser."""
    return chronology_pdf.chronology_export_build(export_id).state


@shared_task
def break_glass_report_send() -> int:
    """Monday morning: the week's break-glass openings, to auditors and the records' managers."""
    return services.break_glass_report_send()


@shared_task(time_limit=1800, soft_time_limit=1740)
def access_log_partitions_maintain() -> dict:
    """Every night: the access log's months ahead made, and months past retention dropped."""
    try:
        report = services.access_log_partitions_maintain()
    except ProgrammingError as error:
        if not isinstance(error.__cause__, errors.InsufficientPrivilege):
            raise
        logger.error(
            "access log partitions: the application's role does not own the tables; run "
            "`manage.py access_log_partitions` with DATABASE_OWNER_URL set (docs/access-and-restrictions.md)"
        )
        return {"error": "insufficient privilege"}
    return {"made": report.made, "dropped": report.dropped, "refused": report.refused, "kept": report.kept}
