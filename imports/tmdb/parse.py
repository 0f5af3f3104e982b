"""TMDB's JSON → our types. Defensive, because TMDB's answers vary across years and endpoints."""

from __future__ import annotations

from datetime import date
from typing import Any

from imports.tmdb.types import MovieCandidate, MovieDetails, TMDBUnavailable


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _number(value: Any) -> float:
    try:
        return float(value) if value is not None and not isinstance(value, bool) else 0.0
    except (TypeError, ValueError):
        return 0.0


def _date(value: Any) -> date | None:
    # "" means unknown; release_dates entries carry a time ("1999-03-30T00:00:00.000Z").
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _tmdb_id(raw: Any) -> int | None:
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def parse_candidate(raw: Any) -> MovieCandidate | None:
    """One `results[]` entry, or None when it has no usable id."""
    tmdb_id = _tmdb_id(raw)
    if tmdb_id is None:
        return None
    title = _text(raw.get("title")) or _text(raw.get("original_title"))
    genre_ids = raw.get("genre_ids") if isinstance(raw.get("genre_ids"), list) else []
    return MovieCandidate(
        tmdb_id=tmdb_id,
        title=title,
        original_title=_text(raw.get("original_title")) or title,
        original_language=_text(raw.get("original_language")),
        release_date=_date(raw.get("release_date")),
        overview=_text(raw.get("overview")),
        poster_path=_text(raw.get("poster_path")) or None,
        popularity=_number(raw.get("popularity")),
        vote_average=_number(raw.get("vote_average")),
        vote_count=int(_number(raw.get("vote_count"))),
        genre_ids=tuple(g for g in genre_ids if isinstance(g, int)),
    )


def parse_search(data: dict[str, Any]) -> list[MovieCandidate]:
    # No hits arrive as total_pages 0 or 1 with an empty list; only `results` matters.
    results = data.get("results")
    if not isinstance(results, list):
        return []
    return [c for c in (parse_candidate(raw) for raw in results) if c is not None]


def _appended(data: dict[str, Any], key: str, inner: str) -> list[Any]:
    block = data.get(key)
    items = block.get(inner) if isinstance(block, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def parse_details(data: dict[str, Any]) -> MovieDetails:
    head = parse_candidate(data)
    if head is None:
        raise TMDBUnavailable("TMDB answered a movie without an id")
    genres = [g.get("name") for g in data.get("genres") or [] if isinstance(g, dict)]
    alternatives = _appended(data, "alternative_titles", "titles")
    titles = [_text(t.get("title")).strip() for t in alternatives]
    dates = {head.release_date} if head.release_date else set()
    for country in _appended(data, "release_dates", "results"):
        for entry in country.get("release_dates") or []:
            if isinstance(entry, dict) and (when := _date(entry.get("release_date"))):
                dates.add(when)
    runtime = data.get("runtime")
    return MovieDetails(
        tmdb_id=head.tmdb_id,
        title=head.title,
        original_title=head.original_title,
        original_language=head.original_language,
        release_date=head.release_date,
        overview=head.overview,
        poster_path=head.poster_path,
        popularity=head.popularity,
        vote_average=head.vote_average,
        vote_count=head.vote_count,
        genres=tuple(name for name in genres if isinstance(name, str) and name),
        # TMDB says 0 when it does not know the runtime.
        runtime=runtime if isinstance(runtime, int) and runtime > 0 else None,
        imdb_id=_text(data.get("imdb_id")),
        alternative_titles=tuple(dict.fromkeys(t for t in titles if t)),
        release_dates=tuple(sorted(dates)),
    )
