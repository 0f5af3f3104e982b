"""The review wizard, one step at a time: server time and queries of add, skip and undo.

A fresh PostgreSQL database, a 5,000-item import session (items bulk-created with their
matches, no posters), and Django's test Client in-process, signed in, sending htmx requests
(HX-Request: true) as the page does. 200 steps alternate add and skip, with an undo every
40th. Then the full review page: its size, and whether it makes the browser fetch anything
from another origin.

    python -m bench wizard [--quick]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter, defaultdict
from html.parser import HTMLParser
from urllib.parse import urlsplit

from bench.common import (
    Figure,
    collectstatic,
    django_env,
    log,
    migrate,
    module_main,
    percentile,
    run_inner,
    temp_postgres,
    within,
)
from bench.sample_data import session_with_items

ITEMS = 5_000
STEPS = 200
WARM_UP_STEPS = 10  # template compilation and first connections are not what we measure
UNDO_EVERY = 40
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
        within(f"{label}: URLs to other sites in src/href, TMDB's aside", len(not_tmdb), "", 0),
        within(
            f"{label}: requests to other origins (scripts, styles, images)",
            len(fetched_outside),
            "",
            0,
        ),
    ]


# --- The Django half ------------------------------------------------------------------------


def measure(args: argparse.Namespace) -> list[Figure]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    log(f"{args.items:,}-item session, {args.steps} steps")
    owner = get_user_model().objects.create_user(username="reviewer", password=None)
    session = session_with_items(owner, args.items)
    client = Client()
    client.force_login(owner)
    return _step_figures(client, session, args.steps) + _page_figures(client, session)


def _step_figures(client, session, steps: int) -> list[Figure]:
    from django.db import connection

    from imports import selectors

    rng = random.Random(5)
    times: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, list[int]] = defaultdict(list)
    errors = query_count = 0

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
        if response.status_code != 200 or b"<html" in response.content:
            errors += 1
        if step >= WARM_UP_STEPS:
            times[action].append(elapsed * 1000)
            queries[action].append(query_count)

    figures = []
    for action in ("add", "skip", "undo"):
        figures += [
            Figure(
                f"{action}: server time (in-process), median of {len(times[action])}",
                statistics.median(times[action]),
                "ms",
            ),
            within(
                f"{action}: server time, p95",
                percentile(times[action], 0.95),
                "ms",
                MAX_P95_MS,
                strict=True,
            ),
        ]
        low, high = min(queries[action]), max(queries[action])
        spread = ", ".join(f"{n} ×{times}" for n, times in sorted(Counter(queries[action]).items()))
        shown = f"{low}" if low == high else f"{low}–{high} ({spread})"
        figures.append(Figure(f"{action}: queries per request", shown, "", "constant", low == high))
    figures.append(within("steps answered with an error or a full page", errors, "", 0))
    return figures


def _page_figures(client, session) -> list[Figure]:
    from imports import selectors

    page = client.get(f"/imports/{session.pk}/review/")
    kb = len(page.content) / 1024
    figures = [
        within("review page (full, no poster): HTML size", kb, "KB", MAX_PAGE_KB, strict=True),
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
