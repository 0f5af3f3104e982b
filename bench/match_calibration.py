"""How honest is the matcher's confidence? The share of right picks per confidence band.

    python -m bench calibration                   # its rows in the one table
    python -m bench.match_calibration --report    # the full breakdown, by band and by kind
        [--catalog PATH] [--seed 7] [--namesakes 0.3] [--show-wrong]

Builds a labelled set of (Amazon-style title, watch date, true TMDB id) from a catalog of
films, perturbing titles the way Amazon writes them (edition tags, years, "Matrix, The",
numerals, localized titles, dropped subtitles, same-title remakes), plus titles that are not
in the catalog at all. Runs `match_item` against a simple local search over the catalog plus
made-up obscure namesakes of some films (TMDB has plenty). Like TMDB, the search matches
translated titles and returns results in relevance order, not by popularity. The target: at
confidence >= 0.85, at least 99 in 100 picks right.

The set is generated from the same catalog the search runs over, and the matcher was tuned
with it: it shows how the confidence behaves on these kinds of variants, not how often the
matcher is right on real Amazon histories.

Without the offline catalog it uses a small built-in seed of well-known films, and says so.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench.common import (
    PROJECT,
    Figure,
    at_least,
    django_env,
    exactly,
    module_main,
    run_inner,
    share,
)

# Wherever the imports app keeps it.
CATALOG = next(
    iter(sorted(PROJECT.glob("imports/**/offline_catalog.json"))),
    PROJECT / "imports" / "data" / "offline_catalog.json",
)
TODAY = date(2026, 6, 1)
SURE, LIKELY = 0.85, 0.6  # the review page's "Sure" and "Likely"
TARGET_SHARE = 99.0  # % of right picks at confidence >= SURE
BANDS = [(0.0, 0.0), (0.0001, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.85), (0.85, 1.0)]

# (tmdb id, title, original title, release date, votes, alternative titles): used when the
# offline catalog is not there. Vote counts are rounded.
SEED = [
    (8587, "The Lion King", "", "1994-06-15", 18500, ["Der König der Löwen", "Le Roi lion"]),
    (420818, "The Lion King", "", "2019-07-12", 10200, ["Der König der Löwen"]),
    (841, "Dune", "", "1984-12-14", 2900, ["Der Wüstenplanet"]),
    (438631, "Dune", "", "2021-09-15", 12600, ["Dune: Part One"]),
    (693134, "Dune: Part Two", "", "2024-02-27", 6500, ["Dune: Teil Zwei"]),
    (
        348,
        "Alien",
        "",
        "1979-05-25",
        15000,
        ["Alien – Das unheimliche Wesen aus einer fremden Welt"],
    ),
    (679, "Aliens", "", "1986-07-18", 9800, ["Aliens – Die Rückkehr"]),
    (8077, "Alien³", "", "1992-05-22", 5000, ["Alien 3"]),
    (126889, "Alien: Covenant", "", "2017-05-09", 8600, []),
    (862, "Toy Story", "", "1995-10-30", 18000, ["Toy Story 1"]),
    (863, "Toy Story 2", "", "1999-10-30", 13700, []),
    (10193, "Toy Story 3", "", "2010-06-16", 14500, []),
    (301528, "Toy Story 4", "", "2019-06-19", 9500, []),
    (
        915935,
        "Anatomy of a Fall",
        "Anatomie d'une chute",
        "2023-08-23",
        2600,
        ["Anatomie eines Falls"],
    ),
    (238, "The Godfather", "", "1972-03-14", 20000, ["Der Pate", "Le Parrain", "El padrino"]),
    (
        240,
        "The Godfather Part II",
        "",
        "1974-12-20",
        12000,
        ["Der Pate – Teil II", "Le Parrain, 2e partie"],
    ),
    (242, "The Godfather Part III", "", "1990-12-25", 6000, ["Der Pate – Teil III"]),
    (
        194,
        "Amélie",
        "Le Fabuleux Destin d'Amélie Poulain",
        "2001-04-25",
        11000,
        ["Die fabelhafte Welt der Amélie"],
    ),
    (807, "Se7en", "", "1995-09-22", 21000, ["Sieben", "Seven"]),
    (954, "Mission: Impossible", "", "1996-05-22", 8800, []),
    (353081, "Mission: Impossible - Fallout", "", "2018-07-13", 8000, []),
    (
        575264,
        "Mission: Impossible - Dead Reckoning Part One",
        "",
        "2023-07-08",
        4000,
        ["Mission: Impossible – Dead Reckoning Teil Eins"],
    ),
    (603, "The Matrix", "", "1999-03-30", 25000, ["Matrix"]),
    (604, "The Matrix Reloaded", "", "2003-05-15", 10000, ["Matrix Reloaded"]),
    (624860, "The Matrix Resurrections", "", "2021-12-16", 5800, ["Matrix Resurrections"]),
    (25623, "House", "ハウス", "1977-08-26", 259, ["Hausu"]),
    (496243, "Parasite", "기생충", "2019-05-30", 18000, ["Gisaengchung"]),
    (27205, "Inception", "", "2010-07-15", 36000, []),
    (155, "The Dark Knight", "", "2008-07-16", 32000, []),
    (272, "Batman Begins", "", "2005-06-10", 20000, []),
    (680, "Pulp Fiction", "", "1994-09-10", 27000, []),
    (550, "Fight Club", "", "1999-10-15", 29000, ["El club de la lucha"]),
    (
        120,
        "The Lord of the Rings: The Fellowship of the Ring",
        "",
        "2001-12-18",
        25000,
        ["Der Herr der Ringe: Die Gefährten"],
    ),
    (
        121,
        "The Lord of the Rings: The Two Towers",
        "",
        "2002-12-18",
        21000,
        ["Der Herr der Ringe: Die zwei Türme"],
    ),
    (1366, "Rocky", "", "1976-11-21", 7000, []),
    (1367, "Rocky II", "", "1979-06-15", 3800, []),
    (1371, "Rocky III", "", "1982-05-28", 3300, []),
    (12444, "Harry Potter and the Deathly Hallows: Part 1", "", "2010-11-17", 19000, []),
    (12445, "Harry Potter and the Deathly Hallows: Part 2", "", "2011-07-12", 20000, []),
    (330459, "Rogue One: A Star Wars Story", "", "2016-12-14", 16000, []),
    (
        129,
        "Spirited Away",
        "千と千尋の神隠し",
        "2001-07-20",
        16000,
        ["Chihiros Reise ins Zauberland"],
    ),
    (9799, "The Fast and the Furious", "", "2001-06-22", 11000, []),
    (13804, "Fast & Furious", "", "2009-04-02", 7000, []),
    (105, "Back to the Future", "", "1985-07-03", 19000, ["Zurück in die Zukunft"]),
    (578, "Jaws", "", "1975-06-20", 10000, ["Der weiße Hai"]),
    (274, "The Silence of the Lambs", "", "1991-02-01", 16000, ["Das Schweigen der Lämmer"]),
    (620, "Ghostbusters", "", "1984-06-08", 7500, []),
    (43074, "Ghostbusters", "", "2016-07-14", 5000, ["Ghostbusters: Answer the Call"]),
    (861, "Total Recall", "", "1990-06-01", 5500, []),
    (64635, "Total Recall", "", "2012-08-02", 5800, []),
    (539, "Psycho", "", "1960-06-22", 9800, []),
    (11252, "Psycho", "", "1998-12-04", 900, []),
    (10674, "Mulan", "", "1998-06-18", 9500, []),
    (337401, "Mulan", "", "2020-09-04", 5500, []),
    (1725, "West Side Story", "", "1961-10-18", 2000, []),
    (511809, "West Side Story", "", "2021-12-08", 1900, []),
    (11906, "Suspiria", "", "1977-02-01", 2000, []),
    (361292, "Suspiria", "", "2018-10-26", 2000, []),
    (346698, "Barbie", "", "2023-07-19", 9000, []),
    (872585, "Oppenheimer", "", "2023-07-19", 9500, []),
]
NOT_IN_CATALOG = [
    "The Quiet Baker", "Moon Over Leipzig", "The Big Lebowski", "Paddington 2", "Alien Nation",
    "Dune Drifters", "The Lion Queen", "House of Gucci", "Toy Soldiers", "Rocky Road",
    "Mission to Mars", "The Matrix Revisited", "Der Pate von Greenwich Village", "Fallout Shelter",
]  # fmt: skip
EDITION_TAGS = [" [dt./OV]", " [OV/OmU]", " [OV]", " (4K UHD)", " [Ultra HD]", " (Subbed)"]


def load_catalog(path: Path) -> tuple[list, str]:
    """The films, and where they come from in words."""
    from imports.tmdb import MovieDetails

    if not path.exists():
        print(f"{path} not found: using the built-in seed of {len(SEED)} films")
        films = [
            MovieDetails(i, t, o or t, release_date=date.fromisoformat(d), vote_count=v,
                         alternative_titles=tuple(alts))
            for i, t, o, d, v, alts in SEED
        ]  # fmt: skip
        return films, "the built-in seed"
    raw = json.loads(path.read_text(encoding="utf-8"))
    rows = raw.get("movies") or raw.get("results") or [] if isinstance(raw, dict) else raw
    films = []
    for row in rows:
        alts = row.get("alternative_titles") or []
        if isinstance(alts, dict):
            alts = alts.get("titles", [])
        released = row.get("release_date") or ""
        films.append(
            MovieDetails(
                tmdb_id=int(row.get("tmdb_id") or row["id"]),
                title=row["title"],
                original_title=row.get("original_title") or row["title"],
                release_date=date.fromisoformat(released[:10]) if released else None,
                vote_count=int(row.get("vote_count") or 0),
                popularity=float(row.get("popularity") or 0),
                alternative_titles=tuple(a["title"] if isinstance(a, dict) else a for a in alts),
            )
        )
    print(f"{path}: {len(films)} films")
    return films, "the offline catalog"


class LocalSearch:
    """TMDB-like: words match title, original or alternative titles; relevance, not votes."""

    def __init__(self, films: list):
        self.films = films
        self.calls = 0

    def __call__(self, text: str, year: int | None) -> list:
        from imports.reading.titles import normalize

        self.calls += 1
        words = set(normalize(text).split())
        hits = []
        for film in self.films:
            if year is not None and film.year != year:
                continue
            names = [film.title, film.original_title, *film.alternative_titles]
            overlap = max(len(words & set(normalize(name).split())) for name in names)
            if words and overlap / len(words) >= 0.5:
                shortest = min(len(normalize(name)) for name in names)
                hits.append((-overlap, abs(shortest - len(normalize(text))), film.tmdb_id, film))
        return [_head(film) for *_, film in sorted(hits)[:20]]

    def details(self, tmdb_id: int):
        return next(film for film in self.films if film.tmdb_id == tmdb_id)


def _head(film):
    from imports.tmdb import MovieCandidate

    return MovieCandidate(
        film.tmdb_id, film.title, film.original_title, release_date=film.release_date,
        vote_count=film.vote_count, popularity=film.popularity,
    )  # fmt: skip


def _watched_after(released: date | None, rng: random.Random) -> date:
    start = released or date(2010, 1, 1)
    return min(TODAY, start + timedelta(days=rng.randint(3, 3000)))


def _swap_numeral(title: str) -> str | None:
    swaps = {
        "2": "II",
        "3": "III",
        "4": "IV",
        "II": "2",
        "III": "3",
        "IV": "4",
        "Part 1": "Part One",
    }
    for old, new in swaps.items():
        if re.search(rf"\b{old}$", title):
            return re.sub(rf"\b{old}$", new, title)
    return None


def obscure_namesakes(films: list, share: float, rng: random.Random):
    """TMDB is full of little-known films (shorts, TV films) sharing a famous title. They go
    into the search only; the labelled truth stays the famous film."""
    from imports.tmdb import MovieDetails

    return [
        MovieDetails(
            tmdb_id=90_000_000 + n,
            title=film.title,
            original_title=film.title,
            release_date=date(rng.randint(1950, 2024), rng.randint(1, 12), rng.randint(1, 28)),
            vote_count=rng.randint(0, 40),
        )
        for n, film in enumerate(films)
        if rng.random() < share
    ]


def labelled_items(films: list, rng: random.Random):
    """Yield (perturbation, Amazon title, watch date, true tmdb id or None)."""
    from imports.reading.titles import normalize

    by_title = defaultdict(list)
    for film in films:
        by_title[normalize(film.title)].append(film)
    # Every name a catalog film goes by, without a leading article: a "variant" that is
    # another film's name is not a perturbation of this one.
    known_names = {
        re.sub(r"^(the|a|an) ", "", normalize(name))
        for film in films
        for name in (film.title, film.original_title, *film.alternative_titles)
    }
    for film in films:
        watched = _watched_after(film.release_date, rng)
        year = film.year
        yield "exact", film.title, watched, film.tmdb_id
        yield "edition tag", film.title + rng.choice(EDITION_TAGS), watched, film.tmdb_id
        if year:
            yield "year in title", f"{film.title} ({year})", watched, film.tmdb_id
        if m := re.match(r"^(The|A|An) (.+)$", film.title):
            yield "article moved", f"{m[2]}, {m[1]}", watched, film.tmdb_id
        if (no_punct := re.sub(r"[:\-–]", " ", film.title)) != film.title:
            yield "punctuation", " ".join(no_punct.split()), watched, film.tmdb_id
        if swapped := _swap_numeral(film.title):
            yield "numeral", swapped, watched, film.tmdb_id
        if film.original_title != film.title:
            yield "original title", film.original_title, watched, film.tmdb_id
        for alt in film.alternative_titles[:2]:
            yield "localized", alt, watched, film.tmdb_id
        # Only when the shortened title is not another film's title ("Alien: Covenant").
        shortened = film.title.split(":")[0]
        if (
            shortened != film.title
            and re.sub(r"^(the|a|an) ", "", normalize(shortened)) not in known_names
        ):
            yield "subtitle dropped", shortened, watched, film.tmdb_id
    for same_title in (group for group in by_title.values() if len(group) > 1):
        # Who watched which remake: in proportion to votes, any time after its release.
        weights = [film.vote_count + 1 for film in same_title]
        for _ in range(20):
            film = rng.choices(same_title, weights)[0]
            watched = _watched_after(film.release_date, rng)
            yield "remake, no year", film.title, watched, film.tmdb_id
    for title in NOT_IN_CATALOG:
        if re.sub(r"^(the|a|an) ", "", normalize(title)) in known_names:
            continue
        yield "not in catalog", title, date(2024, 5, 1), None


@dataclass
class Outcome:
    kind: str  # the perturbation
    title: str
    watched: date
    truth: int | None  # None: not in the catalog
    picked: int | None
    confidence: float
    reason: str

    @property
    def right(self) -> bool:
        return self.picked == self.truth


@dataclass
class Calibration:
    source: str  # where the films come from, in words
    films: int
    namesakes: int
    searches: int
    outcomes: list[Outcome]


def calibrate(catalog: Path, seed: int, namesake_share: float) -> Calibration:
    from imports.matching import ItemToMatch, match_item
    from imports.reading.titles import clean_title

    films, source = load_catalog(catalog)
    rng = random.Random(seed)
    namesakes = obscure_namesakes(films, namesake_share, rng)
    search = LocalSearch(films + namesakes)
    outcomes = []
    for kind, amazon_title, watched, truth in labelled_items(films, rng):
        cleaned = clean_title(amazon_title)
        item = ItemToMatch(amazon_title, cleaned.search_title, cleaned.year_hint, (watched,))
        result = match_item(item, search=search, details=search.details)
        picked = result.best.tmdb_id if result.best else None
        outcomes.append(
            Outcome(kind, amazon_title, watched, truth, picked, result.confidence, result.reason)
        )
    return Calibration(source, len(films), len(namesakes), search.calls, outcomes)


def wilson_lower(right: int, total: int, z: float = 1.96) -> float:
    """Lower end of the 95 % Wilson score interval of right ÷ total, in %."""
    if not total:
        return float("nan")
    p = right / total
    centre = p + z * z / (2 * total)
    spread = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return 100 * (centre - spread) / (1 + z * z / total)


def figures(result: Calibration) -> list[Figure]:
    outcomes = result.outcomes
    variants = [o for o in outcomes if o.truth is not None]
    absent = [o for o in outcomes if o.truth is None]
    sure = [o for o in outcomes if o.confidence >= SURE]
    likely = [o for o in outcomes if LIKELY <= o.confidence < SURE]
    unsure = [o for o in outcomes if o.confidence < LIKELY]
    sure_right = sum(o.right for o in sure)
    kinds = Counter(o.kind for o in variants)
    return [
        Figure(
            f"labelled set: {len(kinds)} kinds of Amazon-style variant of {result.source}'s "
            "films, made by the benchmark, + titles not in it",
            len(outcomes),
            "titles",
            detail=f"{len(variants):,} variants of {result.films:,} films, "
            f"{len(absent)} not in the catalog",
        ),
        Figure(
            f"films the local search holds: {result.source} + made-up obscure namesakes",
            result.films + result.namesakes,
            "films",
            detail=f"{result.films:,} + {result.namesakes:,}",
        ),
        share(f"right picks at confidence ≥ {SURE}", sure_right, len(sure), at_least(TARGET_SHARE)),
        Figure(
            f"… lower end of its 95 % interval (Wilson), {len(sure):,} picks",
            wilson_lower(sure_right, len(sure)),
            "%",
            digits=2,
        ),
        share(
            f"right picks at confidence {LIKELY}–{SURE}", sum(o.right for o in likely), len(likely)
        ),
        share(f"right picks at confidence < {LIKELY}", sum(o.right for o in unsure), len(unsure)),
        share(
            "top-1 right, any confidence (variants of catalog films)",
            sum(o.right for o in variants),
            len(variants),
        ),
        share(f"labelled titles given confidence ≥ {SURE}", len(sure), len(outcomes)),
        Figure(
            f"titles not in the catalog given confidence ≥ {SURE}",
            sum(o.confidence >= SURE for o in absent),
            "titles",
            exactly(0),
            detail=f"of {len(absent)}",
        ),
    ]


# --- In the one table ------------------------------------------------------------------------


def run(quick: bool) -> list[Figure]:
    # Pure Python, no database; a child process all the same, like every benchmark's Django
    # half, so the orchestrator never imports the app.
    env = django_env("sqlite:///" + os.devnull)
    return run_inner("bench.match_calibration", [], env, timeout=600)


def measure(args: argparse.Namespace) -> list[Figure]:
    return figures(calibrate(args.catalog, args.seed, args.namesakes))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=CATALOG)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--namesakes", type=float, default=0.3, help="share of films given an obscure namesake"
    )
    return parser


# --- The full breakdown ----------------------------------------------------------------------


def report(result: Calibration, show_wrong: bool) -> None:
    outcomes = result.outcomes
    total = len(outcomes)
    print(f"{result.namesakes} obscure namesakes added to the search")
    print(f"\n{total} items, {result.searches} searches ({result.searches / total:.2f} per item)\n")
    print(f"{'confidence':>14} {'items':>6} {'right':>6} {'precision':>9}")
    in_band: dict[tuple[float, float], list[Outcome]] = defaultdict(list)
    for outcome in outcomes:  # each band from its lower end up to the next one's
        in_band[next(b for b in reversed(BANDS) if outcome.confidence >= b[0])].append(outcome)
    for band in BANDS:
        label = "0" if band == (0.0, 0.0) else f"{band[0]:.2f}-{band[1]:.2f}"
        rows = in_band[band]
        right = sum(o.right for o in rows)
        precision = f"{right / len(rows):.4f}" if rows else "-"
        print(f"{label:>14} {len(rows):>6} {right:>6} {precision:>9}")
    print()
    for figure in figures(result):
        print(f"{figure.name}: {figure.shown()}  {figure.target_shown} {figure.verdict}".rstrip())
    print(f"\n{'perturbation':>18} {'items':>6} {'right':>6} {'>=0.85':>7} {'mean conf':>9}")
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome)
    for kind, rows in by_kind.items():
        rights = sum(o.right for o in rows)
        sure = sum(o.confidence >= SURE for o in rows)
        mean = sum(o.confidence for o in rows) / len(rows)
        print(f"{kind:>18} {len(rows):>6} {rights:>6} {sure:>7} {mean:>9.2f}")
    confident_mistakes = [o for o in outcomes if o.confidence >= SURE and not o.right]
    if show_wrong or confident_mistakes:
        print(f"\nconfident mistakes: {len(confident_mistakes)}")
        for o in confident_mistakes[:30]:
            print(
                f"  [{o.kind}] {o.title!r} watched {o.watched}: truth {o.truth}, picked {o.picked}"
            )
            print(f"      {o.confidence} {o.reason}")


def report_main(argv: list[str]) -> None:
    parser = _parser()
    parser.add_argument("--report", action="store_true")
    parser.add_argument("--show-wrong", action="store_true", help="list confident mistakes")
    args = parser.parse_args(argv)
    report(calibrate(args.catalog, args.seed, args.namesakes), args.show_wrong)


if __name__ == "__main__":
    if "--report" in sys.argv[1:]:
        report_main(sys.argv[1:])
    else:
        module_main("calibration", measure, _parser())
