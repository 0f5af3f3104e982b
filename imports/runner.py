"""Matching a whole import session against TMDB: the body of the background job.

A small thread pool keeps enough requests in flight to reach the shared rate limit; the
threads only call TMDB (through the look-up cache) and the pure matcher, while this thread
saves each item as soon as its match is known. Runs are resumable and idempotent: only items
still waiting are looked up, an item is written only while it is still waiting, and a session
is worked on by one run at a time (a claim refreshed by the heartbeat).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from movieranking.models import Ranking

from . import counters, learned, matching
from .matching.choices import with_people_choices
from .models import ImportItem, ImportSession
from .tmdb import TMDBAuthError, TMDBError, TMDBRateLimited
from .tmdb.cache import CachedLookups, candidate_to_dict

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
# After this many look-ups in a row fail, TMDB is down or limiting us: stop and say so
# rather than burn through the whole history marking every item failed.
GIVE_UP_AFTER_FAILURES = 25
SET_ASIDE_CONFIDENCE = 0.85
PRELOAD_CHUNK = 200

Lookup = ImportItem.Lookup
Problem = ImportSession.Problem

ProgressCallback = Callable[[int, int], None]


def session_match(
    *,
    session_id,
    client,
    threads: int | None = None,
    progress: ProgressCallback | None = None,
) -> bool:
    """Look up every waiting item of the session. Returns False when another run owns the
    session or it is no longer matching."""
    token = uuid.uuid4().hex
    if not _claim(session_id, token):
        logger.info("import %s: not matching, or another run owns it", session_id)
        return False
    try:
        _Run(session_id, token, client, threads or settings.IMPORT_MATCH_THREADS, progress).go()
    except Exception:
        # Leave the session reviewable with a retry button rather than "matching" forever.
        logger.exception("import %s: matching stopped", session_id)
        ImportSession.objects.filter(pk=session_id, runner=token).update(
            status=ImportSession.Status.READY,
            problem=Problem.ERROR,
            problem_detail="Matching stopped on an unexpected error.",
            match_finished_at=timezone.now(),
        )
        raise
    finally:
        ImportSession.objects.filter(pk=session_id, runner=token).update(runner="")
    return True


def _stale_before():
    return timezone.now() - timedelta(seconds=settings.IMPORT_STALE_AFTER_SECONDS)


def _claim(session_id, token: str) -> bool:
    now = timezone.now()
    free = Q(runner="") | Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=_stale_before())
    return bool(
        ImportSession.objects.filter(
            free, pk=session_id, status=ImportSession.Status.MATCHING
        ).update(runner=token, heartbeat_at=now, problem="", problem_detail="")
    )


def stale_sessions():
    """Sessions whose matching run stopped showing signs of life (a killed worker)."""
    return ImportSession.objects.filter(
        status=ImportSession.Status.MATCHING, heartbeat_at__lt=_stale_before()
    ).exclude(runner="")


def _to_match(item: ImportItem) -> matching.ItemToMatch:
    return matching.ItemToMatch(
        title=item.title,
        search_title=item.search_title,
        year_hint=item.year_hint,
        watched_on=tuple(date.fromisoformat(d) for d in item.watched_on),
    )


class _Run:
    def __init__(self, session_id, token, client, threads: int, progress) -> None:
        self.session_id = session_id
        self.token = token
        self.lookups = CachedLookups(client)
        self.offline = bool(getattr(client, "offline", False))
        self.threads = threads
        self.progress = progress
        self.problem: tuple[str, str] | None = None
        self.failures_in_a_row = 0
        self.lost_claim = False

    def go(self) -> None:
        session = ImportSession.objects.select_related("owner").get(pk=self.session_id)
        self.typed = session.file_has_types
        self.ranked = set(
            Ranking.objects.filter(user=session.owner).values_list("movie__tmdb_id", flat=True)
        )
        waiting = list(
            session.items.filter(lookup=Lookup.WAITING)
            .order_by("position")
            .only(
                "pk",
                "title",
                "search_title",
                "year_hint",
                "watched_on",
                "session_id",
                "seconds_watched",
                "amazon_title_id",
            )
        )
        # What people chose for these titles before: read here, once, for the threads.
        self.chosen = learned.choices_for(waiting, locale=session.locale)
        ImportSession.objects.filter(pk=self.session_id).update(
            used_offline_catalog=self.offline,
            match_started_at=session.match_started_at or timezone.now(),
            match_finished_at=None,
        )
        for start in range(0, len(waiting), PRELOAD_CHUNK):
            chunk = waiting[start : start + PRELOAD_CHUNK]
            self.lookups.preload(
                (q.text, q.year) for item in chunk for q in matching.build_queries(_to_match(item))
            )
        self._match_all(waiting)
        self.lookups.save()
        self._finish()

    def _match_all(self, waiting: list[ImportItem]) -> None:
        queue = iter(waiting)
        in_flight: dict[Future, ImportItem] = {}
        next_beat = time.monotonic() + HEARTBEAT_SECONDS
        with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="match") as pool:

            def top_up() -> None:
                while len(in_flight) < self.threads * 2 and not self._stopping:
                    item = next(queue, None)
                    if item is None:
                        return
                    in_flight[pool.submit(self._match_one, item)] = item

            top_up()
            while in_flight:
                done, _ = wait(in_flight, timeout=HEARTBEAT_SECONDS, return_when=FIRST_COMPLETED)
                for future in done:
                    self._record(in_flight.pop(future), future)
                if time.monotonic() >= next_beat:
                    self._heartbeat()
                    next_beat = time.monotonic() + HEARTBEAT_SECONDS
                top_up()

    @property
    def _stopping(self) -> bool:
        return self.problem is not None or self.lost_claim

    def _match_one(self, item: ImportItem) -> matching.MatchResult:
        to_match = _to_match(item)
        result = matching.match_item(
            to_match, search=self.lookups.search, details=self.lookups.details
        )
        return with_people_choices(to_match, result, self.chosen.get(item.pk, ()))

    def _record(self, item: ImportItem, future: Future) -> None:
        try:
            result = future.result()
        except TMDBAuthError as error:
            # Every further request would fail the same way: stop at the first one.
            self.problem = (Problem.AUTH, str(error))
            return
        except TMDBError as error:
            # The detail is for operators; pages and the API say it in a plain sentence.
            logger.warning("import %s: %r failed: %s", self.session_id, item.title, error)
            self._failed(item, str(error))
            self.failures_in_a_row += 1
            if self.failures_in_a_row >= GIVE_UP_AFTER_FAILURES:
                kind = (
                    Problem.RATE_LIMITED
                    if isinstance(error, TMDBRateLimited)
                    else Problem.UNAVAILABLE
                )
                self.problem = (kind, str(error))
            return
        except Exception:
            logger.exception("import %s: matching %r failed", self.session_id, item.title)
            self._failed(item, "Something went wrong while matching this title.")
            return
        self.failures_in_a_row = 0
        self._save(item, result)

    def _failed(self, item: ImportItem, message: str) -> None:
        ImportItem.objects.filter(pk=item.pk, lookup=Lookup.WAITING).update(
            lookup=Lookup.FAILED, lookup_error=message[:300]
        )

    def _save(self, item: ImportItem, result: matching.MatchResult) -> None:
        fields = {
            "lookup": Lookup.DONE,
            "lookup_error": "",
            "confidence": round(result.confidence, 4),
            "reason": result.reason[:300],
        }
        status = None
        if not self.typed and matching.probably_not_a_film(
            result, seconds_watched=item.seconds_watched
        ):
            status = ImportItem.Status.SET_ASIDE
        if result.best is None:
            status = status or ImportItem.Status.UNMATCHED
            fields["match_tmdb_id"] = None
            fields["candidates"] = [candidate_to_dict(c) for c in result.alternatives]
        else:
            fields["match_tmdb_id"] = result.best.tmdb_id
            fields["candidates"] = [
                candidate_to_dict(c) for c in (result.best, *result.alternatives)
            ]
            if result.best.tmdb_id in self.ranked and result.confidence >= SET_ASIDE_CONFIDENCE:
                status = ImportItem.Status.ALREADY_RANKED
        still_waiting = {"pk": item.pk, "lookup": Lookup.WAITING}
        if status is None:
            ImportItem.objects.filter(status=ImportItem.Status.PENDING, **still_waiting).update(
                **fields
            )
        else:
            # Leaving "pending" changes the import's counts, in the same transaction.
            counters.item_set_status(
                session_id=self.session_id, item_filter=still_waiting, status=status, fields=fields
            )

    def _counts(self) -> dict[str, int]:
        return ImportItem.objects.filter(session_id=self.session_id).aggregate(
            matched_count=Count("pk", filter=Q(lookup=Lookup.DONE)),
            failed_count=Count("pk", filter=Q(lookup=Lookup.FAILED)),
            waiting=Count("pk", filter=Q(lookup=Lookup.WAITING)),
        )

    def _heartbeat(self) -> None:
        self.lookups.save()
        counts = self._counts()
        waiting = counts.pop("waiting")
        still_ours = ImportSession.objects.filter(
            pk=self.session_id, runner=self.token, status=ImportSession.Status.MATCHING
        ).update(heartbeat_at=timezone.now(), **counts)
        if not still_ours:
            # Cancelled, or declared dead and taken over by another run: stop quietly.
            self.lost_claim = True
        if self.progress:
            done = counts["matched_count"] + counts["failed_count"]
            self.progress(done, done + waiting)

    def _finish(self) -> None:
        counts = self._counts()
        waiting = counts.pop("waiting")
        update = dict(counts, heartbeat_at=timezone.now())
        if self.problem:
            update |= {"problem": self.problem[0], "problem_detail": self.problem[1][:300]}
        if not self.lost_claim:
            update["match_finished_at"] = timezone.now()
            update["status"] = ImportSession.Status.READY
        ImportSession.objects.filter(
            pk=self.session_id, runner=self.token, status=ImportSession.Status.MATCHING
        ).update(**update)
        if self.progress:
            done = counts["matched_count"] + counts["failed_count"]
            self.progress(done, done + waiting)
