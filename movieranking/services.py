"""Writes to a person's rankings. Views, imports and admin all go through these.

They join the caller's transaction without a savepoint of their own: the database's
constraints (rating 1–5, one ranking per person and film) are the last word, and a
violation rolls back the whole step it was part of.
"""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from .models import Movie, Ranking


@transaction.atomic(savepoint=False)
def ranking_update(*, ranking: Ranking, rating: int, rated_at: date) -> Ranking:
    ranking.rating = rating
    ranking.rated_at = rated_at
    ranking.save(update_fields=["rating", "rated_at", "updated_at"])
    return ranking


@transaction.atomic(savepoint=False)
def ranking_delete(*, ranking: Ranking) -> None:
    ranking.delete()


@transaction.atomic(savepoint=False)
def ranking_set(
    *,
    user: AbstractBaseUser,
    movie: Movie,
    rating: int,
    rated_at: date,
    current: Ranking | None = None,
) -> tuple[Ranking, bool]:
    """Create the person's ranking of `movie`, or replace the rating they had (`current`,
    when the caller already holds it locked). Returns (ranking, created)."""
    if current is None:
        current = Ranking.objects.select_for_update().filter(user=user, movie=movie).first()
    if current is not None:
        return ranking_update(ranking=current, rating=rating, rated_at=rated_at), False
    return Ranking.objects.create(user=user, movie=movie, rating=rating, rated_at=rated_at), True


def movie_save(*, tmdb_id: int, **fields) -> Movie:
    """The film's row, created or brought up to date with `fields` (TMDB's current data).
    An unchanged film is not rewritten; two requests creating it at once get one row."""
    movie = Movie.objects.filter(tmdb_id=tmdb_id).first()
    if movie is None:
        try:
            with transaction.atomic():
                return Movie.objects.create(tmdb_id=tmdb_id, **fields)
        except IntegrityError:
            # Someone saved the same film a moment ago.
            movie = Movie.objects.get(tmdb_id=tmdb_id)
    changed = [name for name, value in fields.items() if getattr(movie, name) != value]
    if changed:
        for name in changed:
            setattr(movie, name, fields[name])
        movie.save(update_fields=[*changed, "updated_at"])
    return movie
