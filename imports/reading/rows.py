"""The values a history file turns into. Import them from `imports.reading`.

They live here so the layout readers (`layouts`) and the parser (`parse`) can share them
without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


class ParseError(Exception):
    """The file cannot be read as a Prime Video history.

    str(e) is a user-facing message that says what was wrong and what to do.
    """


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # 1-based line in the source file of the row's first line
    title: str  # as Amazon wrote it (after CSV unquoting and the 2025 file's extra quotes)
    kind: str  # one of the kinds in imports.reading.titles
    # Aware UTC datetime when the file has a time; a date when it has a date only.
    watched_at: datetime | date | None
    episode_title: str = ""
    title_id: str = ""  # Amazon's id: a GTI (amzn1.dv.gti…) or the ASIN from a path
    episode_id: str = ""
    path: str = ""
    image_url: str = ""
    seconds_viewed: int | None = None


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    reason: str  # user-facing: 'no date', 'date "31/02/2020" is not a date', …


# The generated __init__ of a frozen dataclass sets each field through object.__setattr__,
# which costs more than all the rest of reading a row. Readers build rows with new_row,
# which sets the slots directly: the same object, equality and hash as Row(...), in half
# the time on a 100,000-row file.
_set_line = Row.__dict__["line"].__set__
_set_title = Row.__dict__["title"].__set__
_set_kind = Row.__dict__["kind"].__set__
_set_watched_at = Row.__dict__["watched_at"].__set__
_set_episode_title = Row.__dict__["episode_title"].__set__
_set_title_id = Row.__dict__["title_id"].__set__
_set_episode_id = Row.__dict__["episode_id"].__set__
_set_path = Row.__dict__["path"].__set__
_set_image_url = Row.__dict__["image_url"].__set__
_set_seconds_viewed = Row.__dict__["seconds_viewed"].__set__


def new_row(
    line: int,
    title: str,
    kind: str,
    watched_at: datetime | date | None,
    episode_title: str = "",
    title_id: str = "",
    episode_id: str = "",
    path: str = "",
    image_url: str = "",
    seconds_viewed: int | None = None,
) -> Row:
    """Row(...) with the same arguments, built faster (see above)."""
    row = object.__new__(Row)
    _set_line(row, line)
    _set_title(row, title)
    _set_kind(row, kind)
    _set_watched_at(row, watched_at)
    _set_episode_title(row, episode_title)
    _set_title_id(row, title_id)
    _set_episode_id(row, episode_id)
    _set_path(row, path)
    _set_image_url(row, image_url)
    _set_seconds_viewed(row, seconds_viewed)
    return row
