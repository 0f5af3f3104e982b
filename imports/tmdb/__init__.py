"""Everything about TMDB: types and errors, the HTTP client, the shared rate limit, the
offline catalog and the look-up cache.

Callers receive a `MovieSource` — `build_client()` at the edges (views, API, command, task),
a fake in tests — and never talk HTTP themselves.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

from imports.tmdb.client import DEFAULT_BASE_URL, TMDBClient
from imports.tmdb.offline import OfflineCatalog
from imports.tmdb.ratelimit import shared_bucket
from imports.tmdb.types import (
    GENRES,
    MovieCandidate,
    MovieDetails,
    MovieSource,
    TMDBAuthError,
    TMDBError,
    TMDBNotFound,
    TMDBRateLimited,
    TMDBUnavailable,
)

__all__ = [
    "GENRES",
    "MovieCandidate",
    "MovieDetails",
    "MovieSource",
    "OfflineCatalog",
    "TMDBAuthError",
    "TMDBClient",
    "TMDBError",
    "TMDBNotFound",
    "TMDBRateLimited",
    "TMDBUnavailable",
    "build_client",
]


def build_client(*, settings: Any = None) -> MovieSource:
    """The TMDB client the settings ask for, or the bundled offline catalog without credentials.

    The rate-limit bucket lives in the default database (PostgreSQL) or beside it (SQLite),
    so all processes share TMDB_RATE_LIMIT. Close the client when done.
    """
    if settings is None:
        settings = django_settings
    api_key = getattr(settings, "TMDB_API_KEY", "") or ""
    read_token = getattr(settings, "TMDB_READ_TOKEN", "") or ""
    if not (api_key or read_token):
        return OfflineCatalog()
    rate_limit = float(getattr(settings, "TMDB_RATE_LIMIT", 40) or 40)
    return TMDBClient(
        api_key=api_key,
        read_token=read_token,
        base_url=getattr(settings, "TMDB_API_BASE_URL", "") or DEFAULT_BASE_URL,
        rate_limit=rate_limit,
        bucket=shared_bucket(getattr(settings, "DATABASES", {}), rate_limit),
    )
