from datetime import date

import pytest
from django.urls import reverse

from movieranking.models import Ranking
from tests.factories import make_movie, make_ranking
from tests.http import HTMX

pytestmark = pytest.mark.django_db


def test_list_shows_only_my_rankings(owner_client, owner, stranger):
    make_ranking(owner, make_movie("Heat"), rating=5)
    make_ranking(stranger, make_movie("Alien"), rating=2)
    html = owner_client.get(reverse("rankings:list")).content.decode()
    assert "Heat" in html
    assert "Alien" not in html


def test_list_sorts_by_rating_title_and_date(owner_client, owner):
    make_ranking(owner, make_movie("Brazil"), rating=3, rated_at=date(2024, 3, 1))
    make_ranking(owner, make_movie("Amadeus"), rating=1, rated_at=date(2024, 5, 1))
    make_ranking(owner, make_movie("Casablanca"), rating=5, rated_at=date(2024, 1, 1))

    def order(sort):
        page = owner_client.get(reverse("rankings:list"), {"sort": sort}).context["page"]
        return [r.movie.title for r in page]

    assert order("rating") == ["Casablanca", "Brazil", "Amadeus"]
    assert order("title") == ["Amadeus", "Brazil", "Casablanca"]
    assert order("rated") == ["Amadeus", "Brazil", "Casablanca"]


def test_list_filters_by_stars(owner_client, owner):
    make_ranking(owner, make_movie("Brazil"), rating=3)
    make_ranking(owner, make_movie("Casablanca"), rating=5)
    html = owner_client.get(reverse("rankings:list"), {"stars": "5"}).content.decode()
    assert "Casablanca" in html
    assert "Brazil" not in html


def test_list_is_paginated(owner_client, owner):
    for n in range(55):
        make_ranking(owner, make_movie(f"Film number {n:02d}"))
    first = owner_client.get(reverse("rankings:list"), {"sort": "title"})
    second = owner_client.get(reverse("rankings:list"), {"sort": "title", "page": 2})
    assert len(first.context["page"]) == 50
    assert [r.movie.title for r in second.context["page"]][-1] == "Film number 54"
    assert "page=2" in first.content.decode()


def test_bad_filter_values_do_not_break_the_list(owner_client, owner):
    make_ranking(owner, make_movie("Heat"))
    response = owner_client.get(reverse("rankings:list"), {"stars": "9", "sort": "x", "page": "z"})
    assert response.status_code == 200


def test_htmx_filter_returns_only_the_list_fragment(owner_client, owner):
    make_ranking(owner, make_movie("Heat"))
    response = owner_client.get(
        reverse("rankings:list"), {"sort": "rating"}, HTTP_HX_TARGET="ranking-list", **HTMX
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="ranking-list"' in html
    assert "Heat" in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("count", [1, 40])
def test_list_query_count_does_not_grow(owner_client, owner, count, django_assert_max_num_queries):
    for n in range(count):
        make_ranking(owner, make_movie(f"Film {n}"))
    with django_assert_max_num_queries(4):
        response = owner_client.get(reverse("rankings:list"))
    assert len(response.context["page"]) == count


def test_edit_without_htmx_saves_and_redirects(owner_client, owner):
    ranking = make_ranking(owner, rating=2)
    url = reverse("rankings:edit", args=[ranking.pk])
    assert "<html" in owner_client.get(url).content.decode()
    response = owner_client.post(url, {"rating": "5", "rated_at": "2024-06-01"})
    assert response.status_code == 302
    ranking.refresh_from_db()
    assert (ranking.rating, ranking.rated_at) == (5, date(2024, 6, 1))


def test_edit_with_htmx_returns_the_row(owner_client, owner):
    ranking = make_ranking(owner, make_movie("Heat"), rating=2)
    url = reverse("rankings:edit", args=[ranking.pk])
    form_html = owner_client.get(url, **HTMX).content.decode()
    assert "<html" not in form_html
    assert f'id="ranking-{ranking.pk}"' in form_html
    assert 'name="rating"' in form_html
    response = owner_client.post(url, {"rating": "4", "rated_at": "2024-06-01"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert "★★★★☆" in html
    ranking.refresh_from_db()
    assert ranking.rating == 4


def test_edit_rejects_a_bad_rating_and_keeps_the_old_one(owner_client, owner):
    ranking = make_ranking(owner, rating=2)
    url = reverse("rankings:edit", args=[ranking.pk])
    response = owner_client.post(url, {"rating": "7", "rated_at": "2024-06-01"}, **HTMX)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    ranking.refresh_from_db()
    assert ranking.rating == 2


def test_delete_without_htmx_asks_then_removes(owner_client, owner):
    ranking = make_ranking(owner, make_movie("Heat"))
    url = reverse("rankings:delete", args=[ranking.pk])
    confirm = owner_client.get(url)
    assert "Remove Heat?" in confirm.content.decode()
    assert Ranking.objects.filter(pk=ranking.pk).exists()
    response = owner_client.post(url)
    assert response.status_code == 302
    assert not Ranking.objects.filter(pk=ranking.pk).exists()


def test_delete_with_htmx_removes_the_row(owner_client, owner):
    ranking = make_ranking(owner)
    url = reverse("rankings:delete", args=[ranking.pk])
    confirm = owner_client.get(url, **HTMX).content.decode()
    assert "<html" not in confirm and "Remove this film" in confirm
    make_ranking(owner, make_movie("Heat"))
    response = owner_client.post(url, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    # The whole list again, with the count right, in place of the row.
    assert response["HX-Retarget"] == "#ranking-list"
    assert f'id="ranking-{ranking.pk}"' not in html and "1 film<" in html
    assert not Ranking.objects.filter(pk=ranking.pk).exists()


def test_title_order_skips_leading_articles(owner_client, owner):
    for title in ["The Abyss", "Brazil", "A Clockwork Orange", "An American Werewolf"]:
        make_ranking(owner, make_movie(title))
    page = owner_client.get(reverse("rankings:list"), {"sort": "title"}).context["page"]
    titles = [r.movie.title for r in page]
    assert titles == ["The Abyss", "An American Werewolf", "Brazil", "A Clockwork Orange"]


def test_an_empty_filter_value_never_stays_in_the_address(owner_client, owner):
    url = reverse("rankings:list")
    response = owner_client.get(url, {"sort": "title", "stars": ""})
    assert response.status_code == 302 and response["Location"] == f"{url}?sort=title"
    htmx = owner_client.get(
        url, {"sort": "title", "stars": ""}, HTTP_HX_TARGET="ranking-list", **HTMX
    )
    assert htmx["HX-Push-Url"] == f"{url}?sort=title"


def test_saving_and_removing_come_back_to_the_same_sort_and_filter(owner_client, owner):
    ranking = make_ranking(owner, rating=4)
    query = "?sort=title&stars=4&page=1"
    edit = reverse("rankings:edit", args=[ranking.pk]) + query
    response = owner_client.post(edit, {"rating": "4", "rated_at": "2024-06-01"})
    assert response["Location"] == reverse("rankings:list") + "?sort=title&stars=4"
    delete = reverse("rankings:delete", args=[ranking.pk]) + "?stars=9&next=//evil.example"
    response = owner_client.post(delete)
    assert response["Location"] == reverse("rankings:list")
