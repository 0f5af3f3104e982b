"""Per-person limits on sign-in attempts and uploads: past them a clear "slow down" with
when to try again (429, Retry-After), counted in the database so every web process shares
the count."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from imports.models import ImportSession
from movieranking import throttle
from tests.factories import PASSWORD
from tests.fixtures.histories import HISTORY

pytestmark = pytest.mark.django_db

API_UPLOAD = "/api/v1/import/amazon-prime/upload/"


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, 10 s into a quarter hour; `clock.now += n` moves it."""

    class Clock:
        now = 1_800_000_010.0

    monkeypatch.setattr(throttle.time, "time", lambda: Clock.now)
    return Clock


def sign_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_sign_in_attempts_past_the_limit_are_asked_to_slow_down(client, owner, settings, clock):
    settings.SIGN_IN_ATTEMPTS_PER_15_MINUTES = 3
    for _ in range(3):
        response = sign_in(client, "owner", "wrong password")
        assert response.status_code == 200 and "correct username and password" in (
            response.content.decode()
        )
    refused = sign_in(client, "Owner", PASSWORD)  # even the right password, any case
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(15 * 60 - 10)
    html = refused.content.decode()
    assert "Too many sign-in attempts for this account. Slow down: try again in 15 minutes." in html
    assert 'value="Owner"' in html
    assert "_auth_user_id" not in client.session

    clock.now += 15 * 60  # the next quarter hour
    assert sign_in(client, "owner", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_one_accounts_limit_leaves_other_accounts_alone(client, stranger, settings, clock):
    settings.SIGN_IN_ATTEMPTS_PER_15_MINUTES = 2
    for _ in range(3):
        sign_in(client, "owner", "wrong password")
    assert sign_in(client, "stranger", PASSWORD).status_code == 302


def upload(client: Client, n: int, path: str):
    data = HISTORY + f'"2025-01-0{n} 20:00:00.000","Movie","Film {n}","","","","","",""\n'.encode()
    return client.post(path, {"file": SimpleUploadedFile(f"history-{n}.csv", data)})


def test_uploads_past_the_hourly_limit_are_asked_to_slow_down(owner_client, settings, clock):
    settings.IMPORT_UPLOADS_PER_HOUR = 2
    path = reverse("imports:upload")
    assert [upload(owner_client, n, path).status_code for n in (1, 2)] == [302, 302]
    refused = upload(owner_client, 3, path)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3590"  # the hour began 10 s ago
    assert "You have uploaded 2 files this hour" in refused.content.decode()
    assert "Slow down: try again in" in refused.content.decode()
    assert ImportSession.objects.count() == 2

    clock.now += 3600
    assert upload(owner_client, 3, path).status_code == 302


def test_the_api_answers_uploads_past_the_limit_with_429(owner_client, settings, clock):
    settings.IMPORT_UPLOADS_PER_HOUR = 1
    assert upload(owner_client, 1, API_UPLOAD).status_code == 201
    refused = upload(owner_client, 2, API_UPLOAD)
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "slow_down" and body["retry_after"] == int(refused["Retry-After"])
    assert "Slow down" in body["detail"]
    assert ImportSession.objects.count() == 1


def test_each_person_has_their_own_upload_limit(owner_client, stranger_client, settings, clock):
    settings.IMPORT_UPLOADS_PER_HOUR = 1
    path = reverse("imports:upload")
    assert upload(owner_client, 1, path).status_code == 302
    assert upload(stranger_client, 1, path).status_code == 302
