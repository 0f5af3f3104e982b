"""Scoring TMDB candidates against an Amazon title and its watch dates, and deciding on the
best match, its alternatives, a confidence and a reason. Pure.

Confidence is calibrated so that at 0.85 or more the pick is right at least 199 times in 200.
`make bench` measures it on two labelled sets. `hardcases` (bench/data/hardcases): 16 histories
in every layout and all ten exporter locales, 423 films, against a catalog with remakes,
same-title films, obscure namesakes and localized titles; the run of 2026-12-01 had 376 of 376
picks at confidence ≥ 0.85 right, 20 of 24 at 0.6–0.85, top-1 99.1 % (the worst file 96.3 %);
the four misses are remakes nothing in the file tells apart from their originals, all at 0.6.
`calibration`: 3,033 generated Amazon-style variants of the offline catalog's 536 films, where
2,624 of 2,625 picks at ≥ 0.85 were right.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from functools import partial

from imports.matching.titles import EXACT, SAME_TITLE, build_queries, title_similarity
from imports.matching.types import ItemToMatch, MatchQuery, MatchResult, ScoredCandidate
from imports.reading.titles import normalize
from imports.tmdb import MovieCandidate, MovieDetails

NO_SIMILAR_TITLE = "no film on TMDB with a similar title"
# Said instead of NO_SIMILAR_TITLE when TMDB did answer: its results are offered to pick from.
ONLY_OTHER_TITLES = "TMDB's nearest results have other titles: pick one or search"
ALL_RELEASED_LATER = "every film with a similar title came out after you watched it"

PLAUSIBLE = 0.6  # below this a title does not resemble the query at all
# Feature films rarely run under 70 minutes; episodes (up to about an hour), trailers and
# extras do.
FEATURE_SECONDS = 70 * 60
GOOD_TITLE = 0.9  # below this, ask TMDB for alternative titles (the hit may be a translation)
MAX_ALTERNATIVES = 4
DETAILS_BUDGET = 2  # details requests per item; the API is rate-limited

# Watch dates are local midnight written in UTC, so a film "released tomorrow" is usually a
# time-zone artefact; a couple of weeks later is a premiere or festival screening at most.
TIMEZONE_SLACK = timedelta(days=2)
PREMIERE_SLACK = timedelta(days=14)
# A remake watched within a year of its release is most likely the remake: new films are
# what a streaming service puts in front of people.
NEW_RELEASE = timedelta(days=365)

# How much a year hint or the release-vs-watch fit scales a candidate's score.
YEAR_FACTOR = {None: 1.0, "exact": 1.0, "near": 0.95, "unknown": 0.85, "far": 0.6}
RELEASE_FACTOR = {"before": 1.0, "undated_watch": 1.0, "unknown": 0.85, "just_after": 0.5}
# Starting confidence for a title matched exactly / the same once written one way,
# by which of the film's titles it matched. Translated titles are shared more often.
EXACT_CONFIDENCE = {"title": 0.97, "original": 0.96, "alternative": 0.92}
SAME_TITLE_CONFIDENCE = {"title": 0.93, "original": 0.92, "alternative": 0.88}
SOURCE_PHRASES = {
    "original": "matches the original title",
    "alternative": "matches a translated title",
}
YEAR_IN_TITLE_EFFECT = {
    None: (1.0, ""),
    "exact": (1.02, "year in title matches"),
    "near": (0.93, "year in title is one off"),
    "far": (0.5, "year in title says {hint}"),
    "unknown": (1.0, ""),  # already "release date unknown"
}


# --- Scoring -----------------------------------------------------------------------------


def _release_fit(released: date | None, first_watch: date | None) -> str:
    if released is None:
        return "unknown"
    if first_watch is None:
        return "undated_watch"
    late_by = released - first_watch
    if late_by <= TIMEZONE_SLACK:
        return "before"
    return "just_after" if late_by <= PREMIERE_SLACK else "after"


def _year_fit(year: int | None, hint: int | None) -> str | None:
    if hint is None:
        return None
    if year is None:
        return "unknown"
    return {0: "exact", 1: "near"}.get(abs(year - hint), "far")


def score_candidates(
    item: ItemToMatch,
    candidates: Iterable[MovieCandidate],
    *,
    alternative_titles: Mapping[int, Sequence[str]] = {},
    earliest_release: Mapping[int, date] = {},
) -> list[ScoredCandidate]:
    """Score each candidate against the item; best first. Films released after the first
    watch stay in the list with score 0 so `decide` can say why they lost."""
    query = item.search_title or item.title
    first_watch = min(item.watched_on, default=None)
    scored = []
    for candidate in candidates:
        titles = [("title", candidate.title), ("original", candidate.original_title)]
        titles += [("alternative", alt) for alt in alternative_titles.get(candidate.tmdb_id, ())]
        # max() keeps the first of equals, so the display title wins ties.
        similarity, source = max(
            ((title_similarity(query, text), source) for source, text in titles if text),
            key=lambda pair: pair[0],
            default=(0.0, "title"),
        )
        releases = [
            d for d in (candidate.release_date, earliest_release.get(candidate.tmdb_id)) if d
        ]
        release_fit = _release_fit(min(releases, default=None), first_watch)
        year_fit = _year_fit(candidate.year, item.year_hint)
        score = similarity * YEAR_FACTOR[year_fit] * RELEASE_FACTOR.get(release_fit, 0.0)
        similarity, score = round(similarity, 4), round(score, 4)
        scored.append(ScoredCandidate(candidate, score, similarity, source, release_fit, year_fit))
    return sorted(scored, key=_rank_key, reverse=True)


def _rank_key(scored: ScoredCandidate) -> tuple[float, float]:
    # Votes only break near-ties (same-title remakes): worth at most 0.015 of score.
    votes = min(1.0, math.log10(1 + scored.candidate.vote_count) / 5)
    return (scored.score + 0.015 * votes, scored.title_similarity)


# --- Deciding ----------------------------------------------------------------------------


def _title_phrase(best: ScoredCandidate) -> tuple[float, str]:
    if best.title_similarity >= SAME_TITLE:
        exact = best.title_similarity >= EXACT
        table = EXACT_CONFIDENCE if exact else SAME_TITLE_CONFIDENCE
        phrase = SOURCE_PHRASES.get(best.title_source)
        phrase = phrase or ("exact title" if exact else "same title written differently")
        return table[best.title_source], phrase
    # Fuzzy matches stay below 0.7 however close: "Aliens" is not "Alien".
    confidence = min(0.68, 0.2 + (best.title_similarity - PLAUSIBLE) * 1.6)
    return confidence, "close title" if best.title_similarity >= 0.85 else "similar title"


def _is_rival(other: ScoredCandidate, best: ScoredCandidate) -> bool:
    if other.title_similarity >= SAME_TITLE:
        return other.score > best.score - 0.04
    # A remake shares its translated titles with the original, but we may have fetched only
    # one film's: a namesake of a film matched by another title counts as matched the same way.
    as_if_matched = best.title_similarity * YEAR_FACTOR[other.year_fit]
    as_if_matched *= RELEASE_FACTOR.get(other.release_fit, 0.0)
    namesake = normalize(other.candidate.title) == normalize(best.candidate.title)
    return best.title_source != "title" and namesake and as_if_matched > best.score - 0.04


def _famous_over_obscure(plausible: list[ScoredCandidate]) -> ScoredCandidate:
    """The best-ranked candidate — unless it is an obscure film whose title is written
    exactly so while a famous one has the same title written one way and fits the dates as
    well ("Matrix", a TV film with 12 votes, beside The Matrix): people stream the famous one."""
    best = plausible[0]
    for other in plausible[1:]:
        if (
            other.title_similarity >= SAME_TITLE
            and (other.release_fit, other.year_fit) == (best.release_fit, best.year_fit)
            and other.candidate.vote_count >= 1000
            and other.candidate.vote_count + 1 >= 30 * (best.candidate.vote_count + 1)
        ):
            return other
    return best


def _new_release(
    best: ScoredCandidate, in_time: list[ScoredCandidate], first_watch: date | None
) -> ScoredCandidate:
    """Among films of one title that nothing else tells apart, the one released in the year
    before the first watch — unless it is little known beside the others (a TV film)."""
    if first_watch is None:
        return best
    for other in in_time:
        released = other.candidate.release_date
        if (
            other is not best
            and released is not None
            and (best.candidate.release_date is None or released > best.candidate.release_date)
            and timedelta(0) <= first_watch - released <= NEW_RELEASE
            and 10 * other.candidate.vote_count >= best.candidate.vote_count
            and _is_rival(other, best)
        ):
            return other
    return best


def _same_title_rivals(
    best: ScoredCandidate, in_time: list[ScoredCandidate], *, new_release: bool = False
) -> tuple[float, str]:
    """Cap confidence when other films share the title and nothing tells them apart."""
    rivals = [s for s in in_time if s is not best and _is_rival(s, best)]
    if not rivals:
        return 1.0, ""
    if new_release:
        count = len(rivals) + 1
        return (
            0.6,
            f"{count} films with this title; picked the one released in the year before "
            "you watched",
        )
    rival_votes = max(s.candidate.vote_count for s in rivals)
    count = len(rivals) + 1
    if best.candidate.vote_count < rival_votes:
        return 0.6, f"{count} films with this title; picked the closest match"
    dominance = (best.candidate.vote_count + 1) / (rival_votes + 1)
    if dominance >= 30 and best.candidate.vote_count >= 1000:
        # A famous film against an obscure namesake (a short, a TV film): still the one
        # people stream.
        others = "the other is" if count == 2 else "the others are"
        return 0.86, f"{count} films with this title; {others} little known"
    cap = 0.6 if dominance < 3 else 0.7 if dominance < 10 else 0.78
    most = "more" if count == 2 else "most"
    return cap, f"{count} films with this title; picked the {most} popular"


def decide(item: ItemToMatch, scored: list[ScoredCandidate]) -> MatchResult:
    """Pick the best candidate and say how sure we are and why."""
    ranked = sorted(scored, key=_rank_key, reverse=True)
    released_later = [s for s in ranked if s.release_fit == "after"]
    in_time = [s for s in ranked if s.release_fit != "after"]
    plausible = [s for s in in_time if s.title_similarity >= PLAUSIBLE]
    if not plausible:
        similar_later = any(s.title_similarity >= PLAUSIBLE for s in released_later)
        nearest = tuple(s.candidate for s in (in_time + released_later)[:MAX_ALTERNATIVES])
        reason = ALL_RELEASED_LATER if similar_later else NO_SIMILAR_TITLE
        return MatchResult(
            best=None,
            alternatives=nearest,
            confidence=0.0,
            reason=ONLY_OTHER_TITLES if nearest and reason == NO_SIMILAR_TITLE else reason,
            queries_tried=(),
        )
    best = _famous_over_obscure(plausible)
    newer = _new_release(best, in_time, min(item.watched_on, default=None))
    new_release = newer is not best
    best = newer
    confidence, title_phrase = _title_phrase(best)
    phrases = [title_phrase]
    year = best.candidate.year
    phrases.append(f"released {year}" if year else "release date unknown")
    if year is None:
        confidence *= 0.75
    factor, year_phrase = YEAR_IN_TITLE_EFFECT[best.year_fit]
    confidence = min(1.0, confidence * factor)
    if year_phrase:
        phrases.append(year_phrase.format(hint=item.year_hint))
    if best.release_fit == "just_after":
        confidence *= 0.5
        phrases.append("released just after you first watched it")

    cap, rival_phrase = _same_title_rivals(best, in_time, new_release=new_release)
    close_behind = [s for s in plausible[1:] if s.score > best.score - 0.08]
    if rival_phrase:
        confidence = min(confidence, cap)
        phrases.append(rival_phrase)
    elif close_behind and best.title_similarity < SAME_TITLE:
        confidence *= 0.85
        phrases.append("another candidate is almost as close")
    elif any(s.title_similarity >= min(best.title_similarity, SAME_TITLE) for s in released_later):
        phrases.append("only candidate released before you watched it")

    alternatives = [s for s in in_time if s is not best] + released_later
    return MatchResult(
        best=best.candidate,
        alternatives=tuple(s.candidate for s in alternatives[:MAX_ALTERNATIVES]),
        confidence=round(max(0.0, min(1.0, confidence)), 3),
        reason="; ".join(phrases),
        queries_tried=(),
    )


def probably_not_a_film(result: MatchResult, *, seconds_watched: int | None) -> bool:
    """For files that do not say which rows are films (Amazon's Watch Events): an entry
    played for less than a feature's length that matches no film at PLAUSIBLE or more is
    probably an episode or an extra, and is set aside rather than offered for review."""
    return (
        seconds_watched is not None
        and seconds_watched < FEATURE_SECONDS
        and result.confidence < PLAUSIBLE
    )


# --- The whole match ---------------------------------------------------------------------


def match_item(
    item: ItemToMatch,
    *,
    search: Callable[[str, int | None], list[MovieCandidate]],
    details: Callable[[int], MovieDetails] | None = None,
    enough: float = 0.85,
) -> MatchResult:
    """Run `build_queries` in order until one gives a confident match, merging candidates
    across queries. When no title matches well (or only an obscure namesake of a far more
    popular hit does), fetch details (alternative titles, every release date) for at most two
    hits: TMDB search also matches translated titles, so "Der Pate" finds The Godfather.
    Errors from `search` and `details` propagate (the caller retries).
    An exact title found without a year filter ends the search too: looser queries only add
    less similar titles, and cannot tell same-title remakes apart."""
    candidates: dict[int, MovieCandidate] = {}  # by tmdb_id, in first-seen relevance order
    alternative_titles: dict[int, tuple[str, ...]] = {}  # also marks whose details we have
    earliest_release: dict[int, date] = {}
    tried: list[MatchQuery] = []
    rescore = partial(
        score_candidates,
        item,
        candidates.values(),
        alternative_titles=alternative_titles,
        earliest_release=earliest_release,
    )

    result = decide(item, [])
    for query in build_queries(item):
        tried.append(query)
        for candidate in search(query.text, query.year):
            candidates.setdefault(candidate.tmdb_id, candidate)
        scored = rescore()
        if not scored:
            continue
        budget = DETAILS_BUDGET - len(alternative_titles)
        wanted = _details_wanted(scored, candidates, alternative_titles)[:budget] if details else []
        if wanted:
            for tmdb_id in wanted:
                film = details(tmdb_id)
                alternative_titles[tmdb_id] = (film.title, film.original_title)
                alternative_titles[tmdb_id] += film.alternative_titles
                releases = [d for d in (film.release_date, *film.release_dates) if d]
                if releases:
                    earliest_release[tmdb_id] = min(releases)
            scored = rescore()
        result = decide(item, scored)
        exact = any(s.candidate is result.best and s.title_similarity >= SAME_TITLE for s in scored)
        if result.confidence >= enough or (exact and query.year is None):
            break
    return replace(result, queries_tried=tuple(tried))


def _details_wanted(
    scored: list[ScoredCandidate], search_order: Iterable[int], fetched: Mapping[int, object]
) -> list[int]:
    """Hits worth a details request, in TMDB's order. TMDB matches translated titles, so a hit
    whose title does not resemble the query may be the film under another name. Only asked
    when no title matches well, or the one that does is an obscure namesake of a far more
    popular hit (a TV film called "Sieben" next to Se7en)."""
    by_id = {s.candidate.tmdb_id: s for s in scored}
    unfetched = [by_id[tmdb_id] for tmdb_id in search_order if tmdb_id not in fetched]
    best = max(scored, key=lambda s: s.title_similarity)
    if best.title_similarity < GOOD_TITLE:
        return [s.candidate.tmdb_id for s in unfetched]
    far_more_popular = 30 * (best.candidate.vote_count + 1)
    return [
        s.candidate.tmdb_id
        for s in unfetched
        if s.title_similarity < GOOD_TITLE and s.candidate.vote_count >= far_more_popular
    ]
