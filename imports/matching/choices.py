"""What earlier people chose for a title, laid over the matcher's own answer. Pure.

When people added a film for an Amazon title, that film is the best match for everyone who
imports the title later (`imports.learned` keeps the counts). How sure we then are depends on
the people, not on the matcher alone:

- one person: their film is the best match, but the confidence does not rise above what the
  matcher gave that film (or 0.7 when the matcher picked another one): one person can slip;
- several people and nobody chose otherwise: the confidence rises (0.9 for two, 0.95 for
  three, 0.97 for more);
- people disagree: the film most of them chose leads, and the confidence falls with its
  share of the choices, never to 0.85 or more: someone should look.

Films released after the person first watched the title cannot be what they watched, so a
choice made for a remake does not count for someone who watched the original years before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from imports.matching.decide import MAX_ALTERNATIVES, TIMEZONE_SLACK
from imports.matching.types import ItemToMatch, MatchResult
from imports.tmdb import MovieCandidate

PEOPLE_AGREE = {2: 0.9, 3: 0.95}
MANY_PEOPLE_AGREE = 0.97
ONE_PERSON_OVER_THE_MATCHER = 0.7
DISAGREEMENT_CAP = 0.8


@dataclass(frozen=True)
class PeopleChose:
    """How many different people added `candidate` for a title."""

    candidate: MovieCandidate
    people: int


def _in_time(candidate: MovieCandidate, item: ItemToMatch) -> bool:
    first_watch = min(item.watched_on, default=None)
    released = candidate.release_date
    return first_watch is None or released is None or released - first_watch <= TIMEZONE_SLACK


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def with_people_choices(
    item: ItemToMatch, result: MatchResult, choices: Sequence[PeopleChose]
) -> MatchResult:
    """`result` with the film people chose for this title as the best match, its confidence
    set by how many agreed (see the module docstring). Unchanged when nobody chose a film
    that can be the one watched."""
    eligible = [c for c in choices if c.people > 0 and _in_time(c.candidate, item)]
    if not eligible:
        return result
    matcher_pick = result.best.tmdb_id if result.best else None
    top = max(eligible, key=lambda c: (c.people, c.candidate.tmdb_id == matcher_pick))
    agree = top.people
    others = sum(c.people for c in eligible) - agree
    same_as_matcher = top.candidate.tmdb_id == matcher_pick
    matcher_confidence = result.confidence if same_as_matcher else 0.0
    if agree >= 2:
        confidence = max(matcher_confidence, PEOPLE_AGREE.get(agree, MANY_PEOPLE_AGREE))
    else:
        confidence = matcher_confidence if same_as_matcher else ONE_PERSON_OVER_THE_MATCHER
    phrases = [f"chosen by {_people(agree)}"]
    if others:
        confidence = min(DISAGREEMENT_CAP, confidence * agree / (agree + others))
        phrases.append(f"{_people(others)} chose another film")
    if same_as_matcher:
        phrases.append(result.reason)
    else:
        year = top.candidate.year
        phrases.append(f"released {year}" if year else "release date unknown")

    seen = {top.candidate.tmdb_id}
    alternatives = []
    others_chosen = sorted((c for c in eligible if c is not top), key=lambda c: -c.people)
    for candidate in [
        *(c.candidate for c in others_chosen),
        *([result.best] if result.best else []),
        *result.alternatives,
    ]:
        if candidate.tmdb_id not in seen:
            seen.add(candidate.tmdb_id)
            alternatives.append(candidate)
    return replace(
        result,
        best=top.candidate,
        alternatives=tuple(alternatives[:MAX_ALTERNATIVES]),
        confidence=round(max(0.0, min(1.0, confidence)), 3),
        reason="; ".join(phrases),
    )
