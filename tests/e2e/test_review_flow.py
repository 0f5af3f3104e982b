"""The whole import in a real browser: upload, wait, add, skip, fix a match, search, undo,
finish — with the mouse, with the keyboard only, and with JavaScript off."""

import re

import pytest
from playwright.sync_api import Page, expect

from movieranking.models import Ranking
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HISTORY = """Date Watched,Type,Title,Episode
2024-05-10,Movie,"The Big Lebowski",""
2024-05-09,Movie,"Spirited Away",""
2024-05-08,Movie,"Amélie",""
2024-05-07,Movie,"King Kong",""
2024-05-06,Movie,"The Godfather",""
2024-05-05,Series,"Fallout - Season 1","Episode 2: The Target"
2024-05-04,Movie,"Episode 0: Official Trailer",""
"""

EXPECTED = {"The Big Lebowski": 4, "Spirited Away": 2, "King Kong": 3}


def sign_in_and_upload(page: Page, live_server, tmp_path, username: str) -> None:
    make_user(username)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My rankings")).to_be_visible()

    history = tmp_path / "PrimeVideoWatchHistory.csv"
    history.write_text(HISTORY, encoding="utf-8")
    page.get_by_role("link", name="Import from Prime Video").first.click()
    page.get_by_label("Your Prime Video history").set_input_files(history)
    page.get_by_role("button", name="Read my history").click()

    expect(page.get_by_text("Browser exporter").first).to_be_visible()
    page.get_by_text("What we read").click()
    facts = page.locator(".facts")
    expect(facts.get_by_text("Movies found")).to_be_visible()
    expect(page.locator(".facts div", has_text="Movies found").locator("dd")).to_have_text("5")
    expect(page.locator(".facts div", has_text="Episodes left out").locator("dd")).to_have_text("1")
    expect(page.get_by_text("All 5 films looked up")).to_be_visible(timeout=15_000)
    page.get_by_role("link", name="Review your films").click()


def card_title(page: Page):
    return page.locator("#card-title")


def assert_rankings(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/rankings/?sort=title")
    rows = page.locator(".ranking")
    expect(rows).to_have_count(len(EXPECTED))
    stored = {r.movie.title: r.rating for r in Ranking.objects.filter(user__username=username)}
    assert stored == EXPECTED
    king_kong = Ranking.objects.get(user__username=username, movie__title="King Kong")
    assert king_kong.movie.year == 1933  # the alternative, not the first match


def test_review_with_the_mouse(page: Page, live_server, tmp_path, artifacts):
    sign_in_and_upload(page, live_server, tmp_path, "mouse")
    expect(card_title(page)).to_contain_text("The Big Lebowski")
    expect(page.locator(".counter")).to_have_text("Film 1 of 5")
    page.set_viewport_size({"width": 1100, "height": 900})
    page.screenshot(path=artifacts / "card.png", full_page=True)

    page.get_by_role("button", name="Add with 4 stars").click()
    expect(card_title(page)).to_contain_text("Spirited Away")
    expect(page.locator("#announcer")).to_have_text(re.compile("Added The Big Lebowski"))
    page.get_by_role("button", name="Add with 2 stars").click()
    expect(card_title(page)).to_contain_text("Amélie")
    page.get_by_role("button", name="Skip").click()

    expect(card_title(page)).to_contain_text("King Kong")
    expect(card_title(page)).to_contain_text("2005")
    page.get_by_role("link", name="Not this movie").click()
    expect(page.locator("#choices :focus")).to_have_count(1)
    page.get_by_role("button", name="Choose King Kong (1933)").click()
    expect(card_title(page)).to_contain_text("1933")
    page.get_by_role("button", name="Add with 3 stars").click()

    expect(card_title(page)).to_contain_text("The Godfather")
    page.get_by_role("link", name="Not this movie").click()
    # Once the choices have settled, focus moves into them (and htmx has wired the search).
    expect(page.locator("#choices :focus")).to_have_count(1)
    page.get_by_label("Search TMDB").fill("Godfather Part II")
    page.locator("#search-results").get_by_role(
        "button", name="Choose The Godfather Part II (1974)"
    ).click()
    expect(card_title(page)).to_contain_text("The Godfather Part II")
    page.get_by_role("button", name="Add with 5 stars").click()
    expect(page.get_by_role("heading", name="That’s every film.")).to_be_visible()

    page.get_by_role("button", name="Undo").click()
    expect(card_title(page)).to_contain_text("The Godfather Part II")
    page.get_by_role("button", name="Skip").click()
    page.get_by_role("button", name="See the summary").click()

    expect(page.locator(".stat", has_text="added")).to_contain_text("3")
    expect(page.locator(".stat", has_text="skipped")).to_contain_text("2")
    page.screenshot(path=artifacts / "summary.png", full_page=True)
    page.get_by_role("link", name="See my rankings").click()
    assert_rankings(page, live_server, "mouse")


def test_review_with_the_keyboard_only(page: Page, live_server, tmp_path):
    sign_in_and_upload(page, live_server, tmp_path, "keys")
    expect(card_title(page)).to_contain_text("The Big Lebowski")
    page.wait_for_load_state("load")
    page.keyboard.press("4")
    expect(card_title(page)).to_contain_text("Spirited Away")
    expect(card_title(page)).to_be_focused()
    page.keyboard.press("2")
    expect(card_title(page)).to_contain_text("Amélie")
    expect(card_title(page)).to_be_focused()
    page.keyboard.press("s")

    expect(card_title(page)).to_contain_text("King Kong")
    expect(card_title(page)).to_be_focused()
    page.keyboard.press("n")
    # Focus moves to the first alternative.
    expect(page.get_by_role("button", name="Choose King Kong (1933)")).to_be_focused()
    page.keyboard.press("Enter")
    expect(card_title(page)).to_contain_text("1933")
    expect(card_title(page)).to_be_focused()
    page.keyboard.press("3")

    expect(card_title(page)).to_contain_text("The Godfather")
    expect(card_title(page)).to_be_focused()
    page.keyboard.press("/")
    search = page.get_by_label("Search TMDB")
    expect(search).to_be_focused()
    page.keyboard.type("Godfather Part II")
    pick = page.locator("#search-results").get_by_role(
        "button", name="Choose The Godfather Part II (1974)"
    )
    expect(pick).to_be_visible()
    page.keyboard.press("Tab")  # the Search button
    page.keyboard.press("Tab")  # the first result
    expect(pick).to_be_focused()
    page.keyboard.press("Enter")
    expect(card_title(page)).to_contain_text("The Godfather Part II")
    expect(card_title(page)).to_be_focused()
    page.keyboard.press("5")
    expect(page.get_by_role("heading", name="That’s every film.")).to_be_focused()
    page.keyboard.press("u")
    expect(card_title(page)).to_contain_text("The Godfather Part II")
    expect(card_title(page)).to_be_focused()
    page.keyboard.press("s")
    expect(page.get_by_role("heading", name="That’s every film.")).to_be_visible()
    assert_rankings(page, live_server, "keys")


def test_review_with_javascript_off(browser, live_server, tmp_path):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in_and_upload(page, live_server, tmp_path, "nojs")
        expect(card_title(page)).to_contain_text("The Big Lebowski")
        page.get_by_role("button", name="Add with 4 stars").click()
        expect(page.get_by_text("Added The Big Lebowski with ★★★★.")).to_be_visible()
        page.get_by_role("button", name="Add with 2 stars").click()
        page.get_by_role("button", name="Skip").click()

        expect(card_title(page)).to_contain_text("King Kong")
        page.get_by_role("link", name="Not this movie").click()
        page.get_by_role("button", name="Choose King Kong (1933)").click()
        expect(card_title(page)).to_contain_text("1933")
        page.get_by_role("button", name="Add with 3 stars").click()

        expect(card_title(page)).to_contain_text("The Godfather")
        page.get_by_role("link", name="Not this movie").click()
        page.get_by_label("Search TMDB").fill("Godfather Part II")
        page.get_by_role("button", name="Search", exact=True).click()
        page.locator("#search-results").get_by_role(
            "button", name="Choose The Godfather Part II (1974)"
        ).click()
        page.get_by_role("button", name="Add with 5 stars").click()
        page.get_by_role("button", name="Undo").click()
        expect(card_title(page)).to_contain_text("The Godfather Part II")
        page.get_by_role("button", name="Skip").click()
        page.get_by_role("button", name="See the summary").click()
        expect(page.locator(".stat", has_text="added")).to_contain_text("3")
        assert_rankings(page, live_server, "nojs")
    finally:
        context.close()
