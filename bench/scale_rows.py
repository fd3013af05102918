"""The rows of `make bench` taken at every scale: start-up, lists and the UI thread, the commands,
the working-time check's rate, opening a record, key to screen in tmux, and PostgreSQL."""

from __future__ import annotations

import subprocess

from bench.company import (
    CLI,
    PY,
    RESULTS,
    _month,
    build_database,
)
from bench.measure import ROOT, Sample, time_command, value_of_command, value_since_launch
from bench.own_work import startup_argv
from bench.report_rows import (
    _report_rows,
    audit_rows,
    continuity_row,
    list_row,
    memory_rows,
    rest_row,
)
from bench.row import (
    LINEAR,
    Row,
    at_most_above,
    at_most_ratio,
    at_most_seconds,
    beside_smallest_scale,
)


def ui_probe(probe: str, db: str, runs: int) -> tuple[Sample, str]:
    """bench/ui_probe.py `runs` times: the longest stall of each run, and each step's median."""
    worst: list[float] = []
    steps: dict[str, list[float]] = {}
    for _ in range(runs):
        proc = subprocess.run([PY, "-m", "bench.ui_probe", probe, db], capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            raise RuntimeError(f"ui_probe {probe} failed: {proc.stderr[-500:]}")
        lines = proc.stdout.strip().splitlines()
        worst.append(float(lines[-1]))
        for line in lines[:-1]:
            if line.startswith("step "):
                _step, name, seconds = line.split()
                steps.setdefault(name, []).append(float(seconds))
    medians = " · ".join(f"{name.replace('_', ' ')} {Sample(v).median * 1000:.0f}" for name, v in steps.items())
    return Sample(worst), medians + " ms"


def rows_for_scale(scale: float, runs: int) -> list[Row]:
    db = build_database(scale)
    out: list[Row] = []
    month = _month()

    # 1. start to dashboard ready vs a bare Textual app with one DataTable
    bare = None
    try:
        bare = value_since_launch([PY, "-m", "bench.app_probe", "bare"], runs)
        value = value_since_launch([PY, "-m", "bench.app_probe", "app", db], runs)
        out.append(
            Row(
                "start → dashboard first full paint (headless)",
                scale,
                value,
                "bare Textual + DataTable",
                bare,
                "≤ 2.5×",
                check=at_most_ratio(2.5),
            )
        )
        value = value_since_launch([PY, "-m", "bench.app_probe", "app", db, "--filled"], runs)
        out.append(
            Row(
                "start → every dashboard section filled",
                scale,
                value,
                "bare Textual + DataTable",
                bare,
                "—",
                note="informative: the hour outlook reads a year of shifts",
            )
        )
    except Exception as exc:  # noqa: BLE001
        out.append(
            Row(
                "start → dashboard first full paint (headless)",
                scale,
                None,
                "bare Textual + DataTable",
                bare,
                "≤ 2.5×",
                note=str(exc)[:80],
            )
        )

    # 2. report hours for all clients, minus a no-op command, vs the same totals in one SQL query
    out += _report_rows(
        "", scale, runs, db, "sqlite", lambda sql: ["sqlite3", db, sql], "one SQL query via sqlite3", month
    )

    # Every "own work" below is the command minus the same CLI's start-up on the same database,
    # beside its floor's own work (a shell's query minus its `SELECT 1`, or a Python floor's own
    # elapsed time): bench/own_work.py.

    # 2b. report continuity for all clients vs every figure of it from SQL and a plain loop,
    # checked equal in the same run (bench/continuity_floor.py)
    out.append(continuity_row(scale, runs, db))

    # 2b'. report rest for this month vs the same findings from a plain
    # loop over sqlite3 rows and the pure rules, checked equal in the same run (bench/rest_floor.py)
    out.append(rest_row(scale, runs, db))

    # 2c. list assistants --format csv vs the same output, byte for byte, from sqlite3 rows
    # masked and guarded in Python (bench/list_floor.py)
    out.append(list_row(scale, runs, db))

    # 2d. audit --verify from the last checkpoint (and --full), vs a plain-Python re-hash of the
    # same rows, checked equal (bench/audit_floor.py)
    out += audit_rows(scale, runs, db)

    # 2e. export payroll (with its check; and its peak memory) and report invoice for last month,
    # each beside its floor, checked equal in the same run (bench/payinv_rows.py)
    from bench.payinv_rows import invoice_row, payroll_rows

    out += payroll_rows(scale, runs, db, CLI, PY, RESULTS)
    out += invoice_row(scale, runs, db, CLI)

    # 2f. the peak memory of every report, export and list command (≤ 200 MB)
    out += memory_rows(scale, db)

    # 3. CLI start-up (what every "own work" above has taken off) vs importing sqlmodel
    try:
        floor = time_command([PY, "-c", "import sqlmodel"], runs)
        value = time_command(startup_argv(CLI, db), runs)
        out.append(
            Row(
                "CLI start-up: list municipalities",
                scale,
                value,
                "python -c 'import sqlmodel'",
                floor,
                "≤ 1.5×",
                check=at_most_ratio(1.5),
            )
        )
    except Exception as exc:  # noqa: BLE001
        out.append(
            Row(
                "CLI start-up: list municipalities",
                scale,
                None,
                "python -c 'import sqlmodel'",
                None,
                "≤ 1.5×",
                note=str(exc)[:80],
            )
        )

    # 4./5. UI-thread work (longest event-loop stall) for list and roster interactions
    for probe, label in (
        ("lists", "clients list: open, last row, search"),
        ("roster", "roster: open area, a week, next week"),
    ):
        try:
            value, steps = ui_probe(probe, db, runs)
            out.append(
                Row(
                    f"UI thread, {label}",
                    scale,
                    value,
                    "—",
                    None,
                    "≤ 50 ms",
                    check=at_most_seconds(0.05),
                    note="worst step; medians: " + steps,
                )
            )
        except Exception as exc:  # noqa: BLE001
            out.append(Row(f"UI thread, {label}", scale, None, "—", None, "≤ 50 ms", note=str(exc)[:80]))

    # 6. the working-time check is measured for every scale at once, at the end (worktime_rows)

    # 7. peak memory while browsing vs the bare app
    try:
        floor = value_of_command([PY, "-m", "bench.app_probe", "bare", "--memory"], 2)
        value = value_of_command([PY, "-m", "bench.app_probe", "app", db, "--memory"], 2)
        out.append(
            Row(
                "peak memory while browsing",
                scale,
                value,
                "bare Textual app",
                floor,
                "≤ +150 MB",
                unit="MB",
                check=at_most_above(150e6),
            )
        )
    except Exception as exc:  # noqa: BLE001
        out.append(
            Row(
                "peak memory while browsing",
                scale,
                None,
                "bare Textual app",
                None,
                "≤ +150 MB",
                unit="MB",
                note=str(exc)[:80],
            )
        )
    return out


def worktime_rows(scales: list[float], runs: int) -> list[Row]:
    """Working-time check throughput over one month of every assistant's shifts, at every scale.

    The scales take turns run by run (10 %, 50 %, 100 %, 10 %, …), so a busy minute on a shared
    machine slows all of them alike; linear growth shows as a flat rate. The floor of each row is
    the rate at the smallest scale."""
    month = _month()
    dbs = {scale: build_database(scale) for scale in scales}
    values: dict[float, list[float]] = {scale: [] for scale in scales}
    errors: dict[float, str] = {}
    for _ in range(runs):
        for scale, db in dbs.items():
            if scale in errors:
                continue
            try:
                values[scale] += value_of_command([PY, "-m", "bench.worktime_probe", db, month], 1).values
            except Exception as exc:  # noqa: BLE001
                errors[scale] = str(exc)[:80]
    smallest = min(scales)
    floor = Sample(values[smallest]) if values[smallest] else None
    out = []
    for scale in scales:
        value = Sample(values[scale]) if values[scale] else None
        out.append(
            Row(
                "working-time check, one month",
                scale,
                value,
                "rate at the smallest scale",
                floor,
                f"linear (≥ {LINEAR:.0%} of it)",
                unit="shifts/s",
                note=errors.get(scale, ""),
                check=lambda r: r.value.median >= LINEAR * r.floor.median,
            )
        )  # type: ignore[union-attr]
    return out


def terminal_rows(scales: list[float], runs: int, size: str = "120x40") -> list[Row]:
    """Key to screen in a real terminal (bench/tmux_probe.py): each step beside a bare Textual app
    showing the same rows; issue 19's target is ≤ 150 ms and ≤ 2× that floor."""
    out: list[Row] = []
    for scale in scales:
        db = build_database(scale)
        what = f"key to screen, tmux {size}: "
        try:
            proc = subprocess.run(
                [PY, "-m", "bench.tmux_probe", db, "--size", size, "--runs", str(runs)],
                capture_output=True,
                text=True,
                cwd=ROOT,
                timeout=1800,
            )
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed")
        except Exception as exc:  # noqa: BLE001
            out.append(
                Row(what + "every step", scale, None, "bare Textual app", None, "≤ 150 ms, ≤ 2×", note=str(exc)[:80])
            )
            continue
        for line in proc.stdout.splitlines():
            if not line.startswith("step|"):
                continue
            _, name, app_values, floor_values = line.split("|")
            value = Sample([float(v) for v in app_values.split(",")])
            floor = Sample([float(v) for v in floor_values.split(",")]) if floor_values else None
            out.append(
                Row(
                    what + name,
                    scale,
                    value,
                    "bare Textual app, same rows" if floor else "—",
                    floor,
                    "≤ 150 ms, ≤ 2×" if floor else "≤ 150 ms",
                    check=lambda r: (
                        r.value is not None
                        and r.value.median <= 0.15
                        and (r.floor is None or (r.ratio is not None and r.ratio <= 2))
                    ),
                )
            )
    return out


def detail_rows(scales: list[float], runs: int) -> list[Row]:
    """Opening a client and an assistant (bench/detail_probe.py) at every scale, taking turns like
    the working-time rows; the floor is the figure at the smallest scale (issue 19: cost grows
    with what is shown, not with the database)."""
    dbs = {scale: build_database(scale) for scale in scales}
    values: dict[float, list[float]] = {scale: [] for scale in scales}
    errors: dict[float, str] = {}
    for _ in range(runs):
        for scale, db in dbs.items():
            if scale in errors:
                continue
            try:
                values[scale] += value_of_command([PY, "-m", "bench.detail_probe", f"sqlite:///{db}"], 1).values
            except Exception as exc:  # noqa: BLE001
                errors[scale] = str(exc)[:80]
    return beside_smallest_scale("open a client and an assistant (services)", values, errors)


def pg_rows(runs: int, scale: float) -> list[Row]:
    """Every command beside its floor on PostgreSQL: the cached SQLite company at `scale` loaded
    into a throwaway cluster by COPY (bench/pg_company.py), the rows of bench/pg_rows.py."""
    from bench import pg_rows as pg

    return pg.pg_rows(runs, scale, build_database(scale))
