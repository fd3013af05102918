"""Tests for the working-time rule engine (bpa_provider.rules.worktime): facts, profiles and the
Norwegian rules.

Edge cases are checked at the exact limit and one minute past it; dates are
chosen to hit DST changes (Europe/Oslo, 29 March and 25 October 2026), a leap
day (2028-02-29) and a week across New Year."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from worktime_kit import (
    NO,
    SE,
    SE_DOMESTIC,
    TARIFF,
    at,
    only,
    sh,
    week_with_saturday,
    weekdays,
)

from bpa_provider.rules.worktime import (
    RuleSet,
    ShiftFact,
    check_assistant,
    profile,
)

# ---------------------------------------------------------------------------
# Facts, profiles
# ---------------------------------------------------------------------------


def test_profiles_carry_the_documented_numbers():
    assert (NO.country, NO.daily_rest_hours, NO.weekly_rest_hours) == ("NO", 11.0, 35.0)
    assert (TARIFF.daily_rest_hours, TARIFF.weekly_rest_hours) == (8.0, 28.0)
    assert (SE.country, SE.daily_rest_hours, SE.weekly_rest_hours) == ("SE", 11.0, 36.0)
    assert (SE.avg_week_hours, SE.avg_period_months, SE.overtime_year_hours) == (48.0, 4, 200.0)
    assert (SE_DOMESTIC.domestic_week_hours, SE_DOMESTIC.domestic_avg_days) == (52.0, 28)
    assert SE_DOMESTIC.avg_week_hours is None and SE_DOMESTIC.overtime_year_hours is None
    with pytest.raises(ValueError):
        profile("no-such-profile")


def test_severities_override_merges_with_defaults():
    rules = RuleSet(name="strict", country="NO", severities={"NO-REST-DAILY": "block"})
    assert rules.severities["NO-REST-DAILY"] == "block"
    assert rules.severities["NO-REST-WEEKLY"] == "warn"
    assert rules.severities["NO-POLICE-CERT"] == "block"
    with pytest.raises(ValueError):
        RuleSet(name="bad", country="NO", severities={"NO-REST-DAILY": "maybe"})
    with pytest.raises(ValueError):
        RuleSet(name="bad", country="DK")


def test_shift_fact_validates_and_normalises_to_utc():
    s = sh(1, at(2026, 3, 2, 8), at(2026, 3, 2, 16))
    assert s.start.utcoffset() == timedelta(0) and s.start.hour == 7
    with pytest.raises(ValueError):
        sh(1, datetime(2026, 3, 2, 8), datetime(2026, 3, 2, 16))
    with pytest.raises(ValueError):
        sh(1, at(2026, 3, 2, 16), at(2026, 3, 2, 16))
    with pytest.raises(ValueError):
        sh(1, at(2026, 3, 2, 8), at(2026, 3, 2, 16), kind="asleep")
    with pytest.raises(ValueError):
        sh(1, at(2026, 3, 2, 8), at(2026, 3, 2, 16), tz="Mars/Olympus")


def test_inputs_of_several_assistants_or_duplicate_ids_are_rejected():
    a = sh(1, at(2026, 3, 2, 8), at(2026, 3, 2, 16))
    with pytest.raises(ValueError):
        check_assistant([a, sh(2, at(2026, 3, 3, 8), at(2026, 3, 3, 16), assistant=2)], NO)
    with pytest.raises(ValueError):
        check_assistant([a, sh(1, at(2026, 3, 3, 8), at(2026, 3, 3, 16))], NO)
    assert check_assistant([], NO) == []


# ---------------------------------------------------------------------------
# NO-REST-DAILY
# ---------------------------------------------------------------------------


def test_daily_rest_of_exactly_11_hours_passes():
    vs = check_assistant(
        [sh(1, at(2026, 3, 2, 10), at(2026, 3, 2, 21)), sh(2, at(2026, 3, 3, 8), at(2026, 3, 3, 12))], NO
    )
    assert only(vs, "NO-REST-DAILY") == []


def test_daily_rest_of_10_h_59_min_fails():
    vs = only(
        check_assistant(
            [sh(1, at(2026, 3, 2, 10), at(2026, 3, 2, 21)), sh(2, at(2026, 3, 3, 7, 59), at(2026, 3, 3, 12))], NO
        ),
        "NO-REST-DAILY",
    )
    assert len(vs) == 1
    v = vs[0]
    assert v.shift_ids == (1, 2)
    assert v.numbers["rest_hours"] == pytest.approx(10 + 59 / 60, abs=1e-3)
    assert v.numbers["required_hours"] == 11.0
    assert v.detail.startswith("10.9 h rest, needs 11 h")  # never printed as "11.0"
    assert v.law == "arbeidsmiljøloven § 10-8 (1)" and v.severity == "warn" and not v.not_payable


def test_split_shift_then_0800_is_lawful():
    vs = check_assistant(
        [
            sh(1, at(2026, 3, 2, 8), at(2026, 3, 2, 12)),
            sh(2, at(2026, 3, 2, 14), at(2026, 3, 2, 18)),
            sh(3, at(2026, 3, 3, 8), at(2026, 3, 3, 12)),
        ],
        NO,
    )
    assert only(vs, "NO-REST-DAILY") == []


def test_0800_2000_then_0600_is_10_hours_rest():
    vs = only(
        check_assistant(
            [sh(1, at(2026, 3, 2, 8), at(2026, 3, 2, 20)), sh(2, at(2026, 3, 3, 6), at(2026, 3, 3, 10))], NO
        ),
        "NO-REST-DAILY",
    )
    assert [v.shift_ids for v in vs] == [(1, 2)]
    assert vs[0].detail.startswith("10.0 h rest, needs 11 h")
    assert vs[0].numbers == {"rest_hours": 10.0, "required_hours": 11.0}


def test_one_short_rest_is_reported_once_not_per_window():
    # The windows from 08:00 and from 14:00 both see the same 10 h rest.
    vs = only(
        check_assistant(
            [
                sh(1, at(2026, 3, 2, 8), at(2026, 3, 2, 12)),
                sh(2, at(2026, 3, 2, 14), at(2026, 3, 2, 20)),
                sh(3, at(2026, 3, 3, 6), at(2026, 3, 3, 10)),
            ],
            NO,
        ),
        "NO-REST-DAILY",
    )
    assert [v.shift_ids for v in vs] == [(1, 2, 3)]


def test_touching_shifts_at_two_clients_are_one_work_period():
    vs = check_assistant(
        [
            sh(1, at(2026, 3, 2, 8), at(2026, 3, 2, 14), client=10),
            sh(2, at(2026, 3, 2, 14), at(2026, 3, 2, 20), client=11),
            sh(3, at(2026, 3, 3, 6), at(2026, 3, 3, 10), client=10),
        ],
        NO,
    )
    assert [v.shift_ids for v in only(vs, "NO-REST-DAILY")] == [(1, 2, 3)]
    assert only(vs, "NO-OVERLAP") == []


@pytest.mark.parametrize(
    ("next_start", "fails"),
    [
        # Spring forward: 20:00 Sat -> 08:00 Sun is 12 h on the clock, 11 h real.
        (at(2026, 3, 29, 8), False),
        (at(2026, 3, 29, 7, 59), True),
    ],
)
def test_daily_rest_across_spring_dst_is_real_time(next_start, fails):
    vs = check_assistant(
        [sh(1, at(2026, 3, 28, 8), at(2026, 3, 28, 20)), sh(2, next_start, next_start + timedelta(hours=4))], NO
    )
    assert bool(only(vs, "NO-REST-DAILY")) is fails


@pytest.mark.parametrize(
    ("next_start", "fails"),
    [
        # Fall back: 20:00 Sat -> 06:00 Sun is 10 h on the clock, 11 h real.
        (at(2026, 10, 25, 6), False),
        (at(2026, 10, 25, 5, 59), True),
    ],
)
def test_daily_rest_across_autumn_dst_is_real_time(next_start, fails):
    vs = check_assistant(
        [sh(1, at(2026, 10, 24, 8), at(2026, 10, 24, 20)), sh(2, next_start, next_start + timedelta(hours=4))], NO
    )
    assert bool(only(vs, "NO-REST-DAILY")) is fails


@pytest.mark.parametrize(
    ("next_start", "tariff_fails", "default_fails"),
    [
        (at(2026, 3, 3, 4), False, True),  # exactly 8 h
        (at(2026, 3, 3, 3, 59), True, True),  # 7 h 59 min
    ],
)
def test_tariff_profile_allows_8_hours_daily_rest(next_start, tariff_fails, default_fails):
    shifts = [sh(1, at(2026, 3, 2, 8), at(2026, 3, 2, 20)), sh(2, next_start, next_start + timedelta(hours=4))]
    assert bool(only(check_assistant(shifts, TARIFF), "NO-REST-DAILY")) is tariff_fails
    assert bool(only(check_assistant(shifts, NO), "NO-REST-DAILY")) is default_fails


def test_leap_day_daily_rest_and_week():
    # Week Mon 2028-02-28 .. Sun 2028-03-05 holds the leap day: seven days.
    shifts = weekdays(date(2028, 2, 28), range(7), 8, 16)
    shifts[1] = sh(2, at(2028, 2, 29, 6), at(2028, 2, 29, 14))
    shifts[0] = sh(1, at(2028, 2, 28, 8), at(2028, 2, 28, 20))
    vs = check_assistant(shifts, NO)
    rest = only(vs, "NO-REST-DAILY")
    assert [v.shift_ids for v in rest] == [(1, 2)]
    assert "28.02.2028 08:00" in rest[0].text() and "2028-02-28 08:00" in rest[0].detail  # dated as people write it
    week = only(vs, "NO-NORMAL-WEEK")
    assert [v.shift_ids for v in week] == [tuple(range(1, 8))]
    assert week[0].numbers["work_hours"] == 60.0  # 12 + 6 * 8
    assert "28.02.2028" in week[0].text()


# ---------------------------------------------------------------------------
# NO-REST-WEEKLY
# ---------------------------------------------------------------------------


def test_weekly_rest_of_exactly_35_hours_passes():
    # Saturday 13:00 to Sunday 24:00 is the only long rest: 35 h.
    shifts = week_with_saturday(date(2026, 3, 9), at(2026, 3, 14, 5), at(2026, 3, 14, 13))
    assert only(check_assistant(shifts, NO), "NO-REST-WEEKLY") == []


def test_weekly_rest_one_minute_short_fails():
    shifts = week_with_saturday(date(2026, 3, 9), at(2026, 3, 14, 5), at(2026, 3, 14, 13, 1))
    vs = only(check_assistant(shifts, NO), "NO-REST-WEEKLY")
    assert [v.shift_ids for v in vs] == [(1, 2, 3, 4, 5, 6)]
    assert vs[0].detail.startswith("34.9 h continuous rest, needs 35 h")
    assert "09.03.2026" in vs[0].text()
    assert vs[0].law == "arbeidsmiljøloven § 10-8 (2)"


def test_weekly_rest_only_counts_inside_the_week():
    # Free since the previous week, but only Monday 00:00-20:00 lies in this week.
    shifts = [sh(1, at(2026, 3, 9, 20), at(2026, 3, 10, 4))]
    shifts += weekdays(date(2026, 3, 9), range(1, 7), 12, 20, first_id=2)
    vs = only(check_assistant(shifts, NO), "NO-REST-WEEKLY")
    assert len(vs) == 1
    assert vs[0].numbers["rest_hours"] == 20.0


@pytest.mark.parametrize(
    ("monday", "sat_end", "fails"),
    [
        # The spring DST week is 167 h: Sat 12:00 -> Sun 24:00 is 35 h real.
        (date(2026, 3, 23), at(2026, 3, 28, 12), False),
        (date(2026, 3, 23), at(2026, 3, 28, 12, 1), True),
        # The autumn DST week is 169 h: Sat 14:00 -> Sun 24:00 is 35 h real.
        (date(2026, 10, 19), at(2026, 10, 24, 14), False),
        (date(2026, 10, 19), at(2026, 10, 24, 14, 1), True),
    ],
)
def test_weekly_rest_in_dst_weeks_is_real_time(monday, sat_end, fails):
    shifts = week_with_saturday(monday, sat_end - timedelta(hours=6), sat_end)
    assert bool(only(check_assistant(shifts, NO), "NO-REST-WEEKLY")) is fails


def test_tariff_profile_allows_28_hours_weekly_rest():
    # Saturday 20:00 to Sunday 24:00: 28 h.
    shifts = week_with_saturday(date(2026, 3, 9), at(2026, 3, 14, 12), at(2026, 3, 14, 20))
    assert only(check_assistant(shifts, TARIFF), "NO-REST-WEEKLY") == []
    assert len(only(check_assistant(shifts, NO), "NO-REST-WEEKLY")) == 1
    later = week_with_saturday(date(2026, 3, 9), at(2026, 3, 14, 12), at(2026, 3, 14, 20, 1))
    assert len(only(check_assistant(later, TARIFF), "NO-REST-WEEKLY")) == 1


def test_week_start_day_is_configurable():
    sunday_weeks = RuleSet(name="sun", country="NO", week_start_weekday=6)
    shifts = weekdays(date(2026, 3, 9), range(7), 8, 20)

    # Mon-Sun 08:00-20:00. Monday weeks: nothing longer than 12 h free.  Sunday
    # weeks: the week from Sun 03-08 has 32 h (Sun 00:00 - Mon 08:00), the week
    # from Sun 03-15 has all of Sunday evening onwards.
    def weeks(rules):
        return [v.text().rsplit(" ", 1)[-1] for v in only(check_assistant(shifts, rules), "NO-REST-WEEKLY")]

    assert weeks(NO) == ["09.03.2026)"]
    assert weeks(sunday_weeks) == ["08.03.2026)"]


def test_week_across_two_months_and_two_years():
    # Mon 2026-12-28 .. Sun 2027-01-03 is one calendar week.
    shifts = weekdays(date(2026, 12, 28), range(6), 8, 16)
    vs = check_assistant(shifts, NO)
    week = only(vs, "NO-NORMAL-WEEK")
    assert [v.shift_ids for v in week] == [(1, 2, 3, 4, 5, 6)]
    assert week[0].numbers["work_hours"] == 48.0
    rest = only(vs, "NO-REST-WEEKLY")
    assert len(rest) == 1 and rest[0].numbers["rest_hours"] == 32.0  # Sat 16:00 -> Sun 24:00


# ---------------------------------------------------------------------------
# Hour limits
# ---------------------------------------------------------------------------


def test_dst_night_lengths_are_real_elapsed_time():
    spring = check_assistant([sh(1, at(2026, 3, 28, 22), at(2026, 3, 29, 8))], NO)
    autumn = check_assistant([sh(1, at(2026, 10, 24, 22), at(2026, 10, 25, 8))], NO)
    assert only(spring, "NO-NORMAL-DAY") == []  # 9 h
    (v,) = only(autumn, "NO-NORMAL-DAY")  # 11 h
    assert v.numbers["work_hours"] == 11.0


@pytest.mark.parametrize(
    ("start", "end", "basis", "fails"),
    [
        (at(2026, 3, 2, 8), at(2026, 3, 2, 20, 30), None, False),  # exactly 12.5 h
        (at(2026, 3, 2, 8), at(2026, 3, 2, 20, 31), None, True),
        (at(2026, 3, 2, 8), at(2026, 3, 2, 20, 31), "  ", True),  # blank is no basis
        (at(2026, 3, 2, 8), at(2026, 3, 3, 8), "FOR-2017-06-25-1052", False),
        (at(2026, 3, 28, 22), at(2026, 3, 29, 11, 30), None, False),  # 12.5 h across spring DST
        (at(2026, 10, 24, 22), at(2026, 10, 25, 10), None, True),  # 13 h across autumn DST
    ],
)
def test_long_shift_needs_legal_basis(start, end, basis, fails):
    vs = only(check_assistant([sh(1, start, end, legal_basis=basis)], NO), "NO-LONG-SHIFT")
    assert bool(vs) is fails
    if fails:
        assert vs[0].severity == "block" and vs[0].shift_ids == (1,)


def test_normal_day_and_total_24h_limits():
    nine = check_assistant([sh(1, at(2026, 3, 2, 8), at(2026, 3, 2, 17))], NO)
    assert only(nine, "NO-NORMAL-DAY") == []
    thirteen = check_assistant(
        [sh(1, at(2026, 3, 2, 7), at(2026, 3, 2, 14)), sh(2, at(2026, 3, 2, 15), at(2026, 3, 2, 21))], NO
    )
    assert len(only(thirteen, "NO-NORMAL-DAY")) == 1
    assert only(thirteen, "NO-TOTAL-24H") == []  # exactly 13 h
    over = check_assistant(
        [sh(1, at(2026, 3, 2, 7), at(2026, 3, 2, 14)), sh(2, at(2026, 3, 2, 15), at(2026, 3, 2, 21, 1))], NO
    )
    (v,) = only(over, "NO-TOTAL-24H")
    assert v.shift_ids == (1, 2) and v.numbers["limit_hours"] == 13.0


def test_passive_time_extends_the_normal_day():
    night = [sh(1, at(2026, 3, 9, 22), at(2026, 3, 10, 8), kind="passive")]  # 10 h
    assert only(check_assistant(night, NO), "NO-NORMAL-DAY") == []  # 9 + min(10/2, 2) = 11 h
    longer = [sh(1, at(2026, 3, 9, 22), at(2026, 3, 10, 9, 1), kind="passive")]
    found = check_assistant(longer, NO)
    # Over the limit passive time allows: the violation names § 10-4 (2), not the plain 9 h.
    assert only(found, "NO-NORMAL-DAY") == []
    (v,) = only(found, "NO-PASSIVE")
    assert v.numbers["limit_hours"] == 11.0 and v.law == "arbeidsmiljøloven § 10-4 (2)"
    assert "so the limit is 11 h" in v.detail
    active = [sh(1, at(2026, 3, 9, 22), at(2026, 3, 10, 8))]
    assert len(only(check_assistant(active, NO), "NO-NORMAL-DAY")) == 1


def test_passive_time_extends_the_normal_week_up_to_48_hours():
    nine = weekdays(date(2026, 3, 9), range(5), 22, 7, kind="passive")  # 45 h
    assert only(check_assistant(nine, NO), "NO-NORMAL-WEEK") == []  # 40 + min(45/2, 10), cap 48
    active = weekdays(date(2026, 3, 9), range(5), 22, 7)
    assert len(only(check_assistant(active, NO), "NO-NORMAL-WEEK")) == 1
    ten = weekdays(date(2026, 3, 9), range(5), 22, 8, kind="passive")  # 50 h
    (v,) = only(check_assistant(ten, NO), "NO-PASSIVE")
    assert v.numbers["limit_hours"] == 48.0  # § 10-4 (2): never over 48 h in 7 days
    assert "never beyond 48 h" in v.detail


def test_normal_week_limit_is_exclusive():
    forty = weekdays(date(2026, 3, 9), range(5), 8, 16)
    assert only(check_assistant(forty, NO), "NO-NORMAL-WEEK") == []
    forty_one = forty + [sh(6, at(2026, 3, 14, 8), at(2026, 3, 14, 9))]
    (v,) = only(check_assistant(forty_one, NO), "NO-NORMAL-WEEK")
    assert v.numbers["work_hours"] == 41.0


def test_overlapping_shifts_at_two_clients_are_blocked():
    vs = check_assistant(
        [
            sh(1, at(2026, 3, 2, 8), at(2026, 3, 2, 14), client=10),
            sh(2, at(2026, 3, 2, 13), at(2026, 3, 2, 18), client=11),
        ],
        NO,
    )
    (v,) = only(vs, "NO-OVERLAP")
    assert v.shift_ids == (1, 2) and v.severity == "block"
    assert v.numbers["overlap_hours"] == 1.0


# ---------------------------------------------------------------------------
# NO-NIGHT
# ---------------------------------------------------------------------------


def _four_weeks(days: range, start_h: int, end_h: int, end_min: int = 0) -> list[ShiftFact]:
    out: list[ShiftFact] = []
    for w in range(4):
        monday = date(2026, 4, 6) + timedelta(weeks=w)
        for off in days:
            d = monday + timedelta(days=off)
            end_day = d if end_h > start_h else d + timedelta(days=1)
            out.append(
                sh(
                    len(out) + 1,
                    at(d.year, d.month, d.day, start_h),
                    at(end_day.year, end_day.month, end_day.day, end_h, end_min),
                )
            )
    return out


def test_night_worker_average_over_four_weeks():
    # 5 x 10 h nights a week: 200 h / ((28 * 24 - 4 * 35) / 24) = 9.0 h per 24 h.
    (v,) = only(check_assistant(_four_weeks(range(5), 21, 7), NO), "NO-NIGHT")
    assert v.numbers["avg_hours_per_24h"] == pytest.approx(200 / (532 / 24), abs=1e-3)
    assert v.law == "arbeidsmiljøloven § 10-11 (6)"
    # 4 nights a week average 7.2 h.
    assert only(check_assistant(_four_weeks(range(4), 21, 7), NO), "NO-NIGHT") == []


def test_night_rule_only_for_more_than_three_night_hours():
    # 12 h shifts 12:00-24:00 hold exactly 3 h of night: not a night worker.
    assert only(check_assistant(_four_weeks(range(5), 12, 0), NO), "NO-NIGHT") == []
    assert len(only(check_assistant(_four_weeks(range(5), 12, 0, end_min=1), NO), "NO-NIGHT")) == 1
