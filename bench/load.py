"""Fifty people reviewing at once, over HTTP, for a minute.

PostgreSQL and gunicorn (four sync worker processes) on loopback with production settings.
Before the run, each of 50 users gets a signed-in browser session and a 100-item import
session, created directly in the database (a child process). Then 50 threads, one per user,
each with its own requests.Session, step through their review as the htmx page does
(HX-Request: true, CSRF header): add with a rating (45 %), skip (45 %), undo (10 %), with
no pause between steps, for 60 seconds (30 with --quick). So this finds the throughput
the set-up saturates at, and latency there includes the wait for a free worker.

    python -m bench load [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import threading
import time

from bench.common import (
    Figure,
    Processes,
    child_pids,
    collectstatic,
    django_env,
    exactly,
    log,
    migrate,
    module_main,
    percentile,
    run_child,
    start_gunicorn,
    temp_postgres,
    vm_hwm_mb,
)
from bench.sample_data import session_with_items

USERS = 50
ITEMS = 100
WEB_WORKERS = 4
ADD_URL = re.compile(r"/imports/[0-9a-f-]+/items/(\d+)/add/")


def run(quick: bool) -> list[Figure]:
    seconds = 30 if quick else 60
    with temp_postgres("load") as url, Processes() as processes:
        env = django_env(url)
        migrate(env)
        collectstatic(env)
        people = run_child(
            "bench.load", ["--users", str(USERS), "--items", str(ITEMS)], env, timeout=300
        )
        base = start_gunicorn(processes, env, workers=WEB_WORKERS)
        log(f"{USERS} users reviewing for {seconds} s against gunicorn × {WEB_WORKERS}")
        samples: list[tuple[str, float, bool]] = []
        failures: list[str] = []
        stop_at = time.monotonic() + seconds
        started, cpu_before = time.monotonic(), time.process_time()
        threads = [
            threading.Thread(
                target=_review, args=(base, person, n, stop_at, samples, failures), daemon=True
            )
            for n, person in enumerate(people)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 90)
        elapsed = time.monotonic() - started
        client_cpu = time.process_time() - cpu_before
        processes.check_alive()
        gunicorn = processes.started[0][1]
        memory = [vm_hwm_mb(pid) or 0 for pid in child_pids(gunicorn.pid)]
    return _figures(samples, failures, elapsed, client_cpu, memory)


def _review(base: str, person: dict, seed: int, stop_at: float, samples: list, failures: list):
    """One user's review loop: always the step the card on screen offers."""
    import requests

    rng = random.Random(seed)
    session = requests.Session()
    session.cookies.set("sessionid", person["cookie"])
    review = f"{base}/imports/{person['session_id']}"
    try:
        page = session.get(f"{review}/review/", timeout=30)  # also sets the CSRF cookie
        page.raise_for_status()
    except requests.RequestException as error:
        failures.append(f"review page: {error}")
        return
    headers = {"HX-Request": "true", "X-CSRFToken": session.cookies.get("csrftoken", "")}
    on_screen = ADD_URL.search(page.text)
    while time.monotonic() < stop_at:
        roll = rng.random()
        if on_screen is None or roll < 0.10:  # nothing left on screen to rate: undo
            action, url, data = "undo", f"{review}/undo/", {}
        elif roll < 0.55:
            position = on_screen[1]
            action, url = "add", f"{review}/items/{position}/add/"
            data = {"rating": str(rng.randint(1, 5))}
        else:
            action, url, data = "skip", f"{review}/items/{on_screen[1]}/skip/", {}
        started = time.perf_counter()
        try:
            answer = session.post(
                url, data=data, headers=headers, timeout=30, allow_redirects=False
            )
            ok = 200 <= answer.status_code < 400
            if not ok:
                failures.append(f"{action}: HTTP {answer.status_code}")
            elif 'id="review-card"' not in answer.text:  # e.g. sent to the sign-in page
                ok = False
                failures.append(f"{action}: HTTP {answer.status_code} without the review card")
            on_screen = ADD_URL.search(answer.text)
        except requests.RequestException as error:
            ok = False
            failures.append(f"{action}: {type(error).__name__}")
        samples.append((action, (time.perf_counter() - started) * 1000, ok))


def _figures(
    samples: list, failures: list, elapsed: float, client_cpu: float, memory: list
) -> list[Figure]:
    latencies = [ms for _, ms, _ in samples]
    counts = {a: sum(1 for action, _, _ in samples if action == a) for a in ("add", "skip", "undo")}
    figures = [
        Figure(
            f"{USERS} users, {elapsed:.0f} s: requests (add / skip / undo)",
            f"{len(samples):,} ({counts['add']:,} / {counts['skip']:,} / {counts['undo']:,})",
        ),
        Figure("throughput (requests completed ÷ run time)", len(samples) / elapsed, "req/s"),
        Figure("latency at the client, p50", percentile(latencies, 0.50), "ms"),
        Figure("latency at the client, p95", percentile(latencies, 0.95), "ms"),
        Figure("latency at the client, p99", percentile(latencies, 0.99), "ms"),
        Figure(
            "errors (non-2xx/3xx, exceptions, answers without the card)",
            len(failures),
            "req",
            exactly(0),
        ),
        Figure(
            f"CPU the load generator itself used (of the {os.cpu_count()} cores it shares)",
            client_cpu / elapsed,
            "cores",
        ),
    ]
    for action in ("add", "skip", "undo"):
        times = [ms for name, ms, _ in samples if name == action]
        if times:
            figures.append(
                Figure(
                    f"{action}: latency p50 / p95",
                    f"{percentile(times, 0.5):,.0f} / {percentile(times, 0.95):,.0f}",
                    "ms",
                )
            )
    if failures:
        figures.append(Figure("first error", failures[0][:120]))
    figures.append(
        Figure(
            f"peak memory of the {len(memory)} gunicorn workers (VmHWM, max)",
            max(memory, default=0),
            "MB",
        )
    )
    return figures


# --- The Django half: users, their sessions and their import sessions ------------------------


def seed(args: argparse.Namespace) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    people = []
    for n in range(args.users):
        owner = get_user_model().objects.create_user(username=f"reviewer{n}", password=None)
        session = session_with_items(owner, args.items)
        browser = Client()
        browser.force_login(owner)  # a real server-side session, without a password hash
        people.append({"session_id": str(session.pk), "cookie": browser.cookies["sessionid"].value})
    return people


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="load: create users and sessions (child)")
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--items", type=int, required=True)
    return parser


if __name__ == "__main__":
    module_main("load", seed, _parser())
