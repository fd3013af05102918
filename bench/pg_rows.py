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
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.company import CLI, PY, RESULTS, _month
from bench.measure import ROOT, Sample, time_command, value_of_command
from bench.own_work import in_process, minus_startup, peak_rss, shell_floor, startup_argv
from bench.report_rows import command_memory_rows, peak_row
from bench.row import Row, TimedRows, at_most_ratio

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
    own, _start = in_process(argv, startup_argv(CLI, url), runs)  # as on SQLite (bench/payinv_rows.py)
    floor = shell_floor([*psql, "-c", floor_sql(month, dialect="postgresql")], [*psql, "-c", "SELECT 1"], runs)
    note = f"{month}: lines {check(url, CLI, month)} to the floor's"
    what = "report invoice --month (own work)" + ON_PG
    return [Row(what, scale, own, "one SQL query via psql", floor, "≤ 2×", check=at_most_ratio(2.0), note=note)]


def _payroll(scale: float, runs: int, cluster: Any, name: str) -> list[Row]:
    """`export payroll` (with its check) on a fresh copy of the prepared company `name` each run."""
    from bench import payroll_floor
    from bench.payinv_rows import last_month
    from bench.pg_company import clone

    month = last_month()
    prepared = clone(cluster, name, f"{name}_payroll_prepared")
    database = payroll_floor._open(prepared)
    try:
        payroll_floor.prepare(database, month)
    finally:
        database.dispose()
    copy = lambda: clone(cluster, f"{name}_payroll_prepared", f"{name}_payroll_run")  # noqa: E731
    run = copy()
    argv = [CLI, "--db", run, "export", "payroll", "--month", month, "--out", "-"]
    own, _start = minus_startup(argv, startup_argv(CLI, run), runs, before=copy)
    floor = value_of_command([PY, "-m", "bench.payroll_floor", "floor", prepared, month], runs)
    note = subprocess.run(
        [PY, "-m", "bench.payroll_floor", "check", prepared, month],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout.strip()
    copy()  # the last timed run locked the month
    peak = Sample([peak_rss(PY, argv)])
    what = "export payroll --month (own work, with its check)" + ON_PG
    return [
        Row(
            what, scale, own, "one read + rules loop", floor, "≤ 2×", check=at_most_ratio(2.0), note=f"{month}: {note}"
        ),
        peak_row("peak memory: export payroll --month" + ON_PG, scale, peak),
    ]


def _audit(scale: float, runs: int, cluster: Any, name: str) -> list[Row]:
    """`audit --verify` from the last checkpoint, and `--full`, on a copy of the company with as
    many log rows as the SQLite rows' (bench/report_rows.audit_rows), beside the same floor."""
    from bench import audit_floor
    from bench.pg_company import clone

    url = clone(cluster, name, f"{name}_audit")
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


def _scale_rows(runs: int, scale: float, source: str, cluster: Any, name: str, seconds: float) -> list[Row]:
    """Every row of one scale on the company loaded into database `name` of `cluster` (its
    copies for the payroll export and the audit rows dropped again at the end)."""
    from bench.pg_company import admin, psql_argv, row_counts, verify
    from bench.report_rows import _report_rows, continuity_row, list_row, rest_row
    from bench.scale_rows import app_rows

    url = cluster.url(name)
    out: list[Row] = TimedRows()
    counts = row_counts(url)
    same = "equal" if counts == row_counts(f"sqlite:///{source}") else "NOT equal"
    note = f"{sum(counts.values()):,} rows, counts {same} to the source; audit --verify --full {verify(CLI, url)}"
    out.append(Row("load the cached company (COPY)" + ON_PG, scale, Sample([seconds]), "—", None, "—", note=note[:160]))
    out += app_rows(scale, runs, url, ON_PG)
    psql = psql_argv(cluster, name)
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
        lambda: _payroll(scale, runs, cluster, name),
    )
    out += _guarded(
        "audit --verify (own work)", scale, "plain-Python re-hash", lambda: _audit(scale, runs, cluster, name)
    )
    out += command_memory_rows(scale, url, ON_PG)
    try:
        start = time_command(startup_argv(CLI, url), runs)
        out.append(Row("CLI start-up: list municipalities" + ON_PG, scale, start, "—", None, "—", note="informative"))
    except Exception as exc:  # noqa: BLE001
        out.append(Row("CLI start-up: list municipalities" + ON_PG, scale, None, "—", None, "—", note=str(exc)[:80]))
    for copy in ("payroll_prepared", "payroll_run", "audit"):
        admin(cluster, f'DROP DATABASE IF EXISTS "{name}_{copy}" WITH (FORCE)')
    return out


def pg_rows(runs: int, scale: float, source: str | None = None) -> list[Row]:
    """Every row on PostgreSQL at `scale`, from the cached SQLite company `source` (default: the
    one bench/company.py caches for the scale; it is not built here — build it on SQLite first)."""
    return pg_all_rows(runs, {scale: source or str(RESULTS / f"company-{int(round(scale * 100))}.sqlite3")})


def pg_all_rows(runs: int, sources: dict[float, str], cross_scale: bool = True) -> list[Row]:
    """Every row on PostgreSQL at every scale of `sources` (scale -> the cached SQLite company),
    in ONE throwaway cluster: each company loaded once (COPY, bench/pg_company.py) into a database
    of its own and used by every row of its scale; then, with `cross_scale` and more than one
    scale, the rows that compare the scales run in turns on the loaded companies (opening a
    record, a week, the hour account, the dashboard's sections: ≤ 1.2×; key to screen in tmux).
    A scale that cannot be loaded is a row with the reason; so is a missing PostgreSQL."""
    from bench.pg_company import admin, load

    out: list[Row] = []
    present = {}
    for scale, source in sorted(sources.items()):
        if Path(source).exists():
            present[scale] = source
        else:
            out.append(Row("load the company" + ON_PG, scale, None, "—", None, "—", note=f"no cached company {source}"))
    if not present:
        return out
    sys.path.insert(0, str(ROOT / "tests"))
    from pgserver import PgCluster, pg_bin_dir  # type: ignore[import-not-found]  # tests/pgserver.py

    bindir = pg_bin_dir()
    if bindir is None:
        return out + [Row("load the company" + ON_PG, s, None, "—", None, "—", note="no PostgreSQL") for s in present]
    cluster = PgCluster(bindir)
    cluster.start()
    try:
        loaded: dict[float, str] = {}
        for scale, source in present.items():
            name = f"company_{int(round(scale * 100))}"
            print(f"  PostgreSQL at {scale:.0%}: loading {source}", flush=True)
            try:
                admin(cluster, f'CREATE DATABASE "{name}"')
                t0 = time.perf_counter()
                load(source, cluster.url(name))
                seconds = time.perf_counter() - t0
            except Exception as exc:  # noqa: BLE001
                out.append(Row("load the company" + ON_PG, scale, None, "—", None, "—", note=str(exc)[:80]))
                continue
            t0 = time.perf_counter()
            out += _scale_rows(runs, scale, source, cluster, name, seconds)
            loaded[scale] = cluster.url(name)
            print(f"  PostgreSQL at {scale:.0%}: loaded in {seconds:.0f} s, rows in {time.perf_counter() - t0:.0f} s")
        if cross_scale and loaded:
            from bench.scale_rows import record_rows, terminal_rows_on

            t0 = time.perf_counter()
            out += record_rows(loaded, runs, ON_PG)
            print(f"  PostgreSQL: records, week, account, dashboard in turns: {time.perf_counter() - t0:.0f} s")
            t0 = time.perf_counter()
            out += terminal_rows_on(loaded, min(runs, 3), ON_PG, floor_dbs=present)
            print(f"  PostgreSQL: key to screen in tmux: {time.perf_counter() - t0:.0f} s", flush=True)
    finally:
        cluster.stop()
    return out


def main(argv: list[str]) -> None:
    from tabulate import tabulate

    from bench.row import HEADERS

    rows = pg_rows(int(argv[2]) if len(argv) > 2 else 3, float(argv[1]), argv[0])
    print(tabulate([r.cells() for r in rows], headers=HEADERS, tablefmt="github"))


if __name__ == "__main__":
    main(sys.argv[1:])
