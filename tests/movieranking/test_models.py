from datetime import date

import pytest
from django.db import IntegrityError, transaction

from movieranking.models import Movie, Ranking
from tests.factories import make_movie, make_ranking

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rating", [0, 6, 100])
def test_database_refuses_a_rating_outside_one_to_five(owner, rating):
    movie = make_movie()
    with pytest.raises(IntegrityError), transaction.atomic():
        Ranking.objects.create(user=owner, movie=movie, rating=rating, rated_at=date(2024, 1, 1))
    assert not Ranking.objects.exists()


@pytest.mark.parametrize("rating", [1, 5])
def test_database_accepts_the_edges_of_the_scale(owner, rating):
    ranking = make_ranking(owner, rating=rating)
    assert Ranking.objects.get(pk=ranking.pk).rating == rating


def test_one_ranking_per_user_and_movie(owner):
    movie = make_movie()
    make_ranking(owner, movie)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ranking.objects.create(user=owner, movie=movie, rating=3, rated_at=date(2024, 2, 1))
    assert Ranking.objects.filter(user=owner, movie=movie).count() == 1


def test_two_people_can_rank_the_same_movie(owner, stranger):
    movie = make_movie()
    make_ranking(owner, movie, rating=5)
    make_ranking(stranger, movie, rating=1)
    assert movie.rankings.count() == 2


def test_tmdb_id_is_unique():
    make_movie(tmdb_id=603)
    with pytest.raises(IntegrityError), transaction.atomic():
        Movie.objects.create(tmdb_id=603, title="The Matrix again")


def test_poster_url_uses_the_tmdb_image_base(settings):
    settings.TMDB_IMAGE_BASE_URL = "https://image.tmdb.org/t/p/"
    movie = make_movie(poster_path="/abc.jpg")
    assert movie.poster_url("w92") == "https://image.tmdb.org/t/p/w92/abc.jpg"
    assert make_movie(poster_path="").poster_url() == ""
