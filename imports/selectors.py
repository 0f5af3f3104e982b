"""Read-side queries for import pages: what to show, never what to change."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from movieranking.models import Ranking

from .models import ImportItem, ImportSession

Status = ImportItem.Status

ITEM_FILTERS = {
    "review": ("To review", {"status": Status.PENDING}),
    "added": ("Added", {"status": Status.ADDED}),
    "skipped": ("Skipped", {"status": Status.SKIPPED}),
    "already_ranked": ("Already ranked", {"status": Status.ALREADY_RANKED}),
    "not_found": ("Not found", {"status": Status.UNMATCHED}),
    "failed": ("Look-up failed", {"lookup": ImportItem.Lookup.FAILED}),
    "all": ("All", {}),
}


def session_for(user, session_id) -> ImportSession:
    """The person's own, unexpired session, or 404 — for anyone else it does not exist."""
    return get_object_or_404(
        ImportSession, pk=session_id, owner=user, expires_at__gt=timezone.now()
    )


def item_for(session: ImportSession, position: int) -> ImportItem:
    return get_object_or_404(ImportItem, session=session, position=position)


def sessions_of(user) -> QuerySet[ImportSession]:
    """The person's imports, newest first, each with how many films it added and has left."""
    return (
        ImportSession.objects.filter(owner=user, expires_at__gt=timezone.now())
        .annotate(
            added_count=Count("items", filter=Q(items__status=Status.ADDED)),
            pending_count=Count("items", filter=Q(items__status=Status.PENDING)),
        )
        .order_by("-created_at")
    )


def current_item(session: ImportSession) -> ImportItem | None:
    """The next film to review: the first one whose match is known and still pending."""
    return (
        session.items.filter(status=Status.PENDING, lookup=ImportItem.Lookup.DONE)
        .order_by("position")
        .first()
    )


def existing_ranking(session: ImportSession, item: ImportItem | None) -> Ranking | None:
    if item is None or item.match_tmdb_id is None:
        return None
    return (
        Ranking.objects.filter(user_id=session.owner_id, movie__tmdb_id=item.match_tmdb_id)
        .select_related("movie")
        .first()
    )


def items_filtered(session: ImportSession, key: str) -> QuerySet[ImportItem]:
    _, conditions = ITEM_FILTERS.get(key, ITEM_FILTERS["all"])
    return session.items.filter(**conditions).order_by("position")


@dataclass(frozen=True)
class Progress:
    looked_up: int
    total: int
    percent: int
    seconds_left: int | None
    matching: bool


def matching_progress(session: ImportSession) -> Progress:
    looked_up = session.looked_up
    total = session.movies_found
    seconds_left = None
    if session.is_matching and session.match_started_at and looked_up:
        elapsed = (timezone.now() - session.match_started_at).total_seconds()
        seconds_left = round(elapsed / looked_up * max(total - looked_up, 0))
    return Progress(
        looked_up=looked_up,
        total=total,
        percent=session.match_percent,
        seconds_left=seconds_left,
        matching=session.is_matching,
    )
