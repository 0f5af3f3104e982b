"""Where the TMDB rate limit is counted, so every process and machine shares one budget.

TMDB allows roughly 40 requests per second per IP address. Web processes and `db_worker`s
on several machines all call it, so the count must live somewhere they all see: the
PostgreSQL database when there is one, otherwise a file-locked SQLite file next to the
SQLite database (every process on the one machine). Memory is the last resort only.

No HTTP here: `imports.tmdb.client` puts the bucket built here, behind `FreshClockLimiter`, in
front of its requests session.
"""

from __future__ import annotations

import logging
import math
import random
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

from pyrate_limiter import (
    AbstractBucket,
    InMemoryBucket,
    Limiter,
    Rate,
    SQLiteBucket,
)

log = logging.getLogger(__name__)

# One name for every TMDB request: the limit is per TMDB account/IP, not per host or path.
BUCKET_NAME = "tmdb"
POSTGRES_TABLE = "tmdb_rate_limit"  # pyrate-limiter stores it as "ratelimit___tmdb_rate_limit"
SQLITE_TABLE = "tmdb_rate_limit"
TEMP_FILE_NAME = "movieranking-tmdb-rate-limit.sqlite3"
WINDOW_MS = 1050  # "per second", with a margin: see rates_for()

# libpq connection settings that may sit in Django's OPTIONS; the rest (pool, isolation_level,
# server_side_binding, …) are Django's own and mean nothing to libpq.
_LIBPQ_OPTIONS = frozenset(
    {
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "connect_timeout",
        "options",
        "application_name",
        "target_session_attrs",
        "service",
        "passfile",
    }
)


class FreshClockLimiter(Limiter):
    """A Limiter whose blocking wait takes a fresh timestamp on every attempt.

    pyrate-limiter 4.5's own blocking wait re-puts the item stamped with its first attempt's
    time plus the planned sleep, so a thread that wakes late is recorded as having gone
    earlier than it did (and the in-memory bucket's time-sorted list can go out of order).
    It also reads a computed wait of -1 as "can never fit" and gives up. Here every attempt
    is a zero-timeout acquire stamped now, with a short jittered sleep between attempts.
    (Zero timeout rather than blocking=False: with a file-locked SQLite bucket the latter
    calls FileLock.acquire(False), which filelock 4 rejects.)
    """

    def try_acquire(self, name="pyrate", weight=1, blocking=True, timeout=-1):
        deadline = None if timeout == -1 else time.monotonic() + timeout
        while not super().try_acquire(name, weight, blocking=True, timeout=0):
            wait = self._seconds_to_wait(name, weight)
            if wait is None or not blocking:
                return False  # heavier than the limit can ever be, or asked not to wait
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                wait = min(wait, left)
            time.sleep(wait)
        return True

    def _seconds_to_wait(self, name: str, weight: int) -> float | None:
        item = self.bucket_factory.wrap_item(name, weight)
        bucket = self.bucket_factory.get(item)
        if weight > min(rate.limit for rate in bucket.rates):
            return None
        try:
            # waiting() answers -1 for "never fits" but can also compute -1 (or less) from
            # a stale peek, so only its positive answers are used.
            wait_ms = max(int(bucket.waiting(item)), 0)
        except Exception:
            # waiting() reads the verdict another thread's put() may be rewriting (it
            # asserts on that); the wait is only a hint, so retry soon instead.
            wait_ms = 0
        # Jitter, so waiting threads and processes do not all retry in the same instant;
        # a wait of 0 means the attempt only lost a race for the lock.
        return (wait_ms + self.buffer_ms * random.random()) / 1000 + 0.001


def rates_for(per_second: float) -> list[Rate]:
    """`per_second` requests per 1.05 s, and at most a quarter of them per quarter of that.

    The 5 % margin absorbs the jitter between taking a slot and the request reaching TMDB,
    and the quarter window spreads bursts; against the stand-in at 40/s with 12 threads an
    exact one-second window drew up to 12 429s a run, this none. Fractional rates
    (0.5/s) become longer windows.
    """
    if not per_second > 0:
        raise ValueError(f"TMDB rate limit must be a positive number, got {per_second!r}")
    fraction = Fraction(per_second).limit_denominator(1000)
    limit, window = fraction.numerator, int(WINDOW_MS * fraction.denominator)
    rates = [Rate(limit, window)]
    if limit >= 2:
        rates.insert(0, Rate(math.ceil(limit / 4), window // 4))
    return rates


def memory_bucket(per_second: float) -> InMemoryBucket:
    """Counts in this process only: right for tests and one-off scripts, not for workers."""
    return InMemoryBucket(rates_for(per_second))


def sqlite_bucket(path: str | Path, per_second: float) -> SQLiteBucket:
    """A bucket in a SQLite file, guarded by a file lock so separate processes share it."""
    return SQLiteBucket.init_from_file(
        rates=rates_for(per_second),
        table=SQLITE_TABLE,
        db_path=str(path),
        create_new_table=True,
        use_file_lock=True,
    )


def postgres_bucket(conninfo: str, per_second: float, *, table: str = POSTGRES_TABLE):
    """A bucket in PostgreSQL (its own small connection pool), shared by every machine."""
    # Imported here: psycopg loads libpq, which a SQLite-only site never needs.
    from psycopg_pool import ConnectionPool
    from pyrate_limiter import PostgresBucket

    # Timestamps are stored as `timestamp without time zone`; every session must read and
    # write them in the same zone or machines with different PGTZ would disagree.
    pool = ConnectionPool(
        conninfo,
        min_size=1,
        max_size=4,
        open=True,
        name="tmdb-rate-limit",
        kwargs={"options": "-c TimeZone=UTC"},
    )

    class Bucket(PostgresBucket):
        def leak(self, current_timestamp=None):
            # pyrate-limiter's leak thread can be mid-pass when the client closes the
            # pool; that pass has nothing left to do, so end it quietly.
            if self.pool is None or self.pool.closed:
                return 0
            try:
                return super().leak(current_timestamp)
            except Exception:
                if self.pool.closed:
                    return 0
                raise

    try:
        pool.wait(timeout=10)
        return Bucket(pool=pool, table=table, rates=rates_for(per_second))
    except Exception:
        pool.close()
        raise


def postgres_conninfo(database: dict[str, Any]) -> str:
    """libpq connection string for a Django `DATABASES` entry."""
    # Imported here: psycopg loads libpq, which a SQLite-only site never needs.
    from psycopg.conninfo import make_conninfo

    params: dict[str, Any] = {
        "dbname": database.get("NAME"),
        "user": database.get("USER"),
        "password": database.get("PASSWORD"),
        "host": database.get("HOST"),
        "port": database.get("PORT"),
    }
    for key, value in (database.get("OPTIONS") or {}).items():
        if key in _LIBPQ_OPTIONS:
            params[key] = value
    return make_conninfo(**{key: str(value) for key, value in params.items() if value})


def sqlite_bucket_path(database: dict[str, Any]) -> Path:
    """The bucket file beside the SQLite database (`db.sqlite3-tmdb-rate-limit`), else in tmp."""
    name = str(database.get("NAME") or "")
    in_memory = not name or name == ":memory:" or "mode=memory" in name
    if not in_memory and not name.startswith("file:"):
        database_path = Path(name)
        if database_path.parent.is_dir():
            return database_path.with_name(database_path.name + "-tmdb-rate-limit")
    return Path(tempfile.gettempdir()) / TEMP_FILE_NAME


def shared_bucket(databases: dict[str, Any], per_second: float) -> AbstractBucket:
    """The widest-shared bucket the configured database allows.

    PostgreSQL → a table in that database; SQLite → a file beside it; anything that
    fails → a file in the temp directory (still shared on this machine) → memory.
    """
    database = (databases or {}).get("default") or {}
    engine = str(database.get("ENGINE", ""))
    if "postgresql" in engine or "postgis" in engine:
        try:
            return postgres_bucket(postgres_conninfo(database), per_second)
        except Exception as exc:
            log.warning("TMDB rate limit cannot use PostgreSQL (%s); using a local file", exc)
    temp_file = Path(tempfile.gettempdir()) / TEMP_FILE_NAME
    candidates = [sqlite_bucket_path(database), temp_file] if "sqlite" in engine else [temp_file]
    for path in dict.fromkeys(candidates):
        try:
            return sqlite_bucket(path, per_second)
        except Exception as exc:
            log.warning("TMDB rate limit cannot use %s (%s)", path, exc)
    log.warning("TMDB rate limit falls back to this process's memory only")
    return memory_bucket(per_second)
