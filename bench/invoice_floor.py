"""The floor of `report invoice --month`: one hand-written SQL query giving, per client, the month's
worked hours and the hourly rate in force (the municipality's latest on or before the first of the
month, a Swedish client without one the state rate), and a plain loop rounding them by
`rules.money` — checked equal to the command's CSV, line for line.

Usage (what bench/run.py does): `python -m bench.invoice_floor DB [YYYY-MM]` prints "equal (N
clients)" or the first difference; `floor_sql()` is the statement timed through the sqlite3 shell (or psql).
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bench import pg_connect

ZONE = ZoneInfo("Europe/Oslo")  # every demo municipality is on Oslo's (= Stockholm's) clock


def _at(day: date) -> str:
    """Local midnight of `day` as the stored text of a UTC instant."""
    return datetime.combine(day, datetime.min.time(), tzinfo=ZONE).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _bounds(month: str) -> tuple[date, date]:
    y, m = (int(x) for x in month.split("-"))
    return date(y, m, 1), date(y + (m == 12), m % 12 + 1, 1)


def floor_sql(month: str, now: datetime | None = None, dialect: str = "sqlite") -> str:
    """Per client with worked hours in the month (by local start date): municipality, country,
    reference, name, hours, and the rate, currency and valid-from in force; by municipality, client."""
    first, nxt = _bounds(month)
    now_text = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S.%f")
    rate = (
        "(SELECT r.{col} FROM hourly_rate r WHERE r.valid_from <= '" + first.isoformat() + "' AND "
        "(r.municipality_id = m.id OR (r.municipality_id IS NULL AND r.country = 'SE' AND "
        "UPPER(COALESCE(m.country, 'NO')) = 'SE')) ORDER BY r.municipality_id IS NULL, r.valid_from DESC LIMIT 1)"
    )
    if dialect == "sqlite":
        hours = "(julianday(end_utc) - julianday(start_utc)) * 24.0"
    else:  # a double, as SQLite's: the rounding by rules.money then sees the same value
        hours = "EXTRACT(EPOCH FROM end_utc - start_utc)::float8 / 3600.0"
    return (
        f"WITH h AS (SELECT client_id, SUM({hours}) AS hours "
        "FROM shift WHERE (status IN ('worked', 'approved') OR (status = 'planned' AND end_utc <= "
        f"'{now_text}' AND deviation_status <> 'pending')) AND start_utc >= '{_at(first)}' "
        f"AND start_utc < '{_at(nxt)}' GROUP BY client_id) "
        "SELECT m.name, UPPER(COALESCE(m.country, 'NO')), c.ref, c.name, h.hours, "
        f"{rate.format(col='rate')}, {rate.format(col='currency')}, {rate.format(col='valid_from')} "
        "FROM h JOIN client c ON c.id = h.client_id JOIN municipality m ON m.id = c.municipality_id "
        "ORDER BY m.name, c.ref;"
    )


def floor_lines(db: str, month: str, now: datetime | None = None) -> list[tuple[str, ...]]:
    """The floor's invoice lines as the command's CSV cells (money rounded by `rules.money`)."""
    from bpa_provider.rules import money

    with pg_connect.connect(db) as conn:  # a SQLite file, or a PostgreSQL URL
        rows = conn.execute(floor_sql(month, now, pg_connect.dialect(db))).fetchall()
    out = []
    for muni, country, ref, name, hours, rate, currency, valid_from in rows:
        h = money.quantity(hours or 0.0)
        price = money.money(rate) if rate is not None else None
        amount = money.line_amount(h, price) if price is not None else None
        out.append(
            (
                muni,
                country,
                ref,
                name,
                str(h),
                "" if price is None else str(price),
                currency or "",
                "" if amount is None else str(amount),
                str(valid_from or ""),  # PostgreSQL gives a date
                "" if price is not None else "no hourly rate in force",
            )
        )
    return out


def check(db: str, cli: str, month: str) -> str:
    """'equal (N clients)' when the command's CSV lines are the floor's, else the first difference."""
    now = datetime.now(UTC)
    proc = subprocess.run(
        [cli, "--db", db, "--lang", "en", "report", "invoice", "--month", month, "--format", "csv"],
        capture_output=True,
        text=True,
        check=True,
    )
    command = [tuple(r) for r in list(csv.reader(io.StringIO(proc.stdout)))[1:]]
    floor = floor_lines(db, month, now)
    if command == floor:
        return f"equal ({len(floor)} clients)"
    diff = next((a, b) for a, b in zip(command + [None] * len(floor), floor + [None] * len(command)) if a != b)
    return f"differs: command {diff[0]} floor {diff[1]}"


if __name__ == "__main__":
    from bench.company import CLI

    today = date.today()
    print(check(sys.argv[1], CLI, sys.argv[2] if len(sys.argv) > 2 else f"{today.year}-{today.month:02d}"))
