"""Pure helpers for Amazon titles: what kind of thing a row is, and what to search TMDB for.

No database, no network. Every function takes and returns plain values.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from imports.reading.tags import fold_width, strip_tags

MOVIE, EPISODE, TRAILER, PROMO, BONUS, SHORT, LIVE = (
    "movie",
    "episode",
    "trailer",
    "promo",
    "bonus",
    "short",
    "live",
)
KINDS = (MOVIE, EPISODE, TRAILER, PROMO, BONUS, SHORT, LIVE)

# The type column, whatever the layout or page language calls it. Keys are casefolded.
# "Feature" (Amazon's own files) covers films and, in the legacy file, episodes too, so it
# only says "movie unless the title says otherwise"; "Full" is Amazon's word for an episode.
_TYPE_WORDS = {
    "movie": MOVIE,
    "film": MOVIE,
    "película": MOVIE,
    "pelicula": MOVIE,
    "filme": MOVIE,
    "映画": MOVIE,
    "電影": MOVIE,
    "电影": MOVIE,
    "feature": MOVIE,
    "series": EPISODE,
    "serie": EPISODE,
    "série": EPISODE,
    "シリーズ": EPISODE,
    "劇集系列": EPISODE,
    "剧集系列": EPISODE,
    "full": EPISODE,
    "episode": EPISODE,
    "trailer": TRAILER,
    "tráiler": TRAILER,
    "promo": PROMO,
    "bonus": BONUS,
    "short": SHORT,
    "live": LIVE,
    "livestreaming": LIVE,
    "live streaming": LIVE,
}

# Trailers: explicit trailer wording only, so "Trailer Park Boys: The Movie" stays a movie.
_TRAILER_RE = re.compile(
    r"(?:official|offizieller|teaser|final|international)\s+trailer"
    r"|\btr[aá]iler\s+(?:oficial|officiel|ufficiale|\d)"
    r"|bande[- ]annonce"
    r"|(?:^|[-:–(\[|]\s*)trailer\s*\d*\s*[)\]]?\s*$"
    r"|予告編|預告|预告",
    re.IGNORECASE,
)
# "Toni Erdmann (inkl. Bonusmaterial)" is the film with extras: a film, not the extras.
_BUNDLED_BONUS_RE = re.compile(
    r"\s*[(\[]\s*(?:inkl\.?|inklusive|mit|plus|with|avec|con|com)\s+bonus[^)\]]*[)\]]\s*$",
    re.IGNORECASE,
)
_BONUS_RE = re.compile(
    r"\bbonus\s*(?:content|material|features?|footage)\b|bonusmaterial|[(\[]bonus[)\]]"
    r"|^bonus\s*[:\-]|[-:]\s*bonus\s*$",
    re.IGNORECASE,
)
# "Episode 4: …", "Épisode 4", "Folge 4", "S01E04", "第4話". Anchored at the start so
# "Star Wars: Episode IV" stays a movie.
_EPISODE_RE = re.compile(
    r"^(?:episode|épisode|episodio|episódio|folge|aflevering|odcinek|ep\.)\s*\d+"
    r"|\bS\d{1,2}\s?E\d{1,3}\b|^第\s*\d+\s*[話话集]",
    re.IGNORECASE,
)
# Seasons. English "Season" needs a separator or the start of the title before it
# ("Show - Season 1", bare "Season 3", "(TV) - SEASON 01") so the film "Open Season 2"
# stays a movie, and British "Series 2" needs a separator ("Series 7: The Contenders" is a
# film); the other languages' words are distinctive enough after a space.
# A number is required: "Season of the Witch" is a film.
_SEASON_RE = re.compile(
    r"(?:^|[-:–—(,|]\s*)season\s*\d{1,3}\b|[-:–—(,|]\s*series\s*\d{1,3}\b"
    r"|(?:^|[\s\-:–—(,|])(?:saison|staffel|temporada|stagione|seizoen|sæson|säsong|sesong"
    r"|sezon|kausi)\s*\d{1,3}\b"
    r"|シーズン\s*\d+|第\s*\d+\s*季",
    re.IGNORECASE,
)


@lru_cache(maxsize=1024)
def _type_kind(type_value: str) -> str | None:
    return _TYPE_WORDS.get(type_value.strip().strip('"').strip().casefold())


@lru_cache(maxsize=65_536)
def _title_kind(title: str) -> str:
    """What the title alone says. Cached: histories repeat the same titles a lot."""
    title = fold_width(title)
    if _TRAILER_RE.search(title):
        return TRAILER
    if _BONUS_RE.search(_BUNDLED_BONUS_RE.sub("", title)):
        return BONUS
    if _EPISODE_RE.search(title) or _SEASON_RE.search(title):
        return EPISODE
    return MOVIE


def classify(title: str, *, type_value: str = "", episode_title: str = "") -> str:
    """The kind of a history row (MOVIE, EPISODE, TRAILER, …).

    A type column that says series, trailer, promo, bonus, short or live is believed. When
    it says movie (or there is none) the title has the last word, because Amazon types some
    trailers and season rows as movies ("Episode 0: Official Trailer").
    """
    type_kind = _type_kind(type_value) if type_value else None
    if type_kind is not None and type_kind != MOVIE:
        return type_kind
    kind = _title_kind(title)
    if kind != MOVIE or not episode_title:
        return kind
    # A movie row with something in its episode column: odd, so look closer.
    episode_kind = _title_kind(episode_title)
    if episode_kind in (TRAILER, BONUS):
        return episode_kind
    return MOVIE if type_kind == MOVIE else EPISODE


@dataclass(frozen=True)
class CleanTitle:
    search_title: str
    year_hint: int | None


_YEAR_RE = re.compile(r"\s*\((\d{4})\)\s*$")
_SPACES_RE = re.compile(r"\s+")
_QUOTES = '"“”„«»'


def _strip_stray_quotes(title: str) -> str:
    while len(title) >= 2 and title[0] in _QUOTES and title[-1] in _QUOTES:
        title = title[1:-1].strip()
    # A lone quote at one end (the 2022–24 files have these) is never part of the title.
    if title[:1] in _QUOTES and sum(title.count(q) for q in _QUOTES) == 1:
        title = title[1:].strip()
    if title[-1:] in _QUOTES and sum(title.count(q) for q in _QUOTES) == 1:
        title = title[:-1].strip()
    return title


@lru_cache(maxsize=65_536)
def clean_title(title: str) -> CleanTitle:
    """What to search for: the title without Amazon's tags, and a year if the title has one.

    Full-width and compatibility characters are folded first (`fold_width`). Conservative on
    purpose: only tags Prime Video adds (`imports.reading.tags`) are removed, at the ends of
    the title, never title words.
    """
    text = _strip_stray_quotes(_SPACES_RE.sub(" ", fold_width(title)).strip())
    year_hint = None
    while True:
        before = text
        text = strip_tags(text)
        if year_hint is None and (match := _YEAR_RE.search(text)):
            year = int(match.group(1))
            if 1880 <= year <= 2100 and match.start() > 0:
                year_hint = year
                text = text[: match.start()]
        text = _strip_stray_quotes(text.strip())
        if text == before:
            break
    if not text:
        # Everything was a tag ("[OV]"): searching for the original is the least bad.
        return CleanTitle(search_title=title.strip(), year_hint=year_hint)
    return CleanTitle(search_title=text, year_hint=year_hint)


_APOSTROPHES = str.maketrans("", "", "'’`´")


@lru_cache(maxsize=65_536)
def normalize(text: str) -> str:
    """A folding and cache key: casefolded, accents and punctuation gone, spaces collapsed.

    "Amélie" and "Amelie" agree; "Director's" and "Directors" agree. Letters of other
    scripts (Japanese, Chinese, Cyrillic) are kept as they are.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    kept = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        kept.append(char if char.isalnum() else " ")
    return " ".join("".join(kept).casefold().split())
