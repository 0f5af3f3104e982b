import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the development site and one background worker together; Ctrl-C stops both. "
        "Every minute it also re-queues imports whose worker died."
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--requeue-every", type=int, default=60, help="seconds")

    def handle(self, *args, addrport, requeue_every, **options):
        manage = [sys.executable, "manage.py"]
        children = [
            subprocess.Popen([*manage, "db_worker"]),
            subprocess.Popen([*manage, "runserver", "--noreload", addrport]),
        ]
        self.stdout.write(f"Site on http://{addrport}/ with one worker. Ctrl-C stops both.")

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        next_requeue = time.monotonic() + requeue_every
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
                if time.monotonic() >= next_requeue and _has_command("requeue_stale_imports"):
                    call_command("requeue_stale_imports", verbosity=0)
                    next_requeue = time.monotonic() + requeue_every
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        self.stdout.write("Stopped the site and the worker.")


def _has_command(name: str) -> bool:
    from django.core.management import get_commands

    return name in get_commands()
