"""The only module that talks to TMDB over HTTP.

Typed results, one error hierarchy, and `TMDBClient`: a requests session throttled by a
rate-limit bucket shared by every process (`imports.tmdb_ratelimit`), with urllib3 retries
for 429/5xx, timeouts, and credentials kept out of every message and log record.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import requests
import urllib3
from django.views.decorators.debug import sensitive_variables
from pyrate_limiter import AbstractBucket
from requests.adapters import HTTPAdapter
from requests_ratelimiter import LimiterMixin
from urllib3.util.retry import Retry

from imports.tmdb_ratelimit import BUCKET_NAME, FreshClockLimiter, memory_bucket, shared_bucket

if TYPE_CHECKING:
    from imports.offline_catalog import OfflineCatalog

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.themoviedb.org/3"


# TMDB's movie genres (`GET /genre/movie/list`, English names).
GENRES = {
    28: "Action",
    12: "Adventure",
    16: "Animation",
    35: "Comedy",
    80: "Crime",
    99: "Documentary",
    18: "Drama",
    10751: "Family",
    14: "Fantasy",
    36: "History",
    27: "Horror",
    10402: "Music",
    9648: "Mystery",
    10749: "Romance",
    878: "Science Fiction",
    10770: "TV Movie",
    53: "Thriller",
    10752: "War",
    37: "Western",
}


class TMDBError(Exception):
    """Base class: TMDB could not answer. Messages never contain credentials."""

    def __init__(self, message: str = "", *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code  # the HTTP status, when there was an answer


class TMDBAuthError(TMDBError):
    """The API key or read token was refused (HTTP 401)."""


class TMDBNotFound(TMDBError):
    """The requested resource does not exist (HTTP 404)."""


class TMDBRateLimited(TMDBError):
    """TMDB kept answering 429 after our retries."""


class TMDBUnavailable(TMDBError):
    """Timeouts, refused connections, 5xx after retries, or an unreadable answer."""


@dataclass(frozen=True, slots=True)
class MovieCandidate:
    """One search result (`GET /search/movie`), or the head of a details answer."""

    tmdb_id: int
    title: str
    original_title: str = ""
    original_language: str = ""
    release_date: date | None = None
    overview: str = ""
    poster_path: str | None = None
    popularity: float = 0.0
    vote_average: float = 0.0
    vote_count: int = 0
    genre_ids: tuple[int, ...] = ()

    @property
    def year(self) -> int | None:
        return self.release_date.year if self.release_date else None


@dataclass(frozen=True, slots=True)
class MovieDetails:
    """`GET /movie/{id}?append_to_response=alternative_titles,release_dates`."""

    tmdb_id: int
    title: str
    original_title: str = ""
    original_language: str = ""
    release_date: date | None = None
    overview: str = ""
    poster_path: str | None = None
    popularity: float = 0.0
    vote_average: float = 0.0
    vote_count: int = 0
    genres: tuple[str, ...] = ()
    runtime: int | None = None
    imdb_id: str = ""
    alternative_titles: tuple[str, ...] = ()
    # Every release date TMDB knows (all countries, all types); the earliest matters
    # when deciding whether someone could have watched the film on a given day.
    release_dates: tuple[date, ...] = field(default_factory=tuple)

    @property
    def year(self) -> int | None:
        return self.release_date.year if self.release_date else None


@dataclass(frozen=True, slots=True)
class ImageConfig:
    secure_base_url: str = "https://image.tmdb.org/t/p/"
    poster_sizes: tuple[str, ...] = ("w92", "w154", "w185", "w342", "w500", "w780", "original")


# --- Keeping credentials out of messages and logs -------------------------------------------
# requests and urllib3 put the full URL (with `api_key=`) into exception messages and into
# their own log records (urllib3's DEBUG request lines and "Retrying …" warnings,
# requests-ratelimiter's "Rate limit exceeded for <url>"). We scrub both.

_API_KEY_IN_URL = re.compile(r"(api_key=)[^&\s'\"<>]+", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+")
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def scrub(text: str) -> str:
    """`text` with every api_key value, bearer token and known credential replaced by ***."""
    text = _BEARER.sub(r"\1***", _API_KEY_IN_URL.sub(r"\1***", text))
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, "***")
    return text


class _ScrubSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return True


# Filters on a logger apply to records created on that very logger, so name each one that
# may see a TMDB URL.
_LOGGERS_SEEING_URLS = (
    __name__,
    "urllib3.connectionpool",
    "urllib3.util.retry",
    "requests_ratelimiter.requests_ratelimiter",
)
for _name in _LOGGERS_SEEING_URLS:
    logging.getLogger(_name).addFilter(_ScrubSecrets())


def _remember_secrets(*values: str) -> None:
    # Kept for the life of the process: a closed client's key may still turn up in a late
    # log record, and a process only ever knows a handful of keys.
    with _secrets_lock:
        _secrets.update(value for value in values if value and len(value) >= 4)


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

    `bucket` is a pyrate-limiter bucket (see `imports.tmdb_ratelimit`); the client owns it
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
        _remember_secrets(api_key, read_token)
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
        """`GET /search/movie`; `year` matches any release year of a film (see TMDB.md)."""
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

    def configuration(self) -> ImageConfig:
        return parse_configuration(self._get("/configuration", {}))

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


# --- Parsing: defensive, because TMDB's answers vary across years and endpoints --------------


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _number(value: Any) -> float:
    try:
        return float(value) if value is not None and not isinstance(value, bool) else 0.0
    except (TypeError, ValueError):
        return 0.0


def _date(value: Any) -> date | None:
    # "" means unknown; release_dates entries carry a time ("1999-03-30T00:00:00.000Z").
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _tmdb_id(raw: Any) -> int | None:
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def parse_candidate(raw: Any) -> MovieCandidate | None:
    """One `results[]` entry, or None when it has no usable id."""
    tmdb_id = _tmdb_id(raw)
    if tmdb_id is None:
        return None
    title = _text(raw.get("title")) or _text(raw.get("original_title"))
    genre_ids = raw.get("genre_ids") if isinstance(raw.get("genre_ids"), list) else []
    return MovieCandidate(
        tmdb_id=tmdb_id,
        title=title,
        original_title=_text(raw.get("original_title")) or title,
        original_language=_text(raw.get("original_language")),
        release_date=_date(raw.get("release_date")),
        overview=_text(raw.get("overview")),
        poster_path=_text(raw.get("poster_path")) or None,
        popularity=_number(raw.get("popularity")),
        vote_average=_number(raw.get("vote_average")),
        vote_count=int(_number(raw.get("vote_count"))),
        genre_ids=tuple(g for g in genre_ids if isinstance(g, int)),
    )


def parse_search(data: dict[str, Any]) -> list[MovieCandidate]:
    # No hits arrive as total_pages 0 or 1 with an empty list; only `results` matters.
    results = data.get("results")
    if not isinstance(results, list):
        return []
    return [c for c in (parse_candidate(raw) for raw in results) if c is not None]


def _appended(data: dict[str, Any], key: str, inner: str) -> list[Any]:
    block = data.get(key)
    items = block.get(inner) if isinstance(block, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def parse_details(data: dict[str, Any]) -> MovieDetails:
    head = parse_candidate(data)
    if head is None:
        raise TMDBUnavailable("TMDB answered a movie without an id")
    genres = [g.get("name") for g in data.get("genres") or [] if isinstance(g, dict)]
    alternatives = _appended(data, "alternative_titles", "titles")
    titles = [_text(t.get("title")).strip() for t in alternatives]
    dates = {head.release_date} if head.release_date else set()
    for country in _appended(data, "release_dates", "results"):
        for entry in country.get("release_dates") or []:
            if isinstance(entry, dict) and (when := _date(entry.get("release_date"))):
                dates.add(when)
    runtime = data.get("runtime")
    return MovieDetails(
        tmdb_id=head.tmdb_id,
        title=head.title,
        original_title=head.original_title,
        original_language=head.original_language,
        release_date=head.release_date,
        overview=head.overview,
        poster_path=head.poster_path,
        popularity=head.popularity,
        vote_average=head.vote_average,
        vote_count=head.vote_count,
        genres=tuple(name for name in genres if isinstance(name, str) and name),
        # TMDB says 0 when it does not know the runtime.
        runtime=runtime if isinstance(runtime, int) and runtime > 0 else None,
        imdb_id=_text(data.get("imdb_id")),
        alternative_titles=tuple(dict.fromkeys(t for t in titles if t)),
        release_dates=tuple(sorted(dates)),
    )


def parse_configuration(data: dict[str, Any]) -> ImageConfig:
    images = data.get("images") if isinstance(data.get("images"), dict) else {}
    default = ImageConfig()
    sizes = images.get("poster_sizes")
    return ImageConfig(
        secure_base_url=_text(images.get("secure_base_url")) or default.secure_base_url,
        poster_sizes=tuple(s for s in sizes if isinstance(s, str))
        if isinstance(sizes, list) and sizes
        else default.poster_sizes,
    )


def build_client(*, settings: Any = None) -> TMDBClient | OfflineCatalog:
    """The TMDB client the settings ask for, or the bundled offline catalog without credentials.

    The rate-limit bucket lives in the default database (PostgreSQL) or beside it (SQLite),
    so all processes share TMDB_RATE_LIMIT. Close the client when done.
    """
    if settings is None:
        from django.conf import settings
    api_key = getattr(settings, "TMDB_API_KEY", "") or ""
    read_token = getattr(settings, "TMDB_READ_TOKEN", "") or ""
    if not (api_key or read_token):
        from imports.offline_catalog import OfflineCatalog

        return OfflineCatalog()
    rate_limit = float(getattr(settings, "TMDB_RATE_LIMIT", 40) or 40)
    return TMDBClient(
        api_key=api_key,
        read_token=read_token,
        base_url=getattr(settings, "TMDB_API_BASE_URL", "") or DEFAULT_BASE_URL,
        rate_limit=rate_limit,
        bucket=shared_bucket(getattr(settings, "DATABASES", {}), rate_limit),
    )
