from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from . import services
from .forms import RankingFilterForm, RankingForm, SignUpForm
from .models import Ranking

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
        return redirect("rankings:list")
    return render(request, "registration/signup.html", {"form": form})


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
    if request.htmx and request.htmx.target == "ranking-list":
        return render(request, "rankings/_ranking_list.html", context)
    return render(request, "rankings/list.html", context)


def _own_ranking(request: HttpRequest, pk: int) -> Ranking:
    return get_object_or_404(Ranking.objects.select_related("movie"), pk=pk, user=request.user)


@require_GET
@vary_on_headers("HX-Request")
def ranking_row(request: HttpRequest, pk: int) -> HttpResponse:
    ranking = _own_ranking(request, pk)
    if not request.htmx:
        return redirect("rankings:list")
    return render(request, ROW, {"ranking": ranking})


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
            return render(request, ROW, {"ranking": ranking})
        messages.success(request, f"Saved your rating of {ranking.movie.title}.")
        return redirect("rankings:list")
    if request.method == "POST":
        # The form changed the instance in place; show the stored values beside the errors.
        ranking.refresh_from_db(fields=["rating", "rated_at"])
    context = {"ranking": ranking, "form": form, "mode": "edit"}
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
        if request.htmx:
            return HttpResponse("")
        messages.success(request, f"Removed {title} from your rankings.")
        return redirect("rankings:list")
    context = {"ranking": ranking, "mode": "delete"}
    if request.htmx:
        return render(request, ROW, context)
    return render(request, "rankings/delete.html", context)
