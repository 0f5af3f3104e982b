import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def _default_expiry():
    return timezone.now() + timedelta(days=settings.IMPORT_SESSION_DAYS)


class ImportSession(models.Model):
    """One uploaded history file, from parsing to the end of review."""

    class Status(models.TextChoices):
        MATCHING = "matching", "Finding movies"
        READY = "ready", "Ready to review"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    class Problem(models.TextChoices):
        NONE = "", "None"
        AUTH = "auth", "TMDB refused our credentials"
        RATE_LIMITED = "rate_limited", "TMDB is limiting requests"
        UNAVAILABLE = "unavailable", "TMDB is unreachable"
        ERROR = "error", "Matching stopped on an unexpected error"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_sessions"
    )
    layout = models.CharField(max_length=40)
    layout_label = models.CharField(max_length=120)
    locale = models.CharField(max_length=10, blank=True)
    source_name = models.CharField(max_length=255, blank=True)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.MATCHING)

    # What reading the file found.
    rows_read = models.PositiveIntegerField(default=0)
    movies_found = models.PositiveIntegerField(default=0)
    episodes = models.PositiveIntegerField(default=0)
    trailers = models.PositiveIntegerField(default=0)
    other_left_out = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    brief_plays = models.PositiveIntegerField(default=0)
    unreadable = models.PositiveIntegerField(default=0)
    unreadable_lines = models.JSONField(default=list, blank=True)
    truncated_at_hash = models.BooleanField(default=False)
    # False when the file does not say which rows are films (Amazon's Watch Events): short
    # entries that match no film are then set aside as probable episodes.
    file_has_types = models.BooleanField(default=True)

    # Matching progress.
    matched_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    already_ranked = models.PositiveIntegerField(default=0)
    # How many items are in each review state, kept up to date by every write that moves an
    # item (under the import's lock), so no page counts thousands of items. Pending is the
    # rest: see `pending_count`.
    added_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    unmatched_count = models.PositiveIntegerField(default=0)
    set_aside_count = models.PositiveIntegerField(default=0)
    problem = models.CharField(max_length=20, choices=Problem.choices, blank=True)
    problem_detail = models.CharField(max_length=300, blank=True)
    used_offline_catalog = models.BooleanField(default=False)
    # The matching run that owns this session now, and when it last showed signs of life.
    runner = models.CharField(max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    match_started_at = models.DateTimeField(null=True, blank=True)
    match_finished_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(default=_default_expiry)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The same file twice offers the first session instead of a duplicate.
            models.UniqueConstraint(
                fields=["owner", "file_sha256"],
                condition=~Q(status="cancelled"),
                name="import_session_one_per_file",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="import_session_owner"),
            models.Index(fields=["status", "heartbeat_at"], name="import_session_heartbeat"),
            models.Index(fields=["expires_at"], name="import_session_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.owner}, {self.created_at:%Y-%m-%d})"

    @property
    def is_matching(self) -> bool:
        return self.status == self.Status.MATCHING

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.MATCHING, self.Status.READY}

    @property
    def is_reviewable(self) -> bool:
        """Its review page still leads somewhere: open, or finished (undo reopens it)."""
        return self.is_open or self.status == self.Status.COMPLETED

    @property
    def can_retry(self) -> bool:
        """Matching has stopped with films still to look up, and one click may finish it."""
        if self.is_matching:
            return False
        return bool(self.problem) or (self.is_open and self.failed_count > 0)

    # What to tell the person when matching stopped: (headline, what happens next).
    PROBLEM_MESSAGES = {
        Problem.AUTH: (
            "TMDB refused our credentials.",
            "The TMDB key or token this site uses is wrong or was revoked, so no film could "
            "be looked up. Nothing is lost: once an administrator fixes the key, press “Retry”.",
        ),
        Problem.RATE_LIMITED: (
            "TMDB is limiting how fast we may ask.",
            "We stopped for now; the films not yet found are kept. Retry in a few minutes.",
        ),
        Problem.UNAVAILABLE: (
            "TMDB is not answering.",
            "We stopped for now; the films not yet found are kept. Retry in a few minutes.",
        ),
        Problem.ERROR: (
            "Matching stopped on an unexpected error.",
            "The films found so far are kept; press “Retry” to look up the rest.",
        ),
    }

    @property
    def problem_headline(self) -> str:
        return self.PROBLEM_MESSAGES.get(self.problem, ("", ""))[0]

    @property
    def problem_advice(self) -> str:
        return self.PROBLEM_MESSAGES.get(self.problem, ("", ""))[1]

    @property
    def problem_cause(self) -> str:
        """Why films are still not looked up, as the end of a sentence ('' when unknown)."""
        if self.problem == self.Problem.AUTH:
            return "because TMDB refused our credentials"
        if self.problem:
            return "because TMDB was not answering"
        return ""

    @property
    def left_out(self) -> int:
        return self.episodes + self.trailers + self.other_left_out

    @property
    def pending_count(self) -> int:
        """Items still to review (their look-up may not have run yet)."""
        others = (
            self.added_count
            + self.skipped_count
            + self.already_ranked
            + self.unmatched_count
            + self.set_aside_count
        )
        return max(0, self.movies_found - others)

    @property
    def looked_up(self) -> int:
        return self.matched_count + self.failed_count

    @property
    def match_percent(self) -> int:
        if not self.movies_found:
            return 100
        return min(100, round(100 * self.looked_up / self.movies_found))


class ImportItem(models.Model):
    """One movie from the history, folded over all the times it was watched."""

    class Status(models.TextChoices):
        PENDING = "pending", "To review"
        ADDED = "added", "Added"
        SKIPPED = "skipped", "Skipped"
        ALREADY_RANKED = "already_ranked", "Already ranked"
        UNMATCHED = "unmatched", "Not found"
        SET_ASIDE = "set_aside", "Set aside"

    class Lookup(models.TextChoices):
        WAITING = "waiting", "Waiting"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    session = models.ForeignKey(ImportSession, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=500, help_text="As Amazon wrote it.")
    search_title = models.CharField(max_length=500)
    year_hint = models.PositiveSmallIntegerField(null=True, blank=True)
    watched_on = models.JSONField(default=list, blank=True)
    first_watched_on = models.DateField(null=True, blank=True)
    last_watched_on = models.DateField(null=True, blank=True)
    watch_count = models.PositiveIntegerField(default=1)
    amazon_title_id = models.CharField(max_length=120, blank=True)
    amazon_path = models.CharField(max_length=500, blank=True)
    amazon_image_url = models.URLField(max_length=500, blank=True)
    source_line = models.PositiveIntegerField(null=True, blank=True)
    # Total play time, where the file records it (Amazon's own files).
    seconds_watched = models.PositiveIntegerField(null=True, blank=True)
    # When adding this item counted as the owner's choice for its Amazon title (see
    # imports.learned): the film, and the title id and title key it counted under ("" when
    # not). The owner's own record that they chose; the shared counts (LearnedChoice) say
    # nothing about who.
    chosen_tmdb_id = models.PositiveIntegerField(null=True, blank=True)
    choice_title_id = models.CharField(max_length=120, blank=True)
    choice_key = models.CharField(max_length=600, blank=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    lookup = models.CharField(max_length=10, choices=Lookup.choices, default=Lookup.WAITING)
    lookup_error = models.CharField(max_length=300, blank=True)
    match_tmdb_id = models.PositiveIntegerField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    # The best match first, then up to four alternatives, as TMDB described them.
    candidates = models.JSONField(default=list, blank=True)

    ranking = models.ForeignKey(
        "movieranking.Ranking",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_items",
    )
    # When adding replaced a rating the person already had, what to restore on undo.
    replaced_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    replaced_rated_at = models.DateField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="import_item_position"),
        ]
        indexes = [
            models.Index(fields=["session", "status", "position"], name="import_item_status"),
            models.Index(fields=["session", "lookup"], name="import_item_lookup"),
            models.Index(fields=["session", "-handled_at"], name="import_item_handled"),
            models.Index(
                fields=["choice_key"], condition=~Q(choice_key=""), name="import_item_choice_key"
            ),
            models.Index(
                fields=["choice_title_id"],
                condition=~Q(choice_title_id=""),
                name="import_item_choice_title_id",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    # Confidence bands: a plain card, a "check this" cue, or a choice between candidates.
    SURE = 0.85
    LIKELY = 0.6

    @property
    def confidence_band(self) -> str:
        """'sure', 'likely' or 'unsure' for a match; '' when there is none to judge."""
        if self.confidence is None or self.match_tmdb_id is None:
            return ""
        if self.confidence >= self.SURE:
            return "sure"
        if self.confidence >= self.LIKELY:
            return "likely"
        return "unsure"

    @property
    def confidence_percent(self) -> int:
        return round((self.confidence or 0) * 100)

    @property
    def awaits_review(self) -> bool:
        """Still waiting for the person: to rate, skip, or (not found) to search for."""
        return self.status in {self.Status.PENDING, self.Status.UNMATCHED}

    @property
    def asks_which_film(self) -> bool:
        """Unsure matches are a choice between candidates before they can be rated."""
        return self.status == self.Status.PENDING and self.confidence_band == "unsure"

    @property
    def asks_to_check(self) -> bool:
        """Likely matches carry a visible "check this" cue."""
        return self.status == self.Status.PENDING and self.confidence_band == "likely"

    @property
    def can_reopen(self) -> bool:
        return self.status in {
            self.Status.SKIPPED,
            self.Status.ALREADY_RANKED,
            self.Status.SET_ASIDE,
        }

    @property
    def reopen_label(self) -> str:
        return "Bring back to review" if self.status == self.Status.SET_ASIDE else "Review again"

    @property
    def lookup_label(self) -> str:
        """Where the TMDB look-up stands, for an item without a match to show."""
        if self.lookup == self.Lookup.FAILED:
            return "look-up failed"
        if self.lookup == self.Lookup.WAITING:
            return "looking up…" if self.session.is_matching else "not looked up yet"
        return "not found"

    @property
    def best(self) -> dict | None:
        if self.match_tmdb_id is None:
            return None
        return next((c for c in self.candidates if c["tmdb_id"] == self.match_tmdb_id), None)

    @property
    def alternatives(self) -> list[dict]:
        return [c for c in self.candidates if c["tmdb_id"] != self.match_tmdb_id]

    @property
    def set_aside_reason(self) -> str:
        """Why a set-aside item is out of the review, for the person."""
        minutes = round((self.seconds_watched or 0) / 60)
        return (
            f"probably an episode or extra: watched for {minutes} min, shorter than a film, "
            "and no film on TMDB matches it well"
        )

    @property
    def watched_dates(self) -> list[date]:
        return [date.fromisoformat(value) for value in self.watched_on]


class TMDBLookup(models.Model):
    """A cached TMDB answer: the same normalized question costs one request, for everyone."""

    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=400)
    payload = models.JSONField()
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="tmdb_lookup_key"),
        ]
        indexes = [models.Index(fields=["fetched_at"], name="tmdb_lookup_age")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.key}"


class LearnedChoice(models.Model):
    """How many different people added a film for an Amazon title: counts, nothing more.

    The title is Amazon's own id (`kind` "title_id") or the normalized title with the file's
    language (`kind` "title"). Nothing here says who chose; see imports.learned.
    """

    class Kind(models.TextChoices):
        TITLE_ID = "title_id", "Amazon title id"
        TITLE = "title", "Title and language"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=600)
    tmdb_id = models.PositiveIntegerField()
    people = models.PositiveIntegerField(default=0)
    # The film as TMDB described it when last chosen: the match, without asking TMDB again.
    candidate = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "key", "-people"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "tmdb_id"], name="learned_choice_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.candidate.get('title', self.tmdb_id)} ({self.people})"
