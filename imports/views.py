"""Import pages: upload, progress, the review wizard, the item list and the summary.

Every view is thin: it checks the method and ownership, validates a form, calls one service,
and renders a page, a partial (for htmx) or a redirect (without JavaScript).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from movieranking.request_limits import slow_down, takes_history_file

from . import selectors, services, tmdb
from .csv_export import not_added_csv, not_added_file_name
from .forms import AddForm, ChooseForm, SearchForm, UploadForm, zone_groups, zone_labels
from .models import ImportItem, ImportSession

REVIEW = "imports/review.html"
CARD = "imports/_review_card.html"


# --- Upload and progress --------------------------------------------------------------------


@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    sessions = selectors.sessions_of(request.user)
    return render(request, "imports/list.html", {"sessions": sessions})


@takes_history_file
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    retry_after = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.session_create_from_file(
                owner=request.user, upload=upload, tz=form.cleaned_data["time_zone"]
            )
        except services.ImportRejected as error:
            form.add_error("file", str(error))
            retry_after = getattr(error, "retry_after", None)
        else:
            if not result.created:
                messages.info(
                    request,
                    f"You uploaded this file on {result.session.created_at:%-d %B %Y}; "
                    "here is that import.",
                )
            return redirect("imports:session", result.session.pk)
    status = 400 if form.errors else 200
    chosen = form["time_zone"].value() or settings.TIME_ZONE
    labels = zone_labels()
    context = {
        "form": form,
        "max_mb": settings.IMPORT_MAX_UPLOAD_MB,
        "zone_groups": zone_groups(),
        "zones_ungrouped": [(name, label) for name, label in labels.items() if "/" not in name],
        # The list shows a zone by its words; the site's zone (JavaScript picks the browser's).
        "selected_zone": next((n for n, label in labels.items() if chosen in (n, label)), ""),
    }
    response = render(request, "imports/upload.html", context, status=status)
    return slow_down(response, retry_after) if retry_after else response


@require_GET
def session_detail(request: HttpRequest, session_id) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    context = {
        "session": session,
        "progress": selectors.matching_progress(session),
        "outcome_links": selectors.session_outcome(session).links,
    }
    return render(request, "imports/session.html", context)


@require_GET
@vary_on_headers("HX-Request")
def session_progress(request: HttpRequest, session_id) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    if not request.htmx:
        return redirect("imports:session", session.pk)
    context = {
        "session": session,
        "progress": selectors.matching_progress(session),
        "outcome_links": selectors.session_outcome(session).links,
        "oob": True,
    }
    return render(request, "imports/_match_progress.html", context)


@require_POST
def session_retry(request: HttpRequest, session_id) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    count = services.session_retry_matching(session=session)
    if count:
        messages.success(request, f"Looking up {count} film{'s' if count != 1 else ''} again.")
    else:
        messages.info(request, "There is nothing left to look up.")
    return redirect("imports:session", session.pk)


# --- The review wizard ----------------------------------------------------------------------


def _card(request, session: ImportSession, item: ImportItem | None, **extra) -> HttpResponse:
    """The review card for `item` (or the next one): a full page, or the card alone."""
    existing = selectors.existing_ranking(session, item)
    outcome = selectors.session_outcome(session)
    context = {
        "session": session,
        "item": item,
        "existing": existing,
        # Rating then replaces the one the person has (or was found to have meanwhile).
        "replacing": bool(existing or extra.get("conflict")),
        "outcome": outcome,
        "counter": outcome.counter(item),
        "progress": selectors.matching_progress(session),
        "add_form": extra.pop("add_form", None) or AddForm(),
        **extra,
    }
    template = CARD if request.htmx else REVIEW
    return render(request, template, context)


def _after_action(request, session: ImportSession, announcement: str) -> HttpResponse:
    """What follows an add, skip or keep: the next card (htmx) or a redirect. `session` is
    the one the service just locked and counted, so its status and counts are current."""
    if request.htmx:
        return _card(request, session, selectors.current_item(session), announcement=announcement)
    messages.success(request, announcement)
    return redirect("imports:review", session.pk)


def _ref(request: HttpRequest, session_id, position: int) -> services.ItemRef:
    # The step itself finds (and locks) the item, so a step costs no separate look-up.
    return services.ItemRef(owner_id=request.user.pk, session_id=session_id, position=position)


def _refused(request, session, item, error: Exception, **extra) -> HttpResponse:
    if request.htmx:
        return _card(request, session, item, error=str(error), **extra)
    messages.error(request, str(error))
    return redirect("imports:item", session.pk, item.position)


def _refused_step(request, ref: services.ItemRef, error: Exception, **extra) -> HttpResponse:
    """A step that found its item itself was refused: look the item up for the card."""
    session = selectors.session_for(request.user, ref.session_id)
    return _refused(request, session, selectors.item_for(session, ref.position), error, **extra)


@require_GET
@vary_on_headers("HX-Request")
def review(request: HttpRequest, session_id) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    return _card(request, session, selectors.current_item(session))


@require_GET
@vary_on_headers("HX-Request")
def item_detail(request: HttpRequest, session_id, position: int) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    return _card(request, session, selectors.item_for(session, position), jumped=True)


@require_POST
@vary_on_headers("HX-Request")
def item_add(request: HttpRequest, session_id, position: int) -> HttpResponse:
    ref = _ref(request, session_id, position)
    form = AddForm(request.POST)
    if not form.is_valid():
        message = "Choose a rating from 1 to 5 stars."
        if "rating" not in form.errors:
            message = form.errors["rated_at"][0]
        return _refused_step(request, ref, services.ItemNotActionable(message), add_form=form)
    try:
        item = services.item_add(
            item=ref,
            rating=form.cleaned_data["rating"],
            rated_at=form.cleaned_data["rated_at"],
            replace=form.cleaned_data["replace"],
            # Unsure: on the page the person says which film it is before rating it.
            chosen_first=True,
        )
    except services.AlreadyRanked as conflict:
        # Rated meanwhile (another tab, another import): the card now asks keep or replace.
        if request.htmx:
            return _card(request, conflict.item.session, conflict.item, conflict=True)
        messages.info(request, "You have already rated this film: keep or replace it.")
        return redirect("imports:item", session_id, position)
    except services.ItemNotActionable as error:
        return _refused_step(request, ref, error)
    stars = "★" * form.cleaned_data["rating"]
    return _after_action(request, item.session, f"Added {item.best['title']} with {stars}.")


@require_POST
@vary_on_headers("HX-Request")
def item_skip(request: HttpRequest, session_id, position: int) -> HttpResponse:
    ref = _ref(request, session_id, position)
    try:
        item = services.item_skip(item=ref)
    except services.ItemNotActionable as error:
        return _refused_step(request, ref, error)
    return _after_action(request, item.session, f"Skipped {item.title}.")


@require_POST
@vary_on_headers("HX-Request")
def item_keep(request: HttpRequest, session_id, position: int) -> HttpResponse:
    ref = _ref(request, session_id, position)
    try:
        item = services.item_keep_existing(item=ref)
    except services.ItemNotActionable as error:
        return _refused_step(request, ref, error)
    return _after_action(request, item.session, f"Kept your rating of {item.best['title']}.")


@require_POST
def item_reopen(request: HttpRequest, session_id, position: int) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    item = selectors.item_for(session, position)
    try:
        services.item_reopen(item=item)
    except services.ItemNotActionable as error:
        messages.error(request, str(error))
    return redirect("imports:item", session.pk, item.position)


@require_POST
@vary_on_headers("HX-Request")
def item_choose(request: HttpRequest, session_id, position: int) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    item = selectors.item_for(session, position)
    form = ChooseForm(request.POST)
    if not form.is_valid():
        return _refused(request, session, item, services.ItemNotActionable("Pick a film."))
    try:
        with tmdb.build_client() as client:
            item = services.item_choose(
                item=item, tmdb_id=form.cleaned_data["tmdb_id"], client=client
            )
    except (services.ItemNotActionable, selectors.SearchFailed) as error:
        return _refused(request, session, item, error)
    if request.htmx:
        return _card(request, session, item, announcement=f"Matched {item.best['title']}.")
    return redirect("imports:item", session.pk, item.position)


@require_GET
@vary_on_headers("HX-Request")
def item_alternatives(request: HttpRequest, session_id, position: int) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    item = selectors.item_for(session, position)
    context = {"session": session, "item": item, "choosing": True, "search_form": SearchForm()}
    if request.htmx:
        return render(request, "imports/_choices.html", context)
    return _card(request, session, item, choosing=True, search_form=SearchForm())


@require_GET
@vary_on_headers("HX-Request")
def item_search(request: HttpRequest, session_id, position: int) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    item = selectors.item_for(session, position)
    form = SearchForm(request.GET or None, initial={"q": item.search_title})
    results, error = [], ""
    if form.is_valid():
        try:
            with tmdb.build_client() as client:
                if tmdb_id := form.tmdb_id():
                    results = [selectors.tmdb_film(tmdb_id=tmdb_id, client=client)]
                else:
                    results = selectors.tmdb_search(query=form.cleaned_data["q"], client=client)
        except selectors.SearchFailed as failure:
            error = str(failure)
    context = {"session": session, "item": item, "results": results, "search_error": error}
    if request.htmx:
        return render(request, "imports/_search_results.html", context | {"announce": True})
    return _card(
        request,
        session,
        item,
        choosing=True,
        search_form=form,
        searched=True,
        results=results,
        search_error=error,
    )


@require_POST
@vary_on_headers("HX-Request")
def session_undo(request: HttpRequest, session_id) -> HttpResponse:
    ref = services.SessionRef(owner_id=request.user.pk, session_id=session_id)
    item = services.item_undo(session=ref)
    if item is None:
        message = "There is nothing to undo."
        if request.htmx:
            session = selectors.session_for(request.user, session_id)
            return _card(request, session, selectors.current_item(session), error=message)
        messages.info(request, message)
        return redirect("imports:review", session_id)
    if request.htmx:
        return _card(request, item.session, item, announcement=f"Undid {item.title}.")
    messages.success(request, f"Undid {item.title}; it is back to review.")
    return redirect("imports:item", session_id, item.position)


# --- The list, the end, and leaving ---------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
def item_list(request: HttpRequest, session_id) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    current = request.GET.get("show", "all")
    if current not in selectors.ITEM_FILTERS:
        current = "all"
    items = selectors.items_filtered(session, current)
    page = Paginator(items, 100).get_page(request.GET.get("page"))
    context = {
        "session": session,
        "page": page,
        "show": current,
        "filters": [(key, label) for key, (label, _) in selectors.ITEM_FILTERS.items()],
    }
    if request.htmx and request.htmx.target == "item-list":
        return render(request, "imports/_item_list.html", context)
    return render(request, "imports/items.html", context)


@require_GET
def session_summary(request: HttpRequest, session_id) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    added = selectors.items_filtered(session, "added").filter(ranking__isnull=False)
    context = {
        "session": session,
        "outcome": selectors.session_outcome(session),
        "not_found": selectors.items_filtered(session, "not_found"),
        "added": added.select_related("ranking__movie"),
    }
    return render(request, "imports/summary.html", context)


@require_POST
def session_finish(request: HttpRequest, session_id) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    services.session_finish(session=session)
    return redirect("imports:summary", session.pk)


@require_http_methods(["GET", "POST"])
def session_cancel(request: HttpRequest, session_id) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    if request.method == "POST":
        services.session_cancel(session=session)
        messages.success(request, "Import cancelled. Films you already added stay ranked.")
        return redirect("imports:list")
    return render(request, "imports/cancel.html", {"session": session})


@require_GET
def session_not_added_csv(request: HttpRequest, session_id) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, not_added_file_name(session))
    not_added_csv(session, response)
    return response
