"""The report commands' rows of `make bench` (hours, continuity, rest, list, audit), each beside
its floor (bench/*_floor.py) and checked equal to it in the same run."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.company import (
    CLI,
    MAX_SHIFT,
    PY,
    RESULTS,
    _local_midnight,
    _utc_text,
)
from bench.measure import ROOT, Sample, time_command, value_of_command
from bench.row import (
    Row,
    at_most_ratio,
)


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
