"""Celery tasks for the clock engine. Beat runs the sweep every minute (config/settings.py)."""

from celery import shared_task

from escalation import services


@shared_task(time_limit=300, soft_time_limit=240, ignore_result=False)
def clocks_sweep(batch: int = 500) -> dict[str, int]:
    """Breach overdue clocks and remind holders of clocks due soon (see services.clocks_sweep)."""
    return services.clocks_sweep(batch=batch)


@shared_task(time_limit=300, soft_time_limit=240, ignore_result=False)
def notifications_send(batch: int = 500) -> int:
    """Email the notifications not emailed yet (the outbox), separately from the sweep so a slow
    mail server never holds up breaches."""
    return services.notifications_email(batch=batch)
