"""The film people chose for a title, laid over the matcher's answer: who leads, how sure."""

from datetime import date

import pytest

from imports.matching import ItemToMatch, MatchResult
from imports.matching.choices import PeopleChose, with_people_choices
from tests.fakes import film

DUNE_2021 = film(438631, "Dune", "2021-09-15")
DUNE_1984 = film(841, "Dune", "1984-12-14")
HEAT = film(949, "Heat", "1995-12-15")


def item(watched="2023-06-01") -> ItemToMatch:
    return ItemToMatch("Dune", "Dune", None, (date.fromisoformat(watched),))


def matcher(best=DUNE_2021, confidence=0.6, alternatives=(DUNE_1984,)) -> MatchResult:
    return MatchResult(best, alternatives, confidence, "exact title; released 2021", ())


def test_nobody_chose_leaves_the_matcher_alone():
    result = matcher()
    assert with_people_choices(item(), result, []) is result


def test_one_person_agreeing_with_the_matcher_adds_no_confidence():
    result = with_people_choices(item(), matcher(confidence=0.6), [PeopleChose(DUNE_2021, 1)])
    assert result.best == DUNE_2021 and result.confidence == 0.6
    assert result.reason == "chosen by 1 person; exact title; released 2021"


def test_one_person_over_the_matcher_leads_but_is_not_sure():
    result = with_people_choices(item(), matcher(confidence=0.97), [PeopleChose(DUNE_1984, 1)])
    assert result.best == DUNE_1984
    assert result.confidence < 0.85
    assert result.alternatives[0] == DUNE_2021  # the matcher's pick is one click away
    assert result.reason == "chosen by 1 person; released 1984"


@pytest.mark.parametrize(("people", "at_least"), [(2, 0.9), (3, 0.95), (4, 0.97), (40, 0.97)])
def test_several_people_agreeing_and_nobody_otherwise_raise_the_confidence(people, at_least):
    result = with_people_choices(item(), matcher(), [PeopleChose(DUNE_1984, people)])
    assert result.best == DUNE_1984 and result.confidence >= at_least
    assert result.reason.startswith(f"chosen by {people} people")


def test_agreement_never_lowers_a_confident_matcher():
    result = with_people_choices(item(), matcher(confidence=0.98), [PeopleChose(DUNE_2021, 2)])
    assert result.confidence == 0.98


@pytest.mark.parametrize(("agree", "disagree"), [(2, 1), (5, 1), (1, 1), (3, 2)])
def test_disagreement_lowers_the_confidence_below_sure(agree, disagree):
    unanimous = with_people_choices(item(), matcher(), [PeopleChose(DUNE_1984, agree)])
    split = with_people_choices(
        item(), matcher(), [PeopleChose(DUNE_1984, agree), PeopleChose(DUNE_2021, disagree)]
    )
    assert split.best == DUNE_1984 if agree > disagree else split.best in (DUNE_1984, DUNE_2021)
    assert split.confidence < 0.85
    assert split.confidence <= unanimous.confidence
    others = "1 person" if disagree == 1 else f"{disagree} people"
    assert f"{others} chose another film" in split.reason


def test_a_tie_goes_to_the_matchers_pick():
    result = with_people_choices(
        item(), matcher(), [PeopleChose(DUNE_1984, 2), PeopleChose(DUNE_2021, 2)]
    )
    assert result.best == DUNE_2021


def test_a_film_released_after_the_watch_cannot_have_been_chosen_for_it():
    # Watched in 2016: the people who chose the 2021 film watched later.
    result = with_people_choices(
        item("2016-03-01"),
        matcher(best=DUNE_1984, confidence=0.9, alternatives=()),
        [PeopleChose(DUNE_2021, 5), PeopleChose(DUNE_1984, 1)],
    )
    assert result.best == DUNE_1984
    assert result.reason.startswith("chosen by 1 person;")  # the 2021 votes do not count
    assert "another film" not in result.reason


def test_people_find_what_the_matcher_did_not():
    nothing = MatchResult(None, (HEAT,), 0.0, "TMDB's nearest results have other titles", ())
    result = with_people_choices(item(), nothing, [PeopleChose(DUNE_1984, 3)])
    assert result.best == DUNE_1984 and result.confidence >= 0.95
    assert result.alternatives == (HEAT,)
