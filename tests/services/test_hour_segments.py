"""The hour sums taken per segment between the windows' bounds (`hour_sums.segment_sums`, issue 19:
the dashboard's hours section) equal the sums clipped to each window in SQL, the query before
(`window_sums(..., by_segment=False)`), on SQLite and PostgreSQL: for shifts inside one window,
across a month's first midnight, over DST changes, zero-length, cancelled, vacant, planned and
pending — table-driven, for any shifts (Hypothesis), and as whole hour reports."""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import factories as f
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from bpa_provider.db.models import Shift
from bpa_provider.services import hour_sums, hours
from bpa_provider.services.hour_sums import Window, window_sums

OSLO = "Europe/Oslo"
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)

#: The dashboard's windows on 20 November (the month, January or the ledger's end to the cut, and
#: to the year's end), and a set with a window inside another and one touching it.
WINDOW_SETS = [
    [Window("month", date(2026, 11, 1), date(2026, 12, 1)), Window("ytd", date(2026, 10, 1), date(2026, 11, 21)),
     Window("year", date(2026, 10, 1), date(2027, 1, 1))],
    [Window("a", date(2026, 3, 1), date(2026, 4, 1)), Window("b", date(2026, 3, 29), date(2026, 3, 30)),
     Window("c", date(2026, 4, 1), date(2026, 4, 2))],
]  # fmt: skip


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(OSLO)).astimezone(UTC)


def _both(db, windows, client_ids=None):
    with db.read() as s:
        new = window_sums(s, windows, [OSLO, "Europe/Stockholm"], NOW, client_ids)
        old = window_sums(s, windows, [OSLO, "Europe/Stockholm"], NOW, client_ids, by_segment=False)
    return new, old


def _assert_equal(new, old) -> None:
    assert set(new) == set(old)
    for cid, want in old.items():
        got = new[cid]
        assert got.last_end == want.last_end
        for kind in ("planned", "worked", "vacant"):
            mine, theirs = getattr(got, kind), getattr(want, kind)
            assert mine.keys() == theirs.keys()
            for name in theirs:
                assert mine[name] == pytest.approx(theirs[name], abs=1e-9), (cid, kind, name)


# (client, start, end, status, deviation)
SHIFTS = [
    (1, (2026, 10, 31, 22), (2026, 11, 1, 8), "approved", "none"),  # across the month's first midnight
    (1, (2026, 11, 2, 8), (2026, 11, 2, 16), "approved", "none"),
    (1, (2026, 11, 3, 8), (2026, 11, 3, 8), "approved", "none"),  # zero length
    (1, (2026, 11, 4, 8), (2026, 11, 4, 12), "cancelled", "none"),
    (1, (2026, 11, 20, 22), (2026, 11, 21, 6), "planned", "none"),  # across the cut, not yet ended
    (1, (2026, 11, 10, 8), (2026, 11, 10, 15), "planned", "pending"),
    (1, (2026, 11, 11, 8), (2026, 11, 11, 15), "vacant", "none"),
    (1, (2026, 11, 30, 20), (2026, 12, 2, 8), "worked", "none"),  # 36 h over a month's end
    (1, (2026, 12, 31, 20), (2027, 1, 1, 8), "planned", "none"),  # across the year's end
    (2, (2026, 3, 28, 22), (2026, 3, 29, 8), "approved", "none"),  # spring DST
    (2, (2026, 3, 29, 23), (2026, 3, 30, 1), "approved", "none"),
    (2, (2026, 3, 31, 23), (2026, 4, 1, 23), "worked", "none"),
    (2, (2026, 2, 28, 8), (2026, 2, 28, 9), "approved", "none"),  # outside every window
]


@pytest.fixture
def company(db, admin):
    f.municipality(db, admin, "Hamar")
    f.client(db, admin, "Hamar")
    f.client(db, admin, "Hamar", name="Ola Nordmann")
    f.decision(db, admin, "K-0001", 20, valid_from="2026-01-01", valid_to="2026-12-31")
    a = f.assistant(db, admin)
    with db.write() as s:
        for cid, start, end, status, deviation in SHIFTS:
            s.add(
                Shift(
                    client_id=cid,
                    assistant_id=a.id,
                    start_utc=local(*start),
                    end_utc=local(*end),
                    status=status,
                    deviation_status=deviation,
                )
            )
    return db


@pytest.mark.parametrize("windows", WINDOW_SETS)
def test_segment_sums_equal_the_clipped_sums(company, windows):
    new, old = _both(company, windows)
    assert old  # the comparison covered real sums
    _assert_equal(new, old)
    _assert_equal(*_both(company, windows, [2]))


@pytest.mark.parametrize("client_ids", [None, [2], [1, 2, 99], []])
@pytest.mark.parametrize("windows", WINDOW_SETS)
def test_the_written_out_statement_is_the_construct(company, windows, client_ids):
    """On SQLite the segments' statement is written out (`_segment_text`, not compiled on every
    run): the same rows, values and types as the construct (`_segment_query`) compiled there."""
    with company.read() as s:
        if s.get_bind().dialect.name != "sqlite":
            pytest.skip("written out on SQLite only")
        names = [w.name for w in windows]
        edges = {
            w.name: (local(w.first.year, w.first.month, w.first.day), local(*w.last_exclusive.timetuple()[:3]))
            for w in windows
        }
        bounds = {n: (lo.timestamp(), hi.timestamp()) for n, (lo, hi) in edges.items()}
        cuts = sorted({t for pair in bounds.values() for t in pair})
        lowest, highest = min(lo for lo, _ in edges.values()), max(hi for _, hi in edges.values())
        args = (names, bounds, cuts, lowest, highest, NOW, client_ids)
        built = sorted(tuple(r) for r in s.execute(hour_sums._segment_query("sqlite", *args)))
        written = sorted(tuple(r) for r in s.execute(hour_sums._segment_text(*args)))
    assert written == built
    assert [tuple(map(type, r)) for r in written] == [tuple(map(type, r)) for r in built]
    if client_ids is None:
        assert built  # the comparison covered real sums
    if client_ids == []:
        assert written == []


def test_the_segments_count_a_shift_across_a_bound_in_each_window(company):
    with company.read() as s:
        got = window_sums(s, WINDOW_SETS[0], [OSLO], NOW, [1])[1]
    # November: 8 h from 31 October, 8, 0, 7 vacant, 7 pending, 8 of the night to the 21st, 4 of the 30th.
    assert got.planned["month"] == pytest.approx(8 + 8 + 0 + 8 + 7 + 7 + 4)
    assert got.vacant is not None and got.vacant["month"] == pytest.approx(7)
    # The year from October: the whole 31 October night, the whole 36 h, 4 h of New Year's Eve.
    assert got.planned["year"] == pytest.approx(10 + 8 + 8 + 7 + 7 + 36 + 4)


def test_the_hour_report_is_the_same_with_either_query(company, admin, monkeypatch):
    def report(year, month):
        return [astuple(r) for r in hours.hours_report(company, admin, year, month, today=NOW.date(), now=NOW)]

    for year, month in ((2026, 11), (2026, 3), (2026, 12)):
        new = report(year, month)
        with monkeypatch.context() as m:
            m.setattr(hour_sums.window_sums, "__defaults__", (None, False))
            old = report(year, month)
        assert new == old, (year, month)
        assert new


_shift = st.tuples(
    st.integers(0, 100),  # days from 20 October
    st.integers(0, 23),
    st.integers(0, 40),  # hours long
    st.sampled_from(["approved", "worked", "planned", "vacant", "cancelled"]),
    st.sampled_from(["none", "pending"]),
)


def _only_these(db, admin, shifts) -> None:
    """One client and one assistant (made on the first example), holding exactly `shifts`:
    (start, hours, status, deviation status) each."""
    from sqlalchemy import select

    from bpa_provider.db.models import Client

    with db.read() as s:
        have = s.execute(select(Client.id)).first()
    if have is None:
        f.municipality(db, admin, "Hamar")
        f.client(db, admin, "Hamar")
        f.assistant(db, admin)
    with db.write() as s:
        s.execute(delete(Shift))
        for start, length, status, deviation in shifts:
            s.add(
                Shift(
                    client_id=1,
                    assistant_id=1,
                    start_utc=start,
                    end_utc=start + timedelta(hours=length),
                    status=status,
                    deviation_status=deviation,
                )
            )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shifts=st.lists(_shift, max_size=30))
def test_any_shifts_give_the_same_sums_either_way(db, admin, shifts):
    _only_these(
        db,
        admin,
        [
            (local(2026, 10, 20, hour) + timedelta(days=day), length, status, deviation)
            for day, hour, length, status, deviation in shifts
        ],
    )
    for windows in WINDOW_SETS[:1]:
        _assert_equal(*_both(db, windows))


_long_shift = st.tuples(
    st.integers(0, 20),  # days from 25 March
    st.integers(0, 23),
    st.integers(0, 7 * 24),  # up to a week long: across several bounds at once
    st.sampled_from(["approved", "worked", "planned", "vacant", "cancelled"]),
    st.sampled_from(["none", "pending"]),
    st.integers(0, 59),  # minutes past the hour
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shifts=st.lists(_long_shift, max_size=25))
def test_shifts_across_several_bounds_give_the_same_sums(db, admin, shifts):
    """A shift up to a week long, starting at any minute, crosses several bounds at once (a one-day
    window and the bounds either side of it, a month's first midnight, the spring DST change), or
    starts or ends on a bound: the shifts drawn above cross one bound at most."""
    _only_these(
        db,
        admin,
        [
            (local(2026, 3, 25, hour, minute) + timedelta(days=day), length, status, deviation)
            for day, hour, length, status, deviation, minute in shifts
        ],
    )
    _assert_equal(*_both(db, WINDOW_SETS[1]))
