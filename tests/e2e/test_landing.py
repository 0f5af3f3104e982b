"""What a visitor who is not signed in sees: the landing page, and after signing out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.support import PHONE, open_page
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_visitors_land_on_what_the_site_does(browser, live_server):
    for options in [{}, {"viewport": PHONE, "is_mobile": True}]:
        with open_page(browser, live_server, **options) as page:
            page.goto(live_server.url + "/")
            expect(page.get_by_role("heading", level=1)).to_contain_text("Rank the films")
            page.wait_for_load_state("networkidle")
            posters = page.locator(".poster-strip img")
            assert posters.count() >= 6
            for index in range(posters.count()):
                src = posters.nth(index).get_attribute("src")
                assert src.startswith("/posters/"), src
                assert posters.nth(index).evaluate("image => image.naturalWidth > 0")
            expect(page.get_by_role("link", name="Import your Prime Video history")).to_be_visible()
            expect(page.get_by_role("link", name="Create an account")).to_be_visible()
            assert (
                page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
            )
            assert page.problems == []


def test_signing_out_says_so_on_the_landing_page(browser, live_server):
    make_user("leaving")
    with open_page(browser, live_server) as page:
        page.goto(live_server.url + "/")
        page.get_by_role("link", name="Import your Prime Video history").click()
        page.get_by_label("Username").fill("leaving")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Import from Prime Video")).to_be_visible()
        page.get_by_role("button", name="Sign out").first.click()
        expect(page.get_by_text("You are signed out.")).to_be_visible()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Rank the films")
        page.reload()
        expect(page.get_by_text("You are signed out.")).to_have_count(0)
