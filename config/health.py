"""/healthz: is the database answering, is the broker reachable, when did a worker last run."""

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app

HEARTBEAT_KEY = "health:worker-heartbeat"
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)


def heartbeat_record() -> datetime:
    now = timezone.now()
    cache.set(HEARTBEAT_KEY, now.isoformat(), timeout=None)
    return now


def heartbeat_last() -> datetime | None:
    value = cache.get(HEARTBEAT_KEY)
    return datetime.fromisoformat(value) if value else None


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to answer is "down", with its class for the operator
        return f"error: {type(exc).__name__}"
    return "ok"


def _broker_status() -> str:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def _worker_status() -> dict:
    try:
        last = heartbeat_last()
    except Exception as exc:
        return {"status": f"error: {type(exc).__name__}", "last_heartbeat": None}
    if last is None:
        return {"status": "unknown", "last_heartbeat": None}
    status = "ok" if timezone.now() - last <= HEARTBEAT_STALE_AFTER else "stale"
    return {"status": status, "last_heartbeat": last.isoformat()}


@never_cache
@require_GET
def healthz(request):
    database = _database_status()
    body = {
        "status": "ok" if database == "ok" else "error",
        "database": database,
        "broker": _broker_status(),
        "worker": _worker_status(),
    }
    return JsonResponse(body, status=200 if database == "ok" else 503)
