"""Continuity of care for one client: how many different assistants they meet.

Personal assistance is to be given by "a limited number of persons" (9 a § LSS); Sweden measures
home-care continuity as the number of different staff met in 14 days, and domain.md's policy
shows per client the distinct assistants in the last 14 and 30 days, the share of hours worked
by regular (not substitute) assistants, the new faces this month, and the substitutes who have
never met the client. Days are the client's local calendar dates; hours are real elapsed time.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bpa_provider.rules.hours import _local_midnight_utc, _ordered, month_bounds

__all__ = ["Continuity", "ShiftSeen", "continuity"]


@dataclass(frozen=True)
class ShiftSeen:
    """One shift with a client as continuity sees it.

    `regular` is the assistant's assignment role on this shift: True for a regular assistant,
    False for a substitute.
    """

    assistant_id: int
    start: datetime
    end: datetime
    regular: bool


@dataclass(frozen=True)
class Continuity:
    """The continuity measures of one client on one day (id tuples are sorted)."""

    distinct_14d: int
    distinct_30d: int
    regular_share: float
    new_faces_month: tuple[int, ...]
    substitutes_never_met: tuple[int, ...]


def continuity(
    shifts: Sequence[ShiftSeen],
    today: date,
    tz: str,
    earlier_assistants: Collection[int],
    *,
    short_window_days: int = 14,
    long_window_days: int = 30,
) -> Continuity:
    """Measure a client's continuity as of `today` from their past and planned shifts.

    - `distinct_14d` / `distinct_30d`: assistants with any working time on the local dates of
      the last 14 / 30 days, today included (planned shifts later today count).
    - `regular_share`: regular assistants' share of all hours in the 30-day window; 1.0 when
      there are no hours (nothing to be discontinuous about).
    - `new_faces_month`: assistants with a shift starting this calendar month (planned ones
      too) who had not worked with the client before the month: not in `earlier_assistants`
      (the caller's record of earlier assignments) nor seen in `shifts` before the month.
    - `substitutes_never_met`: assistants with a substitute shift starting this month or later
      who are not in `earlier_assistants` and have no shift starting before today.
    """
    today_end = today + timedelta(days=1)
    short_first = today_end - timedelta(days=short_window_days)
    long_first = today_end - timedelta(days=long_window_days)
    month_first, month_next = month_bounds(today.year, today.month)

    seen_short: set[int] = set()
    seen_long: set[int] = set()
    regular_hours = 0.0
    all_hours = 0.0
    met_before_month: set[int] = set(earlier_assistants)
    met_before_today: set[int] = set(earlier_assistants)
    this_month: set[int] = set()
    upcoming_substitutes: set[int] = set()

    # The windows as UTC instants, computed once: the hours of a shift on the local dates
    # [first, last) are its overlap with [midnight(first), midnight(last)), the same figure as
    # hours_in_range gives by cutting the shift at every midnight (tests/rules/test_continuity.py).
    zone = ZoneInfo(tz)
    short_lo = _local_midnight_utc(short_first, zone)
    long_lo = _local_midnight_utc(long_first, zone)
    window_end = _local_midnight_utc(today_end, zone)

    for shift in shifts:
        start, end = _ordered(shift.start, shift.end)
        if start == end:
            continue  # a zero-length shift meets nobody
        first_day = start.astimezone(zone).date()
        if min(end, window_end) > max(start, short_lo):
            seen_short.add(shift.assistant_id)
        overlap = (min(end, window_end) - max(start, long_lo)).total_seconds()
        if overlap > 0:
            in_long = overlap / 3600
            seen_long.add(shift.assistant_id)
            all_hours += in_long
            if shift.regular:
                regular_hours += in_long
        # A shift's start date decides when the assistant met the client: a night shift from
        # yesterday 22:00 means they have met, even though it ends today.
        if first_day < month_first:
            met_before_month.add(shift.assistant_id)
        elif first_day < month_next:
            this_month.add(shift.assistant_id)
        if first_day < today:
            met_before_today.add(shift.assistant_id)
        if not shift.regular and first_day >= month_first:
            upcoming_substitutes.add(shift.assistant_id)

    return Continuity(
        distinct_14d=len(seen_short),
        distinct_30d=len(seen_long),
        regular_share=regular_hours / all_hours if all_hours > 0 else 1.0,
        new_faces_month=tuple(sorted(this_month - met_before_month)),
        substitutes_never_met=tuple(sorted(upcoming_substitutes - met_before_today)),
    )
