"""Title forms for matching: how alike two titles are, and what to ask TMDB for.

Numerals (II, 2, two), "&" and "and", leading or trailing articles and "Part" are written one
way before comparing; sequels and subtitles give extra queries when the full title finds
nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from imports.matching.types import ItemToMatch, MatchQuery
from imports.reading.titles import normalize

EXACT = 1.0
SAME_TITLE = 0.97  # equal once numerals, "&", articles and "Part" are written one way

# --- Title forms -------------------------------------------------------------------------

_ROMAN = ["ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv"]
_ROMAN += ["xv", "xvi", "xvii", "xviii", "xix", "xx"]
ROMAN_TO_NUMBER = {roman: str(n) for n, roman in enumerate(_ROMAN, start=2)}
NUMBER_TO_ROMAN = {number: roman.upper() for roman, number in ROMAN_TO_NUMBER.items()}
_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
NUMBER_WORDS = {word: str(n) for n, word in enumerate(_WORDS, start=1)} | {"i": "1"}
SEQUEL_WORDS = {"part", "chapter", "vol", "volume", "teil", "partie", "parte"}
# "PART2", "Vol2": a sequel number written against its word.
_ATTACHED_NUMBER = re.compile(rf"^({'|'.join(sorted(SEQUEL_WORDS))})(\d+)$")
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
    words = []
    for word in normalize(text.replace("&", " and ")).split():
        attached = _ATTACHED_NUMBER.match(word)
        words += [attached[1], attached[2]] if attached else [word]
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

SEQUEL_WORD = r"\b(part|chapter|teil|volume|vol\.?)(\s*)"
# A sequel number stands last or before a subtitle ("Saw II: …"), or after "Part"; elsewhere
# ("12 Angry Men") a number is not a sequel number.
LAST_OR_BEFORE_SUBTITLE = r"(?=\s*(?:$|[:\-–—]))"
ROMAN_PATTERN = "|".join(sorted(_ROMAN, key=len, reverse=True))
ARABIC_PATTERN = r"1[0-9]|20|[2-9]"


def _swap_numerals(
    text: str, pattern: str, convert: Callable[[str], str], *, at_end: bool = True
) -> str:
    after_word = re.compile(SEQUEL_WORD + rf"({pattern})\b", re.IGNORECASE)
    text = after_word.sub(lambda m: m[1] + (m[2] or " ") + convert(m[3]), text)
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


_BRACKETS = re.compile(r"[\[\]{}()<>«»【】]")


def _without_brackets(text: str) -> str:
    """ "[REC]" → "REC": a search engine may read brackets as syntax rather than title."""
    return " ".join(_BRACKETS.sub(" ", text).split())


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
    # Equal to the title once normalized, but a different question for TMDB.
    if (bare := _without_brackets(title)) and bare != title:
        unique[(bare, None)] = MatchQuery(bare, None)
    return list(unique.values())
