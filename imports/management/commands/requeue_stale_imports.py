from django.core.management.base import BaseCommand

from imports import services


class Command(BaseCommand):
    help = (
        "Re-enqueue matching for import sessions whose worker stopped sending heartbeats "
        "(for example a worker killed mid-import). Safe to run often, from cron or a timer."
    )

    def handle(self, *args, **options):
        requeued = services.sessions_requeue_stale()
        if requeued or options["verbosity"] > 1:
            self.stdout.write(f"Re-queued {requeued} stalled import(s).")
