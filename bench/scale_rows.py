"""The rows of `make bench` taken at every scale: start-up, lists and the UI thread, the commands,
the working-time check's rate, opening a record, key to screen in tmux, and PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Callable

from bench.company import (
    CLI,
    PY,
    RESULTS,
    _month,
    build_database,
)
from bench.measure import (
    Sample,
    from_fresh_parent,
    run,
    time_command,
    value_of_command,
    value_since_launch,
    values_in_turns,
)
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
    TimedRows,
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
        proc = run([PY, "-m", "bench.ui_probe", probe, db], text=True)
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
    out: list[Row] = TimedRows()
    month = _month()

    # 1. start to dashboard ready, and to every section filled, vs a bare Textual app with one
    # DataTable (the floor is the same at every scale: measured once, bare_app_sample)
    out += app_rows(scale, runs, db)

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
        floor = value_of_command(from_fresh_parent([PY, "-m", "bench.app_probe", "bare", "--memory"]), 2)
        value = value_of_command(from_fresh_parent([PY, "-m", "bench.app_probe", "app", db, "--memory"]), 2)
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


FIRST_PAINT = "start → dashboard first full paint (headless)"
FILLED = "start → every dashboard section filled"
AGAIN = "dashboard again after a change (key 1) → every section filled"
_BARE: dict[int, Sample] = {}


def bare_app_sample(runs: int) -> Sample:
    """The bare Textual app's start to its first paint: the floor of the app rows, the same at
    every scale and on either engine, so measured once a run."""
    if runs not in _BARE:
        _BARE[runs] = value_since_launch([PY, "-m", "bench.app_probe", "bare"], runs)
    return _BARE[runs]


def app_rows(scale: float, runs: int, db: str, suffix: str = "") -> list[Row]:
    """Start → the dashboard's first full paint (≤ 2.5× the bare app) and → every section filled
    (issue 19: ≤ 1 s at 100 %), on `db` (a SQLite file or a PostgreSQL URL); a probe that fails is
    its row with the reason."""
    floor_name = "bare Textual + DataTable"
    try:
        bare: Sample | None = bare_app_sample(runs)
    except Exception as exc:  # noqa: BLE001
        bare, why = None, f"bare app: {exc}"[:80]
    else:
        why = ""
    out = []
    for what, flag, target, check in (
        (FIRST_PAINT, [], "≤ 2.5×", at_most_ratio(2.5)),
        (FILLED, ["--filled"], "≤ 1 s", at_most_seconds(1.0)),
    ):
        try:
            value: Sample | None = value_since_launch([PY, "-m", "bench.app_probe", "app", db, *flag], runs)
            note = why
        except Exception as exc:  # noqa: BLE001
            value, note = None, str(exc)[:80]
        out.append(Row(what + suffix, scale, value, floor_name, bare, target, check=check, note=note))
    # What a coordinator waits each time they come back to the dashboard after saving something
    # (the start's imports and first paint are behind them): the key to every section shown again.
    try:
        again: Sample | None = value_since_launch([PY, "-m", "bench.app_probe", "app", db, "--again"], runs)
        note = ""
    except Exception as exc:  # noqa: BLE001
        again, note = None, str(exc)[:80]
    out.append(Row(AGAIN + suffix, scale, again, "—", None, "≤ 1 s", check=at_most_seconds(1.0), note=note))
    return out


def probe_turns(label: str, argv_of: Callable[[str], list[str]], dbs: dict[float, str], runs: int) -> list[Row]:
    """A probe printing seconds, run on the database of every scale in turns (10 %, 100 %, 10 %,
    …, so a busy minute slows every scale alike), each scale beside the smallest (≤ 1.2×: the
    cost follows what is shown, not the database); a scale whose probe fails is its row with the
    reason."""
    values, errors = values_in_turns(argv_of, dbs, runs)
    return beside_smallest_scale(label, values, errors)


def record_rows(dbs: dict[float, str], runs: int, suffix: str = "") -> list[Row]:
    """Opening a client and an assistant (bench/detail_probe.py), a roster week, the hour account
    and the dashboard's sections (bench/dash_probe.py), every scale in turns, on PostgreSQL URLs
    (the SQLite rows: `detail_rows` and dash_probe.dash_rows)."""
    from bench.dash_probe import INFORMATIVE, LABELS, informative

    out = probe_turns(
        "open a client and an assistant (services)" + suffix, lambda db: [PY, "-m", "bench.detail_probe", db], dbs, runs
    )
    for what, label in LABELS.items():
        out += probe_turns(
            label + suffix, lambda db, w=what: [PY, "-m", "bench.dash_probe", w, db, "--runs", "3"], dbs, runs
        )
    for what, label in INFORMATIVE.items():  # the hours section's first view of a day, no target
        values, errors = values_in_turns(
            lambda db, w=what: [PY, "-m", "bench.dash_probe", w, db, "--runs", "3"], dbs, runs
        )
        out += informative(label + suffix, values, errors)
    return out


def worktime_rows(scales: list[float], runs: int) -> list[Row]:
    """Working-time check throughput over one month of every assistant's shifts, at every scale.

    The scales take turns run by run (10 %, 50 %, 100 %, 10 %, …), so a busy minute on a shared
    machine slows all of them alike; linear growth shows as a flat rate. The floor of each row is
    the rate at the smallest scale."""
    month = _month()
    dbs = {scale: build_database(scale) for scale in scales}
    values, errors = values_in_turns(lambda db: [PY, "-m", "bench.worktime_probe", db, month], dbs, runs)
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
    """Key to screen in tmux on the SQLite company of every scale (`terminal_rows_on`)."""
    return terminal_rows_on({scale: build_database(scale) for scale in scales}, runs, size=size)


def terminal_rows_on(
    dbs: dict[float, str],
    runs: int,
    suffix: str = "",
    size: str = "120x40",
    floor_dbs: dict[float, str] | None = None,
) -> list[Row]:
    """Key to screen in a real terminal (bench/tmux_probe.py) on `dbs` (scale -> a SQLite file or
    a PostgreSQL URL): each step beside a bare Textual app showing the same rows (on PostgreSQL
    its records read from the SQLite file the company was loaded from, `floor_dbs`); issue 19's
    target is ≤ 150 ms and ≤ 2× that floor. No tmux, or a probe that fails, is a row with the
    reason."""
    out: list[Row] = []
    for scale, db in dbs.items():
        what = f"key to screen, tmux {size}: "
        try:
            if not shutil.which("tmux"):
                raise RuntimeError("no tmux on this machine")
            floor_db = ["--floor-db", floor_dbs[scale]] if floor_dbs and scale in floor_dbs else []
            command = [PY, "-m", "bench.tmux_probe", db, "--size", size, "--runs", str(runs), *floor_db]
            proc = run(command, timeout=1800, text=True)
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed")
        except Exception as exc:  # noqa: BLE001
            out.append(
                Row(
                    what + "every step" + suffix,
                    scale,
                    None,
                    "bare Textual app",
                    None,
                    "≤ 150 ms, ≤ 2×",
                    note=str(exc)[:80],
                )
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
                    what + name + suffix,
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
    dbs = {scale: f"sqlite:///{build_database(scale)}" for scale in scales}
    return probe_turns(
        "open a client and an assistant (services)", lambda db: [PY, "-m", "bench.detail_probe", db], dbs, runs
    )
