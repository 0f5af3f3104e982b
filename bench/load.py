"""Fifty people reviewing at once, over HTTP: against a bare signed-in page, in two tabs each,
and adding the same film from two imports at the same moment.

PostgreSQL and gunicorn (four sync worker processes) on loopback with production settings.
Before the run, each of 50 users gets a signed-in browser session and a 300-item import
session, created directly in the database (a child process). Then:

1. Review against a baseline. 50 threads, one per user, each with its own requests.Session,
   step through their review as the htmx page does (HX-Request: true, CSRF header): add with
   a rating (45 %), skip (45 %), undo (10 %), with no pause between steps. Every 10 seconds
   (5 with --quick) they all switch between that and loading a bare signed-in page (the
   password form: only the session and the user behind it), so both loads meet the same
   machine in the same minute; 60 s in all (30 with --quick). So this finds the throughput
   the set-up saturates at, latency there includes the wait for a free worker, and the
   ratio of the two throughputs holds even when other work shares the cores.
2. Two tabs: the same 50 people with two tabs each (100 threads), each tab acting on the
   card it shows, for 60 s (20 with --quick): the tabs collide on the same films all the
   time; every answer must still be a card, never an error.
3. Same-film adds: 20 more people each have two imports of the same 10 films; for each film
   both imports' add is sent at the same instant (a barrier). Exactly one may rank it, the
   other must be asked "keep or replace", nothing may answer 500; afterwards the database
   is checked: no film ranked twice, every added item on an existing ranking, every
   import's kept counts equal to its items.

    python -m bench load [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import threading
import time
from collections import Counter

from bench.common import (
    Figure,
    Processes,
    at_least,
    child_pids,
    collectstatic,
    django_env,
    exactly,
    log,
    migrate,
    module_main,
    percentile,
    run_child,
    share,
    start_gunicorn,
    temp_postgres,
    vm_hwm_mb,
)
from bench.sample_data import session_with_items

USERS = 50
ITEMS = 300
WEB_WORKERS = 4
ADD_URL = re.compile(r"/imports/[0-9a-f-]+/items/(\d+)/add/")
# The bare signed-in page of the baseline, and how to know it rendered.
BASELINE_PATH = "/accounts/password/"
BASELINE_MARK = 'name="old_password"'
MIN_SHARE_OF_BASELINE = 0.60
PAIR_USERS = 20
PAIR_FILMS = 10


def run(quick: bool) -> list[Figure]:
    seconds, turn, tabs_seconds = (30, 5, 20) if quick else (60, 10, 60)
    with temp_postgres("load") as url, Processes() as processes:
        env = django_env(url)
        migrate(env)
        collectstatic(env)
        seeded = run_child(
            "bench.load",
            ["--users", str(USERS), "--items", str(ITEMS), "--pairs", str(PAIR_USERS)],
            env,
            timeout=300,
        )
        base = start_gunicorn(processes, env, workers=WEB_WORKERS)
        log(
            f"{USERS} users for {seconds} s against gunicorn × {WEB_WORKERS}: review and the "
            f"bare page {BASELINE_PATH} by turns of {turn} s"
        )
        started, cpu_before = time.monotonic(), time.process_time()
        samples, failures = _drive(base, seeded["people"], seconds, tabs=1, turn=turn)
        elapsed = time.monotonic() - started
        client_cpu = time.process_time() - cpu_before

        log(f"{USERS} users with two tabs each for {tabs_seconds} s")
        tab_samples, tab_failures = _drive(base, seeded["people"], tabs_seconds, tabs=2)

        log(f"{PAIR_USERS} users adding {PAIR_FILMS} films from two imports at once")
        answers = _same_film_adds(base, seeded["pairs"])
        processes.check_alive()
        gunicorn = processes.started[0][1]
        memory = [vm_hwm_mb(pid) or 0 for pid in child_pids(gunicorn.pid)]
        state = run_child("bench.load", ["--check"], env, timeout=120)
    return (
        _figures(samples, failures, elapsed, client_cpu, memory, turn)
        + _tab_figures(tab_samples, tab_failures, tabs_seconds)
        + _pair_figures(answers, state)
    )


# --- Driving the site -----------------------------------------------------------------------


def _drive(base: str, people: list[dict], seconds: float, *, tabs: int, turn: float = 0):
    """Every person's `tabs` tabs reviewing for `seconds`, or — with `turn` — reviewing and
    loading the baseline page by turns of `turn` seconds. Returns (samples, failures):
    samples are (kind, action, ms, ok)."""
    samples: list[tuple[str, str, float, bool]] = []
    failures: list[str] = []
    started = time.monotonic()
    stop_at = started + seconds

    def kind_now() -> str:
        if not turn:
            return "review"
        return "review" if int((time.monotonic() - started) / turn) % 2 == 0 else "baseline"

    threads = [
        threading.Thread(
            target=_review,
            args=(base, person, n * tabs + tab, stop_at, kind_now, samples, failures),
            daemon=True,
        )
        for n, person in enumerate(people)
        for tab in range(tabs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 90)
    return samples, failures


def _review(base: str, person: dict, seed: int, stop_at: float, kind_now, samples, failures):
    """One tab's loop: always the step the card on screen offers (or the baseline page,
    when it is the baseline's turn)."""
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
        kind = kind_now()
        if kind == "baseline":
            samples.append(("baseline", "page", *_get_baseline(session, base, failures)))
            continue
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
        samples.append(("review", action, (time.perf_counter() - started) * 1000, ok))


def _get_baseline(session, base: str, failures: list[str]) -> tuple[float, bool]:
    import requests

    started = time.perf_counter()
    try:
        answer = session.get(f"{base}{BASELINE_PATH}", timeout=30, allow_redirects=False)
        ok = answer.status_code == 200 and BASELINE_MARK in answer.text
        if not ok:
            failures.append(f"baseline page: HTTP {answer.status_code}")
    except requests.RequestException as error:
        ok = False
        failures.append(f"baseline page: {type(error).__name__}")
    return (time.perf_counter() - started) * 1000, ok


def _same_film_adds(base: str, pairs: list[dict]) -> list[tuple[int, str]]:
    """For each person, each film added from both imports at the same instant. Returns one
    (HTTP status, outcome) per request: outcome "added", "asked" (keep or replace) or what
    went wrong."""
    import requests

    answers: list[tuple[int, str]] = []

    def tab(person: dict, session_id: str, barrier: threading.Barrier) -> None:
        session = requests.Session()
        session.cookies.set("sessionid", person["cookie"])
        review = f"{base}/imports/{session_id}"
        session.get(f"{review}/review/", timeout=30)
        headers = {"HX-Request": "true", "X-CSRFToken": session.cookies.get("csrftoken", "")}
        for position in range(1, person["films"] + 1):
            barrier.wait(timeout=60)
            try:
                answer = session.post(
                    f"{review}/items/{position}/add/",
                    data={"rating": "4"},
                    headers=headers,
                    timeout=30,
                    allow_redirects=False,
                )
            except requests.RequestException as error:
                answers.append((0, type(error).__name__))
                continue
            text = answer.text
            if answer.status_code != 200:
                outcome = f"HTTP {answer.status_code}"
            elif "Added Film" in text:
                outcome = "added"
            elif "Keep my rating" in text:
                outcome = "asked"
            else:
                outcome = "a card with neither"
            answers.append((answer.status_code, outcome))

    threads = []
    for person in pairs:
        barrier = threading.Barrier(2)
        for session_id in person["sessions"]:
            threads.append(threading.Thread(target=tab, args=(person, session_id, barrier)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return answers


# --- Figures --------------------------------------------------------------------------------


def _figures(
    samples: list, failures: list, elapsed: float, client_cpu: float, memory: list, turn: float
) -> list[Figure]:
    review = [(action, ms, ok) for kind, action, ms, ok in samples if kind == "review"]
    baseline = [ms for kind, _, ms, _ in samples if kind == "baseline"]
    latencies = [ms for _, ms, _ in review]
    counts = {a: sum(1 for action, _, _ in review if action == a) for a in ("add", "skip", "undo")}
    # Each load had every other turn: half the run.
    review_rate = len(review) / (elapsed / 2)
    baseline_rate = len(baseline) / (elapsed / 2)
    figures = [
        Figure(
            f"{USERS} users, {elapsed:.0f} s by turns of {turn:.0f} s: review requests "
            "(add / skip / undo)",
            f"{len(review):,} ({counts['add']:,} / {counts['skip']:,} / {counts['undo']:,})",
        ),
        Figure("review throughput", review_rate, "req/s"),
        Figure(f"bare signed-in page ({BASELINE_PATH}), same run", baseline_rate, "req/s"),
        Figure(
            "review throughput ÷ bare page throughput",
            100 * review_rate / baseline_rate if baseline_rate else None,
            "%",
            at_least(100 * MIN_SHARE_OF_BASELINE),
            digits=0,
        ),
        Figure("review latency p50", percentile(latencies, 0.50), "ms"),
        Figure("review latency p95", percentile(latencies, 0.95), "ms"),
        Figure("review latency p99", percentile(latencies, 0.99), "ms"),
        Figure(
            "bare page latency p50 / p95",
            f"{percentile(baseline, 0.5):.0f} / {percentile(baseline, 0.95):.0f}",
            "ms",
        ),
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
        times = [ms for name, ms, _ in review if name == action]
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


def _tab_figures(samples: list, failures: list, seconds: float) -> list[Figure]:
    latencies = [ms for _, _, ms, _ in samples]
    figures = [
        Figure(f"{USERS} people × {seconds:.0f} s, two tabs each: requests", len(samples)),
        Figure(
            "two tabs: errors (non-2xx/3xx, exceptions, no card)", len(failures), "", exactly(0)
        ),
        Figure(
            "two tabs: latency p50 / p95",
            f"{percentile(latencies, 0.5):.0f} / {percentile(latencies, 0.95):.0f}",
            "ms",
        ),
    ]
    if failures:
        figures.append(Figure("two tabs: first error", failures[0][:120]))
    return figures


def _pair_figures(answers: list[tuple[int, str]], state: dict) -> list[Figure]:
    outcomes = Counter(outcome for _, outcome in answers)
    pairs = len(answers) // 2
    errors = sum(1 for status, _ in answers if status >= 500 or status == 0)
    return [
        Figure(
            f"same film added from two imports at once: pairs ({PAIR_USERS} people × "
            f"{PAIR_FILMS} films)",
            pairs,
        ),
        Figure("same-film adds: answers 500 (or no answer)", errors, "", exactly(0)),
        share(
            "same-film adds: pairs where one ranked it and the other was asked keep or replace",
            min(state["films_added_once"], outcomes["added"], outcomes["asked"]),
            pairs,
            at_least(100),
        ),
        Figure(
            "rankings vs items: films ranked twice, added items without a ranking, imports "
            "whose counts differ from their items",
            state["ranked_twice"] + state["added_without_ranking"] + state["counts_off"],
            "",
            exactly(0),
        ),
    ]


# --- The Django half: users, their sessions and their import sessions ------------------------


def _browser_cookie(owner) -> str:
    from django.test import Client

    browser = Client()
    browser.force_login(owner)  # a real server-side session, without a password hash
    return browser.cookies["sessionid"].value


def seed(args: argparse.Namespace) -> dict:
    from django.contrib.auth import get_user_model

    from imports.models import ImportSession

    users = get_user_model().objects
    people = []
    for n in range(args.users):
        owner = users.create_user(username=f"reviewer{n}", password=None)
        session = session_with_items(owner, args.items)
        people.append({"session_id": str(session.pk), "cookie": _browser_cookie(owner)})
    pairs = []
    for n in range(args.pairs):
        owner = users.create_user(username=f"pair{n}", password=None)
        sessions = []
        for copy in "ab":
            # Two imports of the same films: the sample's films are the same for everyone.
            session = session_with_items(owner, PAIR_FILMS)
            ImportSession.objects.filter(pk=session.pk).update(file_sha256=copy * 64)
            sessions.append(str(session.pk))
        pairs.append({"sessions": sessions, "films": PAIR_FILMS, "cookie": _browser_cookie(owner)})
    return {"people": people, "pairs": pairs}


def check(args: argparse.Namespace) -> dict:
    """Rankings against items, after the run."""
    from django.db.models import Count

    from imports import counters
    from imports.models import ImportItem, ImportSession
    from movieranking.models import Ranking

    added = ImportItem.objects.filter(status=ImportItem.Status.ADDED)
    pair_items = added.filter(session__owner__username__startswith="pair")
    per_film = pair_items.values("session__owner", "match_tmdb_id").annotate(n=Count("pk"))
    counts_off = 0
    for session in ImportSession.objects.all():
        kept = [getattr(session, field) for field in counters.COUNTER.values()]
        if kept != [getattr(counters.recount(session), f) for f in counters.COUNTER.values()]:
            counts_off += 1
    return {
        "films_added_once": sum(1 for row in per_film if row["n"] == 1),
        "ranked_twice": Ranking.objects.values("user", "movie")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        "added_without_ranking": added.filter(ranking=None).count(),
        "counts_off": counts_off,
    }


def measure(args: argparse.Namespace) -> dict:
    return check(args) if args.check else seed(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="load: create users and sessions (child)")
    parser.add_argument("--users", type=int, default=0)
    parser.add_argument("--items", type=int, default=0)
    parser.add_argument("--pairs", type=int, default=0)
    parser.add_argument("--check", action="store_true")
    return parser


if __name__ == "__main__":
    module_main("load", measure, _parser())
