from datetime import date

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def poster(candidate: dict | None, size: str = "w342") -> str:
    """The TMDB poster URL of a candidate dict, or '' when it has none."""
    if not candidate or not candidate.get("poster_path"):
        return ""
    return f"{settings.TMDB_IMAGE_BASE_URL}{size}{candidate['poster_path']}"


@register.filter
def first_sentence(text: str, limit: int = 200) -> str:
    text = (text or "").strip()
    end = text.find(". ")
    if 0 < end < limit:
        return text[: end + 1]
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


@register.filter
def as_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@register.filter
def duration(seconds) -> str:
    """40 → "40 s", 130 → "2 min", 4000 → "1 h 7 min"."""
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        return ""
    if seconds < 90:
        return f"{max(seconds, 1)} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
