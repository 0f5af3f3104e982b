"""Every import session, item, learned choice and cached TMDB answer, for staff. Read-only:
the only changes are the two actions, which go through the services like everything else,
and clearing learned choices."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html

from . import services
from .models import ImportItem, ImportSession, LearnedChoice, TMDBLookup

# The session page shows this many items inline; the item list has them all.
INLINE_ITEMS = 100


def _tmdb_link(item: ImportItem):
    if item.match_tmdb_id is None:
        return "—"
    best = item.best
    label = f"{best['title']} ({best.get('year') or '?'})" if best else str(item.match_tmdb_id)
    return format_html(
        '<a href="https://www.themoviedb.org/movie/{}" target="_blank" rel="noopener">{}</a>',
        item.match_tmdb_id,
        label,
    )


def _ranking_link(item: ImportItem):
    if item.ranking_id is None:
        return "—"
    url = reverse("admin:movieranking_ranking_change", args=[item.ranking_id])
    return format_html('<a href="{}">Ranking #{}</a>', url, item.ranking_id)


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class _ItemLinks:
    """An item's TMDB match and the ranking it created, as links."""

    @admin.display(description="TMDB match")
    def match(self, item):
        return _tmdb_link(item)

    @admin.display(description="Ranking")
    def created_ranking(self, item):
        return _ranking_link(item)


class ImportItemInline(_ItemLinks, _ReadOnly, admin.TabularInline):
    model = ImportItem
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["position", "title", "status", "lookup", "confidence", "match", "created_ranking"]
    readonly_fields = fields
    verbose_name_plural = f"Items (the first {INLINE_ITEMS}; all of them under “All items”)"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(position__lte=INLINE_ITEMS)


@admin.register(ImportSession)
class ImportSessionAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "owner",
        "layout_label",
        "status",
        "movies_found",
        "added",
        "already_ranked",
        "unreadable",
        "progress",
        "created_at",
        "expires_at",
    ]
    list_filter = ["status", "layout", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["owner__username", "items__title"]
    list_select_related = ["owner"]
    inlines = [ImportItemInline]
    actions = ["retry_matching", "expire_now"]
    readonly_fields = ["all_items"]
    fieldsets = [
        (None, {"fields": ["id", "owner", "status", "file_name", "file_sha256", "all_items"]}),
        ("File", {"fields": ["layout", "layout_label", "locale", "source_name"]}),
        (
            "What reading found",
            {
                "fields": [
                    "rows_read",
                    "movies_found",
                    "episodes",
                    "trailers",
                    "other_left_out",
                    "duplicates",
                    "brief_plays",
                    "unreadable",
                    "unreadable_lines",
                    "truncated_at_hash",
                ]
            },
        ),
        (
            "Matching",
            {
                "fields": [
                    "matched_count",
                    "failed_count",
                    "already_ranked",
                    "problem",
                    "problem_detail",
                    "used_offline_catalog",
                    "runner",
                    "heartbeat_at",
                    "match_started_at",
                    "match_finished_at",
                ]
            },
        ),
        ("Dates", {"fields": ["created_at", "updated_at", "expires_at"]}),
    ]

    def get_queryset(self, request):
        # A subquery, not a join: searching item titles joins the items too, and a join
        # here would count each added item once per matching title.
        added = (
            ImportItem.objects.filter(session=OuterRef("pk"), status=ImportItem.Status.ADDED)
            .order_by()
            .values("session")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return super().get_queryset(request).annotate(added=Coalesce(Subquery(added), 0))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The pages are read-only; the list keeps "change" so the actions can require it.
        if obj is not None:
            return False
        return super().has_change_permission(request)

    @admin.display(description="Added", ordering="added")
    def added(self, session):
        return session.added

    @admin.display(description="Looked up")
    def progress(self, session):
        return f"{session.match_percent}%"

    @admin.display(description="Items")
    def all_items(self, session):
        url = reverse("admin:imports_importitem_changelist")
        return format_html(
            '<a href="{}?session__id__exact={}">All {} items</a>',
            url,
            session.pk,
            session.movies_found,
        )

    @admin.action(description="Retry matching", permissions=["change"])
    def retry_matching(self, request, queryset):
        films = sessions = 0
        for session in queryset:
            count = services.session_retry_matching(session=session)
            films += count
            sessions += bool(count)
        if films:
            self.message_user(
                request, f"Looking up {films} film(s) again in {sessions} import(s).", messages.INFO
            )
        else:
            self.message_user(request, "Nothing left to look up.", messages.WARNING)

    @admin.action(description="Expire now", permissions=["change"])
    def expire_now(self, request, queryset):
        count = 0
        for session in queryset:
            services.session_expire_now(session=session)
            count += 1
        self.message_user(
            request,
            f"Expired {count} import(s): their owners no longer see them, and "
            "prune_imports deletes them on its next run.",
            messages.SUCCESS,
        )


class ConfidenceBand(admin.SimpleListFilter):
    title = "confidence"
    parameter_name = "confidence"
    SURE, LIKELY = 0.85, 0.6

    def lookups(self, request, model_admin):
        return [
            ("sure", f"Sure (≥ {self.SURE})"),
            ("likely", f"Likely ({self.LIKELY}–{self.SURE})"),
            ("unsure", f"Unsure (< {self.LIKELY})"),
            ("none", "No score"),
        ]

    def queryset(self, request, queryset):
        bands = {
            "sure": Q(confidence__gte=self.SURE),
            "likely": Q(confidence__gte=self.LIKELY, confidence__lt=self.SURE),
            "unsure": Q(confidence__lt=self.LIKELY),
            "none": Q(confidence__isnull=True),
        }
        band = bands.get(self.value())
        return queryset if band is None else queryset.filter(band)


@admin.register(ImportItem)
class ImportItemAdmin(_ItemLinks, _ReadOnly, admin.ModelAdmin):
    list_display = [
        "title",
        "position",
        "session",
        "status",
        "lookup",
        "confidence",
        "match",
        "created_ranking",
    ]
    list_filter = ["status", "lookup", ConfidenceBand]
    search_fields = ["title"]
    raw_id_fields = ["session", "ranking"]
    list_select_related = ["session__owner"]
    readonly_fields = ["match", "created_ranking"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TMDBLookup)
class TMDBLookupAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["kind", "key", "fetched_at"]
    list_filter = ["kind", ("fetched_at", admin.DateFieldListFilter)]
    search_fields = ["key"]


@admin.register(LearnedChoice)
class LearnedChoiceAdmin(_ReadOnly, admin.ModelAdmin):
    """What people chose for Amazon titles: counts only, nothing says who. Staff look them up
    and clear them with "Delete selected learned choices"; imports from then on match those
    titles without them."""

    list_display = ["key", "kind", "film", "people", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["key", "=tmdb_id"]
    fields = ["kind", "key", "film", "people", "updated_at"]
    readonly_fields = fields

    @admin.display(description="Film")
    def film(self, choice: LearnedChoice):
        return format_html(
            '<a href="https://www.themoviedb.org/movie/{}" target="_blank" rel="noopener">'
            "{} ({})</a>",
            choice.tmdb_id,
            choice.candidate.get("title") or choice.tmdb_id,
            choice.candidate.get("year") or "?",
        )
