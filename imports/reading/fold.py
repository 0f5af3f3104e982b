"""Parsed history rows → the movies a person should review, and the counts they will see. Pure.

Folding rules:
- Exact duplicate rows (every field but the line number equal) count once.
- Several watches of one movie become one entry carrying every watch date. A movie is keyed
  by Amazon's title id where the file has one, else by its normalized cleaned title and
  year hint.
- Versions of one film that differ only by Prime Video's tags (`トップガン（字幕版）` and
  `トップガン（吹替版）`) are one film, even when Amazon gives each version its own title id.
  Title ids with the very same title stay apart: those are different films of one name.
- Times are UTC in every layout; they become the person's local date in `tz`. Date-only
  values stay as written (the pre-v3 browser exporter wrote the UTC date of local midnight,
  so east of UTC its dates are one day early; we keep what the file says rather than guess).
- Rows that say how long they played (Amazon's own files since 2022: one row per playback
  session, or per title in Watch Events) drop brief plays; see `BRIEF_PLAY_SECONDS`.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time

from imports.reading.parse import ParsedHistory
from imports.reading.rows import Row, RowProblem
from imports.reading.titles import EPISODE, MOVIE, TRAILER, clean_title, normalize

# A movie session shorter than this is an autoplay preview, a mis-click or a peek at the
# opening, not a watch: Amazon's session files are full of 2–60 second plays.
BRIEF_PLAY_SECONDS = 120
# ...unless the brief sessions add up to this much: someone who watched a film in many
# short bursts did watch it.
BRIEF_PLAYS_ADD_UP_TO_A_WATCH_SECONDS = 20 * 60


@dataclass(frozen=True)
class MovieEntry:
    title: str  # as Amazon wrote it (first seen)
    search_title: str
    year_hint: int | None
    watched_on: tuple[date, ...]  # every distinct local watch date, oldest first
    watch_count: int  # rows folded in: rewatches (and, in session files, kept sessions)
    title_id: str
    path: str
    image_url: str
    first_line: int
    seconds_watched: int | None = None  # total play time, where the file says (kept rows)


@dataclass(frozen=True)
class HistorySummary:
    layout: str
    layout_label: str
    locale: str
    source_name: str
    rows: int  # data rows read, readable or not
    movies: tuple[MovieEntry, ...]  # most recently watched first
    episodes: int
    trailers: int
    other: int  # promos, bonus material, shorts, live streams
    duplicates: int  # exact duplicate rows + rewatches and extra sessions folded into a movie
    unreadable: tuple[RowProblem, ...]
    brief_plays: int  # movie sessions too short to count (see BRIEF_PLAY_SECONDS)
    truncated_at_hash: bool
    typed: bool = True  # the file says which rows are films (see ParsedHistory.typed)


def _kept_sessions(rows: list[Row]) -> tuple[list[Row], int]:
    """The rows that are real watches, and how many brief plays were dropped."""
    timed = [row for row in rows if row.seconds_viewed is not None]
    if not timed:
        return rows, 0
    long_enough = [
        row
        for row in rows
        if row.seconds_viewed is None or row.seconds_viewed >= BRIEF_PLAY_SECONDS
    ]
    if long_enough:
        return long_enough, len(rows) - len(long_enough)
    total = sum(row.seconds_viewed or 0 for row in timed)
    if total >= BRIEF_PLAYS_ADD_UP_TO_A_WATCH_SECONDS:
        return rows, 0
    return [], len(rows)


def _entry(rows: list[Row], tz: zoneinfo.ZoneInfo) -> tuple[MovieEntry, float]:
    """The entry for one movie's kept rows (in file order), and its sort moment."""
    days = set()
    latest: datetime | None = None
    for row in rows:
        moment = row.watched_at
        if moment is None:
            continue
        if isinstance(moment, datetime):
            local = moment.astimezone(tz)
        else:
            local = datetime.combine(moment, time(), tzinfo=tz)
        days.add(local.date())
        if latest is None or local > latest:
            latest = local
    first = rows[0]
    cleaned = clean_title(first.title)
    entry = MovieEntry(
        title=first.title,
        search_title=cleaned.search_title,
        year_hint=cleaned.year_hint,
        watched_on=tuple(sorted(days)),
        watch_count=len(rows),
        title_id=next((row.title_id for row in rows if row.title_id), ""),
        path=next((row.path for row in rows if row.path), ""),
        image_url=next((row.image_url for row in rows if row.image_url), ""),
        first_line=first.line,
        seconds_watched=_total_seconds(rows),
    )
    return entry, latest.timestamp() if latest else float("-inf")


def _fold_tag_variants(movies: dict[object, list[Row]]) -> list[list[Row]]:
    """The rows of each film, with the title-id groups of one film's tagged versions merged."""
    by_clean: dict[tuple, list[str]] = {}
    for key, rows in movies.items():
        if isinstance(key, str):  # a title id
            cleaned = clean_title(rows[0].title)
            clean_key = (normalize(cleaned.search_title), cleaned.year_hint)
            by_clean.setdefault(clean_key, []).append(key)
    merged: list[list[Row]] = []
    folded: set[str] = set()
    for ids in by_clean.values():
        if len(ids) < 2:
            continue
        as_written = {normalize(movies[key][0].title) for key in ids}
        if len(as_written) < len(ids):
            continue  # two ids share a title as written: same-name films, not versions
        merged.append(sorted((row for key in ids for row in movies[key]), key=_line))
        folded.update(ids)
    return [rows for key, rows in movies.items() if key not in folded] + merged


def _line(row: Row) -> int:
    return row.line


def _total_seconds(rows: list[Row]) -> int | None:
    timed = [row.seconds_viewed for row in rows if row.seconds_viewed is not None]
    return sum(timed) if timed else None


def summarize(parsed: ParsedHistory, *, tz: zoneinfo.ZoneInfo) -> HistorySummary:
    """Fold a parsed history into movie entries and the counts shown to the person."""
    seen: set[tuple] = set()
    duplicates = episodes = trailers = other = brief_plays = 0
    movies: dict[object, list[Row]] = {}
    for row in parsed.rows:
        identity = (
            row.title,
            row.kind,
            row.watched_at,
            row.episode_title,
            row.title_id,
            row.episode_id,
            row.path,
            row.seconds_viewed,
        )
        if identity in seen:
            duplicates += 1
            continue
        seen.add(identity)
        if row.kind == MOVIE:
            if row.title_id:
                key: object = row.title_id
            else:
                cleaned = clean_title(row.title)
                key = (normalize(cleaned.search_title) or row.title, cleaned.year_hint)
            movies.setdefault(key, []).append(row)
        elif row.kind == EPISODE:
            episodes += 1
        elif row.kind == TRAILER:
            trailers += 1
        else:
            other += 1

    ranked = []
    for rows in _fold_tag_variants(movies):
        kept, brief = _kept_sessions(rows)
        brief_plays += brief
        if not kept:
            continue
        duplicates += len(kept) - 1
        entry, latest = _entry(kept, tz)
        ranked.append((-latest, entry.first_line, entry))
    ranked.sort(key=lambda item: item[:2])

    return HistorySummary(
        layout=parsed.layout,
        layout_label=parsed.layout_label,
        locale=parsed.locale,
        source_name=parsed.source_name,
        rows=len(parsed.rows) + len(parsed.problems),
        movies=tuple(entry for _, _, entry in ranked),
        episodes=episodes,
        trailers=trailers,
        other=other,
        duplicates=duplicates,
        unreadable=parsed.problems,
        brief_plays=brief_plays,
        truncated_at_hash=parsed.truncated_at_hash,
        typed=parsed.typed,
    )
