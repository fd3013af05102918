"""rules.payroll.overtime_hours: the one definition of overtime, at the exact limits and as a
Hypothesis property against an independent statement of it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, strategies as st

from bpa_provider.rules.payroll import OvertimeRules, Work, overtime_hours

MON = date(2026, 5, 4)  # a Monday
RULES = OvertimeRules(normal_day_hours=9.0, normal_week_hours=40.0)


def _days(*hours: float, start: date = MON) -> list[Work]:
    return [Work(i, start + timedelta(days=i), h) for i, h in enumerate(hours)]


def test_exactly_the_normal_day_is_no_overtime_and_a_minute_more_is():
    assert overtime_hours(_days(9.0), RULES) == {0: 0.0}
    assert overtime_hours(_days(9 + 1 / 60), RULES)[0] == pytest.approx(1 / 60, abs=1e-12)


def test_exactly_the_normal_week_is_no_overtime_and_the_excess_is_the_last_hours():
    assert sum(overtime_hours(_days(8, 8, 8, 8, 8), RULES).values()) == 0.0
    got = overtime_hours(_days(8, 8, 8, 8, 8, 3), RULES)
    assert got == {0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0, 5: 3.0}  # Saturday's hours are over 40


def test_day_overtime_is_not_counted_again_in_the_week():
    # 4 x 10 h: 1 h over the day each; the 36 normal hours stay under 40; then 5 h on Friday: 1 h
    # over the week (36 + 5 = 41).
    got = overtime_hours(_days(10, 10, 10, 10, 5), RULES)
    assert got == {0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0}


def test_two_shifts_on_one_day_share_the_day():
    work = [Work("a", MON, 6.0), Work("b", MON, 5.0)]
    assert overtime_hours(work, RULES) == {"a": 0.0, "b": 2.0}


def test_weeks_start_where_the_rules_say():
    sunday_start = OvertimeRules(normal_day_hours=24, normal_week_hours=10, week_start_weekday=6)
    work = [Work("sat", MON + timedelta(days=5), 10.0), Work("sun", MON + timedelta(days=6), 10.0)]
    assert overtime_hours(work, sunday_start) == {"sat": 0.0, "sun": 0.0}  # Sunday opens a new week
    monday_start = OvertimeRules(normal_day_hours=24, normal_week_hours=10)
    assert overtime_hours(work, monday_start) == {"sat": 0.0, "sun": 10.0}


def test_work_out_of_order_is_a_mistake():
    with pytest.raises(ValueError):
        overtime_hours([Work(1, MON + timedelta(days=1), 1.0), Work(2, MON, 1.0)], RULES)


_quarter_hours = st.integers(min_value=0, max_value=16 * 4).map(lambda q: q / 4)


@given(st.lists(_quarter_hours, min_size=1, max_size=7),
       st.sampled_from([(9.0, 40.0), (8.0, 37.5), (10.0, 35.5)]))
def test_one_week_matches_the_definition_stated_another_way(hours, limits):
    day, week = limits
    rules = OvertimeRules(normal_day_hours=day, normal_week_hours=week)
    got = overtime_hours(_days(*hours), rules)
    expected = sum(max(0.0, h - day) for h in hours) + max(0.0, sum(min(h, day) for h in hours) - week)
    assert sum(got.values()) == pytest.approx(expected, abs=1e-9)
    assert all(0.0 <= got[i] <= hours[i] for i in range(len(hours)))


@given(st.lists(_quarter_hours, min_size=1, max_size=21), _quarter_hours)
def test_later_work_never_changes_the_overtime_of_earlier_work_and_never_removes_any(hours, extra):
    before = overtime_hours(_days(*hours), RULES)
    after = overtime_hours(_days(*hours, extra), RULES)
    assert {k: after[k] for k in before} == before
    assert sum(after.values()) >= sum(before.values())
