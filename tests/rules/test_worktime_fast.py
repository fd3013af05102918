"""The working-time engine's shortcuts equal the plain way they replace (issue 15: an import of
100,000 shifts checks every assistant's schedule, so the engine skips work it can prove empty).

Each property draws schedules in ordinary and awkward time zones (DST at midnight, half-hour
DST, half-hour offsets) and holds a shortcut equal to the code it stands for, written here the
plain way: a day's overtime (days without work skipped, a day with one work period measured
directly), the runs of Sundays and holidays, a shift's dates inside the employment or assignment
periods, and the police-certificate waiver.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bpa_provider.rules.worktime import (
    RuleSet,
    ShiftFact,
    police_certificate_required,
)
from bpa_provider.rules.worktime_ch10 import _day_runs, _week_overtime
from bpa_provider.rules.worktime_credentials import _all_covered, _covered
from bpa_provider.rules.worktime_schedule import _hours_us, _prepare, _Schedule

ZONES = ["UTC", "Europe/Oslo", "America/Santiago", "America/Havana", "Australia/Lord_Howe", "Asia/Kolkata"]
QUARTER_H = timedelta(minutes=15)


@st.composite
def schedules(draw):
    """One assistant's shifts over a few weeks around a DST change, in one or two zones."""
    zones = draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=2, unique=True))
    cursor = datetime(draw(st.sampled_from([2016, 2024, 2026])), draw(st.sampled_from([3, 4, 9, 10])), 1, tzinfo=UTC)
    cursor += QUARTER_H * draw(st.integers(0, 96 * 28))
    shifts = []
    for i in range(draw(st.integers(1, 40))):
        cursor += QUARTER_H * draw(st.integers(0, 160))
        length = QUARTER_H * draw(st.integers(1, 64))
        shifts.append(
            ShiftFact(
                id=i + 1,
                assistant_id=1,
                client_id=10,
                start=cursor,
                end=cursor + length,
                tz=draw(st.sampled_from(zones)),
                kind=draw(st.sampled_from(["active", "passive"])),
            )
        )
        cursor += length
    return shifts


def plain_week_overtime(sched: _Schedule, d: date) -> int:
    """NO-OVERTIME's week as written before the shortcuts: every day of the week measured."""
    r = sched.rules
    day_normal = _hours_us(r.normal_day_hours)
    a, b = sched.midnight_us(d), sched.midnight_us(d + timedelta(days=7))
    work = sched.work.work(a, b)
    if work <= day_normal:
        return 0
    week_over = 0
    normal = _hours_us(r.normal_week_hours)
    if work > normal:
        passive = sched.passive.work(a, b)
        extended = normal + int(min(passive / 2, _hours_us(r.passive_extension_week_hours)))
        week_over = work - min(extended, max(normal, _hours_us(r.passive_week_cap_hours)))
    by_days = 0
    da = a
    for n in range(1, 8):
        db = sched.midnight_us(d + timedelta(days=n))
        day_work = sched.work.work(da, db)
        if day_work > day_normal:
            day_passive = sched.passive.work(da, db)
            by_days += max(
                0, day_work - day_normal - int(min(day_passive / 2, _hours_us(r.passive_extension_day_hours)))
            )
        da = db
    return max(week_over, by_days, 0)


@settings(max_examples=150, deadline=None)
@given(schedules(), st.sampled_from([9.0, 6.0, 0.0, -1.0]), st.sampled_from([40.0, 10.0]), st.integers(0, 6))
def test_a_weeks_overtime_is_the_plain_sum_over_its_days(shifts, day_hours, week_hours, weekday):
    rules = RuleSet(
        name="t", country="NO", normal_day_hours=day_hours, normal_week_hours=week_hours, week_start_weekday=weekday
    )
    sched = _Schedule(_prepare(shifts, "assistant_id"), rules)
    for d in sched.work_weeks():
        assert _week_overtime(sched, d) == plain_week_overtime(sched, d)


def plain_day_runs(first: date, last: date, holidays: frozenset[date]) -> tuple[tuple[date, date], ...]:
    units: list[tuple[date, date]] = []
    d = first
    while d <= last:
        if d.weekday() == 6 or d in holidays:
            if units and units[-1][1] == d - timedelta(days=1):
                units[-1] = (units[-1][0], d)
            else:
                units.append((d, d))
        d += timedelta(days=1)
    return tuple(units)


@settings(max_examples=200, deadline=None)
@given(
    st.dates(date(2020, 1, 1), date(2027, 12, 31)),
    st.integers(0, 120),
    st.frozensets(st.dates(date(2019, 12, 1), date(2028, 3, 1)), max_size=30),
)
def test_runs_of_sundays_and_holidays_are_those_found_day_by_day(first, days, holidays):
    last = first + timedelta(days=days)
    assert _day_runs(first, last, holidays) == plain_day_runs(first, last, holidays)


periods = st.lists(
    st.tuples(st.dates(date(2024, 1, 1), date(2024, 3, 1)), st.none() | st.dates(date(2024, 1, 1), date(2024, 3, 1))),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(periods, st.dates(date(2024, 1, 1), date(2024, 3, 1)), st.integers(0, 3))
def test_a_shifts_dates_are_covered_as_one_by_one(spans, first, n):
    dates = tuple(first + timedelta(days=i) for i in range(n + 1))
    assert _all_covered(dates, spans) == all(_covered(d, spans) for d in dates)


@settings(max_examples=300, deadline=None)
@given(periods, st.dates(date(2024, 1, 1), date(2024, 3, 1)), st.none() | st.dates(date(2024, 1, 1), date(2024, 3, 1)))
def test_the_certificate_waiver_needs_only_the_employments_before_the_cutoff(spans, day, cutoff):
    early = [] if cutoff is None else [(s, e) for s, e in spans if s < cutoff]
    shortcut = not early or police_certificate_required(day, early, cutoff)
    assert shortcut == police_certificate_required(day, spans, cutoff)


def test_zones_here_are_real():
    for name in ZONES:
        ZoneInfo(name)
