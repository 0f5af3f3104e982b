"""One reader per Prime Video history layout: CSV text after the header → Rows. Pure.

`imports.reading.parse` decodes the file, recognises the layout from its header and calls the
reader here. Per-row work is kept to plain string operations and the csv module; regexes
only run on titles, and those results are cached.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator

from imports.reading.records import Header, RowSink, csv_records, is_blank
from imports.reading.rows import new_row
from imports.reading.titles import classify

_YES = frozenset({"yes", "true", "1", "y"})


def _unwrap(value: str) -> str:
    """Amazon's 2025 files wrap text values in an extra pair of literal quotes."""
    value = value.strip()
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1].strip()
    return value


def _without_stray_quote(title: str) -> str:
    """The 2022–24 files leave a lone quote at one end of some titles (`"Knives Out`)."""
    if title.count('"') % 2:
        if title[:1] == '"':
            return title[1:].strip()
        if title[-1:] == '"':
            return title[:-1].strip()
    return title


def _seconds(value: str) -> int | None:
    value = _unwrap(value)
    try:
        return max(0, int(float(value)))
    except (ValueError, OverflowError):  # "", "Not available", "nan", "inf"
        return None


def _asin_from_path(path: str) -> str:
    # /region/eu/detail/0FPEIF3871HE25B0XEG4XWH7ZC/ref=atv_set_wh_dp → 0FPEIF3871HE25B0XEG4XWH7ZC
    _, found, rest = path.partition("/detail/")
    return rest.split("/", 1)[0] if found else ""


# --- Browser exporter -------------------------------------------------------------------


def _split_bare_quotes(line: str, delimiter: str) -> list[str] | None:
    """`date,type,"title","episode"` where title or episode hold unescaped quotes (v1.x)."""
    parts = line.split(delimiter, 2)
    if len(parts) != 3:
        return None
    when, type_value, rest = parts
    rest = rest.strip()
    if len(rest) < 2 or rest[0] != '"':
        return None
    if rest.endswith('"' + delimiter):
        return [when, type_value, rest[1:-2], ""]
    cut = rest.rfind('"' + delimiter + '"')
    if rest[-1] != '"' or cut <= 0:
        return None
    return [when, type_value, rest[1:cut], rest[cut + 3 : -1]]


def _exporter_records(header: Header, sink: RowSink) -> Iterator[tuple[int, list[str]]]:
    """Records of the four-column exporter files.

    v2 escapes quotes properly, v1.1–1.3 did not (`"The "Best" Film"`). Strict csv parsing
    reads the first and fails loudly on the second; such lines are then split by hand.
    """
    width = len(header.names)
    delimiter = header.delimiter
    consumed: list[str] = []  # the raw lines of the record being read

    def feed() -> Iterator[str]:
        for raw in header.body_lines():
            consumed.append(raw)
            yield raw

    reader = csv.reader(feed(), delimiter=delimiter, strict=True)
    line = header.body_first_line  # of the next record
    while True:
        try:
            for fields in reader:
                if len(consumed) != 1 or (len(fields) != width and '"' in consumed[0]):
                    break  # bare quotes, or an unclosed quote swallowed the lines after it
                consumed.clear()
                line += 1
                if not is_blank(fields):
                    sink.count()
                    _note_doubled_quotes(fields, width, sink)
                    yield line - 1, fields
            else:
                return
        except csv.Error:
            pass
        stumbled_on = consumed[:]
        consumed.clear()
        for raw in stumbled_on:
            line += 1
            raw = raw.rstrip("\r\n")
            if not raw.strip():
                continue
            sink.count()
            fields = _reread_line(raw, delimiter, width, sink)
            if fields is None:
                sink.problem(line - 1, "could not read this row (unbalanced quotes)")
                continue
            yield line - 1, fields


def _note_doubled_quotes(fields: list[str], width: int, sink: RowSink) -> None:
    # A quote that survived strict parsing was escaped by doubling: only v2 does that.
    if len(fields) == width and ('"' in fields[2] or '"' in fields[3]):
        sink.notes.add("doubled-quotes")


def _reread_line(raw: str, delimiter: str, width: int, sink: RowSink) -> list[str] | None:
    """A line the streaming parse stumbled on, read on its own.

    Strictly if it can be; else split around bare quotes (v1.1–1.3); else as CSV reads it,
    so that a plain wrong field count is reported as one. None: unbalanced quotes.
    """
    try:
        fields = next(csv.reader([raw], delimiter=delimiter, strict=True), [])
    except csv.Error:
        fields = None
    if fields is not None and len(fields) == width:
        _note_doubled_quotes(fields, width, sink)
        return fields
    if width == 4 and (bare := _split_bare_quotes(raw, delimiter)) is not None:
        sink.notes.add("bare-quotes")
        return bare
    return fields


def _add_exporter_row(sink: RowSink, line: int, fields: list[str], width: int) -> None:
    if len(fields) != width:
        sink.wrong_width(line, width, len(fields))
        return
    title = fields[2].strip()
    if not title:
        sink.problem(line, "no title")
        return
    when = sink.when(line, fields[0])
    if when is None:
        return
    type_value = fields[1].strip()
    if type_value == "剧集系列":  # simplified Chinese: the zh-cn page, same header as zh-tw
        sink.notes.add("simplified-chinese")
    episode = fields[3].strip()
    kind = classify(title, type_value=type_value, episode_title=episode)
    sink.rows.append(new_row(line, title, kind, when, episode))


def read_exporter(header: Header, sink: RowSink) -> None:
    """Exporter v1.1–v2.x and the untagged four-column builds: date, type, title, episode."""
    width = len(header.names)
    for line, fields in _exporter_records(header, sink):
        _add_exporter_row(sink, line, fields, width)


def _split_v1_0(line: str) -> list[str] | None:
    """`2023-10-03, Movie, "Title", "Episode"`: ", " between fields, inner quotes bare.

    The very first build did not quote titles at all. None means the line ends inside a
    quoted title: the exporter's data URL stopped at a "#".
    """
    parts = line.split(", ", 2)
    if len(parts) < 3:
        parts = [part.strip() for part in line.split(",", 2)]
        if len(parts) < 3:
            return parts
    when, type_value, rest = parts
    rest = rest.rstrip()
    if rest.startswith('"'):
        if rest.endswith('",'):
            return [when, type_value, rest[1:-2], ""]
        if len(rest) < 2 or rest[-1] != '"':
            return None
        cut = rest.rfind('", "')
        if cut > 0:
            return [when, type_value, rest[1:cut], rest[cut + 4 : -1]]
        cut = rest.rfind('","')
        if cut > 0:
            return [when, type_value, rest[1:cut], rest[cut + 3 : -1]]
        return [when, type_value, rest[1:-1], ""]
    if rest.endswith(","):
        return [when, type_value, rest[:-1].rstrip(), ""]
    title, separator, episode = rest.rpartition(", ")
    return [when, type_value, title, episode] if separator else [when, type_value, rest, ""]


def read_exporter_v1_0(header: Header, sink: RowSink) -> None:
    """Exporter v1.0.x, split by hand: its quoting cannot be read by a CSV parser."""
    line = header.body_first_line - 1
    unclosed_at = 0  # line of a row that ended inside a quote, until we know if it was last
    for raw in header.body_lines():
        line += 1
        raw = raw.rstrip("\r\n")
        if not raw.strip():
            continue
        if unclosed_at:
            sink.problem(unclosed_at, "could not read this row (unbalanced quotes)")
            unclosed_at = 0
        sink.count()
        fields = _split_v1_0(raw)
        if fields is None:
            unclosed_at = line
            continue
        _add_exporter_row(sink, line, fields, 4)
    if unclosed_at:
        # The exporter's data URL ended at the first "#", mid-title: this is where.
        sink.notes.add("truncated-at-hash")
        sink.problem(unclosed_at, 'row cut short: the exporter stopped at a "#" in a title')


def read_exporter_v3(header: Header, sink: RowSink) -> None:
    """Exporter v3: nine quoted columns with Amazon's ids, paths and image."""
    columns = header.columns
    width = len(header.names)
    at_when, at_type, at_title = columns["date watched"], columns["type"], columns["title"]
    at_episode = columns.get("episode title")
    at_id = columns.get("global title identifier")
    at_episode_id = columns.get("episode global title identifier")
    at_path, at_image = columns.get("path"), columns.get("image url")
    for line, fields in csv_records(header, sink):
        if len(fields) != width:
            sink.wrong_width(line, width, len(fields))
            continue
        title = fields[at_title].strip()
        if not title:
            sink.problem(line, "no title")
            continue
        when = sink.when(line, fields[at_when])
        if when is None:
            continue
        # The exporter writes ids, paths and URLs cleanly: no stripping needed.
        episode = fields[at_episode].strip() if at_episode is not None else ""
        path = fields[at_path] if at_path is not None else ""
        title_id = fields[at_id] if at_id is not None else ""
        kind = classify(title, type_value=fields[at_type], episode_title=episode)
        sink.rows.append(
            new_row(
                line,
                title,
                kind,
                when,
                episode,
                title_id or _asin_from_path(path),
                fields[at_episode_id] if at_episode_id is not None else "",
                path,
                fields[at_image] if at_image is not None else "",
            )
        )


# --- Amazon's own data download ---------------------------------------------------------


def _is_not_available(title: str) -> bool:
    return len(title) == 13 and title.casefold() == "not available"


def read_amazon_sessions(header: Header, sink: RowSink) -> None:
    """`Viewing History.csv` (2025–) and `PrimeVideo.ViewingHistory.csv` (2022–24).

    One row per playback session. Text values may be wrapped in literal quotes (2025) or
    carry a stray quote (2022–24); both are removed from the title.
    """
    columns = header.columns
    width = len(header.names)
    at_when, at_title = columns["playback start datetime (utc)"], columns["title"]
    at_seconds = columns.get("seconds viewed")
    at_type = next(
        (
            columns[name]
            for name in ("material type description", "video type", "content type", "type")
            if name in columns
        ),
        None,
    )
    at_deleted = columns.get("is deleted")
    at_asin = columns.get("asin")
    if at_type is None:
        sink.notes.add("untyped")
    for line, fields in csv_records(header, sink):
        if len(fields) != width:
            sink.wrong_width(line, width, len(fields))
            continue
        title = _without_stray_quote(_unwrap(fields[at_title]))
        if not _amazon_title_usable(sink, line, title, fields, at_deleted):
            continue
        when = sink.when(line, fields[at_when])
        if when is None:
            continue
        type_value = _unwrap(fields[at_type]) if at_type is not None else ""
        seconds = _seconds(fields[at_seconds]) if at_seconds is not None else None
        kind = classify(title, type_value=type_value)
        asin = _unwrap(fields[at_asin]) if at_asin is not None else ""
        sink.rows.append(new_row(line, title, kind, when, title_id=asin, seconds_viewed=seconds))


def _amazon_title_usable(sink: RowSink, line: int, title: str, fields, at_deleted) -> bool:
    """Amazon's own files: say why a row cannot become a watch, or return True."""
    if not title:
        sink.problem(line, "no title")
    elif _is_not_available(title):
        sink.problem(line, "title not available")
    elif at_deleted is not None and _unwrap(fields[at_deleted]).casefold() in _YES:
        sink.problem(line, "deleted from your Prime Video watch history")
    else:
        return True
    return False


def read_amazon_watch_events(header: Header, sink: RowSink) -> None:
    """`Watch Events.csv` (2025–): one row per title with its latest watch.

    What is knowable: the latest watch date, total seconds and a name. What is not: whether
    a row is a film or an episode. For episodes `Title Name` is the episode's own title
    ("Updating"), there is no show, season or type column, and the description is free
    text. So rows are classified by their name alone ("Episode 4: …", season words,
    trailers); a plainly named episode reads as a movie and is left to the review step.
    Earlier watches of a title are not in this file.
    """
    columns = header.columns
    width = len(header.names)
    at_when, at_title = columns["most recent watch date"], columns["title name"]
    at_seconds = columns.get("seconds watched")
    at_deleted = columns.get("deleted from watch history")
    sink.notes.add("untyped")
    for line, fields in csv_records(header, sink):
        if len(fields) != width:
            sink.wrong_width(line, width, len(fields))
            continue
        title = _unwrap(fields[at_title])
        if not _amazon_title_usable(sink, line, title, fields, at_deleted):
            continue
        when = sink.when(line, fields[at_when])
        if when is None:
            continue
        seconds = _seconds(fields[at_seconds]) if at_seconds is not None else None
        sink.rows.append(new_row(line, title, classify(title), when, seconds_viewed=seconds))


def read_amazon_legacy(header: Header, sink: RowSink) -> None:
    """`Digital.PrimeVideo.Viewinghistory.csv` (about 2016–2021): one row per hour played.

    The title is the last column and unquoted, so a comma in it spills into extra fields:
    the title is everything from the Title column on. `Video Type` says Feature for films
    and episodes alike, so the title decides between them.
    """
    columns = header.columns
    width = len(header.names)
    at_when, at_title = columns["playback hour"], columns["title"]
    at_video_type = columns.get("video type")
    at_entitlement = columns.get("entitlement type")
    title_is_last = at_title == width - 1
    delimiter = header.delimiter
    if at_video_type is None and at_entitlement is None:
        sink.notes.add("untyped")
    for line, fields in csv_records(header, sink):
        if len(fields) < width or (len(fields) > width and not title_is_last):
            sink.wrong_width(line, width, len(fields))
            continue
        title = delimiter.join(fields[at_title:]) if title_is_last else fields[at_title]
        title = title.strip()
        if not title:
            sink.problem(line, "no title")
            continue
        when = sink.when(line, fields[at_when])
        if when is None:
            continue
        type_value = fields[at_video_type] if at_video_type is not None else ""
        if at_entitlement is not None and fields[at_entitlement].strip().upper() == "TRAILER":
            type_value = "Trailer"
        sink.rows.append(new_row(line, title, classify(title, type_value=type_value), when))


READERS: dict[str, Callable[[Header, RowSink], None]] = {
    "exporter-v1.0": read_exporter_v1_0,
    "exporter-v1": read_exporter,
    "exporter-v2": read_exporter,
    "exporter-2026-untagged": read_exporter,
    "exporter-v3": read_exporter_v3,
    "amazon-legacy": read_amazon_legacy,
    "amazon-2022": read_amazon_sessions,
    "amazon-viewing-history": read_amazon_sessions,
    "amazon-watch-events": read_amazon_watch_events,
}
