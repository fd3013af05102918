"""The floor of `report continuity`: one hand-written SQL query giving every active client's
distinct assistants in the last 14 and 30 days, checked equal to the command's own figures.

Usage (what bench/run.py does): `python -m bench.continuity_floor DB` prints "equal" or the
first difference; `floor_sql()` is the statement timed through the sqlite3 shell.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Oslo")  # every demo municipality is on Oslo's (= Stockholm's) clock


def _at(day: date) -> str:
    """Local midnight of `day` as the stored text of a UTC instant (microseconds included, so a
    bound compares as the instant it is against stored values)."""
    utc = datetime.combine(day, datetime.min.time(), tzinfo=ZONE).astimezone(UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S.%f")


def floor_sql(today: date) -> str:
    """As services.continuity reads it: shifts starting from the earlier of 30 days back and the
    first of the month to a month ahead; an assistant counts in a window when a shift of positive
    length overlaps the window's local days (today included)."""
    end = today + timedelta(days=1)
    lo, hi = _at(min(today - timedelta(days=30), today.replace(day=1))), _at(today + timedelta(days=32))
    short, long_, until = _at(end - timedelta(days=14)), _at(end - timedelta(days=30)), _at(end)
    live = f"s.end_utc > s.start_utc AND s.start_utc < '{until}'"
    return (
        f"SELECT c.ref, COUNT(DISTINCT CASE WHEN {live} AND s.end_utc > '{short}' THEN s.assistant_id END), "
        f"COUNT(DISTINCT CASE WHEN {live} AND s.end_utc > '{long_}' THEN s.assistant_id END) "
        f"FROM client c LEFT JOIN shift s ON s.client_id = c.id AND s.status <> 'cancelled' "
        f"AND s.start_utc >= '{lo}' AND s.start_utc < '{hi}' "
        f"WHERE c.status IN ('active', 'transferring_out') GROUP BY c.ref ORDER BY c.ref;"
    )


def check(db: str, cli: str, today: date | None = None) -> str:
    """'equal' when the command's 14- and 30-day counts are the floor's, else the first difference."""
    today = today or date.today()
    with sqlite3.connect(db) as conn:
        floor = [tuple(r) for r in conn.execute(floor_sql(today))]
    proc = subprocess.run(
        [cli, "--db", db, "report", "continuity", "--date", today.isoformat(), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    command = [(r["client_ref"], r["distinct_14d"], r["distinct_30d"]) for r in json.loads(proc.stdout)]
    if command == floor:
        return "equal"
    diff = next((a, b) for a, b in zip(command + [None] * len(floor), floor + [None] * len(command)) if a != b)
    return f"differs: command {diff[0]} floor {diff[1]}"


if __name__ == "__main__":
    from bench.company import CLI

    print(check(sys.argv[1], CLI))
