"""rules.payroll.overtime_by_shift: payroll's overtime is NO-OVERTIME's count (the one definition,
rules.worktime_ch10), shared out over the shifts in time order — at the exact limits, across a DST
change, and as Hypothesis properties."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpa_provider.rules.dates import local_to_utc
from bpa_provider.rules.payroll import overtime_by_shift
from bpa_provider.rules.worktime import RuleSet, ShiftFact, profile
from bpa_provider.rules.worktime_ch10 import overtime_hours_by_week

OSLO = "Europe/Oslo"
NO = profile("no-default")
MON = date(2026, 5, 4)  # a Monday


def _shift(i: int, day: date, start_h: float, hours: float, kind: str = "active") -> ShiftFact:
    start = local_to_utc(datetime.combine(day, datetime.min.time()) + timedelta(hours=start_h), OSLO)
    return ShiftFact(i, 1, 1, start, start + timedelta(hours=hours), kind, OSLO)


def _days(*hours: float) -> list[ShiftFact]:
    return [_shift(i, MON + timedelta(days=i), 8, h) for i, h in enumerate(hours) if h]


def test_exactly_the_normal_day_is_no_overtime_and_a_minute_more_is():
    assert overtime_by_shift(_days(9.0), NO) == {0: 0.0}
    assert overtime_by_shift(_days(9 + 1 / 60), NO)[0] == pytest.approx(1 / 60, abs=1e-4)


def test_exactly_the_normal_week_is_no_overtime_and_the_excess_is_the_last_hours():
    assert sum(overtime_by_shift(_days(8, 8, 8, 8, 8), NO).values()) == 0.0
    assert overtime_by_shift(_days(8, 8, 8, 8, 8, 3), NO) == {0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0, 5: 3.0}


def test_long_days_are_overtime_on_the_day_and_the_week_adds_only_what_it_exceeds():
    # 10, 10, 10, 10, 5: the days hold 4 h; the week (45 h) 5 h, the larger: the fifth is Friday's.
    assert overtime_by_shift(_days(10, 10, 10, 10, 5), NO) == {0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0}


def test_across_the_autumn_dst_change_the_real_hours_count():
    # Sat 24 Oct 22:00 - Sun 25 Oct 08:00 in Oslo is 11 real hours: 2 on Saturday, 9 on Sunday.
    night = _shift(1, date(2026, 10, 24), 22, 11)
    assert overtime_by_shift([night], NO) == {1: 0.0}
    longer = _shift(1, date(2026, 10, 24), 22, 11 + 1 / 60)  # Sunday 9 h 1 min
    assert overtime_by_shift([longer], NO)[1] == pytest.approx(1 / 60, abs=1e-4)


def test_a_shorter_agreed_week_gives_more_overtime():
    tariff = RuleSet(name="tariff", country="NO", normal_week_hours=37.5)
    assert sum(overtime_by_shift(_days(8, 8, 8, 8, 8), tariff).values()) == pytest.approx(2.5)


_hours = st.integers(min_value=1, max_value=13 * 4).map(lambda q: q / 4)
_plan = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=20),
        st.integers(min_value=0, max_value=23),
        _hours,
        st.sampled_from(["active", "active", "passive", "night"]),
    ),
    min_size=1,
    max_size=14,
)


def _facts(plan) -> list[ShiftFact]:  # noqa: ANN001
    """Shifts from the plan, without overlaps (each starts after the last one ended)."""
    out: list[ShiftFact] = []
    for i, (day, hour, hours, kind) in enumerate(sorted(plan)):
        f = _shift(i, MON + timedelta(days=day), hour, hours, kind)
        if out and f.start < out[-1].end:
            f = ShiftFact(i, 1, 1, out[-1].end, out[-1].end + (f.end - f.start), kind, OSLO)
        out.append(f)
    return out


@settings(max_examples=60, deadline=None)
@given(_plan)
def test_the_shifts_overtime_adds_up_to_the_rules_count_and_none_is_negative(plan):
    facts = _facts(plan)
    got = overtime_by_shift(facts, NO)
    assert sum(got.values()) == pytest.approx(sum(overtime_hours_by_week(facts, NO).values()), abs=1e-3)
    for f in facts:
        assert -1e-6 <= got[f.id] <= (f.end - f.start).total_seconds() / 3600 + 1e-6


@settings(max_examples=60, deadline=None)
@given(_plan, _hours)
def test_later_work_never_changes_the_overtime_of_earlier_work(plan, extra):
    facts = _facts(plan)
    later = ShiftFact(
        999, 1, 1, facts[-1].end + timedelta(hours=1), facts[-1].end + timedelta(hours=1 + extra), "active", OSLO
    )
    before = overtime_by_shift(facts, NO)
    after = overtime_by_shift([*facts, later], NO)
    assert {k: after[k] for k in before} == pytest.approx(before, abs=1e-6)
