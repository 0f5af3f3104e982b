"""Stand-ins for tests: a TMDB client with the same interface and no HTTP, and a clock that
only moves when the test (or something sleeping on it) moves it."""

import threading
import time
from datetime import date

from pyrate_limiter import AbstractClock

from imports.reading.titles import normalize
from imports.tmdb import MovieCandidate, MovieDetails, TMDBNotFound


def film(tmdb_id: int, title: str, released: str, **extra) -> MovieCandidate:
    return MovieCandidate(
        tmdb_id=tmdb_id,
        title=title,
        original_title=extra.pop("original_title", title),
        release_date=date.fromisoformat(released) if released else None,
        popularity=extra.pop("popularity", 20.0),
        vote_count=extra.pop("vote_count", 5000),
        overview=extra.pop("overview", f"{title}: a film."),
        **extra,
    )


CATALOG = [
    film(949, "Heat", "1995-12-15"),
    film(348, "Alien", "1979-05-25"),
    film(68, "Brazil", "1985-02-20"),
    film(603, "The Matrix", "1999-03-30"),
    film(915935, "Anatomy of a Fall", "2023-08-23", original_title="Anatomie d'une chute"),
    film(746036, "The Fall Guy", "2024-04-24"),
    film(438631, "Dune", "2021-09-15"),
    film(841, "Dune", "1984-12-14", popularity=5.0, vote_count=2500),
]
ALTERNATIVE_TITLES = {915935: ("Anatomie eines Falls",)}


class FakeTMDB:
    """Answers from CATALOG like TMDB would; `fail_with` raises instead, for every call or
    for the first `fail_times` calls."""

    offline = False

    def __init__(self, catalog=CATALOG, *, fail_with: Exception | None = None, fail_times=None):
        self.catalog = list(catalog)
        self.fail_with = fail_with
        self.fail_times = fail_times
        self.request_count = 0
        self.throttled_count = 0
        self.queries: list[tuple[str, int | None]] = []
        self._lock = threading.Lock()

    def _count(self):
        with self._lock:
            self.request_count += 1
            failing = self.fail_with is not None and (
                self.fail_times is None or self.request_count <= self.fail_times
            )
        if failing:
            raise self.fail_with

    def search_movies(self, query: str, *, year: int | None = None, page: int = 1):
        self._count()
        self.queries.append((query, year))
        wanted = normalize(query)
        hits = []
        for movie in self.catalog:
            names = [movie.title, movie.original_title, *ALTERNATIVE_TITLES.get(movie.tmdb_id, ())]
            found = any(wanted and wanted in normalize(name) for name in names)
            if found and (year is None or movie.year == year):
                hits.append(movie)
        return hits

    def movie_details(self, tmdb_id: int) -> MovieDetails:
        self._count()
        for movie in self.catalog:
            if movie.tmdb_id == tmdb_id:
                return MovieDetails(
                    tmdb_id=movie.tmdb_id,
                    title=movie.title,
                    original_title=movie.original_title,
                    release_date=movie.release_date,
                    overview=movie.overview,
                    popularity=movie.popularity,
                    vote_count=movie.vote_count,
                    alternative_titles=ALTERNATIVE_TITLES.get(tmdb_id, ()),
                )
        raise TMDBNotFound(f"No film with id {tmdb_id}.")

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


TMDB_TEST_BASE = "https://tmdb.test/3"  # where tests answer TMDB with `responses`


def tmdb_json(movie: MovieCandidate) -> dict:
    """`movie` as TMDB writes it in search results and (with the details' extra fields
    left out) in a details answer."""
    return {
        "id": movie.tmdb_id,
        "title": movie.title,
        "original_title": movie.original_title,
        "original_language": movie.original_language,
        "release_date": movie.release_date.isoformat() if movie.release_date else "",
        "overview": movie.overview,
        "poster_path": movie.poster_path,
        "popularity": movie.popularity,
        "vote_average": movie.vote_average,
        "vote_count": movie.vote_count,
        "genre_ids": list(movie.genre_ids),
    }


def search_json(*movies: MovieCandidate) -> dict:
    return {
        "page": 1,
        "results": [tmdb_json(m) for m in movies],
        "total_pages": 1,
        "total_results": len(movies),
    }


class FakeClock(AbstractClock):
    """Time that stands still until a test advances it, or until code sleeps on it.

    One clock can drive everything that keeps time around a TMDB request:
    - a pyrate-limiter bucket's timestamps (`drive(bucket)`: milliseconds, like the library's
      own clocks; the SQLite bucket asks its own `now()`, not a clock, so that is replaced);
    - the client limiter's wait for a slot and urllib3's Retry-After wait, both of which call
      `time.monotonic()`/`time.sleep()` (give this object in place of their `time` module);
    - the TMDB stand-in's rate-limit window (`StandinServer(clock=clock.monotonic)`).
    Sleeping on it moves it by the time asked for at once, so a test that waits out a
    rate-limit window takes no real time.
    """

    def __init__(self, start_ms: int = 1_700_000_000_000) -> None:  # epoch ms, for SQL buckets
        self.start_ms = start_ms
        self.ms = start_ms
        self._lock = threading.Lock()

    def now(self) -> int:
        return self.ms

    def drive(self, *buckets):
        """Stamp and judge `buckets`' requests by this clock; returns the first bucket."""
        for bucket in buckets:
            bucket.now = self.now
        return buckets[0]

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.ms += round(seconds * 1000)

    @property
    def elapsed(self) -> float:
        """Seconds this clock has moved since it was made."""
        return (self.ms - self.start_ms) / 1000

    # The parts of the `time` module that waiting code uses.

    def monotonic(self) -> float:
        return self.ms / 1000

    def time(self) -> float:
        return self.ms / 1000

    def sleep(self, seconds: float) -> None:
        self.advance(max(seconds, 0))
        # A moment of real time, so another thread holding a lock the sleeper waits for (a
        # bucket's background leak) gets to finish it.
        time.sleep(0.001)
