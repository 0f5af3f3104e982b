import threading

import pytest
from django.db import connection

from movieranking.models import Throttle
from movieranking.throttle import Rule, Throttled, throttle_check, throttle_hit, throttle_prune

pytestmark = pytest.mark.django_db

RULE = Rule("search", limit=3, window=60)
NOW = 1_800_000_030.0  # 30 s into a minute


def test_the_limit_passes_then_the_next_attempt_is_refused_until_the_window_ends():
    assert [throttle_hit(RULE, key="u1", now=NOW).allowed for _ in range(3)] == [True] * 3
    refused = throttle_hit(RULE, key="u1", now=NOW + 5)
    assert not refused.allowed
    assert refused.retry_after == 25  # the window began at :00 and ends at :60

    assert throttle_hit(RULE, key="u1", now=NOW + 30).allowed  # a new window


def test_refused_attempts_do_not_count_against_the_next_window():
    for _ in range(10):
        throttle_hit(RULE, key="u1", now=NOW)
    assert [throttle_hit(RULE, key="u1", now=NOW + 30).allowed for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]


def test_each_key_and_each_scope_has_its_own_count():
    other_scope = Rule("upload", limit=3, window=60)
    for _ in range(3):
        throttle_hit(RULE, key="u1", now=NOW)
    assert not throttle_hit(RULE, key="u1", now=NOW).allowed
    assert throttle_hit(RULE, key="u2", now=NOW).allowed
    assert throttle_hit(other_scope, key="u1", now=NOW).allowed


def test_a_very_long_key_is_stored_hashed_and_still_counted():
    key = "ip:" + "9" * 500
    for _ in range(3):
        assert throttle_hit(RULE, key=key, now=NOW).allowed
    assert not throttle_hit(RULE, key=key, now=NOW).allowed
    assert all(len(row.key) <= 200 for row in Throttle.objects.all())


def test_throttle_check_raises_with_the_message_and_the_wait():
    for _ in range(3):
        throttle_check(RULE, key="u1", message="Wait {seconds} s.")
    with pytest.raises(Throttled) as refused:
        throttle_check(RULE, key="u1", message="Wait {seconds} s.")
    assert 1 <= refused.value.retry_after <= 60
    assert str(refused.value) == f"Wait {refused.value.retry_after} s."


def test_old_counts_are_pruned():
    throttle_hit(RULE, key="old", now=NOW - 2 * 86400)
    throttle_hit(RULE, key="new", now=NOW)
    assert throttle_prune(now=NOW) == 1
    assert list(Throttle.objects.values_list("key", flat=True)) == ["search:new"]


def test_a_rule_needs_a_limit_and_a_window():
    with pytest.raises(ValueError):
        Rule("x", limit=0, window=60)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_many_requests_at_once_never_get_more_than_the_limit():
    rule = Rule("burst", limit=20, window=3600)
    allowed, start = [], threading.Barrier(8)

    def hammer() -> None:
        start.wait()
        try:
            for _ in range(10):
                allowed.append(throttle_hit(rule, key="u1").allowed)
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 80
    assert allowed.count(True) == 20
