"""Files that do not say which rows are films (Amazon's Watch Events): a short entry that
matches no film is set aside as a probable episode — listed, counted, one click from the
review — instead of being offered as a film we could not find."""

import json
from datetime import date

import pytest
from django.urls import reverse

from imports import runner, selectors, services
from imports.matching import MatchResult, probably_not_a_film
from imports.models import ImportItem
from tests.commands import run
from tests.fakes import FakeTMDB, film
from tests.http import HTMX

pytestmark = pytest.mark.django_db

WATCH_EVENTS = (
    "\ufeff"
    '"Deleted from Watch History","Latest Watch Progress","Most Recent Watch Date",'
    '"Seconds Watched","Title Description","Title Name"\n'
    # An episode: its own title only, 44 minutes, nothing on TMDB is called that.
    'no,"Not Available",2026-03-14T22:05:00Z,2640,"Clarkson fixes a fence.",Updating\n'
    # A film TMDB does not know, watched in full: offered as not found, as before.
    'no,"Not Available",2026-03-12T20:00:00Z,6300,"A quiet drama.",Qwzxv Nonexistent\n'
    # A film half watched: short, but it matches a film, so it is offered.
    'no,"Not Available",2026-03-10T20:00:00Z,1800,"A heist.",Heat\n'
    'no,"Not Available",2026-03-08T20:00:00Z,7000,"Space.",Alien\n'
).encode()
EXPORTER = (
    b"Date Watched,Type,Title,Episode\n"
    b'2026-03-14,Movie,"Updating",""\n'  # the type column says film: never set aside
)


def match_file(owner, data: bytes, name="Watch Events.csv"):
    session = services.session_create_from_upload(
        owner=owner, file_name=name, data=data, enqueue=False
    ).session
    runner.session_match(session_id=session.pk, client=FakeTMDB(), threads=2)
    session.refresh_from_db()
    return session, {item.title: item for item in session.items.all()}


def result(confidence: float) -> MatchResult:
    best = film(1, "Something", "2000-01-01") if confidence else None
    return MatchResult(best, (), confidence, "", ())


@pytest.mark.parametrize(
    ("seconds", "confidence", "set_aside"),
    [
        (44 * 60, 0.0, True),
        (44 * 60, 0.4, True),
        (44 * 60, 0.6, False),  # a plausible film: offered
        (69 * 60, 0.0, True),
        (70 * 60, 0.0, False),  # feature length: a film TMDB does not know
        (None, 0.0, False),  # no play time in the file: nothing to go on
    ],
)
def test_short_and_unmatched_means_probably_not_a_film(seconds, confidence, set_aside):
    assert probably_not_a_film(result(confidence), seconds_watched=seconds) is set_aside


def test_short_unmatched_entry_of_a_file_without_types_is_set_aside(owner):
    session, items = match_file(owner, WATCH_EVENTS)
    assert not session.file_has_types
    assert items["Updating"].status == ImportItem.Status.SET_ASIDE
    assert items["Updating"].seconds_watched == 2640
    assert items["Qwzxv Nonexistent"].status == ImportItem.Status.UNMATCHED
    assert items["Heat"].status == ImportItem.Status.PENDING
    assert items["Alien"].status == ImportItem.Status.PENDING


def test_a_file_with_a_type_column_sets_nothing_aside(owner):
    session, items = match_file(owner, EXPORTER, name="history.csv")
    assert session.file_has_types
    assert items["Updating"].status == ImportItem.Status.UNMATCHED


def test_set_aside_entries_never_reach_the_review(owner, owner_client):
    session, _ = match_file(owner, WATCH_EVENTS)
    seen = []
    for _ in range(5):
        html = owner_client.get(reverse("imports:review", args=[session.pk])).content.decode()
        if "Updating" in html:
            seen.append(html)
        item = session.items.filter(status=ImportItem.Status.PENDING).first()
        if item is None:
            break
        services.item_skip(item=item)
    assert not seen


def test_set_aside_entries_are_counted_apart_not_as_films_to_review_or_not_found(owner):
    session, items = match_file(owner, WATCH_EVENTS)
    outcome = selectors.session_outcome(session)
    assert (outcome.total, outcome.to_review) == (4, 3)  # Updating is not one of the films
    assert outcome.not_found == 1  # Qwzxv Nonexistent only
    assert ("set_aside", "set aside", 1) in outcome.links
    assert outcome.counter(items["Heat"]).total == 3


def test_item_list_has_a_set_aside_tab_and_one_click_brings_an_entry_back(owner, owner_client):
    session, items = match_file(owner, WATCH_EVENTS)
    listing = reverse("imports:items", args=[session.pk])
    html = owner_client.get(listing, {"show": "set_aside"}, **HTMX).content.decode()
    assert "Updating" in html and "Heat" not in html and "Alien" not in html
    assert "Bring back to review" in html
    full = owner_client.get(listing).content.decode()
    assert "?show=set_aside" in full and "Set aside" in full

    position = items["Updating"].position
    response = owner_client.post(reverse("imports:reopen", args=[session.pk, position]))
    assert response.status_code == 302
    item = ImportItem.objects.get(pk=items["Updating"].pk)
    assert item.status == ImportItem.Status.UNMATCHED  # back in the review, as not found
    html = owner_client.get(listing, {"show": "set_aside"}, **HTMX).content.decode()
    assert "Updating" not in html


def test_someone_elses_set_aside_entry_cannot_be_brought_back(owner, stranger_client):
    session, items = match_file(owner, WATCH_EVENTS)
    position = items["Updating"].position
    response = stranger_client.post(reverse("imports:reopen", args=[session.pk, position]))
    assert response.status_code == 404
    assert ImportItem.objects.get(pk=items["Updating"].pk).status == ImportItem.Status.SET_ASIDE


def test_choosing_a_film_for_a_set_aside_entry_brings_it_back_matched(owner):
    _, items = match_file(owner, WATCH_EVENTS)
    heat = {"tmdb_id": 949, "title": "Heat", "year": 1995, "release_date": "1995-12-15"}
    item = services.item_choose_candidate(item=items["Updating"], tmdb_id=949, candidate=heat)
    assert item.status == ImportItem.Status.PENDING and item.match_tmdb_id == 949


def test_json_output_lists_set_aside_entries_with_their_status_and_reason(owner, tmp_path):
    path = tmp_path / "Watch Events.csv"
    path.write_bytes(WATCH_EVENTS)
    document = json.loads(run(path, "--user", "owner", "--json", client=FakeTMDB())[0])
    assert document["counts"]["set_aside"] == 1
    updating = next(item for item in document["items"] if item["title"] == "Updating")
    assert updating["status"] == "set_aside"
    assert updating["reason"].startswith("probably an episode or extra")
    assert "44 min" in updating["reason"]
    nonexistent = next(i for i in document["items"] if i["title"] == "Qwzxv Nonexistent")
    assert nonexistent["status"] == "unmatched"


def test_api_shows_set_aside_entries_with_their_status_reason_and_count(owner, owner_client):
    session, _ = match_file(owner, WATCH_EVENTS)
    body = owner_client.get(f"/api/v1/import/amazon-prime/session/{session.pk}/").json()
    assert body["set_aside_count"] == 1
    updating = next(m for m in body["movies"] if m["parsed"]["title"] == "Updating")
    assert updating["status"] == "set_aside"
    assert updating["reason"].startswith("probably an episode or extra")
    assert body["remaining_count"] == 3  # Heat, Alien and the film not found


def test_watch_dates_of_a_set_aside_entry_are_kept(owner):
    _, items = match_file(owner, WATCH_EVENTS)
    assert items["Updating"].watched_dates == [date(2026, 3, 14)]


def test_a_set_aside_entry_opens_with_a_way_back_to_the_review(owner, owner_client):
    session, items = match_file(owner, WATCH_EVENTS)
    position = items["Updating"].position
    response = owner_client.get(reverse("imports:item", args=[session.pk, position]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Updating" in html
    assert reverse("imports:reopen", args=[session.pk, position]) in html
