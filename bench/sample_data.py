"""Made-up data: Prime Video watch histories (the same for the same seed), and import
sessions ready to review.

Film titles come from the TMDB stand-in's synthetic catalog, so a history built from its
first N titles is one the stand-in can match title for title.
"""

from __future__ import annotations

import csv
import io
import itertools
import random
from datetime import UTC, datetime, timedelta

from bench.common import PROJECT
from tests.tmdb_standin import synthetic_records

V3_HEADER = [
    "Date Watched", "Type", "Title", "Episode Title", "Global Title Identifier",
    "Episode Global Title Identifier", "Path", "Episode Path", "Image URL",
]  # fmt: skip
# Amazon's 60-column "Viewing History.csv": header and a typical row from our test fixture.
AMAZON_FIXTURE = PROJECT / "tests" / "fixtures" / "prime" / "amazon-viewing-history.csv"
EDITION_TAGS = [" [OV]", " (4K UHD)", " [dt./OV]", " (Subbed)"]
SHOW_WORDS = ["Harbour", "Line", "Slow", "Coast", "Night", "Shift", "Kings", "Borough", "Desert",
              "Signal", "Ward", "Orbit"]  # fmt: skip
SHOWS = [f"{a} {b}" for a in SHOW_WORDS for b in SHOW_WORDS if a != b]  # 132 series


def catalog_titles(start: int, count: int) -> list[str]:
    """Titles `start` .. `start + count` of the stand-in's synthetic catalog (seed 1234)."""
    return list(catalog_films(start, count))


def catalog_films(start: int, count: int) -> dict[str, int]:
    """Title → TMDB id of the same films: the right match for each title."""
    return {record["title"]: record["id"] for record in synthetic_records(start + count)[start:]}


def films_in_v3(data: bytes) -> int:
    """How many distinct films a history from exporter_v3() holds: its film rows carry the
    ids of film number n < 1,000,000 (episodes, trailers and bonus material are above)."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    films = {row["Global Title Identifier"] for row in reader if row["Type"] == "Movie"}
    return sum(int(gti.rsplit("-", 1)[1], 16) < 1_000_000 for gti in films)


class _Clock:
    """Watch times going back from yesterday, a few minutes to an hour apart."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.moment = datetime.now(UTC) - timedelta(days=1)

    def step(self) -> datetime:
        self.moment -= timedelta(seconds=self.rng.randint(300, 4500))
        return self.moment


def _ids(n: int) -> tuple[str, str, str]:
    """(global title id, path, image URL) of title number n."""
    gti = f"amzn1.dv.gti.{n:08x}-1111-2222-3333-{n:012x}"
    path = f"/region/eu/detail/0{n:025X}/ref=atv_set_wh_dp"
    image = f"https://m.media-amazon.com/images/S/pv-target-images/{n:x}._UX667_UY375_.jpg"
    return gti, path, image


def exporter_v3(
    rows: int, *, seed: int = 7, titles: list[str] | None = None, movie_share: float = 0.2
) -> bytes:
    """A browser-exporter v3 history of `rows` rows, newest first.

    Of the rows, `movie_share` are films (a third of them rewatches), 3 % exact duplicate
    rows, 5 % trailers, 2 % bonus material and the rest episodes. With `titles`, every
    title is watched once first, then `rows` more rows follow, their films all rewatches.
    """
    rng = random.Random(seed)
    clock = _Clock(rng)
    shows = SHOWS
    fresh = iter(catalog_titles(0, int(rows * movie_share) + 1) if not titles else ())
    seen_films: list[tuple[str, int]] = []  # (title, id number) of films watched so far
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(V3_HEADER)
    previous: list[str] | None = None
    episode_share = 1 - movie_share - 0.10

    def film_row(title: str, n: int, when: str) -> list[str]:
        gti, path, image = _ids(n)
        return [when, "Movie", title, "", gti, "", path, "", image]

    if titles:
        for n, title in enumerate(titles, start=1):
            writer.writerow(film_row(title, n, f"{clock.step():%Y-%m-%d %H:%M:%S}.000"))
            seen_films.append((title, n))
    for _ in range(rows):
        when = f"{clock.step():%Y-%m-%d %H:%M:%S}.{rng.randint(0, 999):03d}"
        roll = rng.random()
        if roll < 0.03 and previous is not None:
            row = previous  # the exporter wrote the same row twice
        elif roll < 0.03 + episode_share:
            show = rng.choice(shows)
            season, episode = rng.randint(1, 6), rng.randint(1, 10)
            gti, path, image = _ids(1_000_000 + shows.index(show) * 100 + season)
            episode_gti, episode_path, _ = _ids(2_000_000 + rng.randint(0, 10**6))
            row = [when, "Series", f"{show} - Season {season}",
                   f'Episode {episode}: "{rng.choice(SHOW_WORDS)}"', gti, episode_gti, path,
                   episode_path, image]  # fmt: skip
        elif roll < 0.08 + episode_share:
            gti, path, image = _ids(3_000_000 + rng.randint(0, 5000))
            row = [when, "Movie", "Episode 0: Official Trailer", "", gti, "", path, "", image]
        elif roll < 0.10 + episode_share:
            title = f"Bonus: Behind the Scenes of {rng.choice(shows)}"
            gti, path, image = _ids(4_000_000 + rng.randint(0, 5000))
            row = [when, "Movie", title, "", gti, "", path, "", image]
        elif titles or (seen_films and rng.random() < 1 / 3):
            title, n = rng.choice(seen_films)  # a rewatch
            row = film_row(title, n, when)
        else:
            n = len(seen_films) + 1
            title = next(fresh)
            if rng.random() < 0.1:
                title += rng.choice(EDITION_TAGS)
            seen_films.append((title, n))
            row = film_row(title, n, when)
        writer.writerow(row)
        previous = row
    return out.getvalue().encode("utf-8")


def amazon_viewing_history(rows: int, *, seed: int = 7) -> bytes:
    """Amazon's own 60-column `Viewing History.csv`: one row per playback session.

    Text values wrapped in literal quotes as Amazon writes them; films watched in one to
    three sessions, episodes ("Full"), trailers and promos of a few seconds, newest first.
    """
    rng = random.Random(seed)
    clock = _Clock(rng)
    with AMAZON_FIXTURE.open(encoding="utf-8-sig", newline="") as fixture:
        reader = csv.reader(fixture)
        header = next(reader)
        template = next(reader)
    at = {name: index for index, name in enumerate(header)}
    # A film title (or its trailer) every third row or so; past the catalog, titles repeat.
    films = itertools.cycle(catalog_titles(0, min(rows, 30_000)))
    shows = SHOWS
    pending_sessions: list[str] = []  # a film being watched over several evenings
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for _ in range(rows):
        start = clock.step()
        roll = rng.random()
        if pending_sessions:
            kind, title, seconds = '"Feature"', pending_sessions.pop(), rng.randint(1200, 4000)
        elif roll < 0.65:
            show = rng.choice(shows)
            title = f'"Episode {rng.randint(1, 10)}-{show} - Season {rng.randint(1, 6)}"'
            kind, seconds = '"Full"', rng.randint(600, 3300)
        elif roll < 0.72:
            kind, title, seconds = '"Trailer"', f'"{next(films)}"', rng.randint(20, 150)
        elif roll < 0.76:
            kind, title, seconds = '"Promo"', f'"{rng.choice(shows)}"', rng.randint(1, 5)
        else:
            title = f'"{next(films)}"'
            kind, seconds = '"Feature"', rng.choice([30, rng.randint(1800, 7200)])
            pending_sessions = [title] * rng.choice([0, 0, 1, 2])
        row = list(template)
        row[at["Material Type Description"]] = kind
        row[at["Title"]] = title
        row[at["Seconds Viewed"]] = str(seconds)
        row[at["Playback Start Datetime (UTC)"]] = f"{start:%Y-%m-%dT%H:%M:%SZ}"
        end = start + timedelta(seconds=seconds)
        row[at["Playback End Datetime (UTC)"]] = f"{end:%Y-%m-%dT%H:%M:%SZ}"
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def session_with_items(owner, count: int, *, first_tmdb_id: int = 20_000_000):
    """A ready-to-review import session of `count` matched items, bulk-created (no TMDB, no
    posters: a film page then loads nothing from other sites). Item n is matched to film
    `first_tmdb_id + n`; another film `first_tmdb_id + 10,000,000 + n` is its alternative.
    Call inside Django."""
    from datetime import date

    from imports.models import ImportItem, ImportSession

    session = ImportSession.objects.create(
        owner=owner,
        layout="exporter-v3",
        layout_label="Browser exporter v3",
        file_name="history.csv",
        file_sha256="1" * 64,
        status=ImportSession.Status.READY,
        movies_found=count,
        matched_count=count,
    )

    def film(tmdb_id: int, title: str, year: int) -> dict:
        return {
            "tmdb_id": tmdb_id,
            "title": title,
            "original_title": title,
            "original_language": "en",
            "release_date": f"{year}-05-04",
            "year": year,
            "overview": f"{title} is a made-up film. It has a second sentence.",
            "poster_path": None,
            "popularity": 10.0,
            "vote_average": 7.0,
            "vote_count": 1000,
            "genre_ids": [18, 35],
        }

    items = (
        ImportItem(
            session=session,
            position=n,
            title=f"Film {n} [OV]",
            search_title=f"Film {n}",
            candidates=[
                film(first_tmdb_id + n, f"Film {n}", 2001),
                film(first_tmdb_id + 10_000_000 + n, f"Film {n} Returns", 2011),
            ],
            match_tmdb_id=first_tmdb_id + n,
            lookup=ImportItem.Lookup.DONE,
            confidence=0.95,
            reason="exact title",
            watched_on=["2023-01-05", "2024-02-10"],
            first_watched_on=date(2023, 1, 5),
            last_watched_on=date(2024, 2, 10),
            watch_count=2,
        )
        for n in range(1, count + 1)
    )
    ImportItem.objects.bulk_create(items, batch_size=1000)
    return session
