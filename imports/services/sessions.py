"""An import's life outside the review: background matching (start, hand over from a dead
run, retry), finishing, cancelling and expiry."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from imports.models import ImportItem, ImportSession
from imports.runner import stale_sessions
from imports.tasks import match_session


def session_enqueue_matching(*, session: ImportSession) -> None:
    """Start (or resume) matching in the background once the current transaction commits."""
    session_id = str(session.pk)
    transaction.on_commit(lambda: match_session.enqueue(session_id))


def sessions_requeue_stale() -> int:
    """Hand the sessions of dead matching runs to a new run. Returns how many."""
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
