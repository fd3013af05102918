"""`rules.calendar.add_months` (plain arithmetic, issue 19: the dashboard's reviews and course
expiries) is `relativedelta(months=…)`: for any date and any number of months, and at every month
end and leap day from 2000 to 2040 for the policy periods."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from bpa_provider.rules.calendar import add_months, expiry_date, next_review_due


@given(day=st.dates(min_value=date(1901, 1, 1), max_value=date(2899, 12, 31)), months=st.integers(-1200, 1200))
def test_add_months_is_relativedelta(day, months):
    assert add_months(day, months) == day + relativedelta(months=months)


def test_every_month_end_and_leap_day_for_the_policy_periods():
    day, seen = date(2000, 1, 25), 0
    while day < date(2041, 1, 1):
        for months in (1, 3, 6, 12, 24, 36, -1, -12):
            assert add_months(day, months) == day + relativedelta(months=months), (day, months)
            seen += 1
        day += timedelta(days=1)
        if day.day == 5:  # the last days of each month and the first few of the next
            day = day.replace(day=25)
    assert seen > 10_000


def test_the_rules_that_use_it_clamp_to_the_month_end():
    assert next_review_due(date(2024, 8, 31), None) == date(2025, 2, 28)
    assert next_review_due(date(2023, 1, 1), date(2024, 2, 29)) == date(2025, 2, 28)
    assert expiry_date(date(2024, 2, 29), 12) == date(2025, 2, 28)
