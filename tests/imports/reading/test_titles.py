import pytest

from imports.reading.titles import (
    BONUS,
    EPISODE,
    LIVE,
    MOVIE,
    PROMO,
    SHORT,
    TRAILER,
    CleanTitle,
    classify,
    clean_title,
    normalize,
)


@pytest.mark.parametrize(
    ("title", "type_value", "expected"),
    [
        # The type column, in every layout and page language.
        ("Dune", "Movie", MOVIE),
        ("Der Pate", "Film", MOVIE),
        ("El laberinto del fauno", "Película", MOVIE),
        ("Cidade de Deus", "Filme", MOVIE),
        ("千と千尋の神隠し", "映画", MOVIE),
        ("臥虎藏龍", "電影", MOVIE),
        ("Fallout - Season 1", "Series", EPISODE),
        ("Babylon Berlin", "Serie", EPISODE),
        ("The Mentalist", "Série", EPISODE),
        ("沈黙の艦隊", "シリーズ", EPISODE),
        ("想見你", "劇集系列", EPISODE),
        ("隐秘的角落", "剧集系列", EPISODE),
        ("Goodrich", "Feature", MOVIE),
        ("Goodrich", '"Feature"', MOVIE),  # the 2025 file's extra quotes
        ("Updating-Clarkson's Farm", "Full", EPISODE),
        ("Pixar Shorts: Bao", "Short", SHORT),
        ("Goodrich", "Promo", PROMO),
        ("Goodrich", "Trailer", TRAILER),
        ("The Words", "TRAILER", TRAILER),  # legacy Entitlement Type
        ("Thursday Night Football", "Live", LIVE),
        ("Thursday Night Football", "LiveStreaming", LIVE),
        # The type says movie, the title knows better.
        ("Episode 0: Official Trailer", "Movie", TRAILER),
        ("Dune: Part Two - Official Trailer", "Movie", TRAILER),
        ("Fallout - Season 1", "Movie", EPISODE),
        ("Updating-Clarkson's Farm - Season 5", "Feature", EPISODE),
        ("The Boys: Bonus Content", "Movie", BONUS),
        # No type column at all (Watch Events): the title alone.
        ("Bonus Content", "", BONUS),
        ("Episode 4: The Target", "", EPISODE),
        ("Épisode 4: Patates Rouges", "", EPISODE),
        ("Folge 4: Die Razzia", "", EPISODE),
        ("Episodio 1: Efectuar lo acordado", "", EPISODE),
        ("The Office S02E03", "", EPISODE),
        ("Show - Season 3", "", EPISODE),
        ("Season 3", "", EPISODE),
        ("The Mentalist: Saison 1 L'intégrale", "", EPISODE),
        ("Babylon Berlin Staffel 2", "", EPISODE),
        ("La casa de papel - Temporada 1", "", EPISODE),
        ("THE OFFICE (TV) - SEASON 01", "", EPISODE),
        ("Doctor Who - Series 2", "", EPISODE),
        ("沈黙の艦隊 シーズン1", "", EPISODE),
        ("想見你 第1季", "", EPISODE),
        # Titles that merely look like one of those stay movies.
        ("Season of the Witch", "", MOVIE),
        ("Season of the Witch", "Movie", MOVIE),
        ("Open Season 2", "Movie", MOVIE),
        ("Series 7: The Contenders", "", MOVIE),
        ("Star Wars: Episode IV - A New Hope", "Movie", MOVIE),
        ("Trailer Park Boys: The Movie", "Movie", MOVIE),
        ("Four Seasons", "", MOVIE),
        ('=HYPERLINK("http://example.com","click")', "Movie", MOVIE),
        ("Some Film", "", MOVIE),
    ],
)
def test_classify_tells_movies_from_episodes_trailers_and_bonus_content(
    title, type_value, expected
):
    assert classify(title, type_value=type_value) == expected


def test_episode_column_without_a_type_means_an_episode():
    assert classify("Some Show", episode_title="The Pilot") == EPISODE


def test_trailer_in_the_episode_column_of_a_movie_row_is_a_trailer():
    assert classify("Dune", type_value="Movie", episode_title="Official Trailer") == TRAILER


def test_unknown_type_word_falls_back_to_the_title():
    assert classify("Dune", type_value="Dokumentarfilm") == MOVIE
    assert classify("Dark - Staffel 1", type_value="Dokumentarfilm") == EPISODE


@pytest.mark.parametrize(
    ("title", "search_title", "year_hint"),
    [
        ("Das Boot [dt./OV]", "Das Boot", None),
        ("Parasite [OV/OmU]", "Parasite", None),
        ("Amélie [OV]", "Amélie", None),
        ("Toni Erdmann [OmU]", "Toni Erdmann", None),
        ("Dune [Ultra HD]", "Dune", None),
        ("The Fall Guy (4K UHD)", "The Fall Guy", None),
        ("Oppenheimer [4K/UHD]", "Oppenheimer", None),
        ("Your Name. (Subbed)", "Your Name.", None),
        ("Spirited Away (Dubbed)", "Spirited Away", None),
        ("Blade Runner (Director's Cut)", "Blade Runner", None),
        ("Blade Runner: The Final Cut", "Blade Runner", None),
        ("Aliens - Extended Edition", "Aliens", None),
        ("Kingdom of Heaven (Theatrical)", "Kingdom of Heaven", None),
        ("Borat Subsequent Moviefilm (Prime Video)", "Borat Subsequent Moviefilm", None),
        ("Halloween (1978)", "Halloween", 1978),
        ("1917 (2019)", "1917", 2019),
        ("Dune (2021) [OV]", "Dune", 2021),
        ("Brazil (1985) (Director's Cut)", "Brazil", 1985),
        ('"Knives Out', "Knives Out", None),
        ('"The Big Lebowski"', "The Big Lebowski", None),
        # Real title words are never touched.
        ("Alien: Covenant", "Alien: Covenant", None),
        ("Mission: Impossible - Dead Reckoning Part One", None, None),
        ("Blade Runner 2049", "Blade Runner 2049", None),
        ("(500) Days of Summer", "(500) Days of Summer", None),
        ('The "Best" Film', 'The "Best" Film', None),
        ("Super 8", "Super 8", None),
        ("Theatrical Cut", "Theatrical Cut", None),
        ('=HYPERLINK("http://example.com","click")', None, None),
        ("  The   Matrix  ", "The Matrix", None),
        ("[OV]", "[OV]", None),  # nothing but a tag: keep it rather than search for nothing
    ],
)
def test_clean_title_drops_edition_tags_and_keeps_a_year_hint(title, search_title, year_hint):
    expected = CleanTitle(search_title=search_title or title, year_hint=year_hint)
    assert clean_title(title) == expected


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Amélie", "Amelie"),
        ("Léon: The Professional", "leon the professional"),
        ("Director's Cut", "directors cut"),
        ("Spider-Man", "spider man"),
        ("WALL·E", "wall e"),
        ("Die Straße", "die strasse"),
        ("  The   Matrix  ", "the matrix"),
        ("Ｔｈｅ Ｍａｔｒｉｘ", "the matrix"),  # full-width letters
    ],
)
def test_normalize_folds_case_accents_and_punctuation(left, right):
    assert normalize(left) == normalize(right)


def test_normalize_keeps_other_scripts():
    assert normalize("千と千尋の神隠し") == "千と千尋の神隠し"
    assert normalize("Зеркала") == "зеркала"


def test_normalize_tells_different_titles_apart():
    assert normalize("Dune") != normalize("Dunes")
    assert normalize("") == ""


@pytest.mark.parametrize(
    "title", ["教父 预告", "教父 预告片", "教父 預告片", "ゴッドファーザー 予告編"]
)
def test_chinese_and_japanese_trailers_are_trailers(title):
    assert classify(title, type_value="電影") == TRAILER
