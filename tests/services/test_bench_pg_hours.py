"""`report hours` on PostgreSQL made faster (issue 19: its only row over 2× its floor), the figures
unchanged, on SQLite and PostgreSQL:

- an instant's epoch seconds (`hour_sums.epoch_seconds`) read with `date_part` on PostgreSQL are the
  very floats `CAST(EXTRACT(epoch …) AS FLOAT)` gave (microseconds, DST, years apart);
- on PostgreSQL the outlook's largest group of clients (those whose closed ledger run ends at the
  same month) is read without its list of ids, and every client's sums and the whole report are the same as with
  the ledger emptied (every month read raw), for the unscoped and a scoped reader."""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import factories as f
import pytest
from sqlalchemy import Float, cast, func, select

from bpa_provider.access import Actor
from bpa_provider.db.models import HourLedger, Shift
from bpa_provider.services import hour_ledger, hours, periods
from bpa_provider.services.hour_sums import Window, epoch_seconds

OSLO = "Europe/Oslo"
NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
TODAY = date(2026, 6, 15)
LOCKED_AT = datetime(2026, 6, 1, 12, tzinfo=UTC)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(OSLO)).astimezone(UTC)


INSTANTS = [
    datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),  # the spring DST night
    datetime(2026, 10, 25, 1, 0, 0, 1, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 0, 0, 123456, tzinfo=UTC),
    datetime(1999, 1, 1, 0, 0, 0, 500000, tzinfo=UTC),
    datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),
]


def test_epoch_seconds_are_the_floats_the_numeric_extract_gave(db, admin):
    f.municipality(db, admin, "Hamar")
    f.client(db, admin, "Hamar")
    a = f.assistant(db, admin)
    with db.write() as s:
        for t in INSTANTS:
            s.add(Shift(client_id=1, assistant_id=a.id, start_utc=t, end_utc=t, status="planned"))
    with db.read() as s:
        dialect = s.get_bind().dialect.name
        got = s.execute(select(epoch_seconds(dialect, Shift.start_utc)).order_by(Shift.id)).scalars().all()
        assert got == pytest.approx([t.timestamp() for t in INSTANTS], abs=1e-3)  # SQLite: julianday, ~0.5 ms
        if dialect == "postgresql":
            old = cast(func.extract("epoch", Shift.start_utc), Float)
            assert got == s.execute(select(old).order_by(Shift.id)).scalars().all()  # bit for bit
            assert got == [t.timestamp() for t in INSTANTS]


# Four clients in Hamar; K-0001..K-0003 locked January to March (their closed run ends at April:
# the larger group), K-0004 not locked (read raw from January).
SHIFTS = [
    (cid, start, end, status)
    for cid in (1, 2, 3, 4)
    for start, end, status in [
        ((2026, 1, 10 + cid, 8), (2026, 1, 10 + cid, 16), "approved"),
        ((2026, 2, 28, 22), (2026, 3, 1, 6 + cid), "approved"),  # across a month's first midnight
        ((2026, 3, 31, 20), (2026, 4, 1, 2 + cid), "worked"),  # into the open April
        ((2026, 5, 3, 8), (2026, 5, 3, 9 + cid), "planned"),
        ((2026, 6, 20, 8), (2026, 6, 20, 10 + cid), "planned"),  # after today: planned only
        ((2026, 6, 2, 8), (2026, 6, 2, 12), "vacant"),
    ]
]


@pytest.fixture
def company(db, admin):
    f.municipality(db, admin, "Hamar")
    for k in range(4):
        f.client(db, admin, "Hamar", name=f"Kari Client{k}")
        f.decision(db, admin, f"K-000{k + 1}", 20 + k, valid_from="2026-01-01", valid_to="2026-12-31")
    a = f.assistant(db, admin)
    with db.write() as s:
        for cid, start, end, status in SHIFTS:
            s.add(Shift(client_id=cid, assistant_id=a.id, start_utc=local(*start), end_utc=local(*end), status=status))
        s.flush()
        for cid in (1, 2, 3):
            periods.lock_many(s, admin, {cid: f"K-000{cid}"}, date(2026, 1, 1), date(2026, 4, 1), LOCKED_AT)
    return db


def _emptied_ledger(db, fn):
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(HourLedger)).scalar_one()  # the locks wrote the closed months
    return f.without_hour_ledger(db, fn)


@pytest.mark.parametrize("month", [5, 6, 12])
def test_the_larger_group_read_without_its_ids_gives_the_raw_figures(company, admin, month, monkeypatch):
    calls = []
    real = hour_ledger.window_sums

    def spy(s, windows, zones, now, client_ids=None):  # noqa: ANN001, ANN202
        calls.append((windows[1].first, None if client_ids is None else sorted(client_ids)))
        return real(s, windows, zones, now, client_ids)

    monkeypatch.setattr(hour_ledger, "window_sums", spy)

    def report(actor):  # noqa: ANN001, ANN202
        return [astuple(r) for r in hours.hours_report(company, actor, 2026, month, today=TODAY, now=NOW)]

    with_ledger = report(admin)
    # The January group names its one client; on PostgreSQL the April group (three of four) reads
    # every client, on SQLite it names its three.
    big = None if company.dialect == "postgresql" else [1, 2, 3]
    assert calls == [(date(2026, 1, 1), [4]), (date(2026, 4, 1), big)]
    assert with_ledger == _emptied_ledger(company, lambda: report(admin))
    assert len(with_ledger) == 4 and all(r[9] is not None for r in with_ledger)
    # And the sums themselves, client by client, with a scope of three of the four.
    zones = {cid: OSLO for cid in (1, 2, 4)}
    window = Window("month", date(2026, month, 1), date(2026 + month // 12, month % 12 + 1, 1))
    cut = date(2026, 6, 16)

    def sums():  # noqa: ANN202
        with company.read() as s:
            return hour_ledger.outlook_sums(s, window, 2026, cut, zones, NOW, [1, 2, 4])

    got = sums()
    assert set(got) == {1, 2, 4}
    want = _emptied_ledger(company, sums)
    for cid in got:
        assert got[cid].last_end == want[cid].last_end
        for kind in ("planned", "worked", "vacant"):
            assert getattr(got[cid], kind) == pytest.approx(getattr(want[cid], kind), abs=1e-9)
    scoped = Actor("sup", "supervisor", client_scope=frozenset({1, 2, 4}))
    assert report(scoped) == [r for r in with_ledger if r[0] in (1, 2, 4)]
