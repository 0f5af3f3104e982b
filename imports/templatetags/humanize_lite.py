from django import template

register = template.Library()


@register.filter
def thousands(value) -> str:
    """1040 → "1,040"."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


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
