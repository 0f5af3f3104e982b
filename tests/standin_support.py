"""Helpers shared by the fault and worker tests: titles of the stand-in's made-up films, a
stand-in that remembers every question it was asked, and a port nothing listens on."""

from __future__ import annotations

import re
import socket
import threading
from collections import Counter
from functools import cache
from urllib.parse import parse_qs, urlsplit

from tests.tmdb_standin import StandinServer, _Handler, synthetic_records

_DETAILS = re.compile(r"/movie/(\d+)$")


@cache
def _synthetic_titles(count: int) -> tuple[str, ...]:
    return tuple(record["title"] for record in synthetic_records(count))


def film_titles(count: int) -> list[str]:
    """Titles of the stand-in's first `count` synthetic films ("The Silent Harbor", …)."""
    return list(_synthetic_titles(count))


class _RecordingHandler(_Handler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if not url.path.startswith("/_standin"):
            self.server.standin._record(url.path, parse_qs(url.query))
        super().do_GET()


class RecordingStandin(StandinServer):
    """The TMDB stand-in, also counting each search query and each details id it was sent
    (whatever it answered), so a test can tell whether a film was looked up twice."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.httpd.RequestHandlerClass = _RecordingHandler
        self._asked_lock = threading.Lock()
        self.searches: Counter[str] = Counter()
        self.details: Counter[int] = Counter()

    def _record(self, path: str, query: dict[str, list[str]]) -> None:
        with self._asked_lock:
            if path.endswith("/search/movie"):
                self.searches[(query.get("query") or [""])[0]] += 1
            elif found := _DETAILS.search(path):
                self.details[int(found.group(1))] += 1


def closed_port() -> int:
    """A local port with nothing listening: connecting to it is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
