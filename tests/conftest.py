import pytest
import responses
from django.test import Client

from tests.factories import make_user


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


TMDB_TEST_BASE = "https://tmdb.test/3"


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


HTMX = {"HTTP_HX_REQUEST": "true"}
