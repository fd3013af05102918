"""Shared by the working-time rule tests (test_worktime_norway.py, test_worktime_sweden.py): the
profiles, and builders of shifts, days and weeks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bpa_provider.rules.worktime import (
    ShiftFact,
    profile,
)

OSLO = ZoneInfo("Europe/Oslo")
UTC = UTC
NO = profile("no-default")
TARIFF = profile("no-tariff")
SE = profile("se-default")
SE_DOMESTIC = profile("se-domestic")


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=OSLO)


def sh(i: int, start: datetime, end: datetime, *, assistant: int = 1, client: int = 10, **kw) -> ShiftFact:
    return ShiftFact(id=i, assistant_id=assistant, client_id=client, start=start, end=end, **kw)


def only(violations, rule_id: str):
    return [v for v in violations if v.rule_id == rule_id]


def weekdays(monday: date, days: range, start_h: int, end_h: int, first_id: int = 1, **kw) -> list[ShiftFact]:
    """One shift a day on monday + each of days, start_h-end_h local time."""
    out = []
    for n, off in enumerate(days):
        d = monday + timedelta(days=off)
        end_day = d if end_h > start_h else d + timedelta(days=1)
        out.append(
            sh(
                first_id + n,
                at(d.year, d.month, d.day, start_h),
                at(end_day.year, end_day.month, end_day.day, end_h % 24),
                **kw,
            )
        )
    return out


def week_with_saturday(monday: date, sat_start: datetime, sat_end: datetime) -> list[ShiftFact]:
    return weekdays(monday, range(5), 8, 16) + [sh(6, sat_start, sat_end)]
