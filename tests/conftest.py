import pytest
from django.test import Client

from tests.factories import make_user


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    # Background work runs inline in tests unless a test starts a real worker.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _no_tmdb_credentials(settings):
    # Tests never reach TMDB: without credentials the offline catalog answers, and tests
    # that exercise HTTP set a stand-in URL and mock it with `responses`.
    settings.TMDB_API_KEY = ""
    settings.TMDB_READ_TOKEN = ""


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def owner(db):
    return make_user("owner")


@pytest.fixture
def stranger(db):
    return make_user("stranger")


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def stranger_client(stranger) -> Client:
    client = Client()
    client.force_login(stranger)
    return client
