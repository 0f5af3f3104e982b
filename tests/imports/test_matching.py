"""Matching Amazon titles to TMDB films: real titles, hand-written candidate lists.

TMDB ids are the real ones; vote counts are rounded to what TMDB showed at the time of writing.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imports.matching import (
    ALL_RELEASED_LATER,
    NO_SIMILAR_TITLE,
    ONLY_OTHER_TITLES,
    ItemToMatch,
    MatchQuery,
    ScoredCandidate,
    build_queries,
    decide,
    match_item,
    score_candidates,
    title_similarity,
)
from imports.tmdb import MovieCandidate, MovieDetails, TMDBRateLimited, TMDBUnavailable

CONFIDENT = 0.85


def film(tmdb_id, title, released, *, original_title="", votes=1000):
    return MovieCandidate(
        tmdb_id=tmdb_id,
        title=title,
        original_title=original_title or title,
        release_date=date.fromisoformat(released) if released else None,
        vote_count=votes,
        popularity=votes / 100,
    )


def item(title, *, year=None, watched=("2024-03-01",)):
    return ItemToMatch(
        title=title if year is None else f"{title} ({year})",
        search_title=title,
        year_hint=year,
        watched_on=tuple(date.fromisoformat(day) for day in watched),
    )


def match(to_match, candidates, **alternative_titles):
    return decide(to_match, score_candidates(to_match, candidates, **alternative_titles))


class FakeSearch:
    """Answers by query text (exact, as build_queries writes it) and records every call."""

    def __init__(self, answers, *, error=None):
        self.answers = answers
        self.error = error
        self.calls: list[tuple[str, int | None]] = []

    def __call__(self, text, year):
        self.calls.append((text, year))
        if self.error:
            raise self.error
        return list(self.answers.get((text, year), self.answers.get(text, [])))


LION_KING_1994 = film(8587, "The Lion King", "1994-06-15", votes=18500)
LION_KING_2019 = film(420818, "The Lion King", "2019-07-12", votes=10200)
DUNE_1984 = film(841, "Dune", "1984-12-14", votes=2900)
DUNE_2021 = film(438631, "Dune", "2021-09-15", votes=12600)
DUNE_PART_TWO = film(693134, "Dune: Part Two", "2024-02-27", votes=6500)
ALIEN = film(348, "Alien", "1979-05-25", votes=15000)
ALIENS = film(679, "Aliens", "1986-07-18", votes=9800)
ALIEN_COVENANT = film(126889, "Alien: Covenant", "2017-05-09", votes=8600)
ALIEN_3 = film(8077, "Alien³", "1992-05-22", votes=5000)
TOY_STORY = film(862, "Toy Story", "1995-10-30", votes=18000)
TOY_STORY_2 = film(863, "Toy Story 2", "1999-10-30", votes=13700)
TOY_STORY_3 = film(10193, "Toy Story 3", "2010-06-16", votes=14500)
ANATOMY_OF_A_FALL = film(
    915935, "Anatomy of a Fall", "2023-08-23", original_title="Anatomie d'une chute", votes=2600
)
GODFATHER = film(238, "The Godfather", "1972-03-14", votes=20000)
GODFATHER_II = film(240, "The Godfather Part II", "1974-12-20", votes=12000)
AMELIE = film(
    194, "Amélie", "2001-04-25", original_title="Le Fabuleux Destin d'Amélie Poulain", votes=11000
)
SEVEN = film(807, "Se7en", "1995-09-22", votes=21000)
DEAD_RECKONING = film(
    575264, "Mission: Impossible - Dead Reckoning Part One", "2023-07-08", votes=4000
)
FALLOUT = film(353081, "Mission: Impossible - Fallout", "2018-07-13", votes=8000)


# --- Exact titles and relevance order ----------------------------------------------------


def test_exact_title_is_confident():
    result = match(item("Alien"), [ALIEN])

    assert result.best == ALIEN
    assert result.confidence >= CONFIDENT
    assert result.reason.startswith("exact title; released 1979")


def test_exact_title_wins_when_tmdb_lists_it_seventh():
    # The shape of a real `House` + year=1977 answer: the film itself comes 7th.
    relevance_order = [
        film(27328, "The Fun House", "1977-05-01", votes=25),
        film(106679, "House of Mortal Sin", "1976-02-03", votes=16),
        film(120352, "Heartbreak House", "1977-05-19", votes=0),
        film(263220, "Eleanor and Franklin: The White House Years", "1977-03-13", votes=2),
        film(279993, "Mustang: The House That Joe Built", "1977-07-27", votes=1),
        film(216309, "Red Light in the White House", "1977-06-01", votes=0),
        film(25623, "House", "1977-08-26", original_title="ハウス", votes=259),
        film(56379, "Beach House", "1977-10-27", original_title="Casotto", votes=41),
        film(11906, "Suspiria", "1977-02-01", votes=1542),
    ]

    result = match(item("House", year=1977), relevance_order)

    assert result.best.tmdb_id == 25623
    assert result.confidence >= CONFIDENT
    assert "year in title matches" in result.reason
    assert len(result.alternatives) == 4


# --- Remakes and watch dates -------------------------------------------------------------


def test_remake_released_after_the_first_watch_cannot_be_it():
    result = match(item("The Lion King", watched=("2018-05-02",)), [LION_KING_2019, LION_KING_1994])

    assert result.best == LION_KING_1994
    assert result.confidence >= CONFIDENT
    assert result.reason == (
        "exact title; released 1994; only candidate released before you watched it"
    )
    assert result.alternatives == (LION_KING_2019,)


@pytest.mark.parametrize("watched", ["2022-02-01", "2023-06-10"])
def test_same_title_remakes_without_a_year_hint_are_ambiguous(watched):
    result = match(item("Dune", watched=(watched,)), [DUNE_1984, DUNE_2021, DUNE_PART_TWO])

    assert result.best == DUNE_2021  # only the vote count tells them apart
    assert result.confidence < CONFIDENT
    assert "2 films with this title; picked the more popular" in result.reason
    assert DUNE_1984 in result.alternatives


def test_year_in_title_settles_a_remake():
    result = match(item("Dune", year=2021, watched=("2023-06-10",)), [DUNE_1984, DUNE_2021])

    assert result.best == DUNE_2021
    assert result.confidence >= CONFIDENT
    assert result.reason == "exact title; released 2021; year in title matches"


def test_year_in_title_beats_popularity():
    result = match(item("Dune", year=1984), [DUNE_2021, DUNE_1984])

    assert result.best == DUNE_1984
    assert result.confidence >= CONFIDENT


def test_year_in_title_far_off_lowers_confidence():
    result = match(item("Alien", year=2003), [ALIEN])

    assert result.best == ALIEN
    assert result.confidence < 0.7
    assert "year in title says 2003" in result.reason


def test_famous_film_against_an_obscure_namesake_stays_confident():
    parasite = film(496243, "Parasite", "2019-05-30", original_title="기생충", votes=18000)
    obscure = film(27036, "Parasite", "1982-03-12", votes=120)

    result = match(item("Parasite"), [obscure, parasite])

    assert result.best == parasite
    assert result.confidence >= CONFIDENT
    assert "2 films with this title; the other is little known" in result.reason


def test_watch_date_before_every_release_matches_nothing():
    result = match(item("Dune", watched=("2020-01-05",)), [DUNE_2021, DUNE_PART_TWO])

    assert result.best is None
    assert result.confidence == 0
    assert result.reason == ALL_RELEASED_LATER
    assert DUNE_2021 in result.alternatives


def test_release_a_day_after_the_watch_date_is_a_time_zone_shift():
    # Exporter dates are local midnight written in UTC: east of UTC they read a day early.
    result = match(item("Anatomy of a Fall", watched=("2023-08-22",)), [ANATOMY_OF_A_FALL])

    assert result.best == ANATOMY_OF_A_FALL
    assert result.confidence >= CONFIDENT


def test_release_a_week_after_the_watch_date_is_heavily_penalised():
    result = match(item("Anatomy of a Fall", watched=("2023-08-16",)), [ANATOMY_OF_A_FALL])

    assert result.best == ANATOMY_OF_A_FALL
    assert result.confidence < 0.5
    assert "released just after you first watched it" in result.reason


def test_earliest_release_from_details_counts_for_the_watch_date():
    # Seen at a festival in May, before the August theatrical release TMDB calls primary.
    to_match = item("Anatomy of a Fall", watched=("2023-05-22",))
    scored = score_candidates(
        to_match, [ANATOMY_OF_A_FALL], earliest_release={915935: date(2023, 5, 21)}
    )

    assert decide(to_match, scored).best == ANATOMY_OF_A_FALL


def test_unknown_release_date_is_a_weak_candidate():
    undated = film(999001, "Alien", None, votes=3)

    result = match(item("Alien"), [undated, ALIEN])

    assert result.best == ALIEN
    alone = match(item("Alien"), [undated])
    assert alone.best == undated
    assert alone.confidence < CONFIDENT
    assert "release date unknown" in alone.reason


# --- Sequels and numerals ----------------------------------------------------------------


def test_alien_prefers_alien_over_its_sequels():
    result = match(item("Alien"), [ALIEN_COVENANT, ALIENS, ALIEN_3, ALIEN])

    assert result.best == ALIEN
    assert result.confidence >= CONFIDENT


def test_aliens_prefers_aliens_over_alien():
    result = match(item("Aliens"), [ALIEN, ALIEN_COVENANT, ALIENS])

    assert result.best == ALIENS
    assert result.confidence >= CONFIDENT


def test_sequel_alone_is_only_a_partial_match():
    result = match(item("Alien"), [ALIEN_COVENANT])

    assert result.best == ALIEN_COVENANT
    assert result.confidence < 0.7


def test_roman_numeral_matches_arabic_sequel_number():
    result = match(item("Toy Story II"), [TOY_STORY, TOY_STORY_3, TOY_STORY_2])

    assert result.best == TOY_STORY_2
    assert result.confidence >= CONFIDENT
    assert result.reason.startswith("same title written differently")


def test_different_sequel_number_is_not_a_close_title():
    result = match(item("Toy Story 2"), [TOY_STORY, TOY_STORY_3])

    assert result.confidence < 0.7


# --- Localized titles --------------------------------------------------------------------


def test_localized_title_matches_the_original_title():
    result = match(item("Anatomie d'une chute"), [ANATOMY_OF_A_FALL])

    assert result.best == ANATOMY_OF_A_FALL
    assert result.confidence >= CONFIDENT
    assert result.reason.startswith("matches the original title")


def test_localized_title_matches_an_alternative_title():
    to_match = item("Anatomie eines Falls")
    titles = {915935: ["Anatomie d'une chute", "Anatomie eines Falls", "Anatomía de una caída"]}

    result = match(to_match, [ANATOMY_OF_A_FALL], alternative_titles=titles)

    assert result.best == ANATOMY_OF_A_FALL
    assert result.confidence >= CONFIDENT
    assert result.reason.startswith("matches a translated title")


def test_translated_title_is_found_through_details():
    search = FakeSearch({"Der Pate": [GODFATHER, GODFATHER_II]})
    alternative_titles = {238: ("Der Pate", "Le Parrain"), 240: ("Der Pate – Teil II",)}
    fetched = []

    def details(tmdb_id):
        fetched.append(tmdb_id)
        head = {238: GODFATHER, 240: GODFATHER_II}[tmdb_id]
        return MovieDetails(
            tmdb_id=tmdb_id,
            title=head.title,
            original_title=head.original_title,
            release_date=head.release_date,
            alternative_titles=alternative_titles[tmdb_id],
        )

    result = match_item(item("Der Pate"), search=search, details=details)

    assert result.best == GODFATHER
    assert result.confidence >= CONFIDENT
    assert result.reason.startswith("matches a translated title")
    assert len(fetched) <= 2
    assert len(search.calls) == 1


def fake_details(alternative_titles, films=(SEVEN, GODFATHER, GODFATHER_II)):
    def details(tmdb_id):
        head = next(c for c in films if c.tmdb_id == tmdb_id)
        return MovieDetails(
            tmdb_id=tmdb_id,
            title=head.title,
            original_title=head.original_title,
            release_date=head.release_date,
            vote_count=head.vote_count,
            alternative_titles=alternative_titles.get(tmdb_id, ()),
        )

    return details


def test_obscure_namesake_does_not_hide_a_famous_translated_title():
    # German account: "Sieben" is Se7en, not the little-known film that is called that.
    namesake = film(999002, "Sieben", "2004-03-01", votes=4)
    search = FakeSearch({"Sieben": [namesake, SEVEN]})

    result = match_item(
        item("Sieben"), search=search, details=fake_details({807: ("Sieben", "Seven")})
    )

    assert result.best == SEVEN
    assert "2 films with this title; the other is little known" in result.reason


def test_remakes_sharing_a_translated_title_are_ambiguous():
    cinderella_1950 = film(11224, "Cinderella", "1950-02-22", votes=6500)
    cinderella_2015 = film(150689, "Cinderella", "2015-03-12", votes=8000)
    to_match = item("La Cenicienta", watched=("2019-01-01",))
    # Only the 1950 film's translated titles are known: its remake counts as a namesake.
    scored = score_candidates(
        to_match, [cinderella_1950, cinderella_2015], alternative_titles={11224: ["La Cenicienta"]}
    )

    result = decide(to_match, scored)

    assert result.best == cinderella_1950
    assert result.confidence < CONFIDENT
    assert "2 films with this title" in result.reason


def test_translated_title_without_details_is_not_a_match():
    result = match_item(item("Der Pate"), search=FakeSearch({"Der Pate": [GODFATHER]}))

    assert result.best is None
    assert result.confidence == 0
    assert result.alternatives == (GODFATHER,)


def test_details_are_not_fetched_when_the_title_matches():
    def details(tmdb_id):
        raise AssertionError("no details needed for an exact title")

    result = match_item(item("Alien"), search=FakeSearch({"Alien": [ALIEN]}), details=details)

    assert result.best == ALIEN


# --- Punctuation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amazon_title", "expected"),
    [
        ("Mission: Impossible – Dead Reckoning Part One", DEAD_RECKONING),
        ("Mission: Impossible - Dead Reckoning Part One", DEAD_RECKONING),
        ("Mission Impossible Dead Reckoning Part 1", DEAD_RECKONING),
        ("Amelie", AMELIE),
        ("Amélie", AMELIE),
        ("Se7en", SEVEN),
        ("Godfather, The", GODFATHER),
    ],
)
def test_punctuation_and_accents_do_not_matter(amazon_title, expected):
    candidates = [FALLOUT, DEAD_RECKONING, AMELIE, SEVEN, GODFATHER, GODFATHER_II]

    result = match(item(amazon_title), candidates)

    assert result.best == expected
    assert result.confidence >= CONFIDENT


def test_shortened_title_is_a_close_match_only():
    rogue_one = film(330459, "Rogue One: A Star Wars Story", "2016-12-14", votes=16000)

    result = match(item("Rogue One"), [rogue_one])

    assert result.best == rogue_one
    assert 0 < result.confidence < 0.7


# --- Nothing to find ---------------------------------------------------------------------


def test_no_candidates_means_no_match_and_says_no_similar_title():
    result = match(item("The Big Lebowski"), [])

    assert result.best is None
    assert result.alternatives == ()
    assert result.confidence == 0
    assert result.reason == NO_SIMILAR_TITLE


def test_only_unrelated_candidates_mean_no_match():
    unrelated = [
        film(10331, "Big", "1988-06-03"),
        film(26955, "The Bigamist", "1953-12-25"),
        film(254320, "The Lobster", "2015-10-15"),
    ]

    result = match(item("The Big Lebowski"), unrelated)

    assert result.best is None
    assert result.confidence == 0
    assert result.reason == ONLY_OTHER_TITLES


# --- Queries -----------------------------------------------------------------------------


def test_queries_use_the_year_in_the_title_first_then_none():
    queries = build_queries(item("Dune", year=2021, watched=("2023-06-10",)))

    assert queries[:2] == [MatchQuery("Dune", 2021), MatchQuery("Dune", None)]


def test_queries_never_use_the_watch_year():
    queries = build_queries(item("Toy Story 2", watched=("2019-01-01", "2023-06-10")))

    assert queries
    assert {query.year for query in queries} == {None}


def test_queries_move_a_trailing_article_to_the_front():
    assert build_queries(item("Matrix, The"))[0] == MatchQuery("The Matrix", None)


@pytest.mark.parametrize(
    ("title", "fallback"),
    [
        ("Toy Story 2", "Toy Story II"),
        ("Rocky II", "Rocky 2"),
        ("Dune: Part Two", "Dune: Part 2"),
        ("Dune: Part Two", "Dune: Part II"),
        ("Fast & Furious", "Fast and Furious"),
        ("Harry Potter and the Deathly Hallows", "Harry Potter & the Deathly Hallows"),
        ("Mission: Impossible - Dead Reckoning Part One", "Mission: Impossible"),
        ("Borat Subsequent Moviefilm: Delivery of Prodigious Bribe", "Borat Subsequent Moviefilm"),
    ],
)
def test_queries_include_fallbacks(title, fallback):
    assert MatchQuery(fallback, None) in build_queries(item(title))[1:]


def test_queries_leave_numbers_that_are_not_sequel_numbers_alone():
    assert build_queries(item("12 Angry Men")) == [MatchQuery("12 Angry Men", None)]


def test_queries_are_unique():
    queries = build_queries(item("Alien", year=1979))

    assert len(queries) == len(set(queries))


def test_empty_title_gives_no_queries():
    assert build_queries(ItemToMatch("", "", None, ())) == []


# --- The whole match ---------------------------------------------------------------------


def test_match_stops_after_the_first_confident_query():
    search = FakeSearch({("Dune", 2021): [DUNE_2021], "Dune": [DUNE_1984, DUNE_2021]})

    result = match_item(item("Dune", year=2021), search=search)

    assert search.calls == [("Dune", 2021)]
    assert result.best == DUNE_2021
    assert result.queries_tried == (MatchQuery("Dune", 2021),)


def test_match_tries_fallbacks_until_one_is_confident():
    search = FakeSearch({"Toy Story 2": [TOY_STORY, TOY_STORY_2]})

    result = match_item(item("Toy Story II"), search=search)

    assert search.calls == [("Toy Story II", None), ("Toy Story 2", None)]
    assert result.best == TOY_STORY_2
    assert result.confidence >= CONFIDENT


def test_match_stops_at_an_ambiguous_exact_title():
    # Looser searches cannot tell remakes apart; they would only cost requests.
    search = FakeSearch({"The Lion King": [LION_KING_1994, LION_KING_2019]})

    result = match_item(item("The Lion King", watched=("2023-01-01",)), search=search)

    assert len(search.calls) == 1
    assert result.confidence < CONFIDENT


def test_match_merges_candidates_across_queries():
    search = FakeSearch(
        {"Mission: Impossible – Dead Reckoning": [FALLOUT], "Mission: Impossible": [FALLOUT]}
    )

    result = match_item(item("Mission: Impossible – Dead Reckoning"), search=search)

    assert len(search.calls) == len(build_queries(item("Mission: Impossible – Dead Reckoning")))
    assert [result.best, *result.alternatives].count(FALLOUT) <= 1


def test_match_with_no_answers_tries_every_query():
    search = FakeSearch({})

    result = match_item(item("Toy Story 2"), search=search)

    assert result.best is None
    assert result.reason == NO_SIMILAR_TITLE
    assert len(result.queries_tried) == len(search.calls) == 2


@pytest.mark.parametrize("error", [TMDBRateLimited("429"), TMDBUnavailable("timeout")])
def test_match_lets_tmdb_errors_through(error):
    with pytest.raises(type(error)):
        match_item(item("Alien"), search=FakeSearch({}, error=error))


def test_match_lets_details_errors_through():
    def details(tmdb_id):
        raise TMDBUnavailable("timeout")

    with pytest.raises(TMDBUnavailable):
        match_item(item("Der Pate"), search=FakeSearch({"Der Pate": [GODFATHER]}), details=details)


# --- Properties --------------------------------------------------------------------------

words = st.sampled_from(["alien", "Dune", "the", "II", "2", "Part", "Amélie", "&", ":", "-", "x"])
titles = st.lists(words, min_size=0, max_size=5).map(" ".join)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31))
candidates = st.builds(
    MovieCandidate,
    tmdb_id=st.integers(1, 40),
    title=titles,
    original_title=titles,
    release_date=st.none() | dates,
    vote_count=st.integers(0, 50_000),
)
items = st.builds(
    ItemToMatch,
    title=titles,
    search_title=titles,
    year_hint=st.none() | st.integers(1900, 2030),
    watched_on=st.lists(dates, max_size=3).map(lambda days: tuple(sorted(days))),
)


@given(items, st.lists(candidates, max_size=8, unique_by=lambda c: c.tmdb_id))
def test_decision_is_always_well_formed(to_match, found):
    scored = score_candidates(to_match, found)
    result = decide(to_match, scored)

    assert all(isinstance(s, ScoredCandidate) and 0 <= s.score <= 1 for s in scored)
    assert 0 <= result.confidence <= 1
    assert len(result.alternatives) <= 4
    assert result.best is None or result.best not in result.alternatives
    assert (result.best is None) == (result.confidence == 0)


@given(items)
def test_queries_only_ever_use_the_year_in_the_title(to_match):
    assert {query.year for query in build_queries(to_match)} <= {None, to_match.year_hint}


@given(items, st.lists(st.lists(candidates, max_size=5), min_size=1, max_size=6))
def test_match_is_always_well_formed(to_match, answers):
    calls = []

    def search(text, year):
        calls.append((text, year))
        return answers[(len(calls) - 1) % len(answers)]

    result = match_item(to_match, search=search)

    assert 0 <= result.confidence <= 1
    assert len(result.alternatives) <= 4
    assert result.best is None or result.best not in result.alternatives
    assert [(q.text, q.year) for q in result.queries_tried] == calls


# --- What an unmatched title says --------------------------------------------------------


def test_unrelated_results_are_offered_without_claiming_there_is_nothing_similar():
    # TMDB's first page for a one-letter title is full of other films.
    results = [film(446021, "M3GAN", "2022-12-28"), film(918, "M*A*S*H", "1970-01-25")]
    search = FakeSearch({"M": results})

    result = match_item(item("M"), search=search)

    assert result.best is None
    assert {c.tmdb_id for c in result.alternatives} == {446021, 918}
    assert result.reason == ONLY_OTHER_TITLES
    assert "no film" not in result.reason


def test_title_in_brackets_is_searched_without_them_too():
    rec = film(8329, "[REC]", "2007-08-29", votes=3500)
    search = FakeSearch({"REC": [rec]})

    result = match_item(item("[REC]"), search=search)

    assert result.best == rec
    assert result.confidence >= CONFIDENT
    assert ("REC", None) in search.calls


def test_famous_film_beats_an_obscure_one_whose_title_is_written_exactly_so():
    # German Prime Video calls The Matrix "Matrix"; a 1993 TV film of that name has 12 votes.
    matrix = film(603, "The Matrix", "1999-03-30", votes=25000)
    obscure = film(90000012, "Matrix", "1993-03-01", votes=12)

    result = match(item("Matrix", watched=("2024-05-01",)), [obscure, matrix])

    assert result.best == matrix
    assert result.confidence >= CONFIDENT
    assert "little known" in result.reason


def test_obscure_exact_title_still_wins_when_its_year_is_written():
    matrix = film(603, "The Matrix", "1999-03-30", votes=25000)
    obscure = film(90000012, "Matrix", "1993-03-01", votes=12)

    result = match(item("Matrix", year=1993, watched=("2024-05-01",)), [obscure, matrix])

    assert result.best == obscure


@pytest.mark.parametrize(
    ("written", "alternative"),
    [
        ("ゴッドファーザー PART2", "ゴッドファーザー PART II"),
        ("Rocky Part2", "Rocky Part II"),
        ("Kill Bill Vol2", "Kill Bill Vol. 2"),
    ],
)
def test_a_sequel_number_written_against_its_word_is_the_same_title(written, alternative):
    assert title_similarity(written, alternative) >= 0.97


def test_a_sequel_number_against_its_word_is_searched_in_the_other_numerals_too():
    texts = [query.text for query in build_queries(item("ゴッドファーザー PART2"))]
    assert "ゴッドファーザー PART II" in texts


MULAN_1998 = film(10674, "Mulan", "1998-06-18", votes=9500)
MULAN_2020 = film(337401, "Mulan", "2020-09-04", votes=5500)


def test_remake_released_within_the_year_before_the_watch_is_the_one_watched():
    result = match(item("Mulan", watched=("2020-09-10",)), [MULAN_1998, MULAN_2020])

    assert result.best == MULAN_2020
    assert result.confidence < CONFIDENT  # still a guess between two films of one title
    assert "released in the year before you watched" in result.reason


def test_remake_released_long_before_the_watch_is_no_clue():
    result = match(item("Mulan", watched=("2023-09-10",)), [MULAN_1998, MULAN_2020])

    assert result.best == MULAN_1998  # the more popular
    assert result.confidence < CONFIDENT


def test_recent_obscure_namesake_does_not_beat_a_famous_film():
    heat = film(949, "Heat", "1995-12-15", votes=7000)
    tv_film = film(90000017, "Heat", "2024-01-01", votes=30)

    result = match(item("Heat", watched=("2024-06-01",)), [heat, tv_film])

    assert result.best == heat
