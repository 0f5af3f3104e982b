"""The review steps: add a film with a rating, skip it, keep an existing rating, choose
another match, reopen, undo.

Each locks the import, then its item — the same order everywhere, so two tabs or two
imports never deadlock — in one statement, checks that the import is open and the item in a
state that allows the step (a double click or a second tab is refused instead of acting
twice), and updates the import's counts in the same transaction. A step touches a handful
of rows, whatever the size of the import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from imports import counters, learned, selectors
from imports.models import ImportItem, ImportSession
from imports.tmdb import GENRES, MovieSource
from movieranking.models import Movie, Ranking
from movieranking.services import (
    movie_save,
    ranking_create,
    ranking_delete_unreferenced,
    ranking_update,
)

Status = ImportItem.Status


class ItemNotActionable(Exception):
    """The item is not in a state that allows this action (double click, another tab)."""


class ItemHasNoMatch(ItemNotActionable):
    """Adding needs a TMDB match; pick one or search first."""


@dataclass(frozen=True)
class AlreadyRanked(Exception):
    """The person already ranked this film; they choose to keep or replace their rating.
    `item` is the item as it was when the step was refused."""

    ranking: Ranking
    item: ImportItem


@dataclass(frozen=True)
class ItemRef:
    """An item as a request names it: a position in one of the person's imports. The step
    finds and locks it in one statement; an import that is someone else's, expired or
    missing is a 404."""

    owner_id: int
    session_id: UUID
    position: int


@dataclass(frozen=True)
class SessionRef:
    """One of the person's imports as a request names it; see ItemRef."""

    owner_id: int
    session_id: UUID


def _mine(ref: ItemRef | SessionRef, prefix: str = "session__") -> dict:
    return {
        f"{prefix}pk": ref.session_id,
        f"{prefix}owner_id": ref.owner_id,
        f"{prefix}expires_at__gt": timezone.now(),
    }


def _lock_for(item: ImportItem | ItemRef, allowed: set[str]) -> ImportItem:
    """The item and its import, both locked until the transaction ends (the import first),
    provided the import is still open and the item in one of the `allowed` states."""
    locked = ImportItem.objects.select_related("session").select_for_update(of=("session", "self"))
    if isinstance(item, ItemRef):
        try:
            item = locked.get(**_mine(item), position=item.position)
        except ImportItem.DoesNotExist:
            raise Http404("No such film in your imports.") from None
    else:
        item = locked.get(pk=item.pk)
    session = item.session
    if session.status in {ImportSession.Status.CANCELLED, ImportSession.Status.FAILED}:
        raise ItemNotActionable("This import was cancelled; start a new one to add more films.")
    if item.status not in allowed:
        raise ItemNotActionable(f"{item.title} was already {item.get_status_display().lower()}.")
    return item


def _move(item: ImportItem, status: str, *fields: str) -> ImportItem:
    """Save the locked item in `status` (with `fields`) and its import's counts. Acting on
    an item reopens a completed review; reviewing the last film completes it."""
    session = item.session
    changed = counters.moved(session, item.status, status)
    item.status = status
    item.handled_at = None if status in {Status.PENDING, Status.UNMATCHED} else timezone.now()
    item.save(update_fields=["status", "handled_at", *fields])
    # Films we could not find are part of the review too: search for them, or skip them.
    done = session.pending_count == 0 and session.unmatched_count == 0 and not session.is_matching
    wanted = ImportSession.Status.COMPLETED if done else ImportSession.Status.READY
    reviewing = {ImportSession.Status.READY, ImportSession.Status.COMPLETED}
    if session.status in reviewing and session.status != wanted:
        session.status = wanted
        changed.append("status")
    if changed:
        session.save(update_fields=changed)
    return item


def _movie_for(candidate: dict) -> Movie:
    """The Movie row for a TMDB candidate: created, or refreshed with TMDB's data."""
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
    *,
    item: ImportItem | ItemRef,
    rating: int,
    rated_at: date | None = None,
    replace: bool = False,
    chosen_first: bool = False,
) -> ImportItem:
    """Rank the item's matched film. Raises AlreadyRanked when the person already rated it
    (from this import, another one, or by hand — even a moment ago in another tab) and did
    not ask to replace that rating. With `chosen_first` (the review page) an unsure match
    must be chosen before it is rated."""
    if not 1 <= rating <= 5:
        raise ValueError("rating must be between 1 and 5")
    allowed = {Status.PENDING, Status.SKIPPED, Status.UNMATCHED}
    item = _lock_for(item, allowed | ({Status.ALREADY_RANKED} if replace else set()))
    best = item.best
    if best is None:
        raise ItemHasNoMatch(f"{item.title} has no TMDB match yet: pick one or search first.")
    if chosen_first and item.asks_which_film:
        raise ItemNotActionable("Choose which film it is first.")
    owner_id = item.session.owner_id
    movie = _movie_for(best)
    rated_at = rated_at or item.last_watched_on or timezone.localdate()
    current = None
    if replace:
        current = Ranking.objects.select_for_update().filter(user_id=owner_id, movie=movie).first()
    if current is not None:
        item.replaced_rating, item.replaced_rated_at = current.rating, current.rated_at
        ranking = ranking_update(ranking=current, rating=rating, rated_at=rated_at)
    else:
        ranking = ranking_create(user_id=owner_id, movie=movie, rating=rating, rated_at=rated_at)
        if ranking is None:
            existing = Ranking.objects.select_related("movie").get(user_id=owner_id, movie=movie)
            raise AlreadyRanked(existing, item)
        item.replaced_rating = item.replaced_rated_at = None
    item.ranking = ranking
    item = _move(item, Status.ADDED, "ranking", "replaced_rating", "replaced_rated_at")
    learned.choice_record(item=item)
    return item


@transaction.atomic
def item_skip(*, item: ImportItem | ItemRef) -> ImportItem:
    item = _lock_for(item, {Status.PENDING, Status.UNMATCHED})
    return _move(item, Status.SKIPPED)


@transaction.atomic
def item_keep_existing(*, item: ImportItem | ItemRef) -> ImportItem:
    """The person keeps the rating they already had for this film."""
    item = _lock_for(item, {Status.PENDING, Status.SKIPPED})
    return _move(item, Status.ALREADY_RANKED)


@transaction.atomic
def item_reopen(*, item: ImportItem | ItemRef) -> ImportItem:
    """Put a skipped, already-ranked or set-aside item back in the queue to review."""
    allowed = {Status.SKIPPED, Status.ALREADY_RANKED, Status.UNMATCHED, Status.SET_ASIDE}
    item = _lock_for(item, allowed)
    return _move(item, Status.PENDING if item.match_tmdb_id else Status.UNMATCHED)


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
    *, item: ImportItem | ItemRef, tmdb_id: int, candidate: dict | None = None
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
    return _move(item, Status.PENDING, "candidates", "match_tmdb_id", "confidence", "reason")


@transaction.atomic
def item_undo(*, session: ImportSession | SessionRef) -> ImportItem | None:
    """Take back the most recent add, skip or keep in this import. Returns the item, now
    back in the queue, or None when there is nothing to undo.

    Undoing an add deletes the ranking it made — unless an add from another import has
    since replaced that rating and still stands on it; undoing an add that replaced a
    rating puts the old rating back. Either way every added item keeps its ranking."""
    mine = _mine(session) if isinstance(session, SessionRef) else {"session_id": session.pk}
    last = (
        ImportItem.objects.filter(handled_at__isnull=False, **mine)
        .select_related("session")
        .select_for_update(of=("session", "self"))
        .order_by("-handled_at", "-pk")
        .first()
    )
    if last is None:
        if isinstance(session, SessionRef):
            selectors.session_for(session.owner_id, session.session_id)  # a 404 if not theirs
        return None
    if not last.session.is_open and last.session.status != ImportSession.Status.COMPLETED:
        return None
    was_added, existing = last.status == Status.ADDED, None
    if was_added and last.ranking_id is not None:
        # Locked before looking for other items on it: an add that replaces this rating
        # from another import locks it too, so it either finished before this look or
        # waits until the ranking is gone and then makes a new one.
        ranking = Ranking.objects.select_for_update().filter(pk=last.ranking_id).first()
        if ranking is None:
            pass  # removed from the rankings page meanwhile
        elif last.replaced_rating is not None:
            existing = ranking_update(
                ranking=ranking,
                rating=last.replaced_rating,
                rated_at=last.replaced_rated_at or ranking.rated_at,
            )
        elif ImportItem.objects.filter(ranking=ranking).exclude(pk=last.pk).exists():
            existing = ranking  # another import's add replaced it and stands on it
        else:
            # This item stops pointing at it below, in the same transaction.
            ranking_delete_unreferenced(ranking=ranking)
    # After the ranking, as an add takes them: the person's row is locked last.
    learned.choice_withdraw(item=last)
    last.ranking = None
    last.replaced_rating = None
    last.replaced_rated_at = None
    _move(
        last,
        Status.PENDING if last.match_tmdb_id else Status.UNMATCHED,
        "ranking",
        "replaced_rating",
        "replaced_rated_at",
    )
    if was_added:
        # The card that shows the item again need not look this up.
        selectors.remember_existing_ranking(last, existing)
    return last
