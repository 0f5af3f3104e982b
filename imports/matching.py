"""Pick the TMDB film an Amazon watch-history title means, with an honest confidence.

Pure: no database, no network. `match_item` gets TMDB search (and optionally details) passed
in, so tests and benchmarks hand in fakes. Confidence is calibrated so that at 0.85 or more
the pick should be right at least 99 times in 100 (see bench/match_calibration.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache, partial

from rapidfuzz import fuzz

from imports.reading.titles import normalize
from imports.tmdb import MovieCandidate, MovieDetails

NO_SIMILAR_TITLE = "no film on TMDB with a similar title"
ALL_RELEASED_LATER = "every film with a similar title came out after you watched it"

EXACT = 1.0
SAME_TITLE = 0.97  # equal once numerals, "&", articles and "Part" are written one way
PLAUSIBLE = 0.6  # below this a title does not resemble the query at all
GOOD_TITLE = 0.9  # below this, ask TMDB for alternative titles (the hit may be a translation)
MAX_ALTERNATIVES = 4
DETAILS_BUDGET = 2  # details requests per item; the API is rate-limited

# Watch dates are local midnight written in UTC, so a film "released tomorrow" is usually a
# time-zone artefact; a couple of weeks later is a premiere or festival screening at most.
TIMEZONE_SLACK = timedelta(days=2)
PREMIERE_SLACK = timedelta(days=14)

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


@dataclass(frozen=True)
class MatchQuery:
    text: str
    year: int | None


@dataclass(frozen=True)
class ItemToMatch:
    title: str  # Amazon's title as written
    search_title: str  # cleaned
    year_hint: int | None  # only from the title itself
    watched_on: tuple[date, ...]  # local watch dates, oldest first


@dataclass(frozen=True)
class ScoredCandidate:
    candidate: MovieCandidate
    score: float  # 0..1 similarity-based score used to rank
    title_similarity: float
    title_source: str = "title"  # which of the film's titles matched: title/original/alternative
    release_fit: str = "undated_watch"  # before, just_after, after, unknown, undated_watch
    year_fit: str | None = None  # None without a year hint; exact, near, far, unknown


@dataclass(frozen=True)
class MatchResult:
    best: MovieCandidate | None
    alternatives: tuple[MovieCandidate, ...]  # up to 4, best-first, excluding best
    confidence: float  # 0..1, calibrated
    reason: str
    queries_tried: tuple[MatchQuery, ...]


# --- Title forms -------------------------------------------------------------------------

_ROMAN = ["ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv"]
_ROMAN += ["xv", "xvi", "xvii", "xviii", "xix", "xx"]
ROMAN_TO_NUMBER = {roman: str(n) for n, roman in enumerate(_ROMAN, start=2)}
NUMBER_TO_ROMAN = {number: roman.upper() for roman, number in ROMAN_TO_NUMBER.items()}
_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
NUMBER_WORDS = {word: str(n) for n, word in enumerate(_WORDS, start=1)} | {"i": "1"}
SEQUEL_WORDS = {"part", "chapter", "vol", "volume", "teil", "partie", "parte"}
SEPARATOR = re.compile(r"\s*:\s+|\s+[-–—]\s+")
TRAILING_ARTICLE = re.compile(r"^(?P<rest>.+?),\s*(?P<article>the|a|an)$", re.IGNORECASE)


@dataclass(frozen=True)
class _TitleForms:
    full: str  # normalize()d
    canonical: str  # numerals as digits, "&" as "and", no English article or "part"
    numbers: frozenset[str]  # sequel numbers and years: differing ones mean a different film
    main: str  # the part before the first ":" or " - ", normalized ("" when none)


def _as_digits(word: str, previous: str) -> str:
    if word in ROMAN_TO_NUMBER:
        return ROMAN_TO_NUMBER[word]
    return NUMBER_WORDS.get(word, word) if previous in SEQUEL_WORDS else word


def _article_to_front(text: str) -> str:
    """Catalogue style "Matrix, The" → "The Matrix"."""
    fronted = TRAILING_ARTICLE.match(text.strip())
    return f"{fronted['article']} {fronted['rest']}" if fronted else text


@lru_cache(maxsize=8192)
def _forms(text: str) -> _TitleForms:
    text = _article_to_front(text)
    words = normalize(text.replace("&", " and ")).split()
    digits = [_as_digits(word, words[i - 1] if i else "") for i, word in enumerate(words)]
    # "Part 2" is "2"; Amazon often drops a leading "The".
    canonical = [
        word
        for i, word in enumerate(digits)
        if not (word in SEQUEL_WORDS and digits[i + 1 : i + 2] and digits[i + 1].isdigit())
    ]
    if len(canonical) > 1 and canonical[0] in {"the", "a", "an"}:
        canonical = canonical[1:]
    head = SEPARATOR.split(text, maxsplit=1)
    return _TitleForms(
        full=normalize(text),
        canonical=" ".join(canonical),
        numbers=frozenset(word for word in canonical if word.isdigit()),
        main=normalize(head[0]) if len(head) > 1 else "",
    )


def title_similarity(query: str, title: str) -> float:
    """1.0 for the same normalized title, 0.97 when equal once written one way, else fuzzy."""
    q, t = _forms(query), _forms(title)
    if not q.full or not t.full:
        return 0.0
    if q.full == t.full:
        return EXACT
    if q.canonical == t.canonical:
        return SAME_TITLE
    shorter, longer = sorted((len(q.canonical), len(t.canonical)))
    fuzzy = (
        max(
            fuzz.ratio(q.full, t.full),
            fuzz.ratio(q.canonical, t.canonical),
            0.95 * fuzz.token_sort_ratio(q.canonical, t.canonical),  # reordered words
            # One title inside the other ("Alien" in "Alien: Covenant"): only as strong as the
            # share of the longer title it covers.
            0.9 * fuzz.token_set_ratio(q.canonical, t.canonical) * math.sqrt(shorter / longer),
        )
        / 100
    )
    if (t.main and q.full == t.main) or (q.main and t.full == q.main):
        fuzzy = max(fuzzy, 0.8)  # "Rogue One" vs "Rogue One: A Star Wars Story"
    if q.numbers != t.numbers:
        fuzzy *= 0.85  # "Toy Story" vs "Toy Story 2": another film of the series
    return min(fuzzy, 0.95)


# --- Queries -----------------------------------------------------------------------------

SEQUEL_WORD = r"\b(part|chapter|teil|volume|vol\.)(\s+)"
# A sequel number stands last or before a subtitle ("Saw II: …"), or after "Part"; elsewhere
# ("12 Angry Men") a number is not a sequel number.
LAST_OR_BEFORE_SUBTITLE = r"(?=\s*(?:$|[:\-–—]))"
ROMAN_PATTERN = "|".join(sorted(_ROMAN, key=len, reverse=True))
ARABIC_PATTERN = r"1[0-9]|20|[2-9]"


def _swap_numerals(
    text: str, pattern: str, convert: Callable[[str], str], *, at_end: bool = True
) -> str:
    after_word = re.compile(SEQUEL_WORD + rf"({pattern})\b", re.IGNORECASE)
    text = after_word.sub(lambda m: m[1] + m[2] + convert(m[3]), text)
    if not at_end:
        return text
    last = re.compile(rf"(?<=\s)({pattern}){LAST_OR_BEFORE_SUBTITLE}", re.IGNORECASE)
    return last.sub(lambda m: convert(m[1]), text)


def _numeral_variants(text: str) -> list[str]:
    """ "Toy Story 2" ↔ "Toy Story II"; "Part Two" → "Part 2" and "Part II"."""
    words = "|".join(NUMBER_WORDS)
    spelled = _swap_numerals(text, words, lambda word: NUMBER_WORDS[word.lower()], at_end=False)
    variants = [
        spelled,
        _swap_numerals(spelled, ARABIC_PATTERN, NUMBER_TO_ROMAN.__getitem__),
        _swap_numerals(text, ROMAN_PATTERN, lambda roman: ROMAN_TO_NUMBER[roman.lower()]),
    ]
    return [variant for variant in dict.fromkeys(variants) if variant != text]


def _ampersand_variant(text: str) -> str:
    if "&" in text:
        return " ".join(text.replace("&", " and ").split())
    return re.sub(r"\s+and\s+", " & ", text, flags=re.IGNORECASE)


def _main_title_variants(text: str) -> list[str]:
    """The longest part before a ":" or " - ", then the first part: most specific first."""
    starts = [m.start() for m in SEPARATOR.finditer(text)]
    return [text[: starts[-1]].strip(), text[: starts[0]].strip()] if starts else []


def build_queries(item: ItemToMatch) -> list[MatchQuery]:
    """Searches to try, most specific first. Only a year written in the title filters:
    TMDB's `year` matches any release, and the year someone watched says nothing."""
    as_written = " ".join((item.search_title or item.title).split())
    if not as_written:
        return []
    title = _article_to_front(as_written)
    queries = [MatchQuery(title, item.year_hint)] if item.year_hint is not None else []
    queries.append(MatchQuery(title, None))
    fallbacks = [
        as_written,
        _ampersand_variant(title),
        *_numeral_variants(title),
        *_main_title_variants(title),
    ]
    queries += [MatchQuery(text, None) for text in fallbacks if text.strip()]
    unique: dict[tuple[str, int | None], MatchQuery] = {}
    for query in queries:
        unique.setdefault((normalize(query.text) or query.text, query.year), query)
    return list(unique.values())


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


def _same_title_rivals(best: ScoredCandidate, in_time: list[ScoredCandidate]) -> tuple[float, str]:
    """Cap confidence when other films share the title and nothing tells them apart."""
    rivals = [s for s in in_time if s is not best and _is_rival(s, best)]
    if not rivals:
        return 1.0, ""
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
        return MatchResult(
            best=None,
            alternatives=tuple(s.candidate for s in (in_time + released_later)[:MAX_ALTERNATIVES]),
            confidence=0.0,
            reason=ALL_RELEASED_LATER if similar_later else NO_SIMILAR_TITLE,
            queries_tried=(),
        )
    best = plausible[0]
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

    cap, rival_phrase = _same_title_rivals(best, in_time)
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
