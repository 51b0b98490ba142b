"""Celery tasks for step-downs. Beat runs the consent checks every 15 minutes (config/settings.py)."""

from celery import shared_task

from stepdown import services


@shared_task(time_limit=300, soft_time_limit=240, ignore_result=False)
def consent_checks() -> dict[str, int]:
    """Raise step-downs waiting for consent or approval past their time, and consents withdrawn
    after sharing, to the worker and their manager (see services.stepdown_checks)."""
    return services.stepdown_checks()
