"""The values matching works on: an item to match, the queries tried, scored candidates and
the result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from imports.tmdb import MovieCandidate


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
