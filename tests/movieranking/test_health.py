import pytest
from django.db import DatabaseError

from imports.tasks import match_session

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_queue(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    match_session.enqueue("00000000-0000-0000-0000-000000000000")
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["queue_depth"] == 1
    assert body["oldest_waiting_task_seconds"] >= 0


def test_healthz_says_503_when_the_database_is_gone(client, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("movieranking.health.connection.cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
