"""Matching a 1,000-title history against TMDB at its rate limit.

The TMDB stand-in runs in its own process with 80 ms latency and TMDB's 40 requests/s
(answering 429 above it), with a synthetic catalog the history's titles come from. The
matcher is the real one: `runner.session_match` with the TMDBClient `build_client()` makes
from the settings (PostgreSQL rate-limit bucket, 40/s), against a fresh PostgreSQL database.

Measured: wall time against the floor the rate limit sets (requests ÷ 40), the speed-up
over a one-request-at-a-time matcher (threads=1, on a smaller set of other titles, in the
same run), 429s on both sides, how many times each title was searched (the stand-in counts
searches per query), how many items were matched to the film their title was made from,
and the requests a second import of the same file by another person makes (the look-up
cache should answer all of it).

    python -m bench matching [--quick]
"""

from __future__ import annotations

import argparse
import time

from bench.common import (
    STANDIN_KEY,
    Figure,
    Processes,
    at_most,
    django_env,
    exactly,
    log,
    migrate,
    module_main,
    run_inner,
    searches_per_title,
    share,
    standin_queries,
    standin_reset,
    standin_stats,
    start_standin,
    temp_postgres,
)
from bench.sample_data import catalog_films, catalog_titles, exporter_v3

LATENCY = 0.08
RATE_LIMIT = 40
MAX_WALL_OVER_FLOOR = 1.2


def run(quick: bool) -> list[Figure]:
    titles, sequential = (200, 30) if quick else (1000, 100)
    with temp_postgres("matching") as url, Processes() as processes:
        standin = start_standin(
            processes, latency=LATENCY, rate_limit=RATE_LIMIT, synthetic=titles + sequential
        )
        env = django_env(
            url,
            TMDB_API_KEY=STANDIN_KEY,
            TMDB_API_BASE_URL=f"{standin}/3",
            TMDB_RATE_LIMIT=str(RATE_LIMIT),
        )
        migrate(env)
        args = ["--titles", str(titles), "--sequential", str(sequential), "--standin", standin]
        return run_inner("bench.matching", args, env, timeout=900)


# --- The Django half ------------------------------------------------------------------------


def _import(owner_name: str, data: bytes):
    from django.contrib.auth import get_user_model

    from imports import services

    owner = get_user_model().objects.create_user(username=owner_name, password=None)
    return services.session_create_from_upload(
        owner=owner, file_name="history.csv", data=data, enqueue=False
    ).session


def _match(session, *, threads: int | None, standin: str) -> tuple[float, int, int, dict]:
    """Match a session with a fresh client: (seconds, requests, 429s seen, stand-in stats)."""
    from imports import runner, tmdb

    standin_reset(standin)
    with tmdb.build_client() as client:
        started = time.perf_counter()
        runner.session_match(session_id=session.pk, client=client, threads=threads)
        seconds = time.perf_counter() - started
        return seconds, client.request_count, client.throttled_count, standin_stats(standin)


def measure(args: argparse.Namespace) -> list[Figure]:
    from django.conf import settings

    from imports.models import ImportItem

    count, subset = args.titles, args.sequential
    # The sequential matcher gets titles of its own, so the main run finds none of them cached.
    log(f"sequential matcher (threads=1) on {subset} titles")
    sequential = _import("sequential", exporter_v3(0, titles=catalog_titles(count, subset)))
    sequential_seconds, *_ = _match(sequential, threads=1, standin=args.standin)

    films = catalog_films(0, count)  # title → the film it was made from
    history = exporter_v3(count // 5, titles=list(films))  # plus episodes and rewatches
    threads = settings.IMPORT_MATCH_THREADS
    log(f"{count} titles, {threads} threads")
    session = _import("first", history)
    seconds, requests, throttled, stats = _match(session, threads=None, standin=args.standin)
    searched = searches_per_title(standin_queries(args.standin), list(films))
    items = list(ImportItem.objects.filter(session=session).values_list("title", "match_tmdb_id"))
    right = sum(films.get(title) == picked for title, picked in items)

    log("the same file again, by someone else")
    again = _import("second", history)
    *_, second_stats = _match(again, threads=None, standin=args.standin)

    floor = stats["requests"] / RATE_LIMIT
    per_title = sequential_seconds / subset
    return [
        Figure(f"{count:,} titles, {threads} threads: wall time of session_match", seconds, "s"),
        Figure(
            "requests the stand-in received (429s included); the client counted",
            stats["requests"],
            detail=f"{requests:,}",
        ),
        Figure("requests per title at the stand-in", stats["requests"] / count, "req"),
        Figure(f"floor: requests ÷ {RATE_LIMIT} req/s", floor, "s"),
        Figure("wall time ÷ floor", seconds / floor, "×", at_most(MAX_WALL_OVER_FLOOR)),
        Figure("request rate reached (requests ÷ wall time)", stats["requests"] / seconds, "req/s"),
        Figure(
            f"threads=1 matcher, same run, on {subset} other titles: seconds per title",
            per_title,
            "s",
        ),
        Figure(
            f"speed-up: titles/s with {threads} threads ÷ titles/s with threads=1",
            per_title * count / seconds,
            "×",
        ),
        Figure("429s the stand-in sent", stats["throttled"], target=exactly(0)),
        Figure("429s the client saw", throttled, target=exactly(0)),
        Figure(
            "busiest second at the stand-in (arrivals)", stats["max_arrivals_per_second"], "req"
        ),
        Figure(
            "titles searched exactly once (searches for the title as written, 429s aside)",
            sum(n == 1 for n in searched.values()),
            "titles",
            exactly(count),
            detail=f"{sum(n == 0 for n in searched.values()):,} never, "
            f"{sum(n > 1 for n in searched.values()):,} more than once",
        ),
        share(
            "items matched to the film their title was made from",
            right,
            len(items),
            exactly(100),
        ),
        Figure(
            "second identical import (another user): requests the stand-in received",
            second_stats["requests"],
            target=exactly(0),
        ),
    ]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="matching (child process)")
    parser.add_argument("--titles", type=int, required=True)
    parser.add_argument("--sequential", type=int, required=True)
    parser.add_argument("--standin", required=True)
    return parser


if __name__ == "__main__":
    module_main("matching", measure, _parser())
