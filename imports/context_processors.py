from django.conf import settings


def tmdb_mode(request):
    """Pages that match films say so when they use the offline demo catalog."""
    return {"tmdb_offline": not (settings.TMDB_API_KEY or settings.TMDB_READ_TOKEN)}
