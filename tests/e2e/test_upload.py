"""Bringing a history in, in a real browser."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from imports import services
from imports.models import ImportSession
from tests.e2e.support import open_page
from tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HISTORY = """Date Watched,Type,Title,Episode
2024-05-10,Movie,"The Big Lebowski",""
2024-05-09,Movie,"Spirited Away",""
2024-05-05,Series,"Fallout - Season 1","Episode 2: The Target"
"""


@pytest.fixture
def person(db):
    return make_user("uploader")


@pytest.fixture
def history(tmp_path):
    path = tmp_path / "PrimeVideoWatchHistory.csv"
    path.write_text(HISTORY, encoding="utf-8")
    return path


def upload(page: Page, live_server, history) -> None:
    page.goto(live_server.url + reverse("imports:upload"))
    page.get_by_label("Your Prime Video history").set_input_files(history)
    page.get_by_role("button", name="Read my history").click()


# --- 7. An expired import does not stand in the way ------------------------------------------


def test_uploading_again_after_the_import_expired_starts_afresh(
    browser, live_server, person, history
):
    with open_page(browser, live_server, person) as page:
        upload(page, live_server, history)
        expect(page.get_by_role("heading", name="What we read")).to_be_visible()
        first = ImportSession.objects.get(owner=person)

        upload(page, live_server, history)  # the same file: the same import
        expect(page.get_by_text("You uploaded this file on")).to_be_visible()
        assert ImportSession.objects.filter(owner=person).count() == 1

        services.session_expire_now(session=first)  # an admin expired it, or 30 days passed
        upload(page, live_server, history)
        expect(page.get_by_role("heading", name="What we read")).to_be_visible()
        expect(page.get_by_text("You uploaded this file on")).to_have_count(0)
        fresh = ImportSession.objects.filter(owner=person).exclude(pk=first.pk).get()
        assert str(fresh.pk) in page.url
        assert fresh.items.count() == 2
