"""Writes to a person's rankings. Views, imports and admin all go through these.

They join the caller's transaction without a savepoint of their own: the database's
constraints (rating 1–5, one ranking per person and film) are the last word, and a
violation rolls back the whole step it was part of.
"""

from datetime import date

from django.db import connection, transaction
from django.utils import timezone

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


def ranking_create(*, user_id: int, movie: Movie, rating: int, rated_at: date) -> Ranking | None:
    """The person's new ranking of `movie`, or None when they already have one.

    One statement, and the one-per-person-and-film constraint decides: when two requests
    rank the same film at once, one creates the ranking and the other waits for it, then
    gets None — never a duplicate, never an error, never a silent overwrite."""
    now = timezone.now()
    ops, meta = connection.ops, Ranking._meta
    columns = ["user", "movie", "rating", "rated_at", "created_at", "updated_at"]
    names = ", ".join(ops.quote_name(meta.get_field(name).column) for name in columns)
    unique = ", ".join(ops.quote_name(meta.get_field(name).column) for name in ("user", "movie"))
    values = [
        user_id,
        movie.pk,
        rating,
        ops.adapt_datefield_value(rated_at),
        ops.adapt_datetimefield_value(now),
        ops.adapt_datetimefield_value(now),
    ]
    # The ORM's bulk_create(ignore_conflicts=True) cannot say whether it inserted anything.
    # Table and column names come from the model; values are parameters.
    table, pk = ops.quote_name(meta.db_table), ops.quote_name(meta.pk.column)
    sql = (
        f"INSERT INTO {table} ({names}) VALUES (%s, %s, %s, %s, %s, %s) "  # noqa: S608
        f"ON CONFLICT ({unique}) DO NOTHING RETURNING {pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return None
    ranking = Ranking(
        pk=row[0],
        user_id=user_id,
        movie=movie,
        rating=rating,
        rated_at=rated_at,
        created_at=now,
        updated_at=now,
    )
    ranking._state.adding = False
    return ranking


def ranking_delete_unreferenced(*, ranking: Ranking) -> None:
    """Delete a ranking the caller holds locked and that no import item points at any
    more (the caller has checked): one statement, without Django's look for rows to
    unlink first."""
    ops, meta = connection.ops, Ranking._meta
    sql = f"DELETE FROM {ops.quote_name(meta.db_table)} WHERE {ops.quote_name(meta.pk.column)} = %s"  # noqa: S608 - names from the model
    with connection.cursor() as cursor:
        cursor.execute(sql, [ranking.pk])


def movie_save(*, tmdb_id: int, **fields) -> Movie:
    """The film's row, created or brought up to date with `fields` (TMDB's current data)
    in one statement; two requests saving the same film at once get one row."""
    movie = Movie(tmdb_id=tmdb_id, **fields)
    Movie.objects.bulk_create(
        [movie],
        update_conflicts=True,
        unique_fields=["tmdb_id"],
        update_fields=[*fields, "updated_at"],
    )
    return movie
