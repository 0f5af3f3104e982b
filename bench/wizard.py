"""The review wizard, one step at a time: server time and queries of add, skip and undo.

A fresh PostgreSQL database, a 5,000-item import session (items bulk-created with their
matches, no posters), and Django's test Client in-process, signed in, sending htmx requests
(HX-Request: true) as the page does. 200 steps alternate add and skip, with an undo every
40th. The same first 40 steps on a 60-item import (another user, films of its own) must make
the same queries step for step. Then the full review page: its size, and whether it makes
the browser fetch anything from another origin.

    python -m bench wizard [--quick]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urlsplit

from bench.common import (
    Figure,
    below,
    collectstatic,
    django_env,
    exactly,
    log,
    migrate,
    module_main,
    percentile,
    run_inner,
    temp_postgres,
)
from bench.sample_data import session_with_items

ITEMS = 5_000
STEPS = 200
WARM_UP_STEPS = 10  # template compilation and first connections are not what we measure
UNDO_EVERY = 40
# A small import walked through the same first steps, to compare queries per step.
SMALL_ITEMS = 60
SMALL_STEPS = 40
MAX_P95_MS = 15.0
MAX_PAGE_KB = 30.0
# TMDB's hosts: its poster images and links to a film's page (attribution) are allowed.
TMDB_HOSTS = {"image.tmdb.org", "www.themoviedb.org", "themoviedb.org"}


def run(quick: bool) -> list[Figure]:
    items, steps = (1_000, 60) if quick else (ITEMS, STEPS)
    with temp_postgres("wizard") as url:
        env = django_env(url)
        migrate(env)
        collectstatic(env)
        return run_inner("bench.wizard", ["--items", str(items), "--steps", str(steps)], env, 600)


# --- Reading a page for what it loads -------------------------------------------------------

# Elements the browser fetches on its own, and the attributes naming what it fetches.
_FETCHED = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
}
_FETCHED_LINKS = {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch"}


class _Resources(HTMLParser):
    """Every URL in src/href/srcset, and which of them the browser would fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.fetched: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name in ("src", "href", "srcset", "poster", "data"):
            if name in values:
                urls = [part.split()[0] for part in values[name].split(",") if part.strip()]
                self.urls += urls if name == "srcset" else [values[name]]
        fetched = list(_FETCHED.get(tag, ()))
        if tag == "link" and _FETCHED_LINKS & set(values.get("rel", "").lower().split()):
            fetched.append("href")
        for name in fetched:
            if values.get(name):
                self.fetched.append(values[name].split()[0])


def _other_origin(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) and parts.hostname not in {"testserver", "127.0.0.1", "localhost"}


def page_figures(html: str, label: str) -> list[Figure]:
    found = _Resources()
    found.feed(html)
    outside = [url for url in found.urls if _other_origin(url)]
    not_tmdb = [url for url in outside if urlsplit(url).hostname not in TMDB_HOSTS]
    fetched_outside = [url for url in found.fetched if _other_origin(url)]
    return [
        Figure(
            f"{label}: URLs to other sites in src/href/srcset, TMDB's aside",
            len(not_tmdb),
            "URLs",
            exactly(0),
        ),
        Figure(
            f"{label}: fetches from other origins (scripts, styles, images, frames)",
            len(fetched_outside),
            "URLs",
            exactly(0),
        ),
    ]


# --- The Django half ------------------------------------------------------------------------


def measure(args: argparse.Namespace) -> list[Figure]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    log(f"{args.items:,}-item session, {args.steps} steps")
    users = get_user_model().objects
    owner = users.create_user(username="reviewer", password=None)
    session = session_with_items(owner, args.items)
    client = Client()
    client.force_login(owner)
    steps = _walk(client, session, args.steps)

    # The same first steps on a small import, by someone else, with films of its own: the
    # queries of each step must not depend on the import's size.
    log(f"{SMALL_ITEMS}-item session, {SMALL_STEPS} steps")
    small_owner = users.create_user(username="reviewer-small", password=None)
    small = session_with_items(small_owner, SMALL_ITEMS, first_tmdb_id=50_000_000)
    small_client = Client()
    small_client.force_login(small_owner)
    small_steps = _walk(small_client, small, SMALL_STEPS)

    figures = _step_figures(steps, small_steps, args.items)
    return figures + _page_figures(client, session, args.items)


def _walk(client, session, steps: int) -> list[tuple[str, float, int, bool]]:
    """Warm-up steps, then `steps` steps: (action, milliseconds, queries, answered well)."""
    from django.db import connection

    from imports import selectors

    rng = random.Random(5)
    done: list[tuple[str, float, int, bool]] = []
    query_count = 0

    def count_queries(execute, sql, params, many, context):
        nonlocal query_count
        query_count += 1
        return execute(sql, params, many, context)

    base = f"/imports/{session.pk}"
    for step in range(WARM_UP_STEPS + steps):
        item = selectors.current_item(session)  # outside the timing: the benchmark's look-up
        if step % UNDO_EVERY == UNDO_EVERY - 1:
            action, url, data = "undo", f"{base}/undo/", {}
        elif step % 2 == 0:
            action, url = "add", f"{base}/items/{item.position}/add/"
            data = {"rating": str(rng.randint(1, 5))}
        else:
            action, url, data = "skip", f"{base}/items/{item.position}/skip/", {}
        query_count = 0
        with connection.execute_wrapper(count_queries):
            started = time.perf_counter()
            response = client.post(url, data, HTTP_HX_REQUEST="true")
            elapsed = time.perf_counter() - started
        answered = response.status_code == 200 and b"<html" not in response.content
        if step >= WARM_UP_STEPS:
            done.append((action, elapsed * 1000, query_count, answered))
    return done


def _step_figures(steps: list, small_steps: list, items: int) -> list[Figure]:
    figures = []
    for action in ("add", "skip", "undo"):
        times = [ms for name, ms, _, _ in steps if name == action]
        queries = Counter(n for name, _, n, _ in steps if name == action)
        figures += [
            Figure(
                f"{action}: server time (in-process, {items:,}-item import), median of "
                f"{len(times)}",
                statistics.median(times),
                "ms",
            ),
            Figure(f"{action}: server time, p95", percentile(times, 0.95), "ms", below(MAX_P95_MS)),
            Figure(
                f"{action}: queries per request (queries × requests)",
                ", ".join(f"{n} ×{seen}" for n, seen in sorted(queries.items())),
            ),
        ]
    compared = list(zip(steps, small_steps, strict=False))
    differing = sum(big[:1] + big[2:3] != small[:1] + small[2:3] for big, small in compared)
    figures += [
        Figure(
            f"steps whose query count differs between the {items:,}-item and a "
            f"{SMALL_ITEMS}-item import (the same {len(compared)} steps)",
            differing,
            "steps",
            exactly(0),
        ),
        Figure(
            "steps answered with an error or a full page",
            sum(not ok for *_, ok in steps + small_steps),
            "steps",
            exactly(0),
        ),
    ]
    return figures


def _page_figures(client, session, items: int) -> list[Figure]:
    from imports import selectors

    page = client.get(f"/imports/{session.pk}/review/")
    kb = len(page.content) / 1024
    figures = [
        Figure(
            f"review page (full, no poster, {items:,}-item import): HTML size",
            kb,
            "KB",
            below(MAX_PAGE_KB),
        ),
        *page_figures(page.content.decode(), "review page, no poster"),
    ]
    card = client.get(f"/imports/{session.pk}/review/", HTTP_HX_REQUEST="true")
    figures.append(Figure("review card (htmx fragment): HTML size", len(card.content) / 1024, "KB"))

    # With a TMDB poster the page does fetch one image from image.tmdb.org: shown, no target.
    item = selectors.current_item(session)
    item.candidates[0]["poster_path"] = "/bench-poster.jpg"
    item.save(update_fields=["candidates"])
    page = client.get(f"/imports/{session.pk}/items/{item.position}/")
    found = _Resources()
    found.feed(page.content.decode())
    hosts = [urlsplit(url).hostname for url in found.fetched if _other_origin(url)]
    figures.append(
        Figure(
            "item page with a TMDB poster: requests to other origins", ", ".join(hosts) or "none"
        )
    )
    return figures


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="review wizard (child process)")
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--steps", type=int, required=True)
    return parser


if __name__ == "__main__":
    module_main("wizard", measure, _parser())
