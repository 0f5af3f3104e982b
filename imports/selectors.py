"""Reads for import pages, the API and the command: what to show, never what to change.

The TMDB look-ups for the search box are reads too; they take the client as a parameter
and only add to the shared look-up cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from movieranking.models import Movie, Ranking

from .models import ImportItem, ImportSession
from .tmdb import MovieSource, TMDBAuthError, TMDBError, TMDBNotFound
from .tmdb.cache import CachedLookups, candidate_to_dict

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
    "set_aside": ("Set aside", Q(status=Status.SET_ASIDE)),
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
    """The person's imports, newest first (each knows how many films it added and has left:
    `added_count`, `pending_count`)."""
    return ImportSession.objects.filter(owner=user, expires_at__gt=timezone.now()).order_by(
        "-created_at"
    )


_EXISTING = "_existing_ranking"


# The first pending, matched item of an import, with the person's ranking of its film joined
# in. Written out because the ORM can only say this with three subqueries, which took longer
# to build than the query takes to run, on every review step.
_NEXT_CARD = """
    SELECT item.*, ranking.id AS existing_pk, ranking.rating AS existing_rating,
           ranking.rated_at AS existing_rated_at
    FROM {item} item
    LEFT JOIN {movie} movie ON movie.tmdb_id = item.match_tmdb_id
    LEFT JOIN {ranking} ranking ON ranking.movie_id = movie.id AND ranking.user_id = %s
    WHERE item.session_id = %s AND item.status = %s AND item.lookup = %s
    ORDER BY item.position
    LIMIT 1
"""


def current_item(session: ImportSession) -> ImportItem | None:
    """The next film to review: the first matched film still pending, with the person's
    ranking of that film, if any, in the same query; then — once matching has finished —
    the films we could not find, one at a time."""
    tables = {
        "item": ImportItem._meta.db_table,
        "movie": Movie._meta.db_table,
        "ranking": Ranking._meta.db_table,
    }
    sql = _NEXT_CARD.format(**tables)
    session_id = ImportItem._meta.get_field("session").get_db_prep_value(session.pk, connection)
    params = [session.owner_id, session_id, Status.PENDING, ImportItem.Lookup.DONE]
    item = next(iter(ImportItem.objects.raw(sql, params)), None)
    if item is None:
        if session.is_matching:
            return None
        looked_up = session.items.filter(lookup=ImportItem.Lookup.DONE, status=Status.UNMATCHED)
        item = looked_up.order_by("position").first()
        if item is not None:
            remember_existing_ranking(item, None)  # no film, so no ranking of it
        return item
    item.session = session
    existing = None
    if item.existing_pk is not None:
        existing = Ranking(
            pk=item.existing_pk,
            user_id=session.owner_id,
            rating=item.existing_rating,
            rated_at=item.existing_rated_at,
        )
    remember_existing_ranking(item, existing)
    return item


def remember_existing_ranking(item: ImportItem, ranking: Ranking | None) -> None:
    """Note on `item` the person's ranking of its film, known already, for the card."""
    setattr(item, _EXISTING, ranking)


def existing_ranking(session: ImportSession, item: ImportItem | None) -> Ranking | None:
    """The person's ranking of the item's film (its rating and date), if they have one."""
    if item is None or item.match_tmdb_id is None:
        return None
    if hasattr(item, _EXISTING):
        return getattr(item, _EXISTING)
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


def session_counts(session: ImportSession) -> dict[str, int]:
    """How many items are in each review state: the counts kept on the import, so no query.
    `reviewed` is what the person has dealt with (added, skipped, kept or set aside);
    `not_looked_up` what matching has not found yet or failed on."""
    total = session.movies_found
    counts = {
        "total": total,
        "pending": session.pending_count,
        "added": session.added_count,
        "skipped": session.skipped_count,
        "already_ranked": session.already_ranked,
        "unmatched": session.unmatched_count,
        "set_aside": session.set_aside_count,
        "not_looked_up": max(0, total - session.matched_count),
    }
    counts["reviewed"] = total - counts["pending"] - counts["unmatched"]
    return counts


# --- Searching TMDB by hand -----------------------------------------------------------------


class SearchFailed(Exception):
    """TMDB could not answer a manual search. str() is the message for the person;
    `not_found` says TMDB has no such film (as opposed to TMDB failing)."""

    def __init__(self, message: str, *, not_found: bool = False) -> None:
        super().__init__(message)
        self.not_found = not_found


def _search_message(error: Exception) -> str:
    if isinstance(error, TMDBNotFound):
        return "TMDB has no film with that id."
    if isinstance(error, TMDBAuthError):
        return "TMDB refused our credentials; an administrator needs to fix the TMDB key."
    return "TMDB is not answering right now; try again in a minute."


def tmdb_search(*, query: str, client: MovieSource) -> list[dict]:
    """Films matching a title typed by the person, as candidate dicts."""
    lookups = CachedLookups(client)
    lookups.preload([(query, None)])
    try:
        results = lookups.search(query, None)
    except TMDBError as error:
        raise SearchFailed(_search_message(error)) from error
    lookups.save()
    return [candidate_to_dict(c) for c in results[:10]]


def tmdb_film(*, tmdb_id: int, client: MovieSource) -> dict:
    """One film by its TMDB id, as a candidate dict."""
    lookups = CachedLookups(client)
    lookups.preload(tmdb_ids=[tmdb_id])
    try:
        details = lookups.details(tmdb_id)
    except TMDBError as error:
        not_found = isinstance(error, TMDBNotFound)
        raise SearchFailed(_search_message(error), not_found=not_found) from error
    lookups.save()
    return candidate_to_dict(details)


@dataclass(frozen=True)
class Outcome:
    """Where an import stands, in the terms its pages use — counted once, here."""

    total: int = 0  # films found in the file
    set_aside: int = 0  # not reviewed: ranked before the import, or probably not a film
    probable_episodes: int = 0  # set aside as probably an episode or extra (no type column)
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
        episodes = [("set_aside", "set aside", self.probable_episodes)]
        return [
            ("matched", "matched", self.matched),
            ("to_check", "to check", self.to_check),
            ("not_found", "not found", self.not_found),
            ("already_ranked", "already ranked", self.already_ranked),
            *(episodes if self.probable_episodes else []),
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
        elif status == Status.SET_ASIDE:
            counts["set_aside"] += n
            counts["probable_episodes"] += n
        if row["lookup"] != ImportItem.Lookup.DONE:
            counts["not_looked_up"] += n
        elif not row["matched"] and status not in {Status.ADDED, Status.SET_ASIDE}:
            counts["not_found"] += n
        if row["matched"] and status not in {Status.ALREADY_RANKED, Status.SET_ASIDE}:
            counts["matched" if row["sure"] else "to_check"] += n
    return Outcome(**counts)
