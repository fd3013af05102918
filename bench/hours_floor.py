"""The floor of `report hours --month` with the year-end outlook, now that closed months are in
the hour ledger (services/hour_ledger.py): one hand-written query giving, per client, the inputs
the report computes — the month's planned and worked hours, the year-to-date worked hours, the
year's planned hours and the end of the last shift — from the ledger for the locked months and
from raw shifts for the rest; and a check that they are the report's own figures.

Usage: `python -m bench.hours_floor DB [YYYY-MM]` prints "equal (N clients)" or the first
difference; `floor_sql()` is the statement bench/run.py times through the sqlite3 shell or psql.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Oslo")  # every demo municipality is on Oslo's (= Stockholm's) clock
MAX_SHIFT = timedelta(days=7)  # as services.hour_sums.MAX_SHIFT


def _midnight(day: date) -> float:
    return datetime.combine(day, datetime.min.time(), tzinfo=ZONE).timestamp()


def _text(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def bounds(month: str, today: date) -> tuple[date, date, date, date]:
    """(month first, month next, the outlook's cut, the first month read raw): the cut is the day
    after the projection's as-of day (the end of the month, or today when earlier); months before
    the demo's first open one (last month: `demo.open_from`) come from the ledger."""
    y, m = (int(x) for x in month.split("-"))
    first = date(y, m, 1)
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    cut = min(min(today, nxt - timedelta(days=1)) + timedelta(days=1), date(y + 1, 1, 1))
    this = today.replace(day=1)
    open_from = date(this.year - (this.month == 1), (this.month - 2) % 12 + 1, 1)
    raw_from = max(date(y, 1, 1), min(open_from, cut.replace(day=1)))
    return first, nxt, cut, raw_from


def floor_sql(dialect: str, month: str, today: date | None = None, now: datetime | None = None) -> str:
    today = today or date.today()
    now = now or datetime.now(UTC)
    first, nxt, cut, raw_from = bounds(month, today)
    y_next = date(first.year + 1, 1, 1)
    win = {
        "m": (_midnight(first), _midnight(nxt)),
        "ytd": (_midnight(raw_from), _midnight(cut)),
        "year": (_midnight(raw_from), _midnight(y_next)),
    }
    lowest, highest = min(lo for lo, _ in win.values()), max(hi for _, hi in win.values())
    if dialect == "sqlite":
        epoch, least, greatest = "(julianday({}) - 2440587.5) * 86400.0", "MIN", "MAX"
    else:
        epoch, least, greatest = "EXTRACT(EPOCH FROM {})", "LEAST", "GREATEST"

    def clip(name: str) -> str:
        lo, hi = win[name]
        return f"{greatest}(0, {least}(e, {hi}) - {greatest}(s, {lo}))"

    raw = (
        f"SELECT client_id AS cid, SUM({clip('m')}) / 3600.0 AS mp, SUM(w * {clip('m')}) / 3600.0 AS mw, "
        f"SUM(w * {clip('ytd')}) / 3600.0 AS yw, SUM({clip('year')}) / 3600.0 AS yp, MAX(e) AS le FROM ("
        f"SELECT client_id, {epoch.format('start_utc')} AS s, {epoch.format('end_utc')} AS e, "
        f"CASE WHEN status IN ('worked', 'approved') OR (status = 'planned' AND end_utc <= "
        f"'{now.strftime('%Y-%m-%d %H:%M:%S')}' AND deviation_status <> 'pending') THEN 1 ELSE 0 END AS w "
        f"FROM shift WHERE status <> 'cancelled' AND start_utc >= '{_text(lowest - MAX_SHIFT.total_seconds())}' "
        f"AND start_utc < '{_text(highest)}' AND end_utc > '{_text(lowest)}') x GROUP BY client_id"
    )
    led = (
        f"SELECT client_id AS cid, 0 AS mp, 0 AS mw, SUM(worked_hours) AS yw, SUM(planned_hours) AS yp, "
        f"MAX({epoch.format('last_end_utc')}) AS le FROM hour_ledger "
        f"WHERE month >= '{first.year}-01-01' AND month < '{raw_from.isoformat()}' GROUP BY client_id"
    )
    return (
        f"SELECT cid, SUM(mp), SUM(mw), SUM(yw), SUM(yp), MAX(le) FROM ({raw} UNION ALL {led}) u "
        f"GROUP BY cid ORDER BY cid;"
    )


def compare(database, month: str, today: date, now: datetime, tolerance: float = 1e-6) -> str:
    """'equal (N clients)' when the floor's figures, run on `database` (a db.engine.Database on
    SQLite or PostgreSQL), are the report's: the projection's inputs (`hour_ledger.outlook_sums`,
    to a micro-hour) and the month's planned and worked hours as the report prints them; else the
    first difference. `tolerance`: hours (a micro-hour unless told)."""
    from sqlalchemy import select, text

    from bpa_provider.db.models import Client, Municipality
    from bpa_provider.services import hour_ledger
    from bpa_provider.services.hour_sums import Window

    first, nxt, cut, _ = bounds(month, today)
    with database.read() as s:
        floor = {
            r[0]: tuple(float(v or 0.0) for v in r[1:])
            for r in s.execute(text(floor_sql(database.dialect, month, today, now)))
        }
        zones = dict(
            s.execute(
                select(Client.id, Municipality.timezone).join(Municipality, Municipality.id == Client.municipality_id)
            ).all()
        )
        sums = hour_ledger.outlook_sums(s, Window("month", first, nxt), first.year, cut, zones, now, None)
    report = {
        cid: (
            x.planned["month"],
            x.worked["month"],
            x.worked["ytd"],
            x.planned["year"],
            x.last_end.timestamp() if x.last_end else 0.0,
        )
        for cid, x in sums.items()
    }
    zero = (0.0,) * 5  # a client with nothing on one side (e.g. only empty ledger months) is all zeros
    for cid in sorted(set(report) | set(floor)):
        a, b = report.get(cid, zero), floor.get(cid, zero)
        if any(abs(x - y) > tolerance for x, y in zip(a, b)):
            return f"differs: client {cid} report {a} floor {b}"
    # And the report's own month columns (what `report hours --month` prints), rounded as it does.
    from bpa_provider.access import Actor
    from bpa_provider.services.hours import hours_report

    for row in hours_report(database, Actor("bench", "admin"), first.year, first.month, today=today, now=now):
        mp, mw = floor.get(row.client_id, zero)[:2]
        if (row.planned_hours, row.worked_hours) != (round(mp, 2), round(mw, 2)):
            return f"differs: {row.client} report {(row.planned_hours, row.worked_hours)} floor {(mp, mw)}"
    return f"equal ({len(set(report) | set(floor))} clients)"


def check(db: str, month: str | None = None, today: date | None = None, now: datetime | None = None) -> str:
    """`compare` on a SQLite file or a PostgreSQL URL (what bench/run.py notes beside the row)."""
    from bench.pg_connect import is_postgres, sqlalchemy_url
    from bpa_provider.db.engine import open_database

    today = today or date.today()
    database = open_database(sqlalchemy_url(db))
    try:
        # A PostgreSQL copy of the SQLite company (bench/pg_company.py) keeps the ledger rows as
        # SQLite wrote them, with julianday()'s float error (~2e-7 h a month), while a month the
        # report reads raw there is exact: a year of it stays under 1e-5 h (36 ms; the report
        # prints hundredths).
        tolerance = 1e-5 if is_postgres(db) else 1e-6
        month = month or f"{today.year}-{today.month:02d}"
        return compare(database, month, today, now or datetime.now(UTC), tolerance)
    finally:
        database.dispose()


if __name__ == "__main__":
    print(check(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
