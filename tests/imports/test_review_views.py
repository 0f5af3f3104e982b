from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imports.models import ImportItem
from movieranking.models import Ranking
from tests.factories import make_item, make_movie, make_ranking, make_session
from tests.http import HTMX

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def session(owner):
    session = make_session(owner)
    make_item(session, title="Heat", tmdb_id=949)
    make_item(session, title="Alien", tmdb_id=348)
    make_item(session, title="Brazil", tmdb_id=68)
    return session


def url(name, session, *args):
    return reverse(f"imports:{name}", args=[session.pk, *args])


def test_review_page_shows_the_first_card(owner_client, session):
    html = owner_client.get(url("review", session)).content.decode()
    assert "<html" in html
    assert "Heat" in html and "1 of 3" in html
    assert "exact title" in html


def test_htmx_gets_the_review_card_without_the_page(owner_client, session):
    html = owner_client.get(url("review", session), **HTMX).content.decode()
    assert "<html" not in html
    assert 'id="review-card"' in html


def test_add_with_htmx_returns_the_next_card(owner_client, owner, session):
    response = owner_client.post(url("add", session, 1), {"rating": "4"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert "Alien" in html and "2 of 3" in html
    assert "Added Heat with ★★★★." in html
    assert Ranking.objects.get(user=owner).movie.title == "Heat"
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_add_without_javascript_redirects_to_the_next_card(owner_client, owner, session):
    response = owner_client.post(url("add", session, 1), {"rating": "5"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == url("review", session)
    assert "Added Heat with ★★★★★." in html and "Alien" in html
    assert Ranking.objects.get(user=owner).rating == 5


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_add_with_a_bad_rating_explains_and_adds_nothing(owner_client, session, headers):
    response = owner_client.post(url("add", session, 1), {"rating": "9"}, follow=True, **headers)
    assert "Choose a rating from 1 to 5 stars." in response.content.decode()
    assert not Ranking.objects.exists()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_add_with_an_impossible_date_says_so_and_adds_nothing(owner_client, session, headers):
    data = {"rating": "4", "rated_at": "9999-12-31"}
    response = owner_client.post(url("add", session, 1), data, follow=True, **headers)
    assert response.status_code == 200
    assert "Give a date between 1900-01-01 and today." in response.content.decode()
    assert not Ranking.objects.exists()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_double_submit_creates_one_ranking(owner_client, owner, session, headers):
    owner_client.post(url("add", session, 1), {"rating": "4"}, **headers)
    response = owner_client.post(url("add", session, 1), {"rating": "2"}, follow=True, **headers)
    assert response.status_code == 200
    assert "already added" in response.content.decode()
    assert Ranking.objects.filter(user=owner).count() == 1
    assert Ranking.objects.get(user=owner).rating == 4


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_skip_sets_the_film_aside_and_says_so(owner_client, session, headers):
    response = owner_client.post(url("skip", session, 1), follow=True, **headers)
    assert "Skipped Heat." in response.content.decode()
    assert session.items.get(position=1).status == ImportItem.Status.SKIPPED


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_undo_brings_the_film_back(owner_client, owner, session, headers):
    owner_client.post(url("add", session, 1), {"rating": "3"})
    response = owner_client.post(url("undo", session), follow=True, **headers)
    html = response.content.decode()
    assert "Undid Heat" in html
    assert not Ranking.objects.filter(user=owner).exists()
    assert session.items.get(position=1).status == ImportItem.Status.PENDING


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_not_this_movie_shows_the_alternatives(owner_client, session, headers):
    response = owner_client.get(url("alternatives", session, 1), **headers)
    html = response.content.decode()
    assert "Heat Returns" in html
    assert ('id="choices"' in html) and (("<html" in html) == (not headers))


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_choose_an_alternative_then_add_it(owner_client, owner, session, headers):
    alternative = session.items.get(position=1).candidates[1]["tmdb_id"]
    owner_client.post(url("choose", session, 1), {"tmdb_id": alternative}, **headers)
    owner_client.post(url("add", session, 1), {"rating": "2"}, **headers)
    assert Ranking.objects.get(user=owner).movie.title == "Heat Returns"


def test_already_ranked_film_offers_keep_or_replace(owner_client, owner, session):
    make_ranking(owner, make_movie("Heat", tmdb_id=949), rating=2)
    html = owner_client.get(url("review", session)).content.decode()
    assert "You already rated Heat" in html and "Keep my rating" in html
    owner_client.post(url("add", session, 1), {"rating": "5", "replace": "on"}, **HTMX)
    assert Ranking.objects.get(user=owner, movie__tmdb_id=949).rating == 5


def test_keep_my_rating_leaves_it_and_marks_the_film_already_ranked(owner_client, owner, session):
    make_ranking(owner, make_movie("Heat", tmdb_id=949), rating=2)
    owner_client.post(url("keep", session, 1), **HTMX)
    assert session.items.get(position=1).status == ImportItem.Status.ALREADY_RANKED
    assert Ranking.objects.get(user=owner, movie__tmdb_id=949).rating == 2


def test_rated_in_another_tab_meanwhile_asks_instead_of_overwriting(owner_client, owner, session):
    html = owner_client.get(url("review", session)).content.decode()
    assert "Keep my rating" not in html
    make_ranking(owner, make_movie("Heat", tmdb_id=949), rating=1)
    response = owner_client.post(url("add", session, 1), {"rating": "5"}, **HTMX)
    assert "Keep my rating" in response.content.decode()
    assert Ranking.objects.get(user=owner, movie__tmdb_id=949).rating == 1


def test_item_list_filters_by_status_and_reopen_brings_a_film_back(owner_client, session):
    owner_client.post(url("skip", session, 2))
    html = owner_client.get(url("items", session), {"show": "skipped"}).content.decode()
    assert "Alien" in html and "Heat" not in html
    owner_client.post(url("reopen", session, 2))
    assert session.items.get(position=2).status == ImportItem.Status.PENDING


def test_summary_and_csv_of_what_was_not_added(owner_client, session):
    owner_client.post(url("add", session, 1), {"rating": "4"})
    owner_client.post(url("skip", session, 2))
    summary = owner_client.get(url("summary", session)).content.decode()
    assert "1</span> added" in summary and "1</span> skipped" in summary
    csv = owner_client.get(url("not_added_csv", session)).content.decode()
    assert "Alien" in csv and "Brazil" in csv and "Heat," not in csv


def test_cancel_asks_first_then_cancels(owner_client, session):
    assert "Cancel this import?" in owner_client.get(url("cancel", session)).content.decode()
    owner_client.post(url("cancel", session))
    session.refresh_from_db()
    assert session.status == "cancelled"


def test_imports_page_lists_my_imports_with_counts_and_resume(owner_client, session, stranger):
    make_session(stranger, file_name="someone-elses.csv")
    owner_client.post(url("add", session, 1), {"rating": "4"})
    response = owner_client.get(reverse("imports:list"))
    html = response.content.decode()
    assert "history.csv" in html and "Resume" in html
    assert "someone-elses.csv" not in html
    [listed] = response.context["sessions"]
    assert (listed.added_count, listed.pending_count) == (1, 2)


def _statements(client, method: str, path: str, data=None) -> list[str]:
    """The SQL one htmx request runs, transaction control (BEGIN, COMMIT) left out."""
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(path, data or {}, **HTMX)
    assert response.status_code == 200
    assert 'id="review-card"' in response.content.decode()
    control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(control)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [10, 5000])
def test_each_review_step_runs_a_few_statements_whatever_the_size(owner, client, size):
    """Session and user, one statement locking the import and the item, the writes, and
    the next card: counting thousands of items per step is what made steps slow."""
    session = make_session(owner, items=size)
    make_ranking(owner, make_movie("Known", tmdb_id=session.items.get(position=3).match_tmdb_id))
    client.force_login(owner)
    add = url("add", session, 1)
    steps = {
        "add a new film": ("post", add, {"rating": "4"}),
        "skip": ("post", url("skip", session, 2), None),
        "keep a rating": ("post", url("keep", session, 3), None),
        "undo the keep": ("post", url("undo", session), None),
        "undo the skip": ("post", url("undo", session), None),
        "undo the add": ("post", url("undo", session), None),
        "add a known film": ("post", add, {"rating": "2"}),
        "next card": ("get", url("review", session), None),
    }
    counts = {step: len(_statements(client, *request)) for step, request in steps.items()}
    # An add and its undo also count the person's choice for later imports (imports.learned):
    # five statements and four of theirs. Every card counts the import's films by what they
    # mean to the person for its "Film N of M" in one grouped statement (session_outcome).
    assert counts == {
        "add a new film": 14,
        "skip": 7,
        "keep a rating": 7,
        "undo the keep": 7,
        "undo the skip": 7,
        "undo the add": 13,
        "add a known film": 14,
        "next card": 5,
    }
    session.refresh_from_db()
    assert (session.added_count, session.skipped_count, session.pending_count) == (1, 0, size - 1)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_an_unsure_match_is_chosen_before_it_is_rated(owner_client, owner, headers):
    session = make_session(owner)
    make_item(session, title="Brazil", tmdb_id=68, confidence=0.4)
    html = owner_client.get(url("review", session)).content.decode()
    assert "Which film is it?" in html and "Add with 4 stars" not in html
    response = owner_client.post(url("add", session, 1), {"rating": "4"}, follow=True, **headers)
    assert "Choose which film it is first." in response.content.decode()
    assert not Ranking.objects.exists()
    owner_client.post(url("choose", session, 1), {"tmdb_id": 68}, **headers)
    owner_client.post(url("add", session, 1), {"rating": "4"}, **headers)
    assert Ranking.objects.get(user=owner).movie.tmdb_id == 68


def test_the_readme_lists_every_key_the_script_knows():
    readme = (ROOT / "README.md").read_text()
    script = (ROOT / "static/js/app.js").read_text()
    assert "k keep the rating you had" in script
    for key in ["`1`–`5`", "`s`", "`n`", "`/`", "`u`", "`k`"]:
        assert key in readme, key


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("Viewing History.csv", "Viewing-History-not-added-{}.csv"),
        ("PrimeVideo.ViewingHistory.csv", "PrimeVideo.ViewingHistory-not-added-{}.csv"),
        ('../"evil"\\name.zip', "evil-name-not-added-{}.csv"),
        ("Sehverlauf Ä.csv", "Sehverlauf-Ä-not-added-{}.csv"),
    ],
)
def test_the_not_added_csv_is_named_after_the_import_and_its_date(owner, file_name, expected):
    from imports.csv_export import not_added_file_name

    session = make_session(owner, file_name=file_name)
    assert not_added_file_name(session) == expected.format(f"{session.created_at:%Y-%m-%d}")


def test_several_watch_dates_are_iso_dates_separated_by_semicolons(owner_client, session):
    response = owner_client.get(url("not_added_csv", session))
    assert 'filename="history-not-added-' in response["Content-Disposition"]
    assert "Heat,2023-01-05;2024-02-10,2," in response.content.decode()
