"""Reads for import pages, the API and the command: what to show, never what to change.

The TMDB look-ups for the search box are reads too; they take the client as a parameter
and only add to the shared look-up cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from movieranking.models import Movie, Ranking

from .models import ImportItem, ImportSession
from .tmdb import MovieSource, TMDBAuthError, TMDBError, TMDBNotFound
from .tmdb.cache import CachedLookups, candidate_to_dict

Status = ImportItem.Status

ITEM_FILTERS = {
    "review": ("To review", {"status": Status.PENDING}),
    "added": ("Added", {"status": Status.ADDED}),
    "skipped": ("Skipped", {"status": Status.SKIPPED}),
    "already_ranked": ("Already ranked", {"status": Status.ALREADY_RANKED}),
    "not_found": ("Not found", {"status": Status.UNMATCHED}),
    "set_aside": ("Set aside", {"status": Status.SET_ASIDE}),
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
    """The next film to review — the first one whose match is known and still pending —
    with the person's ranking of that film, if any, in the same query."""
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
        return None
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
