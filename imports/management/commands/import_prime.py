"""`manage.py import_prime PATH --user NAME`: the upload page, from a shell.

The same services as the web upload store the file; matching runs here, in this process,
instead of through the task queue, so the session is ready to review when the command ends.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
import zoneinfo
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from imports import runner, selectors, services, tmdb
from imports.models import ImportItem, ImportSession

BAD_INPUT = 2  # unreadable file, a file that is not a history, unknown user
# Without a terminal (cron, CI logs) a progress line this often, not a redrawn bar.
PROGRESS_LINE_SECONDS = 5.0


def _time_zone(value: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)"
        ) from None


class Command(BaseCommand):
    help = (
        "Import an Amazon Prime Video watch history (CSV, or Amazon's data-request ZIP) for a "
        "user: read it, find every movie on TMDB, and leave an import ready to review in the "
        "browser. Prints a summary and the review page's address. Exit status: 0 done, "
        "2 unreadable or unusable file or unknown user, 1 anything else (for example TMDB "
        "refusing the credentials; the import is kept and can be retried from its page)."
    )

    def __init__(self, *args, client: tmdb.MovieSource | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The TMDB client to match with; by default the one the settings ask for.
        self.client = client

    def add_arguments(self, parser):
        parser.add_argument("path", help="The history file: .csv or Amazon's .zip.")
        parser.add_argument("--user", required=True, dest="username", help="Username of the owner.")
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="Print one JSON document (the session, counts and every movie with its "
            "match) to stdout and nothing else there; messages go to stderr.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read and match, but save nothing: everything runs in one database "
            "transaction that is rolled back at the end (TMDB answers are not cached "
            "either). The session id reported is that of the rolled-back session and "
            "does not exist afterwards.",
        )
        parser.add_argument(
            "--create-user",
            action="store_true",
            help="Create the user if there is none by that name. The new account has no "
            "usable password: set one with `manage.py changepassword NAME`.",
        )
        parser.add_argument(
            "--time-zone",
            type=_time_zone,
            default=None,
            help="IANA time zone for turning the file's UTC watch times into dates "
            f"(default: TIME_ZONE, now {settings.TIME_ZONE}).",
        )

    def handle(self, *args, path, username, as_json, dry_run, create_user, time_zone, **options):
        self.as_json = as_json
        data = _read(path)
        # A dry run writes inside one transaction and rolls it back; a real run commits as
        # it goes, so the browser can show the session while it is being matched.
        with transaction.atomic() if dry_run else contextlib.nullcontext():
            owner = self._owner(username, create=create_user)
            try:
                result = services.session_create_from_upload(
                    owner=owner, file_name=Path(path).name, data=data, tz=time_zone, enqueue=False
                )
            except services.ImportRejected as error:
                raise CommandError(f"{path}: {error}", returncode=BAD_INPUT) from None
            session = result.session
            if not result.created:
                self._say(
                    f"{owner} imported this file on {session.created_at:%Y-%m-%d %H:%M}; "
                    "reporting that import."
                )
            if session.status == ImportSession.Status.MATCHING:
                self._match(session)
            session.refresh_from_db()
            self._report(session, dry_run=dry_run)
            if dry_run:
                transaction.set_rollback(True)
        self._check_matching(session, dry_run=dry_run)

    def _check_matching(self, session: ImportSession, *, dry_run: bool) -> None:
        """Exit 1 when TMDB could not do the job; a few failed look-ups only warn."""
        retry = "" if dry_run else f" The import is kept: retry it from {_review_url(session)}"
        if session.problem:
            detail = session.problem_detail.rstrip(".")
            raise CommandError(f"{session.get_problem_display()}: {detail}.{retry}")
        if session.failed_count and session.failed_count == session.looked_up:
            raise CommandError(f"TMDB did not answer: every look-up failed.{retry}")
        if session.failed_count:
            self.stderr.write(f"{session.failed_count} look-up(s) failed.{retry}", _plain)

    # --- steps ----------------------------------------------------------------------------

    def _owner(self, username: str, *, create: bool):
        User = get_user_model()
        try:
            return User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            if not create:
                raise CommandError(
                    f"No user named {username!r}. Check the name, or pass --create-user.",
                    returncode=BAD_INPUT,
                ) from None
        user = User._default_manager.create_user(username)  # no password: unusable
        self._say(
            f"Created user {username} with no usable password "
            f"(set one with: manage.py changepassword {username})."
        )
        return user

    def _match(self, session: ImportSession) -> None:
        owned = self.client is None
        with tmdb.build_client() if owned else contextlib.nullcontext(self.client) as client:
            source = "the offline demo catalog" if getattr(client, "offline", False) else "TMDB"
            self.stderr.write(f"Finding {session.movies_found} movies on {source}…", _plain)
            progress = _Progress(self.stderr)
            try:
                matched = runner.session_match(
                    session_id=session.pk, client=client, progress=progress
                )
            except Exception as error:
                # The runner has logged the details and left the session reviewable.
                raise CommandError(
                    f"Matching stopped on an unexpected error ({error.__class__.__name__}). "
                    f"The import is kept: retry it from {_review_url(session)}"
                ) from None
            finally:
                progress.close()
        if not matched:
            self._say("Another matching run is working on this import; it will finish it.")

    def _report(self, session: ImportSession, *, dry_run: bool) -> None:
        items = list(session.items.order_by("position"))
        counts = selectors.session_counts(session)
        if self.as_json:
            document = {
                "session": str(session.pk),
                "format": session.layout,
                "counts": {
                    "rows": session.rows_read,
                    "movies": session.movies_found,
                    "episodes": session.episodes,
                    "trailers": session.trailers,
                    "duplicates": session.duplicates,
                    "unreadable": session.unreadable,
                    "already_ranked": counts["already_ranked"],
                    "set_aside": counts["set_aside"],
                },
                "items": [_item_document(item) for item in items],
            }
            self.stdout.write(json.dumps(document, indent=2))
            if dry_run:
                self.stderr.write("Dry run: nothing was saved.", _plain)
            return
        failed = sum(1 for item in items if item.lookup == ImportItem.Lookup.FAILED)
        waiting = sum(1 for item in items if item.lookup == ImportItem.Lookup.WAITING)
        matched = sum(1 for item in items if item.match_tmdb_id is not None)
        lines = [
            f"Read {session.file_name} ({session.layout_label}): {session.rows_read} rows.",
            f"  Movies: {session.movies_found}. Left out: {session.episodes} episodes, "
            f"{session.trailers} trailers, {session.other_left_out} other; "
            f"{session.duplicates} duplicates and rewatches folded; "
            f"{session.unreadable} unreadable rows.",
            f"  Matched: {matched}. Not found: {counts['unmatched']}. "
            f"Look-up failed: {failed}. Not looked up yet: {waiting}. "
            f"Already ranked: {counts['already_ranked']}. "
            f"Set aside as probable episodes: {counts['set_aside']}.",
        ]
        if session.used_offline_catalog:
            lines.append("  Matched against the offline demo catalog (no TMDB credentials set).")
        if dry_run:
            lines.append(f"Dry run: nothing was saved (session {session.pk} was rolled back).")
        else:
            lines.append(f"Review: {_review_url(session)}")
        self.stdout.write("\n".join(lines))

    def _say(self, message: str) -> None:
        """A message for the person: stdout, unless stdout is reserved for the JSON."""
        (self.stderr if self.as_json else self.stdout).write(message, _plain)


def _plain(text: str) -> str:
    return text


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise CommandError(
            f"Cannot read {path}: {error.strerror or error}", returncode=BAD_INPUT
        ) from None


def _review_url(session: ImportSession) -> str:
    return reverse("imports:review", args=[session.pk])


def _item_document(item: ImportItem) -> dict:
    best = item.best
    if item.lookup == ImportItem.Lookup.FAILED:
        reason = item.lookup_error
    elif item.lookup == ImportItem.Lookup.WAITING:
        reason = "not looked up yet"
    elif item.status == ImportItem.Status.SET_ASIDE:
        reason = item.set_aside_reason
    else:
        reason = item.reason
    return {
        "title": item.title,
        "watched_on": list(item.watched_on),
        # pending, already_ranked, unmatched or set_aside (probably an episode: files
        # without a type column); an import reviewed earlier (the same file again) may also
        # show added or skipped.
        "status": item.status,
        "tmdb_id": best["tmdb_id"] if best else None,
        "match_title": best["title"] if best else None,
        "match_year": best.get("year") if best else None,
        "confidence": float(item.confidence or 0.0),
        "reason": reason,
        "candidates": [candidate["tmdb_id"] for candidate in item.candidates],
    }


class _Progress:
    """The runner's progress callback: a redrawn bar on a terminal, else a line now and then."""

    WIDTH = 30

    def __init__(self, out) -> None:
        self.out = out
        self.tty = out.isatty()
        self.next_line = 0.0
        self.last_line: tuple[int, int] | None = None
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if self.tty:
            filled = round(self.WIDTH * done / total) if total else self.WIDTH
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            self.out.write(f"\r[{bar}] {done}/{total} looked up", _plain, ending="")
            self.out.flush()
            self.drawn = True
        elif (done, total) != self.last_line and (
            time.monotonic() >= self.next_line or done == total
        ):
            self.out.write(f"Looked up {done} of {total}.", _plain)
            self.next_line = time.monotonic() + PROGRESS_LINE_SECONDS
            self.last_line = (done, total)

    def close(self) -> None:
        if self.drawn:
            self.out.write("", _plain)
