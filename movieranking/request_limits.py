"""Request bodies are refused before anything reads them.

Django's CSRF check reads a POST's form to find the token, and reading a multipart form
writes its files to the temp directory — before the view, the sign-in check or any size
check has run. So this middleware, placed before CsrfViewMiddleware, decides from the
headers alone (Content-Length and the session cookie):

- nobody signed in: a body only for the pages that take one from anybody (sign-in, sign-up),
  and a small one; every other body is answered as the page would answer a stranger (the
  sign-in page, or the API's 401), unread;
- signed in: at most IMPORT_MAX_UPLOAD_MB (and room for the form around it) for the views
  that take a history file, at most DATA_UPLOAD_MAX_MEMORY_SIZE for everything else;
  anything larger is a 413 with the limit in words.

A proxy in front should refuse oversized bodies too, so they never reach a worker: see
"Deploying" in the README (nginx `client_max_body_size`).

Also here: how a per-person limit's "slow down" answer is worded and sent (429).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

# Sign-in and sign-up forms are a few hundred bytes.
ANONYMOUS_BODY_LIMIT = 16 * 1024
# Multipart boundaries, the CSRF token and the time zone around an uploaded file.
FORM_OVERHEAD = 64 * 1024


def takes_history_file(view: Callable) -> Callable:
    """Mark a view whose body is a history file: it may be as large as the upload limit."""
    view.takes_history_file = True
    return view


def answers_in_json(view: Callable) -> Callable:
    """Mark a JSON API view: refusals are JSON too, and a stranger's is a 401."""
    view.answers_in_json = True
    return view


def upload_body_limit() -> int:
    return settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024 + FORM_OVERHEAD


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # Django reads no body it cannot measure either


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        length = _content_length(request)
        if not length:
            return None
        json = getattr(view_func, "answers_in_json", False)
        if not request.user.is_authenticated:
            if json:
                return JsonResponse({"detail": "Sign in first."}, status=401)
            if getattr(view_func, "login_required", True):
                return redirect_to_login(request.get_full_path())
            if length > ANONYMOUS_BODY_LIMIT:
                return _too_large(request, json, "That is far more than a sign-in form sends.")
            return None
        if getattr(view_func, "takes_history_file", False):
            if length > upload_body_limit():
                limit = settings.IMPORT_MAX_UPLOAD_MB
                return _too_large(
                    request,
                    json,
                    f"The file is {length / 1024 / 1024:.0f} MB; the largest we accept is "
                    f"{limit} MB. Upload only the viewing history CSV rather than the whole "
                    "data download.",
                    back=request.path,
                )
            return None
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
            return _too_large(
                request, json, f"The request is larger than the {limit:.0f} MB this page takes."
            )
        return None


def _too_large(request: HttpRequest, json: bool, message: str, back: str = "/") -> HttpResponse:
    if json:
        response = JsonResponse({"detail": message, "code": "too_large"}, status=413)
    else:
        response = render(request, "413.html", {"message": message, "back": back}, status=413)
    # The rest of the body was never read: the connection cannot carry another request.
    response["Connection"] = "close"
    return response


def wait_in_words(seconds: int) -> str:
    """`retry_after` seconds as a person says it: "40 seconds", "12 minutes"."""
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minutes"


def slow_down(response: HttpResponse, retry_after: int) -> HttpResponse:
    """Make `response` the "slow down" answer: 429 with Retry-After."""
    response.status_code = 429
    response["Retry-After"] = str(retry_after)
    return response
