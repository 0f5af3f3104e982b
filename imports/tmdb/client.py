"""The only code that talks to TMDB over HTTP: `TMDBClient`.

A requests session throttled by a rate-limit bucket shared by every process
(`imports.tmdb.ratelimit`), with urllib3 retries for 429/5xx, timeouts, and credentials kept
out of every message and log record (`imports.tmdb.scrub`).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import requests
import urllib3
from django.views.decorators.debug import sensitive_variables
from pyrate_limiter import AbstractBucket
from requests.adapters import HTTPAdapter
from requests_ratelimiter import LimiterMixin
from urllib3.util.retry import Retry

from imports.tmdb.parse import parse_details, parse_search
from imports.tmdb.ratelimit import BUCKET_NAME, FreshClockLimiter, memory_bucket
from imports.tmdb.scrub import remember_secrets, scrub
from imports.tmdb.types import (
    MovieCandidate,
    MovieDetails,
    TMDBAuthError,
    TMDBError,
    TMDBNotFound,
    TMDBRateLimited,
    TMDBUnavailable,
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.themoviedb.org/3"


# --- Transport ------------------------------------------------------------------------------

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# urllib3 obeys Retry-After up to six hours by default; a worker stuck that long looks dead.
RETRY_AFTER_MAX = 20
# TMDB's CDN allows about 20 simultaneous connections per IP.
POOL_SIZE = 20


class _ObservedRetry(Retry):
    """urllib3 Retry that reports every retried answer to its client.

    urllib3 and `responses` (which replays retries itself) both call increment() once per
    retryable answer, the final one included, so 429s are counted there; sleep() runs only
    before a real resend, so that is where the resend takes a slot from the shared bucket.
    """

    def __init__(self, *args: Any, client: TMDBClient | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    def new(self, **kw: Any) -> _ObservedRetry:
        kw.setdefault("client", self.client)
        return super().new(**kw)

    def increment(self, method=None, url=None, response=None, error=None, *args, **kwargs):
        status = getattr(response, "status", None)
        if self.client is not None and status == 429:
            self.client._count(throttled=1)
        new_retry = super().increment(method, url, response, error, *args, **kwargs)
        if self.client is not None:
            log.info("TMDB answered %s; retrying", status or type(error).__name__)
            self.client._count(requests=1)
        return new_retry

    def sleep(self, response=None) -> None:
        super().sleep(response)
        if self.client is not None:
            self.client._wait_for_slot()


class _CountingAdapter(HTTPAdapter):
    # Sits below the limiter in the MRO, so it counts only requests the limiter let through.
    client: TMDBClient | None = None

    def send(self, request, *args, **kwargs):
        if self.client is not None:
            self.client._count(requests=1)
        return super().send(request, *args, **kwargs)


class _TMDBAdapter(LimiterMixin, _CountingAdapter):
    """requests-ratelimiter's limiter in front of a counting HTTPAdapter."""


class TMDBClient:
    """TMDB v3 over HTTP. Thread-safe; build one per process or task run and close() it.

    `bucket` is a pyrate-limiter bucket (see `imports.tmdb.ratelimit`); the client owns it
    and closes it. Without one, the limit is counted in this process's memory.
    `max_delay` bounds the wait for a slot of our own limit (then TMDBRateLimited).
    """

    offline = False

    def __init__(
        self,
        *,
        api_key: str = "",
        read_token: str = "",
        base_url: str = DEFAULT_BASE_URL,
        rate_limit: float = 40,
        bucket: AbstractBucket | None = None,
        timeout: tuple[float, float] = (3.05, 10),
        max_retries: int = 4,
        language: str = "en-US",
        user_agent: str = "MovieRanking/1.0",
        max_delay: float | None = 30.0,
        backoff_factor: float = 0.5,
    ) -> None:
        if not (api_key or read_token):
            raise ValueError("TMDBClient needs a TMDB api_key or read_token")
        remember_secrets(api_key, read_token)
        self.base_url = base_url.rstrip("/")
        self.rate_limit = rate_limit
        self.timeout = timeout
        self.language = language
        self.max_delay = max_delay
        self.max_retries = max_retries
        self.request_count = 0
        self.throttled_count = 0
        self._counter_lock = threading.Lock()
        # With a token the key stays out of URLs altogether, so prefer it.
        self._api_key = "" if read_token else api_key
        self._auth_kind = "v4 token" if read_token else "v3 key"

        self.bucket = bucket if bucket is not None else memory_bucket(rate_limit)
        self.limiter = FreshClockLimiter(self.bucket)
        retry = _ObservedRetry(
            total=max_retries,
            connect=min(1, max_retries),
            read=0,  # a hung TMDB would otherwise cost (retries + 1) × read timeout
            other=0,
            status=max_retries,
            allowed_methods=frozenset({"GET"}),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=backoff_factor,
            backoff_jitter=backoff_factor / 2,
            respect_retry_after_header=True,
            retry_after_max=RETRY_AFTER_MAX,
            raise_on_status=False,  # we map the final status ourselves
            client=self,
        )
        adapter = _TMDBAdapter(
            limiter=self.limiter,
            per_host=False,
            bucket_name=BUCKET_NAME,
            max_delay=max_delay,
            max_retries=retry,
            pool_maxsize=POOL_SIZE,
        )
        adapter.client = self
        self._session = requests.Session()
        self._session.headers.update({"Accept": "application/json", "User-Agent": user_agent})
        if read_token:
            self._session.headers["Authorization"] = f"Bearer {read_token}"
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def __repr__(self) -> str:
        return f"<TMDBClient {self.base_url} ({self._auth_kind}, {self.rate_limit}/s)>"

    def __enter__(self) -> TMDBClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()
        self.limiter.close()  # stops the leak thread and closes the bucket's connections

    # -- endpoints --

    def search_movies(
        self, query: str, *, year: int | None = None, page: int = 1
    ) -> list[MovieCandidate]:
        """`GET /search/movie`; `year` matches any release year of a film, not only the first."""
        query = " ".join(query.split())
        if not query:
            return []  # TMDB answers 422; no request needed to know that
        if not 1 <= page <= 500:
            raise ValueError(f"TMDB search pages run from 1 to 500, not {page}")
        params: dict[str, Any] = {"query": query, "include_adult": "false", "page": page}
        if year:
            params["year"] = int(year)
        return parse_search(self._get("/search/movie", params))

    def movie_details(self, tmdb_id: int) -> MovieDetails:
        params = {"append_to_response": "alternative_titles,release_dates"}
        return parse_details(self._get(f"/movie/{int(tmdb_id)}", params))

    # -- plumbing --

    def _count(self, *, requests: int = 0, throttled: int = 0) -> None:
        with self._counter_lock:
            self.request_count += requests
            self.throttled_count += throttled

    def _wait_for_slot(self) -> None:
        # Retries spend the shared budget too; past max_delay the resend goes anyway, since
        # urllib3 offers no clean way to abandon a retry from here.
        timeout = -1 if self.max_delay is None else self.max_delay
        if not self.limiter.try_acquire(BUCKET_NAME, blocking=True, timeout=timeout):
            log.warning("TMDB retry sent without a rate-limit slot after %ss", self.max_delay)

    # The query carries the v3 key: keep it off Django's debug page and error e-mails.
    @sensitive_variables("query")
    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        query = {**params, "language": self.language}
        if self._api_key:
            query["api_key"] = self._api_key
        failure: TMDBError | None = None
        try:
            response = self._session.get(self.base_url + path, params=query, timeout=self.timeout)
        except requests.exceptions.Timeout as exc:
            # requests-ratelimiter raises a bare Timeout when max_delay passes before a slot.
            if type(exc) is requests.exceptions.Timeout and "max_delay" in str(exc):
                failure = TMDBRateLimited(f"No TMDB rate-limit slot within {self.max_delay}s")
            else:
                failure = TMDBUnavailable(f"TMDB did not answer in time: {_brief(exc)}")
        except requests.exceptions.RequestException as exc:
            if _timed_out(exc):
                # A read timeout that urllib3 gave up retrying arrives as a ConnectionError.
                failure = TMDBUnavailable(
                    f"TMDB did not answer in time (waited {self.timeout[1]:g} s for a reply)"
                )
            else:
                failure = TMDBUnavailable(f"Could not reach TMDB: {_brief(exc)}")
        except Exception as exc:
            # Anything else from inside requests: its frames hold the URL with the key, so
            # it must not travel up to an error page or report as it is.
            log.warning("TMDB request failed unexpectedly: %s", _brief(exc))
            failure = TMDBUnavailable(f"TMDB request failed unexpectedly: {type(exc).__name__}")
        if failure is not None:
            # Raised outside the except block so the requests error, whose message and
            # .request carry the URL with the key, is not chained as __context__.
            raise failure
        return self._decode(path, response)

    def _decode(self, path: str, response: requests.Response) -> dict[str, Any]:
        status = response.status_code
        log.debug("TMDB GET %s -> %s", path, status)
        if 200 <= status < 300:
            try:
                data = response.json()
            except ValueError:
                data = None
            if not isinstance(data, dict):
                raise TMDBUnavailable(f"TMDB answered {path} with something that is not JSON")
            return data
        message = _status_message(response)
        if status == 401:
            raise TMDBAuthError(f"TMDB refused our credentials: {message}", status_code=status)
        if status == 404:
            raise TMDBNotFound(f"TMDB has nothing at {path}: {message}", status_code=status)
        if status == 429:
            raise TMDBRateLimited(
                f"TMDB still said 'too many requests' after {self.max_retries} retries",
                status_code=status,
            )
        if status >= 500:
            raise TMDBUnavailable(f"TMDB answered HTTP {status}: {message}", status_code=status)
        raise TMDBError(f"TMDB rejected {path} (HTTP {status}): {message}", status_code=status)


def _timed_out(exc: requests.exceptions.RequestException) -> bool:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    # urllib3 counts a refused connection (NewConnectionError) as a connect timeout.
    return isinstance(reason, urllib3.exceptions.TimeoutError) and not isinstance(
        reason, urllib3.exceptions.NewConnectionError
    )


def _brief(exc: BaseException) -> str:
    return scrub(f"{type(exc).__name__}: {exc}")[:300]


def _status_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    message = ""
    if isinstance(body, dict):
        errors = body.get("errors")
        message = body.get("status_message") or ("; ".join(map(str, errors)) if errors else "")
    return scrub(str(message or response.reason or f"HTTP {response.status_code}"))[:300]
