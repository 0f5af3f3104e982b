"""What the import pages decide from an import or an item: kept on the models, not in
templates."""

import pytest

from imports.models import ImportItem, ImportSession
from tests.factories import make_item, make_session

pytestmark = pytest.mark.django_db

Problem = ImportSession.Problem


@pytest.mark.parametrize(
    ("confidence", "band"), [(0.95, "sure"), (0.85, "sure"), (0.7, "likely"), (0.59, "unsure")]
)
def test_confidence_bands(owner, confidence, band):
    item = make_item(make_session(owner), confidence=confidence)
    assert item.confidence_band == band
    assert item.confidence_percent == round(confidence * 100)


def test_an_item_without_a_match_has_no_band(owner):
    item = make_item(make_session(owner), candidates=[], confidence=0.2)
    assert item.confidence_band == ""


@pytest.mark.parametrize(
    ("status", "lookup", "label"),
    [
        (ImportSession.Status.MATCHING, ImportItem.Lookup.WAITING, "looking up…"),
        (ImportSession.Status.READY, ImportItem.Lookup.WAITING, "not looked up yet"),
        (ImportSession.Status.READY, ImportItem.Lookup.FAILED, "look-up failed"),
        (ImportSession.Status.READY, ImportItem.Lookup.DONE, "not found"),
    ],
)
def test_lookup_labels(owner, status, lookup, label):
    item = make_item(make_session(owner, status=status), candidates=[], lookup=lookup)
    assert item.lookup_label == label


@pytest.mark.parametrize(
    ("status", "reopen", "awaits"),
    [
        (ImportItem.Status.PENDING, False, True),
        (ImportItem.Status.UNMATCHED, False, True),
        (ImportItem.Status.SKIPPED, True, False),
        (ImportItem.Status.ALREADY_RANKED, True, False),
        (ImportItem.Status.ADDED, False, False),
    ],
)
def test_what_can_be_done_with_an_item(owner, status, reopen, awaits):
    item = make_item(make_session(owner), status=status)
    assert (item.can_reopen, item.awaits_review) == (reopen, awaits)


@pytest.mark.parametrize(
    ("problem", "headline", "cause"),
    [
        (Problem.AUTH, "TMDB refused our credentials.", "because TMDB refused our credentials"),
        (Problem.RATE_LIMITED, "TMDB is limiting", "because TMDB was not answering"),
        (Problem.UNAVAILABLE, "TMDB is not answering.", "because TMDB was not answering"),
        (Problem.ERROR, "unexpected error", "because TMDB was not answering"),
        (Problem.NONE, "", ""),
    ],
)
def test_problems_become_messages(owner, problem, headline, cause):
    session = make_session(owner, problem=problem)
    assert headline in session.problem_headline
    assert bool(session.problem_advice) == bool(problem)
    assert session.problem_cause == cause


@pytest.mark.parametrize(
    ("status", "problem", "failed", "can_retry"),
    [
        (ImportSession.Status.MATCHING, Problem.UNAVAILABLE, 3, False),
        (ImportSession.Status.READY, Problem.NONE, 0, False),
        (ImportSession.Status.READY, Problem.NONE, 2, True),
        (ImportSession.Status.READY, Problem.AUTH, 0, True),
        (ImportSession.Status.COMPLETED, Problem.NONE, 2, False),
    ],
)
def test_can_retry(owner, status, problem, failed, can_retry):
    session = make_session(owner, status=status, problem=problem, failed_count=failed)
    assert session.can_retry is can_retry


@pytest.mark.parametrize(
    ("status", "is_open", "reviewable"),
    [
        (ImportSession.Status.MATCHING, True, True),
        (ImportSession.Status.READY, True, True),
        (ImportSession.Status.COMPLETED, False, True),
        (ImportSession.Status.CANCELLED, False, False),
        (ImportSession.Status.FAILED, False, False),
    ],
)
def test_is_the_import_open(owner, status, is_open, reviewable):
    session = make_session(owner, status=status)
    assert (session.is_open, session.is_reviewable) == (is_open, reviewable)
