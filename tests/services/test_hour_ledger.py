"""The hour ledger (services/hour_ledger.py), on SQLite and PostgreSQL: a wholly locked month gets
its row in the locking transaction, equal to the raw sums; a reopened month loses it and gets it
back, corrected, when locked again; and the year-end outlook is the same with and without the
ledger — the ledger is only a faster way to the same figures (issue 19); table-driven, and for
any shifts and locks (Hypothesis)."""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import factories as f
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

from bpa_provider.db.models import HourLedger, Shift
from bpa_provider.services import hour_ledger, hours, periods
from bpa_provider.services.hour_sums import Window, window_sums

OSLO, STHLM = "Europe/Oslo", "Europe/Stockholm"
LOCKED_AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
TODAY = date(2026, 6, 15)


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)


# (client id, tz, start, end, status, deviation)
SHIFTS = [
    (1, OSLO, (2025, 12, 31, 22), (2026, 1, 1, 8), "approved", "none"),  # 8 h into January
    (1, OSLO, (2026, 1, 5, 8), (2026, 1, 5, 16), "approved", "none"),
    (1, OSLO, (2026, 1, 6, 8), (2026, 1, 6, 12), "cancelled", "none"),
    (1, OSLO, (2026, 1, 31, 22), (2026, 2, 1, 8), "approved", "none"),  # split at local midnight
    (1, OSLO, (2026, 2, 10, 8), (2026, 2, 10, 14), "vacant", "none"),
    (1, OSLO, (2026, 2, 11, 8), (2026, 2, 11, 15), "worked", "none"),
    (1, OSLO, (2026, 3, 28, 22), (2026, 3, 29, 8), "approved", "none"),  # spring DST: 9 h
    (1, OSLO, (2026, 3, 31, 20), (2026, 4, 1, 6), "approved", "none"),  # into the open April
    (1, OSLO, (2026, 4, 14, 8), (2026, 4, 14, 16), "planned", "none"),  # ended: worked
    (1, OSLO, (2026, 4, 15, 8), (2026, 4, 15, 16), "planned", "pending"),  # pending: not worked
    (1, OSLO, (2026, 6, 20, 8), (2026, 6, 20, 18), "planned", "none"),  # future
    (1, OSLO, (2026, 10, 24, 22), (2026, 10, 25, 8), "planned", "none"),  # autumn DST, last planned
    (2, STHLM, (2026, 1, 12, 7), (2026, 1, 12, 19), "approved", "none"),
    (2, STHLM, (2026, 2, 28, 23), (2026, 3, 1, 1), "approved", "none"),
    (2, STHLM, (2026, 5, 4, 8), (2026, 5, 4, 12), "worked", "none"),
    (3, OSLO, (2026, 5, 4, 8), (2026, 5, 4, 12), "worked", "none"),  # no locks at all
]

# (client id, ref, periods [first, next) locked): K-0001 January by month and February and March
# by half-months (a month is closed when its locks cover every day); K-0002 January only, and a
# lone March (a gap: read raw); K-0003 nothing.
LOCKS = [
    (1, "K-0001", date(2026, 1, 1), date(2026, 2, 1)),
    (1, "K-0001", date(2026, 2, 1), date(2026, 2, 16)),
    (1, "K-0001", date(2026, 2, 16), date(2026, 3, 1)),
    (1, "K-0001", date(2026, 3, 1), date(2026, 4, 1)),
    (2, "K-0002", date(2026, 1, 1), date(2026, 2, 1)),
    (2, "K-0002", date(2026, 3, 1), date(2026, 4, 1)),
    (2, "K-0002", date(2026, 4, 1), date(2026, 4, 20)),  # part of April only: no row
]


@pytest.fixture
def company(db, admin):
    f.municipality(db, admin, "Hamar")
    f.municipality(db, admin, "Bjuv", country="se")
    f.client(db, admin, "Hamar")
    f.client(db, admin, "Bjuv", name="Sven Svensson")
    f.client(db, admin, "Hamar", name="Ola Nordmann")
    f.decision(db, admin, "K-0001", 37.5, valid_from="2026-01-01", valid_to="2026-12-31")
    f.decision(db, admin, "K-0002", 10, valid_from="2026-01-01", valid_to="2026-12-31")
    f.decision(db, admin, "K-0003", 5, valid_from="2026-01-01")
    a = f.assistant(db, admin)
    with db.write() as s:
        for cid, tz, start, end, status, deviation in SHIFTS:
            s.add(
                Shift(
                    client_id=cid,
                    assistant_id=a.id,
                    start_utc=local(tz, *start),
                    end_utc=local(tz, *end),
                    status=status,
                    deviation_status=deviation,
                )
            )
        s.flush()
        for cid, ref, first, nxt in LOCKS:
            periods.lock_many(s, admin, {cid: ref}, first, nxt, LOCKED_AT)
    return db


def _ledger(db) -> dict[tuple[int, date], HourLedger]:
    with db.read() as s:
        return {(r.client_id, r.month): r for r in s.execute(select(HourLedger)).scalars()}


def _raw(db, cid: int, tz: str, month: date, now: datetime):
    nxt = (month + timedelta(days=32)).replace(day=1)
    with db.read() as s:
        return window_sums(s, [Window("m", month, nxt)], [tz], now, [cid]).get(cid)


def _report(db, admin, year: int, month: int, today: date = TODAY):
    return [astuple(r) for r in hours.hours_report(db, admin, year, month, today=today, now=NOW)]


def test_wholly_locked_months_get_rows_equal_to_the_raw_sums(company):
    rows = _ledger(company)
    assert sorted(rows) == [
        (1, date(2026, 1, 1)),
        (1, date(2026, 2, 1)),
        (1, date(2026, 3, 1)),
        (2, date(2026, 1, 1)),
        (2, date(2026, 3, 1)),
    ]
    tz = {1: OSLO, 2: STHLM}
    for (cid, month), row in rows.items():
        raw = _raw(company, cid, tz[cid], month, NOW)
        assert row.planned_hours == pytest.approx(raw.planned["m"], abs=1e-9)
        assert row.worked_hours == pytest.approx(raw.worked["m"], abs=1e-9)
        assert row.vacant_hours == pytest.approx(raw.vacant["m"], abs=1e-9)
        assert row.last_end_utc == raw.last_end
    # By hand: January has 8 + 8 + 2 h (the cancelled shift never counts), February 8 h of the
    # night + 6 h vacant + 7 h worked, the 6 vacant hours nobody's work.
    assert (rows[(1, date(2026, 1, 1))].planned_hours, rows[(1, date(2026, 1, 1))].worked_hours) == pytest.approx(
        (18, 18)
    )
    feb = rows[(1, date(2026, 2, 1))]
    assert (feb.planned_hours, feb.worked_hours, feb.vacant_hours) == pytest.approx((21, 15, 6))


@pytest.mark.parametrize(
    "year, month, today",
    [
        (2026, 4, TODAY),
        (2026, 5, TODAY),
        (2026, 6, TODAY),
        (2026, 3, TODAY),
        (2026, 1, TODAY),
        (2026, 12, TODAY),
        (2026, 4, date(2026, 4, 10)),
        (2026, 6, date(2026, 12, 31)),
    ],
)
def test_the_outlook_is_the_same_with_and_without_the_ledger(company, admin, year, month, today):
    with_ledger = _report(company, admin, year, month, today)
    assert with_ledger == f.without_hour_ledger(company, lambda: _report(company, admin, year, month, today))
    assert all(r[9] is not None for r in with_ledger)  # the projection is there


def test_the_outlook_reads_closed_months_from_the_ledger(company, admin):
    before = {r.client: r.year_projected for r in hours.hours_report(company, admin, 2026, 5, today=TODAY, now=NOW)}
    with company.write() as s:  # a ledger row that lies shows through: the raw shifts were not read
        s.execute(
            update(HourLedger)
            .where(HourLedger.client_id == 1, HourLedger.month == date(2026, 2, 1))
            .values(planned_hours=HourLedger.planned_hours + 100, worked_hours=HourLedger.worked_hours + 100)
        )
    after = {r.client: r.year_projected for r in hours.hours_report(company, admin, 2026, 5, today=TODAY, now=NOW)}
    assert after["K-0001"] > before["K-0001"] + 99
    assert after["K-0002"] == before["K-0002"]


def test_a_correction_reopens_the_month_and_the_new_lock_writes_it_again(company, admin):
    month = date(2026, 2, 1)
    periods.reopen_period(company, admin, 1, date(2026, 2, 1), date(2026, 2, 16), reason="a shift was missing")
    assert (1, month) not in _ledger(company)  # reopened: read raw until locked again
    assert _report(company, admin, 2026, 5) == f.without_hour_ledger(company, lambda: _report(company, admin, 2026, 5))
    with company.write() as s:
        s.add(
            Shift(
                client_id=1,
                assistant_id=1,
                start_utc=local(OSLO, 2026, 2, 12, 8),
                end_utc=local(OSLO, 2026, 2, 12, 13),
                status="approved",
            )
        )
        s.flush()
        periods.lock_many(s, admin, {1: "K-0001"}, date(2026, 2, 1), date(2026, 2, 16), LOCKED_AT)
    row = _ledger(company)[(1, month)]
    assert (row.planned_hours, row.worked_hours) == pytest.approx((26, 20))
    assert row.planned_hours == pytest.approx(_raw(company, 1, OSLO, month, NOW).planned["m"], abs=1e-9)
    assert _report(company, admin, 2026, 5) == f.without_hour_ledger(company, lambda: _report(company, admin, 2026, 5))


def test_closed_prefix_stops_at_a_gap_and_at_the_cut(company):
    with company.read() as s:
        runs = hour_ledger.closed_prefix(s, 2026, date(2026, 6, 1), None)
        assert {cid: r.until for cid, r in runs.items()} == {1: date(2026, 4, 1), 2: date(2026, 2, 1)}
        assert hour_ledger.closed_prefix(s, 2026, date(2026, 2, 20), None)[1].until == date(2026, 2, 1)


def test_the_demo_locks_its_past_months_and_fills_their_ledger(db, admin):
    from bpa_provider.db.models import Client, Municipality, PeriodApproval
    from bpa_provider.demo import load_demo

    today = date(2026, 5, 14)
    now = datetime(2026, 5, 14, 12, tzinfo=UTC)
    summary = load_demo(db, admin, seed=3, clients=6, assistants=18, months=4, today=today)
    rows = _ledger(db)
    with db.read() as s:
        zones = dict(
            s.execute(
                select(Client.id, Municipality.timezone).join(Municipality, Municipality.id == Client.municipality_id)
            ).all()
        )
        locked = {
            (r.client_id, r.period_start)
            for r in s.execute(select(PeriodApproval)).scalars()
            if r.locked_at is not None
        }
    # Months before last month (April, whose payroll is still to run) are locked, with their rows.
    assert {m for _, m in locked} == {date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)}
    assert set(rows) == locked and summary.counts["hour_ledger"] == len(rows) > 0
    for (cid, month), row in rows.items():
        raw = _raw(db, cid, zones[cid], month, now)
        assert row.planned_hours == pytest.approx(raw.planned["m"] if raw else 0.0, abs=1e-9)
        assert row.worked_hours == pytest.approx(raw.worked["m"] if raw else 0.0, abs=1e-9)
    assert sum(r.planned_hours for r in rows.values()) > 0

    def report():
        return [astuple(r) for r in hours.hours_report(db, admin, 2026, 5, today=today, now=now)]

    assert report() == f.without_hour_ledger(db, report)


_shift = st.tuples(
    st.sampled_from([1, 2]),
    st.integers(0, 119),
    st.integers(0, 23),
    st.integers(1, 14),
    st.sampled_from(["approved", "worked", "planned", "vacant", "cancelled"]),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    shifts=st.lists(_shift, max_size=25), locked=st.sets(st.tuples(st.sampled_from([1, 2]), st.sampled_from([1, 2, 3])))
)
def test_any_shifts_and_locks_give_ledger_rows_equal_to_the_raw_sums_and_the_same_outlook(db, admin, shifts, locked):
    from bpa_provider.db.models import Client, PeriodApproval

    with db.read() as s:
        have = s.execute(select(Client.id)).first()
    if have is None:
        f.municipality(db, admin, "Hamar")
        f.municipality(db, admin, "Bjuv", country="se")
        f.client(db, admin, "Hamar")
        f.client(db, admin, "Bjuv", name="Sven Svensson")
        f.decision(db, admin, "K-0001", 20, valid_from="2026-01-01", valid_to="2026-12-31")
        f.assistant(db, admin)
    tz = {1: OSLO, 2: STHLM}
    with db.write() as s:
        for model in (HourLedger, PeriodApproval, Shift):
            s.execute(delete(model))
        for cid, day, hour, length, status in shifts:
            start = local(tz[cid], 2026, 1, 1, hour) + timedelta(days=day)
            s.add(
                Shift(
                    client_id=cid,
                    assistant_id=1,
                    start_utc=start,
                    end_utc=start + timedelta(hours=length),
                    status=status,
                )
            )
        s.flush()
        for cid, m in sorted(locked):
            periods.lock_many(s, admin, {cid: f"K-000{cid}"}, date(2026, m, 1), date(2026, m + 1, 1), LOCKED_AT)
    rows = _ledger(db)
    assert set(rows) == {(cid, date(2026, m, 1)) for cid, m in locked}
    for (cid, month), row in rows.items():
        raw = _raw(db, cid, tz[cid], month, LOCKED_AT)
        assert row.planned_hours == pytest.approx(raw.planned["m"] if raw else 0.0, abs=1e-9)
        assert row.worked_hours == pytest.approx(raw.worked["m"] if raw else 0.0, abs=1e-9)
    now = datetime(2026, 4, 20, 12, tzinfo=UTC)
    for month in (3, 4):

        def report(month=month):
            return [astuple(r) for r in hours.hours_report(db, admin, 2026, month, today=date(2026, 4, 20), now=now)]

        assert report() == f.without_hour_ledger(db, report)


def test_a_month_locked_before_its_shifts_have_ended_is_read_raw(company, admin):
    with company.write() as s:  # June is locked on 1 June; its 20 June shift is still ahead
        periods.lock_many(s, admin, {1: "K-0001"}, date(2026, 6, 1), date(2026, 7, 1), LOCKED_AT)
    assert (1, date(2026, 6, 1)) not in _ledger(company)
    assert _report(company, admin, 2026, 6, date(2026, 6, 30)) == f.without_hour_ledger(
        company, lambda: _report(company, admin, 2026, 6, date(2026, 6, 30))
    )
