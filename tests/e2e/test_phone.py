"""On a phone (390 × 844, touch): the first card's essentials without scrolling, a one-line
header, tables as stacked rows, and no key hints."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from tests.e2e.support import PHONE, open_page
from tests.factories import make_item, make_session, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TOUCH = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture
def person(db):
    return make_user("thumb")


@pytest.fixture
def session(person):
    session = make_session(person, file_name="PrimeVideo.ViewingHistory.csv")
    make_item(session, title="The Lord of the Rings: The Fellowship of the Ring", tmdb_id=120)
    make_item(session, title="Alien", tmdb_id=348)
    return session


def in_view(page: Page, locator: Locator) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"] + 0.5, box


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_first_card_fits_a_phone_without_scrolling(browser, live_server, person, session):
    with open_page(browser, live_server, person, **TOUCH) as page:
        page.goto(live_server.url + reverse("imports:review", args=[session.pk]))
        page.wait_for_load_state("networkidle")
        assert page.evaluate("matchMedia('(hover: none)').matches")
        assert page.evaluate("window.scrollY") == 0
        header = page.locator(".site-header").bounding_box()
        assert header["height"] <= 64  # one line
        in_view(page, page.locator(".movie-card .poster img"))
        in_view(page, page.locator("#card-title"))
        in_view(page, page.locator("#card-title .year"))
        for stars in range(1, 6):
            in_view(page, page.get_by_role("button", name=f"Add with {stars} star"))
        in_view(page, page.get_by_role("button", name="Skip"))
        for button in page.locator(".action-bar button:visible").all():
            box = button.bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44, box
        # Touch screens have no keys to hint at.
        expect(page.locator("kbd:visible")).to_have_count(0)
        expect(page.locator(".keys")).to_be_hidden()
        no_sideways_scroll(page)
        # The menu opens from the one-line header.
        page.get_by_text("Menu").click()
        expect(page.get_by_role("link", name="My rankings")).to_be_visible()


def test_tables_become_stacked_rows_on_a_phone(browser, live_server, person, session):
    with open_page(browser, live_server, person, **TOUCH) as page:
        page.goto(live_server.url + reverse("imports:list"))
        row = page.locator("table.data tbody tr").first
        in_view(page, row.get_by_text("PrimeVideo.ViewingHistory.csv"))
        in_view(page, row.locator(".status"))
        in_view(page, row.get_by_role("link", name="Resume"))
        no_sideways_scroll(page)

        page.goto(live_server.url + reverse("imports:items", args=[session.pk]))
        row = page.locator("#item-list tbody tr").first
        in_view(page, row.get_by_role("link", name="The Lord of the Rings"))
        in_view(page, row.locator(".status"))
        no_sideways_scroll(page)
