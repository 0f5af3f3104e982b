"""The lists around the review in a real browser: an import's films, and the rankings."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from imports.models import ImportItem, ImportSession
from movieranking.models import Ranking
from tests.e2e.support import open_page
from tests.factories import make_item, make_movie, make_ranking, make_session, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def person(db):
    return make_user("lister")


@pytest.fixture
def session(person):
    session = make_session(person)
    for number, title in enumerate(["Heat", "Alien", "Brazil"], start=1):
        make_item(session, title=title, tmdb_id=3000 + number)
    ImportItem.objects.filter(session=session, title="Alien").update(
        status=ImportItem.Status.SKIPPED, handled_at=timezone.now()
    )
    return session


def current_tab(page: Page):
    return page.locator('.tabs [aria-current="page"]')


# --- 5. The item list's tabs ------------------------------------------------------------------


def test_the_tabs_mark_the_list_shown_also_after_back(browser, live_server, person, session):
    with open_page(browser, live_server, person) as page:
        page.goto(live_server.url + reverse("imports:items", args=[session.pk]))
        expect(current_tab(page)).to_have_text("All")
        rows = page.locator("#item-list tbody tr")
        expect(rows).to_have_count(3)

        page.locator(".tabs").get_by_role("link", name="Skipped").click()
        expect(page).to_have_url(re.compile(r"show=skipped"))
        expect(current_tab(page)).to_have_text("Skipped")
        expect(rows).to_have_count(1)

        page.go_back()
        expect(page).not_to_have_url(re.compile(r"show=skipped"))
        expect(current_tab(page)).to_have_text("All")
        expect(rows).to_have_count(3)

        page.go_forward()
        expect(current_tab(page)).to_have_text("Skipped")
        expect(rows).to_have_count(1)
        page.reload()
        expect(current_tab(page)).to_have_text("Skipped")

        # Away to a film and back: the whole page, as it was left.
        page.get_by_role("link", name="Alien").click()
        expect(page.locator("#card-title")).to_contain_text("Alien")
        page.go_back()
        expect(current_tab(page)).to_have_text("Skipped")
        expect(rows).to_have_count(1)
        expect(page.locator('link[rel="stylesheet"]')).to_have_count(1)
        page.go_back()
        expect(current_tab(page)).to_have_text("All")
        expect(rows).to_have_count(3)
        assert page.problems == []


# --- 6. Rankings ------------------------------------------------------------------------------


@pytest.fixture
def ranked(person):
    for title, rating, rated in [
        ("The Abyss", 3, date(2024, 3, 1)),
        ("Brazil", 1, date(2024, 2, 1)),
        ("A Clockwork Orange", 5, date(2024, 1, 1)),
        ("An American Werewolf in London", 4, date(2024, 4, 1)),
    ]:
        make_ranking(person, make_movie(title), rating=rating, rated_at=rated)


def rankings_url(live_server, query: str = "") -> str:
    return live_server.url + reverse("rankings:list") + (f"?{query}" if query else "")


def shown_titles(page: Page) -> list[str]:
    return page.locator(".ranking-title strong").all_inner_texts()


def test_title_order_ignores_leading_articles(browser, live_server, person, ranked):
    with open_page(browser, live_server, person) as page:
        page.goto(rankings_url(live_server, "sort=title"))
        assert shown_titles(page) == [
            "The Abyss",
            "An American Werewolf in London",
            "Brazil",
            "A Clockwork Orange",
        ]


def test_removing_a_film_in_place_updates_the_count(browser, live_server, person, ranked):
    with open_page(browser, live_server, person) as page:
        page.goto(rankings_url(live_server))
        count = page.locator("[data-ranking-count]")
        expect(count).to_have_text("4 films")
        row = page.locator(".ranking", has_text="Brazil")
        row.get_by_role("link", name="Remove").click()
        row.get_by_role("button", name="Remove").click()
        expect(page.locator(".ranking", has_text="Brazil")).to_have_count(0)
        expect(count).to_have_text("3 films")
        assert not Ranking.objects.filter(movie__title="Brazil").exists()


def test_an_edited_film_moves_to_its_place_in_the_order(browser, live_server, person, ranked):
    with open_page(browser, live_server, person) as page:
        page.goto(rankings_url(live_server, "sort=rating"))
        assert shown_titles(page)[-1] == "Brazil"
        row = page.locator(".ranking", has_text="Brazil")
        row.get_by_role("link", name="Change rating").click()
        row.get_by_label("5 ★").check()
        row.get_by_label("Rated on").fill("2024-06-01")
        row.get_by_role("button", name="Save").click()
        expect(page.locator(".ranking-title strong").first).to_have_text("Brazil")
        assert shown_titles(page) == ["Brazil", "A Clockwork Orange", *shown_titles(page)[2:]]
        expect(page).to_have_url(re.compile(r"sort=rating"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_filters_never_leave_an_empty_value_in_the_address(
    browser, live_server, person, ranked, javascript
):
    with open_page(browser, live_server, person, java_script_enabled=javascript) as page:
        page.goto(rankings_url(live_server))

        def choose(label: str, option: str) -> None:
            page.get_by_label(label).select_option(label=option)
            if not javascript:
                page.get_by_role("button", name="Apply").click()

        choose("Sort", "Title A–Z")
        expect(page).to_have_url(re.compile(r"\?sort=title$"))
        choose("Show", "★★★★★")
        expect(page).to_have_url(re.compile(r"stars=5"))
        expect(page.locator(".ranking")).to_have_count(1)
        choose("Show", "All ratings")
        expect(page).to_have_url(re.compile(r"\?sort=title$"))
        expect(page.locator(".ranking")).to_have_count(4)


def test_without_javascript_saving_and_removing_keep_sort_and_filter(
    browser, live_server, person, ranked
):
    with open_page(browser, live_server, person, java_script_enabled=False) as page:
        page.goto(rankings_url(live_server, "sort=title&stars=4"))
        expect(page.locator(".ranking")).to_have_count(1)
        page.get_by_role("link", name="Change rating").click()
        page.get_by_label("Rated on").fill("2024-07-01")
        page.get_by_role("button", name="Save").click()
        expect(page).to_have_url(re.compile(r"/rankings/\?sort=title&stars=4$"))
        expect(page.get_by_text("Saved your rating")).to_be_visible()
        page.get_by_role("link", name="Remove").click()
        page.get_by_role("button", name="Remove").click()
        expect(page).to_have_url(re.compile(r"/rankings/\?sort=title&stars=4$"))
        expect(page.get_by_text("No films with 4 stars yet.")).to_be_visible()


# --- 13. The import page leads with the outcome -----------------------------------------------


def test_the_import_page_leads_with_the_outcome(browser, live_server, person):
    session = make_session(person, file_name="Viewing History.csv", rows_read=40, episodes=30)
    make_item(session, title="Heat", tmdb_id=949)
    make_item(session, title="Alien", tmdb_id=348)
    make_item(session, title="Brazil", tmdb_id=68, confidence=0.7)
    make_item(session, title="Qwzxv", status=ImportItem.Status.UNMATCHED, candidates=[])
    make_item(session, title="Dune", tmdb_id=438631, status=ImportItem.Status.ALREADY_RANKED)
    ImportSession.objects.filter(pk=session.pk).update(movies_found=5, matched_count=5)
    with open_page(browser, live_server, person) as page:
        page.goto(live_server.url + reverse("imports:session", args=[session.pk]))
        outcome = page.locator("[data-outcome]")
        expect(outcome).to_contain_text("2 matched")
        expect(outcome).to_contain_text("1 to check")
        expect(outcome).to_contain_text("1 not found")
        expect(outcome).to_contain_text("1 already ranked")
        expect(page.get_by_role("link", name="Review your films")).to_be_visible()
        # What we read is there, folded away.
        expect(page.get_by_text("Rows read")).to_be_hidden()
        page.get_by_text("What we read").click()
        expect(page.get_by_text("Rows read")).to_be_visible()

        outcome.get_by_role("link", name="1 to check").click()
        expect(page.locator('.tabs [aria-current="page"]')).to_have_text("To check")
        expect(page.locator("#item-list tbody tr")).to_have_count(1)
        expect(page.locator("#item-list tbody tr")).to_contain_text("Brazil")
        page.go_back()
        outcome.get_by_role("link", name="1 not found").click()
        expect(page.locator("#item-list tbody tr")).to_contain_text("Qwzxv")
