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
def confidence_label(value: float | None) -> str:
    if value is None:
        return "not looked up"
    if value >= 0.85:
        return "Sure"
    if value >= 0.6:
        return "Likely"
    return "Unsure"


@register.filter
def percent(value: float | None) -> int:
    return round((value or 0) * 100)


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
