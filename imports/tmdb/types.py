"""What TMDB answers, in our own types: films, errors, genres, and the `MovieSource` protocol.

Both the HTTP client and the offline catalog return these and raise these, so callers never
see a raw dict or a requests exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, runtime_checkable

# TMDB's movie genres (`GET /genre/movie/list`, English names).
GENRES = {
    28: "Action",
    12: "Adventure",
    16: "Animation",
    35: "Comedy",
    80: "Crime",
    99: "Documentary",
    18: "Drama",
    10751: "Family",
    14: "Fantasy",
    36: "History",
    27: "Horror",
    10402: "Music",
    9648: "Mystery",
    10749: "Romance",
    878: "Science Fiction",
    10770: "TV Movie",
    53: "Thriller",
    10752: "War",
    37: "Western",
}


class TMDBError(Exception):
    """Base class: TMDB could not answer. Messages never contain credentials."""

    def __init__(self, message: str = "", *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code  # the HTTP status, when there was an answer


class TMDBAuthError(TMDBError):
    """The API key or read token was refused (HTTP 401)."""


class TMDBNotFound(TMDBError):
    """The requested resource does not exist (HTTP 404)."""


class TMDBRateLimited(TMDBError):
    """TMDB kept answering 429 after our retries."""


class TMDBUnavailable(TMDBError):
    """Timeouts, refused connections, 5xx after retries, or an unreadable answer."""


@dataclass(frozen=True, slots=True)
class MovieCandidate:
    """One search result (`GET /search/movie`), or the head of a details answer."""

    tmdb_id: int
    title: str
    original_title: str = ""
    original_language: str = ""
    release_date: date | None = None
    overview: str = ""
    poster_path: str | None = None
    popularity: float = 0.0
    vote_average: float = 0.0
    vote_count: int = 0
    genre_ids: tuple[int, ...] = ()

    @property
    def year(self) -> int | None:
        return self.release_date.year if self.release_date else None


@dataclass(frozen=True, slots=True)
class MovieDetails:
    """`GET /movie/{id}?append_to_response=alternative_titles,release_dates`."""

    tmdb_id: int
    title: str
    original_title: str = ""
    original_language: str = ""
    release_date: date | None = None
    overview: str = ""
    poster_path: str | None = None
    popularity: float = 0.0
    vote_average: float = 0.0
    vote_count: int = 0
    genres: tuple[str, ...] = ()
    runtime: int | None = None
    imdb_id: str = ""
    alternative_titles: tuple[str, ...] = ()
    # Every release date TMDB knows (all countries, all types); the earliest matters
    # when deciding whether someone could have watched the film on a given day.
    release_dates: tuple[date, ...] = field(default_factory=tuple)

    @property
    def year(self) -> int | None:
        return self.release_date.year if self.release_date else None


@runtime_checkable
class MovieSource(Protocol):
    """What matching and the review steps need from TMDB: `TMDBClient` over HTTP, or the
    bundled `OfflineCatalog`. Close it when done (or use it as a context manager)."""

    offline: bool
    request_count: int
    throttled_count: int

    def search_movies(
        self, query: str, *, year: int | None = None, page: int = 1
    ) -> list[MovieCandidate]: ...

    def movie_details(self, tmdb_id: int) -> MovieDetails: ...

    def close(self) -> None: ...

    def __enter__(self) -> MovieSource: ...

    def __exit__(self, *exc_info: object) -> None: ...
