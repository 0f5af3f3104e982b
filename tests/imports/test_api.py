import json
from datetime import date, timedelta

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from imports.models import ImportItem, ImportSession
from movieranking.models import Ranking
from tests.factories import candidate, make_item, make_movie, make_ranking, make_session
from tests.fakes import TMDB_TEST_BASE
from tests.fixtures.histories import HISTORY

pytestmark = pytest.mark.django_db

API = "/api/v1/import/amazon-prime/"
FILM_KEYS = {"tmdb_id", "title", "year", "poster_url", "overview"}
MOVIE_KEYS = {
    "index",
    "parsed",
    "tmdb_match",
    "confidence",
    "alternatives",
    "status",
    "reason",
    "lookup",
}
SESSION_KEYS = {
    "session_id",
    "status",
    "progress",
    "current_index",
    "total_movies",
    "added_count",
    "skipped_count",
    "remaining_count",
    "set_aside_count",
    "movies",
    "page",
    "page_size",
    "pages",
    "next",
    "previous",
}


INTERNAL_ERROR = (
    "Could not reach TMDB: ConnectionError: HTTPSConnectionPool(host='tmdb.internal', "
    "port=8443): Max retries exceeded with url: /3/search/movie?query=Timed+Out"
)


@pytest.fixture
def session(owner):
    session = make_session(owner)
    make_item(session, title="Heat", tmdb_id=949)
    make_item(session, title="Alien", tmdb_id=348)
    make_item(session, title="Qwzxv", candidates=[], status=ImportItem.Status.UNMATCHED)
    make_item(
        session,
        title="Timed Out",
        candidates=[],
        confidence=None,
        reason="",
        lookup=ImportItem.Lookup.FAILED,
        lookup_error=INTERNAL_ERROR,
    )
    return session


LOOKUP_FAILED = "TMDB did not answer when we looked this film up. Retry matching to try again."


def session_url(session) -> str:
    return f"{API}session/{session.pk}/"


def movie_url(session, index: int, action: str) -> str:
    return f"{session_url(session)}movie/{index}/{action}/"


def post_json(client, url, data, method="post", **extra):
    if method == "get":
        return client.get(url, **extra)
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return getattr(client, method)(url, body, content_type="application/json", **extra)


def upload(client, data=HISTORY, name="history.csv", **fields):
    return client.post(f"{API}upload/", {"file": SimpleUploadedFile(name, data), **fields})


# --- URLs -----------------------------------------------------------------------------------


def test_api_urls_live_under_the_original_prefix(session):
    assert reverse("imports_api:upload") == f"{API}upload/"
    assert reverse("imports_api:session", args=[session.pk]) == session_url(session)
    assert reverse("imports_api:add", args=[session.pk, 1]) == movie_url(session, 1, "add")
    assert reverse("imports_api:skip", args=[session.pk, 1]) == movie_url(session, 1, "skip")
    assert reverse("imports_api:match", args=[session.pk, 1]) == movie_url(session, 1, "match")


# --- Upload ---------------------------------------------------------------------------------


def test_upload_creates_a_session_and_matching_follows(
    owner_client, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(owner_client, time_zone="Europe/Berlin")
    assert len(callbacks) == 1  # matching was enqueued, not run in the request
    assert response.status_code == 201
    body = response.json()
    session = ImportSession.objects.get(owner=owner)
    assert body["session_id"] == str(session.pk)
    assert body["total_entries"] == 5 and body["movies_found"] == 5
    assert body["tv_shows_filtered"] == 0 and body["already_ranked"] == 0
    assert body["ready_for_review"] == 5
    assert [m["index"] for m in body["movies"]] == [1, 2, 3, 4, 5]
    assert all(set(m) == MOVIE_KEYS for m in body["movies"])
    assert all(m["lookup"] == "waiting" and m["tmdb_match"] is None for m in body["movies"])
    assert body["movies"][1]["parsed"] == {
        "title": "Heat",
        "watch_date": "2025-09-30",
        "prime_image_url": None,
    }

    # The queued job ran (inline in tests): GET the session to see the matches.
    matched = owner_client.get(session_url(session)).json()
    assert matched["status"] == "ready" and matched["progress"] == 100
    heat = matched["movies"][1]
    assert heat["tmdb_match"]["tmdb_id"] == 949 and set(heat["tmdb_match"]) == FILM_KEYS
    assert matched["movies"][4]["status"] == "unmatched"
    assert matched["remaining_count"] == 5 and matched["current_index"] == 1


def test_upload_counts_episodes_left_out_and_films_already_ranked(
    owner_client, owner, django_capture_on_commit_callbacks
):
    make_ranking(owner, make_movie("Heat", tmdb_id=949))
    episode = (
        b'"2025-10-12 20:15:01.250","Series","Slow Horses - Season 4","Episode 1",'
        b'"a","b","","",""\n'
    )
    with django_capture_on_commit_callbacks(execute=True):
        body = upload(owner_client, HISTORY + episode).json()
    assert body["tv_shows_filtered"] == 1 and body["total_entries"] == 6
    # Uploading the same file again shows where matching got to.
    again = upload(owner_client, HISTORY + episode)
    assert again.status_code == 200
    assert again.json()["already_ranked"] == 1 and again.json()["ready_for_review"] == 3


def test_uploading_the_same_file_again_returns_the_first_session_with_200(owner_client, owner):
    first = upload(owner_client)
    second = upload(owner_client)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["session_id"] == second.json()["session_id"]
    assert ImportSession.objects.filter(owner=owner).count() == 1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("scan.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        ("NetflixViewingHistory.csv", b"Title,Date\nHeat,1/2/23\n", "Netflix"),
        ("empty.csv", b"", "empty"),
    ],
    ids=["pdf", "netflix", "empty"],
)
def test_a_file_that_is_not_a_history_is_400_with_the_reason(owner_client, name, data, message):
    response = upload(owner_client, data, name=name)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not ImportSession.objects.exists()


def test_upload_without_a_file_is_400(owner_client):
    response = owner_client.post(f"{API}upload/", {})
    assert response.status_code == 400
    assert "multipart form field named 'file'" in response.json()["detail"]
    assert "file" in response.json()["errors"]


def test_an_unknown_time_zone_is_400(owner_client):
    response = upload(owner_client, time_zone="Mars/Olympus")
    assert response.status_code == 400
    assert "time_zone" in response.json()["errors"]


# --- Reading a session ----------------------------------------------------------------------


def test_session_shows_progress_counts_and_every_movie(owner_client, session):
    session.items.filter(position=1).update(
        amazon_image_url="https://m.media-amazon.com/images/heat.jpg"
    )
    response = owner_client.get(session_url(session))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == SESSION_KEYS
    assert body["session_id"] == str(session.pk) and body["status"] == "ready"
    assert body["progress"] == 100 and body["current_index"] == 1
    assert (body["total_movies"], body["added_count"], body["skipped_count"]) == (4, 0, 0)
    assert body["remaining_count"] == 4
    heat, _, nothing, failed = body["movies"]
    assert heat["index"] == 1 and heat["status"] == "pending"
    # Image URLs from a person's file are never passed on: they point wherever the file says.
    assert heat["parsed"] == {"title": "Heat", "watch_date": "2024-02-10", "prime_image_url": None}
    assert "media-amazon.com" not in response.content.decode()
    assert heat["tmdb_match"]["tmdb_id"] == 949 and heat["confidence"] == 0.95
    assert [a["tmdb_id"] for a in heat["alternatives"]] == [949 + 500_000]
    assert set(heat["alternatives"][0]) == FILM_KEYS
    assert nothing["tmdb_match"] is None and nothing["status"] == "unmatched"
    assert failed["status"] == "pending" and failed["lookup"] == "failed"
    assert failed["tmdb_match"] is None
    assert failed["reason"] == LOOKUP_FAILED
    for internal in ("tmdb.internal", "8443", "/3/search", "ConnectionError"):
        assert internal not in response.content.decode()


def test_the_films_come_a_page_at_a_time(owner_client, owner):
    session = make_session(owner, items=250)
    body = owner_client.get(session_url(session)).json()
    assert body["total_movies"] == 250 and body["pages"] == 3 and body["page_size"] == 100
    assert [m["index"] for m in body["movies"]] == list(range(1, 101))
    assert body["previous"] is None
    assert body["next"] == f"{session_url(session)}?page=2&page_size=100"
    last = owner_client.get(f"{session_url(session)}?page=3&page_size=100").json()
    assert [m["index"] for m in last["movies"]] == list(range(201, 251))
    assert last["next"] is None and last["previous"].endswith("?page=2&page_size=100")
    small = owner_client.get(session_url(session), {"page": 5, "page_size": 7}).json()
    assert [m["index"] for m in small["movies"]] == list(range(29, 36)) and small["pages"] == 36


@pytest.mark.parametrize(
    ("query", "field"),
    [({"page": "0"}, "page"), ({"page": "x"}, "page"), ({"page_size": "501"}, "page_size")],
    ids=["page-0", "page-text", "too-big"],
)
def test_a_bad_page_is_400_naming_it(owner_client, session, query, field):
    response = owner_client.get(session_url(session), query)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_a_page_past_the_end_is_404(owner_client, session):
    response = owner_client.get(session_url(session), {"page": 2})
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_the_upload_answer_holds_the_first_page(owner_client, settings):
    rows = "".join(
        f'"2025-01-01 20:00:00.000","Movie","Film {n}","","","","","",""\n' for n in range(1, 131)
    )
    data = HISTORY.split(b"\n", 1)[0] + b"\n" + rows.encode()
    body = upload(owner_client, data).json()
    assert body["movies_found"] == 130 and len(body["movies"]) == 100 and body["pages"] == 2
    assert body["next"] == f"{API}session/{body['session_id']}/?page=2&page_size=100"


def test_session_progress_follows_matching(owner_client, owner):
    session = make_session(owner, status=ImportSession.Status.MATCHING)
    for position in range(1, 5):
        make_item(session, lookup=ImportItem.Lookup.WAITING, position=position)
    ImportSession.objects.filter(pk=session.pk).update(movies_found=4, matched_count=1)
    body = owner_client.get(session_url(session)).json()
    assert body["status"] == "matching" and body["progress"] == 25
    assert body["current_index"] is None  # nothing looked up yet to review


def test_poster_urls_come_from_tmdb_paths(owner_client, owner, settings):
    session = make_session(owner)
    make_item(session, candidates=[candidate(949, "Heat", 1995, poster_path="/heat.jpg")])
    movie = owner_client.get(session_url(session)).json()["movies"][0]
    assert movie["tmdb_match"]["poster_url"] == f"{settings.TMDB_IMAGE_BASE_URL}w342/heat.jpg"


# --- Adding ---------------------------------------------------------------------------------


def test_add_ranks_the_match_on_the_watch_date(owner_client, owner, session):
    response = post_json(owner_client, movie_url(session, 1, "add"), {"rating": 4})
    assert response.status_code == 201
    ranking = Ranking.objects.get(user=owner)
    assert response.json() == {
        "id": ranking.pk,
        "movie": {"tmdb_id": 949, "title": "Heat", "year": 2001, "poster_url": None},
        "rating": 4,
        "rated_at": "2024-02-10",
    }
    assert session.items.get(position=1).status == ImportItem.Status.ADDED


@pytest.mark.parametrize(
    ("rated_at", "expected"),
    [("2023-07-01", date(2023, 7, 1)), ("2023-07-01T23:30:00+00:00", date(2023, 7, 1))],
    ids=["date", "datetime"],
)
def test_add_takes_a_rating_date(owner_client, owner, session, rated_at, expected):
    response = post_json(
        owner_client, movie_url(session, 1, "add"), {"rating": 5, "rated_at": rated_at}
    )
    assert response.status_code == 201
    assert Ranking.objects.get(user=owner).rated_at == expected


@pytest.mark.parametrize(
    "body",
    [{}, {"rating": 0}, {"rating": 6}, {"rating": "four"}, {"rating": 4.5}, {"rating": True}],
    ids=["missing", "zero", "six", "string", "fraction", "boolean"],
)
def test_a_bad_rating_is_400_with_field_errors(owner_client, session, body):
    response = post_json(owner_client, movie_url(session, 1, "add"), body)
    assert response.status_code == 400
    assert response.json()["errors"] == {"rating": ["Give a whole number from 1 to 5."]}
    assert not Ranking.objects.exists()


def test_a_bad_rating_date_is_400(owner_client, session):
    response = post_json(
        owner_client, movie_url(session, 1, "add"), {"rating": 4, "rated_at": "last week"}
    )
    assert response.status_code == 400
    assert "rated_at" in response.json()["errors"]


@pytest.mark.parametrize(
    "rated_at",
    [
        "0001-01-01",
        "9999-12-31",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:30:00-05:00",
        "1899-12-31",
        12,
        ["2024-01-01"],
        {"date": "2024-01-01"},
    ],
    ids=[
        "year-1",
        "year-9999",
        "year-1-east",
        "year-9999-west",
        "1899",
        "number",
        "list",
        "object",
    ],
)
def test_a_rating_date_out_of_range_or_of_the_wrong_kind_is_400_naming_it(
    owner_client, session, rated_at
):
    response = post_json(
        owner_client, movie_url(session, 1, "add"), {"rating": 4, "rated_at": rated_at}
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["rated_at"]
    assert not Ranking.objects.exists()


def test_a_rating_date_in_the_future_is_400(owner_client, session):
    tomorrow_but_one = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = post_json(
        owner_client, movie_url(session, 1, "add"), {"rating": 4, "rated_at": tomorrow_but_one}
    )
    assert response.status_code == 400
    assert "rated_at" in response.json()["errors"]


def test_a_deeply_nested_rating_is_400_naming_it(owner_client, session):
    body = '{"rating": ' + "[" * 2_000 + "]" * 2_000 + "}"
    response = post_json(owner_client, movie_url(session, 1, "add"), body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["rating"]


def test_json_nested_too_deeply_to_read_is_400(owner_client, session):
    body = '{"rating": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = post_json(owner_client, movie_url(session, 1, "add"), body)
    assert response.status_code == 400
    assert response.json()["detail"] == "Malformed JSON: it is nested too deeply."
    assert not Ranking.objects.exists()


@pytest.mark.parametrize("body", ["{rating: 4", b"\xff\xfe", "[4]"], ids=["json", "bytes", "list"])
def test_malformed_json_is_400(owner_client, session, body):
    response = post_json(owner_client, movie_url(session, 1, "add"), body)
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
    assert not Ranking.objects.exists()


def test_adding_an_item_without_a_match_is_400(owner_client, session):
    response = post_json(owner_client, movie_url(session, 4, "add"), {"rating": 4})
    assert response.status_code == 400
    assert response.json()["code"] == "no_match"
    assert "has no TMDB match" in response.json()["detail"]


def test_adding_an_item_tmdb_did_not_find_is_400_no_match(owner_client, session):
    response = post_json(owner_client, movie_url(session, 3, "add"), {"rating": 4})
    assert response.status_code == 400
    assert response.json()["code"] == "no_match"
    assert "choose one with PATCH" in response.json()["detail"]


def test_adding_twice_is_400_already_handled(owner_client, owner, session):
    post_json(owner_client, movie_url(session, 1, "add"), {"rating": 4})
    response = post_json(owner_client, movie_url(session, 1, "add"), {"rating": 2})
    assert response.status_code == 400
    assert response.json()["code"] == "not_actionable"
    assert "already added" in response.json()["detail"]
    assert Ranking.objects.get(user=owner).rating == 4


def test_adding_a_film_already_ranked_is_400_unless_replacing(owner_client, owner, session):
    make_ranking(owner, make_movie("Heat", tmdb_id=949), rating=2, rated_at=date(2020, 1, 1))
    refused = post_json(owner_client, movie_url(session, 1, "add"), {"rating": 5})
    assert refused.status_code == 400
    assert refused.json()["code"] == "already_ranked"
    assert refused.json()["ranking"]["rating"] == 2
    assert Ranking.objects.get(user=owner).rating == 2
    replaced = post_json(owner_client, movie_url(session, 1, "add"), {"rating": 5, "replace": True})
    assert replaced.status_code == 201
    assert Ranking.objects.get(user=owner).rating == 5


# --- Skipping, choosing another match, cancelling -------------------------------------------


def test_skip_is_204_and_moves_on(owner_client, session):
    response = owner_client.post(movie_url(session, 1, "skip"))
    assert response.status_code == 204 and response.content == b""
    assert session.items.get(position=1).status == ImportItem.Status.SKIPPED
    body = owner_client.get(session_url(session)).json()
    assert body["current_index"] == 2 and body["skipped_count"] == 1


def test_skipping_twice_is_400(owner_client, session):
    owner_client.post(movie_url(session, 1, "skip"))
    response = owner_client.post(movie_url(session, 1, "skip"))
    assert response.status_code == 400
    assert "already skipped" in response.json()["detail"]


def test_match_picks_one_of_the_alternatives(owner_client, session, tmdb_http):
    response = post_json(
        owner_client, movie_url(session, 1, "match"), {"tmdb_id": 949 + 500_000}, method="patch"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["index"] == 1 and body["tmdb_match"]["title"] == "Heat Returns"
    assert body["confidence"] == 1.0 and body["status"] == "pending"
    assert [a["tmdb_id"] for a in body["alternatives"]] == [949]
    assert len(tmdb_http.calls) == 0  # a stored candidate needs no look-up
    assert session.items.get(position=1).match_tmdb_id == 949 + 500_000


def test_match_takes_any_tmdb_film(owner_client, session):
    response = post_json(
        owner_client, movie_url(session, 3, "match"), {"tmdb_id": 603}, method="patch"
    )
    assert response.status_code == 200
    assert response.json()["tmdb_match"]["title"] == "The Matrix"
    assert response.json()["status"] == "pending"
    # ...and the item can be added now.
    added = post_json(owner_client, movie_url(session, 3, "add"), {"rating": 3})
    assert added.status_code == 201 and added.json()["movie"]["tmdb_id"] == 603


def test_match_with_an_id_tmdb_does_not_know_is_404(owner_client, session):
    response = post_json(
        owner_client, movie_url(session, 1, "match"), {"tmdb_id": 999_999_999}, method="patch"
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "TMDB has no film with that id."
    assert session.items.get(position=1).match_tmdb_id == 949


def test_match_while_tmdb_is_down_is_400_with_the_reason(owner_client, session, tmdb_http):
    tmdb_http.get(f"{TMDB_TEST_BASE}/movie/603", body=requests.ConnectionError("refused"))
    response = post_json(
        owner_client, movie_url(session, 1, "match"), {"tmdb_id": 603}, method="patch"
    )
    assert response.status_code == 400
    assert "not answering" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [{}, {"tmdb_id": "six"}, {"tmdb_id": -1}, {"tmdb_id": 6.5}, {"tmdb_id": True}],
    ids=["none", "word", "neg", "fraction", "bool"],
)
def test_match_needs_a_tmdb_id(owner_client, session, body):
    response = post_json(owner_client, movie_url(session, 1, "match"), body, method="patch")
    assert response.status_code == 400
    assert "tmdb_id" in response.json()["errors"]


def test_delete_cancels_the_session(owner_client, owner, session):
    post_json(owner_client, movie_url(session, 1, "add"), {"rating": 4})
    response = owner_client.delete(session_url(session))
    assert response.status_code == 204
    session.refresh_from_db()
    assert session.status == ImportSession.Status.CANCELLED
    assert Ranking.objects.filter(user=owner).count() == 1  # what was added stays
    refused = post_json(owner_client, movie_url(session, 2, "add"), {"rating": 4})
    assert refused.status_code == 400
    assert "cancelled" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("get", "upload/", "POST"),
        ("put", "session/{id}/", "GET, DELETE"),
        ("get", "session/{id}/movie/1/add/", "POST"),
        ("delete", "session/{id}/movie/1/skip/", "POST"),
        ("post", "session/{id}/movie/1/match/", "PATCH"),
    ],
)
def test_other_methods_are_405_json(owner_client, session, method, path, allowed):
    response = getattr(owner_client, method)(API + path.format(id=session.pk))
    assert response.status_code == 405
    assert response["Allow"] == allowed
    assert "not allowed" in response.json()["detail"]


# --- CSRF failures ---------------------------------------------------------------------------


@pytest.fixture
def csrf_client(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get(reverse("imports:upload"))  # any page with a form sets the CSRF cookie
    return client


def test_csrf_failures_can_answer_in_json(csrf_client, session, settings):
    settings.CSRF_FAILURE_VIEW = "imports.api.csrf_failure"
    response = csrf_client.post(movie_url(session, 1, "skip"))
    assert response.status_code == 403
    assert "X-CSRFToken" in response.json()["detail"]
    # ...while the site's own pages keep Django's page.
    page = csrf_client.post(reverse("imports:upload"))
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")


# --- Paths ----------------------------------------------------------------------------------


def test_paths_without_the_trailing_slash_are_not_the_api(owner_client, session):
    get = owner_client.get(session_url(session).rstrip("/"))
    assert get.status_code == 404
    assert get.json() == {"detail": "Not found. API paths end with a slash."}
    post = post_json(owner_client, movie_url(session, 1, "add").rstrip("/"), {"rating": 4})
    assert post.status_code == 404  # not a redirect that would drop the body
    assert not Ranking.objects.exists()


def test_a_user_with_two_sessions_reaches_each(owner, owner_client):
    first, second = make_session(owner, items=1), make_session(owner, items=2)
    assert owner_client.get(session_url(first)).json()["total_movies"] == 1
    assert owner_client.get(session_url(second)).json()["total_movies"] == 2
