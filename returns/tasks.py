from celery import shared_task

from returns import builds


@shared_task(time_limit=1800, soft_time_limit=1740, ignore_result=False)
def return_build(build_id: int) -> str:
    """Make a statutory return; the build row carries its progress for the browser."""
    return builds.return_build_run(build_id).state
