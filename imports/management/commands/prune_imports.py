from django.core.management.base import BaseCommand

from imports import services
from imports.tmdb import cache
from movieranking.throttle import throttle_prune


class Command(BaseCommand):
    help = (
        "Delete expired import sessions (rankings they added stay), old TMDB look-ups and "
        "per-person limit counts older than a day."
    )

    def handle(self, *args, **options):
        sessions = services.sessions_prune()
        lookups = cache.lookups_prune()
        throttle_prune()
        self.stdout.write(f"Deleted {sessions} expired import(s) and {lookups} old look-up(s).")
