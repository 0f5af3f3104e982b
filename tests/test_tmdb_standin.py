import subprocess
import sys
from pathlib import Path

import pytest
import requests

from imports.tmdb import (
    TMDBAuthError,
    TMDBClient,
    TMDBNotFound,
    TMDBRateLimited,
    TMDBUnavailable,
)
from imports.tmdb.ratelimit import memory_bucket
from tests.tmdb_standin import StandinServer, synthetic_records

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.standin


@pytest.fixture
def server():
    with StandinServer() as running:
        yield running


def client_for(server, **kwargs):
    kwargs.setdefault("api_key", "any-key")
    kwargs.setdefault("rate_limit", 1000)
    kwargs.setdefault("backoff_factor", 0)
    return TMDBClient(base_url=server.base_url, **kwargs)


def test_search_finds_catalog_films_by_title_and_localized_title(server):
    with client_for(server) as client:
        godfather = client.search_movies("The Godfather")
        german = client.search_movies("Der Pate")
        remakes = client.search_movies("The Lion King")
        newer = client.search_movies("The Lion King", year=2019)

    assert godfather[0].tmdb_id == 238
    assert godfather[0].year == 1972
    assert german[0].tmdb_id == 238
    assert {m.tmdb_id for m in remakes} == {8587, 420818}
    assert [m.tmdb_id for m in newer] == [420818]
    assert server.stats()["paths"] == {"/3/search/movie": 4}


def test_details_carry_alternative_titles_and_release_dates(server):
    with client_for(server) as client:
        details = client.movie_details(915935)

    assert details.original_title == "Anatomie d'une chute"
    assert "Anatomie eines Falls" in details.alternative_titles
    assert details.release_dates and details.release_dates[0].year == 2023
    assert details.genres and details.runtime


def test_unknown_id_is_not_found(server):
    with client_for(server) as client, pytest.raises(TMDBNotFound):
        client.movie_details(999_999_999)

    assert server.stats()["not_found"] == 1


def test_wrong_key_is_refused_and_right_token_accepted():
    with StandinServer(api_key="right") as server:
        with client_for(server, api_key="wrong") as client, pytest.raises(TMDBAuthError) as caught:
            client.search_movies("Heat")
        with client_for(server, api_key="", read_token="right") as client:
            assert client.search_movies("Heat")[0].tmdb_id == 949

        assert "wrong" not in str(caught.value)
        assert server.stats()["unauthorized"] == 1


def test_empty_query_answers_422_like_tmdb(server):
    response = requests.get(f"{server.base_url}/search/movie", params={"api_key": "k", "query": ""})

    assert response.status_code == 422
    assert response.json() == {"errors": ["query must be provided"]}


def test_a_burst_over_the_rate_limit_gets_429s_until_a_second_has_passed(clock):
    search = {"api_key": "k", "query": "Heat"}
    # The stand-in's clock stands still: all ten requests fall in one second.
    with StandinServer(rate_limit=5, clock=clock.monotonic) as server:
        burst = [requests.get(f"{server.base_url}/search/movie", params=search) for _ in range(10)]
        clock.advance(0.999)
        still = requests.get(f"{server.base_url}/search/movie", params=search)
        clock.advance(0.001)
        later = requests.get(f"{server.base_url}/search/movie", params=search)
        stats = server.stats()

    assert [r.status_code for r in burst] == [200] * 5 + [429] * 5
    assert burst[-1].headers["Retry-After"] == "1"
    assert burst[-1].json()["status_code"] == 25
    assert (still.status_code, later.status_code) == (429, 200)
    assert stats["throttled"] == 6 and stats["ok"] == 6


def test_a_client_bursting_over_the_limit_gets_429s_and_holds_back_after_each(clock):
    with (
        StandinServer(rate_limit=5, clock=clock.monotonic) as server,
        client_for(server, max_retries=0, bucket=clock.drive(memory_bucket(1000))) as client,
    ):
        outcomes, waits = [], []
        for _ in range(10):
            before = clock.elapsed
            try:
                client.search_movies("Heat")
                outcomes.append("ok")
            except TMDBRateLimited:
                outcomes.append("429")
            waits.append(clock.elapsed - before)
        stats = server.stats()

    assert outcomes[:5] == ["ok"] * 5
    assert "429" in outcomes[5:]
    assert stats["throttled"] == outcomes.count("429") == client.throttled_count
    # Its own limit (1000/s) let the burst through, but after each 429 it held the next
    # request back a quarter of a window, until the stand-in's second had passed.
    assert waits[:6] == [0] * 6
    after_429 = [waits[n + 1] for n, outcome in enumerate(outcomes[:-1]) if outcome == "429"]
    assert all(wait >= 0.262 for wait in after_429)
    assert outcomes[-1] == "ok"


def test_client_waits_out_retry_after_and_succeeds(clock):
    with (
        StandinServer(rate_limit=2, clock=clock.monotonic) as server,
        client_for(server, max_retries=2) as client,
    ):
        for _ in range(3):
            assert client.search_movies("Heat")[0].tmdb_id == 949
        stats = server.stats()

    assert stats["throttled"] == client.throttled_count == 1
    assert stats["requests"] == client.request_count == 4
    assert clock.elapsed == 1.0  # the second that Retry-After asked for, and no more


def test_client_at_the_servers_rate_is_never_throttled(clock):
    with (
        StandinServer(rate_limit=5, clock=clock.monotonic) as server,
        client_for(server, rate_limit=5, bucket=clock.drive(memory_bucket(5))) as client,
    ):
        for _ in range(8):
            client.search_movies("Heat")
        stats = server.stats()

    assert stats["throttled"] == 0
    assert stats["max_arrivals_per_second"] <= 5
    assert stats["requests"] == client.request_count == 8
    assert clock.elapsed >= 1.05  # the client held the sixth back until a window had passed


def test_server_errors_are_retried_until_an_answer():
    with (
        StandinServer(error_rate=0.3, seed=7) as server,
        client_for(server, max_retries=6) as client,
    ):
        for _ in range(10):
            assert client.search_movies("Heat")
        stats = server.stats()

    assert stats["server_errors"] > 0
    assert stats["requests"] == client.request_count == 10 + stats["server_errors"]


def test_hanging_server_times_out_as_unavailable():
    with StandinServer(hang=3) as server:
        client = client_for(server, timeout=(1, 0.2), max_retries=0)
        with client, pytest.raises(TMDBUnavailable):
            client.search_movies("Heat")
        assert server.stats()["hung"] == 0  # still hanging: counted when it finishes
        assert server.stats()["in_flight"] == 1


def test_stats_endpoint_counts_and_resets(server):
    with client_for(server) as client:
        client.search_movies("Heat")
        client.movie_details(949)

    stats = requests.get(f"{server.url}/_standin/stats").json()
    assert stats["requests"] == 2
    assert stats["ok"] == 2
    assert stats["paths"] == {"/3/search/movie": 1, "/3/movie/{id}": 1}

    assert requests.post(f"{server.url}/_standin/reset").status_code == 200
    assert requests.get(f"{server.url}/_standin/stats").json()["requests"] == 0


def test_queries_endpoint_counts_each_search_and_film_and_the_429s():
    with StandinServer(rate_limit=3) as server, client_for(server, max_retries=0) as client:
        client.search_movies("Heat")
        client.search_movies("Heat", year=1995)
        client.movie_details(949)
        with pytest.raises(TMDBRateLimited):
            client.search_movies("Heat")
        queries = requests.get(f"{server.url}/_standin/queries").json()
        requests.post(f"{server.url}/_standin/reset")
        after_reset = server.queries()

    assert sorted(queries["search"], key=lambda q: str(q["year"])) == [
        {"query": "Heat", "year": 1995, "accepted": 1, "throttled": 0},
        {"query": "Heat", "year": None, "accepted": 1, "throttled": 1},
    ]
    assert queries["movie"] == [{"id": 949, "accepted": 1, "throttled": 0}]
    assert after_reset == {"search": [], "movie": []}


def test_synthetic_catalog_has_distinct_searchable_titles():
    films = synthetic_records(1500)
    assert len({film["title"] for film in films}) == 1500
    assert films == synthetic_records(1500)

    with StandinServer(synthetic=1500, offline_catalog=False) as server:
        target = server.synthetic[1234]
        with client_for(server) as client:
            found = client.search_movies(target["title"])
            details = client.movie_details(target["id"])

    assert found[0].tmdb_id == target["id"]
    assert details.title == target["title"]


@pytest.mark.slow
def test_runs_as_a_process():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.tmdb_standin", "--port", "0", "--synthetic", "10"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        base_url = banner.split(" on ")[1].split()[0]
        answer = requests.get(f"{base_url}/search/movie", params={"query": "Heat", "api_key": "k"})
        assert answer.json()["results"][0]["id"] == 949
    finally:
        process.terminate()
        process.wait(timeout=10)
