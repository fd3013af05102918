"""Tests for rules.calendar: notice, reviews, courses, expiries, Försäkringskassan deadlines,
re-hire priority and Swedish sick-pay days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from bpa_provider.rules.calendar import (
    course_deadline,
    days_left,
    effective_date,
    expiry_date,
    expiry_reminders,
    fk_provider_change_deadline,
    fk_time_report_deadline,
    next_review_due,
    refusal_deadline_ok,
    rehire_priority,
    review_status,
    sick_pay_claim_days,
)

# --- notice and transfer ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notice", "expected"),
    [
        (date(2026, 1, 31), date(2026, 4, 30)),
        (date(2026, 11, 30), date(2027, 2, 28)),
        (date(2027, 11, 30), date(2028, 2, 29)),  # leap year
        (date(2026, 3, 15), date(2026, 6, 15)),
        (date(2026, 10, 31), date(2027, 1, 31)),
    ],
)
def test_effective_date_at_month_ends(notice: date, expected: date) -> None:
    assert effective_date(notice) == expected


def test_agreed_date_overrides_notice() -> None:
    assert effective_date(date(2026, 1, 31), agreed=date(2026, 3, 1)) == date(2026, 3, 1)
    assert effective_date(date(2026, 1, 31), notice_months=1) == date(2026, 2, 28)


def test_refusal_deadline_needs_fourteen_days() -> None:
    assert refusal_deadline_ok(date(2026, 3, 1), date(2026, 3, 15))
    assert not refusal_deadline_ok(date(2026, 3, 1), date(2026, 3, 14))
    assert refusal_deadline_ok(date(2026, 3, 1), date(2026, 3, 8), min_days=7)


def test_days_left() -> None:
    assert days_left(date(2026, 3, 10), date(2026, 3, 1)) == 9
    assert days_left(date(2026, 3, 1), date(2026, 3, 1)) == 0
    assert days_left(date(2026, 2, 27), date(2026, 3, 1)) == -2


# --- reviews ---------------------------------------------------------------------------------


def test_first_review_six_months_after_start() -> None:
    assert next_review_due(date(2026, 8, 31), None) == date(2027, 2, 28)
    assert next_review_due(date(2026, 1, 15), None, first_after_months=3) == date(2026, 4, 15)


def test_review_after_leap_day_lands_on_28_february() -> None:
    assert next_review_due(date(2027, 1, 1), date(2028, 2, 29)) == date(2029, 2, 28)
    assert next_review_due(date(2027, 1, 1), date(2028, 2, 29), interval_months=6) == date(2028, 8, 29)


def test_ended_assignment_or_employment_has_no_next_review() -> None:
    start, held = date(2025, 1, 10), date(2026, 3, 1)
    assert next_review_due(start, held, assignment_end=date(2026, 12, 31)) is None
    assert next_review_due(start, held, employment_end=date(2027, 2, 28)) is None
    # Ending on the due date itself still leaves that day.
    assert next_review_due(start, held, assignment_end=date(2027, 3, 1)) == date(2027, 3, 1)
    assert next_review_due(start, held, employment_end=date(2028, 1, 1)) == date(2027, 3, 1)


def test_review_status_words() -> None:
    due = date(2026, 6, 1)
    assert review_status(due, None, date(2026, 6, 1)) == "due"  # the deadline day itself
    assert review_status(due, None, date(2026, 6, 2)) == "overdue"
    assert review_status(due, None, date(2026, 5, 2)) == "due"  # 30 days before
    assert review_status(due, None, date(2026, 5, 1)) == "scheduled"  # 31 days before
    assert review_status(None, date(2025, 6, 1), date(2026, 6, 1)) == "cancelled"
    # Held this year, next one next year: done.
    assert review_status(date(2027, 3, 1), date(2026, 3, 1), date(2026, 9, 1)) == "done"
    # Held last calendar year and the next not yet near: scheduled.
    assert review_status(date(2027, 12, 1), date(2025, 12, 1), date(2026, 2, 1)) == "scheduled"
    assert review_status(due, None, date(2026, 4, 20), due_within_days=45) == "due"


# --- courses and expiries --------------------------------------------------------------------


def test_course_deadline_and_expiry() -> None:
    assert course_deadline(date(2026, 1, 1)) == date(2026, 4, 1)
    assert course_deadline(date(2026, 1, 1), within_days=30) == date(2026, 1, 31)
    assert expiry_date(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert expiry_date(date(2026, 5, 5), None) is None


def test_expiry_reminder_buckets() -> None:
    expires = date(2026, 12, 31)
    assert expiry_reminders(expires, expires - timedelta(days=91)) is None
    assert expiry_reminders(expires, expires - timedelta(days=90)) == 90
    assert expiry_reminders(expires, expires - timedelta(days=31)) == 90
    assert expiry_reminders(expires, expires - timedelta(days=30)) == 30
    assert expiry_reminders(expires, expires - timedelta(days=7)) == 7
    assert expiry_reminders(expires, expires + timedelta(days=3)) == 7
    assert expiry_reminders(expires, expires - timedelta(days=20), lead_days=(60, 14)) == 60


# --- Försäkringskassan -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2026, 1, date(2026, 3, 5)),
        (2026, 11, date(2027, 1, 5)),
        (2026, 12, date(2027, 2, 5)),
    ],
)
def test_fk_time_report_deadline(year: int, month: int, expected: date) -> None:
    assert fk_time_report_deadline(year, month) == expected


def test_fk_provider_change_deadline() -> None:
    assert fk_provider_change_deadline(date(2027, 1, 1)) == date(2026, 12, 15)
    assert fk_provider_change_deadline(date(2026, 3, 20)) == date(2026, 2, 15)
    assert fk_provider_change_deadline(date(2026, 3, 1), day=10) == date(2026, 2, 10)


@settings(max_examples=60, deadline=None)
@given(year=st.integers(min_value=2000, max_value=2100), month=st.integers(min_value=1, max_value=12))
def test_fk_time_report_is_in_the_second_month_after(year: int, month: int) -> None:
    due = fk_time_report_deadline(year, month)
    assert due.day == 5
    assert (due.year * 12 + due.month) - (year * 12 + month) == 2


# --- re-hire priority ------------------------------------------------------------------------


def test_rehire_priority_after_a_year_of_service() -> None:
    leave = date(2026, 6, 1)
    assert rehire_priority([(date(2025, 6, 1), None)], leave) == date(2027, 6, 1)
    assert rehire_priority([(date(2025, 6, 2), None)], leave) is None  # one day short


def test_rehire_priority_adds_separate_periods_in_the_window() -> None:
    leave = date(2026, 6, 1)
    periods = [
        (date(2024, 6, 1), date(2024, 12, 31)),  # 214 days, inside the two-year window
        (date(2025, 12, 1), date(2026, 7, 31)),  # counted up to 31 May 2026: 182 days
    ]
    assert rehire_priority(periods, leave) == date(2027, 6, 1)
    # Service before the two-year window does not count.
    old = [(date(2020, 1, 1), date(2024, 5, 31)), (date(2025, 12, 1), None)]
    assert rehire_priority(old, leave) is None


def test_rehire_priority_overlapping_periods_count_once() -> None:
    leave = date(2026, 6, 1)
    twice = [(date(2025, 12, 1), None), (date(2025, 12, 1), date(2026, 5, 31))]
    assert rehire_priority(twice, leave) is None
    assert rehire_priority(twice, leave, min_months=6) == date(2027, 6, 1)


# --- Swedish sick pay ------------------------------------------------------------------------


def test_sick_pay_short_period() -> None:
    days, note = sick_pay_claim_days(date(2026, 3, 2), date(2026, 3, 4))
    assert days == [date(2026, 3, 3), date(2026, 3, 4)]
    assert note is None


def test_sick_pay_long_period() -> None:
    start = date(2026, 3, 2)
    days, note = sick_pay_claim_days(start, date(2026, 4, 30))
    assert days[0] == date(2026, 3, 3) and days[-1] == date(2026, 3, 15)  # days 2-14
    assert len(days) == 13
    assert note == date(2026, 3, 9)  # day 8


def test_sick_pay_single_day_and_bad_period() -> None:
    assert sick_pay_claim_days(date(2026, 3, 2), date(2026, 3, 2)) == ([], None)
    assert sick_pay_claim_days(date(2026, 3, 2), date(2026, 3, 9))[1] == date(2026, 3, 9)
    with pytest.raises(ValueError):
        sick_pay_claim_days(date(2026, 3, 2), date(2026, 3, 1))


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    length=st.integers(min_value=1, max_value=60),
)
def test_sick_pay_days_are_days_two_to_fourteen(start: date, length: int) -> None:
    days, note = sick_pay_claim_days(start, start + timedelta(days=length - 1))
    assert len(days) == max(0, min(length, 14) - 1)
    assert all(start < d <= start + relativedelta(days=13) for d in days)
    assert (note is not None) == (length >= 8)
