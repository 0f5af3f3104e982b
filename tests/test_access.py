"""Who may reach which URL: one table (ROUTES) of every named URL of the site, checked for
each kind of visitor. Anonymous visitors are sent to sign in (API callers get a JSON 401);
someone else's session, item or ranking is a 404, as are expired and unknown ones; the owner
gets through, with htmx and without; the admin pages are for staff only; and every unsafe
request needs the CSRF token. Refused requests change nothing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from imports.models import ImportItem, ImportSession
from movieranking.models import Movie, Ranking
from movieranking.posters import poster_path
from tests.factories import PASSWORD, make_item, make_movie, make_ranking, make_session
from tests.fixtures.histories import upload_form
from tests.http import HTMX

pytestmark = pytest.mark.django_db

ALTERNATIVE = 949 + 500_000  # the second candidate make_item gives "Heat"
NOT_FOUND = {"detail": "Not found."}


@dataclass(frozen=True)
class Route:
    """One URL and method, who may use it, and what they get back.

    `who`: "sign-in" (signed-in people; with a `scope`, only the owner of that object),
    "public" (anyone; anonymous visitors get `anonymous_status`) or "staff" (the admin).
    `htmx`: what the owner gets when htmx asks, for the views that answer htmx differently.
    """

    name: str
    method: str = "get"
    scope: str = "session"  # session | item | ranking | film (a poster) | none
    who: str = "sign-in"
    owner_status: int = 200
    htmx: int | None = None
    anonymous_status: int | None = None
    data: dict | Callable[[], dict] | None = None
    json: dict | None = None
    suffix: str = ""  # appended to the reversed URL (paths under a catch-all pattern)

    @property
    def api(self) -> bool:
        return self.name.startswith("imports_api:")

    @property
    def unsafe(self) -> bool:
        return self.method not in {"get", "head", "options"}

    @property
    def owned(self) -> bool:
        return self.who == "sign-in" and self.scope != "none"

    def url(self, world, *, session_id=None, position: int = 1, ranking_id=None) -> str:
        session_id = session_id or world.session.pk
        args = {
            "session": [session_id],
            "item": [session_id, position],
            "ranking": [ranking_id or world.ranking.pk],
            "film": [],
            "none": [],
        }[self.scope]
        if self.scope == "film":
            return poster_path(949, "Heat", 1995)
        return reverse(self.name, args=args) + self.suffix

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.name}"


ROUTES = [
    # Signing in and the account.
    # The landing page for visitors; signed in, it goes on to the rankings.
    Route("home", scope="none", who="public", anonymous_status=200, owner_status=302),
    # The posters we draw: public, but only for words we signed.
    Route("poster", scope="film", who="public", anonymous_status=200),
    Route("healthz", scope="none", who="public", anonymous_status=200),
    Route("login", scope="none", who="public", anonymous_status=200, owner_status=302),
    Route("logout", "post", scope="none", who="public", anonymous_status=302, owner_status=302),
    Route("signup", scope="none", who="public", anonymous_status=200, owner_status=302),
    Route("password_change", scope="none"),
    Route("password_change_done", scope="none"),
    # The imports pages.
    Route("imports:list", scope="none"),
    Route("imports:upload", scope="none"),
    Route("imports:upload", "post", scope="none", owner_status=302, data=upload_form),
    Route("imports:session"),
    Route("imports:progress", owner_status=302, htmx=200),
    Route("imports:retry", "post", owner_status=302),
    Route("imports:review", htmx=200),
    Route("imports:undo", "post", owner_status=302, htmx=200),
    Route("imports:items", htmx=200),
    Route("imports:item", scope="item", htmx=200),
    Route("imports:add", "post", scope="item", owner_status=302, htmx=200, data={"rating": "4"}),
    Route("imports:skip", "post", scope="item", owner_status=302, htmx=200),
    Route("imports:keep", "post", scope="item", owner_status=302, htmx=200),
    Route("imports:reopen", "post", scope="item", owner_status=302),
    Route(
        "imports:choose",
        "post",
        scope="item",
        owner_status=302,
        htmx=200,
        data={"tmdb_id": ALTERNATIVE},
    ),
    Route("imports:alternatives", scope="item", htmx=200),
    Route("imports:search", scope="item", htmx=200),
    Route("imports:summary"),
    Route("imports:finish", "post", owner_status=302),
    Route("imports:cancel"),
    Route("imports:cancel", "post", owner_status=302),
    Route("imports:not_added_csv"),
    # Rankings.
    Route("rankings:list", scope="none", htmx=200),
    Route("rankings:row", scope="ranking", owner_status=302, htmx=200),
    Route("rankings:edit", scope="ranking", htmx=200),
    Route(
        "rankings:edit",
        "post",
        scope="ranking",
        owner_status=302,
        htmx=200,
        data={"rating": "2", "rated_at": "2024-03-01"},
    ),
    Route("rankings:delete", scope="ranking", htmx=200),
    Route("rankings:delete", "post", scope="ranking", owner_status=302, htmx=200),
    # The JSON API.
    Route("imports_api:upload", "post", scope="none", owner_status=201, data=upload_form),
    Route("imports_api:session"),
    Route("imports_api:session", "delete", owner_status=204),
    Route("imports_api:add", "post", scope="item", owner_status=201, json={"rating": 4}),
    Route("imports_api:skip", "post", scope="item", owner_status=204),
    Route("imports_api:match", "patch", scope="item", json={"tmdb_id": ALTERNATIVE}),
    Route(
        "imports_api:not_found",
        scope="none",
        who="public",
        suffix="sessions/",
        anonymous_status=404,
        owner_status=404,
    ),
    # The admin's pages for imports (Django's own staff check).
    Route("admin:imports_importsession_changelist", scope="none", who="staff"),
    Route("admin:imports_importsession_change", who="staff"),
    Route("admin:imports_importitem_changelist", scope="none", who="staff"),
    Route("admin:imports_tmdblookup_changelist", scope="none", who="staff"),
]
SITE = [route for route in ROUTES if route.who != "staff"]
OWNED = [route for route in ROUTES if route.owned]
STAFF = [route for route in ROUTES if route.who == "staff"]
UNSAFE = [route for route in SITE if route.unsafe]


def requests_for(routes):
    """(route, headers) for each route plainly, and again with htmx where the view answers
    htmx differently."""
    return [
        pytest.param(route, headers, id=f"{route}{' (htmx)' if headers else ''}")
        for route in routes
        for headers in ([{}, HTMX] if route.htmx else [{}])
    ]


# (route, case): the owned URLs again, naming a session that has expired or does not exist,
# an item the session does not have, or a ranking that does not exist.
GONE_CASES = {
    "session": ["expired session", "unknown session"],
    "item": ["expired session", "unknown session", "unknown item"],
    "ranking": ["unknown ranking"],
}
GONE = [
    pytest.param(route, case, id=f"{route} ({case})")
    for route in OWNED
    for case in GONE_CASES[route.scope]
]


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
    # The admin's own URLs are Django's, behind its staff check; the table samples them.
    names = _named_urls(get_resolver().url_patterns)
    site = {name for name in names if name.split(":")[0] != "admin"}
    table = {route.name for route in SITE}
    assert site - table == set(), "new URLs: add them to ROUTES with who may reach them"
    assert table - site == set(), "ROUTES names URLs that no longer exist"
    assert {route.name for route in STAFF} <= names


def test_every_session_url_pattern_is_in_the_access_table():
    # The same check straight from the URLconfs: a new session URL must join the table.
    from imports import api_urls, urls

    for module, namespace in ((urls, "imports"), (api_urls, "imports_api")):
        session_urls = {
            pattern.name for pattern in module.urlpatterns if "session_id" in str(pattern.pattern)
        }
        table = {
            route.name.split(":")[1]
            for route in OWNED
            if route.name.startswith(f"{namespace}:") and route.scope in {"session", "item"}
        }
        assert session_urls == table, namespace


@pytest.fixture
def world(owner):
    """The owner's import (Heat and Alien to review) and one ranking (Brazil)."""
    session = make_session(owner)
    make_item(session, title="Heat", tmdb_id=949)
    make_item(session, title="Alien", tmdb_id=348)
    ranking = make_ranking(owner, make_movie("Brazil", tmdb_id=68))
    return SimpleNamespace(session=session, ranking=ranking)


def send(client: Client, route: Route, url: str, *, token: str = "", **headers):
    """`route`'s request to `url`; with `token`, the CSRF token goes along as the site's forms
    send it (a form field) or as htmx and API callers do (the X-CSRFToken header)."""
    do = getattr(client, route.method)
    data = route.data() if callable(route.data) else dict(route.data or {})
    if token and route.unsafe:
        if route.method == "post" and route.json is None and not headers:
            data["csrfmiddlewaretoken"] = token
        else:
            headers["HTTP_X_CSRFTOKEN"] = token
    if route.json is not None:
        return do(url, json.dumps(route.json), content_type="application/json", **headers)
    if route.method in {"get", "post"}:
        return do(url, data, **headers)
    return do(url, **headers)


def snapshot():
    """Everything a request could change."""
    return (
        sorted(ImportSession.objects.values_list("pk", "status", "expires_at")),
        sorted(
            ImportItem.objects.values_list("pk", "status", "lookup", "match_tmdb_id", "ranking")
        ),
        sorted(Ranking.objects.values_list("pk", "user", "movie", "rating", "rated_at")),
        Movie.objects.count(),
        sorted(get_user_model().objects.values_list("pk", "password")),
    )


def assert_sent_to_sign_in(response, route: Route, url: str) -> None:
    if route.api:
        assert response.status_code == 401
        assert response.json() == {"detail": "Sign in first."}
    else:
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={quote(url)}"


def assert_not_found(response, route: Route) -> None:
    assert response.status_code == 404
    if route.api:
        assert response.json() == NOT_FOUND


# --- The rows -------------------------------------------------------------------------------


@pytest.mark.parametrize(("route", "headers"), requests_for(ROUTES))
def test_anonymous_visitors_go_to_sign_in_and_api_callers_get_401(client, world, route, headers):
    before = snapshot()
    url = route.url(world)
    response = send(client, route, url, **headers)
    if route.who == "public":
        assert response.status_code == route.anonymous_status
        if route.api:
            assert response.json() == NOT_FOUND
    else:
        assert_sent_to_sign_in(response, route, url)
    assert snapshot() == before


@pytest.mark.parametrize(("route", "headers"), requests_for(OWNED))
def test_someone_elses_session_item_or_ranking_is_404(stranger_client, world, route, headers):
    before = snapshot()
    assert_not_found(send(stranger_client, route, route.url(world), **headers), route)
    assert snapshot() == before


@pytest.fixture
def csrf_owner(owner) -> Client:
    """The owner's browser, with Django's CSRF check on as it is outside tests."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get(reverse("imports:upload"))  # any page with a form sets the CSRF cookie
    return client


@pytest.mark.parametrize(("route", "headers"), requests_for(SITE))
def test_the_owner_reaches_every_url_with_the_csrf_token(csrf_owner, world, route, headers):
    token = csrf_owner.cookies["csrftoken"].value
    response = send(csrf_owner, route, route.url(world), token=token, **headers)
    expected = route.htmx if headers else route.owner_status
    assert response.status_code == expected, response.content[:500]
    if route.api and expected == 404:
        assert response.json() == NOT_FOUND


def gone_url(route: Route, world, case: str) -> str:
    """`route`'s URL for one of the GONE_CASES."""
    if case == "expired session":
        expired = timezone.now() - timedelta(minutes=1)
        ImportSession.objects.filter(pk=world.session.pk).update(expires_at=expired)
    return route.url(
        world,
        session_id=uuid.uuid4() if case == "unknown session" else None,
        position=99 if case == "unknown item" else 1,
        ranking_id=world.ranking.pk + 1000 if case == "unknown ranking" else None,
    )


@pytest.mark.parametrize(("route", "case"), GONE)
def test_expired_and_unknown_sessions_items_and_rankings_are_404_for_the_owner(
    owner_client, world, route, case
):
    url = gone_url(route, world, case)
    before = snapshot()
    assert_not_found(send(owner_client, route, url), route)
    assert snapshot() == before


@pytest.mark.parametrize(("route", "case"), GONE)
def test_anonymous_visitors_cannot_tell_unknown_objects_from_someone_elses(
    client, world, route, case
):
    # Sent to sign in (or 401) as for an object that exists: no 404 gives away which do.
    url = gone_url(route, world, case)
    assert_sent_to_sign_in(send(client, route, url), route, url)


@pytest.mark.parametrize("route", STAFF, ids=str)
def test_signed_in_people_who_are_not_staff_are_sent_to_the_admin_login(owner_client, world, route):
    url = route.url(world)
    response = send(owner_client, route, url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={quote(url)}"


@pytest.mark.parametrize("route", STAFF, ids=str)
def test_staff_reach_the_admin_pages(admin_client, world, route):
    assert send(admin_client, route, route.url(world)).status_code == 200


def test_a_strangers_lists_show_nothing_of_the_owners(stranger_client, world):
    imports = stranger_client.get(reverse("imports:list")).content.decode()
    rankings = stranger_client.get(reverse("rankings:list")).content.decode()
    api = stranger_client.get(reverse("imports_api:session", args=[world.session.pk]))
    assert str(world.session.pk) not in imports
    assert "Brazil" not in rankings
    assert str(world.session.pk) not in api.content.decode()


# --- CSRF -----------------------------------------------------------------------------------


def assert_refused_for_csrf(response, *, api: bool) -> None:
    assert response.status_code == 403
    if api:
        assert response.json()["detail"].startswith("CSRF check failed")
    else:
        assert "CSRF verification failed" in response.content.decode()


@pytest.mark.parametrize("route", UNSAFE, ids=str)
def test_every_unsafe_request_without_the_csrf_token_is_refused(csrf_owner, world, route):
    before = snapshot()
    assert_refused_for_csrf(send(csrf_owner, route, route.url(world)), api=route.api)
    assert snapshot() == before


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
