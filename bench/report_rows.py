"""The report commands' rows of `make bench` (hours, continuity, rest, list, audit), each beside
its floor (bench/*_floor.py) and checked equal to it in the same run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from bench.company import (
    CLI,
    MAX_SHIFT,
    PY,
    RESULTS,
    _local_midnight,
    _month,
    _utc_text,
    same_schema,
)
from bench.measure import Sample, value_of_command
from bench.own_work import in_process, minus_startup, shell_floor, startup_argv
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
    """`report hours` with and without the outlook, each minus the CLI's start-up on the database,
    both timed inside the process (bench/own_work.py `in_process`: tens of milliseconds of own work
    at 10 % were lost in the noise of two whole processes), beside its hand-written query minus the
    shell's `SELECT 1`."""
    out = []
    noop = floor_cmd("SELECT 1;")
    for outlook in (True, False):
        what = f"report hours --month{'' if outlook else ' --no-outlook'} (own work){label}"
        try:
            argv = [CLI, "--db", db, "report", "hours", "--month", month, "--format", "csv"]
            own, _start = in_process(argv + ([] if outlook else ["--no-outlook"]), startup_argv(CLI, db), runs)
            if outlook:  # the report as people run it: the row and target
                # The floor reads what the report reads: the hour ledger for the locked months
                # and raw shifts for the rest (bench/hours_floor.py), checked equal on either engine.
                from bench.hours_floor import check, floor_sql

                floor = shell_floor(floor_cmd(floor_sql(dialect, month)), noop, runs)
                note = f"outlook inputs {check(db, month)} to the floor's"  # db: a file or a PostgreSQL URL
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
            # The month-only mode beside the month-only query: informative (the target is
            # the report as people run it, with the outlook).
            floor = shell_floor(floor_cmd(hours_floor_sql(dialect, month, outlook)), noop, runs)
            out.append(
                Row(
                    what,
                    scale,
                    own,
                    floor_name,
                    floor,
                    "—",
                    note="informative: the month alone (the target is the report with its outlook)",
                )
            )
        except Exception as exc:  # noqa: BLE001
            out.append(Row(what, scale, None, floor_name, None, "≤ 2×", note=str(exc)[:80]))
    return out


def continuity_row(scale: float, runs: int, db: str) -> Row:
    """`report continuity` minus the CLI's start-up, beside bench/continuity_floor.py (every figure
    of the report from hand-written SQL and a plain loop: its own elapsed time), checked equal."""
    from bench.continuity_floor import check

    what, floor_name = "report continuity (own work)", "SQL + plain loop, every figure"
    try:
        argv = [CLI, "--db", db, "report", "continuity", "--format", "csv"]
        own, _start = minus_startup(argv, startup_argv(CLI, db), runs)
        floor = value_of_command([PY, "-m", "bench.continuity_floor", db], runs)
        return Row(
            what,
            scale,
            own,
            floor_name,
            floor,
            "≤ 2×",
            check=at_most_ratio(2.0),
            note=f"every figure {check(db, CLI)} to the floor's",
        )
    except Exception as exc:  # noqa: BLE001
        return Row(what, scale, None, floor_name, None, "≤ 2×", note=str(exc)[:80])


def rest_row(scale: float, runs: int, db: str) -> Row:
    """`report rest` for this month, minus the CLI's start-up, beside bench/rest_floor.py (rows read
    with sqlite3, the pure rules in a plain loop: its own elapsed time), checked equal."""
    from bench import rest_floor

    what, floor_name = "report rest, one month (own work)", "plain-Python loop, same rules"
    today = date.today()
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    try:
        argv = [*rest_floor.command_argv(CLI, db, first, last), "--format", "csv"]
        own, _start = minus_startup(argv, startup_argv(CLI, db), runs)
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
    """`list assistants --format csv` minus the CLI's start-up, both timed inside the process
    (bench/own_work.py `in_process`, the command's first call in a fresh process per sample:
    milliseconds of own work are lost in the noise of two whole processes), beside bench/list_floor.py (the same output byte for byte: masked IDs, guarded
    cells; its own elapsed time), checked equal."""
    from bench.list_floor import check
    from bench.own_work import in_process

    what, floor_name = "list assistants --format csv (own work)", "sqlite3 rows + mask + csv"
    try:
        argv = [CLI, "--db", db, "list", "assistants", "--format", "csv"]
        own, _start = in_process(argv, startup_argv(CLI, db), runs)
        floor = value_of_command([PY, "-m", "bench.list_floor", db], runs)
        return Row(
            what,
            scale,
            own,
            floor_name,
            floor,
            "≤ 2×",
            check=at_most_ratio(2.0),
            note=f"output {check(db, CLI)} to the floor's, byte for byte",
        )
    except Exception as exc:  # noqa: BLE001
        return Row(what, scale, None, floor_name, None, "≤ 2×", note=str(exc)[:80])


def audit_rows(scale: float, runs: int, db: str) -> list[Row]:
    """`audit --verify` (incremental: after the last checkpoint) and `--full`, minus the CLI's
    start-up on the same copy, beside a plain-Python re-hash of the same rows (bench/audit_floor.py), on a copy of the
    company with 500,000 × scale log rows before the checkpoint and 5,000 × scale after it (a
    day's work before the nightly check). Each timed run starts from the same checkpoint."""
    from bench import audit_floor

    copy = str(RESULTS / f"audit-{int(round(scale * 100))}.sqlite3")
    old, new = max(1000, int(500_000 * scale)), max(100, int(5_000 * scale))
    out = []
    try:
        if not same_schema(copy, db):
            shutil.copyfile(db, copy + ".tmp")
            audit_floor.prepare(copy + ".tmp", old, new)
            for suffix in ("", ".audit-anchor", ".audit-anchor.key", ".audit-anchor.bench"):
                os.replace(copy + ".tmp" + suffix, copy + suffix)
        note = f"{old:,} rows before the checkpoint, {new:,} after; {audit_floor.check(copy, CLI)} to the floor"
        for full in (False, True):
            argv = [CLI, "--db", copy, "audit", "--verify", *(["--full"] if full else [])]
            # Each timed run starts from the same checkpoint (reset, not timed).
            own, _start = minus_startup(argv, startup_argv(CLI, copy), runs, before=lambda: audit_floor.reset(copy))
            values = own.values
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


def memory_rows(scale: float, db: str) -> list[Row]:
    """The peak resident memory of every report, export and list command at this scale (target
    ≤ 200 MB at 100 %: stream, do not collect), one run each (bench/own_work.py `peak_rss`).
    `export payroll` runs on a copy of its prepared company (it locks the month); `audit --verify`
    on the audit rows' copy (bench/audit_floor.py) when `audit_rows` has made it."""
    from bench.own_work import peak_rss
    from bench.payinv_rows import last_month, prepared_copy

    out = command_memory_rows(scale, db)
    what = "peak memory: export payroll --month"
    copy = ""
    try:
        copy = prepared_copy(db, RESULTS, scale, last_month()) + ".peak"
        shutil.copyfile(copy.removesuffix(".peak"), copy)
        peak = Sample([peak_rss(PY, [CLI, "--db", copy, "export", "payroll", "--month", last_month(), "--out", "-"])])
        out.append(peak_row(what, scale, peak))
    except Exception as exc:  # noqa: BLE001
        out.append(Row(what, scale, None, "—", None, "≤ 200 MB", unit="MB", note=str(exc)[:80]))
    finally:
        if copy and os.path.exists(copy):
            os.remove(copy)
    audit_copy = str(RESULTS / f"audit-{int(round(scale * 100))}.sqlite3")
    if os.path.exists(audit_copy):  # made by audit_rows; verified from its checkpoint, put back after
        from bench import audit_floor

        what = "peak memory: audit --verify"
        try:
            audit_floor.reset(audit_copy)
            peak = Sample([peak_rss(PY, [CLI, "--db", audit_copy, "audit", "--verify"])])
            audit_floor.reset(audit_copy)
            out.append(peak_row(what, scale, peak))
        except Exception as exc:  # noqa: BLE001
            out.append(Row(what, scale, None, "—", None, "≤ 200 MB", unit="MB", note=str(exc)[:80]))
    return out


def command_memory_rows(scale: float, db: str, suffix: str = "") -> list[Row]:
    """The peak memory of the report and list commands on `db` (a SQLite file or a PostgreSQL
    URL; `suffix` names the engine in the row), one run each."""
    from bench.own_work import peak_rss
    from bench.payinv_rows import last_month

    first = date.today().replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    commands: list[tuple[str, list[str]]] = [
        ("report hours --month", ["report", "hours", "--month", _month(), "--format", "csv"]),
        ("report continuity", ["report", "continuity", "--format", "csv"]),
        ("report rest, one month", ["report", "rest", "--from", first.isoformat(), "--to", last.isoformat()]),
        ("report invoice --month", ["report", "invoice", "--month", last_month(), "--format", "csv"]),
        ("list assistants --format csv", ["list", "assistants", "--format", "csv"]),
        ("list assignments --format json", ["list", "assignments", "--format", "json"]),
    ]
    out = []
    for label, args in commands:
        what = f"peak memory: {label}{suffix}"
        try:
            out.append(peak_row(what, scale, Sample([peak_rss(PY, [CLI, "--db", db, *args])])))
        except Exception as exc:  # noqa: BLE001
            out.append(Row(what, scale, None, "—", None, "≤ 200 MB", unit="MB", note=str(exc)[:80]))
    return out


def peak_row(what: str, scale: float, peak: Sample) -> Row:
    """A command's peak memory against the issue's 200 MB."""
    return Row(what, scale, peak, "—", None, "≤ 200 MB", unit="MB", check=_under_200mb)


def _under_200mb(row: Row) -> bool:
    return row.value is not None and row.value.median <= 200e6
