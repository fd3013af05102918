"""A client whose ledger months start after January (`hour_ledger.late_runs`, issue 19: the
dashboard's hours section), on SQLite and PostgreSQL: when no shift touches the local days from
January to its first ledger month, the outlook takes its run from the ledger — one grouped query
over the open months for every client instead of a second one over ten months of shifts — and the
figures are the same as read raw; a shift before the run (even one crossing into its first local
midnight, or only ending after January's) keeps the client read raw."""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import factories as f
import pytest
from sqlalchemy import delete, select, update

from bpa_provider.db.models import HourLedger, Shift
from bpa_provider.services import hour_ledger, hours, periods

OSLO, STHLM = "Europe/Oslo", "Europe/Stockholm"
LOCKED_AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
TODAY = date(2026, 6, 15)


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)


# (client id, tz, start, end, status). Every client has March and April locked (a ledger run
# from March); what lies before March decides whether the run stands for January on.
SHIFTS = [
    (1, OSLO, (2026, 3, 1, 0), (2026, 3, 1, 8), "approved"),  # started in March: the run counts
    (1, OSLO, (2026, 4, 10, 8), (2026, 4, 10, 16), "worked"),
    (1, OSLO, (2026, 5, 4, 8), (2026, 5, 4, 12), "planned"),  # the open months, read raw
    (2, OSLO, (2026, 2, 10, 8), (2026, 2, 10, 14), "approved"),  # February unlocked: raw from January
    (2, OSLO, (2026, 3, 10, 8), (2026, 3, 10, 14), "approved"),
    (3, OSLO, (2026, 2, 28, 22), (2026, 3, 1, 6), "approved"),  # across March's first midnight: raw
    (3, OSLO, (2026, 4, 2, 8), (2026, 4, 2, 10), "approved"),
    (4, STHLM, (2026, 2, 3, 8), (2026, 2, 3, 12), "cancelled"),  # cancelled counts nothing: the run counts
    (4, STHLM, (2026, 3, 3, 8), (2026, 3, 3, 12), "approved"),
    (4, STHLM, (2026, 6, 20, 8), (2026, 6, 20, 18), "planned"),
    (5, OSLO, (2025, 12, 31, 20), (2026, 1, 1, 2), "approved"),  # ends in January: raw
    (5, OSLO, (2026, 3, 3, 8), (2026, 3, 3, 12), "approved"),
    (6, OSLO, (2025, 12, 30, 20), (2025, 12, 31, 23), "approved"),  # ends before January: the run counts
    (6, OSLO, (2026, 3, 4, 8), (2026, 3, 4, 12), "vacant"),
]
LATE = {1, 4, 6}  # the clients whose run from March stands for the year


@pytest.fixture
def company(db, admin):
    f.municipality(db, admin, "Hamar")
    f.municipality(db, admin, "Bjuv", country="se")
    refs = {}
    for cid in range(1, 7):
        refs[cid] = f.client(db, admin, "Bjuv" if cid == 4 else "Hamar").ref
        f.decision(db, admin, refs[cid], 20, valid_from="2026-01-01", valid_to="2026-12-31")
    a = f.assistant(db, admin)
    with db.write() as s:
        for cid, tz, start, end, status in SHIFTS:
            s.add(
                Shift(
                    client_id=cid,
                    assistant_id=a.id,
                    start_utc=local(tz, *start),
                    end_utc=local(tz, *end),
                    status=status,
                    deviation_status="none",
                )
            )
        s.flush()
        for cid, ref in refs.items():
            periods.lock_many(s, admin, {cid: ref}, date(2026, 3, 1), date(2026, 5, 1), LOCKED_AT)
    return db


def _report(db, admin, month: int = 6):
    return [astuple(r) for r in hours.hours_report(db, admin, 2026, month, today=TODAY, now=NOW)]


def test_runs_after_january_stand_for_the_year_when_no_shift_lies_before(company):
    with company.read() as s:
        late: dict[int, hour_ledger.Closed] = {}
        assert hour_ledger.closed_prefix(s, 2026, date(2026, 6, 1), None, late) == {}  # no January row
        assert set(late) == {1, 2, 3, 4, 5, 6}
        assert all(r.start == date(2026, 3, 1) and r.until == date(2026, 5, 1) for r in late.values())
        zones = {cid: STHLM if cid == 4 else OSLO for cid in late}
        assert set(hour_ledger.late_runs(s, 2026, late, zones)) == LATE


def test_each_run_is_held_to_its_own_first_month(company):
    """Runs starting in different months are looked for in one statement up to the latest first
    month: a shift counts against a client only before its own run's first midnight."""
    with company.read() as s:
        late: dict[int, hour_ledger.Closed] = {}
        hour_ledger.closed_prefix(s, 2026, date(2026, 6, 1), None, late)
        late[1].start = date(2026, 4, 1)  # its March shifts now lie before its run
        late[6].start = date(2026, 2, 1)  # its only earlier shift ended before January
        zones = {cid: STHLM if cid == 4 else OSLO for cid in late}
        # 4's March shift lies before the latest first month (April) but after its own (March).
        assert set(hour_ledger.late_runs(s, 2026, late, zones)) == {4, 6}


@pytest.mark.parametrize("month", [6, 5, 3, 12])
def test_the_outlook_is_the_same_read_raw(company, admin, month):
    with_ledger = _report(company, admin, month)
    with company.read() as s:
        saved = [
            {c.name: getattr(r, c.name) for c in HourLedger.__table__.columns if c.name != "id"}
            for r in s.execute(select(HourLedger)).scalars()
        ]
    assert len(saved) == 12
    with company.write() as s:
        s.execute(delete(HourLedger))
    try:
        assert with_ledger == _report(company, admin, month)
    finally:
        with company.write() as s:
            for row in saved:
                s.add(HourLedger(**row))
    assert all(r[9] is not None for r in with_ledger)


def test_the_late_runs_are_read_from_the_ledger(company, admin):
    """A ledger row that lies shows through for the clients with no shift before their run (the
    raw shifts were not read: before, every client without a January row was read raw), and not
    for the others."""
    before = {r.client_id: r.year_projected for r in hours.hours_report(company, admin, 2026, 6, today=TODAY, now=NOW)}
    with company.write() as s:
        s.execute(
            update(HourLedger)
            .where(HourLedger.month == date(2026, 3, 1))
            .values(planned_hours=HourLedger.planned_hours + 100, worked_hours=HourLedger.worked_hours + 100)
        )
    after = {r.client_id: r.year_projected for r in hours.hours_report(company, admin, 2026, 6, today=TODAY, now=NOW)}
    for cid in range(1, 7):
        if cid in LATE:
            assert after[cid] > before[cid] + 99
        else:
            assert after[cid] == before[cid]
