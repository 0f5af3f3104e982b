"""The visual system, checked in the browser on every kind of page: one type scale, buttons
(not underlined links) for actions, 44 px targets, centred labels, a visible focus ring,
readable colours in the light and the dark theme, and no inline styles or scripts."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from imports.models import ImportItem
from tests.e2e.support import PHONE, open_page
from tests.factories import make_item, make_movie, make_ranking, make_session, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TYPE_SCALE = {14, 16, 20, 28, 36}

HERE = Path(__file__).parent
AUDIT = (HERE / "look_audit.js").read_text()

CONTRAST = (HERE / "look_contrast.js").read_text()


@pytest.fixture
def person(db):
    return make_user("looker")


@pytest.fixture
def pages(person, live_server):
    session = make_session(person)
    make_item(session, title="Heat", tmdb_id=949)
    make_item(session, title="Alien", tmdb_id=348, confidence=0.7)
    make_item(session, title="Brazil", tmdb_id=68, confidence=0.4)
    make_item(session, title="Qwzxv", status=ImportItem.Status.UNMATCHED, candidates=[])
    make_ranking(person, make_movie("The Abyss"))
    make_ranking(person, make_movie("Casablanca"))
    s, base = [session.pk], live_server.url
    return {
        "review": base + reverse("imports:review", args=s),
        "likely": base + reverse("imports:item", args=[session.pk, 2]),
        "unsure": base + reverse("imports:item", args=[session.pk, 3]),
        "not found": base + reverse("imports:item", args=[session.pk, 4]),
        "alternatives": base + reverse("imports:alternatives", args=[session.pk, 1]),
        "import": base + reverse("imports:session", args=s),
        "items": base + reverse("imports:items", args=s),
        "summary": base + reverse("imports:summary", args=s),
        "imports": base + reverse("imports:list"),
        "upload": base + reverse("imports:upload"),
        "rankings": base + reverse("rankings:list") + "?sort=title",
        "cancel": base + reverse("imports:cancel", args=s),
    }


def audit(page: Page, url: str) -> dict:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.evaluate(AUDIT)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_every_page_follows_the_visual_system(browser, live_server, person, pages, viewport):
    options = (
        {"viewport": PHONE, "is_mobile": True, "has_touch": True} if viewport == "phone" else {}
    )
    with open_page(browser, live_server, person, **options) as page:
        for name, url in pages.items():
            found = audit(page, url)
            assert found["problems"] == [], name
            assert set(found["sizes"]) <= TYPE_SCALE, (name, found["sizes"])
        assert page.problems == []
    with open_page(browser, live_server, **options) as page:
        for url in [live_server.url + "/", live_server.url + reverse("login")]:
            found = audit(page, url)
            assert found["problems"] == [], url
            assert set(found["sizes"]) <= TYPE_SCALE, (url, found["sizes"])


def test_the_focus_ring_is_visible(browser, live_server, person, pages):
    with open_page(browser, live_server, person) as page:
        page.goto(pages["review"])
        page.keyboard.press("Tab")
        for _ in range(12):
            page.keyboard.press("Tab")
            ring = page.evaluate(
                """() => { const s = getComputedStyle(document.activeElement);
                   return [document.activeElement.tagName, s.outlineStyle,
                           parseFloat(s.outlineWidth)]; }"""
            )
            if ring[0] in {"A", "BUTTON", "INPUT", "SELECT"}:
                assert ring[1] != "none" and ring[2] >= 2, ring


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_both_themes_keep_text_readable(browser, live_server, person, pages, scheme, artifacts):
    with open_page(browser, live_server, person, color_scheme=scheme) as page:
        page.goto(pages["review"])
        found = page.evaluate(CONTRAST)
        assert found["low"] == []
        assert (found["background"] < 0.05) == (scheme == "dark")
        page.screenshot(path=artifacts / f"card-sure-desktop-{scheme}.png")
        page.goto(pages["rankings"])
        page.screenshot(path=artifacts / f"rankings-desktop-{scheme}.png", full_page=True)
