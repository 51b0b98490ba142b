from unittest import mock

import pytest
from django.db.utils import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    from django.core.cache import cache

    from config.health import HEARTBEAT_KEY

    cache.delete(HEARTBEAT_KEY)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["broker"] == "ok"
    assert body["worker"] == {"status": "unknown", "last_heartbeat": None}


def test_healthz_is_503_when_the_database_is_down(client):
    with mock.patch("config.health.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"


def test_healthz_shows_the_last_worker_heartbeat(client):
    from config import tasks

    beat = tasks.heartbeat.apply().get()  # eager here; the real worker is tested in test_celery_worker
    body = client.get("/healthz").json()
    assert body["worker"] == {"status": "ok", "last_heartbeat": beat}
