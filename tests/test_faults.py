"""TMDB misbehaving while an import is matched: errors, hangs, 429 storms, a dead host, a
refused key. Each ends the same way: every film is either matched or visibly waiting for a
retry, none is lost or doubled, the session page says what happened, and "Retry" finishes
the job once TMDB is back. The credentials never show up anywhere along the way.

The matching runs use the real TMDBClient against the in-process TMDB stand-in, with short
timeouts and back-offs so a fault costs milliseconds; the retries go through the Retry button,
the background task and `tmdb.build_client()`, as on the site.
"""

from __future__ import annotations

import json
import logging
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports import runner, services
from imports.models import ImportItem, ImportSession
from imports.tmdb import TMDBAuthError, TMDBClient, TMDBUnavailable
from tests.fakes import FakeTMDB
from tests.fixtures.histories import history
from tests.standin_support import RecordingStandin, closed_port, film_titles
from tests.tmdb_standin import SYNTHETIC_FIRST_ID, StandinServer

pytestmark = [pytest.mark.django_db, pytest.mark.standin]

KEY = "tmdb-fault-key-5e1f0c9a"
THREADS = 4
Lookup = ImportItem.Lookup


# --- Fixtures and helpers -------------------------------------------------------------------


@pytest.fixture
def tmdb_settings(settings):
    """Point the site at a TMDB stand-in: `tmdb_settings(server)`."""

    def point_at(server_or_url) -> None:
        settings.TMDB_API_KEY = KEY
        settings.TMDB_API_BASE_URL = getattr(server_or_url, "base_url", server_or_url)

    return point_at


def standin(titles, **faults) -> RecordingStandin:
    return RecordingStandin(synthetic=len(titles), offline_catalog=False, **faults)


def client_for(
    base_url: str, *, max_retries: int = 1, max_delay: float = 5, **credentials
) -> TMDBClient:
    """The real client with timeouts and back-off short enough for tests."""
    credentials = credentials or {"api_key": KEY}
    return TMDBClient(
        base_url=base_url,
        rate_limit=1000,
        timeout=(0.5, 0.5),
        max_retries=max_retries,
        max_delay=max_delay,
        backoff_factor=0.01,
        **credentials,
    )


def upload(owner, titles) -> ImportSession:
    return services.session_create_from_upload(
        owner=owner, file_name="history.csv", data=history(titles), enqueue=False
    ).session


def match(session, client) -> None:
    with client:
        runner.session_match(session_id=session.pk, client=client, threads=THREADS)
    session.refresh_from_db()


def expected_ids(titles) -> dict[str, int]:
    return {title: SYNTHETIC_FIRST_ID + n for n, title in enumerate(titles)}


def session_page(client, session) -> str:
    response = client.get(reverse("imports:session", args=[session.pk]))
    assert response.status_code == 200
    return response.content.decode()


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def assert_each_film_matched_or_marked_for_retry(session, titles) -> Counter:
    """No film lost or doubled; each matched to its film, or failed with a reason, or still
    waiting because the run stopped and said why. Returns the count per look-up state."""
    items = list(session.items.order_by("position"))
    assert [item.position for item in items] == list(range(1, len(titles) + 1))
    assert sorted(item.title for item in items) == sorted(titles)
    expected = expected_ids(titles)
    for item in items:
        if item.lookup == Lookup.DONE:
            assert item.match_tmdb_id == expected[item.title], item.title
        elif item.lookup == Lookup.FAILED:
            assert item.lookup_error, item.title
            assert item.match_tmdb_id is None
        else:
            assert session.problem, f"{item.title} waits, but the run stopped without saying why"
    states = Counter(item.lookup for item in items)
    assert session.status == ImportSession.Status.READY
    assert session.runner == ""  # the run let go of the session
    assert (session.matched_count, session.failed_count) == (
        states[Lookup.DONE],
        states[Lookup.FAILED],
    )
    return states


def assert_page_tells_what_happened(html: str, session, states: Counter) -> None:
    assert "hx-trigger" not in html  # not pretending to be still matching
    assert f"Matched {states[Lookup.DONE]} of {session.movies_found}" in html
    if states[Lookup.FAILED]:
        assert f"{plural(states[Lookup.FAILED], 'look-up')} failed" in html
    assert "Retry the films not found yet" in html


def assert_retry_finishes(client, session, titles, tmdb, capture) -> None:
    """Press Retry (the job runs through build_client): every film not yet found is looked
    up again, and only those; the page then says every film was looked up."""
    unfinished = set(session.items.exclude(lookup=Lookup.DONE).values_list("title", flat=True))
    asked_before = Counter(tmdb.searches)
    with capture(execute=True):
        response = client.post(reverse("imports:retry", args=[session.pk]), follow=True)
    assert f"Looking up {plural(len(unfinished), 'film')} again." in response.content.decode()

    session.refresh_from_db()
    states = assert_each_film_matched_or_marked_for_retry(session, titles)
    assert states == Counter({Lookup.DONE: len(titles)})
    assert session.problem == ""
    asked_again = {title for title in titles if tmdb.searches[title] > asked_before[title]}
    assert asked_again == unfinished
    html = session_page(client, session)
    assert f"All {len(titles)} films looked up" in html
    assert "Retry the films not found yet" not in html
    assert 'role="alert"' not in html


# --- 500 and 503 ----------------------------------------------------------------------------


@pytest.mark.parametrize("client_retries", [0, 3], ids=["no-client-retries", "client-retries"])
def test_tmdb_failing_30_percent_of_requests_leaves_each_film_matched_or_marked_for_retry(
    owner, owner_client, tmdb_settings, django_capture_on_commit_callbacks, client_retries
):
    titles = film_titles(20)
    session = upload(owner, titles)
    with standin(titles, error_rate=0.3) as tmdb:
        tmdb_settings(tmdb)
        match(session, client_for(tmdb.base_url, max_retries=client_retries))
        assert tmdb.stats()["server_errors"] > 0

        states = assert_each_film_matched_or_marked_for_retry(session, titles)
        if client_retries == 0:
            # Every 500/503 reached the runner: one failed film each, each with its reason.
            assert states[Lookup.FAILED] == tmdb.stats()["server_errors"]
            reasons = set(
                session.items.filter(lookup=Lookup.FAILED).values_list("lookup_error", flat=True)
            )
            assert reasons <= {
                "TMDB answered HTTP 500: Internal error: Something went wrong, contact TMDB.",
                "TMDB answered HTTP 503: Service offline - This service is temporarily "
                "offline, try again later.",
            }
        if not states[Lookup.FAILED]:
            # The client's own retries absorbed every error: nothing for the person to do.
            assert "All 20 films looked up" in session_page(owner_client, session)
            return
        assert_page_tells_what_happened(session_page(owner_client, session), session, states)
        failed_list = owner_client.get(
            reverse("imports:items", args=[session.pk]), {"show": "failed"}
        ).content.decode()
        assert failed_list.count("look-up failed") == states[Lookup.FAILED]

        tmdb.error_rate = 0.0  # TMDB recovers
        assert_retry_finishes(
            owner_client, session, titles, tmdb, django_capture_on_commit_callbacks
        )


# --- Hanging ------------------------------------------------------------------------------


def test_tmdb_hanging_past_the_read_timeout_fails_only_those_films_and_a_retry_finishes(
    owner, owner_client, tmdb_settings, django_capture_on_commit_callbacks
):
    titles = film_titles(12)
    session = upload(owner, titles)
    with standin(titles, hang=3, hang_rate=0.5) as tmdb:
        tmdb_settings(tmdb)
        match(session, client_for(tmdb.base_url))

        states = assert_each_film_matched_or_marked_for_retry(session, titles)
        assert states[Lookup.FAILED] > 0
        assert states[Lookup.DONE] > 0  # one slow answer does not sink the others
        assert_page_tells_what_happened(session_page(owner_client, session), session, states)

        tmdb.hang = 0.0
        assert_retry_finishes(
            owner_client, session, titles, tmdb, django_capture_on_commit_callbacks
        )


def test_a_hanging_tmdb_is_reported_as_too_slow_rather_than_unreachable():
    with (
        StandinServer(hang=3) as tmdb,
        client_for(tmdb.base_url, max_retries=4) as client,
        pytest.raises(TMDBUnavailable) as raised,
    ):
        client.search_movies("Heat")
    assert str(raised.value).startswith("TMDB did not answer in time")


# --- 429 storms -----------------------------------------------------------------------------


@pytest.mark.parametrize("retry_after", [True, False], ids=["retry-after", "no-retry-after"])
def test_a_429_storm_leaves_each_film_matched_or_marked_for_retry(
    owner, owner_client, tmdb_settings, django_capture_on_commit_callbacks, retry_after
):
    titles = film_titles(12)
    session = upload(owner, titles)
    # TMDB allows two requests a second; four threads ask faster, each 429 retried once
    # (after Retry-After when TMDB sends one, after our back-off when it does not).
    with standin(titles, rate_limit=2, retry_after=retry_after) as tmdb:
        tmdb_settings(tmdb)
        match(session, client_for(tmdb.base_url, max_retries=1))
        assert tmdb.stats()["throttled"] > 0

        states = assert_each_film_matched_or_marked_for_retry(session, titles)
        assert states[Lookup.FAILED] > 0
        for error in session.items.filter(lookup=Lookup.FAILED).values_list(
            "lookup_error", flat=True
        ):
            assert "too many requests" in error
        assert_page_tells_what_happened(session_page(owner_client, session), session, states)

        tmdb.rate_limit = None  # the storm passes
        assert_retry_finishes(
            owner_client, session, titles, tmdb, django_capture_on_commit_callbacks
        )


def test_a_429_storm_that_does_not_pass_stops_the_run_and_says_tmdb_is_limiting_us(
    owner, owner_client, tmdb_settings, django_capture_on_commit_callbacks
):
    titles = film_titles(40)
    session = upload(owner, titles)
    # TMDB lets one request a second through. After each 429 our own limiter holds every
    # thread back for the rest of TMDB's window; past max_delay a look-up gives up too.
    with standin(titles, rate_limit=1, retry_after=False) as tmdb:
        tmdb_settings(tmdb)
        match(session, client_for(tmdb.base_url, max_retries=0, max_delay=0.05))

        states = assert_each_film_matched_or_marked_for_retry(session, titles)
        assert session.problem == ImportSession.Problem.RATE_LIMITED
        # The run gave up instead of burning through the whole history.
        assert tmdb.stats()["requests"] < len(titles)
        assert states[Lookup.WAITING] > 0
        html = session_page(owner_client, session)
        assert "TMDB is limiting how fast we may ask" in html
        assert_page_tells_what_happened(html, session, states)

        tmdb.rate_limit = None
        assert_retry_finishes(
            owner_client, session, titles, tmdb, django_capture_on_commit_callbacks
        )


# --- TMDB unreachable -----------------------------------------------------------------------


def test_tmdb_refusing_connections_stops_the_run_and_says_tmdb_is_not_answering(
    owner, owner_client, tmdb_settings, django_capture_on_commit_callbacks
):
    titles = film_titles(30)
    session = upload(owner, titles)
    dead = f"http://127.0.0.1:{closed_port()}/3"
    tmdb_settings(dead)
    match(session, client_for(dead))

    states = assert_each_film_matched_or_marked_for_retry(session, titles)
    assert states[Lookup.DONE] == 0
    assert session.problem == ImportSession.Problem.UNAVAILABLE
    for error in session.items.filter(lookup=Lookup.FAILED).values_list("lookup_error", flat=True):
        assert error.startswith("Could not reach TMDB")
    html = session_page(owner_client, session)
    assert "TMDB is not answering" in html
    assert_page_tells_what_happened(html, session, states)

    with standin(titles) as tmdb:  # TMDB is back
        tmdb_settings(tmdb)
        assert_retry_finishes(
            owner_client, session, titles, tmdb, django_capture_on_commit_callbacks
        )


# --- A refused key --------------------------------------------------------------------------


def test_an_invalid_key_is_noticed_at_once_and_the_page_says_tmdb_refused_our_credentials(
    owner, owner_client, settings, tmdb_settings, django_capture_on_commit_callbacks
):
    titles = film_titles(30)
    settings.IMPORT_MATCH_THREADS = THREADS
    with standin(titles, api_key=KEY) as tmdb:
        tmdb_settings(tmdb)
        settings.TMDB_API_KEY = "revoked-key-0000"
        # Through the site: upload, then the background job with tmdb.build_client().
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(
                reverse("imports:upload"),
                {"file": SimpleUploadedFile("history.csv", history(titles)), "time_zone": "UTC"},
            )
        assert response.status_code == 302
        session = ImportSession.objects.get(owner=owner)

        # Only the requests already handed to the threads went out, not one per film.
        stats = tmdb.stats()
        assert 1 <= stats["requests"] <= 2 * THREADS
        assert stats["unauthorized"] == stats["requests"]

        states = assert_each_film_matched_or_marked_for_retry(session, titles)
        assert states == Counter({Lookup.WAITING: len(titles)})  # nothing lost, nothing failed
        assert session.problem == ImportSession.Problem.AUTH
        html = session_page(owner_client, session)
        assert "TMDB refused our credentials" in html
        assert "revoked-key-0000" not in html
        assert_page_tells_what_happened(html, session, states)

        settings.TMDB_API_KEY = KEY  # an administrator fixes the key
        assert_retry_finishes(
            owner_client, session, titles, tmdb, django_capture_on_commit_callbacks
        )


@pytest.fixture
def stopped_by_a_refused_key(owner):
    session = upload(owner, ["Heat", "Alien", "The Matrix"])
    refusing = FakeTMDB(fail_with=TMDBAuthError("TMDB refused our credentials"))
    runner.session_match(session_id=session.pk, client=refusing, threads=1)
    session.refresh_from_db()
    assert session.problem == ImportSession.Problem.AUTH
    assert not session.items.exclude(lookup=Lookup.WAITING).exists()
    return session


def test_the_review_page_does_not_call_a_stopped_import_finished(
    owner_client, stopped_by_a_refused_key
):
    url = reverse("imports:review", args=[stopped_by_a_refused_key.pk])
    html = owner_client.get(url).content.decode()
    assert "That’s every film." not in html


def test_the_item_list_does_not_say_looking_up_once_matching_has_stopped(
    owner_client, stopped_by_a_refused_key
):
    url = reverse("imports:items", args=[stopped_by_a_refused_key.pk])
    html = owner_client.get(url).content.decode()
    assert "looking up…" not in html


# --- Credentials stay secret ----------------------------------------------------------------


@pytest.fixture
def every_logger_at_debug(caplog):
    """caplog hears every logger at DEBUG, even those set quieter (urllib3) or that do not
    propagate to the root logger."""
    caplog.set_level(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    for logger in loggers:
        caplog.set_level(logging.DEBUG, logger=logger.name)
    silent = [logger for logger in loggers if not logger.propagate]
    for logger in silent:
        logger.addHandler(caplog.handler)
    yield caplog
    for logger in silent:
        logger.removeHandler(caplog.handler)


SECRET = "sEcReT-tmdb-credential-8d2f6b0e4a"
FAULTS = {
    "server-errors": {"error_rate": 1.0},
    "hanging": {"hang": 3},
    "429-storm": {"rate_limit": 1, "retry_after": False},
    "refused-key": {"api_key": "some-other-key"},
    "connection-refused": None,
}


# The v4 token travels in a header, never in a URL: two faults are enough for it.
LEAK_CASES = [("api_key", fault) for fault in FAULTS] + [
    ("read_token", "server-errors"),
    ("read_token", "refused-key"),
]


@pytest.mark.parametrize(("credential", "fault"), LEAK_CASES)
def test_credentials_never_reach_logs_messages_pages_or_the_api(
    owner, owner_client, admin_client, settings, every_logger_at_debug, fault, credential
):
    titles = film_titles(6)
    session = upload(owner, titles)
    settings.TMDB_API_KEY = SECRET if credential == "api_key" else ""
    settings.TMDB_READ_TOKEN = SECRET if credential == "read_token" else ""
    if FAULTS[fault] is None:
        match(session, client_for(f"http://127.0.0.1:{closed_port()}/3", **{credential: SECRET}))
    else:
        with standin(titles, **FAULTS[fault]) as tmdb:
            settings.TMDB_API_BASE_URL = tmdb.base_url
            match(session, client_for(tmdb.base_url, **{credential: SECRET}))
    assert session.items.exclude(lookup=Lookup.DONE).exists(), "the fault did not happen"

    stored = [session.problem_detail]
    stored += list(session.items.values_list("lookup_error", flat=True))
    assert not [text for text in stored if SECRET in text]

    args = [session.pk]
    pages = {
        "session": owner_client.get(reverse("imports:session", args=args)),
        "items": owner_client.get(reverse("imports:items", args=args)),
        "failed items": owner_client.get(reverse("imports:items", args=args), {"show": "failed"}),
        "review": owner_client.get(reverse("imports:review", args=args)),
        "summary": owner_client.get(reverse("imports:summary", args=args)),
        "csv": owner_client.get(reverse("imports:not_added_csv", args=args)),
        "api": owner_client.get(reverse("imports_api:session", args=args)),
        "admin session": admin_client.get(reverse("admin:imports_importsession_change", args=args)),
        "admin items": admin_client.get(reverse("admin:imports_importitem_changelist")),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert SECRET not in response.content.decode(), f"the credential is on the {name} page"
    if fault != "refused-key":  # (a refused key fails no single film: they all wait)
        reasons = [movie["reason"] for movie in json.loads(pages["api"].content)["movies"]]
        assert any(reasons)  # the API does say why a look-up failed, just not with the key

    logs = every_logger_at_debug.text
    assert SECRET not in logs
    if credential == "api_key" and fault != "hanging":
        # urllib3 did log the request URLs (so this check has teeth), scrubbed.
        assert "api_key=***" in logs
