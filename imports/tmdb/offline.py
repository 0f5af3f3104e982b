"""The bundled offline demo catalog: TMDB's client interface over a JSON file, no network.

Without TMDB credentials the site still runs its whole import flow against these few hundred
well-known films (real TMDB ids, our own one-line overviews, no posters). Search mimics TMDB:
titles, original titles and alternative titles are matched after normalisation, exact
matches rank above word-prefix and substring matches, and `year` matches any release year.

The same records feed the TMDB stand-in server (tests/tmdb_standin.py), which renders them
as TMDB JSON with `search_payload()` / `details_payload()`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imports.reading.titles import normalize as normalize_title
from imports.tmdb.parse import parse_details, parse_search
from imports.tmdb.types import GENRES, MovieCandidate, MovieDetails, TMDBNotFound

DATA_PATH = Path(__file__).parent / "data" / "offline_catalog.json"
PAGE_SIZE = 20  # TMDB's page size, and the most one search returns


_LEADING_ARTICLE = re.compile(r"^(the|a|an) ")


def normalize(text: str) -> str:
    """The project's title key (`titles.normalize`), with "&" read as "and" as TMDB does."""
    return normalize_title(text.replace("&", " and "))


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One film's TMDB-shaped record plus what search needs, computed once."""

    record: Mapping[str, Any]
    names: tuple[str, ...]  # normalized title, original title, alternative titles
    years: frozenset[int]
    popularity: float

    @property
    def tmdb_id(self) -> int:
        return self.record["id"]


def index_records(records: Iterable[Mapping[str, Any]]) -> list[CatalogEntry]:
    entries = []
    for record in records:
        titles = [record.get("title", ""), record.get("original_title", "")]
        titles += [alt.get("title", "") for alt in record.get("alternative_titles") or []]
        names = tuple(dict.fromkeys(n for n in map(normalize, titles) if n))
        dates = [record.get("release_date") or "", *record.get("release_dates", [])]
        years = frozenset(int(d[:4]) for d in dates if d[:4].isdigit())
        entries.append(CatalogEntry(record, names, years, float(record.get("popularity") or 0)))
    return entries


def _rank(names: tuple[str, ...], query: str) -> int | None:
    """0 exact, 1 title starts with query, 2 query words inside, 3 word prefixes, 4 substring."""
    query_words = query.split()
    compact = query.replace(" ", "")
    best = None
    for name in names:
        if name == query:
            return 0
        padded = f" {name} "
        starts = name.startswith(query + " ") or _LEADING_ARTICLE.sub("", name) == query
        if starts or name.replace(" ", "") == compact:  # "spiderman" finds "Spider-Man"
            rank = 1
        elif f" {query} " in padded:
            rank = 2
        elif all(f" {word}" in padded for word in query_words):
            rank = 3
        elif len(compact) >= 3 and compact in name.replace(" ", ""):
            rank = 4
        else:
            continue
        best = rank if best is None else min(best, rank)
    return best


def search_entries(
    entries: Iterable[CatalogEntry], query: str, *, year: int | None = None
) -> list[CatalogEntry]:
    """Every entry matching `query` (and `year`, any release year), best first."""
    normalized = normalize(query)
    if not normalized:
        return []
    ranked = []
    for entry in entries:
        if year and year not in entry.years:
            continue
        rank = _rank(entry.names, normalized)
        if rank is not None:
            ranked.append((rank, -entry.popularity, entry.tmdb_id, entry))
    ranked.sort(key=lambda item: item[:3])
    return [item[3] for item in ranked]


def search_payload(record: Mapping[str, Any]) -> dict[str, Any]:
    """A `results[]` entry exactly as TMDB's search sends it."""
    return {
        "adult": False,
        "backdrop_path": None,
        "genre_ids": list(record.get("genre_ids") or []),
        "id": record["id"],
        "original_language": record.get("original_language", ""),
        "original_title": record.get("original_title") or record.get("title", ""),
        "overview": record.get("overview", ""),
        "popularity": record.get("popularity", 0),
        "poster_path": record.get("poster_path"),
        "release_date": record.get("release_date", ""),
        "title": record.get("title", ""),
        "video": False,
        "vote_average": record.get("vote_average", 0),
        "vote_count": record.get("vote_count", 0),
    }


def details_payload(record: Mapping[str, Any]) -> dict[str, Any]:
    """`GET /movie/{id}?append_to_response=alternative_titles,release_dates` as TMDB sends it."""
    payload = search_payload(record)
    del payload["genre_ids"]
    release_date = record.get("release_date") or ""
    dates = [release_date, *record.get("release_dates", [])]
    payload.update(
        belongs_to_collection=None,
        budget=0,
        genres=[{"id": g, "name": GENRES.get(g, "")} for g in record.get("genre_ids") or []],
        homepage="",
        imdb_id=record.get("imdb_id"),
        production_companies=[],
        production_countries=[],
        revenue=0,
        runtime=record.get("runtime") or 0,
        spoken_languages=[],
        status="Released",
        tagline="",
        alternative_titles={"titles": list(record.get("alternative_titles") or [])},
        release_dates={
            "results": [
                {
                    "iso_3166_1": "US",
                    "release_dates": [
                        {
                            "certification": "",
                            "descriptors": [],
                            "iso_639_1": "",
                            "note": "",
                            "release_date": f"{when}T00:00:00.000Z",
                            "type": 3,
                        }
                        for when in dates
                        if when
                    ],
                }
            ]
            if release_date
            else []
        },
    )
    return payload


@functools.cache
def _load(path: str) -> tuple[tuple[Mapping[str, Any], ...], tuple[CatalogEntry, ...]]:
    # Read-only bundled data, parsed once per process.
    records = tuple(json.loads(Path(path).read_text(encoding="utf-8")))
    return records, tuple(index_records(records))


class OfflineCatalog:
    """TMDBClient's interface over the bundled catalog; never touches the network."""

    offline = True

    def __init__(self, path: str | Path = DATA_PATH) -> None:
        self.request_count = 0
        self.throttled_count = 0
        self.records, self.entries = _load(str(path))
        self._by_id = {entry.tmdb_id: entry for entry in self.entries}

    def __repr__(self) -> str:
        return f"<OfflineCatalog ({len(self.entries)} films)>"

    def __enter__(self) -> OfflineCatalog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release; here so callers treat both clients alike."""

    def search_movies(
        self, query: str, *, year: int | None = None, page: int = 1
    ) -> list[MovieCandidate]:
        start = (max(page, 1) - 1) * PAGE_SIZE
        found = search_entries(self.entries, query, year=year)[start : start + PAGE_SIZE]
        return parse_search({"results": [search_payload(entry.record) for entry in found]})

    def movie_details(self, tmdb_id: int) -> MovieDetails:
        entry = self._by_id.get(int(tmdb_id))
        if entry is None:
            raise TMDBNotFound(f"The offline catalog has no film {tmdb_id}", status_code=404)
        return parse_details(details_payload(entry.record))
