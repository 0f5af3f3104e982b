"""Matching quality on hard cases: a labelled evaluation set of our own, built to be hard.

    python -m bench hardcases

The set (bench/data/hardcases/, described in its README) is 16 watch histories in every
layout we read — the browser exporter's v2 in all ten page languages, its v3 with Amazon's
title ids, Amazon's Viewing History, Watch Events, legacy and 2022–24 files, and a
data-request ZIP — with a label for every film entry: the TMDB film it is, "absent" (not on
TMDB), or "episode" (an episode in a file that does not say which rows are films). Against
a catalog of our own in TMDB's shape with remakes and same-title films of different years,
obscure namesakes of famous titles, and the localized titles of all ten locales.

Each history is imported and matched the way the site does it (upload service, then the
background runner, on a fresh SQLite database), against the catalog served by the offline
client, so reading, folding, tag removal, matching, set-aside and the look-up cache all run.

Figures: top-1 (the best match is the labelled film; an absent film is right when nothing is
offered at confidence 0.6 or more), overall and per file; of the matches at confidence ≥ 0.85
and at 0.6–0.85, the share that is right; episodes offered as films; films offered twice;
requests per title; and the same files imported again by someone else (requests: 0). The
baseline, measured in the same run: TMDB's first search result for the title as written.
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

from bench.common import (
    Figure,
    at_least,
    django_env,
    exactly,
    log,
    migrate,
    module_main,
    run_inner,
    share,
)

DATA = Path(__file__).resolve().parent / "data" / "hardcases"
HISTORIES = DATA / "histories"
ZIPPED = "amazon-zip-viewing-history.csv"  # served inside a data-request ZIP
TOP1_OVERALL, TOP1_PER_FILE, RIGHT_WHEN_SURE = 0.985, 0.95, 0.995
SURE, PLAUSIBLE = 0.85, 0.6


def run(quick: bool) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="movieranking-hardcases-") as tmp:
        env = django_env(f"sqlite:///{tmp}/bench.sqlite3", TMDB_API_KEY="", TMDB_READ_TOKEN="")
        migrate(env)
        return run_inner("bench.hardcases", [], env, timeout=900)


# --- The Django half ------------------------------------------------------------------------


class CountingCatalog:
    """The offline client over our catalog, counting requests as TMDB would bill them."""

    offline = False

    def __init__(self) -> None:
        from imports.tmdb.offline import OfflineCatalog

        self.catalog = OfflineCatalog(DATA / "catalog.json")
        self.request_count = 0
        self.throttled_count = 0

    def search_movies(self, query, *, year=None, page=1):
        self.request_count += 1
        return self.catalog.search_movies(query, year=year, page=page)

    def movie_details(self, tmdb_id):
        self.request_count += 1
        return self.catalog.movie_details(tmdb_id)


def _upload_bytes(name: str) -> tuple[str, bytes]:
    data = (HISTORIES / name).read_bytes()
    if name != ZIPPED:
        return name, data
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Your Prime Video Viewing Activity/Viewing History.csv", data)
        archive.writestr("Digital.Orders/Digital Items.csv", "ASIN,Title\n")
    return "Prime Video data.zip", buffer.getvalue()


def _import(owner_name: str, name: str, client):
    from django.contrib.auth import get_user_model

    from imports import runner, services

    owner = get_user_model().objects.create_user(username=owner_name, password=None)
    file_name, data = _upload_bytes(name)
    session = services.session_create_from_upload(
        owner=owner, file_name=file_name, data=data, enqueue=False
    ).session
    runner.session_match(session_id=session.pk, client=client, threads=1)
    return session


def _choose_truth(session, labels: dict, titles: set[str]) -> None:
    """The person picks the labelled film for each of `titles` and adds it."""
    from imports import services
    from imports.tmdb.cache import candidate_to_dict
    from imports.tmdb.offline import OfflineCatalog

    for item in session.items.filter(title__in=titles):
        truth = labels.get(item.amazon_title_id, labels.get(item.title))
        film = next((c for c in item.candidates if c["tmdb_id"] == truth), None)
        film = film or candidate_to_dict(OfflineCatalog(DATA / "catalog.json").movie_details(truth))
        item = services.item_choose_candidate(item=item, tmdb_id=truth, candidate=film)
        services.item_add(item=item, rating=3)


def _verdict(item, truth) -> bool:
    if truth is None:  # absent from TMDB: right when nothing plausible is offered
        return item.match_tmdb_id is None or (item.confidence or 0) < PLAUSIBLE
    return item.match_tmdb_id == truth


def _judge(name: str, session, labels: dict) -> dict:
    from imports.models import ImportItem

    result = Counter()
    wrong, unlabelled = [], []
    seen_films: Counter = Counter()
    for item in session.items.order_by("position"):
        key = item.amazon_title_id if item.amazon_title_id in labels else item.title
        if key not in labels:
            unlabelled.append(item.title)  # a series or trailer row offered as a film
            result["episodes_offered"] += 1
            continue
        truth = labels[key]
        set_aside = item.status == ImportItem.Status.SET_ASIDE
        if truth == "episode":
            result["episodes"] += 1
            result["episodes_offered"] += not set_aside
            continue
        right = _verdict(item, truth) if not (set_aside and truth is not None) else False
        result["films"] += 1
        result["right"] += right
        if truth is not None:
            seen_films[truth] += 1
        if item.match_tmdb_id is not None and not set_aside:
            band = (
                "sure"
                if item.confidence >= SURE
                else "plausible"
                if item.confidence >= PLAUSIBLE
                else ""
            )
            if band:
                result[band] += 1
                result[f"{band}_right"] += item.match_tmdb_id == truth
        if not right:
            wrong.append((item.title, truth, item.match_tmdb_id, item.confidence, item.reason))
    result["offered_twice"] = sum(count - 1 for count in seen_films.values() if count > 1)
    result["labelled_films"] = sum(1 for truth in labels.values() if truth != "episode")
    return {"counts": result, "wrong": wrong, "unlabelled": unlabelled}


def _baseline(name: str, labels: dict) -> tuple[int, int]:
    """TMDB's first result for the title as written: (right, films)."""
    from imports.reading import parse_history, summarize
    from imports.tmdb.offline import OfflineCatalog

    catalog = OfflineCatalog(DATA / "catalog.json")
    summary = summarize(parse_history(_upload_bytes(name)[1]), tz=_utc())
    right = films = 0
    for entry in summary.movies:
        truth = labels.get(entry.title_id, labels.get(entry.title, "episode"))
        if truth == "episode":
            continue
        films += 1
        found = catalog.search_movies(entry.title)
        right += (found[0].tmdb_id if found else None) == truth
    return right, films


def _utc():
    import zoneinfo

    return zoneinfo.ZoneInfo("UTC")


def _share(right: int, total: int) -> float:
    return right / total if total else 1.0


def measure(args: argparse.Namespace) -> list[Figure]:
    labels = json.loads((DATA / "labels.json").read_text(encoding="utf-8"))
    client = CountingCatalog()
    totals: Counter = Counter()
    per_file: dict[str, float] = {}
    baseline_right = baseline_films = 0
    mistakes = defaultdict(list)
    for number, name in enumerate(sorted(labels)):
        before = client.request_count
        session = _import(f"person{number}", name, client)
        judged = _judge(name, session, labels[name])
        counts = judged["counts"]
        totals += counts
        per_file[name] = _share(counts["right"], counts["films"])
        mistakes[name] = judged["wrong"] + [
            (t, "not a film", None, 0, "") for t in judged["unlabelled"]
        ]
        right, films = _baseline(name, labels[name])
        baseline_right += right
        baseline_films += films
        log(
            f"{name}: {counts['right']}/{counts['films']} right, "
            f"{client.request_count - before} requests"
        )
    requests = client.request_count
    titles = totals["films"] + totals["episodes"]

    log("two people choose the right film for every miss")
    for number, name in enumerate(sorted(labels)):
        missed = {title for title, truth, *_ in mistakes[name] if isinstance(truth, int)}
        if missed:
            for person in ("a", "b"):
                _choose_truth(
                    _import(f"chooser-{person}{number}", name, client), labels[name], missed
                )

    log("every file again, by other people")
    before = client.request_count
    learned = Counter()
    for number, name in enumerate(sorted(labels)):
        judged = _judge(name, _import(f"again{number}", name, client), labels[name])
        learned += judged["counts"]
        for title, truth, picked, _, reason in judged["wrong"]:
            log(f"still wrong in {name}: {title!r} is {truth}, matched {picked}: {reason}")
    repeat_requests = client.request_count - before

    for name, wrong in mistakes.items():
        for title, truth, picked, confidence, reason in wrong:
            log(
                f"wrong in {name}: {title!r} is {truth}, matched {picked} at {confidence}: {reason}"
            )

    top1 = _share(totals["right"], totals["films"])
    learned_top1 = _share(learned["right"], learned["films"])
    baseline = _share(baseline_right, baseline_films)
    figures = [
        Figure(
            "labelled set: bench/data/hardcases, every layout and exporter locale",
            f"{totals['films']} films, {totals['episodes']} episodes in {len(per_file)} files",
        ),
        Figure("top-1, all files", 100 * top1, "%", at_least(100 * TOP1_OVERALL), digits=1),
        Figure(
            "baseline, same run: TMDB's first result for the title as written",
            100 * baseline,
            "%",
            digits=1,
        ),
        Figure("top-1 ÷ baseline", top1 / baseline if baseline else None, "×"),
        Figure(
            "top-1, worst file",
            100 * min(per_file.values()),
            "%",
            at_least(100 * TOP1_PER_FILE),
            digits=1,
        ),
    ]
    figures += [
        Figure(
            f"top-1, {name.removesuffix('.csv')}",
            100 * file_share,
            "%",
            at_least(100 * TOP1_PER_FILE),
            digits=1,
        )
        for name, file_share in per_file.items()
    ]
    figures += [
        share(
            f"right picks at confidence ≥ {SURE}",
            totals["sure_right"],
            totals["sure"],
            at_least(100 * RIGHT_WHEN_SURE),
        ),
        share("right picks at confidence 0.6–0.85", totals["plausible_right"], totals["plausible"]),
        Figure("episodes offered as films", totals["episodes_offered"], "", exactly(0)),
        Figure("films offered twice", totals["offered_twice"], "", exactly(0)),
        Figure(
            "TMDB requests per title, first import of each file",
            requests / titles,
            "req",
            detail=f"{requests:,} for {titles:,} titles",
        ),
        Figure(
            "top-1 for the next person, once two people chose the right film for each miss",
            100 * learned_top1,
            "%",
            digits=1,
        ),
        Figure(
            "the same files imported again by others: TMDB requests",
            repeat_requests,
            "",
            exactly(0),
        ),
    ]
    return figures


if __name__ == "__main__":
    module_main("hardcases", measure, argparse.ArgumentParser(description="hard cases (child)"))
