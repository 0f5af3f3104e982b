"""Every film has a picture: TMDB's poster, or one we draw. Nothing from users' files."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from imports.models import ImportItem
from tests.e2e.support import open_page
from tests.factories import make_item, make_movie, make_ranking, make_session, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AMAZON_ART = "https://m.media-amazon.com/images/S/heat.jpg"


@pytest.fixture
def person(db):
    return make_user("poster-fan")


def images(page: Page) -> list[dict]:
    return page.evaluate(
        """() => Array.from(document.images).map(image => ({
            src: image.currentSrc || image.src, loaded: image.complete && image.naturalWidth > 0,
            visible: image.getClientRects().length > 0}))"""
    )


def assert_generated_posters(page: Page, live_server, expected: int) -> None:
    for image in page.locator('img[src*="/posters/"]').all():
        image.scroll_into_view_if_needed()  # lists load their posters lazily
    page.wait_for_function(
        "Array.from(document.images).every(image => image.complete)", timeout=5000
    )
    shown = [image for image in images(page) if "/posters/" in image["src"]]
    assert len(shown) >= expected, images(page)
    for image in shown:
        assert image["src"].startswith(live_server.url + "/posters/"), image
        assert image["loaded"], image
    assert not any("amazon" in image["src"] for image in images(page))
    assert not any("placeholder" in image["src"] for image in images(page))


def test_films_without_a_tmdb_poster_get_one_we_draw_everywhere(browser, live_server, person):
    session = make_session(person)
    make_item(session, title="Heat", tmdb_id=949, amazon_image_url=AMAZON_ART)
    ImportItem.objects.filter(session=session).update(amazon_image_url=AMAZON_ART)
    make_ranking(person, make_movie("Brazil", tmdb_id=68))
    with open_page(browser, live_server, person) as page:
        page.goto(live_server.url + reverse("imports:review", args=[session.pk]))
        expect(page.locator("#card-title")).to_contain_text("Heat")
        card_poster = page.locator(".movie-card .poster img")
        expect(card_poster).to_have_attribute("alt", "Poster of Heat")
        assert_generated_posters(page, live_server, 1)

        # Alternatives and search results.
        page.get_by_role("link", name="Not this movie").click()
        expect(page.locator("#choices .choice")).to_have_count(1)
        page.get_by_label("Search TMDB").fill("Godfather")
        expect(page.locator("#search-results .choice").first).to_be_visible()
        assert_generated_posters(page, live_server, 3)

        # The drawing: same origin, SVG, cached for good, the film's own title.
        src = card_poster.get_attribute("src")
        response = page.request.get(live_server.url + src)
        assert response.ok
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert "immutable" in response.headers["cache-control"]
        assert "max-age=31536000" in response.headers["cache-control"]
        assert ">Heat<" in response.text()
        # A poster whose words were changed on the way is not drawn.
        forged = src.replace("title=Heat", "title=Buy+now")
        assert page.request.get(live_server.url + forged).status == 404

        page.goto(live_server.url + reverse("rankings:list"))
        expect(page.locator(".ranking")).to_have_count(1)
        assert_generated_posters(page, live_server, 1)
