"""Due dates: notice and effective dates, staff reviews, courses, expiries, Försäkringskassan
deadlines, re-hire priority and Swedish sick-pay days.

Month arithmetic uses dateutil's `relativedelta`, which clamps to the end of a shorter month
(31 Jan + 3 months = 30 Apr; 29 Feb + 12 months = 28 Feb). Every period is a keyword default
taken from `domain.md`; the caller passes the configured value. All dates are calendar dates
(no times, no zones); an end date in a period is the last day of it (inclusive).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

__all__ = [
    "add_months",
    "course_deadline",
    "days_left",
    "effective_date",
    "expiry_date",
    "expiry_reminders",
    "fk_provider_change_deadline",
    "fk_provider_change_earliest",
    "fk_time_report_deadline",
    "next_review_due",
    "refusal_deadline_ok",
    "rehire_priority",
    "review_status",
    "sick_pay_claim_days",
]

_ONE_DAY = timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """`day + relativedelta(months=months)` by plain arithmetic: the same day of the month that
    many months on, clamped to that month's last day. The dashboard takes it for every
    assistant-client pair's review (12,000 at a large provider), where relativedelta cost 0.2 s."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if day.day <= 28:
        return date(year, month, day.day)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date(year, month, min(day.day, (following - _ONE_DAY).day))


def effective_date(notice: date, notice_months: int = 3, agreed: date | None = None) -> date:
    """The date a provider switch takes effect.

    Three months' notice unless the old and new provider agree otherwise (Drammen; NS 8435):
    an agreed date, when there is one, wins, even an earlier one.
    """
    if agreed is not None:
        return agreed
    return notice + relativedelta(months=notice_months)


def refusal_deadline_ok(informed_on: date, deadline: date, min_days: int = 14) -> bool:
    """Whether an assistant was given at least `min_days` to refuse the transfer (aml. § 16-3).

    Informed 1 March, deadline 15 March = 14 days: lawful; deadline 14 March: too short.
    """
    return (deadline - informed_on).days >= min_days


def days_left(due: date, today: date) -> int:
    """Days from today to the due date; 0 on the day itself, negative once it has passed."""
    return (due - today).days


def next_review_due(
    assignment_start: date,
    last_held: date | None,
    first_after_months: int = 6,
    interval_months: int = 12,
    assignment_end: date | None = None,
    employment_end: date | None = None,
) -> date | None:
    """When the next annual staff review of an assistant with a client is due.

    Policy (domain.md): the first review `first_after_months` after the assistant starts with
    the client, then every `interval_months` after the last one held. `None` when the assignment
    or the employment ends before that date: an ended relationship gets no more reviews. An end
    on the due date itself still leaves that last day to hold it.
    """
    if last_held is None:
        due = add_months(assignment_start, first_after_months)
    else:
        due = add_months(last_held, interval_months)
    ends = [d for d in (assignment_end, employment_end) if d is not None]
    if ends and min(ends) < due:
        return None
    return due


def review_status(next_due: date | None, last_held: date | None, today: date, due_within_days: int = 30) -> str:
    """One word for a review's state, checked in this order.

    - "cancelled": no next review (the assignment or employment ended).
    - "overdue": the due date has passed (the due date itself is still "due").
    - "due": due within `due_within_days` from today, inclusive.
    - "done": held this calendar year and the next is not yet due.
    - "scheduled": otherwise (not yet near, nothing held this year).
    """
    if next_due is None:
        return "cancelled"
    remaining = days_left(next_due, today)
    if remaining < 0:
        return "overdue"
    if remaining <= due_within_days:
        return "due"
    if last_held is not None and last_held.year == today.year and last_held <= today:
        return "done"
    return "scheduled"


def course_deadline(became_supervisor: date, within_days: int = 90) -> date:
    """Last day to complete the supervisor course (policy: 90 days; no national rule)."""
    return became_supervisor + timedelta(days=within_days)


def expiry_date(completed_on: date, validity_months: int | None) -> date | None:
    """When a course or certificate expires; `None` when it never does."""
    if validity_months is None:
        return None
    if validity_months < 0:
        raise ValueError("validity_months cannot be negative")
    return add_months(completed_on, validity_months)


def expiry_reminders(expires: date, today: date, lead_days: Sequence[int] = (90, 30, 7)) -> int | None:
    """The reminder bucket that applies today: the smallest lead time already reached.

    90 days before expiry -> 90; 29 days before -> 30; on and after expiry -> 7 (the last
    reminder; callers show "expired" from the expiry date itself). `None` before the first lead.
    Callers send each (item, bucket) once, so a missed day still gets the right reminder later.
    """
    remaining = days_left(expires, today)
    reached = [lead for lead in lead_days if remaining <= lead]
    return min(reached) if reached else None


def fk_time_report_deadline(year: int, month: int, day: int = 5) -> date:
    """Sweden: the time report (3059) and invoice (3057) for a month are due the 5th of the
    second month after it (November 2026 -> 5 January 2027; December 2026 -> 5 February 2027).
    """
    return date(year, month, 1) + relativedelta(months=2, day=day)


def fk_provider_change_deadline(change_date: date, day: int = 15) -> date:
    """Sweden: a provider change (3079 + contract) must reach Försäkringskassan by the 15th of
    the month before the month of the change (change 1 March 2027 -> 15 February 2027).
    """
    return change_date + relativedelta(months=-1, day=day)


def fk_provider_change_earliest(notice: date, day: int = 15, months_before: int = 1) -> date:
    """Sweden: the earliest change date whose form 3079 deadline (`fk_provider_change_deadline`)
    is not before `notice` (notice 31 January -> the deadline 15 February -> change 1 March;
    notice 15 January -> 1 February)."""
    deadline = notice + relativedelta(day=day)
    if deadline < notice:
        deadline = notice + relativedelta(months=1, day=day)
    return deadline + relativedelta(months=months_before, day=1)


def _merge(periods: list[tuple[date, date]]) -> list[tuple[date, date]]:
    # Two contracts at once (e.g. with two clients) are one period of service, not double.
    merged: list[tuple[date, date]] = []
    for start, end in sorted(periods):
        if merged and start <= merged[-1][1] + _ONE_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def rehire_priority(
    service_periods: Sequence[tuple[date, date | None]],
    leave_date: date,
    min_months: int = 12,
    window_years: int = 2,
    priority_years: int = 1,
) -> date | None:
    """End of the re-hire priority of an assistant who refused a transfer (aml. § 16-3).

    `leave_date` is the transfer date, the first day no longer employed by the old provider.
    Service counts on the days before it within the last `window_years` (periods may overlap;
    an open end means "still employed"). At least `min_months` of service -- measured as the
    number of days in the `min_months` months before `leave_date`, so one unbroken year exactly
    qualifies -- gives priority until `leave_date + priority_years`; otherwise `None`.
    """
    last_day = leave_date - _ONE_DAY
    window_first = leave_date - relativedelta(years=window_years)
    clipped: list[tuple[date, date]] = []
    for start, end in service_periods:
        lo = max(start, window_first)
        hi = last_day if end is None else min(end, last_day)
        if lo <= hi:
            clipped.append((lo, hi))
    served = sum((hi - lo).days + 1 for lo, hi in _merge(clipped))
    needed = (leave_date - (leave_date - relativedelta(months=min_months))).days
    if served >= needed:
        return leave_date + relativedelta(years=priority_years)
    return None


def sick_pay_claim_days(
    sick_from: date,
    sick_to: date,
    first_paid_day: int = 2,
    last_day: int = 14,
    doctor_note_from_day: int = 8,
) -> tuple[list[date], date | None]:
    """Sweden: the calendar days of a sick period that carry sick pay, and the note date.

    Day 1 is `sick_from` (the waiting deduction); days `first_paid_day`..`last_day` are the
    employer's sick-pay days (80 %), which the municipality refunds for a regular assistant when
    a substitute actually worked (9 § 2 LSS). The second value is the date from which a doctor's
    note is needed (day 8), or `None` when the period ends before it. Only the calendar is
    computed: the caller keeps the days the assistant was rostered, and relapses that continue
    an earlier period are the caller's concern.
    """
    if sick_to < sick_from:
        raise ValueError("a sick period cannot end before it starts")
    length = (sick_to - sick_from).days + 1
    days = [sick_from + timedelta(days=n - 1) for n in range(first_paid_day, min(last_day, length) + 1)]
    note = sick_from + timedelta(days=doctor_note_from_day - 1) if length >= doctor_note_from_day else None
    return days, note
