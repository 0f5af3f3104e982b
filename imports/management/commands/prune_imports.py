from django.core.management.base import BaseCommand

from imports import services
from imports.tmdb import cache


class Command(BaseCommand):
    help = "Delete expired import sessions (rankings they added stay) and old TMDB look-ups."

    def handle(self, *args, **options):
        sessions = services.sessions_prune()
        lookups = cache.lookups_prune()
        self.stdout.write(f"Deleted {sessions} expired import(s) and {lookups} old look-up(s).")
