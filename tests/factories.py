"""Small hand-written factories: each returns a saved object with sensible defaults."""

import itertools
from datetime import date

from django.contrib.auth import get_user_model

from movieranking.models import Movie, Ranking

_ids = itertools.count(100_000)
PASSWORD = "a-long-test-password-42"


def make_user(username: str | None = None, **extra):
    username = username or f"user{next(_ids)}"
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)


def make_movie(title: str | None = None, **fields) -> Movie:
    tmdb_id = fields.pop("tmdb_id", next(_ids))
    release_date = fields.pop("release_date", date(2001, 5, 4))
    return Movie.objects.create(
        tmdb_id=tmdb_id,
        title=title or f"Film {tmdb_id}",
        release_date=release_date,
        year=release_date.year if release_date else None,
        **fields,
    )


def make_ranking(user, movie: Movie | None = None, **fields) -> Ranking:
    fields.setdefault("rating", 4)
    fields.setdefault("rated_at", date(2024, 1, 15))
    return Ranking.objects.create(user=user, movie=movie or make_movie(), **fields)


def candidate(tmdb_id: int, title: str, year: int | None = 2001, **extra) -> dict:
    """A TMDB candidate as import items store it."""
    return {
        "tmdb_id": tmdb_id,
        "title": title,
        "original_title": extra.pop("original_title", title),
        "original_language": "en",
        "release_date": f"{year}-05-04" if year else None,
        "year": year,
        "overview": extra.pop("overview", f"{title} is a film."),
        "poster_path": extra.pop("poster_path", None),
        "popularity": 10.0,
        "vote_average": 7.0,
        "vote_count": 1000,
        "genre_ids": [18],
        **extra,
    }


def make_session(owner, *, items: int = 0, **fields):
    from imports.models import ImportSession

    fields.setdefault("status", ImportSession.Status.READY)
    fields.setdefault("layout", "exporter-v3")
    fields.setdefault("layout_label", "Browser exporter v3")
    fields.setdefault("file_name", "history.csv")
    fields.setdefault("file_sha256", f"{next(_ids):064d}")
    session = ImportSession.objects.create(owner=owner, movies_found=items, **fields)
    if items:
        from imports.models import ImportItem

        ImportItem.objects.bulk_create(
            [_unsaved_item(session, position) for position in range(1, items + 1)],
            batch_size=1000,
        )
        session.matched_count = items
        session.save(update_fields=["matched_count"])
    return session


def make_item(session, *, position: int | None = None, title: str | None = None, **fields):
    position = position or session.items.count() + 1
    item = _unsaved_item(session, position, title, **fields)
    item.save()
    _count_items(session)
    return item


def _count_items(session) -> None:
    """The import's counts, as upload and matching would have kept them."""
    from imports import counters
    from imports.models import ImportItem

    counters.recount(session)
    session.movies_found = session.items.count()
    session.matched_count = session.items.filter(lookup=ImportItem.Lookup.DONE).count()
    session.failed_count = session.items.filter(lookup=ImportItem.Lookup.FAILED).count()
    session.save(update_fields=["movies_found", "matched_count", "failed_count"])


def _unsaved_item(session, position: int, title: str | None = None, **fields):
    from imports.models import ImportItem

    title = title or f"Film {position}"
    tmdb_id = fields.pop("tmdb_id", next(_ids))
    candidates = fields.pop(
        "candidates",
        [
            candidate(tmdb_id, title, 2001),
            candidate(tmdb_id + 500_000, f"{title} Returns", 2011),
        ],
    )
    fields.setdefault("lookup", ImportItem.Lookup.DONE)
    fields.setdefault("confidence", 0.95)
    fields.setdefault("reason", "exact title")
    fields.setdefault("watched_on", ["2023-01-05", "2024-02-10"])
    fields.setdefault("first_watched_on", date(2023, 1, 5))
    fields.setdefault("last_watched_on", date(2024, 2, 10))
    fields.setdefault("watch_count", 2)
    return ImportItem(
        session=session,
        position=position,
        title=title,
        search_title=title,
        candidates=candidates,
        match_tmdb_id=candidates[0]["tmdb_id"] if candidates else None,
        **fields,
    )
