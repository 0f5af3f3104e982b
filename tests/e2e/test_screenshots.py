"""Every screen people spend time on, at desktop (1280 × 800) and phone (390 × 844) sizes,
saved to tests/e2e/artifacts/ to be looked at. Each must render without a browser error or a
sideways scroll."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from imports.models import ImportItem, ImportSession
from tests.e2e.support import DESKTOP, PHONE, open_page
from tests.factories import candidate, make_item, make_movie, make_ranking, make_session, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {
    "desktop": {"viewport": DESKTOP},
    "phone": {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
}


@pytest.fixture
def person(db):
    return make_user("cinephile")


@pytest.fixture
def screens(person, live_server):
    session = make_session(
        person, file_name="PrimeVideo.ViewingHistory.csv", rows_read=1284, episodes=1002
    )
    make_item(
        session,
        title="Die fabelhafte Welt der Amélie",
        confidence=0.97,
        reason="matches a translated title; released 2001",
        candidates=[
            candidate(
                194,
                "Amélie",
                2001,
                original_title="Le Fabuleux Destin d'Amélie Poulain",
                overview="At a tiny Parisian café, the adorable yet painfully shy Amélie "
                "accidentally discovers a gift for helping others. Soon she is on a mission.",
            )
        ],
    )
    make_item(
        session,
        title="Heat (4K UHD)",
        confidence=0.72,
        reason="similar title; released 1995",
        candidates=[
            candidate(
                949,
                "Heat",
                1995,
                overview="Obsessive master thief Neil McCauley leads "
                "a top-notch crew on various daring heists throughout Los Angeles.",
            ),
            candidate(
                2000949,
                "Heat",
                1986,
                overview="A Las Vegas bodyguard with a gambling "
                "problem is hired to teach a timid businessman how to defend himself.",
            ),
        ],
    )
    make_item(
        session,
        title="King Kong",
        confidence=0.45,
        reason="three films share this title",
        candidates=[
            candidate(
                254,
                "King Kong",
                2005,
                overview="In 1933 New York, an overly ambitious "
                "movie producer coerces his cast to travel to mysterious Skull Island.",
            ),
            candidate(
                244,
                "King Kong",
                1933,
                overview="Adventurers to a remote island find a "
                "giant gorilla and bring him back to New York.",
            ),
            candidate(
                10730,
                "King Kong",
                1976,
                overview="An oil company expedition disturbs "
                "the peace of a giant ape and brings him back to New York.",
            ),
        ],
    )
    make_item(session, title="Das Boot [dt./OV]", status=ImportItem.Status.UNMATCHED, candidates=[])
    make_item(session, title="Spirited Away", tmdb_id=129, status=ImportItem.Status.ALREADY_RANKED)
    ImportSession.objects.filter(pk=session.pk).update(movies_found=5, matched_count=5)
    ImportItem.objects.filter(session=session, title__startswith="Das Boot").update(
        search_title="Das Boot"
    )
    for title, rating, year in [
        ("The Godfather", 5, 1972),
        ("Amélie", 4, 2001),
        ("The Big Lebowski", 4, 1998),
        ("Paddington 2", 5, 2017),
        ("A Quiet Place", 3, 2018),
        ("Cats", 1, 2019),
    ]:
        movie = make_movie(title, release_date=date(year, 6, 1))
        make_ranking(person, movie, rating=rating)
    base, s = live_server.url, [session.pk]
    return {
        "card-sure": base + reverse("imports:item", args=[session.pk, 1]),
        "card-likely": base + reverse("imports:item", args=[session.pk, 2]),
        "card-unsure": base + reverse("imports:item", args=[session.pk, 3]),
        "not-found": base + reverse("imports:item", args=[session.pk, 4]),
        "rankings": base + reverse("rankings:list"),
        "import": base + reverse("imports:session", args=s),
        "upload": base + reverse("imports:upload"),
    }


@pytest.mark.parametrize("size", SIZES)
def test_screens(browser, live_server, person, screens, size, artifacts):
    with open_page(browser, live_server, person, **SIZES[size]) as page:
        for name, url in screens.items():
            page.goto(url)
            page.wait_for_load_state("networkidle")
            if name == "card-sure" and size == "phone":
                # The phone's first card: the essentials without scrolling.
                expect(page.get_by_role("button", name="Add with 5 stars")).to_be_in_viewport()
            page.screenshot(path=artifacts / f"{name}-{size}.png")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= SIZES[size]["viewport"]["width"], name
        assert page.problems == []
    with open_page(browser, live_server, **SIZES[size]) as page:
        page.goto(live_server.url + "/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=artifacts / f"landing-{size}.png")
        assert page.problems == []
