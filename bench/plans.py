"""SQLite's query plan of every statement a report runs: `python -m bench.plans DB_FILE [YYYY-MM]`.

Runs the reports through their services on the given SQLite file, records each distinct SELECT
they send (SQLAlchemy's `before_cursor_execute` event), and prints `EXPLAIN QUERY PLAN` for each
as Markdown, for docs/performance.md. A plan line `SEARCH … USING INDEX` reads a range of an
index; `SCAN … USING INDEX` walks a whole (small) index in its order; a bare `SCAN table` would
read every row of the table, which no report query should do on the shift table.
"""

from __future__ import annotations

import sqlite3
import sys
from datetime import date, timedelta

from sqlalchemy import event

from bpa_provider.access import Actor
from bpa_provider.db.engine import open_database

ADMIN = Actor("bench", "admin")


def _reports(db, year: int, month: int) -> dict[str, object]:  # noqa: ANN001
    from bpa_provider.services import dashboard, hours, worktime

    first = date(year, month, 1)
    last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return {
        "report hours --month (with the year-end outlook)": lambda: hours.hours_report(db, ADMIN, year, month),
        "report hours --month --no-outlook": lambda: hours.hours_report(db, ADMIN, year, month, outlook=False),
        "working-time check of a month (report rest)": lambda: worktime.violations_between(db, ADMIN, first, last),
        "dashboard: assistants scheduled without credentials": lambda: worktime.missing_credentials(
            db, ADMIN, date.today()
        ),
        "dashboard: Försäkringskassan deadlines": lambda: dashboard.gather_section(
            db, ADMIN, date.today(), dashboard.FK_DEADLINES
        ),
    }


def main() -> None:
    path = sys.argv[1]
    month = sys.argv[2] if len(sys.argv) > 2 else f"{date.today():%Y-%m}"
    year, mon = (int(x) for x in month.split("-"))
    db = open_database(path)
    seen: list[tuple[str, object]] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def _grab(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ARG001
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    for title, run in _reports(db, year, mon).items():
        seen.clear()
        run()
        print(f"**{title}**\n\n```")
        shown: set[str] = set()
        for sql, params in seen:
            if sql in shown or "alembic_version" in sql:
                continue
            shown.add(sql)
            print(" ".join(sql.split())[:160] + (" …" if len(" ".join(sql.split())) > 160 else ""))
            for row in con.execute("EXPLAIN QUERY PLAN " + sql, params):
                print(f"    {row[3]}")
        print("```\n")
    con.close()
    db.dispose()


if __name__ == "__main__":
    main()
