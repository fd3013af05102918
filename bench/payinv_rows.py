"""The bench rows of `export payroll` (with its check, and its peak memory) and `report invoice`,
each beside its floor (bench/payroll_floor.py, bench/invoice_floor.py) and checked equal to it in
the same run. Called by bench/run.py for every scale.

The payroll month is last month: the demo company has it approved and not yet locked (the months
before are locked and exported). A copy of the company with that month's few working-time warnings
acknowledged (`payroll_floor.prepare`) is made once per scale; every timed export runs on a fresh
copy of it (the export locks the month), the copying not timed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from datetime import date
from pathlib import Path

from bench.measure import ROOT, Sample, time_command, value_of_command

PY_FLOOR = ("-m", "bench.payroll_floor")


def last_month(today: date | None = None) -> str:
    today = today or date.today()
    y, m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{y}-{m:02d}"


def prepared_copy(db: str, results: Path, scale: float, month: str) -> str:
    """The company with `month`'s warnings acknowledged (made once, cached beside the company)."""
    from bench import payroll_floor

    path = results / f"payroll-{int(round(scale * 100))}-{month}.sqlite3"
    if not path.exists():
        shutil.copyfile(db, str(path) + ".tmp")
        database = payroll_floor._open(str(path) + ".tmp")
        try:
            payroll_floor.prepare(database, month)
        finally:
            database.dispose()
        os.replace(str(path) + ".tmp", path)
    return str(path)


def time_export(cli: str, prepared: str, month: str, runs: int, noop: float) -> Sample:
    """`export payroll --month M --out -` on a fresh copy each run, minus a no-op command."""
    run_copy = prepared + ".run"
    values = []
    for i in range(runs + 1):
        shutil.copyfile(prepared, run_copy)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [cli, "--db", run_copy, "export", "payroll", "--month", month, "--out", "-"], capture_output=True, cwd=ROOT
        )
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"export payroll failed: {proc.stderr.decode()[-300:]}")
        if i:  # the first run warms the caches
            values.append(max(elapsed - noop, 0.0))
    os.remove(run_copy)
    return Sample(values)


def payroll_rows(scale: float, runs: int, db: str, cli: str, py: str, results: Path) -> list:
    from bench.run import Row, at_most_ratio

    what, floor_name = "export payroll --month (own work, with its check)", "one read + rules loop"
    month = last_month()
    out = []
    try:
        prepared = prepared_copy(db, results, scale, month)
        noop = time_command([cli, "--help"], runs)
        own = time_export(cli, prepared, month, runs, noop.median)
        floor = value_of_command([py, *PY_FLOOR, "floor", prepared, month], runs)
        note = subprocess.run(
            [py, *PY_FLOOR, "check", prepared, month], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout.strip()
        out.append(Row(what, scale, own, floor_name, floor, "≤ 2×", check=at_most_ratio(2.0), note=f"{month}: {note}"))
        peak = value_of_command([py, *PY_FLOOR, "memory", prepared, month], 1)
        out.append(
            Row(
                "export payroll --month: peak memory",
                scale,
                peak,
                "—",
                None,
                "≤ 200 MB",
                unit="MB",
                check=lambda row: row.value is not None and row.value.median <= 200e6,
            )
        )
    except Exception as exc:  # noqa: BLE001
        out.append(Row(what, scale, None, floor_name, None, "≤ 2×", note=str(exc)[:80]))
    return out


def invoice_row(scale: float, runs: int, db: str, cli: str) -> list:
    from bench.invoice_floor import check, floor_sql
    from bench.run import Row, at_most_ratio

    what, floor_name = "report invoice --month (own work)", "one SQL query via sqlite3"
    month = last_month()
    try:
        noop = time_command([cli, "--help"], runs)
        full = time_command([cli, "--db", db, "report", "invoice", "--month", month, "--format", "csv"], runs)
        own = Sample([max(f - noop.median, 0.0) for f in full.values])
        floor = time_command(["sqlite3", db, floor_sql(month)], runs)
        note = f"{month}: lines {check(db, cli, month)} to the floor's"
        return [Row(what, scale, own, floor_name, floor, "≤ 2×", check=at_most_ratio(2.0), note=note)]
    except Exception as exc:  # noqa: BLE001
        return [Row(what, scale, None, floor_name, None, "≤ 2×", note=str(exc)[:80])]
