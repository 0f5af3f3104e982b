"""The import workflow: every write of an import goes through one of these functions.

Views, tasks, the admin, the JSON API and the `import_prime` command call them; none of them
re-implements a step. Functions are keyword-only and transactional.
"""

from __future__ import annotations

import hashlib
import logging
import zoneinfo
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from movieranking.models import Movie, Ranking
from movieranking.services import ranking_set

from . import reading
from .models import ImportItem, ImportSession
from .tmdb import GENRES

logger = logging.getLogger(__name__)

Status = ImportItem.Status


class ImportRejected(Exception):
    """The upload cannot become an import. str() is the message for the person."""


class ItemNotActionable(Exception):
    """The item is not in a state that allows this action (double click, another tab)."""


class ItemHasNoMatch(ItemNotActionable):
    """Adding needs a TMDB match; pick one or search first."""


@dataclass(frozen=True)
class AlreadyRanked(Exception):
    """The person already ranked this film; they choose to keep or replace their rating."""

    ranking: Ranking


# --- Upload ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadResult:
    session: ImportSession
    created: bool


def _user_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def session_create_from_upload(
    *, owner, file_name: str, data: bytes, tz: zoneinfo.ZoneInfo | None = None, enqueue=True
) -> UploadResult:
    """Read a history file and store it as an import session with one item per movie.

    Everything is written in one transaction, or nothing is. Uploading a file this person
    already uploaded returns the existing session. Raises ImportRejected with a message
    for the person when the file cannot be used.
    """
    limit = settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024
    if len(data) > limit:
        raise ImportRejected(
            f"The file is {len(data) / 1024 / 1024:.0f} MB; the largest we accept is "
            f"{settings.IMPORT_MAX_UPLOAD_MB} MB. Upload only the viewing history CSV "
            "rather than the whole data download."
        )
    digest = hashlib.sha256(data).hexdigest()
    existing = _existing_session(owner, digest)
    if existing:
        return UploadResult(existing, created=False)
    try:
        parsed = reading.parse_history(
            data,
            max_rows=settings.IMPORT_MAX_ROWS,
            # A history inside Amazon's ZIP may be no larger than twice what we accept
            # uncompressed, which bounds the memory one upload can take.
            max_unzipped_bytes=2 * limit,
        )
    except reading.ParseError as error:
        raise ImportRejected(str(error)) from None
    summary = reading.summarize(parsed, tz=tz or _user_zone())
    try:
        session = _store(owner=owner, file_name=file_name, digest=digest, summary=summary)
    except IntegrityError:
        # The same file arrived twice at once (a double submit): offer the first.
        existing = _existing_session(owner, digest)
        if existing is None:
            raise
        return UploadResult(existing, created=False)
    if enqueue and session.status == ImportSession.Status.MATCHING:
        session_enqueue_matching(session=session)
    return UploadResult(session, created=True)


def _existing_session(owner, digest: str) -> ImportSession | None:
    existing = (
        ImportSession.objects.filter(owner=owner, file_sha256=digest)
        .exclude(status=ImportSession.Status.CANCELLED)
        .first()
    )
    if existing is not None and existing.expires_at <= timezone.now():
        # Expired (or expired by an admin) and waiting to be pruned: the person no longer
        # sees it, so the file starts a fresh import. Cancelling it frees the file.
        ImportSession.objects.filter(pk=existing.pk).update(status=ImportSession.Status.CANCELLED)
        return None
    return existing


MAX_STORED_PROBLEMS = 200


@transaction.atomic
def _store(*, owner, file_name: str, digest: str, summary: reading.HistorySummary):
    session = ImportSession.objects.create(
        owner=owner,
        file_name=file_name[:255],
        file_sha256=digest,
        layout=summary.layout,
        layout_label=summary.layout_label,
        locale=summary.locale,
        source_name=summary.source_name[:255],
        status=(
            ImportSession.Status.MATCHING if summary.movies else ImportSession.Status.COMPLETED
        ),
        rows_read=summary.rows,
        movies_found=len(summary.movies),
        episodes=summary.episodes,
        trailers=summary.trailers,
        other_left_out=summary.other,
        duplicates=summary.duplicates,
        brief_plays=summary.brief_plays,
        unreadable=len(summary.unreadable),
        unreadable_lines=[
            {"line": p.line, "reason": p.reason} for p in summary.unreadable[:MAX_STORED_PROBLEMS]
        ],
        truncated_at_hash=summary.truncated_at_hash,
    )
    ImportItem.objects.bulk_create(
        (
            ImportItem(
                session=session,
                position=position,
                title=entry.title[:500],
                search_title=entry.search_title[:500],
                year_hint=entry.year_hint,
                watched_on=[d.isoformat() for d in entry.watched_on],
                first_watched_on=entry.watched_on[0] if entry.watched_on else None,
                last_watched_on=entry.watched_on[-1] if entry.watched_on else None,
                watch_count=entry.watch_count,
                amazon_title_id=entry.title_id[:120],
                amazon_path=entry.path[:500],
                amazon_image_url=entry.image_url[:500],
                source_line=entry.first_line,
            )
            for position, entry in enumerate(summary.movies, start=1)
        ),
        batch_size=1000,
    )
    return session


# --- Matching -------------------------------------------------------------------------------


def session_enqueue_matching(*, session: ImportSession) -> None:
    """Start (or resume) matching in the background once the current transaction commits."""
    from .tasks import match_session

    session_id = str(session.pk)
    transaction.on_commit(lambda: match_session.enqueue(session_id))


def sessions_requeue_stale() -> int:
    """Hand the sessions of dead matching runs to a new run. Returns how many."""
    from .runner import stale_sessions

    requeued = 0
    for session in stale_sessions():
        with transaction.atomic():
            # Clearing the claim lets the next run take it; a run that was only slow
            # notices at its next heartbeat and stops.
            if ImportSession.objects.filter(pk=session.pk, runner=session.runner).update(runner=""):
                session_enqueue_matching(session=session)
                requeued += 1
    return requeued


@transaction.atomic
def session_retry_matching(*, session: ImportSession) -> int:
    """Look up again every item whose look-up failed or never ran. Returns how many."""
    session = ImportSession.objects.select_for_update().get(pk=session.pk)
    if not session.is_open:
        return 0
    session.items.filter(lookup=ImportItem.Lookup.FAILED).update(
        lookup=ImportItem.Lookup.WAITING, lookup_error=""
    )
    waiting = session.items.filter(lookup=ImportItem.Lookup.WAITING).count()
    if waiting:
        session.status = ImportSession.Status.MATCHING
        session.problem = ""
        session.problem_detail = ""
        session.failed_count = session.items.filter(lookup=ImportItem.Lookup.FAILED).count()
        session.save(update_fields=["status", "problem", "problem_detail", "failed_count"])
        session_enqueue_matching(session=session)
    return waiting


# --- Review ---------------------------------------------------------------------------------


def _lock_for(item: ImportItem, allowed: set[str]) -> ImportItem:
    """The item row, locked until the transaction ends, with its session — provided the
    import is still open and the item is in one of the `allowed` states. A double click or
    a second tab finds the state already changed and is refused here."""
    item = (
        ImportItem.objects.select_for_update(of=("self",))
        .select_related("session__owner")
        .get(pk=item.pk)
    )
    session = item.session
    if session.status in {ImportSession.Status.CANCELLED, ImportSession.Status.FAILED}:
        raise ItemNotActionable("This import was cancelled; start a new one to add more films.")
    if item.status not in allowed:
        raise ItemNotActionable(f"{item.title} was already {item.get_status_display().lower()}.")
    if session.status == ImportSession.Status.COMPLETED:
        # Going back to an item reopens the review.
        ImportSession.objects.filter(pk=session.pk).update(status=ImportSession.Status.READY)
        session.status = ImportSession.Status.READY
    return item


def _handle(item: ImportItem, status: str) -> ImportItem:
    """Mark the item reviewed with `status`; the import completes when none is left."""
    item.status = status
    item.handled_at = timezone.now()
    item.save(update_fields=["status", "handled_at"])
    _complete_if_done(item.session)
    return item


def movie_from_candidate(candidate: dict) -> Movie:
    """The Movie row for a TMDB candidate: created, or refreshed when TMDB's data changed."""
    release = candidate.get("release_date")
    release_date = date.fromisoformat(release) if release else None
    fields = {
        "title": candidate["title"][:500],
        "original_title": (candidate.get("original_title") or "")[:500],
        "original_language": (candidate.get("original_language") or "")[:20],
        "release_date": release_date,
        "year": release_date.year if release_date else None,
        "poster_path": candidate.get("poster_path") or "",
        "overview": candidate.get("overview") or "",
        "popularity": candidate.get("popularity") or 0,
        "vote_average": candidate.get("vote_average") or 0,
        "vote_count": candidate.get("vote_count") or 0,
        "genres": [GENRES[g] for g in candidate.get("genre_ids", []) if g in GENRES],
    }
    movie = Movie.objects.filter(tmdb_id=candidate["tmdb_id"]).first()
    if movie is None:
        try:
            with transaction.atomic():
                return Movie.objects.create(tmdb_id=candidate["tmdb_id"], **fields)
        except IntegrityError:
            # Someone added the same film a moment ago.
            movie = Movie.objects.get(tmdb_id=candidate["tmdb_id"])
    changed = [name for name, value in fields.items() if getattr(movie, name) != value]
    if changed:
        for name in changed:
            setattr(movie, name, fields[name])
        movie.save(update_fields=[*changed, "updated_at"])
    return movie


@transaction.atomic
def item_add(
    *, item: ImportItem, rating: int, rated_at: date | None = None, replace: bool = False
) -> ImportItem:
    """Rank the item's matched film. Raises AlreadyRanked when the person already rated it
    and did not ask to replace that rating."""
    allowed = {Status.PENDING, Status.SKIPPED, Status.UNMATCHED}
    item = _lock_for(item, allowed | ({Status.ALREADY_RANKED} if replace else set()))
    best = item.best
    if best is None:
        raise ItemHasNoMatch(f"{item.title} has no TMDB match yet: pick one or search first.")
    if not 1 <= rating <= 5:
        raise ValueError("rating must be between 1 and 5")
    owner = item.session.owner
    movie = movie_from_candidate(best)
    existing = Ranking.objects.select_for_update().filter(user=owner, movie=movie).first()
    if existing and not replace:
        raise AlreadyRanked(existing)
    item.replaced_rating = existing.rating if existing else None
    item.replaced_rated_at = existing.rated_at if existing else None
    ranking, _ = ranking_set(
        user=owner,
        movie=movie,
        rating=rating,
        rated_at=rated_at or item.last_watched_on or timezone.localdate(),
        current=existing,
    )
    item.ranking = ranking
    item.status = Status.ADDED
    item.handled_at = timezone.now()
    item.save(
        update_fields=["ranking", "status", "handled_at", "replaced_rating", "replaced_rated_at"]
    )
    _complete_if_done(item.session)
    return item


@transaction.atomic
def item_skip(*, item: ImportItem) -> ImportItem:
    item = _lock_for(item, {Status.PENDING, Status.UNMATCHED})
    return _handle(item, Status.SKIPPED)


@transaction.atomic
def item_keep_existing(*, item: ImportItem) -> ImportItem:
    """The person keeps the rating they already had for this film."""
    item = _lock_for(item, {Status.PENDING, Status.SKIPPED})
    return _handle(item, Status.ALREADY_RANKED)


@transaction.atomic
def item_reopen(*, item: ImportItem) -> ImportItem:
    """Put a skipped (or set-aside) item back in the queue to review."""
    item = _lock_for(item, {Status.SKIPPED, Status.ALREADY_RANKED, Status.UNMATCHED})
    item.status = Status.PENDING if item.match_tmdb_id else Status.UNMATCHED
    item.handled_at = None
    item.save(update_fields=["status", "handled_at"])
    return item


@transaction.atomic
def item_choose_candidate(
    *, item: ImportItem, tmdb_id: int, candidate: dict | None = None
) -> ImportItem:
    """Make another film the item's match: one of its alternatives, or `candidate` (a
    TMDB result the person found by hand)."""
    item = _lock_for(item, {Status.PENDING, Status.SKIPPED, Status.UNMATCHED})
    known = next((c for c in item.candidates if c["tmdb_id"] == tmdb_id), None)
    chosen = known or candidate
    if chosen is None or chosen["tmdb_id"] != tmdb_id:
        raise ItemNotActionable("That film is not one of the choices; search for it instead.")
    others = [c for c in item.candidates if c["tmdb_id"] != tmdb_id]
    item.candidates = [chosen, *others][:5]
    item.match_tmdb_id = tmdb_id
    item.confidence = 1.0
    item.reason = "chosen by you"
    item.status = Status.PENDING
    item.handled_at = None
    item.save(
        update_fields=[
            "candidates",
            "match_tmdb_id",
            "confidence",
            "reason",
            "status",
            "handled_at",
        ]
    )
    return item


@transaction.atomic
def item_undo(*, session: ImportSession) -> ImportItem | None:
    """Take back the most recent add, skip or keep in this session. Returns the item, now
    back in the queue, or None when there is nothing to undo."""
    session = ImportSession.objects.select_for_update().get(pk=session.pk)
    if not session.is_open and session.status != ImportSession.Status.COMPLETED:
        return None
    last = (
        session.items.filter(handled_at__isnull=False)
        .select_for_update(of=("self",))
        .select_related("ranking")
        .order_by("-handled_at", "-pk")
        .first()
    )
    if last is None:
        return None
    if last.status == Status.ADDED and last.ranking is not None:
        if last.replaced_rating:
            last.ranking.rating = last.replaced_rating
            last.ranking.rated_at = last.replaced_rated_at or last.ranking.rated_at
            last.ranking.save(update_fields=["rating", "rated_at", "updated_at"])
        else:
            last.ranking.delete()
    last.status = Status.PENDING if last.match_tmdb_id else Status.UNMATCHED
    last.ranking = None
    last.replaced_rating = None
    last.replaced_rated_at = None
    last.handled_at = None
    last.save(
        update_fields=["status", "ranking", "replaced_rating", "replaced_rated_at", "handled_at"]
    )
    if session.status == ImportSession.Status.COMPLETED:
        session.status = ImportSession.Status.READY
        session.save(update_fields=["status"])
    return last


def _complete_if_done(session: ImportSession) -> None:
    if session.status != ImportSession.Status.READY:
        return
    # Films we could not find are part of the review too: search for them, or skip them.
    if not session.items.filter(status__in=[Status.PENDING, Status.UNMATCHED]).exists():
        ImportSession.objects.filter(pk=session.pk, status=ImportSession.Status.READY).update(
            status=ImportSession.Status.COMPLETED
        )
        session.status = ImportSession.Status.COMPLETED


@transaction.atomic
def session_finish(*, session: ImportSession) -> ImportSession:
    """The person is done reviewing; what is left stays unreviewed."""
    session = ImportSession.objects.select_for_update().get(pk=session.pk)
    if session.status == ImportSession.Status.READY:
        session.status = ImportSession.Status.COMPLETED
        session.save(update_fields=["status"])
    return session


@transaction.atomic
def session_cancel(*, session: ImportSession) -> ImportSession:
    """Stop this import. Rankings it already added stay."""
    session = ImportSession.objects.select_for_update().get(pk=session.pk)
    if session.is_open:
        session.status = ImportSession.Status.CANCELLED
        session.save(update_fields=["status"])
    return session


def session_expire_now(*, session: ImportSession) -> None:
    ImportSession.objects.filter(pk=session.pk).update(expires_at=timezone.now())


def sessions_prune(*, now=None) -> int:
    """Delete expired import sessions and their items (rankings stay). Returns how many."""
    expired = ImportSession.objects.filter(expires_at__lt=now or timezone.now())
    count = expired.count()
    expired.delete()
    return count


def session_counts(session: ImportSession) -> dict[str, int]:
    """How many items are in each review state, from one grouped query."""
    counts = dict.fromkeys(
        ["total", "pending", "added", "skipped", "already_ranked", "unmatched", "not_looked_up"],
        0,
    )
    grouped = session.items.order_by().values_list("status", "lookup").annotate(n=Count("pk"))
    for status, lookup, n in grouped:
        counts["total"] += n
        counts[status] += n
        if lookup != ImportItem.Lookup.DONE:
            counts["not_looked_up"] += n
    counts["reviewed"] = counts["total"] - counts["pending"] - counts["unmatched"]
    return counts


# --- Searching TMDB by hand -----------------------------------------------------------------


class SearchFailed(Exception):
    """TMDB could not answer a manual search. str() is the message for the person;
    `not_found` says TMDB has no such film (as opposed to TMDB failing)."""

    def __init__(self, message: str, *, not_found: bool = False) -> None:
        super().__init__(message)
        self.not_found = not_found


def _search_message(error: Exception) -> str:
    from .tmdb import TMDBAuthError, TMDBNotFound

    if isinstance(error, TMDBNotFound):
        return "TMDB has no film with that id."
    if isinstance(error, TMDBAuthError):
        return "TMDB refused our credentials; an administrator needs to fix the TMDB key."
    return "TMDB is not answering right now; try again in a minute."


def tmdb_search(*, query: str) -> list[dict]:
    """Films matching a title typed by the person, as candidate dicts."""
    from .tmdb import TMDBError, build_client
    from .tmdb.cache import CachedLookups, candidate_to_dict

    with build_client() as client:
        lookups = CachedLookups(client)
        lookups.preload([(query, None)])
        try:
            results = lookups.search(query, None)
        except TMDBError as error:
            raise SearchFailed(_search_message(error)) from error
        lookups.save()
    return [candidate_to_dict(c) for c in results[:10]]


def tmdb_candidate(*, tmdb_id: int) -> dict:
    """One film by its TMDB id, as a candidate dict."""
    from .tmdb import TMDBError, TMDBNotFound, build_client
    from .tmdb.cache import CachedLookups, candidate_to_dict

    with build_client() as client:
        lookups = CachedLookups(client)
        lookups.preload(tmdb_ids=[tmdb_id])
        try:
            details = lookups.details(tmdb_id)
        except TMDBError as error:
            not_found = isinstance(error, TMDBNotFound)
            raise SearchFailed(_search_message(error), not_found=not_found) from error
        lookups.save()
    return candidate_to_dict(details)
