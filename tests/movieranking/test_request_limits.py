"""Bodies are refused from their headers, before anything reads them: the CSRF check would
otherwise read (and store to the temp dir) any POST's form before sign-in and size checks.

Each request claims a large Content-Length over a small payload: reading it would fail, and
every byte read from the body is counted."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers import wsgi
from django.test import Client
from django.urls import reverse

from imports.models import ImportSession
from tests.factories import PASSWORD, make_item, make_session
from tests.fixtures.histories import HISTORY

pytestmark = pytest.mark.django_db

GIB = 1024**3
API_UPLOAD = "/api/v1/import/amazon-prime/upload/"


@pytest.fixture
def bytes_read(monkeypatch) -> list[int]:
    """How many bytes of request bodies were read, by anyone."""
    counted: list[int] = []
    read, readline = wsgi.LimitedStream.read, wsgi.LimitedStream.readline

    def counting(method):
        def wrapper(self, *args, **kwargs):
            data = method(self, *args, **kwargs)
            counted.append(len(data))
            return data

        return wrapper

    monkeypatch.setattr(wsgi.LimitedStream, "read", counting(read))
    monkeypatch.setattr(wsgi.LimitedStream, "readline", counting(readline))
    return counted


@pytest.fixture
def csrf_client() -> Client:
    # A real browser's CSRF check, which is what reads a form before the view.
    return Client(enforce_csrf_checks=True)


def claiming(length: int, **extra) -> dict:
    return {"CONTENT_LENGTH": str(length), **extra}


def post_file(client: Client, path: str, length: int, **extra):
    data = {"file": SimpleUploadedFile("history.csv", HISTORY)}
    return client.post(path, data, **claiming(length, **extra))


def test_a_strangers_upload_is_sent_to_sign_in_unread(csrf_client, bytes_read):
    response = post_file(csrf_client, reverse("imports:upload"), GIB)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert sum(bytes_read) == 0
    assert not ImportSession.objects.exists()


def test_a_strangers_api_upload_is_401_unread(csrf_client, bytes_read):
    response = post_file(csrf_client, API_UPLOAD, GIB)
    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in first."}
    assert sum(bytes_read) == 0


def test_a_strangers_small_post_to_a_signed_in_page_is_unread_too(csrf_client, owner, bytes_read):
    session = make_session(owner)
    make_item(session)
    path = reverse("imports:add", args=[session.pk, 1])
    response = csrf_client.post(path, {"rating": "5"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert sum(bytes_read) == 0


def test_a_huge_sign_in_form_is_413_unread(csrf_client, bytes_read):
    response = csrf_client.post(reverse("login"), {"username": "x"}, **claiming(GIB))
    assert response.status_code == 413
    assert "far more than a sign-in form sends" in response.content.decode()
    assert sum(bytes_read) == 0


def test_signing_in_still_reads_the_form(client, owner):
    response = client.post(reverse("login"), {"username": "owner", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(owner.pk)


@pytest.mark.parametrize("path", [reverse("imports:upload"), API_UPLOAD], ids=["page", "api"])
def test_an_upload_over_the_limit_is_413_unread(owner, settings, bytes_read, path):
    settings.IMPORT_MAX_UPLOAD_MB = 2
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(owner)
    response = post_file(csrf_client, path, 3 * 1024 * 1024)
    assert response.status_code == 413
    message = "The file is 3 MB; the largest we accept is 2 MB."
    if path == API_UPLOAD:
        assert response.json()["code"] == "too_large" and message in response.json()["detail"]
    else:
        assert message in response.content.decode()
    assert sum(bytes_read) == 0
    assert not ImportSession.objects.exists()


def test_an_upload_within_the_limit_is_read(owner_client):
    response = owner_client.post(
        reverse("imports:upload"), {"file": SimpleUploadedFile("history.csv", HISTORY)}
    )
    assert response.status_code == 302
    assert ImportSession.objects.filter(owner__username="owner").count() == 1


def test_a_huge_body_to_any_other_page_is_413_unread(owner, settings, bytes_read):
    session = make_session(owner)
    make_item(session)
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(owner)
    path = reverse("imports:add", args=[session.pk, 1])
    response = csrf_client.post(
        path, {"rating": "5"}, **claiming(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    )
    assert response.status_code == 413
    assert sum(bytes_read) == 0
