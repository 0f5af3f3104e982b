"""Read-side queries for import pages: what to show, never what to change."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from movieranking.models import Ranking

from .models import ImportItem, ImportSession

Status = ImportItem.Status

SURE = ImportItem.SURE
_MATCHED = Q(match_tmdb_id__isnull=False) & ~Q(status=Status.ALREADY_RANKED)
_NOT_FOUND = Q(lookup=ImportItem.Lookup.DONE, match_tmdb_id__isnull=True) & ~Q(status=Status.ADDED)

# The item list's tabs: (label, which items).
ITEM_FILTERS = {
    "review": ("To review", Q(status__in=[Status.PENDING, Status.UNMATCHED])),
    "matched": ("Matched", _MATCHED & Q(confidence__gte=SURE)),
    "to_check": ("To check", _MATCHED & (Q(confidence__lt=SURE) | Q(confidence__isnull=True))),
    "not_found": ("Not found", _NOT_FOUND),
    "already_ranked": ("Already ranked", Q(status=Status.ALREADY_RANKED)),
    "added": ("Added", Q(status=Status.ADDED)),
    "skipped": ("Skipped", Q(status=Status.SKIPPED)),
    "failed": ("Look-up failed", Q(lookup=ImportItem.Lookup.FAILED)),
    "all": ("All", Q()),
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
    """The next film to review: the first matched film still pending, then — once matching
    has finished — the films we could not find, one at a time."""
    looked_up = session.items.filter(lookup=ImportItem.Lookup.DONE).order_by("position")
    item = looked_up.filter(status=Status.PENDING).first()
    if item is None and not session.is_matching:
        item = looked_up.filter(status=Status.UNMATCHED).first()
    return item


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
    return session.items.filter(conditions).order_by("position")


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
    if session.is_matching and session.match_started_at and session.heartbeat_at and looked_up:
        # The counts were taken at the last heartbeat: estimate from the pace up to then, and
        # count down since. Measuring up to now would make the estimate climb between
        # heartbeats, while the counts stand still.
        measured = (session.heartbeat_at - session.match_started_at).total_seconds()
        at_heartbeat = measured / looked_up * max(total - looked_up, 0)
        since = (timezone.now() - session.heartbeat_at).total_seconds()
        seconds_left = max(round(at_heartbeat - since), 0)
    return Progress(
        looked_up=looked_up,
        total=total,
        percent=session.match_percent,
        seconds_left=seconds_left,
        matching=session.is_matching,
    )


@dataclass(frozen=True)
class Outcome:
    """Where an import stands, in the terms its pages use — counted once, here."""

    total: int = 0  # films found in the file
    set_aside: int = 0  # ranked before the import: matching set them aside, not reviewed
    reviewed: int = 0  # added, skipped or kept by the person
    added: int = 0  # added, and still in the person's rankings
    removed: int = 0  # added, then removed from the rankings since
    skipped: int = 0  # skipped, with a match
    already_ranked: int = 0  # set aside, or the person kept the rating they had
    not_found: int = 0  # TMDB has no match and the film was not added
    matched: int = 0  # a sure match (whatever the person did with it)
    to_check: int = 0  # a likely or unsure match
    not_looked_up: int = 0  # the TMDB look-up is still to come, or failed

    @property
    def to_review(self) -> int:
        """The films the review goes through: all but those set aside."""
        return self.total - self.set_aside

    @property
    def left(self) -> int:
        return self.to_review - self.reviewed

    def counter(self, item: ImportItem | None) -> ReviewCounter:
        """The review's "Film N of M" for `item` — its number while it awaits the person."""
        number = None
        if item is not None and item.awaits_review:
            number = min(self.reviewed + 1, self.to_review)
        return ReviewCounter(number=number, total=self.to_review, reviewed=self.reviewed)

    @property
    def links(self) -> list[tuple[str, str, int]]:
        """The import page's outcome: (the list it links to, its words, how many)."""
        return [
            ("matched", "matched", self.matched),
            ("to_check", "to check", self.to_check),
            ("not_found", "not found", self.not_found),
            ("already_ranked", "already ranked", self.already_ranked),
        ]


@dataclass(frozen=True)
class ReviewCounter:
    number: int | None
    total: int
    reviewed: int


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def session_outcome(session: ImportSession) -> Outcome:
    """Count the import's items by what they mean to the person, in one grouped query."""
    rows = (
        session.items.order_by()
        .annotate(
            matched=_flag(Q(match_tmdb_id__isnull=False)),
            handled=_flag(Q(handled_at__isnull=False)),
            ranked=_flag(Q(ranking__isnull=False)),
            sure=_flag(Q(confidence__gte=SURE)),
        )
        .values("status", "lookup", "matched", "handled", "ranked", "sure")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(Outcome.__dataclass_fields__, 0)
    for row in rows:
        n, status = row["n"], row["status"]
        counts["total"] += n
        if row["handled"]:
            counts["reviewed"] += n
        if status == Status.ADDED:
            counts["added" if row["ranked"] else "removed"] += n
        elif status == Status.SKIPPED and row["matched"]:
            counts["skipped"] += n
        elif status == Status.ALREADY_RANKED:
            counts["already_ranked"] += n
            if not row["handled"]:
                counts["set_aside"] += n
        if row["lookup"] != ImportItem.Lookup.DONE:
            counts["not_looked_up"] += n
        elif not row["matched"] and status != Status.ADDED:
            counts["not_found"] += n
        if row["matched"] and status != Status.ALREADY_RANKED:
            counts["matched" if row["sure"] else "to_check"] += n
    return Outcome(**counts)
