"""`make bench`: every figure of issue 8 beside its floor, at 10 %, 50 % and 100 % of a large company.

Usage: python -m bench.run [--scales 0.1,0.5,1] [--runs 5] [--no-pg] [--pg-scales 0.1,1] [--out docs/performance.md]

The large company is `bpa-provider demo --clients 2000 --assistants 12000 --months 24` scaled down
per run; databases are cached under bench/results/ (delete them to rebuild). A figure whose part of
the product is missing is printed as "n/a" with the reason instead of failing the whole run.
Nothing here is part of `make test`.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bench.company import PY, build_database
from bench.dash_probe import dash_rows
from bench.measure import ROOT
from bench.pg_rows import pg_all_rows
from bench.row import (
    HEADERS,
    Row,
)
from bench.scale_rows import (
    detail_rows,
    rows_for_scale,
    terminal_rows,
    worktime_rows,
)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}{load}"


def write_markdown(rows: list[Row], path: Path, args: argparse.Namespace, started: str) -> None:
    """The generated table, between markers in docs/performance.md (the prose around it is kept)."""
    from tabulate import tabulate

    table = tabulate([r.cells() for r in rows], headers=HEADERS, tablefmt="github")
    block = (
        f"<!-- bench:begin (written by `python -m bench.run`; edit outside these markers) -->\n"
        f"Measured by `python -m bench.run --scales {args.scales} --runs {args.runs}"
        f"{f' --pg-scales {args.pg_scales}' if args.pg_scales else ''}{' --no-pg' if args.no_pg else ''}` on {started} — "
        f"{machine()}.\n\n{table}\n<!-- bench:end -->"
    )
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n\n"
    begin, end = text.find("<!-- bench:begin"), text.find("<!-- bench:end -->")
    if begin >= 0 and end > begin:
        text = text[:begin] + block + text[end + len("<!-- bench:end -->") :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.run")
    parser.add_argument("--scales", default="0.1,0.5,1")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--pg-scales", default=None, help="scales for PostgreSQL (default: the smallest of --scales)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    args = parser.parse_args()
    started = datetime.now().strftime("%Y-%m-%d %H:%M")
    # Bytecode for our own modules, as an installed package has it (with PYTHONDONTWRITEBYTECODE
    # set, every start would otherwise compile the edited modules again and count that).
    subprocess.run(
        [PY, "-m", "compileall", "-q", "bpa_provider", "db", "screens", "bench"], cwd=ROOT, capture_output=True
    )
    rows: list[Row] = []
    scales = [float(s) for s in args.scales.split(",")]
    began = time.perf_counter()

    def part(label: str, make: Callable[[], list[Row]]) -> None:
        # Each part's time goes to the log, so the lead sees where a run's time goes.
        print(label, flush=True)
        t0 = time.perf_counter()
        rows.extend(make())
        now = time.perf_counter()
        print(f"  {label}: {now - t0:.0f} s (run so far {(now - began) / 60:.1f} min)", flush=True)

    for scale in scales:
        part(f"scale {scale:.0%}", lambda scale=scale: rows_for_scale(scale, args.runs))  # type: ignore[misc]
    part("working-time check at every scale", lambda: worktime_rows(scales, args.runs))
    part("opening a client and an assistant at every scale", lambda: detail_rows(scales, args.runs))
    part("the dashboard, a roster week and the hour account at every scale", lambda: dash_rows(scales, args.runs))
    # No tmux is a row with the reason (terminal_rows), not a silent gap.
    part("key to screen in tmux at every scale", lambda: terminal_rows(scales, min(args.runs, 3)))
    if not args.no_pg:
        pg_scales = [float(s) for s in args.pg_scales.split(",")] if args.pg_scales else [min(scales)]
        # One cluster for every PostgreSQL scale: each company loaded once, used by all its rows.
        part(
            f"PostgreSQL at {', '.join(f'{s:.0%}' for s in pg_scales)}",
            lambda: pg_all_rows(args.runs, {s: build_database(s) for s in pg_scales}),
        )
    # One figure's scales next to each other: the scaling curve reads down the table.
    order = list(dict.fromkeys(r.what for r in rows))
    rows.sort(key=lambda r: order.index(r.what))
    from tabulate import tabulate

    print(tabulate([r.cells() for r in rows], headers=HEADERS))
    write_markdown(rows, Path(args.out), args, started)


if __name__ == "__main__":
    main()
