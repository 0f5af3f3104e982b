"""A TMDB v3 stand-in server for end-to-end tests and benchmarks, so nothing reaches TMDB.

Answers like TMDB at http://127.0.0.1:PORT/3 — /search/movie, /movie/{id} (with
append_to_response=alternative_titles,release_dates), /movie/{id}/alternative_titles —
with TMDB's error bodies (401 bad key, 404, 422 empty query, 429, 5xx).
Data: the bundled offline catalog, plus optionally N synthetic films ("The Silent Harbor").

Misbehaviour on demand: latency per request, a sliding one-second rate limit answering 429
(with or without Retry-After), a seeded fraction of 500/503 answers, and hanging past the
client's read timeout. Counters at GET /_standin/stats, requests per distinct search and per
film at GET /_standin/queries, all reset with POST /_standin/reset.

    with StandinServer(latency=0.08, rate_limit=40) as server:
        client = TMDBClient(api_key="any", base_url=server.base_url)

    python -m tests.tmdb_standin --port 8765 --latency 0.08 --rate-limit 40 --synthetic 1000
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import re
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from imports.tmdb.offline import (
    DATA_PATH,
    PAGE_SIZE,
    OfflineCatalog,
    details_payload,
    index_records,
    search_entries,
    search_payload,
)

_MOVIE_ID = re.compile(r"/movie/\d+")
SYNTHETIC_FIRST_ID = 10_000_000  # far above real TMDB ids, so the two never collide
INVALID_KEY = {
    "status_code": 7,
    "status_message": "Invalid API key: You must be granted a valid key.",
    "success": False,
}
NOT_FOUND = {
    "success": False,
    "status_code": 34,
    "status_message": "The resource you requested could not be found.",
}
SERVER_ERRORS = {
    500: {
        "success": False,
        "status_code": 11,
        "status_message": "Internal error: Something went wrong, contact TMDB.",
    },
    503: {
        "success": False,
        "status_code": 9,
        "status_message": "Service offline - This service is temporarily offline, try again later.",
    },
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Word lists for made-up titles.
_ADJECTIVES = _words(
    "Silent Hidden Broken Golden Crimson Distant Burning Frozen Hollow Last Quiet Wandering "
    "Forgotten Iron Midnight Scarlet Secret Shattered Silver Stolen Velvet Wild Winter Bitter "
    "Blue Careless Cold Dark Empty Endless Fading Gentle Glass Long Lost Pale Restless Small "
    "Strange Sunken"
)
_NOUNS = _words(
    "Harbor Garden Mirror Letter River Station Orchard Lantern Meadow Tower Bridge Voyage "
    "Island Promise Shadow Summer Echo Crown Horizon Compass Lighthouse Carousel Canyon "
    "Harvest Kingdom Ledger Parade Pilgrim Signal Tide Valley Window Ballad Circus Engine "
    "Fortress Orchestra Passage Reckoning Sparrow"
)
_PLACES = _words(
    "Avalon Brighton Cairo Dover Eldoria Galway Havana Istanbul Kyoto Lisbon Marseille "
    "Naples Oslo Prague Quebec Riga Santiago Tangier Utrecht Valparaiso"
)


def synthetic_records(count: int, *, seed: int = 1234) -> list[dict[str, Any]]:
    """`count` made-up films with distinct titles, ids and years, the same for the same seed."""
    rng = random.Random(seed)
    # Short titles ("The Silent Harbor") first; the long form only past 2,400 films.
    groups = [
        [f"The {a} {n}" for a, n in itertools.product(_ADJECTIVES, _NOUNS)],
        [f"The {n} of {p}" for n, p in itertools.product(_NOUNS, _PLACES)],
        [f"A {a} {n} in {p}" for a, n, p in itertools.product(_ADJECTIVES, _NOUNS, _PLACES)],
    ]
    titles = []
    for group in groups:
        rng.shuffle(group)
        titles += group
    if count > len(titles):
        raise ValueError(f"at most {len(titles)} synthetic films, not {count}")
    records = []
    for index, title in enumerate(titles[:count]):
        released = f"{rng.randint(1950, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        records.append(
            {
                "id": SYNTHETIC_FIRST_ID + index,
                "title": title,
                "original_title": title,
                "original_language": "en",
                "release_date": released,
                "overview": f"{title} is a made-up film for load tests.",
                "popularity": round(rng.uniform(0.6, 60), 3),
                "vote_average": round(rng.uniform(4, 9), 1),
                "vote_count": rng.randint(0, 5000),
                "genre_ids": rng.sample([18, 35, 53, 28, 10749, 27, 878], 2),
                "runtime": rng.randint(80, 160),
                "alternative_titles": [],
            }
        )
    return records


class StandinServer:
    """The stand-in, served from a background thread. Counters via stats() / reset()."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        rate_limit: float | None = None,
        retry_after: bool = True,
        error_rate: float = 0.0,
        hang: float = 0.0,
        hang_rate: float = 1.0,
        api_key: str | None = None,
        synthetic: int = 0,
        offline_catalog: bool = True,
        seed: int = 1234,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.latency = latency
        self.rate_limit = rate_limit
        self.retry_after = retry_after
        self.error_rate = error_rate
        self.hang = hang
        self.hang_rate = hang_rate
        # None accepts any non-empty key or token; otherwise only this one.
        self.api_key = api_key
        self.synthetic = synthetic_records(synthetic, seed=seed) if synthetic else []
        self.records = [
            *(OfflineCatalog(DATA_PATH).records if offline_catalog else ()),
            *self.synthetic,
        ]
        self.entries = index_records(self.records)
        self.by_id = {record["id"]: record for record in self.records}
        self._rng = random.Random(seed)
        self._clock = clock  # seconds, for the rate-limit window; tests may pass a fake one
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.reset()
        self.httpd = ThreadingHTTPServer((host, port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False  # hanging handlers must not hold up stop()
        self.httpd.standin = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/3"

    def start(self) -> StandinServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.1,), name="tmdb-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> StandinServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reset(self) -> None:
        with self._lock:
            self._accepted: deque[float] = deque()  # accepted requests, last second
            self._arrivals: deque[float] = deque()  # every API request, last second
            self._paths: Counter[str] = Counter()
            # (kind, *key, "accepted" | "throttled"): per distinct search and per film.
            self._queries: Counter[tuple] = Counter()
            self._counts: Counter[str] = Counter()
            self._in_flight = 0

    def stats(self) -> dict[str, Any]:
        with self._lock:
            counts = self._counts
            return {
                "requests": counts["requests"],
                "throttled": counts["throttled"],
                "server_errors": counts["server_errors"],
                "unauthorized": counts["unauthorized"],
                "not_found": counts["not_found"],
                "hung": counts["hung"],
                "ok": counts["ok"],
                "max_arrivals_per_second": counts["max_arrivals_per_second"],
                "max_in_flight": counts["max_in_flight"],
                "in_flight": self._in_flight,
                "paths": dict(self._paths),
            }

    def queries(self) -> dict[str, list[dict[str, Any]]]:
        """Requests per distinct search (text as sent, and year) and per film's details:
        `accepted` let through the rate limit, `throttled` answered 429."""
        with self._lock:
            counted = dict(self._queries)
        entries: dict[tuple, dict[str, Any]] = {}
        for (kind, *key, outcome), count in counted.items():
            fields = {"query": key[0], "year": key[1]} if kind == "search" else {"id": key[0]}
            entry = entries.setdefault((kind, *key), {**fields, "accepted": 0, "throttled": 0})
            entry[outcome] += count
        return {
            kind: [entry for (entry_kind, *_), entry in entries.items() if entry_kind == kind]
            for kind in ("search", "movie")
        }

    # -- decisions, made under the lock so concurrent requests see one consistent state --

    def _arrive(self, path: str, query: dict[str, list[str]] | None = None) -> bool:
        """Count an API request; False when it is over the rate limit."""
        now = self._clock()
        key = _query_key(path, query or {})
        with self._lock:
            self._counts["requests"] += 1
            self._paths[_path_pattern(path)] += 1
            for window in (self._arrivals, self._accepted):
                while window and window[0] <= now - 1.0:
                    window.popleft()
            self._arrivals.append(now)
            self._counts["max_arrivals_per_second"] = max(
                self._counts["max_arrivals_per_second"], len(self._arrivals)
            )
            if self.rate_limit and len(self._accepted) >= self.rate_limit:
                self._counts["throttled"] += 1
                if key:
                    self._queries[(*key, "throttled")] += 1
                return False
            if key:
                self._queries[(*key, "accepted")] += 1
            self._accepted.append(now)
            self._in_flight += 1
            self._counts["max_in_flight"] = max(self._counts["max_in_flight"], self._in_flight)
            return True

    def _leave(self, outcome: str) -> None:
        with self._lock:
            self._in_flight -= 1
            self._counts[outcome] += 1

    def _chance(self, probability: float) -> bool:
        with self._lock:
            return probability > 0 and self._rng.random() < probability

    def _pick_error(self) -> int:
        with self._lock:
            return self._rng.choice((500, 503))

    def _authorized(self, key: str) -> bool:
        return bool(key) and (self.api_key is None or key == self.api_key)


def _query_key(path: str, query: dict[str, list[str]]) -> tuple | None:
    parts = path.strip("/").split("/")
    if parts == ["3", "search", "movie"]:
        text = (query.get("query") or [""])[0]
        year = (query.get("year") or query.get("primary_release_year") or [""])[0]
        return ("search", text, int(year) if year.isdigit() else None)
    if len(parts) == 3 and parts[:2] == ["3", "movie"] and parts[2].isdigit():
        return ("movie", int(parts[2]))
    return None


def _path_pattern(path: str) -> str:
    return _MOVIE_ID.sub("/movie/{id}", path)  # one counter per endpoint, not per film


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as TMDB's CDN allows
    # Headers and body go out in two writes; with Nagle on, the body waits for a delayed
    # ACK and every answer gains ~40 ms that TMDB would not add.
    disable_nagle_algorithm = True
    server_version = "tmdb-standin"
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: benchmarks send thousands of requests."""

    def do_POST(self) -> None:
        if urlsplit(self.path).path == "/_standin/reset":
            self.server.standin.reset()
            self._send(200, {"reset": True})
        else:
            self._send(404, NOT_FOUND)

    def do_GET(self) -> None:
        standin: StandinServer = self.server.standin
        url = urlsplit(self.path)
        if url.path == "/_standin/stats":
            return self._send(200, standin.stats())
        if url.path == "/_standin/queries":
            return self._send(200, standin.queries())
        if url.path == "/_standin/catalog":
            films = [
                {"id": r["id"], "title": r["title"], "release_date": r["release_date"]}
                for r in standin.records
            ]
            return self._send(200, {"results": films})
        query = parse_qs(url.query)
        if not standin._arrive(url.path, query):
            # Answered at once, like TMDB's CDN, without the simulated latency.
            headers = {"Retry-After": "1"} if standin.retry_after else {}
            limit = f"Your request count is over the allowed limit of {standin.rate_limit:g}."
            body = {"success": False, "status_code": 25, "status_message": limit}
            return self._send(429, body, headers)
        outcome = "ok"
        try:
            if standin.latency:
                standin._stopping.wait(standin.latency)
            if standin.hang and standin._chance(standin.hang_rate):
                outcome = "hung"
                standin._stopping.wait(standin.hang)
            if standin._chance(standin.error_rate):
                status = standin._pick_error()
                outcome, body = "server_errors", SERVER_ERRORS[status]
            else:
                status, body = self._answer(standin, url.path, query)
                outcome = {200: outcome, 401: "unauthorized", 404: "not_found"}.get(
                    status, "client_errors"
                )
        finally:
            # Counted before the answer goes out, so a client reading the stats right
            # after its response sees this request in them.
            standin._leave(outcome)
        self._send(status, body)

    def _answer(
        self, standin: StandinServer, path: str, query: dict[str, list[str]]
    ) -> tuple[int, Any]:
        bearer = self.headers.get("Authorization", "")
        key = (query.get("api_key") or [""])[0] or bearer.removeprefix("Bearer ").strip()
        if not standin._authorized(key):
            return 401, INVALID_KEY
        parts = path.strip("/").split("/")
        if parts == ["3", "search", "movie"]:
            return self._search(standin, query)
        if len(parts) >= 3 and parts[:2] == ["3", "movie"] and parts[2].isdigit():
            record = standin.by_id.get(int(parts[2]))
            if record is None:
                return 404, NOT_FOUND
            if parts[3:] == ["alternative_titles"]:
                return 200, {"id": record["id"], "titles": record.get("alternative_titles", [])}
            if parts[3:]:
                return 404, NOT_FOUND
            payload = details_payload(record)
            appended = set(",".join(query.get("append_to_response", [])).split(","))
            for extra in ("alternative_titles", "release_dates"):
                if extra not in appended:
                    del payload[extra]
            return 200, payload
        return 404, NOT_FOUND

    def _search(self, standin: StandinServer, query: dict[str, list[str]]) -> tuple[int, Any]:
        text = (query.get("query") or [""])[0].strip()
        if not text:
            return 422, {"errors": ["query must be provided"]}
        try:
            page = int((query.get("page") or ["1"])[0])
            year = int((query.get("year") or query.get("primary_release_year") or ["0"])[0])
        except ValueError:
            return 422, {"errors": ["page and year must be numbers"]}
        if not 1 <= page <= 500:
            return 422, {"errors": ["page must be less than or equal to 500"]}
        found = search_entries(standin.entries, text, year=year or None)
        if "primary_release_year" in query and year:
            found = [e for e in found if e.record.get("release_date", "")[:4] == str(year)]
        start = (page - 1) * PAGE_SIZE
        return 200, {
            "page": page,
            "results": [search_payload(e.record) for e in found[start : start + PAGE_SIZE]],
            "total_pages": math.ceil(len(found) / PAGE_SIZE),
            "total_results": len(found),
        }

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (read timeout) before we answered


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the server the same way Ctrl-C does


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each request")
    parser.add_argument("--rate-limit", type=float, default=None, help="requests per second")
    parser.add_argument("--no-retry-after", action="store_true", help="429s without Retry-After")
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction of 500/503 answers")
    parser.add_argument("--hang", type=float, default=0.0, help="seconds to stall before answering")
    parser.add_argument(
        "--hang-rate", type=float, default=1.0, help="fraction of requests that stall"
    )
    parser.add_argument(
        "--api-key", default=None, help="the only key/token accepted (default: any)"
    )
    parser.add_argument("--synthetic", type=int, default=0, help="add N made-up films")
    parser.add_argument("--no-offline-catalog", action="store_true")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args(argv)
    server = StandinServer(
        host=args.host,
        port=args.port,
        latency=args.latency,
        rate_limit=args.rate_limit,
        retry_after=not args.no_retry_after,
        error_rate=args.error_rate,
        hang=args.hang,
        hang_rate=args.hang_rate,
        api_key=args.api_key,
        synthetic=args.synthetic,
        offline_catalog=not args.no_offline_catalog,
        seed=args.seed,
    )
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"TMDB stand-in on {server.base_url} ({len(server.records)} films)", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._stopping.set()
        server.httpd.server_close()


if __name__ == "__main__":
    main()
