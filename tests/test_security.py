"""Hostile visitors and hostile input: who may reach what, CSRF, titles that try to be
markup, the Content-Security-Policy, production transport settings, upload limits, open
redirects, and TMDB credentials staying out of every page."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
import requests
import responses
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import escape

from imports import tmdb
from imports.models import ImportItem, ImportSession
from movieranking.models import Movie, Ranking
from tests.conftest import HTMX
from tests.factories import (
    PASSWORD,
    candidate,
    make_item,
    make_movie,
    make_ranking,
    make_session,
    make_user,
)
from tests.fakes import FakeTMDB, film
from tests.imports.test_runner import HISTORY

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
ALTERNATIVE = 949 + 500_000  # the second candidate make_item gives "Heat"


# --- Who may reach what ---------------------------------------------------------------------


def _upload_fields() -> dict:
    return {"file": SimpleUploadedFile("mine.csv", HISTORY), "time_zone": "UTC"}


@dataclass(frozen=True)
class Route:
    """One URL and method, what it needs, and what its owner gets back."""

    name: str
    method: str = "get"
    scope: str = "session"  # session | item | ranking | none (not about one object)
    owner_status: int = 200
    data: dict | Callable[[], dict] | None = None
    json: dict | None = field(default=None)

    @property
    def api(self) -> bool:
        return self.name.startswith("imports_api:")

    @property
    def unsafe(self) -> bool:
        return self.method not in {"get", "head", "options"}

    def args(self, world) -> list:
        return {
            "session": [world.session.pk],
            "item": [world.session.pk, 1],
            "ranking": [world.ranking.pk],
            "none": [],
        }[self.scope]

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.name}"


ROUTES = [
    # The imports pages.
    Route("imports:list", scope="none"),
    Route("imports:upload", scope="none"),
    Route("imports:upload", "post", scope="none", owner_status=302, data=_upload_fields),
    Route("imports:session"),
    Route("imports:progress", owner_status=302),
    Route("imports:retry", "post", owner_status=302),
    Route("imports:review"),
    Route("imports:undo", "post", owner_status=302),
    Route("imports:items"),
    Route("imports:item", scope="item"),
    Route("imports:add", "post", scope="item", owner_status=302, data={"rating": "4"}),
    Route("imports:skip", "post", scope="item", owner_status=302),
    Route("imports:keep", "post", scope="item", owner_status=302),
    Route("imports:reopen", "post", scope="item", owner_status=302),
    Route("imports:choose", "post", scope="item", owner_status=302, data={"tmdb_id": ALTERNATIVE}),
    Route("imports:alternatives", scope="item"),
    Route("imports:search", scope="item"),
    Route("imports:summary"),
    Route("imports:finish", "post", owner_status=302),
    Route("imports:cancel"),
    Route("imports:cancel", "post", owner_status=302),
    Route("imports:not_added_csv"),
    # Rankings.
    Route("rankings:list", scope="none"),
    Route("rankings:row", scope="ranking", owner_status=302),
    Route("rankings:edit", scope="ranking"),
    Route(
        "rankings:edit",
        "post",
        scope="ranking",
        owner_status=302,
        data={"rating": "2", "rated_at": "2024-03-01"},
    ),
    Route("rankings:delete", scope="ranking"),
    Route("rankings:delete", "post", scope="ranking", owner_status=302),
    # The JSON API.
    Route("imports_api:upload", "post", scope="none", owner_status=201, data=_upload_fields),
    Route("imports_api:session"),
    Route("imports_api:session", "delete", owner_status=204),
    Route("imports_api:add", "post", scope="item", owner_status=201, json={"rating": 4}),
    Route("imports_api:skip", "post", scope="item", owner_status=204),
    Route("imports_api:match", "patch", scope="item", json={"tmdb_id": ALTERNATIVE}),
]
OWNED = [route for route in ROUTES if route.scope != "none"]
UNSAFE = [route for route in ROUTES if route.unsafe]

# Named URLs outside the table, and why.
OPEN_OR_ACCOUNT = {
    "home": "public landing page; signed in, it redirects to the rankings",
    "healthz": "public health check for load balancers",
    "poster": "public: the posters we draw, only for titles we signed",
    "login": "public",
    "logout": "POST only, ends the visitor's own session",
    "signup": "public",
    "password_change": "the visitor's own account",
    "password_change_done": "the visitor's own account",
    "imports_api:not_found": "JSON 404 for every path under the API prefix, for anyone",
}


def _named_urls(patterns, namespace="") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_every_named_url_of_the_site_is_in_the_access_table():
    # Admin pages are Django's, guarded by its staff check (tests/imports/test_admin.py).
    site = {name for name in _named_urls(get_resolver().url_patterns) if ":" not in name}
    site |= {
        name
        for name in _named_urls(get_resolver().url_patterns)
        if name.split(":")[0] in {"imports", "imports_api", "rankings"}
    }
    covered = {route.name for route in ROUTES} | set(OPEN_OR_ACCOUNT)
    assert site - covered == set(), "new URLs: add them to ROUTES with who may reach them"
    assert covered - site == set(), "ROUTES names URLs that no longer exist"


def test_every_session_url_pattern_is_in_the_access_table():
    # The same check straight from the URLconfs: a new session URL must join the table.
    from imports import api_urls, urls

    for module, namespace in ((urls, "imports"), (api_urls, "imports_api")):
        session_urls = {
            pattern.name for pattern in module.urlpatterns if "session_id" in str(pattern.pattern)
        }
        table = {
            route.name.split(":")[1]
            for route in ROUTES
            if route.name.startswith(f"{namespace}:") and route.scope in {"session", "item"}
        }
        assert session_urls == table, namespace


@pytest.fixture
def world(owner, monkeypatch):
    fake = FakeTMDB()
    monkeypatch.setattr(tmdb, "build_client", lambda **kwargs: fake)
    session = make_session(owner)
    make_item(session, title="Heat", tmdb_id=949)
    make_item(session, title="Alien", tmdb_id=348)
    ranking = make_ranking(owner, make_movie("Brazil", tmdb_id=68))
    return SimpleNamespace(session=session, ranking=ranking)


def send(client: Client, route: Route, world, **extra):
    url = reverse(route.name, args=route.args(world))
    do = getattr(client, route.method)
    if route.json is not None:
        return do(url, json.dumps(route.json), content_type="application/json", **extra)
    if route.method in {"get", "post"}:
        data = route.data() if callable(route.data) else route.data
        return do(url, data or {}, **extra)
    return do(url, **extra)


def snapshot():
    """Everything a request could change."""
    return (
        sorted(ImportSession.objects.values_list("pk", "status", "expires_at")),
        sorted(
            ImportItem.objects.values_list("pk", "status", "lookup", "match_tmdb_id", "ranking")
        ),
        sorted(Ranking.objects.values_list("pk", "user", "movie", "rating", "rated_at")),
        Movie.objects.count(),
    )


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_anonymous_visitors_go_to_sign_in_and_api_callers_get_401(client, world, route):
    before = snapshot()
    response = send(client, route, world)
    if route.api:
        assert response.status_code == 401
        assert response.json() == {"detail": "Sign in first."}
    else:
        assert response.status_code == 302
        path = reverse(route.name, args=route.args(world))
        assert response["Location"] == f"{reverse('login')}?next={quote(path)}"
    assert snapshot() == before


@pytest.mark.parametrize("route", OWNED, ids=str)
def test_someone_elses_session_item_or_ranking_is_404(stranger_client, world, route):
    before = snapshot()
    response = send(stranger_client, route, world)
    assert response.status_code == 404
    if route.api:
        assert response.json() == {"detail": "Not found."}
    assert snapshot() == before


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_the_owner_reaches_every_url(owner_client, world, route):
    response = send(owner_client, route, world)
    assert response.status_code == route.owner_status, response.content[:500]


def test_a_strangers_lists_show_nothing_of_the_owners(stranger_client, world):
    imports = stranger_client.get(reverse("imports:list")).content.decode()
    rankings = stranger_client.get(reverse("rankings:list")).content.decode()
    api = stranger_client.get(reverse("imports_api:session", args=[world.session.pk]))
    assert str(world.session.pk) not in imports
    assert "Brazil" not in rankings
    assert str(world.session.pk) not in api.content.decode()


def test_only_sign_in_sign_up_and_the_health_check_are_open(client):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("signup")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("home")).status_code == 200  # the landing page
    for name in ("password_change", "password_change_done"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


# --- CSRF -----------------------------------------------------------------------------------


@pytest.fixture
def csrf_owner(owner) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    return client


def assert_refused_for_csrf(response, *, api: bool) -> None:
    assert response.status_code == 403
    if api:
        assert response.json()["detail"].startswith("CSRF check failed")
    else:
        assert "CSRF verification failed" in response.content.decode()


@pytest.mark.parametrize("route", UNSAFE, ids=str)
def test_every_unsafe_request_needs_the_csrf_token(csrf_owner, world, route):
    before = snapshot()
    assert_refused_for_csrf(send(csrf_owner, route, world), api=route.api)
    assert snapshot() == before


@pytest.mark.parametrize(
    "route",
    [r for r in UNSAFE if r.name in {"imports:upload", "imports_api:match"}],
    ids=str,
)
def test_with_the_csrf_token_the_same_request_goes_through(csrf_owner, world, route):
    csrf_owner.get(reverse("imports:upload"))
    token = csrf_owner.cookies["csrftoken"].value
    response = send(csrf_owner, route, world, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == route.owner_status


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("login", {"username": "owner", "password": PASSWORD}),
        ("signup", {"username": "newbie", "password1": PASSWORD, "password2": PASSWORD}),
    ],
)
def test_sign_in_and_sign_up_need_the_csrf_token(owner, name, data):
    client = Client(enforce_csrf_checks=True)
    assert_refused_for_csrf(client.post(reverse(name), data), api=False)
    assert client.get(reverse("rankings:list")).status_code == 302  # still signed out
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_sign_out_and_password_change_need_the_csrf_token(csrf_owner, owner):
    change = {"old_password": PASSWORD, "new_password1": "x-9-long-pw", "new_password2": "x-9"}
    assert_refused_for_csrf(csrf_owner.post(reverse("password_change"), change), api=False)
    assert_refused_for_csrf(csrf_owner.post(reverse("logout")), api=False)
    assert csrf_owner.get(reverse("rankings:list")).status_code == 200  # still signed in
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


# --- Titles that try to be markup -----------------------------------------------------------

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "img": '"><img src=x onerror=alert(1)>',
}


class _Markup(HTMLParser):
    """What a browser would run: inline scripts, event-handler attributes, javascript: URLs,
    plus what our CSP forbids anyway: <style> blocks and style attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs) -> None:
        values = dict(attrs)
        if tag == "script":
            self._in_script = True
            if not values.get("src"):
                self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> block")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"{name}= on <{tag}>")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL in {name}= on <{tag}>")

    def handle_startendtag(self, tag, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._in_script = False

    def handle_endtag(self, tag) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data) -> None:
        if self._in_script and data.strip():
            self.problems.append("script with inline code")


def markup_problems(html: str) -> list[str]:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.problems


def event_handlers(html: str) -> list[str]:
    """The problems that would run code (the admin's own pages do use style attributes)."""
    return [problem for problem in markup_problems(html) if "style" not in problem]


@pytest.fixture
def staff_client(db) -> Client:
    client = Client()
    client.force_login(make_user("ops", is_staff=True, is_superuser=True))
    return client


@pytest.fixture(params=list(PAYLOADS.values()), ids=list(PAYLOADS))
def hostile(request, owner, monkeypatch):
    """An import whose file name, Amazon titles and TMDB titles are all `payload`."""
    payload = request.param
    found = film(904, payload, "1999-01-01", overview=payload)
    monkeypatch.setattr(tmdb, "build_client", lambda **kwargs: FakeTMDB([found]))
    session = make_session(owner, file_name=f"{payload}.csv", layout_label=payload)
    pending = make_item(
        session,
        title=payload,
        candidates=[
            candidate(901, payload, 1999, overview=payload, poster_path="/p.jpg"),
            candidate(902, f"{payload} 2", 2005),
        ],
    )
    movie = make_movie(payload, tmdb_id=903)
    ranking = make_ranking(owner, movie)
    added = make_item(session, title=f"{payload} added", candidates=[candidate(903, payload)])
    ImportItem.objects.filter(pk=added.pk).update(status=ImportItem.Status.ADDED, ranking=ranking)
    make_item(session, title=f"{payload} lost", candidates=[], status=ImportItem.Status.UNMATCHED)
    return SimpleNamespace(payload=payload, session=session, pending=pending, ranking=ranking)


def assert_shown_as_text(response, payload: str, where: str) -> None:
    html = response.content.decode()
    assert response.status_code == 200, where
    assert payload not in html, f"{where}: the title went out as markup"
    assert escape(payload) in html, f"{where}: the title is not shown at all"
    assert not event_handlers(html), f"{where}: {event_handlers(html)}"


def test_hostile_titles_are_shown_as_text_on_every_page(owner_client, hostile):
    session, payload = hostile.session, hostile.payload
    args = [session.pk]
    pages = {
        "imports list": owner_client.get(reverse("imports:list")),
        "session": owner_client.get(reverse("imports:session", args=args)),
        "review card": owner_client.get(reverse("imports:review", args=args)),
        "review card (htmx)": owner_client.get(reverse("imports:review", args=args), **HTMX),
        "item card": owner_client.get(reverse("imports:item", args=[session.pk, 1])),
        "alternatives": owner_client.get(reverse("imports:alternatives", args=[session.pk, 1])),
        "alternatives (htmx)": owner_client.get(
            reverse("imports:alternatives", args=[session.pk, 1]), **HTMX
        ),
        "search results": owner_client.get(
            reverse("imports:search", args=[session.pk, 1]), {"q": payload}
        ),
        "search results (htmx)": owner_client.get(
            reverse("imports:search", args=[session.pk, 1]), {"q": payload}, **HTMX
        ),
        "item list": owner_client.get(reverse("imports:items", args=args)),
        "summary": owner_client.get(reverse("imports:summary", args=args)),
        "cancel": owner_client.get(reverse("imports:cancel", args=args)),
        "rankings": owner_client.get(reverse("rankings:list")),
        "ranking edit": owner_client.get(reverse("rankings:edit", args=[hostile.ranking.pk])),
        "ranking delete": owner_client.get(reverse("rankings:delete", args=[hostile.ranking.pk])),
    }
    for where, response in pages.items():
        assert_shown_as_text(response, payload, where)


def test_hostile_titles_are_shown_as_text_in_the_admin(staff_client, hostile):
    item = hostile.pending
    pages = {
        "sessions": reverse("admin:imports_importsession_changelist"),
        "session": reverse("admin:imports_importsession_change", args=[hostile.session.pk]),
        "items": reverse("admin:imports_importitem_changelist"),
        "item": reverse("admin:imports_importitem_change", args=[item.pk]),
        "movies": reverse("admin:movieranking_movie_changelist"),
        "movie": reverse("admin:movieranking_movie_change", args=[hostile.ranking.movie.pk]),
        "rankings": reverse("admin:movieranking_ranking_changelist"),
    }
    for where, url in pages.items():
        assert_shown_as_text(staff_client.get(url), hostile.payload, f"admin {where}")


def test_hostile_titles_stay_data_in_the_json_api(owner_client, hostile):
    response = owner_client.get(reverse("imports_api:session", args=[hostile.session.pk]))
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    movie = response.json()["movies"][0]
    assert movie["parsed"]["title"] == hostile.payload
    assert movie["tmdb_match"]["title"] == hostile.payload


FORMULAS = ['=HYPERLINK("https://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1"]


def test_the_not_added_csv_neutralises_formulas_and_is_never_a_page(owner_client, owner):
    session = make_session(owner)
    for formula in FORMULAS:
        make_item(session, title=formula, candidates=[candidate(len(formula), formula)])
    make_item(session, title=PAYLOADS["img"], candidates=[candidate(77, PAYLOADS["script"])])
    response = owner_client.get(reverse("imports:not_added_csv", args=[session.pk]))

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    for formula, row in zip(FORMULAS, rows, strict=False):
        assert row[0] == "'" + formula  # Amazon's title, as text
        assert row[4] == "'" + formula  # TMDB's title, as text
    assert rows[-1][0] == PAYLOADS["img"] and rows[-1][4] == PAYLOADS["script"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t")) for row in rows for cell in row)


# --- Content-Security-Policy and no inline code ---------------------------------------------


@pytest.fixture
def pages(client, owner_client, owner, world):
    """Every kind of page the site renders, as (name, response)."""
    session = world.session
    matching = make_session(owner, status=ImportSession.Status.MATCHING)
    make_item(matching, title="Dune", lookup=ImportItem.Lookup.WAITING, candidates=[])
    ImportSession.objects.filter(pk=matching.pk).update(movies_found=1)
    stopped = make_session(owner, problem=ImportSession.Problem.AUTH, failed_count=1)
    make_item(stopped, title="Brazil", lookup=ImportItem.Lookup.FAILED, candidates=[])
    anonymous = {
        "sign in": client.get(reverse("login")),
        "sign up": client.get(reverse("signup")),
    }
    s, item = [session.pk], [session.pk, 1]
    signed_in = {
        "rankings": owner_client.get(reverse("rankings:list")),
        "ranking edit": owner_client.get(reverse("rankings:edit", args=[world.ranking.pk])),
        "ranking delete": owner_client.get(reverse("rankings:delete", args=[world.ranking.pk])),
        "upload": owner_client.get(reverse("imports:upload")),
        "upload refused": owner_client.post(
            reverse("imports:upload"), {"file": SimpleUploadedFile("x.csv", b"nope")}
        ),
        "imports": owner_client.get(reverse("imports:list")),
        "session": owner_client.get(reverse("imports:session", args=s)),
        "session matching": owner_client.get(reverse("imports:session", args=[matching.pk])),
        "session stopped": owner_client.get(reverse("imports:session", args=[stopped.pk])),
        "review card": owner_client.get(reverse("imports:review", args=s)),
        "review card (htmx)": owner_client.get(reverse("imports:review", args=s), **HTMX),
        "review waiting": owner_client.get(reverse("imports:review", args=[matching.pk])),
        "alternatives": owner_client.get(reverse("imports:alternatives", args=item)),
        "search": owner_client.get(reverse("imports:search", args=item), {"q": "Heat"}),
        "items": owner_client.get(reverse("imports:items", args=s)),
        "summary": owner_client.get(reverse("imports:summary", args=s)),
        "cancel": owner_client.get(reverse("imports:cancel", args=s)),
        "password": owner_client.get(reverse("password_change")),
        "not found": owner_client.get("/imports/00000000-0000-0000-0000-000000000000/"),
    }
    return {**anonymous, **signed_in}


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        if part.strip():
            name, *values = part.split()
            directives[name] = values
    return directives


def test_every_page_carries_a_strict_content_security_policy(pages):
    for name, response in pages.items():
        header = response.get("Content-Security-Policy")
        assert header, f"{name}: no Content-Security-Policy header"
        assert "unsafe-inline" not in header and "unsafe-eval" not in header, name
        policy = csp_directives(header)
        assert policy["script-src"] == ["'self'"], name
        assert policy["style-src"] == ["'self'"], name
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
        assert response["X-Frame-Options"] == "DENY", name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Referrer-Policy"] == "same-origin", name


def test_no_page_has_inline_scripts_styles_or_event_handlers(pages):
    for name, response in pages.items():
        assert response.status_code in {200, 400, 404}, name
        html = response.content.decode()
        assert markup_problems(html) == [], name


# --- Production transport settings ----------------------------------------------------------

PRODUCTION_PROBE = r"""
import json
import django

django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings

call_command("migrate", verbosity=0)
get_user_model().objects.create_user("prod", password="a-long-test-password-42")
host = {"HTTP_HOST": "movies.example.org"}
# collectstatic has not run here; the manifest storage would refuse to render any page.
storages = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
with override_settings(STORAGES=storages):
    client = Client()
    plain = client.get("/accounts/login/", **host)
    page = client.get("/accounts/login/", secure=True, **host)
    signed_in = client.post(
        "/accounts/login/",
        {"username": "prod", "password": "a-long-test-password-42"},
        secure=True,
        **host,
    )

def cookie(response, name):
    morsel = response.cookies.get(name)
    return None if morsel is None else {
        "secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]),
        "samesite": morsel["samesite"],
    }

print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "hsts": page.get("Strict-Transport-Security"),
    "csp": page.get("Content-Security-Policy"),
    "page": page.status_code,
    "csrf_cookie": cookie(page, "csrftoken"),
    "signed_in": signed_in.status_code,
    "session_cookie": cookie(signed_in, "sessionid"),
}))
"""


@pytest.mark.slow
def test_production_settings_force_https_hsts_and_secure_cookies(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "TMDB_API_KEY"}}
    env.update(
        DEBUG="false",
        SECRET_KEY="p" * 50 + "-a-production-like-secret",
        ALLOWED_HOSTS="movies.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        DJANGO_SETTINGS_MODULE="movieranking.settings",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen["plain"] == [301, "https://movies.example.org/accounts/login/"]
    assert seen["page"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["csp"] and "unsafe-inline" not in seen["csp"]
    assert seen["csrf_cookie"]["secure"]
    assert seen["signed_in"] == 302
    assert seen["session_cookie"]["secure"] and seen["session_cookie"]["httponly"]


# --- Upload limits --------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@cache
def _too_many_entries() -> bytes:
    entries = {f"Your Prime Video Viewing Activity/part-{n:05d}.txt": b"" for n in range(10_001)}
    entries["Your Prime Video Viewing Activity/Viewing History.csv"] = HISTORY
    return _zip(entries)


def _rows(count: int) -> bytes:
    """HISTORY's header and `count` movie rows."""
    header, first, *_ = HISTORY.split(b"\n")
    rows = [first.replace(b"Anatomie eines Falls", b"Film %d" % n) for n in range(count)]
    return b"\n".join([header, *rows]) + b"\n"


# case: (the file, what the person is told, settings for the case)
LIMITS = {
    "too big": (
        lambda: HISTORY + b"x" * (1024 * 1024 + 1),
        "the largest we accept is 1 MB",
        {"IMPORT_MAX_UPLOAD_MB": 1},
    ),
    "too many rows": (lambda: _rows(12), "more than 10 rows", {"IMPORT_MAX_ROWS": 10}),
    "too many zip entries": (_too_many_entries, "we read ZIPs with up to 10,000", {}),
    "zip bomb": (
        lambda: _zip({"Viewing History.csv": HISTORY + b"\n" * (8 * 1024 * 1024)}),
        "compressed suspiciously well",
        {},
    ),
    "zip slip": (
        lambda: _zip({"../evil.csv": HISTORY, "Viewing History.csv": HISTORY}),
        "unsafe names",
        {},
    ),
    "absolute zip path": (lambda: _zip({"/etc/cron.d/evil.csv": HISTORY}), "unsafe names", {}),
}


@pytest.mark.parametrize("endpoint", ["page", "api"])
@pytest.mark.parametrize("case", list(LIMITS))
def test_upload_limits_refuse_with_a_clear_message_and_leave_nothing_behind(
    owner_client, settings, case, endpoint
):
    make_data, message, overrides = LIMITS[case]
    for name, value in overrides.items():
        setattr(settings, name, value)
    file_name = "history.zip" if "zip" in case else "history.csv"
    upload = {"file": SimpleUploadedFile(file_name, make_data()), "time_zone": "UTC"}
    url = reverse("imports:upload") if endpoint == "page" else reverse("imports_api:upload")
    response = owner_client.post(url, upload)

    assert response.status_code == 400
    if endpoint == "page":
        assert message in response.content.decode()
    else:
        assert message in response.json()["detail"]
    assert not ImportSession.objects.exists()
    assert not ImportItem.objects.exists()


# --- Open redirects -------------------------------------------------------------------------

OFF_SITE = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "///evil.example",
    " //evil.example",
    "http://testserver@evil.example/",
    "/\t/evil.example",
    "javascript:alert(1)",
]


def _stays_on_site(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\"))


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_next_never_leaves_the_site(client, owner, target):
    response = client.post(
        f"{reverse('login')}?next={quote(target)}",
        {"username": "owner", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("rankings:list")


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_signed_in_visit_to_sign_in_with_next_never_leaves_the_site(owner_client, target):
    response = owner_client.get(reverse("login"), {"next": target})
    assert response.status_code == 302
    assert _stays_on_site(response["Location"]), response["Location"]
    assert "evil.example" not in response["Location"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_out_next_never_leaves_the_site(owner_client, target):
    response = owner_client.post(reverse("logout"), {"next": target})
    assert response.status_code == 302
    assert _stays_on_site(response["Location"]), response["Location"]
    assert "evil.example" not in response["Location"]


def test_the_next_field_is_shown_as_text(client):
    payload = PAYLOADS["img"]
    html = client.get(reverse("login"), {"next": payload}).content.decode()
    assert payload not in html and not event_handlers(html)


# --- TMDB credentials stay out of every page ------------------------------------------------

SECRET = "sEcReT-0f3c9a7d2b-tmdb"
TMDB_URL = re.compile(r"https://tmdb\.test/3/.*")
# TMDB failing in ways that put our credential into what comes back.
TMDB_FAILURES = {
    "refused key": {"status": 401, "json": {"status_code": 7, "status_message": f"Bad {SECRET}"}},
    "not found": {"status": 404, "json": {"status_message": f"/movie?api_key={SECRET} missing"}},
    "rejected": {"status": 422, "json": {"errors": [f"api_key={SECRET} is malformed"]}},
    "network": {
        "body": requests.exceptions.ConnectionError(
            f"Max retries exceeded with url: /3/search/movie?api_key={SECRET} ({SECRET})"
        )
    },
}


def use_secret(settings, credential: str) -> None:
    settings.TMDB_API_BASE_URL = "https://tmdb.test/3"
    setattr(settings, f"TMDB_{credential.upper()}", SECRET)


# The v4 token travels in a header, never in a URL: two failures are enough for it.
CREDENTIAL_CASES = [("api_key", failure) for failure in TMDB_FAILURES] + [
    ("read_token", "refused key"),
    ("read_token", "network"),
]


@pytest.mark.parametrize(("credential", "failure"), CREDENTIAL_CASES)
def test_tmdb_credentials_never_reach_a_page_or_the_api_when_tmdb_fails(
    owner,
    owner_client,
    staff_client,
    settings,
    django_capture_on_commit_callbacks,
    credential,
    failure,
):
    use_secret(settings, credential)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.add(responses.GET, TMDB_URL, **TMDB_FAILURES[failure])
        with django_capture_on_commit_callbacks(execute=True):
            uploaded = owner_client.post(reverse("imports:upload"), _upload_fields())
        assert uploaded.status_code == 302
        session = ImportSession.objects.get(owner=owner)
        assert session.items.exclude(lookup=ImportItem.Lookup.DONE).exists()
        item = [session.pk, 1]
        session_args = [session.pk]
        responses_seen = {
            "session": owner_client.get(reverse("imports:session", args=session_args)),
            "items": owner_client.get(reverse("imports:items", args=session_args)),
            "review": owner_client.get(reverse("imports:item", args=item)),
            "search": owner_client.get(reverse("imports:search", args=item), {"q": "Heat"}),
            "search (htmx)": owner_client.get(
                reverse("imports:search", args=item), {"q": "Heat"}, **HTMX
            ),
            "search by id": owner_client.get(reverse("imports:search", args=item), {"q": "550"}),
            "choose": owner_client.post(
                reverse("imports:choose", args=item), {"tmdb_id": "550"}, follow=True
            ),
            "api session": owner_client.get(reverse("imports_api:session", args=session_args)),
            "api match": owner_client.patch(
                reverse("imports_api:match", args=item),
                json.dumps({"tmdb_id": 550}),
                content_type="application/json",
            ),
            "admin session": staff_client.get(
                reverse("admin:imports_importsession_change", args=session_args)
            ),
            "admin items": staff_client.get(reverse("admin:imports_importitem_changelist")),
        }
        assert len(mocked.calls) > 1
    assert 'role="alert"' in responses_seen["search"].content.decode()  # the search failed
    for name, response in responses_seen.items():
        assert response.status_code in {200, 400, 404}, name
        assert SECRET not in response.content.decode(), f"the credential is on the {name} page"
    stored = [session.problem_detail, *session.items.values_list("lookup_error", flat=True)]
    assert not [text for text in stored if SECRET in text]


@pytest.mark.parametrize("credential", ["api_key", "read_token"])
def test_an_unexpected_error_page_shows_no_credentials(owner, settings, credential):
    """A failure our code does not expect (here: the transport raising a plain RuntimeError
    that quotes the key) becomes "TMDB is not answering" on the page, never the key."""
    use_secret(settings, credential)
    session = make_session(owner)
    make_item(session, title="Heat", tmdb_id=949)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    with responses.RequestsMock() as mocked:
        mocked.add(responses.GET, TMDB_URL, body=RuntimeError(f"boom {SECRET}"))
        response = client.get(reverse("imports:search", args=[session.pk, 1]), {"q": "Heat"})
    assert response.status_code == 200
    assert "TMDB is not answering right now" in response.content.decode()
    assert SECRET not in response.content.decode()


def test_the_debug_error_page_shows_no_credentials(owner, settings):
    settings.DEBUG = True
    settings.TMDB_API_KEY = SECRET
    settings.TMDB_API_BASE_URL = "https://tmdb.test/3"
    session = make_session(owner)
    make_item(session, title="Heat", tmdb_id=949)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    with responses.RequestsMock() as mocked:
        mocked.add(responses.GET, TMDB_URL, body=RuntimeError("boom"))
        response = client.get(reverse("imports:search", args=[session.pk, 1]), {"q": "Heat"})
    assert response.status_code == 200
    assert "TMDB is not answering right now" in response.content.decode()
    assert SECRET not in response.content.decode()
