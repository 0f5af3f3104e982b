"""Review steps racing each other on PostgreSQL: two tabs, two imports of the same film,
an undo against an add. Real threads, each with its own database connection, released
together by a barrier; many rounds, so the interleavings that matter come up.

Whatever the timing: one ranking per person and film, the second add is told the film is
already ranked (keep or replace), every added item points at a ranking that exists, the
counts kept on each import match its items, and nothing answers 500 or deadlocks.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from imports import counters, services
from imports.models import ImportItem, ImportSession
from movieranking.models import Ranking
from tests.factories import make_item, make_session, make_user
from tests.http import HTMX

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and concurrent transactions need PostgreSQL: set DATABASE_URL",
    ),
]

ROUNDS = 12


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; each result, or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(n: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[n] = call()
        except Exception as error:  # the test looks at what each call ended with
            results[n] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a step never finished"
    return results


def assert_consistent(owner) -> None:
    """Every added item has a ranking that exists; no film is ranked twice; each import's
    kept counts are what counting its items gives."""
    assert not ImportItem.objects.filter(status=ImportItem.Status.ADDED, ranking=None).exists()
    twice = (
        Ranking.objects.filter(user=owner).values("movie").annotate(n=Count("pk")).filter(n__gt=1)
    )
    assert not twice.exists()
    for session in ImportSession.objects.filter(owner=owner):
        kept = [getattr(session, field) for field in counters.COUNTER.values()]
        recounted = counters.recount(session)
        assert kept == [getattr(recounted, field) for field in counters.COUNTER.values()]


def someone_else_added(tmdb_id: int, title: str) -> None:
    """The film is known already, as it is for most adds: another person ranked it."""
    services.item_add(
        item=make_item(make_session(make_user()), title=title, tmdb_id=tmdb_id), rating=3
    )


def two_imports_of_one_film(owner, tmdb_id: int) -> tuple[ImportItem, ImportItem]:
    someone_else_added(tmdb_id, "Heat")
    first = make_item(make_session(owner), title="Heat", tmdb_id=tmdb_id)
    second = make_item(make_session(owner), title="Heat", tmdb_id=tmdb_id)
    return first, second


def test_two_imports_adding_one_film_at_once_make_one_ranking(owner):
    for round_ in range(ROUNDS):
        tmdb_id = 9000 + round_
        first, second = two_imports_of_one_film(owner, tmdb_id)
        results = at_once(
            lambda first=first: services.item_add(item=first, rating=5),
            lambda second=second: services.item_add(item=second, rating=2),
        )
        kinds = Counter(type(result).__name__ for result in results)
        assert kinds == {"ImportItem": 1, "AlreadyRanked": 1}, results
        [ranking] = Ranking.objects.filter(user=owner, movie__tmdb_id=tmdb_id)
        [winner] = [r for r in results if isinstance(r, ImportItem)]
        assert ranking.rating == (5 if winner.pk == first.pk else 2)
        assert ImportItem.objects.get(pk=winner.pk).ranking == ranking
        [refused] = [r for r in results if isinstance(r, services.AlreadyRanked)]
        assert refused.ranking == ranking
        loser = second if winner.pk == first.pk else first
        assert ImportItem.objects.get(pk=loser.pk).status == ImportItem.Status.PENDING
    assert_consistent(owner)


def test_two_tabs_adding_one_film_listed_twice_answer_without_a_500(owner):
    session = make_session(owner)
    for n in range(ROUNDS):
        someone_else_added(7000 + n, f"Film {n}")
    pairs = [
        (
            make_item(session, title=f"Film {n}", tmdb_id=7000 + n),
            make_item(session, title=f"Film {n}", tmdb_id=7000 + n),
        )
        for n in range(ROUNDS)
    ]

    def tab(position: int, rating: int) -> Callable[[], tuple[int, str]]:
        def post() -> tuple[int, str]:
            client = Client()
            client.force_login(owner)
            path = reverse("imports:add", args=[session.pk, position])
            response = client.post(path, {"rating": str(rating)}, **HTMX)
            return response.status_code, response.content.decode()

        return post

    for first, second in pairs:
        answers = at_once(tab(first.position, 4), tab(second.position, 1))
        assert all(not isinstance(answer, Exception) for answer in answers), answers
        assert [status for status, _ in answers] == [200, 200]
        added = [html for _, html in answers if "Added Film" in html]
        asked = [html for _, html in answers if "Added Film" not in html]
        assert len(added) == len(asked) == 1
        assert "Keep my rating" in asked[0], "the second add is asked to keep or replace"
        assert Ranking.objects.filter(user=owner, movie__tmdb_id=first.match_tmdb_id).count() == 1
    assert_consistent(owner)


def test_an_undo_racing_an_add_that_replaces_its_rating_leaves_every_item_ranked(owner):
    for round_ in range(ROUNDS):
        first, second = two_imports_of_one_film(owner, 8000 + round_)
        services.item_add(item=first, rating=5)
        results = at_once(
            lambda first=first: services.item_undo(session=first.session),
            lambda second=second: services.item_add(item=second, rating=2, replace=True),
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        second.refresh_from_db()
        assert second.status == ImportItem.Status.ADDED
        assert second.ranking is not None and second.ranking.rating == 2
        assert ImportItem.objects.get(pk=first.pk).status == ImportItem.Status.PENDING
    assert_consistent(owner)


def test_adds_skips_and_undos_in_two_tabs_never_deadlock_or_miscount(owner):
    session = make_session(owner, items=40)
    client_a, client_b = Client(), Client()
    client_a.force_login(owner)
    client_b.force_login(owner)

    def steps(client: Client, positions: range, action: str) -> Callable[[], list[int]]:
        def run() -> list[int]:
            statuses = []
            for position in positions:
                path = reverse(f"imports:{action}", args=[session.pk, position])
                statuses.append(client.post(path, {"rating": "3"}, **HTMX).status_code)
                undo = reverse("imports:undo", args=[session.pk])
                statuses.append(client.post(undo, **HTMX).status_code)
                statuses.append(client.post(path, {"rating": "4"}, **HTMX).status_code)
            return statuses

        return run

    results = at_once(steps(client_a, range(1, 21), "add"), steps(client_b, range(1, 21), "skip"))
    assert all(isinstance(r, list) and set(r) == {200} for r in results), results
    assert_consistent(owner)
