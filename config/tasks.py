"""Tasks that belong to the deployment rather than to one domain app."""

from celery import shared_task

from config import health


@shared_task(time_limit=30, soft_time_limit=20, ignore_result=False)
def heartbeat() -> str:
    """Record that a worker is consuming from the broker; beat sends this every minute."""
    return health.heartbeat_record().isoformat()
