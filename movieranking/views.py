import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url, reswap, retarget

from imports.tmdb import OfflineCatalog

from . import posters, services
from .forms import RankingFilterForm, RankingForm, SignUpForm
from .models import Ranking
from .request_limits import slow_down, wait_in_words
from .throttle import Rule, throttle_hit

PAGE_SIZE = 50
ROW = "rankings/_ranking_row.html"


@login_not_required
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("rankings:list")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}! Your account is ready.")
        return redirect(_safe_next(request) or "rankings:list")
    context = {"form": form, "next": _safe_next(request)}
    return render(request, "registration/signup.html", context)


class SignInView(auth_views.LoginView):
    """Django's sign-in, with at most SIGN_IN_ATTEMPTS_PER_15_MINUTES attempts on one
    account (counted in the database, so across every web process) before it asks the
    person to slow down — without checking the password of an attempt past the limit."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = (request.POST.get("username") or "").strip()
        rule = Rule("sign-in", limit=settings.SIGN_IN_ATTEMPTS_PER_15_MINUTES, window=15 * 60)
        verdict = throttle_hit(rule, key=f"username:{username.casefold()}")
        if verdict.allowed:
            return super().post(request, *args, **kwargs)
        messages.error(
            request,
            "Too many sign-in attempts for this account. Slow down: try again in "
            f"{wait_in_words(verdict.retry_after)}.",
        )
        form = self.get_form_class()(request, initial={"username": username})
        return slow_down(
            self.render_to_response(self.get_context_data(form=form)), verdict.retry_after
        )


def _safe_next(request: HttpRequest) -> str:
    """Where to go after signing up (the landing page sends people on to the upload)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


@login_not_required
@require_GET
def poster(request: HttpRequest, tmdb_id: int) -> HttpResponse:
    """A poster we draw, for a film TMDB has none for. Public (the landing page shows some),
    but only for words we signed; the same address always draws the same picture."""
    title = request.GET.get("title", "")
    year = request.GET.get("year", "")
    if not posters.verified(tmdb_id, title, year, request.GET.get("sig", "")):
        raise Http404("No such poster.")
    response = HttpResponse(posters.poster_svg(tmdb_id, title, year), content_type="image/svg+xml")
    patch_cache_control(response, public=True, max_age=365 * 24 * 3600, immutable=True)
    return response


# A strip of well-known films for the landing page, drawn as posters.
LANDING_FILMS = 10


@functools.cache
def _landing_films() -> list[dict]:

    records = sorted(OfflineCatalog().records, key=lambda r: -(r.get("popularity") or 0))
    return [
        {"tmdb_id": r["id"], "title": r["title"], "year": (r.get("release_date") or "")[:4]}
        for r in records[:LANDING_FILMS]
    ]


@login_not_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Signed in: your rankings. Otherwise: what the site does, and the way in."""
    if request.user.is_authenticated:
        return redirect("rankings:list")
    return render(request, "landing.html", {"films": _landing_films()})


class SignOutView(auth_views.LogoutView):
    """Sign out, and say so on the landing page."""

    next_page = "home"

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are signed out.")
        return response


def _rankings_page(request: HttpRequest, params) -> dict:
    """The person's rankings, sorted, filtered and paged as `params` (the list's query) say."""
    form = RankingFilterForm(params)
    rankings = Ranking.objects.filter(user=request.user).select_related("movie")
    if form.is_valid():
        if form.cleaned_data["stars"]:
            rankings = rankings.filter(rating=form.cleaned_data["stars"])
        rankings = rankings.order_by(*form.ordering())
    page = Paginator(rankings, PAGE_SIZE).get_page(params.get("page"))
    return {"form": form, "page": page, "query": form.query(), "here": _here(params)}


def _here(params) -> str:
    """The list's query, page included, for links that come back to it."""
    return RankingFilterForm(params).query(params.get("page"))


def _list_url(params) -> str:
    here = _here(params)
    return reverse("rankings:list") + (f"?{here}" if here else "")


@require_GET
@vary_on_headers("HX-Request")
def ranking_list(request: HttpRequest) -> HttpResponse:
    clean_url = None
    if any(value == "" for value in request.GET.values()):
        # "All ratings" submits an empty stars=; the address never keeps it.
        kept = urlencode([(key, value) for key, value in request.GET.items() if value != ""])
        clean_url = reverse("rankings:list") + (f"?{kept}" if kept else "")
        if not request.htmx:
            return redirect(clean_url)
    context = _rankings_page(request, request.GET)
    if request.htmx and request.htmx.target == "ranking-list":
        response = render(request, "rankings/_ranking_list.html", context)
        return push_url(response, clean_url) if clean_url else response
    return render(request, "rankings/list.html", context)


def _list_changed(request: HttpRequest, message: str, **focus) -> HttpResponse:
    """After a change in place: the whole list again (htmx), so a changed film moves to its
    place and the count is right, or back to the list as it was (no JavaScript)."""
    if request.htmx:
        context = _rankings_page(request, request.GET) | focus | {"announcement": message}
        response = render(request, "rankings/_ranking_list.html", context)
        return reswap(retarget(response, "#ranking-list"), "outerHTML")
    messages.success(request, message)
    return redirect(_list_url(request.GET))


def _own_ranking(request: HttpRequest, pk: int) -> Ranking:
    return get_object_or_404(Ranking.objects.select_related("movie"), pk=pk, user=request.user)


@require_GET
@vary_on_headers("HX-Request")
def ranking_row(request: HttpRequest, pk: int) -> HttpResponse:
    ranking = _own_ranking(request, pk)
    if not request.htmx:
        return redirect("rankings:list")
    return render(request, ROW, {"ranking": ranking, "here": _here(request.GET)})


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def ranking_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ranking = _own_ranking(request, pk)
    form = RankingForm(request.POST or None, instance=ranking)
    if request.method == "POST" and form.is_valid():
        services.ranking_update(
            ranking=ranking,
            rating=form.cleaned_data["rating"],
            rated_at=form.cleaned_data["rated_at"],
        )
        return _list_changed(
            request, f"Saved your rating of {ranking.movie.title}.", moved=ranking.pk
        )
    if request.method == "POST":
        # The form changed the instance in place; show the stored values beside the errors.
        ranking.refresh_from_db(fields=["rating", "rated_at"])
    context = {"ranking": ranking, "form": form, "mode": "edit", "here": _here(request.GET)}
    context["back"] = _list_url(request.GET)
    if request.htmx:
        return render(request, ROW, context)
    return render(request, "rankings/edit.html", context)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def ranking_delete(request: HttpRequest, pk: int) -> HttpResponse:
    ranking = _own_ranking(request, pk)
    if request.method == "POST":
        title = ranking.movie.title
        services.ranking_delete(ranking=ranking)
        return _list_changed(request, f"Removed {title} from your rankings.", removed=True)
    context = {"ranking": ranking, "mode": "delete", "here": _here(request.GET)}
    context["back"] = _list_url(request.GET)
    if request.htmx:
        return render(request, ROW, context)
    return render(request, "rankings/delete.html", context)
