from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from . import services
from .forms import RankingFilterForm, RankingForm, SignUpForm
from .models import Ranking
from .request_limits import slow_down, wait_in_words
from .throttle import Rule, throttle_hit

PAGE_SIZE = 50


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
        return redirect("rankings:list")
    return render(request, "registration/signup.html", {"form": form})


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


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("rankings:list")


@require_GET
@vary_on_headers("HX-Request")
def ranking_list(request: HttpRequest) -> HttpResponse:
    form = RankingFilterForm(request.GET)
    rankings = Ranking.objects.filter(user=request.user).select_related("movie")
    if form.is_valid():
        if form.cleaned_data["stars"]:
            rankings = rankings.filter(rating=form.cleaned_data["stars"])
        rankings = rankings.order_by(*form.ordering())
    page = Paginator(rankings, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "rankings/list.html"
    if request.htmx and request.htmx.target == "ranking-list":
        template += "#ranking-list"
    return render(request, template, context)


def _own_ranking(request: HttpRequest, pk: int) -> Ranking:
    return get_object_or_404(Ranking.objects.select_related("movie"), pk=pk, user=request.user)


@require_GET
@vary_on_headers("HX-Request")
def ranking_row(request: HttpRequest, pk: int) -> HttpResponse:
    ranking = _own_ranking(request, pk)
    if not request.htmx:
        return redirect("rankings:list")
    return render(request, "rankings/list.html#ranking-row", {"ranking": ranking})


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
        if request.htmx:
            return render(request, "rankings/list.html#ranking-row", {"ranking": ranking})
        messages.success(request, f"Saved your rating of {ranking.movie.title}.")
        return redirect("rankings:list")
    if request.method == "POST":
        # The form changed the instance in place; show the stored values beside the errors.
        ranking.refresh_from_db(fields=["rating", "rated_at"])
    context = {"ranking": ranking, "form": form, "mode": "edit"}
    if request.htmx:
        return render(request, "rankings/list.html#ranking-row", context)
    return render(request, "rankings/edit.html", context)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def ranking_delete(request: HttpRequest, pk: int) -> HttpResponse:
    ranking = _own_ranking(request, pk)
    if request.method == "POST":
        title = ranking.movie.title
        services.ranking_delete(ranking=ranking)
        if request.htmx:
            return HttpResponse("")
        messages.success(request, f"Removed {title} from your rankings.")
        return redirect("rankings:list")
    context = {"ranking": ranking, "mode": "delete"}
    if request.htmx:
        return render(request, "rankings/list.html#ranking-row", context)
    return render(request, "rankings/delete.html", context)
