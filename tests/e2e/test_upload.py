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
        expect(page.get_by_text("What we read")).to_be_visible()
        first = ImportSession.objects.get(owner=person)

        upload(page, live_server, history)  # the same file: the same import
        expect(page.get_by_text("You uploaded this file on")).to_be_visible()
        assert ImportSession.objects.filter(owner=person).count() == 1

        services.session_expire_now(session=first)  # an admin expired it, or 30 days passed
        upload(page, live_server, history)
        expect(page.get_by_text("What we read")).to_be_visible()
        expect(page.get_by_text("You uploaded this file on")).to_have_count(0)
        fresh = ImportSession.objects.filter(owner=person).exclude(pk=first.pk).get()
        assert str(fresh.pk) in page.url
        assert fresh.items.count() == 2


# --- 16. The upload page ----------------------------------------------------------------------

DROP = """([zone, name, text]) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([text], name, {type: "text/csv"}));
  for (const type of ["dragenter", "dragover", "drop"]) {
    const init = {bubbles: true, cancelable: true, dataTransfer: transfer};
    zone.dispatchEvent(new DragEvent(type, init));
  }
}"""


def test_a_history_can_be_dropped_and_the_time_zone_is_the_browsers(browser, live_server, person):
    with open_page(browser, live_server, person, timezone_id="Asia/Tokyo") as page:
        response = page.goto(live_server.url + reverse("imports:upload"))
        assert len(response.body()) < 15_000
        zone = page.get_by_label("Your time zone")
        expect(zone).to_have_value("Tokyo")
        names = zone.evaluate(
            "select => Array.from(select.options)"
            ".map(o => (o.parentNode.label || '') + '/' + o.value)"
        )
        assert 350 <= len(names) <= 450
        assert "Europe/Kyiv" in names and "Asia/Kolkata" in names
        assert not any(
            name.endswith(("/US/Eastern", "/Calcutta", "/Kiev", "GMT+5")) for name in names
        )

        drop_zone = page.locator("[data-drop-zone]")
        page.evaluate(DROP, [drop_zone.element_handle(), "PrimeVideoWatchHistory.csv", HISTORY])
        expect(drop_zone).to_contain_text("PrimeVideoWatchHistory.csv")
        page.get_by_role("button", name="Read my history").click()
        expect(page.get_by_text("What we read")).to_be_visible()
        session = ImportSession.objects.get(owner=person)
        assert session.items.count() == 2


def test_without_javascript_a_plain_file_input_and_the_sites_time_zone(
    browser, live_server, person, history
):
    with open_page(
        browser, live_server, person, java_script_enabled=False, timezone_id="Asia/Tokyo"
    ) as page:
        page.goto(live_server.url + reverse("imports:upload"))
        expect(page.get_by_label("Your time zone")).to_have_value("UTC")
        page.get_by_label("Your time zone").select_option(label="Berlin")
        upload_field = page.get_by_label("Your Prime Video history")
        expect(upload_field).to_be_visible()
        upload_field.set_input_files(history)
        page.get_by_role("button", name="Read my history").click()
        expect(page.get_by_text("What we read")).to_be_visible()
        assert ImportSession.objects.filter(owner=person).count() == 1
