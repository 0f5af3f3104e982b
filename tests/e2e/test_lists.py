"""The lists around the review in a real browser: an import's films, and the rankings."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from imports.models import ImportItem
from tests.e2e.support import open_page
from tests.factories import make_item, make_session, make_user

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
