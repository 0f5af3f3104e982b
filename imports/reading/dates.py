"""Reading the watch dates written in Prime Video history files. Pure.

Values are read only when they are unambiguous. Besides the layouts' own formats
(`2023-10-03`, `2025-09-28 02:00:24.173`, `2026-06-14T02:37:00Z`, epoch milliseconds,
`01/13/2016 22:00:00`) this reads what Excel writes when someone opens and re-saves a file
(`03.10.2023`, `13/10/2023 04:06`, `10/3/23 4:06 PM`). A slash date whose day and month could
be swapped (`03/04/2020`) comes back as an `AmbiguousDate` for the caller to settle with
evidence from the rest of the file, or to report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NUMERIC_DATE_RE = re.compile(
    r"(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([AaPp][Mm])?)?"
)


class BadDate(ValueError):
    """str(e) is the user-facing reason, e.g. 'date "31/02/2020" is not a date'."""


def _not_a_date(text: str) -> BadDate:
    shown = text if len(text) <= 40 else text[:40] + "…"
    return BadDate(f'date "{shown}" is not a date')


@dataclass(frozen=True, slots=True)
class AmbiguousDate:
    """A slash date like 03/04/2020: 3 April or March 4th, the value alone cannot say."""

    text: str
    first: int
    second: int
    year: int
    clock: tuple[int, int, int] | None

    def resolve(self, *, month_first: bool) -> datetime | date:
        month, day = (self.first, self.second) if month_first else (self.second, self.first)
        return _build(self.text, self.year, month, day, self.clock)

    @property
    def reason(self) -> str:
        return (
            f'date "{self.text}" is ambiguous: it could be day {self.first} of month '
            f"{self.second} or day {self.second} of month {self.first}"
        )


def _build(text, year, month, day, clock) -> datetime | date:
    try:
        if clock is None:
            return date(year, month, day)
        return datetime(year, month, day, *clock, tzinfo=UTC)
    except ValueError:
        raise _not_a_date(text) from None


def _from_epoch(text: str, digits: str) -> datetime:
    # The exporter writes milliseconds (13 digits); seconds (10) are accepted too.
    if 11 <= len(digits) <= 13:
        return _EPOCH + timedelta(milliseconds=int(digits))
    if len(digits) == 10:
        return _EPOCH + timedelta(seconds=int(digits))
    raise _not_a_date(text)


def _from_iso(text: str, value: str) -> datetime | date:
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
        # Every timestamp in these files is UTC, whether or not it says so.
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: "0001-01-01T00:00+14:00"
        raise _not_a_date(text) from None


def _from_numeric(text: str, value: str, month_first: bool) -> datetime | date | AmbiguousDate:
    match = _NUMERIC_DATE_RE.fullmatch(value)
    if match is None:
        raise _not_a_date(text)
    first, separator, second, last, hour, minute, second_of_minute, meridiem = match.groups()
    clock = None
    if hour is not None:
        hours = int(hour)
        if meridiem:
            if not 1 <= hours <= 12:
                raise _not_a_date(text)
            hours = hours % 12 + (12 if meridiem.lower() == "pm" else 0)
        if hours > 23:
            raise _not_a_date(text)
        clock = (hours, int(minute), int(second_of_minute or 0))
    if len(first) == 4:  # 2023/10/03
        return _build(text, int(first), int(second), int(last), clock)
    if len(last) not in (2, 4):
        raise _not_a_date(text)
    year = int(last) + (2000 if len(last) == 2 else 0)
    a, b = int(first), int(second)
    if separator == "." or (a > 12 and not month_first):  # dots are always day first
        return _build(text, year, b, a, clock)
    if month_first or b > 12 or a == b:
        return _build(text, year, a, b, clock)
    if a == 0 or b == 0:
        raise _not_a_date(text)
    return AmbiguousDate(text, a, b, year, clock)


def read_when(text: str, month_first: bool = False) -> datetime | date | AmbiguousDate:
    """A watch date: an aware UTC datetime, a date, or an AmbiguousDate.

    `month_first` is for layouts whose slash dates are documented as US-style (Amazon's
    legacy file). Raises BadDate with a user-facing reason.
    """
    value = text.strip()
    if value[:1] == '"':  # Amazon's 2025 files wrap values in literal quotes
        value = value.strip('"').strip()
    if not value:
        raise BadDate("no date")
    if value.isascii() and value.isdigit():
        return _from_epoch(text, value)
    if len(value) >= 10 and value[4] == "-" and value[7] == "-":
        return _from_iso(text, value)
    return _from_numeric(text, value, month_first)


def day_of(moment: datetime | date) -> date:
    """The calendar date of a value from read_when (UTC for datetimes)."""
    return moment.date() if isinstance(moment, datetime) else moment
