"""TMDB answers kept in the database, so the same question costs one request for everyone.

Only the calling thread touches the database: `CachedLookups` is filled from the cache in one
query before a batch, read by the matching threads, and the answers they fetched are written
back by the caller. That keeps worker threads free of database connections.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from imports.models import TMDBLookup
from imports.reading.titles import normalize
from imports.tmdb.types import MovieCandidate, MovieDetails

SEARCH = "search"
DETAILS = "details"


def search_key(query: str, year: int | None) -> str:
    return f"{normalize(query)}|{year or ''}"[:400]


def details_key(tmdb_id: int) -> str:
    return str(tmdb_id)


def candidate_to_dict(candidate: MovieCandidate | MovieDetails) -> dict:
    return {
        "tmdb_id": candidate.tmdb_id,
        "title": candidate.title,
        "original_title": candidate.original_title,
        "original_language": candidate.original_language,
        "release_date": candidate.release_date.isoformat() if candidate.release_date else None,
        "year": candidate.year,
        "overview": candidate.overview,
        "poster_path": candidate.poster_path,
        "popularity": candidate.popularity,
        "vote_average": candidate.vote_average,
        "vote_count": candidate.vote_count,
        "genre_ids": list(getattr(candidate, "genre_ids", ())),
    }


def candidate_from_dict(data: dict) -> MovieCandidate:
    release = data.get("release_date")
    return MovieCandidate(
        tmdb_id=int(data["tmdb_id"]),
        title=data.get("title", ""),
        original_title=data.get("original_title", ""),
        original_language=data.get("original_language", ""),
        release_date=date.fromisoformat(release) if release else None,
        overview=data.get("overview", ""),
        poster_path=data.get("poster_path"),
        popularity=float(data.get("popularity") or 0),
        vote_average=float(data.get("vote_average") or 0),
        vote_count=int(data.get("vote_count") or 0),
        genre_ids=tuple(data.get("genre_ids") or ()),
    )


def _details_to_dict(details: MovieDetails) -> dict:
    data = asdict(details)
    data["release_date"] = details.release_date.isoformat() if details.release_date else None
    data["release_dates"] = [d.isoformat() for d in details.release_dates]
    return data


def _details_from_dict(data: dict) -> MovieDetails:
    data = dict(data)
    release = data.pop("release_date", None)
    dates = data.pop("release_dates", ())
    return MovieDetails(
        release_date=date.fromisoformat(release) if release else None,
        release_dates=tuple(date.fromisoformat(d) for d in dates),
        **{
            k: tuple(v) if isinstance(v, list) else v
            for k, v in data.items()
            if k in MovieDetails.__dataclass_fields__
        },
    )


class CachedLookups:
    """Search and details through a client, answered from the cache when possible.

    Thread-safe for reads and for recording fresh answers; `save()` must run on the thread
    that owns the database connection.
    """

    def __init__(self, client, *, use_cache: bool = True) -> None:
        self.client = client
        self.use_cache = use_cache and not getattr(client, "offline", False)
        self._known: dict[tuple[str, str], object] = {}
        self._fresh: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    # -- database side (calling thread) --------------------------------------------------
    def preload(self, search_queries: Iterable[tuple[str, int | None]] = (), tmdb_ids=()) -> None:
        if not self.use_cache:
            return
        wanted = {(SEARCH, search_key(q, y)) for q, y in search_queries}
        wanted |= {(DETAILS, details_key(i)) for i in tmdb_ids}
        found = self._load(wanted)
        # The matcher may ask for details of any film a search returned: load those too.
        candidate_ids = {
            c["tmdb_id"] for (kind, _), payload in found if kind == SEARCH for c in payload
        }
        self._load({(DETAILS, details_key(i)) for i in candidate_ids})

    def _load(self, wanted: set[tuple[str, str]]) -> list:
        wanted -= self._known.keys()
        if not wanted:
            return []
        cutoff = timezone.now() - timedelta(days=settings.TMDB_CACHE_DAYS)
        rows = TMDBLookup.objects.filter(
            fetched_at__gte=cutoff, key__in={key for _, key in wanted}
        ).values_list("kind", "key", "payload")
        found = [((kind, key), payload) for kind, key, payload in rows if (kind, key) in wanted]
        with self._lock:
            self._known.update(found)
        return found

    def save(self) -> int:
        """Write the answers fetched since the last save. Returns how many."""
        with self._lock:
            fresh, self._fresh = self._fresh, {}
        if not fresh or not self.use_cache:
            return 0
        now = timezone.now()
        rows = [
            TMDBLookup(kind=kind, key=key, payload=payload, fetched_at=now)
            for (kind, key), payload in fresh.items()
        ]
        with transaction.atomic():
            TMDBLookup.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["kind", "key"],
                update_fields=["payload", "fetched_at"],
            )
        return len(rows)

    # -- any thread ------------------------------------------------------------------------
    def _cached(self, kind: str, key: str):
        with self._lock:
            found = self._known.get((kind, key))
        if found is not None:
            self.hits += 1
        return found

    def _remember(self, kind: str, key: str, payload) -> None:
        with self._lock:
            self._known[(kind, key)] = payload
            self._fresh[(kind, key)] = payload

    def search(self, query: str, year: int | None = None) -> list[MovieCandidate]:
        key = search_key(query, year)
        payload = self._cached(SEARCH, key)
        if payload is None:
            self.misses += 1
            results = self.client.search_movies(query, year=year)
            payload = [candidate_to_dict(c) for c in results]
            self._remember(SEARCH, key, payload)
            return results
        return [candidate_from_dict(c) for c in payload]

    def details(self, tmdb_id: int) -> MovieDetails:
        key = details_key(tmdb_id)
        payload = self._cached(DETAILS, key)
        if payload is None:
            self.misses += 1
            details = self.client.movie_details(tmdb_id)
            self._remember(DETAILS, key, _details_to_dict(details))
            return details
        return _details_from_dict(payload)


def lookups_prune() -> int:
    """Forget answers older than TMDB's terms allow us to keep (six months)."""
    cutoff = timezone.now() - timedelta(days=180)
    deleted, _ = TMDBLookup.objects.filter(fetched_at__lt=cutoff).delete()
    return deleted
