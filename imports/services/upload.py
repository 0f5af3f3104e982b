"""Upload: a history file becomes an import session with one item per film, or is refused
with a message for the person. One transaction: all of it is stored, or nothing."""

from __future__ import annotations

import hashlib
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from imports import reading
from imports.models import ImportItem, ImportSession
from imports.services.sessions import session_enqueue_matching
from movieranking.request_limits import wait_in_words
from movieranking.throttle import Rule, throttle_hit


class ImportRejected(Exception):
    """The upload cannot become an import. str() is the message for the person."""


@dataclass(frozen=True)
class UploadResult:
    session: ImportSession
    created: bool


def _user_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def upload_check_size(*, size: int) -> None:
    """Refuse a history file over IMPORT_MAX_UPLOAD_MB (ImportRejected, with the message)."""
    limit = settings.IMPORT_MAX_UPLOAD_MB
    if size > limit * 1024 * 1024:
        raise ImportRejected(
            f"The file is {size / 1024 / 1024:.0f} MB; the largest we accept is {limit} MB. "
            "Upload only the viewing history CSV rather than the whole data download."
        )


class UploadsTooFrequent(ImportRejected):
    """The person uploaded IMPORT_UPLOADS_PER_HOUR files this hour; `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def upload_check_rate(*, owner) -> None:
    """Count one upload by `owner` against IMPORT_UPLOADS_PER_HOUR (shared by every web
    process), or raise UploadsTooFrequent saying when to try again. Pages and the API call
    it; the shell command does not."""
    limit = settings.IMPORT_UPLOADS_PER_HOUR
    verdict = throttle_hit(Rule("upload", limit=limit, window=3600), key=f"user:{owner.pk}")
    if not verdict.allowed:
        raise UploadsTooFrequent(
            f"You have uploaded {limit} files this hour, the most we read in one hour. "
            f"Slow down: try again in {wait_in_words(verdict.retry_after)}.",
            retry_after=verdict.retry_after,
        )


def session_create_from_file(*, owner, upload, tz: zoneinfo.ZoneInfo | None = None) -> UploadResult:
    """A file uploaded through the site or the API (Django's UploadedFile): its size and the
    person's upload rate are checked before a byte of it is read, then as below."""
    upload_check_size(size=upload.size)
    upload_check_rate(owner=owner)
    return session_create_from_upload(owner=owner, file_name=upload.name, data=upload.read(), tz=tz)


def session_create_from_upload(
    *, owner, file_name: str, data: bytes, tz: zoneinfo.ZoneInfo | None = None, enqueue=True
) -> UploadResult:
    """Read a history file and store it as an import session with one item per movie.

    Everything is written in one transaction, or nothing is. Uploading a file this person
    already uploaded returns the existing session. Raises ImportRejected with a message
    for the person when the file cannot be used.
    """
    upload_check_size(size=len(data))
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
            max_unzipped_bytes=2 * settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024,
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
        file_has_types=summary.typed,
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
                seconds_watched=entry.seconds_watched,
            )
            for position, entry in enumerate(summary.movies, start=1)
        ),
        batch_size=1000,
    )
    return session
