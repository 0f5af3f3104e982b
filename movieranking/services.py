"""Writes to a person's rankings. Views, imports and admin all go through these."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from .models import Movie, Ranking


@transaction.atomic
def ranking_update(*, ranking: Ranking, rating: int, rated_at: date) -> Ranking:
    ranking.rating = rating
    ranking.rated_at = rated_at
    ranking.full_clean(exclude=["user", "movie"])
    ranking.save(update_fields=["rating", "rated_at", "updated_at"])
    return ranking


@transaction.atomic
def ranking_delete(*, ranking: Ranking) -> None:
    ranking.delete()


@transaction.atomic
def ranking_set(
    *, user: AbstractBaseUser, movie: Movie, rating: int, rated_at: date
) -> tuple[Ranking, bool]:
    """Create the person's ranking of `movie`, or replace the rating they had. Returns
    (ranking, created)."""
    ranking, created = Ranking.objects.select_for_update().update_or_create(
        user=user, movie=movie, defaults={"rating": rating, "rated_at": rated_at}
    )
    return ranking, created
