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
