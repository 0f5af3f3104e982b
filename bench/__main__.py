"""Run the benchmarks and print one table of figures beside their targets.

    python -m bench                      # all of them (about ten minutes)
    python -m bench parse matching       # a subset, in the order given
    python -m bench --quick              # smaller sizes: a smoke run

Everything runs against local servers only (PostgreSQL on 127.0.0.1, the TMDB stand-in,
gunicorn on loopback). The table is also written to bench/results/latest.md. Benchmarks
report; they never assert. Each row's verdict is computed from its value against its
target: `yes`, `no`, or blank when the figure has no target.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path

from bench.common import Figure, exactly, postgres_version

# Benchmark name → its module under bench/.
BENCHMARKS = {
    "parse": "parse",
    "matching": "matching",
    "calibration": "match_calibration",
    "hardcases": "hardcases",
    "wizard": "wizard",
    "scale": "scale",
    "load": "load",
}
RESULTS = Path(__file__).resolve().parent / "results" / "latest.md"
COLUMNS = ("benchmark", "figure", "value", "target", "verdict")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> list[str]:
    try:
        postgres = postgres_version()
    except Exception as error:  # the table still says what ran where
        postgres = f"unavailable ({error.__class__.__name__})"
    return [
        f"date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"machine: {_cpu_model()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 1024**3:.0f} GB",
        f"Python {platform.python_version()}, PostgreSQL {postgres}",
        # Other work on the machine skews every timing: say how busy it was.
        f"load average at start: {os.getloadavg()[0]:.2f} (1 min)",
    ]


def text_table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
             for row in [COLUMNS, *rows]]  # fmt: skip
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(rows: list[tuple[str, ...]]) -> str:
    def cells(row: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"

    return "\n".join([cells(COLUMNS), "|" + "---|" * len(COLUMNS), *map(cells, rows)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Movie Ranking benchmarks")
    parser.add_argument("benchmarks", nargs="*", metavar="NAME",
                        help=f"any of {', '.join(BENCHMARKS)} (default: all)")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args(argv)
    if unknown := [name for name in args.benchmarks if name not in BENCHMARKS]:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    chosen = args.benchmarks or BENCHMARKS
    header = machine()
    print("\n".join(header), flush=True)

    rows: list[tuple[str, ...]] = []
    for name in chosen:
        print(f"\n== {name}{' (quick)' if args.quick else ''}", flush=True)
        started = time.monotonic()
        try:
            figures = importlib.import_module(f"bench.{BENCHMARKS[name]}").run(args.quick)
        except Exception as error:  # the others still run; Ctrl-C still stops everything
            traceback.print_exc()
            figures = [
                Figure("runs stopped by an error", 1, target=exactly(0)),
                Figure("the error", f"{error}".splitlines()[0][:160] or type(error).__name__),
            ]
        elapsed = time.monotonic() - started
        figures.append(Figure("benchmark wall time", elapsed, "s"))
        for figure in figures:
            row = (name, figure.name, figure.shown(), figure.target_shown, figure.verdict)
            rows.append(row)
            print(f"  {figure.name}: {' '.join(row[2:])}".rstrip())

    header.append(f"load average at end: {os.getloadavg()[0]:.2f} (1 min)")
    mode = " (--quick: reduced sizes)" if args.quick else ""
    command = " ".join(["python -m bench", *(sys.argv[1:] if argv is None else argv)])
    print(f"\n{chr(10).join(header)}{mode}\n\n{text_table(rows)}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        f"# Benchmarks{mode}\n\n"
        + "".join(f"- {line}\n" for line in header)
        + f"- command: `{command}`\n\n"
        + markdown_table(rows)
        + "\n"
    )
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
