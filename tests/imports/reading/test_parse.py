import codecs
import io
import random
import zipfile
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from imports.reading import (
    LAYOUTS,
    ParsedHistory,
    ParseError,
    Row,
    RowProblem,
    archive,
    parse_history,
    summarize,
)
from imports.reading.titles import EPISODE, LIVE, MOVIE, PROMO, SHORT, TRAILER
from tests.fixtures import prime_fixture, zip_of

TODAY = date(2026, 6, 30)
UTC_ZONE = ZoneInfo("UTC")
V3_HEADER = (
    '"Date Watched","Type","Title","Episode Title","Global Title Identifier",'
    '"Episode Global Title Identifier","Path","Episode Path","Image URL"'
)


def parse(data: bytes, **options) -> ParsedHistory:
    return parse_history(data, today=TODAY, **options)


def v2_file(*rows: str, header: str = "Date Watched,Type,Title,Episode") -> bytes:
    return "\n".join([header, *rows]).encode()


def counts(summary) -> dict[str, int]:
    """The numbers a person sees after uploading."""
    return {
        "rows": summary.rows,
        "movies": len(summary.movies),
        "episodes": summary.episodes,
        "trailers": summary.trailers,
        "other": summary.other,
        "duplicates": summary.duplicates,
        "unreadable": len(summary.unreadable),
        "brief_plays": summary.brief_plays,
    }


def expected(**changes: int) -> dict[str, int]:
    zeros = dict.fromkeys(
        ["movies", "episodes", "trailers", "other", "duplicates", "unreadable", "brief_plays"], 0
    )
    return zeros | changes


def v3_row(when: str, title: str, *, kind: str = "Movie", episode: str = "", gti: str = "") -> str:
    values = [when, kind, title, episode, gti, "", "", "", ""]
    return ",".join('"' + value.replace('"', '""') + '"' for value in values)


# --- One test per layout and locale, from our own fixture files ---------------------------

V2_LOCALES = {
    "en": ('The "Wild" Robot', "Oppenheimer"),
    "de": ("Der Pate", "Das Boot [dt./OV]"),
    "fr": ("Le Fabuleux Destin d'Amélie Poulain", "Intouchables"),
    "es-es": ("El laberinto del fauno", "Mar adentro"),
    "es-419": ("Amores perros", "Roma"),
    "pt-br": ("Cidade de Deus", "Central do Brasil"),
    "pt-pt": ("Tabu", "Sangue do Meu Sangue"),
    "ja": ("千と千尋の神隠し", "君の名は。"),
    "zh-tw": ("臥虎藏龍", "悲情城市"),
    "zh-cn": ("霸王别姬", "活着"),
}
V2_LABELS = {
    "en": "Browser exporter v2 (English)",
    "de": "Browser exporter v2 (Deutsch)",
    "fr": "Browser exporter v2 (Français)",
    "es-es": "Browser exporter v2 (Español de España)",
    "es-419": "Browser exporter v2 (Español latinoamericano)",
    "pt-br": "Browser exporter v2 (Português do Brasil)",
    "pt-pt": "Browser exporter v2 (Português de Portugal)",
    "ja": "Browser exporter v2 (日本語)",
    "zh-tw": "Browser exporter v2 (繁體中文)",
    "zh-cn": "Browser exporter v2 (简体中文)",
}


@pytest.mark.parametrize("locale", sorted(V2_LOCALES))
def test_exporter_v2_in_every_page_language(locale):
    parsed = parse(prime_fixture(f"exporter-v2-{locale}.csv"))
    summary = summarize(parsed, tz=UTC_ZONE)

    assert (parsed.layout, parsed.locale) == ("exporter-v2", locale)
    assert parsed.layout_label == V2_LABELS[locale]
    assert [row.kind for row in parsed.rows] == [MOVIE, EPISODE, MOVIE, MOVIE]
    assert [row.watched_at for row in parsed.rows] == [
        date(2025, 3, 2),
        date(2025, 3, 1),
        date(2025, 2, 27),
        date(2025, 2, 14),
    ]
    assert parsed.problems == ()
    rewatched, other = V2_LOCALES[locale]
    assert [movie.title for movie in summary.movies] == [rewatched, other]
    assert summary.movies[0].watched_on == (date(2025, 2, 14), date(2025, 3, 2))
    assert counts(summary) == expected(rows=4, movies=2, episodes=1, duplicates=1)


def test_exporter_v2_zh_cn_and_zh_tw_share_a_header_and_differ_in_the_series_word():
    zh_tw = prime_fixture("exporter-v2-zh-tw.csv")
    assert zh_tw.split(b"\n")[0] == prime_fixture("exporter-v2-zh-cn.csv").split(b"\n")[0]
    movies_only = b"\n".join(line for line in zh_tw.split(b"\n") if "劇集系列".encode() not in line)
    assert parse(movies_only).locale == "zh-tw"  # no series word to tell: the default


def test_exporter_v2_english_without_quotes_to_tell_is_labelled_v1_1_to_v2():
    parsed = parse(v2_file('2024-02-11,Movie,"Dune",""'))
    assert parsed.layout == "exporter-v2"
    assert parsed.layout_label == "Browser exporter v1.1–v2 (English)"


def test_exporter_v1_0_comma_space_separators_and_bare_inner_quotes():
    parsed = parse(prime_fixture("exporter-v1.0.csv"))
    summary = summarize(parsed, tz=UTC_ZONE)

    assert (parsed.layout, parsed.locale) == ("exporter-v1.0", "en")
    assert parsed.layout_label == "Browser exporter v1.0 (English)"
    assert parsed.rows[0] == Row(2, "The Big Lebowski", MOVIE, date(2023, 10, 3))
    assert parsed.rows[1].title == 'The "Best" Film'
    assert parsed.rows[2] == Row(
        4, "Fallout - Season 1", EPISODE, date(2023, 10, 1), "Episode 2: The Target"
    )
    assert not parsed.truncated_at_hash
    assert [movie.title for movie in summary.movies] == [
        "The Big Lebowski",
        'The "Best" Film',
        "Amélie",
    ]
    assert counts(summary) == expected(rows=6, movies=3, episodes=2, duplicates=1)


def test_exporter_v1_0_cut_at_a_hash_keeps_what_is_there_and_warns():
    parsed = parse(prime_fixture("exporter-v1.0-cut-at-hash.csv"))
    summary = summarize(parsed, tz=UTC_ZONE)

    assert parsed.truncated_at_hash
    assert summary.truncated_at_hash
    assert [row.title for row in parsed.rows] == ["Arrival", "Slow Horses - Season 3"]
    assert parsed.problems == (
        RowProblem(4, 'row cut short: the exporter stopped at a "#" in a title'),
    )
    assert [movie.title for movie in summary.movies] == ["Arrival"]
    assert counts(summary) == expected(rows=3, movies=1, episodes=1, unreadable=1)


def test_exporter_v1_0_first_build_without_quotes():
    data = b"Date Watched, Type, Title, Episode\n2023-10-03, Movie, The Big Lebowski, \n"
    data += b"2023-10-01, Series, Fallout - Season 1, Episode 2: The Target"
    parsed = parse(data)
    assert parsed.layout == "exporter-v1.0"
    assert [(row.title, row.episode_title) for row in parsed.rows] == [
        ("The Big Lebowski", ""),
        ("Fallout - Season 1", "Episode 2: The Target"),
    ]


def test_exporter_v1_unescaped_inner_quotes():
    parsed = parse(prime_fixture("exporter-v1.csv"))
    summary = summarize(parsed, tz=UTC_ZONE)

    assert (parsed.layout, parsed.locale) == ("exporter-v1", "en")
    assert parsed.layout_label == "Browser exporter v1.1–v1.3 (English)"
    assert parsed.rows[2].title == 'The "Best" Film'
    assert parsed.rows[3].episode_title == 'Episode 1: Department of "Dirty" Tricks'
    assert parsed.rows[4].title == "Crouching Tiger, Hidden Dragon"
    assert parsed.problems == ()
    assert [movie.title for movie in summary.movies] == [
        "Dune",
        'The "Best" Film',
        "Crouching Tiger, Hidden Dragon",
    ]
    assert summary.movies[0].watch_count == 3
    # One exact duplicate row plus two rewatches folded into Dune.
    assert counts(summary) == expected(rows=7, movies=3, episodes=1, duplicates=3)


@pytest.mark.parametrize(
    ("fixture", "first_watch"),
    [
        ("exporter-untagged-epoch.csv", datetime(2026, 1, 5, 21, 14, 5, 120000, tzinfo=UTC)),
        ("exporter-untagged-datetime.csv", datetime(2026, 1, 6, 21, 14, 5, 120000, tzinfo=UTC)),
    ],
)
def test_exporter_untagged_four_column_build_with_quoted_header(fixture, first_watch):
    parsed = parse(prime_fixture(fixture))
    summary = summarize(parsed, tz=UTC_ZONE)

    assert (parsed.layout, parsed.locale) == ("exporter-2026-untagged", "en")
    assert parsed.rows[0].watched_at == first_watch
    assert parsed.rows[1].kind == EPISODE
    assert "," in parsed.rows[1].episode_title
    assert counts(summary) == expected(rows=3, movies=2, episodes=1)


def test_exporter_v3_ids_paths_images_and_trailers_typed_as_movies():
    parsed = parse(prime_fixture("exporter-v3.csv"))
    summary = summarize(parsed, tz=UTC_ZONE)

    assert (parsed.layout, parsed.locale) == ("exporter-v3", "en")
    assert parsed.layout_label == "Browser exporter v3 (English)"
    series = parsed.rows[0]
    assert series.kind == EPISODE
    assert series.episode_title == 'Episode 1: "Identity Theft"'
    assert series.watched_at == datetime(2025, 10, 12, 20, 15, 1, 250000, tzinfo=UTC)
    assert series.title_id.startswith("amzn1.dv.gti.")
    assert series.episode_id.startswith("amzn1.dv.gti.")
    movie = parsed.rows[1]
    assert (movie.title, movie.kind) == ("Anatomie eines Falls", MOVIE)
    assert movie.path == "/region/eu/detail/0CCCCCCCCCCCCCCCCCCCCCCCCC/ref=atv_set_wh_dp"
    assert movie.image_url.startswith("https://images-eu.ssl-images-amazon.com/")
    assert parsed.rows[2].kind == TRAILER  # "Episode 0: Official Trailer", typed Movie
    assert [movie.title for movie in summary.movies] == [
        "Anatomie eines Falls",
        "The Fall Guy (4K UHD)",
        '=HYPERLINK("http://example.com","click")',
    ]
    assert summary.movies[1].search_title == "The Fall Guy"
    # duplicates: an exact duplicate row and a rewatch
    assert counts(summary) == expected(rows=8, movies=3, episodes=2, trailers=1, duplicates=2)


def test_exporter_v3_epoch_milliseconds():
    parsed = parse(prime_fixture("exporter-v3-epoch.csv"))
    summary = summarize(parsed, tz=UTC_ZONE)

    assert parsed.layout == "exporter-v3"
    assert parsed.rows[0].watched_at == datetime(2025, 10, 12, 20, 15, 1, 250000, tzinfo=UTC)
    assert [movie.watched_on for movie in summary.movies] == [
        (date(2025, 10, 10), date(2025, 10, 12))
    ]
    assert counts(summary) == expected(rows=3, movies=1, episodes=1, duplicates=1)


def test_amazon_legacy_title_after_the_twelfth_comma_and_hourly_utc_times():
    parsed = parse(prime_fixture("amazon-legacy.csv"))
    summary = summarize(parsed, tz=UTC_ZONE)

    assert (parsed.layout, parsed.locale) == ("amazon-legacy", "")
    assert parsed.layout_label == (
        "Amazon data download: Digital.PrimeVideo.Viewinghistory.csv (2016–2021)"
    )
    assert parsed.rows[0] == Row(
        2, "Crouching Tiger, Hidden Dragon", MOVIE, datetime(2019, 3, 21, 21, tzinfo=UTC)
    )
    assert parsed.rows[2].kind == TRAILER  # Entitlement Type TRAILER
    assert parsed.rows[4].kind == EPISODE  # "Transparent: Season 1"
    assert [movie.title for movie in summary.movies] == [
        "Crouching Tiger, Hidden Dragon",
        "Green Book",
        "Love Actually",
    ]
    # Two playback hours of one film are one watch on one day.
    assert summary.movies[0].watched_on == (date(2019, 3, 21),)
    assert counts(summary) == expected(rows=6, movies=3, episodes=1, trailers=1, duplicates=1)


def test_amazon_2022_stray_quotes_not_available_and_brief_plays():
    parsed = parse(prime_fixture("amazon-2022.csv"))
    summary = summarize(parsed, tz=UTC_ZONE)

    assert (parsed.layout, parsed.locale) == ("amazon-2022", "")
    assert parsed.rows[0].title == "Knives Out"  # was '"Knives Out'
    assert parsed.rows[0].seconds_viewed == 3000
    assert parsed.rows[0].watched_at == datetime(2023, 11, 4, 2, 10, tzinfo=UTC)
    assert parsed.problems == (RowProblem(7, "title not available"),)
    assert [movie.title for movie in summary.movies] == ["Knives Out", "The Banshees of Inisherin"]
    assert counts(summary) == expected(
        rows=6, movies=2, episodes=1, duplicates=1, unreadable=1, brief_plays=1
    )


def test_amazon_viewing_history_2025():
    parsed = parse(prime_fixture("amazon-viewing-history.csv"))
    summary = summarize(parsed, tz=UTC_ZONE)

    assert (parsed.layout, parsed.locale) == ("amazon-viewing-history", "")
    assert parsed.layout_label == "Amazon data download: Viewing History.csv"
    first = parsed.rows[0]
    assert first == Row(
        2, "Dune: Part Two", MOVIE, datetime(2026, 3, 14, 21, 5, tzinfo=UTC), seconds_viewed=3500
    )
    assert [row.kind for row in parsed.rows] == [
        MOVIE,
        MOVIE,
        EPISODE,
        MOVIE,
        TRAILER,
        PROMO,
        MOVIE,
        MOVIE,
        SHORT,
        LIVE,
        EPISODE,
    ]
    assert parsed.rows[2].title == "The Sky Is Falling-Slow Horses - Season 4"
    assert parsed.problems == (RowProblem(13, "deleted from your Prime Video watch history"),)
    assert [movie.title for movie in summary.movies] == ["Dune: Part Two", "Saltburn"]
    # One film over three evenings: one entry with three dates.
    assert summary.movies[0].watched_on == (date(2026, 3, 12), date(2026, 3, 13), date(2026, 3, 14))
    assert counts(summary) == expected(
        rows=12,
        movies=2,
        episodes=2,
        trailers=1,
        other=3,
        duplicates=2,
        unreadable=1,
        brief_plays=1,
    )


def test_amazon_viewing_history_keeps_quotes_inside_titles():
    header = '"Material Type Description","Playback Start Datetime (UTC)","Seconds Viewed","Title"'
    row = '"""Feature""",2026-06-14T02:37:00Z,6200,"""Say ""Hi"""""'
    parsed = parse(f"{header}\n{row}".encode())
    assert parsed.rows[0].title == 'Say "Hi"'


def test_amazon_watch_events_multiline_descriptions_keep_line_numbers():
    parsed = parse(prime_fixture("amazon-watch-events.csv"))
    summary = summarize(parsed, tz=UTC_ZONE)

    assert (parsed.layout, parsed.locale) == ("amazon-watch-events", "")
    assert [(row.line, row.title) for row in parsed.rows] == [
        (2, "Dune: Part Two"),
        (4, "The Sky Is Falling"),
        (6, "Road House"),
        (7, "Saltburn"),
        (8, "Episode 1: Efectuar lo acordado"),
    ]
    assert parsed.problems == (
        RowProblem(9, "deleted from your Prime Video watch history"),
        RowProblem(10, 'date "Not Available" is not a date'),
    )
    # An episode named only by its own title cannot be told from a film (documented).
    assert [movie.title for movie in summary.movies] == [
        "Dune: Part Two",
        "The Sky Is Falling",
        "Saltburn",
    ]
    assert counts(summary) == expected(rows=7, movies=3, episodes=1, unreadable=2, brief_plays=1)


def test_layouts_lists_every_layout_with_a_label():
    names = [name for name, _ in LAYOUTS]
    assert len(names) == len(set(names)) == 9
    assert {"exporter-v1.0", "amazon-viewing-history", "amazon-watch-events"} <= set(names)
    assert all(label for _, label in LAYOUTS)


# --- Encodings, delimiters, line ends -----------------------------------------------------


def _same_rows(parsed: ParsedHistory, fixture: str) -> None:
    expected = parse(prime_fixture(fixture))
    assert [(r.title, r.kind, r.watched_at, r.episode_title) for r in parsed.rows] == [
        (r.title, r.kind, r.watched_at, r.episode_title) for r in expected.rows
    ]


def test_utf16_le_tab_separated_excel_unicode_text():
    text = prime_fixture("exporter-v2-en.csv").decode().replace(",", "\t")
    parsed = parse(text.encode("utf-16"))  # BOM, little-endian on every platform we run
    assert parsed.layout == "exporter-v2"
    _same_rows(parsed, "exporter-v2-en.csv")


def test_utf16_be_with_bom():
    text = prime_fixture("exporter-v2-fr.csv").decode()
    parsed = parse(codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    assert parsed.locale == "fr"
    _same_rows(parsed, "exporter-v2-fr.csv")


def test_utf8_with_bom_and_crlf():
    data = codecs.BOM_UTF8 + prime_fixture("exporter-v2-de.csv").replace(b"\n", b"\r\n")
    parsed = parse(data)
    assert parsed.locale == "de"
    _same_rows(parsed, "exporter-v2-de.csv")


def test_cp1252_fallback_keeps_accents():
    data = prime_fixture("exporter-v2-fr.csv").decode().encode("cp1252")
    parsed = parse(data)
    assert parsed.locale == "fr"  # the header "Date regardée" was read correctly
    assert parsed.rows[0].title == "Le Fabuleux Destin d'Amélie Poulain"


def test_excel_resave_semicolons_cp1252_and_dotted_dates():
    parsed = parse(prime_fixture("exporter-v2-de-excel.csv"))
    assert (parsed.layout, parsed.locale) == ("exporter-v2", "de")
    assert parsed.rows[0] == Row(2, "Der Pate", MOVIE, date(2025, 3, 2))
    assert parsed.rows[2].title == "Die fabelhafte Welt der Amélie"
    assert parsed.problems == ()


def test_excel_sep_hint_line_is_skipped_and_line_numbers_stay_true():
    data = b"sep=;\nDate Watched;Type;Title;Episode\n2024-02-11;Movie;Dune;\n"
    parsed = parse(data)
    assert parsed.rows == (Row(3, "Dune", MOVIE, date(2024, 2, 11)),)


# --- Dates ----------------------------------------------------------------------------------


def test_mixed_date_formats_parse_when_each_value_is_unambiguous():
    parsed = parse(
        v2_file(
            '2024-02-11,Movie,"A",""',
            '11.02.2024,Movie,"B",""',
            '02/13/2024,Movie,"C",""',
            '13/02/2024 21:05,Movie,"D",""',
            '1707609600000,Movie,"E",""',
            '2024-02-11T20:00:00Z,Movie,"F",""',
            '2/13/24 9:05 PM,Movie,"G",""',
        )
    )
    assert parsed.problems == ()
    assert [row.watched_at for row in parsed.rows] == [
        date(2024, 2, 11),
        date(2024, 2, 11),
        date(2024, 2, 13),
        datetime(2024, 2, 13, 21, 5, tzinfo=UTC),
        datetime(2024, 2, 11, tzinfo=UTC),
        datetime(2024, 2, 11, 20, tzinfo=UTC),
        datetime(2024, 2, 13, 21, 5, tzinfo=UTC),
    ]


def test_ambiguous_slash_dates_follow_the_rest_of_the_file():
    parsed = parse(v2_file('03/04/2024,Movie,"A",""', '25/04/2024,Movie,"B",""'))
    assert [row.watched_at for row in parsed.rows] == [date(2024, 4, 3), date(2024, 4, 25)]


def test_ambiguous_slash_dates_without_evidence_are_reported_not_guessed():
    parsed = parse(v2_file('2024-04-25,Movie,"A",""', '03/04/2024,Movie,"B",""'))
    assert [row.title for row in parsed.rows] == ["A"]
    assert parsed.problems == (
        RowProblem(
            3,
            'date "03/04/2024" is ambiguous: it could be day 3 of month 4 or day 4 of month 3',
        ),
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2024-02-30", 'date "2024-02-30" is not a date'),
        ("31/02/2020", 'date "31/02/2020" is not a date'),
        ("yesterday", 'date "yesterday" is not a date'),
        ("1.73646E+12", 'date "1.73646E+12" is not a date'),
        ("", "no date"),
        ("2026-07-02", "date is in the future (2026-07-02)"),
        ("2005-03-01", 'date "2005-03-01" is too early (Prime Video began in 2006)'),
        ("0001-01-01T00:00:00+14:00", 'date "0001-01-01T00:00:00+14:00" is not a date'),
    ],
)
def test_unusable_dates_are_row_problems_with_line_numbers(value, reason):
    parsed = parse(v2_file('2024-02-11,Movie,"Fine",""', f'{value},Movie,"Broken",""'))
    assert [row.title for row in parsed.rows] == ["Fine"]
    assert parsed.problems == (RowProblem(3, reason),)


def test_one_day_of_slack_for_time_zones_ahead_of_utc():
    parsed = parse(v2_file('2026-07-01,Movie,"Tomorrow in UTC",""'))
    assert parsed.rows[0].watched_at == date(2026, 7, 1)


def test_today_defaults_to_the_current_utc_date():
    future = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    parsed = parse_history(v2_file('2024-02-11,Movie,"A",""', f'{future},Movie,"B",""'))
    assert [problem.line for problem in parsed.problems] == [3]


# --- Rows that cannot be read -----------------------------------------------------------


def test_too_many_and_too_few_fields_are_row_problems():
    data = "\n".join(
        [
            V3_HEADER,
            v3_row("2025-01-02 10:00:00.000", "Fine"),
            v3_row("2025-01-02 10:00:00.000", "Extra") + ',"x"',
            '"2025-01-02 10:00:00.000","Movie","Short"',
            v3_row("2025-01-01 10:00:00.000", "Also fine"),
        ]
    ).encode()
    parsed = parse(data)
    assert [row.title for row in parsed.rows] == ["Fine", "Also fine"]
    assert parsed.problems == (
        RowProblem(3, "too many fields (expected 9, found 10)"),
        RowProblem(4, "too few fields (expected 9, found 3)"),
    )


def test_unbalanced_quotes_in_an_exporter_row_are_a_row_problem():
    parsed = parse(v2_file('2024-02-11,Movie,"Fine",""', '2024-02-10,Movie,"Broken,', ""))
    assert [row.title for row in parsed.rows] == ["Fine"]
    assert [problem.line for problem in parsed.problems] == [3]


def test_an_unclosed_quote_does_not_swallow_the_rows_after_it():
    parsed = parse(
        v2_file(
            '2024-02-11,Movie,"Fine",""', '2024-02-10,Movie,"Broken', '2024-02-09,Movie,"Dune",""'
        )
    )
    assert [(row.line, row.title) for row in parsed.rows] == [(2, "Fine"), (4, "Dune")]
    assert parsed.problems == (RowProblem(3, "could not read this row (unbalanced quotes)"),)
    assert parsed.layout == "exporter-v2"  # the good rows did not need bare-quote splitting


def test_formula_and_html_titles_are_kept_as_written():
    formula = '=HYPERLINK("http://evil.example","Click me")'
    html = "<script>alert(1)</script> <b>Bold</b>"
    data = "\n".join([V3_HEADER, v3_row("2025-01-02 10:00:00.000", formula)])
    data += "\n" + v3_row("2025-01-01 10:00:00.000", html)
    parsed = parse(data.encode())
    assert [row.title for row in parsed.rows] == [formula, html]


def test_asin_is_taken_from_the_path_when_there_is_no_gti():
    row = (
        '"2025-01-02 10:00:00.000","Movie","Dune","","","","/region/eu/detail/0ABCDEF/ref=x","",""'
    )
    parsed = parse(f"{V3_HEADER}\n{row}".encode())
    assert parsed.rows[0].title_id == "0ABCDEF"


# --- Amazon's ZIP ---------------------------------------------------------------------------

VIEWING_HISTORY = "Your Prime Video Viewing Activity/Viewing History.csv"
WATCH_EVENTS = "Your Prime Video Viewing Activity/Watch Events.csv"


def test_zip_prefers_viewing_history_over_watch_events():
    data = zip_of(
        {
            "Digital.Orders/Retail.OrderHistory.1.csv": b"Order ID,Order Date,Title\n1,2024,x\n",
            WATCH_EVENTS: prime_fixture("amazon-watch-events.csv"),
            VIEWING_HISTORY: prime_fixture("amazon-viewing-history.csv"),
        }
    )
    parsed = parse(data)
    assert parsed.layout == "amazon-viewing-history"
    assert parsed.source_name == VIEWING_HISTORY
    assert summarize(parsed, tz=UTC_ZONE).source_name == VIEWING_HISTORY


def test_zip_with_watch_events_only():
    parsed = parse(zip_of({WATCH_EVENTS: prime_fixture("amazon-watch-events.csv")}))
    assert (parsed.layout, parsed.source_name) == ("amazon-watch-events", WATCH_EVENTS)


def test_zip_falls_back_to_watch_events_when_viewing_history_is_empty():
    header_only = prime_fixture("amazon-viewing-history.csv").split(b"\n")[0] + b"\n"
    data = zip_of(
        {VIEWING_HISTORY: header_only, WATCH_EVENTS: prime_fixture("amazon-watch-events.csv")}
    )
    assert parse(data).source_name == WATCH_EVENTS


def test_zip_history_is_found_by_header_not_by_name():
    data = zip_of({"stuff/notes.txt": prime_fixture("amazon-legacy.csv")}, compression=0)
    parsed = parse(data)
    assert (parsed.layout, parsed.source_name) == ("amazon-legacy", "stuff/notes.txt")


def test_zip_reading_stops_at_the_byte_limit_whatever_the_sizes_say():
    data = zip_of({"a.csv": b"x" * 5000})
    with zipfile.ZipFile(io.BytesIO(data)) as opened:
        budget = archive._Budget(limit=1000, remaining=1000)
        with pytest.raises(ParseError, match="unpacks to more than"):
            budget.read(opened, opened.infolist()[0], None)


# --- Bad input: one clear ParseError each, never another exception --------------------------


def _many_rows(count: int) -> bytes:
    return b"Date Watched,Type,Title,Episode\n" + b'2024-02-11,Movie,"Dune",""\n' * count


def _bomb(size: int) -> bytes:
    return zip_of({"Viewing History.csv": b"0" * size})


def _forged_size_zip() -> bytes:
    """A small ZIP whose directory says its one entry unpacks to 600 MB."""
    data = bytearray(zip_of({"history.csv": b"x" * 12_345}, compression=zipfile.ZIP_STORED))
    real = (12_345).to_bytes(4, "little")
    forged = (600 * 1024 * 1024).to_bytes(4, "little")
    return bytes(data.replace(real, forged))


def _lying_zip() -> bytes:
    """A ZIP whose directory says 100 bytes where 3 MB inflate."""
    data = bytearray(zip_of({"history.csv": b"Title,Date\n" + b"a" * 3_000_000}))
    real = (3_000_011).to_bytes(4, "little")
    fake = (100).to_bytes(4, "little")
    return bytes(data.replace(real, fake))


BAD_INPUT = [
    ("empty", lambda: b"", "The file is empty"),
    ("whitespace only", lambda: b" \r\n\n\t", "The file is empty"),
    ("BOM only", lambda: codecs.BOM_UTF8, "The file is empty"),
    ("header only", lambda: b"Date Watched,Type,Title,Episode\n", "has a header but no rows"),
    (
        "header only, Amazon 2025",
        lambda: prime_fixture("amazon-viewing-history.csv").split(b"\n")[0],
        "has a header but no rows",
    ),
    ("PDF", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "This is a PDF document"),
    ("PNG", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is a PNG image"),
    ("gzip", lambda: b"\x1f\x8b\x08\x00" + bytes(20), "This is a gzip archive"),
    ("old Excel", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(50), "Excel"),
    ("random bytes", lambda: random.Random(7).randbytes(4096), "not a text file"),
    ("NUL bytes", lambda: b"Date Watched,Type,Title\x00,Episode\n" + b"\x00" * 3, "NUL bytes"),
    ("HTML page", lambda: b"<!DOCTYPE html><html><body>Watch history", "web page"),
    ("JSON", lambda: b'[{"title": "Dune", "date": "2024-02-11"}]', "JSON"),
    ("Netflix", lambda: b'Title,Date\n"Dune: Part Two","3/14/24"\n', "Netflix viewing history"),
    (
        "Letterboxd diary.csv",
        lambda: (
            b"Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
            b"2024-03-14,Dune,2021,https://boxd.it/x,4,,,2024-03-13\n"
        ),
        "Letterboxd export",
    ),
    (
        "Letterboxd ratings.csv",
        lambda: b"Date,Name,Year,Letterboxd URI,Rating\n2024-03-14,Dune,2021,https://boxd.it/x,4\n",
        "Letterboxd export",
    ),
    (
        "Letterboxd watched.csv",
        lambda: b"Date,Name,Year,Letterboxd URI\n2024-03-14,Dune,2021,https://boxd.it/x\n",
        "Letterboxd export",
    ),
    ("title but no date", lambda: b"Title,Type\nDune,Movie\n", "Title column but no date"),
    ("some other CSV", lambda: b"foo,bar\n1,2\n", "don't recognise this file"),
    (
        "nothing readable",
        lambda: v2_file('2024-02-11,Movie,"Dune","",x,y', '2099-01-01,Movie,"Dune",""'),
        "None of the 2 rows in this file could be read (line 2: too many fields",
    ),
    ("1 million rows", lambda: _many_rows(1_000_000), "more than 200,000 rows"),
    ("ZIP bomb by declared size", _forged_size_zip, "unpacks to more than 500 MB"),
    ("ZIP bomb by ratio", lambda: _bomb(20 * 1024 * 1024), "compressed suspiciously well"),
    ("ZIP that lies about sizes", _lying_zip, "damaged"),
    (
        "ZIP without a history",
        lambda: zip_of({"Digital.Orders.csv": b"Order ID,Total\n1,2\n", "readme.txt": b"hi"}),
        "no Prime Video watch history in it. We looked for Amazon's",
    ),
    ("empty ZIP", lambda: zip_of({}), "This ZIP file is empty"),
    ("damaged ZIP", lambda: b"PK\x03\x04" + bytes(60), "damaged"),
    (
        "ZIP with path traversal",
        lambda: zip_of({"../history.csv": prime_fixture("exporter-v2-en.csv")}),
        "unsafe names (such as “../history.csv”)",
    ),
    (
        "ZIP with an absolute path",
        lambda: zip_of({"/etc/history.csv": prime_fixture("exporter-v2-en.csv")}),
        "unsafe names",
    ),
    (
        "Excel workbook",
        lambda: zip_of({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}),
        "Excel workbook (.xlsx)",
    ),
]


@pytest.mark.parametrize(
    ("make_data", "fragment"),
    [pytest.param(make, fragment, id=name) for name, make, fragment in BAD_INPUT],
)
def test_bad_input_gets_a_clear_parse_error(make_data, fragment):
    with pytest.raises(ParseError) as raised:
        parse(make_data())
    assert type(raised.value) is ParseError
    assert fragment in str(raised.value)


def test_bomb_limit_is_configurable():
    with pytest.raises(ParseError, match="unpacks to more than 1 MB"):
        parse(_bomb(2 * 1024 * 1024), max_unzipped_bytes=1024 * 1024)


def test_zip_entry_limit():
    data = zip_of({f"{number}.txt": b"x" for number in range(6)})
    with pytest.raises(ParseError, match="6 files in it; we read ZIPs with up to 5"):
        parse(data, max_zip_entries=5)


def test_large_but_allowed_file_parses():
    parsed = parse(_many_rows(150_000))
    assert len(parsed.rows) == 150_000
    assert parsed.rows[-1].line == 150_001


def test_a_200_mb_file_stops_at_the_row_limit_without_blowing_up():
    row = b'2024-02-11,Movie,"' + b"A long title " * 7 + b'",""\n'
    data = b"Date Watched,Type,Title,Episode\n" + row * (200 * 1024 * 1024 // len(row))
    assert len(data) > 199 * 1024 * 1024
    with pytest.raises(ParseError, match="more than 200,000 rows"):
        parse(data)


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("amazon-watch-events.csv", False),
        ("amazon-2022.csv", False),
        ("amazon-viewing-history.csv", True),
        ("amazon-legacy.csv", True),
        ("exporter-v3.csv", True),
        ("exporter-v2-ja.csv", True),
    ],
)
def test_a_file_says_whether_it_tells_films_from_episodes(name, typed):
    assert parse_history(prime_fixture(name)).typed is typed


def test_total_play_time_of_an_entry_is_kept_where_the_file_has_it():
    summary = summarize(parse_history(prime_fixture("amazon-2022.csv")), tz=ZoneInfo("UTC"))
    knives_out = next(entry for entry in summary.movies if entry.search_title == "Knives Out")
    assert knives_out.seconds_watched == 3000 + 2700
    legacy = summarize(parse_history(prime_fixture("amazon-legacy.csv")), tz=ZoneInfo("UTC"))
    assert all(entry.seconds_watched is None for entry in legacy.movies)


def test_an_asin_column_in_amazons_files_is_the_title_id():
    data = (
        '\ufeff"ASIN","Material Type Description","Playback Start Datetime (UTC)",'
        '"Seconds Viewed","Title"\n'
        '"""B0ABCDEF12""","""Feature""",2026-06-14T02:37:00Z,6200,"""Goodrich"""\n'
    ).encode()
    (row,) = parse_history(data).rows
    assert row.title_id == "B0ABCDEF12"
