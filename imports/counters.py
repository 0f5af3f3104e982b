"""How many of an import's items are in each review state, kept on the import itself.

Every write that changes an item's status changes its import's counts in the same
transaction, holding the import's row lock (always taken before the item's), so the counts
are exactly what counting the items would give and no page has to count thousands of rows.
Pending is whatever is left: `ImportSession.pending_count`.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, F

from .models import ImportItem, ImportSession

Status = ImportItem.Status

COUNTER = {
    Status.ADDED: "added_count",
    Status.SKIPPED: "skipped_count",
    Status.ALREADY_RANKED: "already_ranked",
    Status.UNMATCHED: "unmatched_count",
    Status.SET_ASIDE: "set_aside_count",
}


def moved(session: ImportSession, old: str, new: str) -> list[str]:
    """Count one item of the locked `session` moving from status `old` to `new`, in
    memory. Returns the fields that changed, for the caller's save."""
    changed = []
    if old == new:
        return changed
    if field := COUNTER.get(old):
        setattr(session, field, getattr(session, field) - 1)
        changed.append(field)
    if field := COUNTER.get(new):
        setattr(session, field, getattr(session, field) + 1)
        changed.append(field)
    return changed


def item_set_status(*, session_id, item_filter: dict, status: str, fields: dict) -> bool:
    """Move one pending item to `status` (with `fields`) and count it, for writers that do
    not hold the item (background matching): the import is locked first, by the increment
    itself. Returns False, changing nothing, when no item matched `item_filter`."""
    field = COUNTER[status]
    with transaction.atomic():
        ImportSession.objects.filter(pk=session_id).update(**{field: F(field) + 1})
        if ImportItem.objects.filter(status=Status.PENDING, **item_filter).update(
            status=status, **fields
        ):
            return True
        transaction.set_rollback(True)
        return False


def recount(session: ImportSession) -> ImportSession:
    """Count the items again and store the counts: for imports made before the counts were
    kept, and to check them."""
    grouped = dict(
        session.items.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    counts = {field: grouped.get(status, 0) for status, field in COUNTER.items()}
    ImportSession.objects.filter(pk=session.pk).update(**counts)
    for field, value in counts.items():
        setattr(session, field, value)
    return session
