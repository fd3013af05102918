"""Tests for rules.continuity: distinct assistants, regular share, new faces, unmet substitutes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpa_provider.rules.continuity import Continuity, ShiftSeen, continuity

OSLO = "Europe/Oslo"
Z = ZoneInfo(OSLO)
TODAY = date(2026, 6, 20)


def shift(assistant: int, day: date, start_hour: int, hours: int, regular: bool = True) -> ShiftSeen:
    start = datetime(day.year, day.month, day.day, start_hour, tzinfo=Z)
    return ShiftSeen(assistant, start, start + timedelta(hours=hours), regular)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def test_no_shifts() -> None:
    assert continuity([], TODAY, OSLO, earlier_assistants=[]) == Continuity(0, 0, 1.0, (), ())


def test_distinct_assistants_in_14_and_30_days() -> None:
    shifts = [
        shift(1, ago(0), 8, 8),  # today
        shift(1, ago(3), 8, 8),  # same assistant again: counted once
        shift(2, ago(13), 8, 8),  # first day of the 14-day window
        shift(3, ago(14), 8, 8),  # just outside 14 days, inside 30
        shift(4, ago(29), 8, 8),  # first day of the 30-day window
        shift(5, ago(30), 8, 8),  # outside both
        shift(6, ago(-1), 8, 8),  # tomorrow: not yet met
    ]
    result = continuity(shifts, TODAY, OSLO, earlier_assistants={1, 2, 3, 4, 5, 6})
    assert (result.distinct_14d, result.distinct_30d) == (2, 4)


def test_night_shift_into_the_window_counts() -> None:
    # 22:00 the day before the 14-day window to 08:00 on its first day.
    night = shift(7, ago(14), 22, 10)
    assert continuity([night], TODAY, OSLO, {7}).distinct_14d == 1
    # Ending exactly at the window's first midnight: no time inside it.
    evening = shift(8, ago(14), 20, 4)
    assert continuity([evening], TODAY, OSLO, {8}).distinct_14d == 0


def test_regular_share_of_hours() -> None:
    shifts = [
        shift(1, ago(1), 8, 6),
        shift(2, ago(2), 8, 2, regular=False),
        shift(3, ago(40), 8, 100, regular=False),  # long before the window: ignored
    ]
    assert continuity(shifts, TODAY, OSLO, {1, 2, 3}).regular_share == pytest.approx(0.75)


def test_new_faces_this_month() -> None:
    shifts = [
        shift(1, date(2026, 6, 2), 8, 8),  # known from before
        shift(2, date(2026, 6, 10), 8, 8),  # new this month
        shift(3, date(2026, 6, 28), 8, 8),  # new, planned later this month
        shift(4, date(2026, 5, 20), 8, 8),  # worked last month (seen in the shifts)...
        shift(4, date(2026, 6, 12), 8, 8),  # ...so not new in June
        shift(5, date(2026, 7, 2), 8, 8),  # next month: not this month
    ]
    result = continuity(shifts, TODAY, OSLO, earlier_assistants=[1])
    assert result.new_faces_month == (2, 3)


def test_substitutes_never_met() -> None:
    shifts = [
        shift(10, date(2026, 6, 25), 8, 8, regular=False),  # never met: flagged
        shift(11, date(2026, 6, 25), 8, 8, regular=False),  # known from earlier assignment
        shift(12, date(2026, 6, 25), 8, 8, regular=False),  # worked here last week
        shift(12, date(2026, 6, 13), 8, 8, regular=False),
        shift(13, date(2026, 7, 15), 8, 8, regular=False),  # future month, never met: flagged
        shift(14, date(2026, 6, 25), 8, 8, regular=True),  # a new regular, not a substitute
        shift(15, TODAY, 16, 8, regular=False),  # first shift is today: not met yet
        shift(16, ago(1), 22, 10, regular=False),  # started last night: has met
    ]
    result = continuity(shifts, TODAY, OSLO, earlier_assistants=(11,))
    assert result.substitutes_never_met == (10, 13, 15)
    assert result.new_faces_month == (10, 12, 14, 15, 16)


def test_windows_are_parameters() -> None:
    shifts = [shift(1, ago(5), 8, 8), shift(2, ago(9), 8, 8)]
    result = continuity(shifts, TODAY, OSLO, {1, 2}, short_window_days=7, long_window_days=10)
    assert (result.distinct_14d, result.distinct_30d) == (1, 2)


_shifts = st.lists(
    st.builds(
        shift,
        assistant=st.integers(min_value=1, max_value=8),
        day=st.dates(min_value=ago(45), max_value=TODAY + timedelta(days=20)),
        start_hour=st.integers(min_value=0, max_value=23),
        hours=st.integers(min_value=1, max_value=24),
        regular=st.booleans(),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(shifts=_shifts, earlier=st.frozensets(st.integers(min_value=1, max_value=8)))
def test_continuity_invariants(shifts: list[ShiftSeen], earlier: frozenset[int]) -> None:
    result = continuity(shifts, TODAY, OSLO, earlier)
    assert 0 <= result.distinct_14d <= result.distinct_30d <= len({s.assistant_id for s in shifts})
    assert 0.0 <= result.regular_share <= 1.0
    assert not set(result.new_faces_month) & earlier
    assert not set(result.substitutes_never_met) & earlier
    assert list(result.new_faces_month) == sorted(set(result.new_faces_month))
    # A never-met substitute has no shift before today.
    for a in result.substitutes_never_met:
        assert all(s.start.astimezone(Z).date() >= TODAY for s in shifts if s.assistant_id == a)
    # All regular shifts: the share is exactly 1; all substitutes with hours: exactly 0.
    as_regular = continuity([ShiftSeen(s.assistant_id, s.start, s.end, True) for s in shifts], TODAY, OSLO, earlier)
    assert as_regular.regular_share == 1.0
    as_subs = continuity([ShiftSeen(s.assistant_id, s.start, s.end, False) for s in shifts], TODAY, OSLO, earlier)
    assert as_subs.regular_share == (0.0 if as_subs.distinct_30d else 1.0)
