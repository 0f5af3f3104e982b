"""Prime Video watch-history files: bytes (or Amazon's ZIP) → detected layout → rows. Pure.

The layout is recognised from the header line, never from the file name (the README lists
every layout). The readers are in `layouts`, the ZIP handling in `archive`, date reading in
`dates`.
"""

from __future__ import annotations

import codecs
import csv
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from imports.reading import archive
from imports.reading.layouts import READERS
from imports.reading.records import Header, RowSink
from imports.reading.rows import ParseError, Row, RowProblem

__all__ = [
    "LAYOUTS",
    "ParseError",
    "ParsedHistory",
    "Row",
    "RowProblem",
    "parse_history",
]

# Every layout we read, as (stable machine name, what to call it on the upload page).
LAYOUTS: list[tuple[str, str]] = [
    ("exporter-v3", "Browser exporter v3"),
    ("exporter-2026-untagged", "Browser exporter (untagged January 2026 build)"),
    ("exporter-v2", "Browser exporter v2"),
    ("exporter-v1", "Browser exporter v1.1–v1.3"),
    ("exporter-v1.0", "Browser exporter v1.0"),
    ("amazon-viewing-history", "Amazon data download: Viewing History.csv"),
    ("amazon-watch-events", "Amazon data download: Watch Events.csv"),
    ("amazon-2022", "Amazon data download: PrimeVideo.ViewingHistory.csv (2022–2024)"),
    ("amazon-legacy", "Amazon data download: Digital.PrimeVideo.Viewinghistory.csv (2016–2021)"),
]
_LABELS = dict(LAYOUTS)

# When Amazon's ZIP holds several histories, the richest one wins (lower is better).
_ZIP_PREFERENCE = {
    "amazon-viewing-history": 0,
    "amazon-2022": 1,
    "amazon-legacy": 2,
    "exporter-v3": 3,
    "exporter-2026-untagged": 4,
    "exporter-v2": 5,
    "exporter-v1": 6,
    "exporter-v1.0": 7,
    "amazon-watch-events": 8,
}

# The exporter's four-column header in each page language (v2 translated it).
_EXPORTER_HEADERS = {
    ("date watched", "type", "title", "episode"): "en",
    ("datum angesehen", "typ", "titel", "folge"): "de",
    ("date regardée", "type", "titre", "épisode"): "fr",
    ("fecha de visualización", "tipo", "título", "episodio"): "es-es",
    ("fecha vista", "tipo", "título", "episodio"): "es-419",
    ("data assistida", "tipo", "título", "episódio"): "pt-br",
    ("data de visualização", "tipo", "título", "episódio"): "pt-pt",
    ("視聴日", "種類", "タイトル", "エピソード"): "ja",
    ("觀看日期", "類型", "標題", "集"): "zh-tw",  # zh-cn too: told apart by the type word
}
_LANGUAGES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es-es": "Español de España",
    "es-419": "Español latinoamericano",
    "pt-br": "Português do Brasil",
    "pt-pt": "Português de Portugal",
    "ja": "日本語",
    "zh-tw": "繁體中文",
    "zh-cn": "简体中文",
}
_TITLE_WORDS = {"title", "titel", "titre", "título", "titulo", "タイトル", "標題", "标题", "name"}
_DATE_HINTS = ("date", "datum", "fecha", "data", "日", "hour", "time", "watched", "day")

ACCEPTED = (
    "We accept the CSV made by the “Watch History Exporter for Amazon Prime Video” browser "
    "script (any version), and Amazon's own “Request your data” download: the ZIP, or the "
    "Viewing History.csv, Watch Events.csv, PrimeVideo.ViewingHistory.csv or "
    "Digital.PrimeVideo.Viewinghistory.csv inside it."
)
_BINARY_SIGNATURES = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Office document"),
    (b"{\\rtf", "an RTF document"),
)


@dataclass(frozen=True, slots=True)
class ParsedHistory:
    layout: str  # stable machine name, one of LAYOUTS
    layout_label: str  # e.g. "Browser exporter v2 (Deutsch)"
    locale: str  # "en", "de", … for exporter files; "" for Amazon's own files
    rows: tuple[Row, ...]
    problems: tuple[RowProblem, ...]
    source_name: str = ""  # the ZIP entry the history came from, or ""
    truncated_at_hash: bool = False  # v1.0 file cut short by a "#" in a title
    # False when nothing in the file says which rows are films (Watch Events): plainly named
    # episodes then read as films.
    typed: bool = True


class _NoRows(ParseError):
    """A history with nothing usable in it: in a ZIP, the next candidate gets a chance."""


def parse_history(
    data: bytes,
    *,
    max_rows: int = 200_000,
    max_zip_entries: int = 10_000,
    max_unzipped_bytes: int = 500 * 1024 * 1024,
    today: date | None = None,
) -> ParsedHistory:
    """Read an uploaded watch history. Raises ParseError, and only ParseError, on bad input.

    Rows dated after `today` + 1 day (default: today in UTC; the day of slack covers
    time zones ahead of UTC) are reported as problems, as are unreadable rows.
    """
    data = bytes(data)
    latest_day = (today or datetime.now(UTC).date()) + timedelta(days=1)
    if not archive.is_zip(data):
        try:
            return _parse_file(data, max_rows=max_rows, latest_day=latest_day)
        except _NoRows as error:
            raise ParseError(str(error)) from None
    entries = archive.history_entries(
        data,
        rank=_zip_rank,
        max_entries=max_zip_entries,
        max_unzipped_bytes=max_unzipped_bytes,
    )
    first_error: ParseError | None = None
    for entry in entries:
        try:
            return _parse_file(
                entry.read(), max_rows=max_rows, latest_day=latest_day, source_name=entry.name
            )
        except _NoRows as error:
            first_error = first_error or ParseError(f"In the ZIP's “{entry.name}”: {error}")
    assert first_error is not None  # history_entries never returns an empty list
    raise first_error


def _parse_file(
    data: bytes, *, max_rows: int, latest_day: date, source_name: str = ""
) -> ParsedHistory:
    text = _decode(data)
    header = _header(text)
    layout, locale = _detect(header)
    sink = RowSink(latest_day=latest_day, max_rows=max_rows, month_first=layout == "amazon-legacy")
    READERS[layout](header, sink)
    sink.finish()
    if not sink.read:
        raise _NoRows(
            "This file has a header but no rows, so there is nothing to import. Check that "
            "you uploaded the right file; with the browser exporter, scroll to the end of "
            "your watch history before running it."
        )
    if not sink.rows:
        first = sink.problems[0]
        raise _NoRows(
            f"None of the {sink.read:,} rows in this file could be read (line {first.line}: "
            f"{first.reason}). Check that it is the file you exported, not a copy edited in a "
            "spreadsheet."
        )
    layout, locale, label = _name(layout, locale, sink.notes)
    return ParsedHistory(
        layout=layout,
        layout_label=label,
        locale=locale,
        rows=tuple(sink.rows),
        problems=tuple(sink.problems),
        source_name=source_name,
        truncated_at_hash="truncated-at-hash" in sink.notes,
        typed="untyped" not in sink.notes,
    )


def _name(layout: str, locale: str, notes: set[str]) -> tuple[str, str, str]:
    """The final layout, locale and label, once the rows have shown what the header can't."""
    if locale == "zh-tw" and "simplified-chinese" in notes:
        locale = "zh-cn"
    label = _LABELS[layout]
    if layout == "exporter-v2":
        # v1.1–v1.3 wrote the same English header; only their bare inner quotes tell.
        if "bare-quotes" in notes:
            layout, label = "exporter-v1", _LABELS["exporter-v1"]
        elif locale == "en" and "doubled-quotes" not in notes:
            label = "Browser exporter v1.1–v2"
    if locale:
        label = f"{label} ({_LANGUAGES[locale]})"
    return layout, locale, label


def _zip_rank(prefix: bytes) -> int | None:
    """How good a history a ZIP entry is, from its first bytes; None when it is not one."""
    try:
        text = _decode(prefix, sniffing=True)
        layout, _ = _detect(_header(text))
    except ParseError:
        return None
    return _ZIP_PREFERENCE[layout]


# --- Bytes to text ------------------------------------------------------------------------


def _not_csv(what: str) -> ParseError:
    return ParseError(f"This is {what}, not a CSV file. " + ACCEPTED)


def _decode(data: bytes, *, sniffing: bool = False) -> str:
    """Text from UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text") or,
    failing those, Windows-1252. Raises ParseError for empty and binary files."""
    if not data[:65536].strip() and not data.strip():  # a cheap look first: no big copy
        raise ParseError("The file is empty. " + ACCEPTED)
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise _not_csv(what)
    errors = "ignore" if sniffing else "replace"  # a sniffed prefix may end mid-character
    if data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors)
    elif (encoding := _bomless_utf16(data)) is not None:
        text = data.decode(encoding, errors)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            if sniffing or error.start >= len(data) - 3:  # cut inside the last character
                text = data.decode("utf-8", "ignore")
            else:
                text = data.decode("cp1252", "replace")
    text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    _reject_non_text(text)
    return text


def _bomless_utf16(data: bytes) -> str | None:
    head = data[:4096]
    if len(head) < 4 or head.count(0) < len(head) // 3:
        return None
    if head[1::2].count(0) > len(head) // 3:
        return "utf-16-le"
    if head[0::2].count(0) > len(head) // 3:
        return "utf-16-be"
    return None


def _reject_non_text(text: str) -> None:
    if not text or text.isspace():
        raise ParseError("The file is empty. " + ACCEPTED)
    if "\x00" in text:
        raise ParseError(
            "This is not a text file (it contains NUL bytes), so it cannot be a CSV file. "
            + ACCEPTED
        )
    sample = text[:4096]
    control = sum(1 for char in sample if (char < " " and char not in "\t\n") or char == "\ufffd")
    if control > len(sample) // 20:
        raise ParseError(
            "This is not a text file (it is full of control characters), so it cannot be a "
            "CSV file. " + ACCEPTED
        )
    start = sample.lstrip()[:15].lower()
    if start.startswith(("<!doctype html", "<html")):
        raise _not_csv("a web page (HTML)")
    if start.startswith(("<?xml", "<")):
        raise _not_csv("an XML or HTML document")
    if start.startswith(("{", "[")):
        raise ParseError(
            "This is a JSON file, not a CSV file: choose CSV when you export, or upload "
            "Amazon's CSV. " + ACCEPTED
        )


# --- The header -----------------------------------------------------------------------------


def _header(text: str) -> Header:
    line_number = 1
    start = 0
    delimiter = None
    while True:
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        line = text[start:end]
        stripped = line.strip()
        if stripped.lower().startswith("sep=") and len(stripped) <= 6 and delimiter is None:
            delimiter = stripped[4:5] or ","  # Excel's hint line: "sep=;"
        elif stripped:
            break
        if end >= len(text):
            raise ParseError("The file is empty. " + ACCEPTED)
        start = end + 1
        line_number += 1
    if delimiter is None:
        counts = {candidate: line.count(candidate) for candidate in (",", ";", "\t")}
        delimiter = max(counts, key=counts.__getitem__) if any(counts.values()) else ","
    try:
        fields = next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        fields = line.split(delimiter)
    names = tuple(
        unicodedata.normalize("NFC", name).strip().strip('"').strip().casefold() for name in fields
    )
    return Header(
        names=names,
        delimiter=delimiter,
        text=text,
        body_start=end + 1,
        body_first_line=line_number + 1,
        raw=line,
    )


def _detect(header: Header) -> tuple[str, str]:
    """(layout, locale) from the header alone, or a ParseError saying what the file is."""
    names = header.names
    present = set(names)
    locale = _EXPORTER_HEADERS.get(names[:4])
    if locale is not None:
        raw = header.raw.strip()
        if raw.startswith('"'):
            return "exporter-2026-untagged", locale
        if ", " in raw:
            return "exporter-v1.0", locale
        return "exporter-v2", locale
    if names[:4] == ("date watched", "type", "title", "episode title"):
        return "exporter-v3", "en"
    if {"material type description", "playback start datetime (utc)", "title"} <= present:
        return "amazon-viewing-history", ""
    if {"playback start datetime (utc)", "title"} <= present:
        return "amazon-2022", ""
    if {"most recent watch date", "title name"} <= present:
        return "amazon-watch-events", ""
    if {"playback hour", "title"} <= present:
        return "amazon-legacy", ""
    raise _unrecognised(header)


def _unrecognised(header: Header) -> ParseError:
    names = header.names
    present = set(names)
    if "letterboxd uri" in present:
        return ParseError(
            "This looks like a Letterboxd export (diary.csv, ratings.csv or watched.csv), not "
            "a Prime Video watch history. " + ACCEPTED
        )
    if names == ("title", "date"):
        return ParseError(
            "This looks like a Netflix viewing history (its columns are Title and Date), not "
            "a Prime Video watch history. " + ACCEPTED
        )
    has_title = bool(present & _TITLE_WORDS) or any("title" in name for name in names)
    has_date = any(hint in name for name in names for hint in _DATE_HINTS)
    if has_title and not has_date:
        return ParseError(
            "This file has a Title column but no date column, so we can't tell when you "
            "watched anything. " + ACCEPTED
        )
    shown = header.raw.strip()
    shown = shown if len(shown) <= 80 else shown[:80] + "…"
    return ParseError(
        f"We don't recognise this file: its first line is “{shown}”, which is not the header "
        "of a Prime Video watch history. " + ACCEPTED
    )
