"""What every layout reader shares: the header, the row sink, and CSV records with line numbers.

Pure. The sink reads and checks dates, keeps problems with their line numbers and enforces
the row limit; the record iterators keep memory flat however big the file is.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from imports.reading.dates import AmbiguousDate, BadDate, read_when
from imports.reading.rows import ParseError, Row, RowProblem

# Amazon Unbox, the first Amazon video store, opened in September 2006. An earlier "watch"
# is a misread value (epoch 0, a two-digit year), not a real date.
FIRST_WATCH_DAY = date(2006, 9, 1)

_SLASH_PAIR_RE = re.compile(r"\s*(\d{1,2})/(\d{1,2})/")


@dataclass(frozen=True)
class Header:
    """The header line of a history file and where the rows start."""

    names: tuple[str, ...]  # normalized (stripped, casefolded) column names
    delimiter: str
    text: str  # the whole decoded file (not copied: rows are read from body_start on)
    body_start: int  # offset in `text` of the line after the header
    body_first_line: int  # line number of that line
    raw: str = ""  # the header line as written

    def body_lines(self) -> Iterator[str]:
        return lines(self.text, self.body_start)

    @property
    def columns(self) -> dict[str, int]:
        positions: dict[str, int] = {}
        for position, name in enumerate(self.names):
            positions.setdefault(name, position)
        return positions


@dataclass
class RowSink:
    """Collects rows and problems; reads and checks dates; enforces the row limit."""

    latest_day: date  # a later watch date is "in the future"
    max_rows: int
    month_first: bool = False  # slash dates are US-style (Amazon's legacy file)
    rows: list[Row] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    read: int = 0  # data rows seen, readable or not
    # What the readers noticed about the file, for naming its layout and locale.
    notes: set[str] = field(default_factory=set)
    # Dates already read and checked: date-only files repeat a few values thousands of times.
    _checked: dict[str, datetime | date] = field(default_factory=dict)
    _ambiguous: int = 0
    _day_first_seen: bool = False
    _month_first_seen: bool = False

    def count(self) -> None:
        self.read += 1
        if self.read > self.max_rows:
            raise ParseError(
                f"This file has more than {self.max_rows:,} rows. We can import up to "
                f"{self.max_rows:,} rows at a time: split it into smaller files (keep the "
                "header line in each) and upload them one by one."
            )

    def problem(self, line: int, reason: str) -> None:
        self.problems.append(RowProblem(line, reason))

    def wrong_width(self, line: int, expected: int, found: int) -> None:
        many = "many" if found > expected else "few"
        self.problem(line, f"too {many} fields (expected {expected}, found {found})")

    def when(self, line: int, text: str) -> datetime | date | AmbiguousDate | None:
        """The watch date of a row, or None after recording why it cannot be used."""
        moment = self._checked.get(text)
        if moment is not None:
            return moment
        try:
            moment = read_when(text, self.month_first)
        except BadDate as error:
            self.problem(line, str(error))
            return None
        if type(moment) is AmbiguousDate:
            self._ambiguous += 1
            return moment  # settled in finish(), once the whole file has been seen
        if "/" in text and not self.month_first:
            self._note_slash_order(text)
        moment = self._in_range(line, text, moment)
        if moment is not None and len(self._checked) < 4096:
            self._checked[text] = moment
        return moment

    def _in_range(self, line: int, text: str, moment: datetime | date) -> datetime | date | None:
        day = moment.date() if type(moment) is datetime else moment
        if day > self.latest_day:
            self.problem(line, f"date is in the future ({day.isoformat()})")
            return None
        if day < FIRST_WATCH_DAY:
            self.problem(line, f'date "{text.strip()}" is too early (Prime Video began in 2006)')
            return None
        return moment

    def _note_slash_order(self, text: str) -> None:
        match = _SLASH_PAIR_RE.match(text)
        if match:
            first, second = int(match.group(1)), int(match.group(2))
            self._day_first_seen |= first > 12
            self._month_first_seen |= second > 12

    def finish(self) -> None:
        """Settle ambiguous slash dates: by the file's other dates, or report them."""
        if self._ambiguous:
            settled = self._day_first_seen != self._month_first_seen
            kept = []
            for row in self.rows:
                moment = row.watched_at
                if type(moment) is AmbiguousDate:
                    if not settled:
                        self.problem(row.line, moment.reason)
                        continue
                    try:
                        resolved = moment.resolve(month_first=self._month_first_seen)
                    except BadDate as error:
                        self.problem(row.line, str(error))
                        continue
                    resolved = self._in_range(row.line, moment.text, resolved)
                    if resolved is None:
                        continue
                    row = replace(row, watched_at=resolved)
                kept.append(row)
            self.rows = kept
        self.problems.sort(key=lambda problem: problem.line)


def lines(text: str, start: int = 0) -> Iterator[str]:
    """The lines of `text` from offset `start`, newline kept, without holding them all.

    (io.StringIO would copy the text at four bytes a character; str.splitlines also splits
    at characters like U+2028 that may sit inside a title.)
    """
    find = text.find
    while True:
        end = find("\n", start)
        if end < 0:
            if start < len(text):
                yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def is_blank(fields: list[str]) -> bool:
    return not fields or (not fields[0] and not any(fields))


def csv_records(header: Header, sink: RowSink) -> Iterator[tuple[int, list[str]]]:
    """(line number of the record's first line, fields) for every non-blank record."""
    reader = csv.reader(header.body_lines(), delimiter=header.delimiter)
    base = header.body_first_line - 1
    previous = 0
    while True:
        try:
            for fields in reader:
                line = base + previous + 1
                previous = reader.line_num
                if is_blank(fields):
                    continue
                sink.count()
                yield line, fields
            return
        except csv.Error as error:
            line = base + previous + 1
            previous = reader.line_num
            sink.count()
            sink.problem(line, f"could not read this row ({error})")
