from celery import shared_task

from audit import exports


@shared_task(time_limit=900, soft_time_limit=840, ignore_result=False)
def chronology_export_build(export_id: int) -> str:
    """Make an auditor's PDF chronology; the export row carries its progress for the browser."""
    return exports.chronology_export_build(export_id).state
