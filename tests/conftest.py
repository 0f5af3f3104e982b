import pytest
import responses
import urllib3.util.retry
from django.test import Client

from imports.tmdb import ratelimit
from tests.factories import make_user
from tests.fakes import TMDB_TEST_BASE, FakeClock


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # A test handed a PostgreSQL database needs a real server, whichever module it is in.
    for item in items:
        if "postgres_database" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


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


@pytest.fixture
def tmdb_http(settings):
    """The site talks to TMDB over HTTP, as with real credentials, and `responses` answers:
    register the answers on the returned mock (URLs under TMDB_TEST_BASE)."""
    settings.TMDB_API_KEY = "test-key-0123456789"
    settings.TMDB_API_BASE_URL = TMDB_TEST_BASE
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    """A clock that stands still unless the test moves it, and that the TMDB client waits on:
    its rate limiter's wait for a slot and urllib3's Retry-After and back-off sleeps move it
    instead of taking real time. Buckets follow it once given to `clock.drive()`; the TMDB
    stand-in, given `clock=clock.monotonic`."""
    clock = FakeClock()
    monkeypatch.setattr(ratelimit, "time", clock)
    monkeypatch.setattr(urllib3.util.retry, "time", clock)
    return clock


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
