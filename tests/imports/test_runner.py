from datetime import timedelta

import pytest
from django.utils import timezone

from imports import runner, selectors, services
from imports.models import ImportItem, ImportSession, TMDBLookup
from imports.tmdb import TMDBAuthError, TMDBUnavailable
from tests.factories import make_movie, make_ranking
from tests.fakes import FakeTMDB
from tests.fixtures.histories import HISTORY

pytestmark = pytest.mark.django_db


def upload(owner, data=HISTORY, name="history.csv"):
    return services.session_create_from_upload(
        owner=owner, file_name=name, data=data, enqueue=False
    ).session


def items_by_title(session):
    return {item.title: item for item in session.items.all()}


def test_every_item_ends_matched_with_a_reason(owner):
    session = upload(owner)
    assert runner.session_match(session_id=session.pk, client=FakeTMDB(), threads=3)
    session.refresh_from_db()
    assert session.status == ImportSession.Status.READY
    assert (session.matched_count, session.failed_count) == (5, 0)
    items = items_by_title(session)
    assert items["Heat"].match_tmdb_id == 949
    assert items["Heat"].confidence >= 0.85
    assert "exact title" in items["Heat"].reason
    assert items["Anatomie eines Falls"].match_tmdb_id == 915935
    assert items["Qwzxv Nonexistent"].status == ImportItem.Status.UNMATCHED
    assert items["Qwzxv Nonexistent"].match_tmdb_id is None


def test_films_already_ranked_are_set_aside(owner):
    make_ranking(owner, make_movie("Heat", tmdb_id=949), rating=5)
    session = upload(owner)
    runner.session_match(session_id=session.pk, client=FakeTMDB())
    session.refresh_from_db()
    assert items_by_title(session)["Heat"].status == ImportItem.Status.ALREADY_RANKED
    assert session.already_ranked == 1


def test_matching_keeps_the_review_counts_on_the_import(owner):
    make_ranking(owner, make_movie("Heat", tmdb_id=949), rating=5)
    session = upload(owner)
    runner.session_match(session_id=session.pk, client=FakeTMDB())
    session.refresh_from_db()
    counts = selectors.session_counts(session)
    assert (counts["total"], counts["already_ranked"], counts["unmatched"]) == (5, 1, 1)
    assert (counts["pending"], counts["reviewed"], counts["not_looked_up"]) == (3, 1, 0)


def test_bad_credentials_stop_at_the_first_request(owner):
    session = upload(owner)
    client = FakeTMDB(fail_with=TMDBAuthError("Invalid API key"))
    runner.session_match(session_id=session.pk, client=client, threads=1)
    session.refresh_from_db()
    assert session.problem == ImportSession.Problem.AUTH
    assert client.request_count <= 2
    # Nothing is lost: every item still waits to be looked up.
    assert session.items.filter(lookup=ImportItem.Lookup.WAITING).count() >= 4


def test_failed_look_ups_are_kept_and_a_retry_finishes_the_job(
    owner, django_capture_on_commit_callbacks
):
    session = upload(owner)
    flaky = FakeTMDB(fail_with=TMDBUnavailable("TMDB timed out"), fail_times=3)
    runner.session_match(session_id=session.pk, client=flaky, threads=1)
    session.refresh_from_db()
    assert session.failed_count >= 1
    assert session.items.filter(lookup=ImportItem.Lookup.FAILED).exists()
    failed = session.items.get(lookup=ImportItem.Lookup.FAILED, position=1)
    assert "timed out" in failed.lookup_error

    with django_capture_on_commit_callbacks() as callbacks:
        assert services.session_retry_matching(session=session) >= 1
    assert len(callbacks) == 1  # one background job enqueued
    runner.session_match(session_id=session.pk, client=FakeTMDB())
    session.refresh_from_db()
    assert (session.matched_count, session.failed_count) == (5, 0)


def test_a_second_run_skips_finished_items(owner):
    session = upload(owner)
    runner.session_match(session_id=session.pk, client=FakeTMDB())
    ImportSession.objects.filter(pk=session.pk).update(status=ImportSession.Status.MATCHING)
    again = FakeTMDB()
    runner.session_match(session_id=session.pk, client=again)
    assert again.request_count == 0


def test_a_second_import_of_the_same_titles_is_answered_from_the_cache(owner, stranger):
    first = FakeTMDB()
    runner.session_match(session_id=upload(owner).pk, client=first)
    assert first.request_count > 0
    assert TMDBLookup.objects.exists()
    second = FakeTMDB()
    runner.session_match(session_id=upload(stranger).pk, client=second)
    assert second.request_count == 0


def test_a_session_is_matched_by_one_run_at_a_time(owner):
    session = upload(owner)
    ImportSession.objects.filter(pk=session.pk).update(
        runner="someone-else", heartbeat_at=timezone.now()
    )
    client = FakeTMDB()
    assert not runner.session_match(session_id=session.pk, client=client)
    assert client.request_count == 0


def test_stale_sessions_are_requeued(owner, settings, django_capture_on_commit_callbacks):
    session = upload(owner)
    long_ago = timezone.now() - timedelta(seconds=settings.IMPORT_STALE_AFTER_SECONDS + 5)
    ImportSession.objects.filter(pk=session.pk).update(runner="dead", heartbeat_at=long_ago)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.sessions_requeue_stale() == 1
    assert len(callbacks) == 1
    session.refresh_from_db()
    assert session.runner == ""
    assert runner.session_match(session_id=session.pk, client=FakeTMDB())


def test_cancelled_session_is_not_matched(owner):
    session = upload(owner)
    services.session_cancel(session=session)
    client = FakeTMDB()
    assert not runner.session_match(session_id=session.pk, client=client)
    assert client.request_count == 0
