"""The posters we draw: balanced lines, readable colours, signed addresses, cached for good."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from movieranking import posters
from tests.factories import make_movie

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("title", "lines"),
    [
        ("Heat", ["Heat"]),
        ("Spirited Away", ["Spirited", "Away"]),
        ("The Big Lebowski", ["The Big", "Lebowski"]),
        ("The Lord of the Rings: The Return of the King", 4),
        ("Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb", 4),
        ("Anatomy of a Fall", 2),
    ],
)
def test_titles_are_set_in_balanced_lines(title, lines):
    got = posters.title_lines(title)
    if isinstance(lines, list):
        assert got == lines
    else:
        assert len(got) == lines
        lengths = [len(line) for line in got]
        assert max(lengths) - min(lengths) <= 8  # balanced, not one long line and a stub


def test_a_title_of_several_words_takes_two_to_four_lines():
    for title in ["Up There", "A Quiet Place Part II", "Three Billboards Outside Ebbing, Missouri"]:
        assert 2 <= len(posters.title_lines(title)) <= 4


def test_long_words_and_long_titles_never_overflow():
    assert posters.title_lines("Supercalifragilisticexpialidocious")[0].endswith("…")
    assert all(len(line) <= 22 for line in posters.title_lines("word " * 60))


def test_titles_without_spaces_break_between_characters():
    lines = posters.title_lines("千と千尋の神隠しと不思議な町の物語")
    assert 2 <= len(lines) <= 4 and "".join(lines) == "千と千尋の神隠しと不思議な町の物語"


def test_white_text_keeps_its_contrast_on_every_colour():
    for tmdb_id in range(0, 3600):
        for colour in posters.colours(tmdb_id):
            assert posters.contrast_with_white(colour) >= 4.5, (tmdb_id, colour)


def test_the_colour_comes_from_the_id():
    assert posters.colours(603) == posters.colours(603)
    assert posters.colours(603) != posters.colours(604)


def test_the_drawing_is_svg_with_the_title_escaped():
    svg = posters.poster_svg(1, "<script>alert(1)</script> & Co", 1999)
    assert svg.startswith("<svg") and "<script>" not in svg
    assert "&lt;script&gt;" in svg and ">1999<" in svg


def test_the_poster_address_is_signed_and_cached_for_good(client):
    path = posters.poster_path(603, "The Matrix", 1999)
    response = client.get(path)  # signed out: the landing page shows posters too
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert (
        "immutable" in response["Cache-Control"] and "max-age=31536000" in response["Cache-Control"]
    )
    assert ">The Matrix<" not in response.content.decode()  # two lines
    assert ">The<" in response.content.decode() and ">Matrix<" in response.content.decode()
    query = parse_qs(urlsplit(path).query)
    forged = reverse("poster", args=[603]) + f"?title=Buy+now&year=1999&sig={query['sig'][0]}"
    assert client.get(forged).status_code == 404
    assert client.get(reverse("poster", args=[604]) + f"?{urlsplit(path).query}").status_code == 404


def test_a_movie_with_a_tmdb_poster_uses_it_and_one_without_gets_ours(settings):
    from movieranking.templatetags.posters import poster_src

    with_poster = make_movie("Heat", poster_path="/heat.jpg")
    without = make_movie("Alien", poster_path="")
    assert poster_src(with_poster, "w92") == f"{settings.TMDB_IMAGE_BASE_URL}w92/heat.jpg"
    assert poster_src(without).startswith(f"/posters/{without.tmdb_id}.svg?title=Alien")
    assert poster_src({"tmdb_id": 5, "title": "Brazil", "year": 1985}).startswith("/posters/5.svg")
