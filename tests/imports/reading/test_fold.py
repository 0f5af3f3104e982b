from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from imports.reading import ParsedHistory, Row, RowProblem, summarize
from imports.reading.fold import BRIEF_PLAY_SECONDS, BRIEF_PLAYS_ADD_UP_TO_A_WATCH_SECONDS
from imports.reading.titles import BONUS, EPISODE, LIVE, MOVIE, PROMO, SHORT, TRAILER

UTC_ZONE = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def history(*rows: Row, layout: str = "exporter-v3", problems=()) -> ParsedHistory:
    return ParsedHistory(
        layout=layout,
        layout_label="label",
        locale="en",
        rows=tuple(rows),
        problems=tuple(problems),
    )


def at(day: int, hour: int = 20, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def movie(line: int, title: str, when, **fields) -> Row:
    return Row(line, title, MOVIE, when, **fields)


def test_exact_duplicate_rows_count_once():
    summary = summarize(
        history(movie(2, "Dune", at(1)), movie(3, "Dune", at(1)), movie(4, "Dune", at(1))),
        tz=UTC_ZONE,
    )
    assert len(summary.movies) == 1
    assert summary.movies[0].watch_count == 1
    assert summary.duplicates == 2


def test_rewatches_fold_into_one_entry_with_every_date_oldest_first():
    summary = summarize(
        history(movie(2, "Dune", at(9)), movie(3, "Dune", at(1)), movie(4, "Dune", at(5))),
        tz=UTC_ZONE,
    )
    (entry,) = summary.movies
    assert entry.watched_on == (date(2025, 3, 1), date(2025, 3, 5), date(2025, 3, 9))
    assert (entry.watch_count, entry.first_line, summary.duplicates) == (3, 2, 2)


def test_two_watches_on_one_day_are_one_date_and_two_watches():
    summary = summarize(
        history(movie(2, "Dune", at(1, 22)), movie(3, "Dune", at(1, 9))), tz=UTC_ZONE
    )
    assert summary.movies[0].watched_on == (date(2025, 3, 1),)
    assert summary.movies[0].watch_count == 2


def test_amazon_title_id_is_the_key_where_present():
    summary = summarize(
        history(
            movie(2, "Dune", at(3), title_id="gti-2021"),
            movie(3, "Dune", at(2), title_id="gti-1984"),
            movie(4, "Dune: Part One", at(1), title_id="gti-2021"),
        ),
        tz=UTC_ZONE,
    )
    assert [(m.title, m.title_id, m.watch_count) for m in summary.movies] == [
        ("Dune", "gti-2021", 2),
        ("Dune", "gti-1984", 1),
    ]


def test_without_ids_titles_fold_by_normalized_clean_title_and_year():
    summary = summarize(
        history(
            movie(2, "Amélie", at(6)),
            movie(3, "Amelie [OV]", at(5)),
            movie(4, "Dune (1984)", at(4)),
            movie(5, "Dune (2021)", at(3)),
            movie(6, "DUNE (2021) (4K UHD)", at(2)),
        ),
        tz=UTC_ZONE,
    )
    assert [(m.title, m.search_title, m.year_hint, m.watch_count) for m in summary.movies] == [
        ("Amélie", "Amélie", None, 2),
        ("Dune (1984)", "Dune", 1984, 1),
        ("Dune (2021)", "Dune", 2021, 2),
    ]


def test_utc_times_become_local_dates():
    late_evening_in_berlin = datetime(2025, 10, 11, 23, 30, tzinfo=UTC)
    summary = summarize(history(movie(2, "Dune", late_evening_in_berlin)), tz=BERLIN)
    assert summary.movies[0].watched_on == (date(2025, 10, 12),)

    early_morning_utc = datetime(2025, 10, 12, 2, 0, tzinfo=UTC)
    summary = summarize(history(movie(2, "Dune", early_morning_utc)), tz=LOS_ANGELES)
    assert summary.movies[0].watched_on == (date(2025, 10, 11),)


@pytest.mark.parametrize("layout", ["exporter-v2", "exporter-v1", "exporter-v3"])
@pytest.mark.parametrize("zone", [BERLIN, UTC_ZONE, LOS_ANGELES], ids=str)
def test_date_only_values_stay_as_written(layout, zone):
    parsed = history(movie(2, "Der Pate", date(2025, 3, 1)), layout=layout)
    assert summarize(parsed, tz=zone).movies[0].watched_on == (date(2025, 3, 1),)


def test_movies_are_ordered_most_recently_watched_first():
    summary = summarize(
        history(
            movie(2, "Old", at(1)),
            movie(3, "Newest", at(9)),
            movie(4, "Middle", at(5)),
            movie(5, "Old", at(2)),
            movie(6, "Undated", None),
            movie(7, "Rewatched", at(3)),
            movie(8, "Rewatched", at(8, 10)),
        ),
        tz=UTC_ZONE,
    )
    assert [m.title for m in summary.movies] == ["Newest", "Rewatched", "Middle", "Old", "Undated"]
    assert summary.movies[-1].watched_on == ()


def test_same_day_ties_keep_file_order():
    summary = summarize(
        history(movie(2, "B", date(2025, 3, 1)), movie(3, "A", date(2025, 3, 1))),
        tz=UTC_ZONE,
    )
    assert [m.title for m in summary.movies] == ["B", "A"]


def test_non_movies_are_counted_not_listed():
    summary = summarize(
        history(
            movie(2, "Dune", at(9)),
            Row(3, "Fallout - Season 1", EPISODE, at(8), "Episode 1"),
            Row(4, "Fallout - Season 1", EPISODE, at(8), "Episode 2"),
            Row(5, "Episode 0: Official Trailer", TRAILER, at(7)),
            Row(6, "Dune", PROMO, at(6)),
            Row(7, "Bonus Content", BONUS, at(5)),
            Row(8, "Bao", SHORT, at(4)),
            Row(9, "Football", LIVE, at(3)),
        ),
        tz=UTC_ZONE,
    )
    assert [m.title for m in summary.movies] == ["Dune"]
    assert (summary.episodes, summary.trailers, summary.other) == (2, 1, 4)


def test_brief_plays_are_dropped_and_counted():
    summary = summarize(
        history(
            movie(2, "Dune", at(9), seconds_viewed=5400),
            movie(3, "Dune", at(8), seconds_viewed=BRIEF_PLAY_SECONDS - 1),
            movie(4, "Road House", at(7), seconds_viewed=30),
            movie(5, "Saltburn", at(6), seconds_viewed=BRIEF_PLAY_SECONDS),
            layout="amazon-viewing-history",
        ),
        tz=UTC_ZONE,
    )
    assert [(m.title, m.watched_on) for m in summary.movies] == [
        ("Dune", (date(2025, 3, 9),)),
        ("Saltburn", (date(2025, 3, 6),)),
    ]
    assert (summary.brief_plays, summary.duplicates) == (2, 0)


def test_brief_sessions_that_add_up_to_a_watch_count():
    bursts = [
        movie(line, "Dune", at(line), seconds_viewed=100)
        for line in range(2, 2 + BRIEF_PLAYS_ADD_UP_TO_A_WATCH_SECONDS // 100)
    ]
    summary = summarize(history(*bursts, layout="amazon-viewing-history"), tz=UTC_ZONE)
    assert len(summary.movies) == 1
    assert summary.brief_plays == 0


def test_rows_without_seconds_are_never_brief():
    summary = summarize(history(movie(2, "Dune", at(1))), tz=UTC_ZONE)
    assert (len(summary.movies), summary.brief_plays) == (1, 0)


def test_entry_takes_ids_path_and_image_from_the_first_row_that_has_them():
    summary = summarize(
        history(
            movie(2, "Dune", at(9)),
            movie(3, "Dune", at(8), path="/detail/0ABC/", image_url="https://img/1.jpg"),
        ),
        tz=UTC_ZONE,
    )
    (entry,) = summary.movies
    assert (entry.title, entry.path, entry.image_url, entry.first_line) == (
        "Dune",
        "/detail/0ABC/",
        "https://img/1.jpg",
        2,
    )


def test_summary_carries_the_parse_facts():
    problem = RowProblem(5, "no date")
    parsed = ParsedHistory(
        layout="exporter-v1.0",
        layout_label="Browser exporter v1.0 (English)",
        locale="en",
        rows=(movie(2, "Dune", date(2023, 10, 3)),),
        problems=(problem,),
        source_name="history.csv",
        truncated_at_hash=True,
    )
    summary = summarize(parsed, tz=UTC_ZONE)
    assert (summary.layout, summary.layout_label, summary.locale, summary.source_name) == (
        "exporter-v1.0",
        "Browser exporter v1.0 (English)",
        "en",
        "history.csv",
    )
    assert (summary.rows, summary.unreadable, summary.truncated_at_hash) == (2, (problem,), True)
