import functools

from django.conf import settings

from .tmdb import OfflineCatalog


@functools.cache
def _demo_catalogue_size() -> int:
    return len(OfflineCatalog().records)


def tmdb_mode(request):
    """Pages that match films say so when they use the built-in demo catalogue."""
    offline = not (settings.TMDB_API_KEY or settings.TMDB_READ_TOKEN)
    return {
        "tmdb_offline": offline,
        "demo_catalogue_size": _demo_catalogue_size() if offline else None,
    }
