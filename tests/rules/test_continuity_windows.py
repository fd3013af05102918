"""`rules.continuity` measures its windows as UTC instants computed once (issue 19); this holds it
equal to the original computation, which cut every shift at each local midnight
(`hours_in_range`), on random shifts across both DST changes and around month ends."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpa_provider.rules.continuity import ShiftSeen, continuity
from bpa_provider.rules.hours import (
    hours_in_range,
    month_bounds,
    split_at_local_midnight,
)

OSLO = "Europe/Oslo"
Z = ZoneInfo(OSLO)


def reference(shifts, today, tz, earlier, short=14, long=30):
    """The computation as it was: every shift cut at local midnights."""
    today_end = today + timedelta(days=1)
    short_first, long_first = today_end - timedelta(days=short), today_end - timedelta(days=long)
    month_first, month_next = month_bounds(today.year, today.month)
    seen_short, seen_long, reg, total = set(), set(), 0.0, 0.0
    before_month, before_today, this_month, subs = set(earlier), set(earlier), set(), set()
    for sh in shifts:
        pieces = split_at_local_midnight(sh.start, sh.end, tz)
        if not pieces:
            continue
        first_day = pieces[0][0]
        if hours_in_range(sh.start, sh.end, tz, short_first, today_end) > 0:
            seen_short.add(sh.assistant_id)
        in_long = hours_in_range(sh.start, sh.end, tz, long_first, today_end)
        if in_long > 0:
            seen_long.add(sh.assistant_id)
            total += in_long
            reg += in_long if sh.regular else 0
        if first_day < month_first:
            before_month.add(sh.assistant_id)
        elif first_day < month_next:
            this_month.add(sh.assistant_id)
        if first_day < today:
            before_today.add(sh.assistant_id)
        if not sh.regular and first_day >= month_first:
            subs.add(sh.assistant_id)
    return (
        len(seen_short),
        len(seen_long),
        reg / total if total > 0 else 1.0,
        tuple(sorted(this_month - before_month)),
        tuple(sorted(subs - before_today)),
    )


TODAYS = [date(2026, 3, 30), date(2026, 4, 12), date(2026, 10, 26), date(2026, 11, 3), date(2026, 6, 1)]


@st.composite
def shifts(draw):
    today = draw(st.sampled_from(TODAYS))
    out = []
    for _ in range(draw(st.integers(0, 30))):
        day = today + timedelta(days=draw(st.integers(-50, 40)))
        start = datetime(day.year, day.month, day.day, tzinfo=Z) + timedelta(minutes=draw(st.integers(0, 24 * 60 - 1)))
        length = timedelta(minutes=draw(st.sampled_from([0, 1, 20, 7 * 60 + 13, 8 * 60, 24 * 60, 49 * 60 + 7])))
        out.append(ShiftSeen(draw(st.integers(1, 9)), start, start + length, draw(st.booleans())))
    return today, out


@settings(max_examples=300, deadline=None)
@given(case=shifts(), earlier=st.frozensets(st.integers(1, 9), max_size=3))
def test_windows_as_instants_equal_cutting_at_midnights(case, earlier):
    today, seen = case
    got = continuity(seen, today, OSLO, earlier)
    short, long_, share, faces, subs = reference(seen, today, OSLO, earlier)
    assert (got.distinct_14d, got.distinct_30d, got.new_faces_month, got.substitutes_never_met) == (
        short,
        long_,
        faces,
        subs,
    )
    assert got.regular_share == pytest.approx(share, rel=1e-12, abs=1e-12)
