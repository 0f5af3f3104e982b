"""Reading a Prime Video watch history. Pure: no database, no network.

    bytes (CSV or Amazon's ZIP) ──parse_history──▶ ParsedHistory (layout, rows, problems)
                                ──summarize──────▶ HistorySummary (folded movie entries, counts)

Inside: `archive` finds the history in a ZIP, `parse` decodes the text and recognises the
layout from its header, `layouts` has one reader per layout, `records` the CSV records and
row checks they share, `dates` reads watch dates, `titles` tells films from episodes and
cleans titles, `fold` merges duplicate rows and rewatches into one entry per film.
"""

from imports.reading.fold import HistorySummary, MovieEntry, summarize
from imports.reading.parse import LAYOUTS, ParsedHistory, parse_history
from imports.reading.rows import ParseError, Row, RowProblem

__all__ = [
    "LAYOUTS",
    "HistorySummary",
    "MovieEntry",
    "ParseError",
    "ParsedHistory",
    "Row",
    "RowProblem",
    "parse_history",
    "summarize",
]
