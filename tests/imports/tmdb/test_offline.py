import inspect
import json
from datetime import date

import pytest

from imports.tmdb import MovieSource, TMDBClient, TMDBNotFound
from imports.tmdb.offline import (
    DATA_PATH,
    GENRES,
    OfflineCatalog,
    details_payload,
    normalize,
    search_payload,
)

RECORDS = json.loads(DATA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalog():
    return OfflineCatalog()


def ids(results):
    return [movie.tmdb_id for movie in results]


def test_catalog_holds_hundreds_of_films_with_complete_records():
    assert len(RECORDS) >= 300
    assert len({r["id"] for r in RECORDS}) == len(RECORDS)
    for record in RECORDS:
        assert record["title"] and record["original_title"], record
        assert len(record["original_language"]) == 2, record
        assert date.fromisoformat(record["release_date"]).year >= 1920, record
        assert record["overview"].endswith("."), record
        assert set(record["genre_ids"]) <= set(GENRES), record
        assert 0 <= record["vote_average"] <= 10, record


def test_catalog_uses_real_tmdb_ids_of_well_known_films():
    by_id = {r["id"]: r["title"] for r in RECORDS}
    assert by_id[550] == "Fight Club"
    assert by_id[603] == "The Matrix"
    assert by_id[27205] == "Inception"
    assert by_id[155] == "The Dark Knight"
    assert by_id[680] == "Pulp Fiction"
    assert by_id[13] == "Forrest Gump"
    assert by_id[238] == "The Godfather"
    assert by_id[915935] == "Anatomy of a Fall"


def test_catalog_mixes_languages_and_remake_families():
    languages = {r["original_language"] for r in RECORDS}
    assert {"fr", "de", "es", "it", "ja", "ko", "hi"} <= languages
    years = {}
    for record in RECORDS:
        years.setdefault(record["title"], set()).add(int(record["release_date"][:4]))
    assert {1994, 2019} <= years["The Lion King"]
    assert {1984, 2021} <= years["Dune"]
    assert {1978, 2018} <= years["Halloween"]
    assert {1984, 2016} <= years["Ghostbusters"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Amélie", "amelie"),
        ("WALL·E", "wall e"),
        ("Schindler's List", "schindlers list"),
        ("Spider-Man: No Way Home", "spider man no way home"),
        ("Fast & Furious", "fast and furious"),
        ("  ANATOMIE   d’une CHUTE ", "anatomie dune chute"),
        ("Сталкер", "сталкер"),
    ],
)
def test_normalize_folds_case_accents_and_punctuation(text, expected):
    assert normalize(text) == expected


def test_exact_title_ranks_above_longer_titles(catalog):
    results = catalog.search_movies("The Matrix")

    assert ids(results)[0] == 603
    assert set(ids(results)) == {603, 604, 605, 624860}


def test_localized_titles_find_the_film(catalog):
    assert ids(catalog.search_movies("Der Pate"))[0] == 238
    assert ids(catalog.search_movies("Le Parrain"))[0] == 238
    assert ids(catalog.search_movies("El Padrino"))[0] == 238
    assert ids(catalog.search_movies("Anatomie eines Falls")) == [915935]
    assert ids(catalog.search_movies("Chihiros Reise ins Zauberland")) == [129]


def test_original_title_finds_the_film(catalog):
    assert ids(catalog.search_movies("Anatomie d'une chute")) == [915935]
    assert ids(catalog.search_movies("기생충")) == [496243]
    assert ids(catalog.search_movies("千と千尋の神隠し")) == [129]


def test_search_ignores_accents_case_and_punctuation(catalog):
    assert ids(catalog.search_movies("amelie")) == [194]
    assert ids(catalog.search_movies("LEON THE PROFESSIONAL")) == [101]
    assert 634649 in ids(catalog.search_movies("spiderman no way home"))


def test_year_matches_and_separates_remakes(catalog):
    assert set(ids(catalog.search_movies("The Lion King"))) == {8587, 420818}
    assert ids(catalog.search_movies("The Lion King", year=2019)) == [420818]
    assert ids(catalog.search_movies("Dune", year=1984)) == [841]
    assert ids(catalog.search_movies("Halloween", year=2018)) == [424139]
    assert catalog.search_movies("The Lion King", year=2005) == []


def test_search_returns_at_most_a_page_of_twenty(catalog):
    first = catalog.search_movies("the")
    second = catalog.search_movies("the", page=2)

    assert len(first) == 20
    assert second and not set(ids(first)) & set(ids(second))


def test_blank_or_unknown_queries_find_nothing(catalog):
    assert catalog.search_movies("") == []
    assert catalog.search_movies("  ?! ") == []
    assert catalog.search_movies("qwxzzy flurbo") == []


def test_details_carry_titles_genres_and_runtime(catalog):
    details = catalog.movie_details(238)

    assert details.title == "The Godfather"
    assert details.year == 1972
    assert "Der Pate" in details.alternative_titles
    assert details.genres == ("Drama", "Crime")
    assert details.runtime == 175
    assert details.release_dates == (date(1972, 3, 14),)
    assert details.poster_path is None


def test_unknown_id_is_not_found(catalog):
    with pytest.raises(TMDBNotFound):
        catalog.movie_details(999_999_999)


def test_offline_catalog_answers_like_the_client(catalog):
    assert catalog.offline is True
    assert catalog.request_count == 0
    assert catalog.throttled_count == 0
    assert isinstance(catalog, MovieSource)
    with OfflineCatalog() as other:
        assert other.search_movies("Heat")[0].tmdb_id == 949
    for name in ("search_movies", "movie_details", "close"):
        online = inspect.signature(getattr(TMDBClient, name))
        offline = inspect.signature(getattr(OfflineCatalog, name))
        assert list(online.parameters) == list(offline.parameters), name


def test_payloads_have_tmdbs_shape():
    record = next(r for r in RECORDS if r["id"] == 915935)

    assert set(search_payload(record)) == {
        "adult",
        "backdrop_path",
        "genre_ids",
        "id",
        "original_language",
        "original_title",
        "overview",
        "popularity",
        "poster_path",
        "release_date",
        "title",
        "video",
        "vote_average",
        "vote_count",
    }
    details = details_payload(record)
    assert details["alternative_titles"]["titles"][0]["title"] == "Anatomie eines Falls"
    assert details["release_dates"]["results"][0]["release_dates"][0]["release_date"] == (
        "2023-08-23T00:00:00.000Z"
    )
    assert "genre_ids" not in details
