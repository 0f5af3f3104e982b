import logging
import os
import tempfile
from datetime import date
from types import SimpleNamespace

import pytest
import requests
import responses
from pyrate_limiter import InMemoryBucket, SQLiteBucket
from responses import matchers

from imports.tmdb import (
    MovieCandidate,
    OfflineCatalog,
    TMDBAuthError,
    TMDBClient,
    TMDBError,
    TMDBNotFound,
    TMDBRateLimited,
    TMDBUnavailable,
    build_client,
)
from imports.tmdb.ratelimit import postgres_bucket, postgres_conninfo, rates_for, sqlite_bucket

BASE = "https://api.themoviedb.org/3"
KEY = "k3y-0123456789abcdef"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.t0ken-payload.signature"
SEARCH = f"{BASE}/search/movie"


def movie(**overrides):
    result = {
        "adult": False,
        "backdrop_path": "/back.jpg",
        "genre_ids": [18],
        "id": 550,
        "original_language": "en",
        "original_title": "Fight Club",
        "overview": "A ticking-time-bomb insomniac meets a soap salesman.",
        "popularity": 61.4,
        "poster_path": "/poster.jpg",
        "release_date": "1999-10-15",
        "title": "Fight Club",
        "video": False,
        "vote_average": 8.4,
        "vote_count": 27000,
    }
    result.update(overrides)
    return result


def page(*results, total_pages=1):
    return {
        "page": 1,
        "results": list(results),
        "total_pages": total_pages,
        "total_results": len(results),
    }


@pytest.fixture
def debug_logs(caplog):
    """Every log record, including urllib3's URL-bearing ones that Django's LOGGING quiets."""
    for name in (None, "urllib3", "requests_ratelimiter"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture
def make_client():
    clients = []

    def make(**kwargs):
        kwargs.setdefault("api_key", KEY)
        kwargs.setdefault("rate_limit", 1000)
        kwargs.setdefault("backoff_factor", 0)
        client = TMDBClient(**kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@responses.activate
def test_search_parses_results_and_tolerates_tmdb_quirks(make_client):
    odd = movie(
        id=854631,
        title="Matrix Tribute",
        original_title="Matrix Tribute",
        popularity=1,
        vote_average=0,
        release_date="",
        poster_path=None,
        backdrop_path=None,
        genre_ids=[],
        something_new={"ignored": True},
    )
    sparse = {"id": 42, "title": "Only A Title"}
    responses.get(SEARCH, json=page(movie(), odd, sparse, {"title": "no id"}))

    results = make_client().search_movies("Fight Club")

    assert results[0] == MovieCandidate(
        tmdb_id=550,
        title="Fight Club",
        original_title="Fight Club",
        original_language="en",
        release_date=date(1999, 10, 15),
        overview="A ticking-time-bomb insomniac meets a soap salesman.",
        poster_path="/poster.jpg",
        popularity=61.4,
        vote_average=8.4,
        vote_count=27000,
        genre_ids=(18,),
    )
    assert results[0].year == 1999
    assert results[1].popularity == 1.0 and isinstance(results[1].popularity, float)
    assert results[1].vote_average == 0.0
    assert results[1].release_date is None and results[1].year is None
    assert results[1].poster_path is None
    assert results[2] == MovieCandidate(
        tmdb_id=42, title="Only A Title", original_title="Only A Title"
    )
    assert len(results) == 3


@pytest.mark.parametrize("total_pages", [0, 1])
@responses.activate
def test_search_without_hits_returns_empty_list(make_client, total_pages):
    responses.get(SEARCH, json=page(total_pages=total_pages))

    assert make_client().search_movies("qwxzzy nothing") == []


@responses.activate
def test_search_sends_query_year_page_language_and_no_adult(make_client):
    responses.get(
        SEARCH,
        json=page(movie()),
        match=[
            matchers.query_param_matcher(
                {
                    "query": "The Matrix",
                    "year": "1999",
                    "page": "2",
                    "include_adult": "false",
                    "language": "de-DE",
                    "api_key": KEY,
                }
            )
        ],
    )

    client = make_client(language="de-DE")
    assert client.search_movies("  The   Matrix ", year=1999, page=2)
    assert client.request_count == 1


@responses.activate
def test_empty_query_returns_nothing_without_a_request(make_client):
    client = make_client()

    assert client.search_movies("") == []
    assert client.search_movies("   \t") == []
    assert len(responses.calls) == 0
    assert client.request_count == 0


@responses.activate
def test_details_include_alternative_titles_and_all_release_dates(make_client):
    body = movie(
        id=915935,
        title="Anatomy of a Fall",
        original_title="Anatomie d'une chute",
        original_language="fr",
        release_date="2023-08-23",
        genre_ids=None,
        genres=[{"id": 53, "name": "Thriller"}, {"id": 9648, "name": "Mystery"}],
        runtime=152,
        imdb_id="tt17009710",
        alternative_titles={
            "titles": [
                {"iso_3166_1": "DE", "title": "Anatomie eines Falls", "type": ""},
                {"iso_3166_1": "ES", "title": "Anatomía de una caída"},
                {"iso_3166_1": "AT", "title": "Anatomie eines Falls", "type": ""},
            ]
        },
        release_dates={
            "results": [
                {
                    "iso_3166_1": "FR",
                    "release_dates": [
                        {"release_date": "2023-05-21T00:00:00.000Z", "type": 1, "note": "Cannes"},
                        {"release_date": "2023-08-23T00:00:00.000Z", "type": 3},
                    ],
                },
                {"iso_3166_1": "US", "release_dates": [{"release_date": "bogus", "type": 3}]},
            ]
        },
    )
    responses.get(
        f"{BASE}/movie/915935",
        json=body,
        match=[
            matchers.query_param_matcher(
                {"append_to_response": "alternative_titles,release_dates"}, strict_match=False
            )
        ],
    )

    details = make_client().movie_details(915935)

    assert details.tmdb_id == 915935
    assert details.original_title == "Anatomie d'une chute"
    assert details.year == 2023
    assert details.genres == ("Thriller", "Mystery")
    assert details.runtime == 152
    assert details.imdb_id == "tt17009710"
    assert details.alternative_titles == ("Anatomie eines Falls", "Anatomía de una caída")
    assert details.release_dates == (date(2023, 5, 21), date(2023, 8, 23))


@responses.activate
def test_details_tolerate_missing_and_null_fields(make_client):
    responses.get(f"{BASE}/movie/7", json={"id": 7, "title": "Bare", "runtime": 0, "imdb_id": None})

    details = make_client().movie_details(7)

    assert details.title == "Bare"
    assert details.runtime is None
    assert details.imdb_id == ""
    assert details.alternative_titles == ()
    assert details.release_dates == ()


@responses.activate
def test_v3_key_is_sent_as_query_parameter(make_client):
    responses.get(SEARCH, json=page())

    make_client(api_key=KEY).search_movies("Heat")

    request = responses.calls[0].request
    assert request.params["api_key"] == KEY
    assert "Authorization" not in request.headers
    assert request.headers["User-Agent"] == "MovieRanking/1.0"


@responses.activate
def test_v4_token_is_sent_as_bearer_header_and_never_in_the_url(make_client):
    responses.get(SEARCH, json=page())

    make_client(api_key="", read_token=TOKEN).search_movies("Heat")

    request = responses.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "api_key" not in request.url and TOKEN not in request.url


def test_client_needs_credentials_and_its_repr_hides_them():
    with pytest.raises(ValueError):
        TMDBClient()
    with TMDBClient(api_key=KEY) as client, TMDBClient(read_token=TOKEN) as token_client:
        assert KEY not in repr(client)
        assert TOKEN not in repr(token_client)


@responses.activate
def test_401_raises_auth_error_without_the_key_in_message_or_logs(make_client, debug_logs):
    caplog = debug_logs
    responses.get(
        SEARCH,
        status=401,
        json={
            "status_code": 7,
            "status_message": "Invalid API key: You must be granted a valid key.",
            "success": False,
        },
    )

    with pytest.raises(TMDBAuthError) as caught:
        make_client().search_movies("Heat")

    assert "Invalid API key" in str(caught.value)
    assert caught.value.status_code == 401
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    assert caplog.records, "expected the client to log the request"
    assert KEY not in caplog.text


def test_third_party_log_records_with_the_key_are_scrubbed(make_client, debug_logs):
    caplog = debug_logs
    make_client(api_key="unusual-secret-value")
    url = f"/3/search/movie?query=Heat&api_key={KEY}"

    logging.getLogger("urllib3.connectionpool").debug('"GET %s HTTP/1.1" 200 None', url)
    logging.getLogger("requests_ratelimiter.requests_ratelimiter").info(
        "Rate limit exceeded for https://x%s", url
    )
    logging.getLogger("urllib3.util.retry").debug("secret unusual-secret-value in text")

    messages = [r.getMessage() for r in caplog.records if r.name.startswith(("urllib3", "req"))]
    assert messages == [
        '"GET /3/search/movie?query=Heat&api_key=*** HTTP/1.1" 200 None',
        "Rate limit exceeded for https://x/3/search/movie?query=Heat&api_key=***",
        "secret *** in text",
    ]
    assert KEY not in caplog.text


@responses.activate
def test_404_raises_not_found(make_client):
    responses.get(
        f"{BASE}/movie/999999999",
        status=404,
        json={
            "success": False,
            "status_code": 34,
            "status_message": "The resource you requested could not be found.",
        },
    )

    with pytest.raises(TMDBNotFound) as caught:
        make_client().movie_details(999999999)
    assert caught.value.status_code == 404


@responses.activate
def test_other_client_errors_raise_the_base_error(make_client):
    responses.get(SEARCH, status=422, json={"errors": ["page must be less than or equal to 500"]})

    with pytest.raises(TMDBError) as caught:
        make_client().search_movies("Heat", page=500)

    assert type(caught.value) is TMDBError
    assert "page must be less" in str(caught.value)


@responses.activate
def test_429_with_retry_after_zero_is_retried_and_counted(make_client, debug_logs):
    caplog = debug_logs
    responses.get(
        SEARCH,
        status=429,
        headers={"Retry-After": "0"},
        json={"status_code": 25, "status_message": "Your request count is over the limit."},
    )
    responses.get(SEARCH, json=page(movie()))

    client = make_client()
    assert client.search_movies("Fight Club")[0].tmdb_id == 550

    assert len(responses.calls) == 2
    assert client.request_count == 2
    assert client.throttled_count == 1
    # urllib3 logged the retried URL, key and all; the filter masked it.
    assert "api_key=***" in "\n".join(
        r.getMessage() for r in caplog.records if r.name == "urllib3.util.retry"
    )
    assert KEY not in caplog.text


@responses.activate
def test_429_forever_raises_rate_limited(make_client):
    responses.get(SEARCH, status=429, headers={"Retry-After": "0"}, json={})

    client = make_client(max_retries=2)
    with pytest.raises(TMDBRateLimited) as caught:
        client.search_movies("Heat")

    assert caught.value.status_code == 429
    assert len(responses.calls) == 3
    assert client.request_count == 3
    assert client.throttled_count == 3


@responses.activate
def test_500_then_200_succeeds(make_client):
    responses.get(SEARCH, status=500, json={"status_code": 11, "status_message": "Internal error"})
    responses.get(SEARCH, json=page(movie()))

    client = make_client()
    assert len(client.search_movies("Fight Club")) == 1
    assert client.request_count == 2
    assert client.throttled_count == 0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@responses.activate
def test_5xx_forever_raises_unavailable(make_client, status):
    responses.get(SEARCH, status=status, json={"status_code": 9, "status_message": "Offline"})

    client = make_client(max_retries=3)
    with pytest.raises(TMDBUnavailable) as caught:
        client.search_movies("Heat")

    assert caught.value.status_code == status
    assert client.request_count == 4


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.ReadTimeout(f"Read timed out. url: /3/search/movie?api_key={KEY}"),
        requests.exceptions.ConnectTimeout(f"Connect timed out: /3/search/movie?api_key={KEY}"),
        requests.exceptions.ConnectionError(
            f"Max retries exceeded with url: /3/search/movie?query=x&api_key={KEY} (refused)"
        ),
    ],
    ids=["read-timeout", "connect-timeout", "connection-error"],
)
@responses.activate
def test_transport_failures_raise_unavailable_without_the_key(make_client, error, debug_logs):
    caplog = debug_logs
    responses.get(SEARCH, body=error)

    with pytest.raises(TMDBUnavailable) as caught:
        make_client().search_movies("Heat")

    assert type(error).__name__ in str(caught.value)
    assert KEY not in str(caught.value)
    assert caught.value.__context__ is None
    assert KEY not in caplog.text


@responses.activate
def test_invalid_json_raises_unavailable(make_client):
    responses.get(SEARCH, body="<html>Bad gateway</html>", content_type="text/html")

    with pytest.raises(TMDBUnavailable):
        make_client().search_movies("Heat")


@responses.activate
def test_json_that_is_not_an_object_raises_unavailable(make_client):
    responses.get(SEARCH, json=["not", "an", "object"])

    with pytest.raises(TMDBUnavailable):
        make_client().search_movies("Heat")


def windows(rates):
    return [(rate.limit, rate.interval) for rate in rates]


def test_rates_spread_requests_over_quarter_windows_with_a_margin():
    assert windows(rates_for(40)) == [(10, 262), (40, 1050)]
    assert windows(rates_for(5)) == [(2, 262), (5, 1050)]
    assert windows(rates_for(1)) == [(1, 1050)]
    assert windows(rates_for(0.5)) == [(1, 2100)]
    with pytest.raises(ValueError):
        rates_for(0)


@responses.activate
def test_limiter_holds_a_sixth_request_within_a_second_at_rate_five(make_client, clock):
    responses.get(SEARCH, json=page())
    bucket = clock.drive(InMemoryBucket(rates_for(5)))
    client = make_client(rate_limit=5, bucket=bucket, max_delay=None)

    for _ in range(5):
        client.search_movies("Heat")
        clock.advance(0.15)
    assert len(responses.calls) == 5 and clock.elapsed == 0.75
    client.search_movies("Heat")  # six within 1.05 s would be one too many

    # It went out once the first request had left the window, and not much later.
    assert len(responses.calls) == client.request_count == 6
    assert 1.05 <= clock.elapsed < 1.2


@responses.activate
def test_a_request_without_a_slot_within_max_delay_is_rate_limited(make_client, clock):
    responses.get(SEARCH, json=page())
    bucket = clock.drive(InMemoryBucket(rates_for(5)))
    client = make_client(rate_limit=5, bucket=bucket, max_delay=0.2)

    for _ in range(5):
        client.search_movies("Heat")
        clock.advance(0.15)
    with pytest.raises(TMDBRateLimited):
        client.search_movies("Heat")  # its slot is 300 ms away, more than max_delay

    assert clock.elapsed == pytest.approx(0.75 + 0.2)  # it waited max_delay, then gave up
    assert len(responses.calls) == 5
    assert client.request_count == 5
    assert bucket.count() == 5

    clock.advance(0.2)  # the first request has left the window
    client.search_movies("Heat")
    assert len(responses.calls) == 6


@responses.activate
def test_limiter_spreads_a_burst_over_the_second(make_client, clock):
    responses.get(SEARCH, json=page())
    bucket = clock.drive(InMemoryBucket(rates_for(5)))
    client = make_client(rate_limit=5, bucket=bucket, max_delay=None)

    client.search_movies("Heat")
    client.search_movies("Heat")
    assert clock.elapsed == 0
    client.search_movies("Heat")  # a third in the same quarter second waits for the next

    assert len(responses.calls) == 3
    assert 0.262 <= clock.elapsed < 0.4


@responses.activate
def test_two_clients_sharing_one_sqlite_bucket_file_share_the_limit(make_client, clock, tmp_path):
    responses.get(SEARCH, json=page())
    path = tmp_path / "rate-limit.sqlite3"
    buckets = [sqlite_bucket(path, 5), sqlite_bucket(path, 5)]
    clock.drive(*buckets)
    first, second = (make_client(rate_limit=5, bucket=b, max_delay=None) for b in buckets)

    for client in (first, first, first, second, second):
        client.search_movies("Heat")
        clock.advance(0.15)
    assert buckets[0].count() == buckets[1].count() == 5
    assert (tmp_path / "rate-limit.sqlite3.lock").exists()

    # Each client's next request waits for the shared window, though each sent fewer than 5.
    second.search_movies("Heat")
    assert clock.elapsed >= 1.05  # the first request (0 ms) left the window
    first.search_movies("Heat")
    assert clock.elapsed >= 1.2  # so did the second (150 ms)
    assert len(responses.calls) == 7


def test_build_client_without_credentials_is_the_offline_catalog():
    settings = SimpleNamespace(TMDB_API_KEY="", TMDB_READ_TOKEN="", DATABASES={})

    with build_client(settings=settings) as client:
        assert isinstance(client, OfflineCatalog)
        assert client.offline is True


def test_build_client_puts_the_bucket_beside_the_sqlite_database(tmp_path):
    database = tmp_path / "db.sqlite3"
    settings = SimpleNamespace(
        TMDB_API_KEY=KEY,
        TMDB_READ_TOKEN="",
        TMDB_API_BASE_URL="http://127.0.0.1:9/3",
        TMDB_RATE_LIMIT=12,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": database}},
    )

    with build_client(settings=settings) as client:
        assert isinstance(client, TMDBClient)
        assert client.base_url == "http://127.0.0.1:9/3"
        assert isinstance(client.bucket, SQLiteBucket)
        assert windows(client.bucket.rates) == windows(rates_for(12))
        assert (tmp_path / "db.sqlite3-tmdb-rate-limit").exists()


def test_build_client_uses_a_temp_file_for_an_in_memory_sqlite_database(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    settings = SimpleNamespace(
        TMDB_API_KEY=KEY,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    )

    with build_client(settings=settings) as client:
        assert isinstance(client.bucket, SQLiteBucket)
        assert (tmp_path / "movieranking-tmdb-rate-limit.sqlite3").exists()


# The suite's PostgreSQL run (DATABASE_URL=postgres://…) or an explicit TEST_POSTGRES_URL.
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL") or (
    os.environ.get("DATABASE_URL", "")
    if os.environ.get("DATABASE_URL", "").startswith("postgres")
    else ""
)
needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs PostgreSQL: set DATABASE_URL or TEST_POSTGRES_URL"
)


@pytest.fixture
def postgres_database():
    import dj_database_url

    return dj_database_url.parse(POSTGRES_URL)


@needs_postgres
@responses.activate
def test_build_client_keeps_the_limit_in_postgresql(postgres_database):
    from pyrate_limiter import PostgresBucket

    responses.get(SEARCH, json=page())
    settings = SimpleNamespace(
        TMDB_API_KEY=KEY, TMDB_RATE_LIMIT=3, DATABASES={"default": postgres_database}
    )

    with build_client(settings=settings) as client:
        assert isinstance(client.bucket, PostgresBucket)
        client.bucket.flush()
        client.search_movies("Heat")
        assert client.bucket.count() == 1
        client.bucket.flush()


@needs_postgres
@responses.activate
def test_two_clients_sharing_a_postgresql_bucket_share_the_limit(
    make_client, postgres_database, clock
):
    responses.get(SEARCH, json=page())
    conninfo = postgres_conninfo(postgres_database)
    table = f"tmdb_test_{os.getpid()}"
    buckets = [postgres_bucket(conninfo, 5, table=table) for _ in range(2)]
    try:
        clock.drive(*buckets)
        first, second = (make_client(rate_limit=5, bucket=b, max_delay=0.2) for b in buckets)

        for client in (first, second, first, second, first):
            client.search_movies("Heat")
            clock.advance(0.15)
        with pytest.raises(TMDBRateLimited):
            second.search_movies("Heat")  # its slot is 300 ms away, more than max_delay

        assert len(responses.calls) == 5
        assert buckets[1].count() == 5
    finally:
        with buckets[0].pool.connection() as conn:
            conn.execute(f'DROP TABLE IF EXISTS "ratelimit___{table}"')
