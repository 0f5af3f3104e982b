"""Finding the watch history inside Amazon's "Request your data" ZIP. Pure, in memory.

Nothing is extracted: entries are read from memory and their names are only shown, never
used as paths. A ZIP with unsafe names (`../x.csv`, `/etc/x`) is refused outright, since
Amazon's downloads never have them. Sizes are checked twice: the sizes the ZIP declares,
and the bytes actually inflated while reading, which stop at the limit.
"""

from __future__ import annotations

import io
import lzma
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from imports.reading.rows import ParseError

ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
# Real CSVs compress 5–50 times; a deflate bomb about 1000 times.
MAX_COMPRESSION_RATIO = 200
_RATIO_CHECK_FROM = 1024 * 1024  # tiny entries may compress absurdly well; they are harmless
_SNIFF_BYTES = 16 * 1024  # enough for any known header line
_CHUNK = 1024 * 1024
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    KeyError,
    IndexError,
    OverflowError,
)
_LOOKED_FOR = (
    "We looked for Amazon's “Viewing History.csv” or “Watch Events.csv” (in the “Your Prime "
    "Video Viewing Activity” folder), “PrimeVideo.ViewingHistory.csv”, "
    "“Digital.PrimeVideo.Viewinghistory.csv”, or a CSV from the watch-history exporter"
)


def is_zip(data: bytes) -> bool:
    return data[:4] in ZIP_SIGNATURES


def _damaged(error: Exception) -> ParseError:
    return ParseError(
        "This ZIP file is damaged or uses a kind of compression we can't read "
        f"({type(error).__name__}). Download it from Amazon again, or unzip it yourself and "
        "upload the CSV file inside."
    )


def _too_big(limit: int) -> ParseError:
    return ParseError(
        f"This ZIP unpacks to more than {limit // (1024 * 1024):,} MB, which is far more than "
        "any watch history. Unzip it yourself and upload just the Prime Video CSV file."
    )


def _is_unsafe(name: str) -> bool:
    path = name.replace("\\", "/")
    return (
        path.startswith("/")
        or (len(path) > 1 and path[1] == ":")
        or ".." in path.split("/")
        or "\x00" in path
    )


@dataclass
class _Budget:
    """Bytes we may still inflate, across every entry read."""

    limit: int
    remaining: int

    def read(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int | None) -> bytes:
        """The entry's first `size` bytes (all when None), stopping at the budget."""
        chunks = []
        wanted = size
        with archive.open(info) as stream:
            while wanted is None or wanted > 0:
                step = _CHUNK if wanted is None else min(_CHUNK, wanted)
                chunk = stream.read(min(step, self.remaining + 1))
                if not chunk:
                    break
                self.remaining -= len(chunk)
                if self.remaining < 0:
                    raise _too_big(self.limit)
                chunks.append(chunk)
                if wanted is not None:
                    wanted -= len(chunk)
        return b"".join(chunks)


@dataclass(frozen=True)
class HistoryEntry:
    """A ZIP entry whose header looks like a watch history. `read()` inflates it."""

    name: str
    read: Callable[[], bytes]


def history_entries(
    data: bytes,
    *,
    rank: Callable[[bytes], int | None],
    max_entries: int,
    max_unzipped_bytes: int,
) -> list[HistoryEntry]:
    """The entries that hold a watch history, best first.

    `rank` gets an entry's first bytes and says how good a history it is (lower is better),
    or None when it is not one. Raises ParseError when the ZIP is unsafe, too big, damaged
    or has no history in it.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except _ZIP_ERRORS as error:
        raise _damaged(error) from None
    if len(infos) > max_entries:
        raise ParseError(
            f"This ZIP has {len(infos):,} files in it; we read ZIPs with up to "
            f"{max_entries:,}. Unzip it yourself and upload just the Prime Video CSV file."
        )
    files = [info for info in infos if not info.is_dir()]
    unsafe = [info.filename for info in files if _is_unsafe(info.filename)]
    if unsafe:
        raise ParseError(
            f"This ZIP contains files with unsafe names (such as “{unsafe[0][:80]}”), which "
            "Amazon's downloads never have, so we did not open it. Unzip it yourself and "
            "upload just the Prime Video CSV file."
        )
    if not files:
        raise ParseError("This ZIP file is empty. " + _LOOKED_FOR + ".")
    if sum(info.file_size for info in files) > max_unzipped_bytes:
        raise _too_big(max_unzipped_bytes)
    for info in files:
        if info.file_size > _RATIO_CHECK_FROM and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise ParseError(
                f"“{info.filename[:80]}” in this ZIP is compressed suspiciously well (it "
                "would unpack to far more than it should), so we did not open it. Unzip it "
                "yourself and upload just the Prime Video CSV file."
            )

    budget = _Budget(max_unzipped_bytes, max_unzipped_bytes)
    ranked = []
    nested_zips = []
    try:
        for position, info in enumerate(files):
            if info.flag_bits & 0x1:  # encrypted: Amazon's downloads never are
                continue
            prefix = budget.read(archive, info, _SNIFF_BYTES)
            if is_zip(prefix):
                nested_zips.append(info.filename)
            score = rank(prefix)
            if score is not None:
                ranked.append((score, position, info))
    except _ZIP_ERRORS as error:
        raise _damaged(error) from None
    if not ranked:
        raise _no_history(files, nested_zips)
    ranked.sort(key=lambda item: item[:2])

    def loader(info: zipfile.ZipInfo) -> Callable[[], bytes]:
        def read() -> bytes:
            try:
                return budget.read(archive, info, None)
            except _ZIP_ERRORS as error:
                raise _damaged(error) from None

        return read

    return [HistoryEntry(info.filename, loader(info)) for _, _, info in ranked]


def _no_history(files: list[zipfile.ZipInfo], nested_zips: list[str]) -> ParseError:
    names = [info.filename for info in files]
    if "xl/workbook.xml" in names:
        return ParseError(
            "This is an Excel workbook (.xlsx), not a CSV file. Open it in Excel, choose "
            "File → Save As → CSV, and upload that file."
        )
    shown = ", ".join(f"“{name[:80]}”" for name in names[:8])
    if len(names) > 8:
        shown += f" and {len(names) - 8:,} more"
    message = f"This ZIP has no Prime Video watch history in it. {_LOOKED_FOR}, and found {shown}."
    if nested_zips:
        message += (
            " It contains other ZIP files: unzip it and upload the one with Prime Video data."
        )
    return ParseError(message)
