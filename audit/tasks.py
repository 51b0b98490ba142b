from celery import shared_task

from audit import chronology_pdf, services


@shared_task(time_limit=900, soft_time_limit=840, ignore_result=False)
def chronology_export_build(export_id: int) -> str:
    """Make an auditor's PDF chronology; the export row carries its progress for the browser."""
    return chronology_pdf.chronology_export_build(export_id).state


@shared_task
def break_glass_report_send() -> int:
    """Monday morning: the week's break-glass openings, to auditors and the records' managers."""
    return services.break_glass_report_send()
