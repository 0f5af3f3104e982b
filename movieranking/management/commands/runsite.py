import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


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
        # Neither child runs under the autoreloader: it would start a second process of each,
        # and a reloader parent that outlives its child would keep a stale worker around.
        children = {
            "worker": subprocess.Popen([*manage, "db_worker", "--no-reload"]),
            "site": subprocess.Popen([*manage, "runserver", "--noreload", addrport]),
        }
        self.stdout.write(f"Site on http://{addrport}/ with one worker. Ctrl-C stops both.")

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        next_requeue = time.monotonic() + requeue_every
        try:
            while not stopping and all(child.poll() is None for child in children.values()):
                time.sleep(0.5)
                if time.monotonic() >= next_requeue:
                    call_command("requeue_stale_imports", verbosity=0)
                    next_requeue = time.monotonic() + requeue_every
        finally:
            ended = [name for name, child in children.items() if child.poll() is not None]
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
            for child in children.values():
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        if ended and not stopping:
            raise CommandError(
                f"The {' and the '.join(ended)} exited on its own (its output is above); "
                "stopped the rest."
            )
        self.stdout.write("Stopped the site and the worker.")
