"""Hour arithmetic: real elapsed hours, splitting at local midnight, decided hours, projections.

Shifts are instants (aware datetimes, stored in UTC); every length here is real elapsed time, so a
night across the spring-forward change is an hour shorter than its wall clock says and one across
the autumn change an hour longer. "Which day an hour belongs to" is always the local calendar
date of the client's time zone.

A naive datetime is read as UTC, the same convention as `rules.dates.to_local`: SQLite hands
back stored UTC times without their tzinfo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bpa_provider.errors import Invalid
from bpa_provider.i18n import N_

__all__ = [
    "Projection",
    "UsageThresholds",
    "decided_hours",
    "hours_in_range",
    "month_bounds",
    "project_year_end",
    "shift_hours",
    "split_at_local_midnight",
    "week_bounds",
]

_SECONDS_PER_HOUR = 3600.0


def _utc(instant: datetime) -> datetime:
    """The same instant with tzinfo UTC (naive input is taken to be UTC already)."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def _ordered(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    s, e = _utc(start), _utc(end)
    if e < s:
        raise Invalid(N_("a shift cannot end ({end}) before it starts ({start})"), end=e, start=s)
    return s, e


def _local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    # Local midnight may in principle fall in a DST gap (not in Europe/Oslo or Stockholm, whose
    # change is at 02:00/03:00); fold=0 then gives an instant just after the gap, still monotone
    # in `day`, so the pieces below stay contiguous and never overlap.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def shift_hours(start: datetime, end: datetime) -> float:
    """Real elapsed hours between two instants.

    Both ends are converted to UTC first: Python subtracts two datetimes that share one tzinfo
    object on the wall clock, which would make a DST night 10 h long in both directions.
    """
    s, e = _ordered(start, end)
    return (e - s).total_seconds() / _SECONDS_PER_HOUR


def split_at_local_midnight(start: datetime, end: datetime, tz: str) -> list[tuple[date, datetime, datetime]]:
    """Cut a shift at each local midnight of `tz`.

    Returns `(local date, start_utc, end_utc)` pieces in order; they are contiguous and cover the
    shift exactly. An empty shift has no pieces, and a shift ending exactly at midnight has no
    zero-length piece on the next date.
    """
    zone = ZoneInfo(tz)
    s, e = _ordered(start, end)
    pieces: list[tuple[date, datetime, datetime]] = []
    if s == e:
        return pieces
    day = s.astimezone(zone).date()
    cursor = s
    while cursor < e:
        boundary = _local_midnight_utc(day + timedelta(days=1), zone)
        piece_end = min(boundary, e)
        if piece_end > cursor:
            pieces.append((day, cursor, piece_end))
            cursor = piece_end
        day += timedelta(days=1)
    return pieces


def hours_in_range(start: datetime, end: datetime, tz: str, first: date, last_exclusive: date) -> float:
    """Hours of the shift that fall on local dates in `[first, last_exclusive)`."""
    if last_exclusive <= first:
        return 0.0
    total = 0.0
    for day, piece_start, piece_end in split_at_local_midnight(start, end, tz):
        if first <= day < last_exclusive:
            total += (piece_end - piece_start).total_seconds() / _SECONDS_PER_HOUR
    return total


def decided_hours(
    amount: float,
    unit: str,
    valid_from: date,
    valid_to: date | None,
    first: date,
    last_exclusive: date,
) -> float:
    """The hours a decision grants inside the date range `[first, last_exclusive)`.

    `valid_to` is the decision's last day (inclusive, as decisions are written: "1.1.-31.12.");
    `None` means open-ended. Unit "week": amount x covered days / 7. Unit "month": for every
    calendar month overlapped, amount x covered days in that month / days in that month, so a
    whole February gives the full monthly amount in leap and ordinary years alike.
    """
    if unit not in ("week", "month"):
        raise Invalid(N_("unknown decision unit '{unit}': expected 'week' or 'month'"), unit=unit)
    lo = max(valid_from, first)
    hi = last_exclusive if valid_to is None else min(valid_to + timedelta(days=1), last_exclusive)
    if hi <= lo:
        return 0.0
    if unit == "week":
        return amount * (hi - lo).days / 7.0
    total = 0.0
    cursor = lo
    while cursor < hi:
        month_first, month_next = month_bounds(cursor.year, cursor.month)
        chunk_end = min(month_next, hi)
        total += amount * (chunk_end - cursor).days / (month_next - month_first).days
        cursor = chunk_end
    return total


@dataclass(frozen=True)
class UsageThresholds:
    """When a projected year-end use is flagged, as shares of the decided hours.

    `under_min_elapsed`: "under" is only raised once this share of the period has passed, so a
    quiet January does not alarm anyone.
    """

    warn: float = 1.00
    alert: float = 1.05
    under: float = 0.80
    under_min_elapsed: float = 0.25


@dataclass(frozen=True)
class Projection:
    """Hours account for a period (usually the decision year) and where it is heading."""

    decided: float
    used: float
    planned: float
    balance: float  # decided - used so far
    projected_used: float
    projected_balance: float  # decided - projected_used
    ratio: float  # projected_used / decided
    flag: str  # "ok" | "warn" | "alert" | "under"


def project_year_end(
    decided_year: float,
    used_to_date: float,
    planned_rest: float,
    elapsed_days: int,
    total_days: int,
    thresholds: UsageThresholds = UsageThresholds(),
    *,
    planned_days: int | None = None,
) -> Projection:
    """Project the hours used at the end of the period and flag the result.

    The choice: what the supervisor has planned beats a guess from the pace so far, because the
    decision is a yearly average and hours are often saved for heavier periods.
    - With a plan (`planned_rest > 0`, or `planned_days` given): projected = used + planned.
      Rotas are rarely planned to year end, so `planned_days` may say how many of the remaining
      days the plan covers; the days beyond it are filled at the pace so far. `None` means the
      plan covers the whole rest.
    - Without a plan: projected = used / elapsed_days x total_days (pure pace); with nothing
      elapsed yet the pace is unknown and the projection is just what is used.
    ratio = projected / decided; flag "alert" when ratio > alert, "warn" when > warn, "under"
    when < under and at least `under_min_elapsed` of the period has passed, else "ok". With no
    decided hours, any projected use is an alert (ratio = inf).
    """
    if total_days <= 0:
        raise Invalid(N_("the period must have at least one day"))
    if not 0 <= elapsed_days <= total_days:
        raise Invalid(
            N_("elapsed days {elapsed} must be between 0 and {total}"), elapsed=elapsed_days, total=total_days
        )
    remaining = total_days - elapsed_days
    pace = used_to_date / elapsed_days if elapsed_days > 0 else 0.0
    if planned_rest > 0 or planned_days is not None:
        covered = remaining if planned_days is None else max(0, min(planned_days, remaining))
        projected = used_to_date + planned_rest + pace * (remaining - covered)
    else:
        projected = used_to_date + pace * remaining

    if decided_year > 0:
        ratio = projected / decided_year
    else:
        ratio = float("inf") if projected > 0 else 0.0

    if ratio > thresholds.alert:
        flag = "alert"
    elif ratio > thresholds.warn:
        flag = "warn"
    elif decided_year > 0 and ratio < thresholds.under and elapsed_days / total_days >= thresholds.under_min_elapsed:
        flag = "under"
    else:
        flag = "ok"
    return Projection(
        decided=decided_year,
        used=used_to_date,
        planned=planned_rest,
        balance=decided_year - used_to_date,
        projected_used=projected,
        projected_balance=decided_year - projected,
        ratio=ratio,
        flag=flag,
    )


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """`[first day of the month, first day of the next month)`."""
    first = date(year, month, 1)
    return first, first + relativedelta(months=1)


def week_bounds(d: date, week_start_weekday: int = 0) -> tuple[date, date]:
    """`[first day, first day of the next week)` of the week holding `d` (0 = Monday, ISO)."""
    if not 0 <= week_start_weekday <= 6:
        raise Invalid(N_("the week must start on a day from 0 (Monday) to 6 (Sunday)"))
    start = d - timedelta(days=(d.weekday() - week_start_weekday) % 7)
    return start, start + timedelta(days=7)
