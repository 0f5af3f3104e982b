"""The TMDB stand-in (tests/tmdb_standin.py) as the benchmarks run it: with per-query counts.

On top of the stand-in's own counters it answers

    GET /_standin/queries  →  {"search": [{"query": "The Silent Harbor", "year": null,
                                           "accepted": 1, "throttled": 0}, …],
                               "movie":  [{"id": 10000012, "accepted": 1, "throttled": 0}, …]}

one entry per distinct search (query text as sent, and `year`) and per film whose details
were asked for. `accepted`: requests the rate limit let through (answered, whatever the
answer); `throttled`: requests answered 429. POST /_standin/reset clears them with the rest.

Once tests/tmdb_standin.py serves /_standin/queries itself (a `queries()` method on
StandinServer), this runs it unchanged.

    python -m bench.standin --port 8765 --latency 0.08 --rate-limit 40 --synthetic 1000
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests import tmdb_standin

_request = threading.local()  # the query of the request this handler thread is serving


def _query_key(url) -> tuple | None:
    parts = url.path.strip("/").split("/")
    if parts == ["3", "search", "movie"]:
        query = parse_qs(url.query)
        text = (query.get("query") or [""])[0]
        year = (query.get("year") or query.get("primary_release_year") or [""])[0]
        return ("search", text, int(year) if year.isdigit() else None)
    if len(parts) == 3 and parts[:2] == ["3", "movie"] and parts[2].isdigit():
        return ("movie", int(parts[2]))
    return None


class CountingStandin(tmdb_standin.StandinServer):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.httpd.RequestHandlerClass = _CountingHandler

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self._queries: Counter[tuple] = Counter()

    def _arrive(self, path: str) -> bool:
        accepted = super()._arrive(path)
        key = getattr(_request, "key", None)
        if key is not None:
            with self._lock:
                self._queries[(*key, "accepted" if accepted else "throttled")] += 1
        return accepted

    def queries(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            counted = dict(self._queries)
        entries: dict[tuple, dict[str, Any]] = {}
        for (kind, *key, outcome), count in counted.items():
            fields = (
                dict(zip(("query", "year"), key, strict=True))
                if kind == "search"
                else {"id": key[0]}
            )
            entry = entries.setdefault((kind, *key), {**fields, "accepted": 0, "throttled": 0})
            entry[outcome] += count
        return {
            kind: [entry for (entry_kind, *_), entry in entries.items() if entry_kind == kind]
            for kind in ("search", "movie")
        }


class _CountingHandler(tmdb_standin._Handler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/_standin/queries":
            return self._send(200, self.server.standin.queries())
        _request.key = _query_key(url)
        try:
            super().do_GET()
        finally:
            _request.key = None


def main(argv: list[str] | None = None) -> None:
    if not hasattr(tmdb_standin.StandinServer, "queries"):
        tmdb_standin.StandinServer = CountingStandin  # the one main() below constructs
    tmdb_standin.main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
