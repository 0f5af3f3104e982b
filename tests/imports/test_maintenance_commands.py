from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from imports.models import ImportSession, TMDBLookup
from movieranking.models import Ranking
from tests.factories import make_item, make_ranking, make_session

pytestmark = pytest.mark.django_db


def test_prune_imports_deletes_expired_imports_and_old_lookups(owner, capsys):
    expired = make_session(owner, expires_at=timezone.now() - timedelta(days=1))
    make_item(expired)
    make_ranking(owner)
    kept = make_session(owner)
    TMDBLookup.objects.create(
        kind="search", key="old|", payload=[], fetched_at=timezone.now() - timedelta(days=200)
    )
    TMDBLookup.objects.create(kind="search", key="new|", payload=[])
    call_command("prune_imports")
    assert list(ImportSession.objects.all()) == [kept]
    assert list(TMDBLookup.objects.values_list("key", flat=True)) == ["new|"]
    assert Ranking.objects.count() == 1
    assert "Deleted 1 expired import(s) and 1 old look-up(s)." in capsys.readouterr().out


def test_requeue_stale_imports_hands_dead_runs_to_a_new_job(
    owner, settings, capsys, django_capture_on_commit_callbacks
):
    stale = timezone.now() - timedelta(seconds=settings.IMPORT_STALE_AFTER_SECONDS + 1)
    dead = make_session(owner, status="matching", runner="dead", heartbeat_at=stale)
    alive = make_session(owner, status="matching", runner="alive", heartbeat_at=timezone.now())
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("requeue_stale_imports")
    assert len(callbacks) == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.runner, alive.runner) == ("", "alive")
    assert "Re-queued 1 stalled import(s)." in capsys.readouterr().out
