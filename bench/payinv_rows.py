"""The bench rows of `export payroll` (with its check) and `report invoice`,
each beside its floor (bench/payroll_floor.py, bench/invoice_floor.py) and checked equal to it in
the same run. Called by bench/run.py for every scale.

The payroll month is last month: the demo company has it approved and not yet locked (the months
before are locked and exported). A copy of the company with that month's few working-time warnings
acknowledged (`payroll_floor.prepare`) is made once per scale; every timed export runs on a fresh
copy of it (the export locks the month), the copying not timed. The export's peak memory is
among every command's, in `report_rows.memory_rows`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

from bench.company import same_schema
from bench.measure import ROOT, Sample, value_of_command
from bench.own_work import in_process, minus_startup, shell_floor, startup_argv

PY_FLOOR = ("-m", "bench.payroll_floor")


def last_month(today: date | None = None) -> str:
    today = today or date.today()
    y, m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{y}-{m:02d}"


def prepared_copy(db: str, results: Path, scale: float, month: str) -> str:
    """The company with `month`'s warnings acknowledged (made once, cached beside the company)."""
    from bench import payroll_floor

    path = results / f"payroll-{int(round(scale * 100))}-{month}.sqlite3"
    if not same_schema(path, db):
        shutil.copyfile(db, str(path) + ".tmp")
        database = payroll_floor._open(str(path) + ".tmp")
        try:
            payroll_floor.prepare(database, month)
        finally:
            database.dispose()
        os.replace(str(path) + ".tmp", path)
    return str(path)


def time_export(cli: str, prepared: str, month: str, runs: int) -> Sample:
    """`export payroll --month M --out -` on a fresh copy each run (copied untimed), minus the CLI's
    start-up on that copy (bench/own_work.py)."""
    run_copy = prepared + ".run"
    shutil.copyfile(prepared, run_copy)
    argv = [cli, "--db", run_copy, "export", "payroll", "--month", month, "--out", "-"]
    own, _start = minus_startup(
        argv, startup_argv(cli, run_copy), runs, before=lambda: shutil.copyfile(prepared, run_copy)
    )
    os.remove(run_copy)
    return own


def payroll_rows(scale: float, runs: int, db: str, cli: str, py: str, results: Path) -> list:
    from bench.row import Row, at_most_ratio

    what, floor_name = "export payroll --month (own work, with its check)", "one read + rules loop"
    month = last_month()
    out = []
    try:
        prepared = prepared_copy(db, results, scale, month)
        own = time_export(cli, prepared, month, runs)
        floor = value_of_command([py, *PY_FLOOR, "floor", prepared, month], runs)
        note = subprocess.run(
            [py, *PY_FLOOR, "check", prepared, month], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout.strip()
        out.append(Row(what, scale, own, floor_name, floor, "≤ 2×", check=at_most_ratio(2.0), note=f"{month}: {note}"))
    except Exception as exc:  # noqa: BLE001
        out.append(Row(what, scale, None, floor_name, None, "≤ 2×", note=str(exc)[:80]))
    return out


def invoice_row(scale: float, runs: int, db: str, cli: str) -> list:
    from bench.invoice_floor import check, floor_sql
    from bench.row import Row, at_most_ratio

    what, floor_name = "report invoice --month (own work)", "one SQL query via sqlite3"
    month = last_month()
    try:
        argv = [cli, "--db", db, "report", "invoice", "--month", month, "--format", "csv"]
        # Milliseconds of own work: timed inside the process (bench/own_work.py `in_process`).
        own, _start = in_process(argv, startup_argv(cli, db), runs)
        floor = shell_floor(["sqlite3", db, floor_sql(month)], ["sqlite3", db, "SELECT 1;"], runs)
        note = f"{month}: lines {check(db, cli, month)} to the floor's"
        return [Row(what, scale, own, floor_name, floor, "≤ 2×", check=at_most_ratio(2.0), note=note)]
    except Exception as exc:  # noqa: BLE001
        return [Row(what, scale, None, floor_name, None, "≤ 2×", note=str(exc)[:80])]
