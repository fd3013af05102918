"""The ledger's closed run per client summed in SQL (`hour_ledger.closed_prefix`, issue 19: the
dashboard's hours section) equals the month-by-month sum it replaced (`hour_ledger._runs`), on
SQLite and PostgreSQL: a run from January, a gap, no January, a month the cut falls in, months of
another year, no end instant."""

from __future__ import annotations

from datetime import UTC, date, datetime

import factories as f
import pytest

from bpa_provider.db.models import HourLedger
from bpa_provider.services import hour_ledger

# client -> the months (of 2026 unless a date) that have a ledger row
MONTHS = {
    1: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],  # a whole run
    2: [1, 2, 4, 5],  # a gap after February
    3: [2, 3, 4],  # no January: nothing from the ledger
    4: [1, 2, 3, date(2025, 12, 1), date(2027, 1, 1)],  # months of other years
    5: [1],
}


@pytest.fixture
def ledger(db, admin):
    f.municipality(db, admin, "Hamar")
    for _ in MONTHS:
        f.client(db, admin, "Hamar")
    with db.write() as s:
        for cid, months in MONTHS.items():
            for k, m in enumerate(months):
                month = m if isinstance(m, date) else date(2026, m, 1)
                s.add(
                    HourLedger(
                        client_id=cid,
                        month=month,
                        planned_hours=100.1 + k / 3 + cid,
                        worked_hours=90.7 + k / 7,
                        vacant_hours=k / 11,
                        last_end_utc=None
                        if cid == 5
                        else datetime(2026, 1, 1, 3, tzinfo=UTC).replace(month=k % 12 + 1),
                        written_at=datetime(2026, 12, 1, tzinfo=UTC),
                    )
                )
    return db


@pytest.mark.parametrize(
    "cut", [date(2026, 12, 8), date(2026, 12, 1), date(2026, 5, 15), date(2026, 3, 1), date(2026, 1, 20)]
)
def test_the_closed_run_summed_in_sql_equals_the_month_by_month_sum(ledger, cut):
    with ledger.read() as s:
        got = hour_ledger.closed_prefix(s, 2026, cut, None)
        want = hour_ledger._runs(s, 2026, cut, MONTHS)
        assert got == want
        assert hour_ledger.closed_prefix(s, 2026, cut, [2, 4]) == {c: v for c, v in want.items() if c in (2, 4)}
    if cut >= date(2026, 5, 15):
        assert got[1].until == min(date(2026, 12, 1), cut.replace(day=1)) and got[2].until == date(2026, 3, 1)
        assert 3 not in got and got[4].until == date(2026, 4, 1) and got[5].last_end is None
