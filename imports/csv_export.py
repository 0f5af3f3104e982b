"""The CSV of what an import did not add, safe to open in a spreadsheet."""

import csv
import re
from pathlib import PurePath

from .models import ImportItem, ImportSession

# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def not_added_csv(session: ImportSession, out) -> None:
    writer = csv.writer(out)
    writer.writerow(
        ["Title on Amazon", "Watched on", "Times watched", "Status", "Best match", "Year",
         "TMDB link"]
    )  # fmt: skip
    items = session.items.exclude(status=ImportItem.Status.ADDED).order_by("position")
    for item in items.iterator(chunk_size=1000):
        best = item.best or {}
        writer.writerow(
            [
                safe_cell(item.title),
                ";".join(item.watched_on),
                item.watch_count,
                item.get_status_display(),
                safe_cell(best.get("title", "")),
                best.get("year") or "",
                f"https://www.themoviedb.org/movie/{best['tmdb_id']}" if best else "",
            ]
        )


def not_added_file_name(session: ImportSession) -> str:
    """The download's name: "Viewing History.csv" uploaded on 3 May 2026 becomes
    "Viewing-History-not-added-2026-05-03.csv"."""
    stem = PurePath(session.file_name).stem
    stem = re.sub(r"[^\w.-]+", "-", stem).strip("-.") or "import"
    return f"{stem[:80]}-not-added-{session.created_at:%Y-%m-%d}.csv"
