"""The read side of imports: what the pages count and which film comes next."""

from datetime import date

import pytest
from django.utils import timezone

from imports import services
from imports.models import ImportItem, ImportSession
from imports.selectors import current_item, items_filtered, session_outcome
from tests.factories import make_item, make_ranking, make_session

pytestmark = pytest.mark.django_db

Status = ImportItem.Status


@pytest.fixture
def session(owner):
    """One film in every state a review can leave it in."""
    session = make_session(owner)
    now = timezone.now()
    make_item(session, title="Sure and waiting", confidence=0.95)
    make_item(session, title="Likely and waiting", confidence=0.7)
    make_item(session, title="Unsure and waiting", confidence=0.4)
    added = make_item(session, title="Added", status=Status.ADDED, handled_at=now)
    added.ranking = make_ranking(owner)
    added.save()
    make_item(session, title="Added then removed", status=Status.ADDED, handled_at=now)
    make_item(session, title="Skipped", status=Status.SKIPPED, handled_at=now)
    make_item(session, title="Set aside", status=Status.ALREADY_RANKED)
    make_item(session, title="Kept", status=Status.ALREADY_RANKED, handled_at=now)
    make_item(session, title="Not found", status=Status.UNMATCHED, candidates=[])
    make_item(
        session, title="Not found, skipped", status=Status.SKIPPED, handled_at=now, candidates=[]
    )
    make_item(session, title="Look-up failed", lookup=ImportItem.Lookup.FAILED, candidates=[])
    return session


def test_outcome_counts(session):
    outcome = session_outcome(session)
    assert outcome.total == 11
    assert outcome.set_aside == 1
    assert outcome.to_review == 10
    assert outcome.reviewed == 5  # added ×2, skipped ×2, kept
    assert (outcome.added, outcome.removed, outcome.skipped) == (1, 1, 1)
    assert outcome.already_ranked == 2
    assert outcome.not_found == 2
    assert outcome.not_looked_up == 1
    # Every film is matched, to check, not found, already ranked or not looked up.
    assert outcome.matched + outcome.to_check == 6
    assert outcome.to_check == 2
    parts = [outcome.matched, outcome.to_check, outcome.not_found, outcome.already_ranked]
    assert sum(parts) + outcome.not_looked_up == outcome.total


@pytest.mark.parametrize("key", ["matched", "to_check", "not_found", "already_ranked"])
def test_the_lists_hold_what_the_outcome_counts(session, key):
    assert items_filtered(session, key).count() == getattr(session_outcome(session), key)


def test_the_counter_numbers_only_films_that_await_the_person(session):
    outcome = session_outcome(session)
    waiting = session.items.get(title="Likely and waiting")
    handled = session.items.get(title="Added")
    assert outcome.counter(waiting).number == 6
    assert outcome.counter(handled).number is None
    assert outcome.counter(None).reviewed == 5


def test_an_empty_import(owner):
    outcome = session_outcome(make_session(owner))
    assert (outcome.total, outcome.to_review, outcome.counter(None).number) == (0, 0, None)


def test_the_counter_never_passes_the_total(owner):
    session = make_session(owner)
    item = make_item(session, watched_on=[], last_watched_on=date(2024, 1, 1))
    assert session_outcome(session).counter(item).number == 1


def test_films_we_could_not_find_come_after_the_matched_ones(owner):
    session = make_session(owner, status=ImportSession.Status.MATCHING)
    lost = make_item(session, title="Lost", status=Status.UNMATCHED, candidates=[])
    found = make_item(session, title="Found")
    assert current_item(session) == found
    services.item_skip(item=found)
    session.refresh_from_db()
    assert current_item(session) is None  # still matching: more films may be found
    session.status = ImportSession.Status.READY
    assert current_item(session) == lost


def test_the_import_completes_only_when_the_films_we_could_not_find_are_done(owner):
    session = make_session(owner)
    lost = make_item(session, title="Lost", status=Status.UNMATCHED, candidates=[])
    found = make_item(session, title="Found")
    services.item_add(item=found, rating=3)
    session.refresh_from_db()
    assert session.status == ImportSession.Status.READY
    services.item_skip(item=lost)
    session.refresh_from_db()
    assert session.status == ImportSession.Status.COMPLETED


def test_the_time_left_counts_down_between_counts_and_never_jumps_up(owner, monkeypatch):
    from datetime import timedelta

    from imports import selectors

    start = timezone.now()
    session = make_session(
        owner,
        status=ImportSession.Status.MATCHING,
        matched_count=100,
        match_started_at=start,
        heartbeat_at=start + timedelta(seconds=10),  # 100 looked up in 10 s
    )
    ImportSession.objects.filter(pk=session.pk).update(movies_found=1000)
    session.refresh_from_db()
    estimates = []
    for seconds in (10, 11, 12, 15, 20):
        monkeypatch.setattr(
            selectors.timezone, "now", lambda s=seconds: start + timedelta(seconds=s)
        )
        estimates.append(selectors.matching_progress(session).seconds_left)
    assert estimates == [90, 89, 88, 85, 80]
    monkeypatch.setattr(selectors.timezone, "now", lambda: start + timedelta(seconds=500))
    assert selectors.matching_progress(session).seconds_left == 0
