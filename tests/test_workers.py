"""Real background work: `manage.py db_worker` processes matching imports from the queue
against the TMDB stand-in, and the import survives a killed worker and dropped database
connections.

PostgreSQL only: the worker is a second process that must share the test database, which an
in-memory SQLite test database cannot be.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from imports import services
from imports.models import ImportItem, ImportSession
from movieranking.models import Movie, Ranking
from tests.fixtures.histories import history
from tests.standin_support import RecordingStandin, film_titles
from tests.tmdb_standin import SYNTHETIC_FIRST_ID

ROOT = Path(__file__).resolve().parent.parent
KEY = "worker-test-key-4b1d"
THREADS = 2
WAIT_SECONDS = 25

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.standin,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a db_worker subprocess needs a database it can share: run with DATABASE_URL "
        "pointing at PostgreSQL",
    ),
]


# --- Plumbing -------------------------------------------------------------------------------


def _database_url() -> str:
    """The *test* database, as the worker process must reach it."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{db['NAME']}"


class Worker:
    """One `manage.py db_worker` process; its output goes to a file for failure messages."""

    def __init__(self, log_path: Path, base_url: str) -> None:
        self.log_path = log_path
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY", "TMDB_READ_TOKEN"}
        }
        env.update(
            DEBUG="true",
            DATABASE_URL=_database_url(),
            TMDB_API_KEY=KEY,
            TMDB_API_BASE_URL=base_url,
            TMDB_RATE_LIMIT="500",
            IMPORT_MATCH_THREADS=str(THREADS),
            IMPORT_STALE_AFTER_SECONDS="10",
            DJANGO_SETTINGS_MODULE="movieranking.settings",
            PYTHONUNBUFFERED="1",
        )
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        try:
            self.kill()
        finally:
            self._log.close()

    def tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:]) or "(no output)"


class Workers:
    """The workers a test started, for starting more and for failure messages."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[Worker] = []

    def start(self, base_url: str) -> Worker:
        worker = Worker(self.log_dir / f"worker-{len(self.started) + 1}.log", base_url)
        self.started.append(worker)
        return worker

    def tails(self) -> str:
        return "\n".join(
            f"--- worker {n} (exit code {w.process.poll()}) ---\n{w.tail()}"
            for n, w in enumerate(self.started, start=1)
        )


@pytest.fixture
def workers(tmp_path):
    """Start workers with `workers.start(base_url)`; every one is killed at the end."""
    pool = Workers(tmp_path)
    try:
        yield pool
    finally:
        for worker in pool.started:
            worker.stop()


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TMDB_API_KEY = KEY


def wait_for(condition: Callable[[], bool], what: str, pool, *, seconds=WAIT_SECONDS) -> None:
    """Poll `condition` until it holds; on time-out fail with what the workers printed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"Timed out after {seconds}s waiting for {what}.\n{pool.tails()}")


def status(session) -> str:
    return ImportSession.objects.values_list("status", flat=True).get(pk=session.pk)


def looked_up(session) -> int:
    return session.items.exclude(lookup=ImportItem.Lookup.WAITING).count()


def upload(owner, titles) -> ImportSession:
    """Upload as the site does: the matching job is queued when the upload commits."""
    result = services.session_create_from_upload(
        owner=owner, file_name="history.csv", data=history(titles)
    )
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    return result.session


def assert_every_film_matched(session, titles) -> None:
    """Every title of the history is one item, matched to its film, none lost or doubled."""
    items = list(session.items.order_by("position"))
    assert [item.position for item in items] == list(range(1, len(titles) + 1))
    assert sorted(item.title for item in items) == sorted(titles)
    expected = {title: SYNTHETIC_FIRST_ID + n for n, title in enumerate(titles)}
    for item in items:
        assert item.lookup == ImportItem.Lookup.DONE, (item.title, item.lookup_error)
        assert item.match_tmdb_id == expected[item.title], item.title


def assert_page_says_all_looked_up(client, session, total: int) -> None:
    html = client.get(reverse("imports:session", args=[session.pk])).content.decode()
    assert f"All {total} films looked up" in html
    assert "hx-trigger" not in html  # the page stopped polling: nothing is running
    assert "look-up failed" not in html and "look-ups failed" not in html
    assert 'role="alert"' not in html
    assert "Review your films" in html


def requeue_when_stale(pool) -> None:
    """Run `requeue_stale_imports` (as cron would) until it hands the session on."""
    out = io.StringIO()

    def requeued() -> bool:
        call_command("requeue_stale_imports", stdout=out)
        return "Re-queued 1" in out.getvalue()

    wait_for(requeued, "requeue_stale_imports to find the stalled import", pool)


# --- The tests ------------------------------------------------------------------------------


def test_a_real_worker_matches_an_upload_looking_each_film_up_once(
    owner, owner_client, db_tasks, settings, workers
):
    titles = film_titles(20)
    with RecordingStandin(latency=0.02, synthetic=len(titles), offline_catalog=False) as tmdb:
        settings.TMDB_API_BASE_URL = tmdb.base_url
        session = upload(owner, titles)
        workers.start(tmdb.base_url)
        wait_for(lambda: status(session) == ImportSession.Status.READY, "matching", workers)
        searches, details = dict(tmdb.searches), dict(tmdb.details)

    assert_every_film_matched(session, titles)
    assert searches == dict.fromkeys(titles, 1)
    assert details == {}
    session.refresh_from_db()
    assert (session.matched_count, session.failed_count, session.problem) == (20, 0, "")
    assert not session.used_offline_catalog
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert_page_says_all_looked_up(owner_client, session, 20)


def test_a_worker_killed_mid_import_is_requeued_and_another_finishes_without_duplicates(
    owner, owner_client, db_tasks, settings, workers
):
    titles = film_titles(40)
    with RecordingStandin(latency=0.1, synthetic=len(titles), offline_catalog=False) as tmdb:
        settings.TMDB_API_BASE_URL = tmdb.base_url
        session = upload(owner, titles)
        first = workers.start(tmdb.base_url)
        wait_for(lambda: looked_up(session) >= 8, "the first films to be matched", workers)

        # The person starts reviewing while matching runs; their work must survive.
        reviewed = list(session.items.filter(lookup=ImportItem.Lookup.DONE)[:3])
        for item in reviewed:
            services.item_add(item=item, rating=4)

        first.kill()
        done_at_kill = looked_up(session)
        assert done_at_kill < len(titles), "the worker finished before it could be killed"
        assert status(session) == ImportSession.Status.MATCHING

        settings.IMPORT_STALE_AFTER_SECONDS = 1
        requeue_when_stale(workers)
        workers.start(tmdb.base_url)
        wait_for(lambda: status(session) == ImportSession.Status.READY, "the requeued run", workers)
        searches = dict(tmdb.searches)

    assert_every_film_matched(session, titles)
    # Films matched before the kill were not asked for again; only those in flight were.
    assert set(searches) == set(titles)
    asked_twice = [title for title, count in searches.items() if count > 1]
    assert all(count <= 2 for count in searches.values())
    assert len(asked_twice) <= 2 * THREADS
    # What the person added while the first worker ran is still there, once.
    for item in reviewed:
        item.refresh_from_db()
        assert item.status == ImportItem.Status.ADDED
    assert Ranking.objects.filter(user=owner).count() == len(reviewed)
    assert Movie.objects.count() == len(reviewed)
    session.refresh_from_db()
    assert (session.matched_count, session.failed_count, session.problem) == (40, 0, "")
    assert session.runner == ""
    assert_page_says_all_looked_up(owner_client, session, 40)


def test_dropped_database_connections_mid_import_leave_it_resumable_and_a_requeue_finishes(
    owner, owner_client, db_tasks, settings, workers
):
    titles = film_titles(40)
    name = connection.settings_dict["NAME"]
    with RecordingStandin(latency=0.1, synthetic=len(titles), offline_catalog=False) as tmdb:
        settings.TMDB_API_BASE_URL = tmdb.base_url
        session = upload(owner, titles)
        workers.start(tmdb.base_url)
        wait_for(lambda: looked_up(session) >= 8, "the first films to be matched", workers)

        # What a PostgreSQL restart does to its clients: every connection but ours is cut.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            assert cursor.fetchall(), "no worker connection was open to cut"
        assert looked_up(session) < len(titles), "matching finished before the cut"

        # Whatever the worker did next, no film is lost: each is matched, marked failed, or
        # still waiting for a run that a requeue (or the person's retry) starts.
        # Longer than the heartbeat interval, so only a run that really stopped looks stale.
        settings.IMPORT_STALE_AFTER_SECONDS = 3
        out = io.StringIO()

        def settled() -> bool:
            if status(session) != ImportSession.Status.MATCHING:
                return True
            call_command("requeue_stale_imports", stdout=out)
            return "Re-queued 1" in out.getvalue()

        wait_for(settled, "the cut run to stop or be requeued", workers)
        items = list(session.items.all())
        assert len(items) == len(titles)
        for item in items:  # each item was written whole, or not at all
            if item.lookup == ImportItem.Lookup.DONE:
                assert item.match_tmdb_id and item.candidates, item.title
            else:
                assert item.match_tmdb_id is None and not item.candidates, item.title

        session.refresh_from_db()
        if session.status == ImportSession.Status.READY:
            # The run noticed and stopped: the page offers the retry, and the retry works.
            page = owner_client.get(reverse("imports:session", args=[session.pk]))
            assert "Retry the films not found yet" in page.content.decode()
            response = owner_client.post(reverse("imports:retry", args=[session.pk]))
            assert response.status_code == 302
        # The first worker may have died with its connection (django_tasks_db cannot record
        # the failed task on a dead connection), as under a real restart: the service
        # manager starts a fresh one. Two workers would share the queue just as well.
        workers.start(tmdb.base_url)
        wait_for(
            lambda: (
                status(session) == ImportSession.Status.READY
                and not session.items.exclude(lookup=ImportItem.Lookup.DONE).exists()
            ),
            "the resumed run to match every film",
            workers,
        )
        searches = dict(tmdb.searches)

    assert_every_film_matched(session, titles)
    assert set(searches) == set(titles)
    assert all(count <= 2 for count in searches.values())
    session.refresh_from_db()
    assert (session.matched_count, session.failed_count, session.problem) == (40, 0, "")
    assert_page_says_all_looked_up(owner_client, session, 40)
