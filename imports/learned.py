"""Learning from people's choices: which film people added for an Amazon title.

When someone adds a film from the review (the best match, an alternative, a search result or
a pasted TMDB id), the pair "this Amazon title → this film" is counted, under Amazon's own
title id when the file has one (`Global Title Identifier`, an ASIN) and under the normalized
title with the file's language. Later imports, by anyone, look these counts up before
anything else (`imports.matching.choices` turns them into the best match and a confidence).

Counts only: a `LearnedChoice` row says how many different people chose a film for a title,
never who. One person counts once per title: the person's own import item remembers that it
counted (`ImportItem.chosen_tmdb_id`), so adding the same film again does not count twice,
choosing another film moves their one vote, and undoing the add takes it back. That memory
goes with the import when it expires; the counts stay, linked to no one.

Writes run inside the review step's transaction, after its import and item locks: then the
person's user row (so two tabs of one person count once), then the count rows in key order.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import F, Q

from imports.matching.choices import PeopleChose
from imports.models import ImportItem, LearnedChoice
from imports.reading.titles import normalize
from imports.tmdb.cache import candidate_from_dict

TITLE_ID = LearnedChoice.Kind.TITLE_ID
TITLE = LearnedChoice.Kind.TITLE
KEY_LENGTH = 600  # title keys; title ids are at most 120 characters (ImportItem)
LOOKUP_CHUNK = 500

Key = tuple[str, str]  # (kind, key)


def title_key(*, locale: str, search_title: str, year_hint: int | None) -> str:
    """The normalized title with the file's language ("ja:トップガン"), and the year the title
    names, if any. "" for a title with nothing left to compare."""
    normalized = normalize(search_title)
    if not normalized:
        return ""
    year = f" ({year_hint})" if year_hint else ""
    return f"{locale or '-'}:{normalized}{year}"[:KEY_LENGTH]


def _keys(item: ImportItem, locale: str) -> list[Key]:
    keys = []
    if item.amazon_title_id:
        keys.append((TITLE_ID, item.amazon_title_id))
    if key := title_key(locale=locale, search_title=item.search_title, year_hint=item.year_hint):
        keys.append((TITLE, key))
    return keys


# Where an item remembers that it counted under a key of each kind.
_FIELD = {TITLE_ID: "choice_title_id", TITLE: "choice_key"}


def _lock_person(owner_id: int) -> None:
    list(get_user_model().objects.select_for_update().filter(pk=owner_id).values_list("pk"))


def choice_record(*, item: ImportItem) -> None:
    """Count the owner's choice of `item`'s film for its Amazon title. Called by the review's
    add step, in its transaction, once the film is added.

    The person has one vote per key: a key they already chose this film for is left alone,
    and a vote they gave another film under a key moves here."""
    film = item.best
    if film is None:
        return
    session = item.session
    keys = _keys(item, session.locale)
    if not keys:
        return
    _lock_person(session.owner_id)
    same_key = Q()
    for kind, key in keys:
        same_key |= Q(**{_FIELD[kind]: key})
    earlier = list(
        ImportItem.objects.filter(same_key, session__owner_id=session.owner_id)
        .exclude(pk=item.pk)
        .only("pk", "choice_title_id", "choice_key", "chosen_tmdb_id")
    )
    changes: Counter[tuple[str, str, int]] = Counter()
    counted, moved = {}, set()
    for kind, key in keys:
        field = _FIELD[kind]
        voted = [other for other in earlier if getattr(other, field) == key]
        if any(other.chosen_tmdb_id == film["tmdb_id"] for other in voted):
            continue  # this person already counts for this film under this key
        for other in voted:  # they chose another film before: that vote moves here
            changes[(kind, key, other.chosen_tmdb_id)] -= 1
            setattr(other, field, "")
            moved.add(other)
        changes[(kind, key, film["tmdb_id"])] += 1
        counted[field] = key
    for other in moved:
        if not (other.choice_title_id or other.choice_key):
            other.chosen_tmdb_id = None
        ImportItem.objects.filter(pk=other.pk).update(
            chosen_tmdb_id=other.chosen_tmdb_id,
            choice_title_id=other.choice_title_id,
            choice_key=other.choice_key,
        )
    if not counted:
        return
    item.chosen_tmdb_id = film["tmdb_id"]
    item.choice_title_id = counted.get("choice_title_id", "")
    item.choice_key = counted.get("choice_key", "")
    ImportItem.objects.filter(pk=item.pk).update(
        chosen_tmdb_id=item.chosen_tmdb_id,
        choice_title_id=item.choice_title_id,
        choice_key=item.choice_key,
    )
    _apply(changes, film)


def choice_withdraw(*, item: ImportItem) -> None:
    """Take back what `item`'s add counted, if anything (the review's undo)."""
    if item.chosen_tmdb_id is None:
        return
    _lock_person(item.session.owner_id)
    changes = Counter()
    for kind, field in _FIELD.items():
        if key := getattr(item, field):
            changes[(kind, key, item.chosen_tmdb_id)] -= 1
    item.chosen_tmdb_id = None
    item.choice_title_id = item.choice_key = ""
    ImportItem.objects.filter(pk=item.pk).update(
        chosen_tmdb_id=None, choice_title_id="", choice_key=""
    )
    _apply(changes, None)


def _apply(changes: Counter, film: dict | None) -> None:
    """Add the changes to the counts, in key order (so concurrent steps never deadlock)."""
    for (kind, key, tmdb_id), delta in sorted(changes.items()):
        if delta < 0:  # a vote taken back or moved: rare, one pair at a time
            rows = LearnedChoice.objects.filter(kind=kind, key=key, tmdb_id=tmdb_id)
            rows.update(people=F("people") + delta)
            rows.filter(people__lte=0).delete()
    added = sorted(pair for pair, delta in changes.items() if delta > 0)
    if not added or film is None:
        return
    # A row for each new pair (ON CONFLICT DO NOTHING: concurrent first choices of one pair
    # leave one row), then one count for all of them.
    LearnedChoice.objects.bulk_create(
        [
            LearnedChoice(kind=kind, key=key, tmdb_id=tmdb_id, people=0, candidate=film)
            for kind, key, tmdb_id in added
        ],
        ignore_conflicts=True,
    )
    pairs = Q()
    for kind, key, tmdb_id in added:
        pairs |= Q(kind=kind, key=key, tmdb_id=tmdb_id)
    LearnedChoice.objects.filter(pairs).update(people=F("people") + 1, candidate=film)


def choices_for(items: Iterable[ImportItem], *, locale: str) -> dict[int, list[PeopleChose]]:
    """What people chose for each item's Amazon title, by item pk: the choices for its title
    id when there are any, else those for its title and language. Items nobody chose a film
    for are left out."""
    keys_of = {item.pk: _keys(item, locale) for item in items}
    wanted = sorted({key for keys in keys_of.values() for key in keys})
    found: dict[Key, list[PeopleChose]] = defaultdict(list)
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        by_kind = defaultdict(list)
        for kind, key in chunk:
            by_kind[kind].append(key)
        matches = Q()
        for kind, keys in by_kind.items():
            matches |= Q(kind=kind, key__in=keys)
        for row in LearnedChoice.objects.filter(matches, people__gt=0):
            found[(row.kind, row.key)].append(
                PeopleChose(candidate_from_dict(row.candidate), row.people)
            )
    chosen = {}
    for pk, keys in keys_of.items():
        for key in keys:  # title id first
            if found.get(key):
                chosen[pk] = found[key]
                break
    return chosen
