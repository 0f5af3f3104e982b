"""Per-person limits: at most `limit` attempts at one thing in each `window` of seconds.

Shared by every web process through one table (`Throttle`): each attempt is one atomic
upsert that counts it only while the window has room, so two requests at once can never
both take the last place. Used for manual TMDB searches; reusable for uploads and sign-in
attempts (any scope and key).

    SEARCH = Rule("tmdb-search", limit=30, window=60)
    verdict = throttle_hit(SEARCH, key=f"user:{request.user.pk}")
    if not verdict.allowed: ...  # say "slow down", and when to try again
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.db import connection

from movieranking.models import Throttle

MAX_KEY = 200


@dataclass(frozen=True)
class Rule:
    """`limit` attempts per `window` seconds for everything counted under `scope`."""

    scope: str
    limit: int
    window: int

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window < 1:
            raise ValueError(f"a throttle needs a limit and a window of at least 1: {self}")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # whole seconds until an attempt can pass again; 0 when allowed


class Throttled(Exception):
    """Too many attempts. str() is the message for the person; `retry_after` in seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _stored_key(rule: Rule, key: str) -> str:
    full = f"{rule.scope}:{key}"
    if len(full) <= MAX_KEY:
        return full
    return f"{rule.scope}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"[:MAX_KEY]


# One statement on PostgreSQL and SQLite alike. The WHERE keeps a full window full: a refused
# attempt is not counted, so hammering does not eat into the next window. No row back
# means "refused".
UPSERT = """
INSERT INTO "movieranking_throttle" AS t ("key", "window_start", "hits") VALUES (%s, %s, 1)
ON CONFLICT ("key") DO UPDATE SET
    "hits" = CASE WHEN t."window_start" = excluded."window_start" THEN t."hits" + 1 ELSE 1 END,
    "window_start" = excluded."window_start"
WHERE t."window_start" <> excluded."window_start" OR t."hits" < %s
RETURNING "hits"
"""


def throttle_hit(rule: Rule, *, key: str, now: float | None = None) -> Verdict:
    """Count one attempt by `key` (a person, an address) under `rule`, if it is allowed."""
    now = time.time() if now is None else now
    window_start = int(now // rule.window) * rule.window
    with connection.cursor() as cursor:
        cursor.execute(UPSERT, [_stored_key(rule, key), window_start, rule.limit])
        counted = cursor.fetchone()
    if counted is not None:
        return Verdict(allowed=True)
    return Verdict(allowed=False, retry_after=max(1, math.ceil(window_start + rule.window - now)))


def throttle_check(rule: Rule, *, key: str, message: str) -> None:
    """`throttle_hit`, raising Throttled with `message` (which may use {seconds}) if refused."""
    verdict = throttle_hit(rule, key=key)
    if not verdict.allowed:
        seconds = verdict.retry_after
        raise Throttled(message.format(seconds=seconds), retry_after=seconds)


def throttle_prune(*, now: float | None = None, older_than: int = 86400) -> int:
    """Forget counts from windows that ended more than `older_than` seconds ago."""
    now = time.time() if now is None else now
    deleted, _ = Throttle.objects.filter(window_start__lt=now - older_than).delete()
    return deleted
