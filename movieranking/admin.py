from django.contrib import admin

from .models import Movie, Ranking


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "tmdb_id", "original_language", "vote_count", "updated_at"]
    list_filter = ["original_language", "year"]
    search_fields = ["title", "original_title", "=tmdb_id"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Ranking)
class RankingAdmin(admin.ModelAdmin):
    list_display = ["movie", "user", "rating", "rated_at", "updated_at"]
    list_filter = ["rating", "rated_at"]
    search_fields = ["movie__title", "user__username"]
    raw_id_fields = ["user", "movie"]
    list_select_related = ["movie", "user"]
    date_hierarchy = "rated_at"
