"""Three people import a 1,000-title history at the same moment, on a many-process set-up.

PostgreSQL, gunicorn with two worker processes, three `manage.py db_worker` processes and
the TMDB stand-in (60 ms latency, 40 requests/s, 429 above it), all on loopback with
production settings (DEBUG off). Each person signs in through the login form, uploads
through the JSON API and polls it until matching is over. Every person's titles are their
own (3,000 distinct titles in all), so the look-up cache cannot hide the load.

Measured: wall time against the floor the shared 40/s limit sets, 429s (the limit must
hold across processes), how many times each title was searched (the stand-in counts
searches per query), whether every item ended looked up and matched to the film its title
was made from, whether every matching task succeeded, every process's peak memory, and the
imports per hour this implies.

    python -m bench scale [--quick]
"""

from __future__ import annotations

import json
import threading
import time

from bench.common import (
    PYTHON,
    STANDIN_KEY,
    Figure,
    Processes,
    at_most,
    child_pids,
    collectstatic,
    django_env,
    exactly,
    log,
    manage,
    migrate,
    searches_per_title,
    share,
    sign_in,
    standin_queries,
    standin_stats,
    start_gunicorn,
    start_standin,
    temp_postgres,
    vm_hwm_mb,
)
from bench.sample_data import catalog_films, exporter_v3

PEOPLE = 3
DB_WORKERS = 3
WEB_WORKERS = 2
LATENCY = 0.06
RATE_LIMIT = 40
POLL_SECONDS = 1.0  # the wall time is known to within this
MAX_WALL_OVER_FLOOR = 1.2
API = "/api/v1/import/amazon-prime"

CREATE_PEOPLE = """
from django.contrib.auth import get_user_model
for n in range({count}):
    get_user_model().objects.create_user(username=f"person{{n}}", password=f"bench-pw-{{n}}-long")
"""
# What the database says afterwards; printed as JSON by `manage.py shell`.
CHECK = """
import json
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
from imports.models import ImportItem, TMDBLookup

print(json.dumps({
    "items": list(ImportItem.objects.values_list("title", "lookup", "match_tmdb_id")),
    "lookups_cached": TMDBLookup.objects.count(),
    "tasks": dict(DBTaskResult.objects.values_list("status").annotate(n=Count("pk"))),
}))
"""


def _import(base: str, person: int, data: bytes, start: threading.Barrier, timeout: float, out):
    try:
        _import_and_wait(base, person, data, start, timeout, out)
    except Exception as error:  # reported by run(), not as a thread's stray traceback
        start.abort()
        out[person] = {"error": f"{type(error).__name__}: {error}"}


def _import_and_wait(base, person: int, data: bytes, start, timeout: float, out) -> None:
    """Sign in, wait for the others, upload, then poll until matching is over."""
    session = sign_in(base, f"person{person}", f"bench-pw-{person}-long")
    start.wait(timeout=60)
    started = time.monotonic()
    answer = session.post(
        f"{base}{API}/upload/", files={"file": ("history.csv", data, "text/csv")}, timeout=120
    )
    answer.raise_for_status()
    session_id = answer.json()["session_id"]
    uploaded = time.monotonic()
    status = "matching"
    while status == "matching" and time.monotonic() - started < timeout:
        time.sleep(POLL_SECONDS)
        status = session.get(f"{base}{API}/session/{session_id}/", timeout=60).json()["status"]
    out[person] = {
        "started": started,
        "uploaded": uploaded,
        "ended": time.monotonic(),
        "status": status,
    }


def _peak_memory(processes: Processes) -> list[Figure]:
    figures = []
    for name, process in processes.started:
        pids = [(name, process.pid)]
        if name == "gunicorn":
            pids += [
                (f"gunicorn worker {n}", pid)
                for n, pid in enumerate(child_pids(process.pid), start=1)
            ]
        for label, pid in pids:
            figures.append(Figure(f"peak memory (VmHWM): {label}", vm_hwm_mb(pid), "MB"))
    return figures


def run(quick: bool) -> list[Figure]:
    titles = 200 if quick else 1000
    timeout = 120 if quick else 480
    with temp_postgres("scale") as url, Processes() as processes:
        standin = start_standin(
            processes, latency=LATENCY, rate_limit=RATE_LIMIT, synthetic=PEOPLE * titles
        )
        env = django_env(
            url,
            TMDB_API_KEY=STANDIN_KEY,
            TMDB_API_BASE_URL=f"{standin}/3",
            TMDB_RATE_LIMIT=str(RATE_LIMIT),
        )
        migrate(env)
        collectstatic(env)
        manage(env, "shell", "-c", CREATE_PEOPLE.format(count=PEOPLE))
        base = start_gunicorn(processes, env, workers=WEB_WORKERS)
        for n in range(DB_WORKERS):
            argv = [PYTHON, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.5"]
            processes.start(f"db_worker {n + 1}", argv, env)
        films = [catalog_films(n * titles, titles) for n in range(PEOPLE)]
        histories = [exporter_v3(titles // 5, titles=list(films[n]), seed=n) for n in range(PEOPLE)]
        log(f"{PEOPLE} people × {titles} titles, {DB_WORKERS} db_workers, gunicorn × {WEB_WORKERS}")
        results: dict[int, dict] = {}
        start = threading.Barrier(PEOPLE)
        people = [
            threading.Thread(
                target=_import, args=(base, n, histories[n], start, timeout, results), daemon=True
            )
            for n in range(PEOPLE)
        ]
        for person in people:
            person.start()
        for person in people:
            person.join(timeout=timeout + 120)
        processes.check_alive()
        if len(results) != PEOPLE:
            raise RuntimeError(f"only {len(results)} of {PEOPLE} imports came back")
        if failed := [r["error"] for r in results.values() if "error" in r]:
            raise RuntimeError(f"an import failed: {failed[0]}")
        memory = _peak_memory(processes)
        stats = standin_stats(standin)
        queries = standin_queries(standin)
        check = json.loads(manage(env, "shell", "-c", CHECK).strip().splitlines()[-1])
    truth = {title: tmdb_id for person in films for title, tmdb_id in person.items()}
    return _figures(titles, results, stats, queries, truth, check, memory)


def _figures(
    titles: int, results: dict, stats: dict, queries: dict, truth: dict, check: dict, memory: list
) -> list[Figure]:
    wall = max(r["ended"] for r in results.values()) - min(r["started"] for r in results.values())
    served = stats["requests"] - stats["throttled"]
    floor = stats["requests"] / RATE_LIMIT
    unfinished = sum(r["status"] == "matching" for r in results.values())
    per_hour = PEOPLE / wall * 3600
    upload = max(r["uploaded"] - r["started"] for r in results.values())
    searched = searches_per_title(queries, list(truth))
    items = check["items"]
    tasks = check["tasks"]
    return [
        Figure(f"{PEOPLE} × {titles:,}-title imports at once: wall time to all matched", wall, "s"),
        Figure("slowest upload answer (parse + store + JSON)", upload, "s"),
        Figure("requests the stand-in received (429s included)", stats["requests"], "req"),
        Figure(f"floor: requests ÷ {RATE_LIMIT} req/s", floor, "s"),
        Figure("wall time ÷ floor", wall / floor, "×", at_most(MAX_WALL_OVER_FLOOR)),
        Figure(
            "429s the stand-in sent (the limit shared across processes)",
            stats["throttled"],
            "",
            exactly(0),
        ),
        Figure(
            "busiest second at the stand-in (arrivals)", stats["max_arrivals_per_second"], "req"
        ),
        Figure("imports still matching at the timeout", unfinished, "", exactly(0)),
        Figure(
            "titles searched exactly once (searches for the title as written, 429s aside)",
            sum(n == 1 for n in searched.values()),
            "titles",
            exactly(len(truth)),
            detail=f"{sum(n == 0 for n in searched.values()):,} never, "
            f"{sum(n > 1 for n in searched.values()):,} more than once",
        ),
        Figure(
            "items not looked up at the end (look-up still waiting, or failed)",
            sum(lookup != "done" for _, lookup, _ in items),
            "items",
            exactly(0),
            detail=f"of {len(items):,}",
        ),
        share(
            "items matched to the film their title was made from",
            sum(truth.get(title) == picked for title, _, picked in items),
            len(items),
            exactly(100),
        ),
        Figure(
            "TMDB requests answered (not 429) ÷ look-ups in the cache afterwards",
            served / check["lookups_cached"] if check["lookups_cached"] else None,
            "",
            exactly(1),
            detail=f"{served:,} ÷ {check['lookups_cached']:,}",
        ),
        Figure(
            "matching tasks that did not succeed",
            sum(n for status, n in tasks.items() if status != "SUCCESSFUL"),
            "tasks",
            exactly(0),
            detail=", ".join(f"{k} {v}" for k, v in sorted(tasks.items())),
        ),
        *memory,
        Figure(f"{titles:,}-title imports per hour, whole site (measured)", per_hour, "/h"),
        Figure(
            f"… per db_worker ({DB_WORKERS} workers share the {RATE_LIMIT}/s budget)",
            per_hour / DB_WORKERS,
            "/h",
        ),
        Figure(
            f"… ceiling at {RATE_LIMIT} req/s ({stats['requests'] / PEOPLE:,.0f} requests "
            "per import, 429s included)",
            3600 * RATE_LIMIT / (stats["requests"] / PEOPLE),
            "/h",
        ),
    ]


if __name__ == "__main__":
    import sys

    from bench.__main__ import main

    main(["scale", *sys.argv[1:]])
