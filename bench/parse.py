"""Parse and store: a 100,000-row watch history through `session_create_from_upload`.

Per database (a fresh migrated SQLite file, then a fresh PostgreSQL database, each in its own
child process): rows/s of parse + summarize + bulk insert, that time against a bare
`csv.reader` pass over the same bytes measured in the same process, and the peak memory of
the call (tracemalloc peak in a second, traced run; growth of the peak RSS in the timed run).
Also Amazon's own 60-column "Viewing History.csv", and parsing alone (no database).

    python -m bench parse [--quick]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from contextlib import suppress
from pathlib import Path

from bench.common import (
    Figure,
    at_most,
    below,
    django_env,
    exactly,
    log,
    migrate,
    module_main,
    run_inner,
    temp_postgres,
    vm_hwm_mb,
)
from bench.sample_data import amazon_viewing_history, exporter_v3, films_in_v3

ROWS = 100_000
# Amazon's file is about 520 bytes a row; 90,000 rows stay under the 50 MB upload limit.
AMAZON_ROWS = 90_000
MAX_RATIO = 4.0
MAX_PEAK_MB = 150.0


def run(quick: bool) -> list[Figure]:
    rows, amazon_rows = (10_000, 9_000) if quick else (ROWS, AMAZON_ROWS)
    with tempfile.TemporaryDirectory(prefix="movieranking-bench-parse-") as tmp:
        v3_file, amazon_file = Path(tmp) / "history-v3.csv", Path(tmp) / "Viewing History.csv"
        log(f"generating a {rows:,}-row v3 history and a {amazon_rows:,}-row Amazon file")
        v3_file.write_bytes(exporter_v3(rows))
        amazon_file.write_bytes(amazon_viewing_history(amazon_rows))
        args = ["--v3", str(v3_file), "--amazon", str(amazon_file)]
        figures = []
        sqlite_env = django_env(f"sqlite:///{tmp}/bench.sqlite3")
        migrate(sqlite_env)
        log("SQLite")
        figures += run_inner("bench.parse", [*args, "--label", "SQLite"], sqlite_env, 900)
        with temp_postgres("parse") as url:
            postgres_env = django_env(url)
            migrate(postgres_env)
            log("PostgreSQL")
            figures += run_inner("bench.parse", [*args, "--label", "PostgreSQL"], postgres_env, 900)
    return figures


# --- The Django half ------------------------------------------------------------------------


def _bare_csv_seconds(data: bytes) -> float:
    """Decode and split into fields, nothing else: the floor for any CSV reader. Median of 3."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        for _fields in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
            pass
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _store(data: bytes, owner_name: str, file_name: str):
    from django.contrib.auth import get_user_model

    from imports import services

    owner = get_user_model().objects.create_user(username=owner_name, password=None)
    return services.session_create_from_upload(
        owner=owner, file_name=file_name, data=data, enqueue=False
    ).session


def _clear_title_caches() -> None:
    """Empty every memo cache of the imports app (titles, dates, …) so a run starts as cold
    as the first, wherever the parser's modules live."""
    loaded = [module for name, module in list(sys.modules.items()) if name.startswith("imports")]
    for module in loaded:
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def _stages(data: bytes, name: str, label: str, kind: str) -> Figure:
    """Where the time goes: the steps of session_create_from_upload, timed one by one."""
    import zoneinfo

    from django.contrib.auth import get_user_model

    from imports import reading, services

    _clear_title_caches()
    owner = get_user_model().objects.create_user(username=f"{kind}-stages", password=None)
    started = time.perf_counter()
    parsed = reading.parse_history(data, max_rows=10**6)
    parsed_at = time.perf_counter()
    summary = reading.summarize(parsed, tz=zoneinfo.ZoneInfo("UTC"))
    summarized_at = time.perf_counter()
    services.upload._store(owner=owner, file_name="stages.csv", digest="0" * 64, summary=summary)
    stored_at = time.perf_counter()
    parse, fold, store = (parsed_at - started, summarized_at - parsed_at, stored_at - summarized_at)
    return Figure(
        f"{name}: parse+store split into its steps (one more run), {label}",
        f"parse {parse:.2f} s · summarize {fold:.2f} s · insert {store:.2f} s",
    )


def _peak_rss_mb() -> float:
    # VmHWM, not ru_maxrss: a child started by fork+exec inherits in ru_maxrss the RSS its
    # parent had at the fork, so ru_maxrss growth reads 0 when the orchestrator is large.
    return vm_hwm_mb(os.getpid()) or 0.0


def _reset_peak_rss() -> None:
    """Restart the peak (VmHWM) from the current RSS (Linux ≥ 4.0), so its growth over a call
    is that call's own peak."""
    # Without it (not Linux), the growth only shows peaks above the earlier ones.
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def measure(args: argparse.Namespace) -> list[Figure]:
    label = args.label
    figures = []
    for kind, path in (("v3", args.v3), ("Amazon", args.amazon)):
        data = Path(path).read_bytes()
        rows = data.count(b"\n") - 1
        name = f"{rows:,}-row {'exporter v3' if kind == 'v3' else 'Amazon 60-column'} file"

        # The timed run comes first, with cold title caches, as a fresh worker would see it.
        _clear_title_caches()
        _reset_peak_rss()
        rss_before = _peak_rss_mb()
        started = time.perf_counter()
        session = _store(data, f"{kind}-timed", path)
        seconds = time.perf_counter() - started
        rss_growth = _peak_rss_mb() - rss_before
        bare = _bare_csv_seconds(data)
        figures += [
            Figure(f"{name}: parse+store speed (cold caches), {label}", rows / seconds, "rows/s"),
            Figure(
                f"{name}: parse+store time ÷ bare csv.reader pass (same bytes, same process), "
                f"{label}",
                seconds / bare,
                "×",
                at_most(MAX_RATIO),
            ),
        ]
        if kind == "v3":
            _clear_title_caches()  # so the traced run pays for filling them, as the first did
            tracemalloc.start()
            tracemalloc.reset_peak()
            _store(data, f"{kind}-traced", path)
            peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
            tracemalloc.stop()
            figures += [
                Figure(
                    f"{name}: films stored, of the films the generated file holds, {label}",
                    session.movies_found,
                    "films",
                    exactly(films_in_v3(data)),
                    detail=f"{session.episodes:,} episode rows and {session.duplicates:,} "
                    "duplicate rows left out",
                ),
                Figure(
                    f"{name}: peak memory of parse+store, tracemalloc (second run), {label}",
                    peak,
                    "MB",
                    below(MAX_PEAK_MB),
                ),
                Figure(
                    f"{name}: peak memory of parse+store, growth of peak RSS (VmHWM), {label}",
                    rss_growth,
                    "MB",
                    below(MAX_PEAK_MB),
                ),
            ]
        if kind == "v3":
            figures.append(_stages(data, name, label, kind))
        figures.append(
            Figure(
                f"{name}: bare csv.reader pass (baseline, median of 3), {label}",
                rows / bare,
                "rows/s",
            )
        )
    return figures


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="parse+store, one database (child process)")
    parser.add_argument("--v3", required=True)
    parser.add_argument("--amazon", required=True)
    parser.add_argument("--label", required=True)
    return parser


if __name__ == "__main__":
    module_main("parse", measure, _parser())
