"""The review card in a real browser: what a key, a click or Enter does, and nothing more."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from imports.models import ImportItem, ImportSession
from imports.selectors import current_item
from movieranking.models import Ranking
from tests.e2e.support import htmx_errors, open_page, watch_htmx_errors
from tests.factories import make_item, make_movie, make_ranking, make_session, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLES = ["Heat", "Alien", "Brazil", "Dune", "Fargo"]


@pytest.fixture
def person(db):
    return make_user("viewer")


@pytest.fixture
def session(person):
    session = make_session(person)
    for number, title in enumerate(TITLES, start=1):
        make_item(session, title=title, tmdb_id=1000 + number)
    return session


def review_url(live_server, session) -> str:
    return live_server.url + reverse("imports:review", args=[session.pk])


def card_title(page: Page):
    return page.locator("#card-title")


# --- 1. Enter in "Rated on" never rates -------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_enter_in_the_rated_on_date_never_rates(browser, live_server, person, session, javascript):
    with open_page(browser, live_server, person, java_script_enabled=javascript) as page:
        page.goto(review_url(live_server, session))
        expect(card_title(page)).to_contain_text("Heat")
        date = page.get_by_label("Rated on")
        date.focus()
        page.keyboard.press("Enter")
        date.press("Enter")
        page.wait_for_timeout(700)
        expect(card_title(page)).to_contain_text("Heat")
        if javascript:  # not even a request: nothing to explain
            expect(page.get_by_role("alert")).to_have_count(0)
        assert not Ranking.objects.exists()
        assert session.items.get(position=1).status == ImportItem.Status.PENDING
        # The stars still rate, with the date given.
        date.fill("2023-03-04")
        page.get_by_role("button", name="Add with 4 stars").click()
        expect(card_title(page)).to_contain_text("Alien")
        ranking = Ranking.objects.get()
        assert (ranking.rating, ranking.rated_at.isoformat()) == (4, "2023-03-04")


# --- 2. Quick key presses act once per card ---------------------------------------------------


def assert_card_agrees_with_the_import(page: Page, session) -> None:
    page.wait_for_timeout(1200)  # every answer has arrived
    expect(page.get_by_role("alert")).to_have_count(0)
    following = current_item(session)
    expect(card_title(page)).to_contain_text(following.best["title"])
    assert htmx_errors(page) == []
    assert page.problems == []


@pytest.mark.parametrize("keys", ["ss", "33", "s3", "3s", "uu"])
def test_two_quick_key_presses_never_act_twice_on_a_card(
    browser, live_server, person, session, keys
):
    with open_page(browser, live_server, person) as page:
        watch_htmx_errors(page)
        if keys == "uu":  # two films reviewed: undo twice brings back one at a time
            page.goto(review_url(live_server, session))
            expect(card_title(page)).to_contain_text("Heat")
            page.get_by_role("button", name="Add with 2 stars").click()
            expect(card_title(page)).to_contain_text("Alien")
            page.get_by_role("button", name="Skip").click()
            expect(card_title(page)).to_contain_text("Brazil")
        else:
            page.goto(review_url(live_server, session))
            expect(card_title(page)).to_contain_text("Heat")
        page.wait_for_load_state("load")
        page.keyboard.press(keys[0])
        page.keyboard.press(keys[1])
        assert_card_agrees_with_the_import(page, session)
        handled = session.items.exclude(status=ImportItem.Status.PENDING).count()
        assert handled in {0, 1, 2}
        if keys != "uu":
            assert session.items.get(title="Heat").status != ImportItem.Status.PENDING
        assert Ranking.objects.count() <= 2


def test_fast_typing_ends_on_the_right_card(browser, live_server, person, session):
    with open_page(browser, live_server, person) as page:
        watch_htmx_errors(page)
        page.goto(review_url(live_server, session))
        expect(card_title(page)).to_contain_text("Heat")
        page.wait_for_load_state("load")
        page.keyboard.type("s4s2", delay=15)
        assert_card_agrees_with_the_import(page, session)
        page.keyboard.type("uu", delay=15)
        assert_card_agrees_with_the_import(page, session)


# --- 3. "Film N of M" -------------------------------------------------------------------------


def test_the_counter_counts_the_films_to_review_everywhere(browser, live_server, person, session):
    # Alien was ranked before the import: matching set it aside, it is not part of the review.
    ImportItem.objects.filter(session=session, title="Alien").update(
        status=ImportItem.Status.ALREADY_RANKED
    )
    counter = "[data-counter]"
    with open_page(browser, live_server, person) as page:
        page.goto(review_url(live_server, session))
        expect(card_title(page)).to_contain_text("Heat")
        expect(page.locator(counter)).to_have_text("Film 1 of 4")
        page.get_by_role("button", name="Add with 4 stars").click()
        expect(card_title(page)).to_contain_text("Brazil")
        expect(page.locator(counter)).to_have_text("Film 2 of 4")

        items = live_server.url + reverse("imports:items", args=[session.pk])
        for title, expected in [
            ("Fargo", "Film 2 of 4"),  # waiting: the next film you review is your second
            ("Heat", "1 of 4 reviewed"),  # added already
            ("Alien", "1 of 4 reviewed"),  # set aside: not part of the review
        ]:
            page.goto(items)
            page.get_by_role("link", name=title, exact=True).click()
            expect(card_title(page)).to_contain_text(title)
            expect(page.locator(counter)).to_have_text(expected)

        page.goto(review_url(live_server, session))
        for _ in range(3):
            title = card_title(page).inner_text()
            page.get_by_role("button", name="Skip").click()
            expect(card_title(page)).not_to_have_text(title)
        expect(page.get_by_role("heading", name="That’s every film.")).to_be_visible()
        expect(page.locator(counter)).to_have_text("4 of 4 reviewed")


# --- 4. Polling never steals focus ------------------------------------------------------------


@pytest.fixture
def matching(person):
    """An import still being matched: nothing looked up yet."""
    session = make_session(person, status=ImportSession.Status.MATCHING)
    for number, title in enumerate(TITLES, start=1):
        make_item(session, title=title, tmdb_id=2000 + number, lookup=ImportItem.Lookup.WAITING)
    return session


def mark(page: Page, selector: str) -> None:
    page.locator(selector).evaluate("element => { element.__kept = true; }")


def still_marked(page: Page, selector: str) -> bool:
    return page.locator(selector).evaluate("element => element.__kept === true")


def test_waiting_for_matches_never_moves_focus(browser, live_server, person, matching):
    with open_page(browser, live_server, person) as page:
        page.goto(review_url(live_server, matching))
        expect(page.get_by_role("heading", name="Finding your films…")).to_be_visible()
        mark(page, "#announcer")
        link = page.get_by_role("link", name="All films")
        link.focus()
        page.wait_for_timeout(4500)  # two polls
        expect(link).to_be_focused()
        # The first film is matched: it appears, and focus stays where the person left it.
        ImportItem.objects.filter(session=matching, position=1).update(
            lookup=ImportItem.Lookup.DONE
        )
        expect(card_title(page)).to_contain_text("Heat", timeout=6000)
        page.wait_for_timeout(300)
        expect(link).to_be_focused()
        assert still_marked(page, "#announcer")
        # Focus moves once the person acts.
        page.keyboard.press("s")
        expect(page.get_by_role("heading", name="Finding your films…")).to_be_focused()


def test_the_progress_of_matching_never_moves_focus(browser, live_server, person, matching):
    ImportItem.objects.filter(session=matching, position=1).update(lookup=ImportItem.Lookup.DONE)
    ImportSession.objects.filter(pk=matching.pk).update(matched_count=1, movies_found=5)
    with open_page(browser, live_server, person) as page:
        page.goto(live_server.url + reverse("imports:session", args=[matching.pk]))
        start = page.get_by_role("link", name="Start reviewing now")
        start.focus()
        live = "[data-progress-line]"
        mark(page, live)
        expect(page.locator(live)).to_contain_text("Matching 1 of 5")
        ImportSession.objects.filter(pk=matching.pk).update(matched_count=3)
        expect(page.locator(live)).to_contain_text("Matching 3 of 5", timeout=4000)
        page.wait_for_timeout(1500)
        expect(start).to_be_focused()
        assert still_marked(page, live)
        assert page.locator(live).get_attribute("aria-live") == "polite"


# --- 8. The summary says what is true now -----------------------------------------------------


def test_the_summary_counts_only_films_still_ranked(browser, live_server, person, session):
    with open_page(browser, live_server, person) as page:
        page.goto(review_url(live_server, session))
        page.get_by_role("button", name="Add with 4 stars").click()
        expect(card_title(page)).to_contain_text("Alien")
        page.get_by_role("button", name="Add with 3 stars").click()
        expect(card_title(page)).to_contain_text("Brazil")

        page.goto(live_server.url + reverse("rankings:list"))
        row = page.locator(".ranking", has_text="Heat")
        row.get_by_role("link", name="Remove").click()
        row.get_by_role("button", name="Remove").click()
        expect(page.locator(".ranking")).to_have_count(1)

        page.goto(live_server.url + reverse("imports:summary", args=[session.pk]))
        expect(page.locator(".stat", has_text="added")).to_contain_text("1")
        expect(page.locator(".stat", has_text="removed since")).to_contain_text("1")
        added = page.locator(".added-list li")
        expect(added).to_have_count(1)
        expect(added).to_contain_text("Alien")


# --- 9. Films we couldn't find are part of the review -----------------------------------------


@pytest.fixture
def with_not_found(person):
    session = make_session(person)
    make_item(session, title="Heat", tmdb_id=949)
    make_item(session, title="Qwzxv [dt.OV]", status=ImportItem.Status.UNMATCHED, candidates=[])
    make_item(session, title="Alien", tmdb_id=348)
    make_item(session, title="Zzyzx Road Trip", status=ImportItem.Status.UNMATCHED, candidates=[])
    ImportItem.objects.filter(session=session, title="Qwzxv [dt.OV]").update(search_title="Qwzxv")
    return session


def test_films_we_could_not_find_follow_one_at_a_time_with_the_same_keys(
    browser, live_server, person, with_not_found
):
    session = with_not_found
    with open_page(browser, live_server, person) as page:
        page.goto(review_url(live_server, session))
        expect(card_title(page)).to_contain_text("Heat")
        page.wait_for_load_state("load")
        page.keyboard.press("4")
        expect(card_title(page)).to_contain_text("Alien")
        page.keyboard.press("s")

        # The matched films are done; the review goes on with the ones we could not find.
        expect(page.get_by_text("Films we couldn’t find")).to_be_visible()
        expect(card_title(page)).to_contain_text("Qwzxv [dt.OV]")
        expect(card_title(page)).to_be_focused()
        expect(page.locator("[data-counter]")).to_have_text("Film 3 of 4")
        search = page.get_by_label("Search TMDB")
        expect(search).to_have_value("Qwzxv")  # the cleaned title, ready to change
        page.keyboard.press("/")
        expect(search).to_be_focused()
        page.keyboard.press("Control+A")
        page.keyboard.type("Godfather Part II")
        pick = page.locator("#search-results").get_by_role(
            "button", name="Choose The Godfather Part II (1974)"
        )
        expect(pick).to_be_visible()
        expect(page.locator("#announcer")).to_have_text(re.compile(r"\d+ films? found"))
        pick.focus()
        page.keyboard.press("Enter")
        expect(card_title(page)).to_contain_text("The Godfather Part II")
        expect(card_title(page)).to_be_focused()
        page.keyboard.press("5")

        expect(card_title(page)).to_contain_text("Zzyzx Road Trip")
        expect(page.get_by_label("Search TMDB")).to_have_value("Zzyzx Road Trip")
        page.keyboard.press("s")
        expect(page.get_by_role("heading", name="That’s every film.")).to_be_focused()
        page.keyboard.press("u")
        expect(card_title(page)).to_contain_text("Zzyzx Road Trip")
        page.keyboard.press("s")
        expect(page.get_by_role("heading", name="That’s every film.")).to_be_visible()

    ranked = {r.movie.title: r.rating for r in Ranking.objects.filter(user=person)}
    assert ranked == {"Heat": 4, "The Godfather Part II": 5}


# --- 10. Unsure is visibly unsure -------------------------------------------------------------


@pytest.fixture
def banded(person):
    session = make_session(person)
    make_item(session, title="Heat", tmdb_id=949, confidence=0.95, reason="exact title")
    make_item(session, title="Alien", tmdb_id=348, confidence=0.7, reason="similar title")
    make_item(session, title="Brazil", tmdb_id=68, confidence=0.4, reason="a loose match")
    return session


def test_sure_likely_and_unsure_cards_differ(browser, live_server, person, banded):
    cue = "[data-check-cue]"
    with open_page(browser, live_server, person) as page:
        page.goto(review_url(live_server, banded))
        expect(card_title(page)).to_contain_text("Heat")
        page.wait_for_load_state("load")
        expect(page.locator(cue)).to_have_count(0)
        expect(page.locator("[data-candidates]")).to_have_count(0)
        expect(page.get_by_role("button", name="Add with 4 stars")).to_be_visible()
        page.keyboard.press("4")

        expect(card_title(page)).to_contain_text("Alien")
        expect(page.locator(cue)).to_be_visible()
        expect(page.locator(cue)).to_contain_text("Check this")
        expect(page.get_by_role("button", name="Add with 3 stars")).to_be_visible()
        page.keyboard.press("3")

        # Unsure: the candidates side by side, each with its poster; no stars until one is chosen.
        expect(card_title(page)).to_contain_text("Brazil")
        candidates = page.locator("[data-candidates] li")
        expect(candidates).to_have_count(2)
        for index in range(2):
            poster = candidates.nth(index).locator("img")
            expect(poster).to_be_visible()
            assert poster.bounding_box()["width"] >= 80
        first, second = (candidates.nth(i).bounding_box() for i in range(2))
        assert abs(first["y"] - second["y"]) < 2  # side by side
        expect(page.get_by_role("button", name="Add with 3 stars")).to_have_count(0)
        page.keyboard.press("3")
        page.wait_for_timeout(500)
        assert not Ranking.objects.filter(movie__title__startswith="Brazil").exists()

        page.get_by_role("button", name="Choose Brazil Returns (2011)").click()
        expect(card_title(page)).to_contain_text("Brazil Returns")
        expect(page.locator("[data-candidates]")).to_have_count(0)
        page.keyboard.press("5")
        expect(page.get_by_role("heading", name="That’s every film.")).to_be_visible()
    assert Ranking.objects.get(movie__title="Brazil Returns").rating == 5


# --- 14. The header names the import; the banner speaks to people; k keeps --------------------


def test_the_review_names_the_import_and_shows_every_key(browser, live_server, person, session):
    make_ranking(person, make_movie("Heat", tmdb_id=1001), rating=2)
    with open_page(browser, live_server, person) as page:
        page.goto(review_url(live_server, session))
        head = page.locator(".page-head")
        expect(head).to_contain_text("history.csv")
        expect(head).to_contain_text(f"{session.created_at:%-d %b %Y}")
        banner = page.get_by_role("note").filter(has_text="Demo catalogue")
        expect(banner).to_have_text(
            "Demo catalogue: matching uses a built-in list of 536 well-known films."
        )
        # Heat is ranked already: k keeps that rating, and the page says so.
        keep = page.get_by_role("button", name="Keep my rating")
        expect(keep.locator("kbd")).to_have_text("k")
        expect(page.locator("[data-keys]")).to_contain_text("k keep your rating")
        page.wait_for_load_state("load")
        page.keyboard.press("k")
        expect(card_title(page)).to_contain_text("Alien")
        assert session.items.get(title="Heat").status == ImportItem.Status.ALREADY_RANKED
        assert Ranking.objects.get(movie__tmdb_id=1001).rating == 2
        for name in ("imports:review", "imports:session", "imports:items"):
            page.goto(live_server.url + reverse(name, args=[session.pk]))
            assert "TMDB_" not in page.content()
        page.goto(live_server.url + reverse("imports:upload"))
        assert "TMDB_" not in page.content()


# --- 17. The CSV of what was not added --------------------------------------------------------


def test_the_not_added_csv_is_named_after_the_import(browser, live_server, person, session):
    with open_page(browser, live_server, person, accept_downloads=True) as page:
        page.goto(live_server.url + reverse("imports:summary", args=[session.pk]))
        with page.expect_download() as download:
            page.get_by_role("link", name="Download what was not added").click()
        assert download.value.suggested_filename == (
            f"history-not-added-{session.created_at:%Y-%m-%d}.csv"
        )
        rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
        assert rows[0][:3] == ["Title on Amazon", "Watched on", "Times watched"]
        assert rows[1][:3] == ["Heat", "2023-01-05;2024-02-10", "2"]
