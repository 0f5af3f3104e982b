"""The review steps: add a film with a rating, skip it, keep an existing rating, choose
another match, reopen, undo.

Each locks the import before its items (the same order everywhere) and checks that the import
is open and the item in a state that allows the step, so a double click or a second tab is
refused instead of acting twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from imports import learned, selectors
from imports.models import ImportItem, ImportSession
from imports.tmdb import GENRES, MovieSource
from movieranking.models import Movie, Ranking
from movieranking.services import movie_save, ranking_set

Status = ImportItem.Status


class ItemNotActionable(Exception):
    """The item is not in a state that allows this action (double click, another tab)."""


class ItemHasNoMatch(ItemNotActionable):
    """Adding needs a TMDB match; pick one or search first."""


@dataclass(frozen=True)
class AlreadyRanked(Exception):
    """The person already ranked this film; they choose to keep or replace their rating."""

    ranking: Ranking


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


def _movie_for(candidate: dict) -> Movie:
    """The Movie row for a TMDB candidate: created, or refreshed when TMDB's data changed."""
    release = candidate.get("release_date")
    release_date = date.fromisoformat(release) if release else None
    return movie_save(
        tmdb_id=candidate["tmdb_id"],
        title=candidate["title"][:500],
        original_title=(candidate.get("original_title") or "")[:500],
        original_language=(candidate.get("original_language") or "")[:20],
        release_date=release_date,
        year=release_date.year if release_date else None,
        poster_path=candidate.get("poster_path") or "",
        overview=candidate.get("overview") or "",
        popularity=candidate.get("popularity") or 0,
        vote_average=candidate.get("vote_average") or 0,
        vote_count=candidate.get("vote_count") or 0,
        genres=[GENRES[g] for g in candidate.get("genre_ids", []) if g in GENRES],
    )


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
    movie = _movie_for(best)
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
    learned.choice_record(item=item)
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
    """Put a skipped, already-ranked or set-aside item back in the queue to review."""
    allowed = {Status.SKIPPED, Status.ALREADY_RANKED, Status.UNMATCHED, Status.SET_ASIDE}
    item = _lock_for(item, allowed)
    item.status = Status.PENDING if item.match_tmdb_id else Status.UNMATCHED
    item.handled_at = None
    item.save(update_fields=["status", "handled_at"])
    return item


def item_choose(*, item: ImportItem, tmdb_id: int, client: MovieSource) -> ImportItem:
    """Make the film `tmdb_id` the item's match: one of its stored candidates, or any TMDB
    film, fetched first (outside the item's lock: TMDB can be slow). Raises SearchFailed
    when TMDB has no such film or cannot answer, ItemNotActionable when the item is done."""
    candidate = None
    if not any(c["tmdb_id"] == tmdb_id for c in item.candidates):
        candidate = selectors.tmdb_film(tmdb_id=tmdb_id, client=client)
    return item_choose_candidate(item=item, tmdb_id=tmdb_id, candidate=candidate)


@transaction.atomic
def item_choose_candidate(
    *, item: ImportItem, tmdb_id: int, candidate: dict | None = None
) -> ImportItem:
    """Make another film the item's match: one of its alternatives, or `candidate` (a
    TMDB result the person found by hand)."""
    item = _lock_for(item, {Status.PENDING, Status.SKIPPED, Status.UNMATCHED, Status.SET_ASIDE})
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
    learned.choice_withdraw(item=last)
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
    if not session.items.filter(status=Status.PENDING).exists():
        ImportSession.objects.filter(pk=session.pk, status=ImportSession.Status.READY).update(
            status=ImportSession.Status.COMPLETED
        )
        session.status = ImportSession.Status.COMPLETED
