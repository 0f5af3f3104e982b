from datetime import date, timedelta

import pytest
from django.utils import timezone

from imports import selectors, services
from imports.models import ImportItem, ImportSession
from movieranking.models import Movie, Ranking
from tests.factories import candidate, make_item, make_movie, make_ranking, make_session

pytestmark = pytest.mark.django_db


def test_add_creates_the_ranking_with_the_last_watch_date(owner):
    session = make_session(owner)
    item = make_item(session, title="Heat", tmdb_id=949)
    services.item_add(item=item, rating=4)
    ranking = Ranking.objects.get(user=owner)
    assert (ranking.movie.tmdb_id, ranking.movie.title, ranking.rating) == (949, "Heat", 4)
    assert ranking.rated_at == date(2024, 2, 10)
    item.refresh_from_db()
    assert item.status == ImportItem.Status.ADDED
    assert item.ranking == ranking


def test_add_with_a_chosen_date(owner):
    item = make_item(make_session(owner))
    services.item_add(item=item, rating=2, rated_at=date(2020, 1, 2))
    assert Ranking.objects.get(user=owner).rated_at == date(2020, 1, 2)


def test_adding_twice_creates_one_ranking(owner):
    item = make_item(make_session(owner))
    services.item_add(item=item, rating=5)
    with pytest.raises(services.ItemNotActionable):
        services.item_add(item=item, rating=3)
    assert Ranking.objects.filter(user=owner).count() == 1
    assert Ranking.objects.get(user=owner).rating == 5


def test_add_when_already_ranked_asks_then_replaces(owner):
    movie = make_movie("Heat", tmdb_id=949)
    make_ranking(owner, movie, rating=2, rated_at=date(2019, 1, 1))
    item = make_item(make_session(owner), title="Heat", tmdb_id=949)
    with pytest.raises(services.AlreadyRanked) as raised:
        services.item_add(item=item, rating=5)
    assert raised.value.ranking.rating == 2
    services.item_add(item=item, rating=5, replace=True)
    assert Ranking.objects.get(user=owner, movie=movie).rating == 5
    # Undo puts the old rating back instead of deleting the person's ranking.
    services.item_undo(session=item.session)
    ranking = Ranking.objects.get(user=owner, movie=movie)
    assert (ranking.rating, ranking.rated_at) == (2, date(2019, 1, 1))


def test_add_without_a_match_is_refused(owner):
    item = make_item(make_session(owner), candidates=[], status=ImportItem.Status.UNMATCHED)
    with pytest.raises(services.ItemNotActionable):
        services.item_add(item=item, rating=3)
    assert not Ranking.objects.exists()


def test_undo_brings_a_skipped_film_back_to_review(owner):
    session = make_session(owner)
    item = make_item(session)
    services.item_skip(item=item)
    item.refresh_from_db()
    assert item.status == ImportItem.Status.SKIPPED
    undone = services.item_undo(session=session)
    assert undone.pk == item.pk
    item.refresh_from_db()
    assert item.status == ImportItem.Status.PENDING


def test_undo_takes_back_the_last_action_only(owner):
    session = make_session(owner)
    first, second = make_item(session, title="Alien"), make_item(session, title="Heat")
    services.item_add(item=first, rating=5)
    services.item_add(item=second, rating=3)
    services.item_undo(session=session)
    assert list(Ranking.objects.values_list("movie__title", flat=True)) == ["Alien"]
    services.item_undo(session=session)
    assert not Ranking.objects.exists()
    assert services.item_undo(session=session) is None


def test_choosing_an_alternative_makes_it_the_match_with_full_confidence(owner):
    item = make_item(make_session(owner), title="Dune")
    alternative = item.candidates[1]["tmdb_id"]
    services.item_choose_candidate(item=item, tmdb_id=alternative)
    item.refresh_from_db()
    assert item.match_tmdb_id == alternative
    assert item.best["title"] == "Dune Returns"
    assert (item.confidence, item.reason) == (1.0, "chosen by you")


def test_choose_a_film_found_by_hand_on_an_unmatched_item(owner):
    item = make_item(make_session(owner), candidates=[], status=ImportItem.Status.UNMATCHED)
    found = candidate(438631, "Dune", 2021)
    services.item_choose_candidate(item=item, tmdb_id=438631, candidate=found)
    item.refresh_from_db()
    assert item.status == ImportItem.Status.PENDING
    services.item_add(item=item, rating=4)
    assert Movie.objects.get(tmdb_id=438631).year == 2021


def test_choose_an_unknown_film_without_its_data_is_refused(owner):
    item = make_item(make_session(owner))
    with pytest.raises(services.ItemNotActionable):
        services.item_choose_candidate(item=item, tmdb_id=1)


def test_reviewing_the_last_film_completes_the_import(owner):
    session = make_session(owner)
    only = make_item(session)
    services.item_skip(item=only)
    session.refresh_from_db()
    assert session.status == ImportSession.Status.COMPLETED
    services.item_undo(session=session)
    session.refresh_from_db()
    assert session.status == ImportSession.Status.READY


def test_cancel_keeps_added_rankings_and_blocks_further_adds(owner):
    session = make_session(owner)
    added, left = make_item(session), make_item(session)
    services.item_add(item=added, rating=4)
    services.session_cancel(session=session)
    session.refresh_from_db()
    assert session.status == ImportSession.Status.CANCELLED
    assert Ranking.objects.filter(user=owner).count() == 1
    with pytest.raises(services.ItemNotActionable):
        services.item_add(item=left, rating=4)


def test_prune_removes_expired_sessions_but_not_rankings(owner):
    old = make_session(owner, expires_at=timezone.now() - timedelta(days=1))
    services.item_add(item=make_item(old), rating=3)
    fresh = make_session(owner)
    assert services.sessions_prune() == 1
    assert list(ImportSession.objects.all()) == [fresh]
    assert Ranking.objects.filter(user=owner).count() == 1


def test_counts_tell_added_skipped_and_pending_films_apart(owner):
    session = make_session(owner)
    items = [make_item(session) for _ in range(4)]
    services.item_add(item=items[0], rating=4)
    services.item_skip(item=items[1])
    session.refresh_from_db()
    counts = selectors.session_counts(session)
    assert (counts["total"], counts["added"], counts["skipped"], counts["pending"]) == (4, 1, 1, 2)


def test_counts_kept_on_the_import_match_its_items_after_every_step(owner):
    from imports import counters

    make_ranking(owner, make_movie("Known", tmdb_id=4242))
    session = make_session(owner)
    items = [make_item(session) for _ in range(5)]
    items.append(make_item(session, tmdb_id=4242))
    items.append(make_item(session, candidates=[], status=ImportItem.Status.UNMATCHED))
    steps = [
        lambda: services.item_add(item=items[0], rating=4),
        lambda: services.item_skip(item=items[1]),
        lambda: services.item_keep_existing(item=items[5]),
        lambda: services.item_skip(item=items[6]),
        lambda: services.item_reopen(item=items[6]),
        lambda: services.item_choose_candidate(
            item=items[6], tmdb_id=77, candidate=candidate(77, "Found")
        ),
        lambda: services.item_add(item=items[6], rating=2),
        lambda: services.item_undo(session=session),
        lambda: services.item_reopen(item=items[1]),
        lambda: services.item_add(item=items[5], rating=1, replace=True),
        lambda: services.item_undo(session=session),
        lambda: services.item_undo(session=session),
    ]
    fields = list(counters.COUNTER.values())
    for step in steps:
        step()
        session.refresh_from_db()
        kept = [getattr(session, field) for field in fields]
        assert kept == [getattr(counters.recount(session), field) for field in fields]
    assert (
        selectors.session_counts(session)["pending"]
        == session.items.filter(status=ImportItem.Status.PENDING).count()
    )
