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
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.measure import ROOT, VENV_BIN, Sample, time_command, value_of_command, value_since_launch

RESULTS = ROOT / "bench" / "results"
FULL = {"clients": 2000, "assistants": 12000, "months": 24}
PY = sys.executable
CLI = str(VENV_BIN / "bpa-provider")
ZONE = ZoneInfo("Europe/Oslo")  # every demo municipality is on Oslo's (= Stockholm's) clock
MAX_SHIFT = timedelta(days=7)  # as services.hours.MAX_SHIFT: how far back a shift may start


@dataclass
class Row:
    what: str
    scale: float
    value: Sample | None
    floor_name: str
    floor: Sample | None
    target: str
    unit: str = "s"
    note: str = ""
    check: Callable[[Row], bool] | None = None  # whether the target holds

    @property
    def ratio(self) -> float | None:
        if self.value is None or self.floor is None or self.floor.median <= 0:
            return None
        return self.value.median / self.floor.median

    def met(self) -> str:
        if self.check is None or self.value is None:
            return ""
        try:
            return "yes" if self.check(self) else "NO"
        except TypeError:  # a floor is missing
            return ""

    def cells(self) -> list[str]:
        def fmt(s: Sample | None) -> str:
            if s is None:
                return "n/a"
            if self.unit == "MB":
                return f"{s.median / 1e6:.1f} ± {s.spread / 1e6:.1f} MB"
            if self.unit == "shifts/s":
                return f"{s.median:,.0f} ± {s.spread:,.0f}/s"
            return f"{s.median * 1000:.1f} ± {s.spread * 1000:.1f} ms"

        ratio = ""
        if self.value is not None and self.floor is not None and self.floor.median > 0:
            if self.unit == "MB":
                ratio = f"+{(self.value.median - self.floor.median) / 1e6:.0f} MB"
            else:
                ratio = f"{self.value.median / self.floor.median:.2f}×"
        return [
            self.what,
            f"{int(round(self.scale * 100))} %",
            fmt(self.value),
            self.floor_name,
            fmt(self.floor),
            ratio,
            self.target,
            self.met(),
            self.note,
        ]


def at_most_ratio(limit: float) -> Callable[[Row], bool]:
    return lambda row: row.ratio is not None and row.ratio <= limit


def at_most_seconds(limit: float) -> Callable[[Row], bool]:
    return lambda row: row.value is not None and row.value.median <= limit


def at_most_above(limit_bytes: float) -> Callable[[Row], bool]:
    return lambda row: row.value.median - row.floor.median <= limit_bytes  # type: ignore[union-attr]


# A working-time check is "linear" when its rate (shifts per second) at a scale stays within this
# fraction of the rate at the smallest scale: the cost per shift does not grow with the database.
LINEAR = 0.75


def build_database(scale: float, url: str | None = None) -> str:
    """The cached SQLite file (or the given PostgreSQL URL) holding the company at `scale`."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    args = {k: max(1, int(v * scale)) if k != "months" else v for k, v in FULL.items()}
    target = url or str(RESULTS / f"company-{int(round(scale * 100))}.sqlite3")
    if url is None and Path(target).exists():
        # A file cached by an older version: bring it to the current schema (a no-op when it is).
        subprocess.run([CLI, "--db", target, "init"], capture_output=True, text=True, cwd=ROOT, check=True)
        return target
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            CLI,
            "--db",
            target,
            "demo",
            "--seed",
            "1",
            "--clients",
            str(args["clients"]),
            "--assistants",
            str(args["assistants"]),
            "--months",
            str(args["months"]),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"demo failed: {proc.stderr[-800:]}")
    print(f"  built {target} in {time.perf_counter() - t0:.0f} s", flush=True)
    return target


def _month() -> str:
    today = date.today()
    return f"{today.year}-{today.month:02d}"


def _local_midnight(day: date) -> float:
    """Epoch seconds of local midnight in the demo's zone (as rules.dates.local_day_start_utc)."""
    return datetime.combine(day, datetime.min.time(), tzinfo=ZONE).timestamp()


def _utc_text(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def hours_floor_sql(dialect: str, month: str, outlook: bool) -> str:
    """One hand-written query computing what `report hours --month` computes in SQL, per client:
    the month's planned and worked hours, and with the outlook also the year-to-date worked hours,
    the year's planned hours and the end of the last planned shift (the inputs of the year-end
    projection). Local month and year bounds, a shift clipped at them, "worked" as the report
    counts it (worked or approved, or planned, ended and without a pending deviation)."""
    y, m = (int(x) for x in month.split("-"))
    first = date(y, m, 1)
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    today = date.today()
    as_of = min(today, nxt - timedelta(days=1))
    windows = {"month": (_local_midnight(first), _local_midnight(nxt))}
    if outlook:
        windows["ytd"] = (
            _local_midnight(date(y, 1, 1)),
            _local_midnight(min(as_of + timedelta(days=1), date(y + 1, 1, 1))),
        )
        windows["year"] = (_local_midnight(date(y, 1, 1)), _local_midnight(date(y + 1, 1, 1)))
    lowest = min(lo for lo, _ in windows.values())
    highest = max(hi for _, hi in windows.values())
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if dialect == "sqlite":
        epoch = "(julianday({}) - 2440587.5) * 86400.0"
        least, greatest = "MIN", "MAX"
    else:
        epoch = "EXTRACT(EPOCH FROM {})"
        least, greatest = "LEAST", "GREATEST"
    sums = []
    for name, (lo, hi) in windows.items():
        clip = f"{greatest}(0, {least}(e, {hi}) - {greatest}(s, {lo}))"
        if name != "ytd":
            sums.append(f"SUM({clip}) / 3600 AS {name}_planned")
        if name != "year":
            sums.append(f"SUM(w * {clip}) / 3600 AS {name}_worked")
    if outlook:
        sums.append("MAX(e) AS last_end")
    return (
        f"SELECT client_id, {', '.join(sums)} FROM ("
        f"SELECT client_id, {epoch.format('start_utc')} AS s, {epoch.format('end_utc')} AS e, "
        f"CASE WHEN status IN ('worked', 'approved') OR (status = 'planned' AND end_utc <= '{now}' "
        f"AND deviation_status <> 'pending') THEN 1 ELSE 0 END AS w "
        f"FROM shift WHERE status <> 'cancelled' AND start_utc >= '{_utc_text(lowest - MAX_SHIFT.total_seconds())}' "
        f"AND start_utc < '{_utc_text(highest)}' AND end_utc > '{_utc_text(lowest)}') x "
        f"GROUP BY client_id ORDER BY client_id;"
    )


def _report_rows(
    label: str,
    scale: float,
    runs: int,
    db: str,
    dialect: str,
    floor_cmd: Callable[[str], list[str]],
    floor_name: str,
    month: str,
) -> list[Row]:
    """`report hours` with and without the outlook, each beside its hand-written query."""
    out = []
    noop = time_command([CLI, "--help"], runs)
    for outlook in (True, False):
        what = f"report hours --month{'' if outlook else ' --no-outlook'} (own work){label}"
        try:
            argv = [CLI, "--db", db, "report", "hours", "--month", month, "--format", "csv"]
            full = time_command(argv + ([] if outlook else ["--no-outlook"]), runs)
            own = Sample([max(f - noop.median, 0.0) for f in full.values])
            if outlook:  # the report as people run it: the row and target
                # The floor reads what the report reads: the hour ledger for the locked months
                # and raw shifts for the rest (bench/hours_floor.py), checked equal on SQLite.
                from bench.hours_floor import check, floor_sql

                floor = time_command(floor_cmd(floor_sql(dialect, month)), runs)
                note = f"outlook inputs {check(db, month)} to the floor's" if dialect == "sqlite" else ""
                out.append(
                    Row(
                        what,
                        scale,
                        own,
                        floor_name.replace("one SQL query", "ledger + open months"),
                        floor,
                        "≤ 2×",
                        check=at_most_ratio(2.0),
                        note=note,
                    )
                )
                continue
            # The month-only mode: a floor of a few ms, beside the fixed cost of any command.
            floor = time_command(floor_cmd(hours_floor_sql(dialect, month, outlook)), runs)
            out.append(
                Row(
                    what,
                    scale,
                    own,
                    floor_name,
                    floor,
                    "—",
                    note="informative: fixed cost of a command beside a small query",
                )
            )
        except Exception as exc:  # noqa: BLE001
            out.append(Row(what, scale, None, floor_name, None, "≤ 2×", note=str(exc)[:80]))
    return out


def continuity_row(scale: float, runs: int, db: str) -> Row:
    from bench.continuity_floor import check, floor_sql

    what, floor_name = "report continuity (own work)", "one SQL query via sqlite3"
    try:
        noop = time_command([CLI, "--help"], runs)
        full = time_command([CLI, "--db", db, "report", "continuity", "--format", "csv"], runs)
        own = Sample([max(f - noop.median, 0.0) for f in full.values])
        floor = time_command(["sqlite3", db, floor_sql(date.today())], runs)
        return Row(
            what,
            scale,
            own,
            floor_name,
            floor,
            "≤ 2×",
            check=at_most_ratio(2.0),
            note=f"14/30-day counts {check(db, CLI)} to the floor's",
        )
    except Exception as exc:  # noqa: BLE001
        return Row(what, scale, None, floor_name, None, "≤ 2×", note=str(exc)[:80])


def rest_row(scale: float, runs: int, db: str) -> Row:
    """`report rest` for this month, minus a no-op command, beside bench/rest_floor.py (rows read
    with sqlite3, the pure rules in a plain loop: its own elapsed time), checked equal."""
    from bench import rest_floor

    what, floor_name = "report rest, one month (own work)", "plain-Python loop, same rules"
    today = date.today()
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    try:
        noop = time_command([CLI, "--help"], runs)
        full = time_command([*rest_floor.command_argv(CLI, db, first, last), "--format", "csv"], runs)
        own = Sample([max(f - noop.median, 0.0) for f in full.values])
        floor = value_of_command([PY, "-m", "bench.rest_floor", db, first.isoformat(), last.isoformat()], runs)
        return Row(
            what,
            scale,
            own,
            floor_name,
            floor,
            "≤ 2×",
            check=at_most_ratio(2.0),
            note=f"findings {rest_floor.check(db, CLI, first, last)} to the floor's",
        )
    except Exception as exc:  # noqa: BLE001
        return Row(what, scale, None, floor_name, None, "≤ 2×", note=str(exc)[:80])


def list_row(scale: float, runs: int, db: str) -> Row:
    from bench.list_floor import check, floor_argv

    what, floor_name = "list assistants --format csv (own work)", "the rows via sqlite3 -csv"
    try:
        noop = time_command([CLI, "--help"], runs)
        full = time_command([CLI, "--db", db, "list", "assistants", "--format", "csv"], runs)
        own = Sample([max(f - noop.median, 0.0) for f in full.values])
        floor = time_command(floor_argv(db), runs)
        return Row(
            what,
            scale,
            own,
            floor_name,
            floor,
            "≤ 2×",
            check=at_most_ratio(2.0),
            note=f"refs {check(db, CLI)} to the floor's",
        )
    except Exception as exc:  # noqa: BLE001
        return Row(what, scale, None, floor_name, None, "≤ 2×", note=str(exc)[:80])


def audit_rows(scale: float, runs: int, db: str) -> list[Row]:
    """`audit --verify` (incremental: after the last checkpoint) and `--full`, minus a no-op
    command, beside a plain-Python re-hash of the same rows (bench/audit_floor.py), on a copy of the
    company with 500,000 × scale log rows before the checkpoint and 5,000 × scale after it (a
    day's work before the nightly check). Each timed run starts from the same checkpoint."""
    from bench import audit_floor

    copy = str(RESULTS / f"audit-{int(round(scale * 100))}.sqlite3")
    old, new = max(1000, int(500_000 * scale)), max(100, int(5_000 * scale))
    out = []
    try:
        if not Path(copy).exists():
            shutil.copyfile(db, copy + ".tmp")
            audit_floor.prepare(copy + ".tmp", old, new)
            for suffix in ("", ".audit-anchor", ".audit-anchor.key", ".audit-anchor.bench"):
                os.replace(copy + ".tmp" + suffix, copy + suffix)
        note = f"{old:,} rows before the checkpoint, {new:,} after; {audit_floor.check(copy, CLI)} to the floor"
        noop = time_command([CLI, "--help"], runs)
        for full in (False, True):
            argv = [CLI, "--db", copy, "audit", "--verify", *(["--full"] if full else [])]
            values = []
            for i in range(runs + 1):
                audit_floor.reset(copy)
                t0 = time.perf_counter()
                subprocess.run(argv, capture_output=True, cwd=ROOT, check=True)
                if i:  # the first run warms the caches
                    values.append(max(time.perf_counter() - t0 - noop.median, 0.0))
            audit_floor.reset(copy)
            floor = value_of_command(
                [PY, "-m", "bench.audit_floor", "floor", copy, *(["--full"] if full else [])], runs
            )
            what = f"audit --verify{' --full' if full else ''} (own work)"
            if full:
                out.append(
                    Row(
                        what,
                        scale,
                        Sample(values),
                        "plain-Python re-hash",
                        floor,
                        "—",
                        note="informative: every row re-hashed",
                    )
                )
            else:
                out.append(
                    Row(
                        what,
                        scale,
                        Sample(values),
                        "plain-Python re-hash",
                        floor,
                        "≤ 2×",
                        check=at_most_ratio(2.0),
                        note=note,
                    )
                )
    except Exception as exc:  # noqa: BLE001
        out.append(
            Row("audit --verify (own work)", scale, None, "plain-Python re-hash", None, "≤ 2×", note=str(exc)[:80])
        )
    return out


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

    # 2b. report continuity for all clients, minus a no-op command, vs its 14/30-day counts in one
    # SQL query, checked equal in the same run (bench/continuity_floor.py)
    out.append(continuity_row(scale, runs, db))

    # 2b'. report rest for this month, minus a no-op command, vs the same findings from a plain
    # loop over sqlite3 rows and the pure rules, checked equal in the same run (bench/rest_floor.py)
    out.append(rest_row(scale, runs, db))

    # 2c. list assistants --format csv, minus a no-op command, vs the same rows through sqlite3;
    # every row checked present (bench/list_floor.py)
    out.append(list_row(scale, runs, db))

    # 2d. audit --verify from the last checkpoint (and --full), vs a plain-Python re-hash of the
    # same rows, checked equal (bench/audit_floor.py)
    out += audit_rows(scale, runs, db)

    # 3. CLI start-up vs importing sqlmodel
    try:
        floor = time_command([PY, "-c", "import sqlmodel"], runs)
        value = time_command([CLI, "--db", db, "list", "municipalities"], runs)
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
    smallest = min(scales)
    floor = Sample(values[smallest]) if values[smallest] else None
    return [
        Row(
            "open a client and an assistant (services)",
            scale,
            Sample(values[scale]) if values[scale] else None,
            "the same at the smallest scale",
            floor,
            "≤ 1.2×",
            note=errors.get(scale, ""),
            check=at_most_ratio(1.2),
        )
        for scale in scales
    ]


def pg_rows(runs: int, scale: float) -> list[Row]:
    """`report hours` on PostgreSQL vs the same SQL through psql (a throwaway server)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pgserver import PgCluster, pg_bin_dir

    bindir = pg_bin_dir()
    psql = shutil.which("psql") or (str(bindir / "psql") if bindir and (bindir / "psql").exists() else None)
    if bindir is None or psql is None:
        return [Row("report hours on PostgreSQL", scale, None, "same SQL via psql", None, "≤ 2×", note="no PostgreSQL")]
    cluster = PgCluster(bindir)
    cluster.start()
    try:
        url = cluster.url()
        build_database(scale, url)
        base = [psql, "-h", str(cluster.dir), "-p", str(cluster.port), "-U", "postgres", "-d", "postgres", "-qAt"]
        subprocess.run([*base, "-c", "ANALYZE"], check=True, capture_output=True)  # as autovacuum would
        return _report_rows(
            " on PostgreSQL",
            scale,
            runs,
            url,
            "postgresql",
            lambda sql: [*base, "-c", sql],
            "same totals via psql",
            _month(),
        )
    finally:
        cluster.stop()


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


HEADERS = ["what", "scale", "value (median ± spread)", "floor", "floor value", "ratio", "target", "met", "note"]


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
    for scale in scales:
        print(f"scale {scale:.0%}", flush=True)
        rows += rows_for_scale(scale, args.runs)
    print("working-time check at every scale", flush=True)
    rows += worktime_rows(scales, args.runs)
    print("opening a client and an assistant at every scale", flush=True)
    rows += detail_rows(scales, args.runs)
    if shutil.which("tmux"):
        print("key to screen in tmux at every scale", flush=True)
        rows += terminal_rows(scales, min(args.runs, 3))
    if not args.no_pg:
        pg_scales = [float(s) for s in args.pg_scales.split(",")] if args.pg_scales else [min(scales)]
        for pg_scale in pg_scales:
            print(f"PostgreSQL at {pg_scale:.0%}", flush=True)
            rows += pg_rows(args.runs, pg_scale)
    # One figure's scales next to each other: the scaling curve reads down the table.
    order = list(dict.fromkeys(r.what for r in rows))
    rows.sort(key=lambda r: order.index(r.what))
    from tabulate import tabulate

    print(tabulate([r.cells() for r in rows], headers=HEADERS))
    write_markdown(rows, Path(args.out), args, started)


if __name__ == "__main__":
    main()
