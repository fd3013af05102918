"""Tests for rules.hours: elapsed hours across DST, midnight splits, decided hours, projections."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpa_provider.rules.hours import (
    Projection,
    UsageThresholds,
    decided_hours,
    hours_in_range,
    month_bounds,
    project_year_end,
    shift_hours,
    split_at_local_midnight,
    week_bounds,
)

OSLO = "Europe/Oslo"
Z = ZoneInfo(OSLO)


def oslo(*args: int) -> datetime:
    return datetime(*args, tzinfo=Z)


# --- shift_hours -------------------------------------------------------------------------


def test_ordinary_day_shift() -> None:
    assert shift_hours(oslo(2026, 6, 1, 8), oslo(2026, 6, 1, 16, 30)) == 8.5


def test_spring_forward_night_is_nine_hours() -> None:
    # 29 March 2026: clocks go 02:00 -> 03:00 in Oslo.
    assert shift_hours(oslo(2026, 3, 28, 22), oslo(2026, 3, 29, 8)) == 9.0


def test_fall_back_night_is_eleven_hours() -> None:
    # 25 October 2026: clocks go 03:00 -> 02:00.
    assert shift_hours(oslo(2026, 10, 24, 22), oslo(2026, 10, 25, 8)) == 11.0


def test_naive_times_are_utc_and_mixed_zones_agree() -> None:
    naive = shift_hours(datetime(2026, 3, 28, 21), datetime(2026, 3, 29, 6))
    aware = shift_hours(oslo(2026, 3, 28, 22), oslo(2026, 3, 29, 8))
    assert naive == aware == 9.0
    assert shift_hours(oslo(2026, 1, 1, 12), datetime(2026, 1, 1, 12, tzinfo=UTC)) == 1.0


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ValueError):
        shift_hours(oslo(2026, 1, 2), oslo(2026, 1, 1))


# --- split_at_local_midnight / hours_in_range ---------------------------------------------


def test_split_night_shift_at_local_midnight() -> None:
    pieces = split_at_local_midnight(oslo(2026, 1, 5, 22), oslo(2026, 1, 6, 8), OSLO)
    assert [p[0] for p in pieces] == [date(2026, 1, 5), date(2026, 1, 6)]
    assert pieces[0][2] == datetime(2026, 1, 5, 23, tzinfo=UTC)  # 00:00 CET
    assert [(e - s).total_seconds() / 3600 for _, s, e in pieces] == [2.0, 8.0]
    assert all(s.tzinfo == UTC for _, s, _ in pieces)


def test_split_dst_night_gives_short_second_piece() -> None:
    pieces = split_at_local_midnight(oslo(2026, 3, 28, 22), oslo(2026, 3, 29, 8), OSLO)
    assert [(d, (e - s).total_seconds() / 3600) for d, s, e in pieces] == [
        (date(2026, 3, 28), 2.0),
        (date(2026, 3, 29), 7.0),
    ]


def test_shift_ending_at_midnight_has_no_empty_piece() -> None:
    pieces = split_at_local_midnight(oslo(2026, 1, 5, 16), oslo(2026, 1, 6, 0), OSLO)
    assert [p[0] for p in pieces] == [date(2026, 1, 5)]
    assert split_at_local_midnight(oslo(2026, 1, 5, 16), oslo(2026, 1, 5, 16), OSLO) == []


def test_hours_in_range_counts_only_the_dates_inside() -> None:
    start, end = oslo(2026, 1, 31, 20), oslo(2026, 2, 1, 8)
    assert hours_in_range(start, end, OSLO, date(2026, 1, 1), date(2026, 2, 1)) == 4.0
    assert hours_in_range(start, end, OSLO, date(2026, 2, 1), date(2026, 3, 1)) == 8.0
    assert hours_in_range(start, end, OSLO, date(2026, 3, 1), date(2026, 2, 1)) == 0.0


_instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(Z))


@settings(max_examples=60, deadline=None)
@given(start=_instants, minutes=st.integers(min_value=0, max_value=60 * 72))
def test_pieces_add_up_to_the_shift(start: datetime, minutes: int) -> None:
    # Add in UTC: aware-datetime arithmetic in a DST zone is wall-clock arithmetic.
    end = start.astimezone(UTC) + timedelta(minutes=minutes)
    pieces = split_at_local_midnight(start, end, OSLO)
    total = sum((e - s).total_seconds() for _, s, e in pieces) / 3600
    assert total == pytest.approx(shift_hours(start, end), abs=1e-9)
    # Contiguous, in order, one piece per local date, each inside its own local date.
    for (d1, _, e1), (d2, s2, _) in zip(pieces, pieces[1:]):
        assert e1 == s2 and d2 == d1 + timedelta(days=1)
    for d, s, e in pieces:
        assert s.astimezone(Z).date() == d
        assert (e - timedelta(microseconds=1)).astimezone(Z).date() == d


@settings(max_examples=60, deadline=None)
@given(
    start=_instants,
    minutes=st.integers(min_value=0, max_value=60 * 72),
    cut=st.integers(min_value=-3, max_value=4),
)
def test_adjacent_ranges_add_up(start: datetime, minutes: int, cut: int) -> None:
    # Add in UTC: aware-datetime arithmetic in a DST zone is wall-clock arithmetic.
    end = start.astimezone(UTC) + timedelta(minutes=minutes)
    first = start.astimezone(Z).date() - timedelta(days=1)
    middle = first + timedelta(days=1 + cut % 5)
    last = first + timedelta(days=6)
    whole = hours_in_range(start, end, OSLO, first, last)
    parts = hours_in_range(start, end, OSLO, first, middle) + hours_in_range(start, end, OSLO, middle, last)
    assert parts == pytest.approx(whole, abs=1e-9)
    assert whole == pytest.approx(shift_hours(start, end), abs=1e-9)


# --- decided_hours ---------------------------------------------------------------------------


def test_weekly_decision_over_a_full_month() -> None:
    first, nxt = month_bounds(2026, 1)
    assert decided_hours(35, "week", date(2025, 1, 1), None, first, nxt) == pytest.approx(35 * 31 / 7)


def test_weekly_decision_over_partial_months() -> None:
    # Decision starts 16 January: 16 covered days in January.
    got = decided_hours(35, "week", date(2026, 1, 16), None, *month_bounds(2026, 1))
    assert got == pytest.approx(35 * 16 / 7)
    # Decision ends 10 February (inclusive): 10 covered days.
    got = decided_hours(35, "week", date(2025, 1, 1), date(2026, 2, 10), *month_bounds(2026, 2))
    assert got == pytest.approx(50.0)


def test_weekly_decision_in_leap_february() -> None:
    assert decided_hours(28, "week", date(2028, 1, 1), None, *month_bounds(2028, 2)) == 116.0
    assert decided_hours(28, "week", date(2027, 1, 1), None, *month_bounds(2027, 2)) == 112.0


def test_monthly_decision_full_and_partial_months() -> None:
    assert decided_hours(150, "month", date(2028, 1, 1), None, *month_bounds(2028, 2)) == 150.0
    # Half of a leap February: 14 of 29 days.
    half = decided_hours(150, "month", date(2028, 2, 16), None, *month_bounds(2028, 2))
    assert half == pytest.approx(150 * 14 / 29)
    # A range over two months takes each month's own length.
    got = decided_hours(100, "month", date(2026, 1, 1), None, date(2026, 1, 16), date(2026, 2, 15))
    assert got == pytest.approx(100 * 16 / 31 + 100 * 14 / 28)
    year = decided_hours(100, "month", date(2026, 1, 1), date(2026, 12, 31), date(2026, 1, 1), date(2027, 1, 1))
    assert year == pytest.approx(1200.0)


def test_decision_outside_range_gives_nothing() -> None:
    assert decided_hours(35, "week", date(2026, 3, 1), None, *month_bounds(2026, 2)) == 0.0
    assert decided_hours(35, "month", date(2025, 1, 1), date(2026, 1, 31), *month_bounds(2026, 2)) == 0.0
    with pytest.raises(ValueError):
        decided_hours(35, "fortnight", date(2026, 1, 1), None, *month_bounds(2026, 2))


@settings(max_examples=60, deadline=None)
@given(
    unit=st.sampled_from(["week", "month"]),
    valid_from=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    split=st.integers(min_value=0, max_value=400),
)
def test_decided_hours_are_additive(unit: str, valid_from: date, split: int) -> None:
    first, last = date(2026, 1, 1), date(2027, 1, 1)
    middle = first + timedelta(days=split % 366)
    whole = decided_hours(40, unit, valid_from, None, first, last)
    parts = decided_hours(40, unit, valid_from, None, first, middle) + decided_hours(
        40, unit, valid_from, None, middle, last
    )
    assert parts == pytest.approx(whole)


# --- project_year_end ------------------------------------------------------------------------


def test_projection_uses_pace_without_a_plan() -> None:
    p = project_year_end(1000, 600, 0, elapsed_days=182, total_days=365)
    assert isinstance(p, Projection)
    assert p.projected_used == pytest.approx(600 / 182 * 365)
    assert p.ratio == pytest.approx(p.projected_used / 1000)
    assert p.flag == "alert"
    assert p.balance == 400 and p.projected_balance == pytest.approx(1000 - p.projected_used)


def test_projection_prefers_the_plan() -> None:
    p = project_year_end(1000, 600, 390, elapsed_days=182, total_days=365)
    assert p.projected_used == 990 and p.flag == "ok" and p.planned == 390


def test_projection_flags_warn_alert_and_under() -> None:
    assert project_year_end(1000, 500, 520, 200, 365).flag == "warn"  # ratio 1.02
    assert project_year_end(1000, 500, 560, 200, 365).flag == "alert"  # 1.06
    assert project_year_end(1000, 500, 500, 200, 365).flag == "ok"  # exactly 1.00
    assert project_year_end(1000, 300, 400, 200, 365).flag == "under"  # 0.70
    # Early in the year a low projection is not flagged yet.
    assert project_year_end(1000, 10, 600, 30, 365).flag == "ok"


def test_projection_thresholds_are_parameters() -> None:
    strict = UsageThresholds(warn=0.9, alert=0.95, under=0.5)
    assert project_year_end(1000, 500, 420, 200, 365, strict).flag == "warn"


def test_partial_plan_is_topped_up_by_pace() -> None:
    # Used 500 in 200 days (2.5 h/day); 40 days planned with 110 h; 125 days unplanned.
    p = project_year_end(1000, 500, 110, 200, 365, planned_days=40)
    assert p.projected_used == pytest.approx(500 + 110 + 2.5 * 125)


def test_projection_edge_cases() -> None:
    assert project_year_end(1000, 0, 0, 0, 365).projected_used == 0.0
    assert project_year_end(0, 5, 0, 10, 365).flag == "alert"
    with pytest.raises(ValueError):
        project_year_end(1000, 0, 0, 400, 365)


# --- bounds ---------------------------------------------------------------------------------


def test_month_and_week_bounds() -> None:
    assert month_bounds(2026, 12) == (date(2026, 12, 1), date(2027, 1, 1))
    assert month_bounds(2028, 2) == (date(2028, 2, 1), date(2028, 3, 1))
    assert week_bounds(date(2026, 1, 1)) == (date(2025, 12, 29), date(2026, 1, 5))  # Thursday
    assert week_bounds(date(2025, 12, 29)) == (date(2025, 12, 29), date(2026, 1, 5))
    assert week_bounds(date(2026, 1, 1), week_start_weekday=6) == (
        date(2025, 12, 28),
        date(2026, 1, 4),
    )


@settings(max_examples=60, deadline=None)
@given(
    d=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    wd=st.integers(min_value=0, max_value=6),
)
def test_week_bounds_hold_the_day(d: date, wd: int) -> None:
    lo, hi = week_bounds(d, wd)
    assert lo <= d < hi and (hi - lo).days == 7 and lo.weekday() == wd
