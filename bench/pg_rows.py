"""The rows of `make bench` on PostgreSQL (issue 19: "the same rows on PostgreSQL at 10 % and
100 %"): the cached SQLite company loaded into a throwaway cluster (bench/pg_company.py), then
every command beside its floor there — the same floors as on SQLite (bench/*_floor.py take a
PostgreSQL URL; their SQL has a PostgreSQL form), each checked equal to the command's output in
the same run — and the commands' peak memory.

Usage: `python -m bench.pg_rows SQLITE_FILE SCALE [RUNS]` prints the rows (bench/run.py adds
them behind `--pg-scales`). The databases a row changes (the payroll export locks its month, the
audit rows append to the log) are copies made with CREATE DATABASE … TEMPLATE, untimed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.company import CLI, PY, RESULTS, _month
from bench.measure import ROOT, Sample, time_command, value_of_command
from bench.own_work import minus_startup, peak_rss, shell_floor, startup_argv
from bench.report_rows import command_memory_rows, peak_row
from bench.row import Row, at_most_ratio

ON_PG = " on PostgreSQL"


def _relabel(row: Row) -> Row:
    """A row made by the SQLite rows' code, named for PostgreSQL (its floor read with psycopg)."""
    row.what += ON_PG
    row.floor_name = row.floor_name.replace("sqlite3", "psycopg")
    return row


def _guarded(what: str, scale: float, floor_name: str, make: Callable[[], list[Row]]) -> list[Row]:
    """`make()`'s rows, or one row saying why there are none (as the SQLite rows do)."""
    try:
        return make()
    except Exception as exc:  # noqa: BLE001
        return [Row(what + ON_PG, scale, None, floor_name, None, "≤ 2×", note=str(exc)[:80])]


def _invoice(scale: float, runs: int, url: str, psql: list[str]) -> list[Row]:
    from bench.invoice_floor import check, floor_sql
    from bench.payinv_rows import last_month

    month = last_month()
    argv = [CLI, "--db", url, "report", "invoice", "--month", month, "--format", "csv"]
    own, _start = minus_startup(argv, startup_argv(CLI, url), runs)
    floor = shell_floor([*psql, "-c", floor_sql(month, dialect="postgresql")], [*psql, "-c", "SELECT 1"], runs)
    note = f"{month}: lines {check(url, CLI, month)} to the floor's"
    what = "report invoice --month (own work)" + ON_PG
    return [Row(what, scale, own, "one SQL query via psql", floor, "≤ 2×", check=at_most_ratio(2.0), note=note)]


def _payroll(scale: float, runs: int, cluster: Any) -> list[Row]:
    """`export payroll` (with its check) on a fresh copy of the prepared company each run."""
    from bench import payroll_floor
    from bench.payinv_rows import last_month
    from bench.pg_company import clone

    month = last_month()
    prepared = clone(cluster, "company", "payroll_prepared")
    database = payroll_floor._open(prepared)
    try:
        payroll_floor.prepare(database, month)
    finally:
        database.dispose()
    run = clone(cluster, "payroll_prepared", "payroll_run")
    argv = [CLI, "--db", run, "export", "payroll", "--month", month, "--out", "-"]
    own, _start = minus_startup(
        argv, startup_argv(CLI, run), runs, before=lambda: clone(cluster, "payroll_prepared", "payroll_run")
    )
    floor = value_of_command([PY, "-m", "bench.payroll_floor", "floor", prepared, month], runs)
    note = subprocess.run(
        [PY, "-m", "bench.payroll_floor", "check", prepared, month],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout.strip()
    clone(cluster, "payroll_prepared", "payroll_run")  # the last timed run locked the month
    peak = Sample([peak_rss(PY, argv)])
    what = "export payroll --month (own work, with its check)" + ON_PG
    return [
        Row(
            what, scale, own, "one read + rules loop", floor, "≤ 2×", check=at_most_ratio(2.0), note=f"{month}: {note}"
        ),
        peak_row("peak memory: export payroll --month" + ON_PG, scale, peak),
    ]


def _audit(scale: float, runs: int, cluster: Any) -> list[Row]:
    """`audit --verify` from the last checkpoint, and `--full`, on a copy of the company with as
    many log rows as the SQLite rows' (bench/report_rows.audit_rows), beside the same floor."""
    from bench import audit_floor
    from bench.pg_company import clone

    url = clone(cluster, "company", "audit")
    old, new = max(1000, int(500_000 * scale)), max(100, int(5_000 * scale))
    out = []
    with tempfile.TemporaryDirectory(prefix="bpa-pg-anchor-") as tmp:
        # The checkpoints of a PostgreSQL database live where BPA_AUDIT_ANCHOR says (never the
        # user's data folder); every command below is a child of this process and reads it.
        saved = os.environ.get("BPA_AUDIT_ANCHOR")
        os.environ["BPA_AUDIT_ANCHOR"] = str(Path(tmp) / "anchor")
        try:
            audit_floor.prepare(url, old, new)
            note = f"{old:,} rows before the checkpoint, {new:,} after; {audit_floor.check(url, CLI)} to the floor"
            for full in (False, True):
                argv = [CLI, "--db", url, "audit", "--verify", *(["--full"] if full else [])]
                own, _start = minus_startup(argv, startup_argv(CLI, url), runs, before=lambda: audit_floor.reset(url))
                audit_floor.reset(url)
                floor = value_of_command(
                    [PY, "-m", "bench.audit_floor", "floor", url, *(["--full"] if full else [])], runs
                )
                what = f"audit --verify{' --full' if full else ''} (own work)" + ON_PG
                if full:
                    out.append(Row(what, scale, own, "plain-Python re-hash", floor, "—", note="informative"))
                else:
                    out.append(
                        Row(
                            what, scale, own, "plain-Python re-hash", floor, "≤ 2×", check=at_most_ratio(2.0), note=note
                        )
                    )
            audit_floor.reset(url)
            peak = Sample([peak_rss(PY, [CLI, "--db", url, "audit", "--verify"])])
            out.append(peak_row("peak memory: audit --verify" + ON_PG, scale, peak))
        finally:
            if saved is None:
                os.environ.pop("BPA_AUDIT_ANCHOR", None)
            else:
                os.environ["BPA_AUDIT_ANCHOR"] = saved
    return out


def pg_rows(runs: int, scale: float, source: str | None = None) -> list[Row]:
    """Every row on PostgreSQL at `scale`, from the cached SQLite company `source` (default: the
    one bench/company.py caches for the scale; it is not built here — build it on SQLite first)."""
    from bench.pg_company import pg_company, psql_argv, row_counts, verify
    from bench.report_rows import _report_rows, continuity_row, list_row, rest_row

    source = source or str(RESULTS / f"company-{int(round(scale * 100))}.sqlite3")
    if not Path(source).exists():
        return [Row("load the company" + ON_PG, scale, None, "—", None, "—", note=f"no cached company {source}")]
    sys.path.insert(0, str(ROOT / "tests"))
    from pgserver import pg_bin_dir  # type: ignore[import-not-found]  # tests/pgserver.py

    if pg_bin_dir() is None:
        return [Row("load the company" + ON_PG, scale, None, "—", None, "—", note="no PostgreSQL")]
    out: list[Row] = []
    with pg_company(source) as (url, cluster, seconds):
        counts = row_counts(url)
        same = "equal" if counts == row_counts(f"sqlite:///{source}") else "NOT equal"
        note = f"{sum(counts.values()):,} rows, counts {same} to the source; audit --verify --full {verify(CLI, url)}"
        out.append(
            Row("load the cached company (COPY)" + ON_PG, scale, Sample([seconds]), "—", None, "—", note=note[:160])
        )
        psql = psql_argv(cluster, "company")
        out += _report_rows(
            ON_PG, scale, runs, url, "postgresql", lambda sql: [*psql, "-c", sql], "same totals via psql", _month()
        )
        out += [_relabel(continuity_row(scale, runs, url))]
        out += [_relabel(rest_row(scale, runs, url))]
        out += [_relabel(list_row(scale, runs, url))]
        out += _guarded(
            "report invoice --month (own work)",
            scale,
            "one SQL query via psql",
            lambda: _invoice(scale, runs, url, psql),
        )
        out += _guarded(
            "export payroll --month (own work, with its check)",
            scale,
            "one read + rules loop",
            lambda: _payroll(scale, runs, cluster),
        )
        out += _guarded(
            "audit --verify (own work)", scale, "plain-Python re-hash", lambda: _audit(scale, runs, cluster)
        )
        out += command_memory_rows(scale, url, ON_PG)
        start = time_command(startup_argv(CLI, url), runs)
        out.append(Row("CLI start-up: list municipalities" + ON_PG, scale, start, "—", None, "—", note="informative"))
    return out


def main(argv: list[str]) -> None:
    from tabulate import tabulate

    from bench.row import HEADERS

    rows = pg_rows(int(argv[2]) if len(argv) > 2 else 3, float(argv[1]), argv[0])
    print(tabulate([r.cells() for r in rows], headers=HEADERS, tablefmt="github"))


if __name__ == "__main__":
    main(sys.argv[1:])
