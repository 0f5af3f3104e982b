"""Keeping TMDB credentials out of messages and logs.

requests and urllib3 put the full URL (with `api_key=`) into exception messages and into
their own log records (urllib3's DEBUG request lines and "Retrying …" warnings,
requests-ratelimiter's "Rate limit exceeded for <url>"). We scrub both.
"""

from __future__ import annotations

import logging
import re
import threading

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
    "imports.tmdb.client",
    "urllib3.connectionpool",
    "urllib3.util.retry",
    "requests_ratelimiter.requests_ratelimiter",
)
for _name in _LOGGERS_SEEING_URLS:
    logging.getLogger(_name).addFilter(_ScrubSecrets())


def remember_secrets(*values: str) -> None:
    # Kept for the life of the process: a closed client's key may still turn up in a late
    # log record, and a process only ever knows a handful of keys.
    with _secrets_lock:
        _secrets.update(value for value in values if value and len(value) >= 4)
