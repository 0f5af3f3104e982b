"""{{ film|poster_src }}: TMDB's poster of a film, or the one we draw."""

from django import template
from django.conf import settings

from movieranking import posters
from movieranking.models import Movie

register = template.Library()


@register.filter
def poster_src(film, size: str = "w342") -> str:
    """For a Movie or a TMDB candidate dict; never an image from the person's own file."""
    if film is None:
        return posters.poster_path(0, "")
    if isinstance(film, Movie):
        path, tmdb_id, title, year = film.poster_path, film.tmdb_id, film.title, film.year
    else:
        path = film.get("poster_path")
        tmdb_id, title, year = film.get("tmdb_id"), film.get("title", ""), film.get("year")
    if path:
        return f"{settings.TMDB_IMAGE_BASE_URL}{size or 'w342'}{path}"
    return posters.poster_path(tmdb_id, title, year)


@register.simple_tag
def drawn_poster(tmdb_id, title: str, year=None) -> str:
    """The poster we draw for a title with no TMDB film (a film we could not find)."""
    return posters.poster_path(tmdb_id, title, year)
