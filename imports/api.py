"""The JSON API under /api/v1/import/amazon-prime/: the original system's interface.

Thin views over the same selectors and services as the review wizard. Signed-in users only,
through the site's session cookie; unsafe methods need the CSRF token like any form post.
Every answer, errors included, is JSON.
"""

from __future__ import annotations

import json
import math
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views import csrf

from movieranking.request_limits import answers_in_json, slow_down, takes_history_file

from . import selectors, services, tmdb
from .forms import AddForm, ChooseForm, MoviesPageForm, UploadForm
from .models import ImportItem, ImportSession

NAMESPACE = "imports_api"


# --- Plumbing -------------------------------------------------------------------------------


class _BadRequest(Exception):
    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


def _error(detail: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status)


def api_view(*methods: str):
    """JSON in and out: 401 for anonymous callers (never the login page), 405 for other
    methods, and 404 as JSON for anything missing or not theirs."""

    def decorator(view):
        @answers_in_json
        @login_not_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return _error("Sign in first.", 401)
            if request.method not in methods:
                response = _error(f"Method {request.method} is not allowed here.", 405)
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except Http404:
                return _error("Not found.", 404)
            except _BadRequest as error:
                extra = {"errors": error.errors} if error.errors else {}
                return _error(error.detail, 400, **extra)

        return wrapper

    return decorator


def _json_body(request: HttpRequest) -> dict:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as error:
        raise _BadRequest(f"Malformed JSON: {error}.") from None
    except RecursionError:
        raise _BadRequest("Malformed JSON: it is nested too deeply.") from None
    if not isinstance(data, dict):
        raise _BadRequest("The body must be a JSON object.")
    return data


# --- Shapes ---------------------------------------------------------------------------------


def _poster_url(poster_path: str | None) -> str | None:
    return f"{settings.TMDB_IMAGE_BASE_URL}w342{poster_path}" if poster_path else None


def _film(candidate: dict) -> dict:
    return {
        "tmdb_id": candidate["tmdb_id"],
        "title": candidate["title"],
        "year": candidate.get("year"),
        "poster_url": _poster_url(candidate.get("poster_path")),
        "overview": candidate.get("overview") or "",
    }


def _movie(item: ImportItem) -> dict:
    best = item.best
    return {
        "index": item.position,
        "parsed": {
            "title": item.title,
            "watch_date": item.last_watched_on.isoformat() if item.last_watched_on else None,
            # An image URL from the person's file points wherever the file says: never
            # passed on (the key stays for callers that expect it).
            "prime_image_url": None,
        },
        "tmdb_match": _film(best) if best else None,
        "confidence": item.confidence,
        "reason": _reason(item),
        "alternatives": [_film(c) for c in item.alternatives],
        "status": item.status,
        "lookup": item.lookup,
    }


def _reason(item: ImportItem) -> str:
    """Why the item is matched as it is, in a plain sentence. A failed look-up's error is
    for the log (the worker logged it), not for callers: it names hosts and exceptions."""
    if item.lookup == ImportItem.Lookup.FAILED:
        return LOOKUP_FAILED
    if item.lookup == ImportItem.Lookup.WAITING:
        return "Not looked up yet."
    if item.status == ImportItem.Status.SET_ASIDE:
        return item.set_aside_reason
    return item.reason


LOOKUP_FAILED = "TMDB did not answer when we looked this film up. Retry matching to try again."


PAGE_SIZE = 100


def _movies_page(request: HttpRequest, session: ImportSession) -> dict:
    """One page of the import's films, in file order, with links to the pages around it:
    a history of 100,000 films is not one answer. Positions run 1…N, so a page is a range of
    them, read through the (session, position) index whatever the page."""
    form = MoviesPageForm(request.GET)
    if not form.is_valid():
        errors = {field: list(messages) for field, messages in form.errors.items()}
        raise _BadRequest(next(iter(errors.values()))[0], errors)
    page = form.cleaned_data["page"] or 1
    size = form.cleaned_data["page_size"] or PAGE_SIZE
    pages = max(1, math.ceil(session.movies_found / size))
    if page > pages:
        raise Http404
    first = (page - 1) * size
    items = session.items.filter(position__gt=first, position__lte=first + size)
    path = reverse(f"{NAMESPACE}:session", args=[session.pk])

    def link(number: int) -> str | None:
        return f"{path}?page={number}&page_size={size}" if 1 <= number <= pages else None

    return {
        "page": page,
        "page_size": size,
        "pages": pages,
        "next": link(page + 1),
        "previous": link(page - 1),
        "movies": [_movie(item) for item in items.order_by("position")],
    }


def _ranking(ranking) -> dict:
    movie = ranking.movie
    return {
        "id": ranking.pk,
        "movie": {
            "tmdb_id": movie.tmdb_id,
            "title": movie.title,
            "year": movie.year,
            "poster_url": movie.poster_url() or None,
        },
        "rating": ranking.rating,
        "rated_at": ranking.rated_at.isoformat(),
    }


# --- Endpoints ------------------------------------------------------------------------------


@takes_history_file
@api_view("POST")
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = {field: list(messages) for field, messages in form.errors.items()}
        first = next(iter(errors.values()))[0]
        if "file" in errors and not request.FILES:
            first = "Send the history as a multipart form field named 'file'."
        raise _BadRequest(first, errors)
    upload = form.cleaned_data["file"]
    try:
        result = services.session_create_from_file(
            owner=request.user, upload=upload, tz=form.cleaned_data["time_zone"]
        )
    except services.UploadsTooFrequent as error:
        response = _error(str(error), 429, code="slow_down", retry_after=error.retry_after)
        return slow_down(response, error.retry_after)
    except services.ImportRejected as error:
        raise _BadRequest(str(error)) from None
    session = result.session
    # Matching may already have run (or begun) since the session was stored.
    session.refresh_from_db()
    counts = selectors.session_counts(session)
    body = {
        "session_id": str(session.pk),
        "total_entries": session.rows_read,
        "movies_found": session.movies_found,
        "tv_shows_filtered": session.episodes,
        "already_ranked": counts["already_ranked"],
        "ready_for_review": counts["pending"],
        **_movies_page(request, session),
    }
    return JsonResponse(body, status=201 if result.created else 200)


@api_view("GET", "DELETE")
def session(request: HttpRequest, session_id) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    if request.method == "DELETE":
        services.session_cancel(session=session)
        return HttpResponse(status=204)
    counts = selectors.session_counts(session)
    current = selectors.current_item(session)
    return JsonResponse(
        {
            "session_id": str(session.pk),
            "status": session.status,
            "progress": session.match_percent,
            "current_index": current.position if current else None,
            "total_movies": counts["total"],
            "added_count": counts["added"],
            "skipped_count": counts["skipped"],
            "remaining_count": counts["pending"] + counts["unmatched"],
            "set_aside_count": counts["set_aside"],
            **_movies_page(request, session),
        }
    )


def _valid(form_class, data: dict):
    """The cleaned data of the page's own form for a JSON body, or a 400 naming the fields."""
    form = form_class(data)
    if not form.is_valid():
        errors = {field: list(messages) for field, messages in form.errors.items()}
        raise _BadRequest("Invalid data.", errors)
    return form.cleaned_data


@api_view("POST")
def item_add(request: HttpRequest, session_id, index: int) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    item = selectors.item_for(session, index)
    data = _valid(AddForm, _json_body(request))
    try:
        item = services.item_add(
            item=item, rating=data["rating"], rated_at=data["rated_at"], replace=data["replace"]
        )
    except services.AlreadyRanked as conflict:
        existing = conflict.ranking
        return _error(
            f"You already rated {existing.movie.title} {existing.rating}★ on "
            f'{existing.rated_at:%Y-%m-%d}. Send "replace": true to replace that rating.',
            400,
            code="already_ranked",
            ranking=_ranking(existing),
        )
    except services.ItemHasNoMatch:
        return _error(
            f"{item.title} has no TMDB match: choose one with PATCH …/match/ first.",
            400,
            code="no_match",
        )
    except services.ItemNotActionable as error:
        return _error(str(error), 400, code="not_actionable")
    return JsonResponse(_ranking(item.ranking), status=201)


@api_view("POST")
def item_skip(request: HttpRequest, session_id, index: int) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    item = selectors.item_for(session, index)
    try:
        services.item_skip(item=item)
    except services.ItemNotActionable as error:
        return _error(str(error), 400, code="not_actionable")
    return HttpResponse(status=204)


@api_view("PATCH")
def item_match(request: HttpRequest, session_id, index: int) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    item = selectors.item_for(session, index)
    tmdb_id = _valid(ChooseForm, _json_body(request))["tmdb_id"]
    try:
        with tmdb.build_client() as client:
            item = services.item_choose(item=item, tmdb_id=tmdb_id, client=client)
    except selectors.SearchFailed as error:
        status = 404 if error.not_found else 400
        return _error(str(error), status, code="search_failed")
    except services.ItemNotActionable as error:
        return _error(str(error), 400, code="not_actionable")
    return JsonResponse(_movie(item))


@login_not_required
def not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Anything else under the API prefix — including paths without their trailing slash,
    which would otherwise be redirected (and lose a POST body) — is a JSON 404."""
    detail = "Not found."
    if not request.path.endswith("/"):
        detail += " API paths end with a slash."
    return _error(detail, 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: JSON for API paths, Django's own page everywhere else."""
    match = getattr(request, "resolver_match", None)
    if match is not None and NAMESPACE in match.namespaces:
        return _error(
            f"CSRF check failed ({reason}). Send the csrftoken cookie's value in an "
            "X-CSRFToken header.",
            403,
        )
    return csrf.csrf_failure(request, reason=reason)
