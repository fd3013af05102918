"""Tests for rules.payroll: public holidays and the split of a shift into pay categories."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpa_provider.rules.hours import shift_hours
from bpa_provider.rules.payroll import PAY_KEYS, PayRules, public_holidays, split_pay

OSLO = "Europe/Oslo"
Z = ZoneInfo(OSLO)
NO_HOLIDAYS = public_holidays("NO", [2026, 2027])


def oslo(*args: int) -> datetime:
    return datetime(*args, tzinfo=Z)


def pay(start: datetime, end: datetime, kind: str = "active", **kw: object) -> dict[str, float]:
    return split_pay(start, end, OSLO, kind, NO_HOLIDAYS, **kw)  # type: ignore[arg-type]


def nonzero(result: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 6) for k, v in result.items() if v}


# --- public holidays -------------------------------------------------------------------------


def test_norwegian_and_swedish_holidays() -> None:
    assert date(2026, 5, 17) in NO_HOLIDAYS  # Grunnlovsdag
    assert date(2027, 12, 26) in NO_HOLIDAYS
    assert date(2026, 4, 3) in NO_HOLIDAYS  # Good Friday
    assert date(2026, 1, 4) not in NO_HOLIDAYS  # an ordinary Sunday is weekend, not holiday
    se = public_holidays("se", [2026])
    assert date(2026, 6, 6) in se and date(2026, 6, 6) not in NO_HOLIDAYS
    assert date(2026, 5, 17) not in se
    assert all(d.year == 2026 for d in se)


def test_holidays_are_a_fresh_dict_each_call() -> None:
    first = public_holidays("NO", [2026])
    first.clear()
    assert date(2026, 5, 17) in public_holidays("NO", [2026])


# --- split_pay -----------------------------------------------------------------------------------


def test_every_key_is_present() -> None:
    result = pay(oslo(2026, 6, 2, 8), oslo(2026, 6, 2, 16))
    assert set(result) == set(PAY_KEYS)
    assert nonzero(result) == {"ordinary": 8.0}


def test_weekday_evening_into_night() -> None:
    # Tuesday 15:00-23:00: an ordinary day, with 17-21 evening and 21-23 night.
    assert nonzero(pay(oslo(2026, 6, 2, 15), oslo(2026, 6, 2, 23))) == {
        "ordinary": 8.0,
        "evening": 4.0,
        "night": 2.0,
    }


def test_saturday_day_shift() -> None:
    assert nonzero(pay(oslo(2026, 6, 6, 10), oslo(2026, 6, 6, 18))) == {
        "weekend": 8.0,
        "evening": 1.0,
    }


def test_weekend_starts_at_saturday_midnight_and_ends_sunday_24() -> None:
    friday = nonzero(pay(oslo(2026, 6, 5, 20), oslo(2026, 6, 6, 2)))
    assert friday == {"ordinary": 4.0, "weekend": 2.0, "evening": 1.0, "night": 5.0}
    sunday = nonzero(pay(oslo(2026, 6, 7, 22), oslo(2026, 6, 8, 7)))
    assert sunday == {"weekend": 2.0, "ordinary": 7.0, "night": 8.0}


def test_17_may_is_holiday_not_weekend() -> None:
    # 17 May 2026 is a Sunday: the holiday wins over the weekend.
    sunday = nonzero(pay(oslo(2026, 5, 17, 8), oslo(2026, 5, 17, 20)))
    assert sunday == {"holiday": 12.0, "evening": 3.0}
    # 17 May 2028 is a Wednesday: the national day turns a weekday into a holiday.
    no_2028 = public_holidays("NO", [2028])
    wednesday = nonzero(split_pay(oslo(2028, 5, 16, 20), oslo(2028, 5, 17, 10), OSLO, "active", no_2028))
    assert wednesday == {"ordinary": 4.0, "holiday": 10.0, "evening": 1.0, "night": 9.0}
    # In 2027 the Sunday before is Whit Sunday: holiday, not weekend, on both dates.
    whit = nonzero(pay(oslo(2027, 5, 16, 20), oslo(2027, 5, 17, 10)))
    assert whit == {"holiday": 14.0, "evening": 1.0, "night": 9.0}
    # Without the holiday calendar 17 May 2028 is an ordinary Wednesday.
    plain = split_pay(oslo(2028, 5, 17, 8), oslo(2028, 5, 17, 16), OSLO, "active", set())
    assert nonzero(plain) == {"ordinary": 8.0}


def test_dst_nights_count_real_hours() -> None:
    spring = nonzero(pay(oslo(2026, 3, 28, 22), oslo(2026, 3, 29, 8)))
    assert spring == {"weekend": 9.0, "night": 7.0}
    autumn = nonzero(pay(oslo(2026, 10, 24, 22), oslo(2026, 10, 25, 8)))
    assert autumn == {"weekend": 11.0, "night": 9.0}


def test_passive_night_is_paid_twenty_minutes_an_hour() -> None:
    result = nonzero(pay(oslo(2026, 6, 2, 22), oslo(2026, 6, 3, 7), "passive", active_hours_in_passive_shift=2.0))
    assert result == {"passive": 9.0, "passive_paid": 3.0}


def test_passive_night_with_a_third_active_is_all_active() -> None:
    # 3 of 9 hours active reaches one third: the whole shift is active time.
    result = nonzero(pay(oslo(2026, 6, 2, 22), oslo(2026, 6, 3, 7), "passive", active_hours_in_passive_shift=3.0))
    assert result == {"ordinary": 9.0, "night": 8.0}
    just_below = pay(oslo(2026, 6, 2, 22), oslo(2026, 6, 3, 7), "passive", active_hours_in_passive_shift=2.99)
    assert just_below["passive"] == 9.0 and just_below["ordinary"] == 0.0


def test_rules_are_parameters() -> None:
    rules = PayRules(
        evening_start=time(18),
        night_start=time(22),
        night_end=time(7),
        weekend_from=(4, time(18)),  # Friday 18:00
        passive_paid_minutes_per_hour=30,
        active_share_all_active=0.5,
    )
    friday = nonzero(split_pay(oslo(2026, 6, 5, 16), oslo(2026, 6, 5, 23), OSLO, "active", NO_HOLIDAYS, rules))
    assert friday == {"ordinary": 2.0, "weekend": 5.0, "evening": 4.0, "night": 1.0}
    passive = split_pay(
        oslo(2026, 6, 2, 22),
        oslo(2026, 6, 3, 6),
        OSLO,
        "passive",
        NO_HOLIDAYS,
        rules,
        active_hours_in_passive_shift=3.0,
    )
    assert passive["passive_paid"] == 4.0


def test_bad_kind_and_negative_active_are_refused() -> None:
    with pytest.raises(ValueError):
        pay(oslo(2026, 6, 2, 8), oslo(2026, 6, 2, 16), "awake")
    with pytest.raises(ValueError):
        pay(oslo(2026, 6, 2, 8), oslo(2026, 6, 2, 16), "passive", active_hours_in_passive_shift=-1)


def test_other_zone_and_naive_utc() -> None:
    # 6 June 2026 is Sweden's national day; naive times are UTC (08:00-12:00 Stockholm).
    se = public_holidays("SE", [2026])
    result = split_pay(datetime(2026, 6, 6, 6), datetime(2026, 6, 6, 10), "Europe/Stockholm", "active", se)
    assert nonzero(result) == {"holiday": 4.0}


def _oracle(start: datetime, minutes: int, rules: PayRules) -> dict[str, float]:
    """Classify every minute on its own local clock: slow, obvious, independent."""
    out = dict.fromkeys(("ordinary", "evening", "night", "weekend", "holiday"), 0.0)
    for m in range(minutes):
        local = (start + timedelta(minutes=m)).astimezone(Z)
        clock, wd = local.time().replace(tzinfo=None), local.weekday()
        if local.date() in NO_HOLIDAYS:
            out["holiday"] += 1 / 60
        elif wd >= 5:
            out["weekend"] += 1 / 60
        else:
            out["ordinary"] += 1 / 60
        if clock >= rules.night_start or clock < rules.night_end:
            out["night"] += 1 / 60
        elif clock >= rules.evening_start:
            out["evening"] += 1 / 60
    return out


_START = datetime(2026, 1, 1, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(
    offset=st.one_of(
        st.integers(min_value=0, max_value=2 * 366 * 24 * 60),
        # Bias towards the DST weekends and 17 May, where mistakes hide.
        st.sampled_from(
            [
                datetime(2026, 3, 28, 18, tzinfo=UTC),
                datetime(2026, 10, 24, 18, tzinfo=UTC),
                datetime(2027, 3, 27, 20, tzinfo=UTC),
                datetime(2027, 5, 16, 12, tzinfo=UTC),
            ]
        ).map(lambda d: int((d - _START).total_seconds() // 60)),
    ),
    jitter=st.integers(min_value=0, max_value=12 * 60),
    minutes=st.integers(min_value=0, max_value=26 * 60),
)
def test_split_matches_minute_by_minute_oracle(offset: int, jitter: int, minutes: int) -> None:
    start = _START + timedelta(minutes=offset + jitter)
    # Add in UTC: aware-datetime arithmetic in a DST zone is wall-clock arithmetic.
    end = start.astimezone(UTC) + timedelta(minutes=minutes)
    got = pay(start, end)
    expected = _oracle(start, minutes, PayRules())
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-6), key
    # The kind of day divides the hours exactly; clock supplements never exceed them.
    total = shift_hours(start, end)
    assert got["ordinary"] + got["weekend"] + got["holiday"] == pytest.approx(total, abs=1e-9)
    assert got["evening"] + got["night"] <= total + 1e-9
