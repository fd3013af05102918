"""Run by the benchmark: working-time check of one month of every assistant's shifts.

Prints shifts checked per second (`python -m bench.worktime_probe DB_URL YYYY-MM`).
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, date, timedelta

from sqlalchemy import func, select

from bpa_provider.access import Actor
from bpa_provider.db.engine import open_database
from bpa_provider.db.models import Shift
from bpa_provider.services.worktime import violations_between


def main() -> None:
    url, month = sys.argv[1], sys.argv[2]
    y, m = (int(x) for x in month.split("-"))
    first = date(y, m, 1)
    last = date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)
    db = open_database(url)
    with db.read() as s:
        from datetime import datetime

        lo = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
        hi = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        n = s.execute(
            select(func.count())
            .select_from(Shift)
            .where(Shift.start_utc >= lo, Shift.start_utc < hi, Shift.status != "cancelled")
        ).scalar_one()
    t0 = time.perf_counter()
    violations_between(db, Actor("bench", "admin"), first, last)
    took = time.perf_counter() - t0
    print(f"{n / took:.1f}")


if __name__ == "__main__":
    main()
