"""Payroll categories: how the hours of a shift divide into supplement categories, and the
public holidays they depend on.

Two independent axes, because the BPA tariffs pay their supplements side by side (a Saturday
evening earns both the weekend and the evening supplement):
- the kind of day, which divides the active hours exactly:
  `ordinary` (a weekday that is not a holiday) + `weekend` + `holiday` = active hours;
  a public holiday counts as `holiday`, never as `weekend`, even on a Saturday or Sunday;
- the local clock, which counts supplement hours on any kind of day: `evening` and `night`.
So `ordinary` is "hours on an ordinary day", not "hours without any supplement": a weekday
17-20 shift is 3 h ordinary and 3 h evening. Summing all keys double counts by design.

Passive time (the Virke-Fagforbundet BPA agreement): a passive shift is paid as 20 minutes per
hour, unless the active time in it reaches one third of the shift, when the whole shift is
active. Every length is real elapsed time (a DST night is 9 h or 11 h); every clock rule uses the
client's local time. All numbers are `PayRules` defaults, configured per tariff.
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bpa_provider.rules.hours import shift_hours

if TYPE_CHECKING:  # the working-time rules are imported where overtime is first counted
    from bpa_provider.rules.worktime import RuleSet, ShiftFact

__all__ = ["PAY_KEYS", "PayRules", "overtime_by_shift", "public_holidays", "split_pay"]

PAY_KEYS: tuple[str, ...] = (
    "ordinary",
    "evening",
    "night",
    "weekend",
    "holiday",
    "passive",
    "passive_paid",
)
_SECONDS_PER_HOUR = 3600.0
_SECONDS_PER_DAY = 86400
# Float slack when comparing the active share with one third (3.0 h of a 9 h shift must count).
_EPSILON = 1e-9


@dataclass(frozen=True)
class PayRules:
    """When supplements apply, on the local clock, and how passive time is paid.

    `weekend_from`/`weekend_until` are (weekday, time) with 0 = Monday; the weekend is the
    half-open interval between them, wrapping over the week: Saturday 00:00 to Monday 00:00
    (= Sunday 24:00). Evening is `[evening_start, night_start)`, night `[night_start,
    night_end)` wrapping over midnight; equal ends make a window empty.
    """

    evening_start: time = time(17)
    night_start: time = time(21)
    night_end: time = time(6)
    weekend_from: tuple[int, time] = (5, time(0))
    weekend_until: tuple[int, time] = (0, time(0))
    passive_paid_minutes_per_hour: float = 20
    active_share_all_active: float = 1 / 3


@lru_cache(maxsize=128)
def _holidays_for(
    country: str, year: int, language: str | None, categories: tuple[str, ...]
) -> tuple[tuple[date, str], ...]:
    # Imported here, when a holiday is first asked for (in a worker, for the screens): the
    # package takes ~50 ms to import, which opening the rosters area paid on the UI thread.
    import holidays as _holidays

    # A tuple, so the cached value cannot be changed by a caller.
    table = _holidays.country_holidays(country, years=year, language=language, categories=categories)
    return tuple(sorted(table.items()))


def public_holidays(
    country: str,
    years: Iterable[int],
    *,
    language: str | None = None,
    categories: tuple[str, ...] = ("public",),
) -> dict[date, str]:
    """Public holidays of `country` ("NO" or "SE") in the given years, from `holidays`.

    Sundays are not included (they are weekend hours, not holiday hours), nor Swedish de facto
    holidays such as Midsommarafton unless `categories` asks for them. Cached per country and
    year; a new dict is returned on each call.
    """
    code = country.strip().upper()
    result: dict[date, str] = {}
    for year in sorted(set(years)):
        result.update(_holidays_for(code, year, language, tuple(categories)))
    return result


def _utc(instant: datetime) -> datetime:
    # Naive means UTC, as everywhere in rules (SQLite returns stored UTC times without tzinfo).
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def _in_clock_window(clock: time, start: time, end: time) -> bool:
    if start < end:
        return start <= clock < end
    if start > end:  # wraps over midnight
        return clock >= start or clock < end
    return False


def _second_of_week(weekday: int, clock: time) -> int:
    return weekday * _SECONDS_PER_DAY + clock.hour * 3600 + clock.minute * 60 + clock.second


def _in_weekend(wall: datetime, rules: PayRules) -> bool:
    here = _second_of_week(wall.weekday(), wall.time())
    lo = _second_of_week(*rules.weekend_from)
    hi = _second_of_week(*rules.weekend_until)
    if lo < hi:
        return lo <= here < hi
    if lo > hi:
        return here >= lo or here < hi
    return False


def _next_boundary(wall: datetime, rules: PayRules) -> datetime:
    """The first local wall time after `wall` where a category may change."""
    clocks = {
        time(0),
        rules.evening_start,
        rules.night_start,
        rules.night_end,
        rules.weekend_from[1],
        rules.weekend_until[1],
    }
    day = wall.date()
    candidates = [
        datetime.combine(d, c) for d in (day, day + timedelta(days=1)) for c in clocks if datetime.combine(d, c) > wall
    ]
    return min(candidates)


def _first_offset_change(lo: datetime, hi: datetime, zone: ZoneInfo) -> datetime:
    """The instant in (lo, hi] where the zone's UTC offset first differs from that at `lo`.

    Time zones change offset on whole seconds, so a bisection on epoch seconds finds it exactly.
    """
    offset = lo.astimezone(zone).utcoffset()

    def changed(second: int) -> bool:
        instant = datetime.fromtimestamp(second, tz=UTC)
        return instant.astimezone(zone).utcoffset() != offset

    a, b = math.floor(lo.timestamp()), math.ceil(hi.timestamp())
    while b - a > 1:  # invariant: not changed(a), changed(b)
        mid = (a + b) // 2
        if changed(mid):
            b = mid
        else:
            a = mid
    return datetime.fromtimestamp(b, tz=UTC)


def _active_categories(
    start: datetime, end: datetime, zone: ZoneInfo, holiday_dates: Container[date], rules: PayRules
) -> dict[str, float]:
    """Sweep the shift from boundary to boundary; inside a step nothing changes category."""
    out = dict.fromkeys(("ordinary", "evening", "night", "weekend", "holiday"), 0.0)
    cursor = start
    while cursor < end:
        local = cursor.astimezone(zone)
        wall = local.replace(tzinfo=None)
        # Valid while the UTC offset stays the same; a DST change inside the step ends it early.
        step_end = min(cursor + (_next_boundary(wall, rules) - wall), end)
        if (step_end - timedelta(microseconds=1)).astimezone(zone).utcoffset() != local.utcoffset():
            step_end = _first_offset_change(cursor, step_end, zone)
        hours = (step_end - cursor).total_seconds() / _SECONDS_PER_HOUR
        if wall.date() in holiday_dates:
            out["holiday"] += hours
        elif _in_weekend(wall, rules):
            out["weekend"] += hours
        else:
            out["ordinary"] += hours
        if _in_clock_window(wall.time(), rules.night_start, rules.night_end):
            out["night"] += hours
        elif _in_clock_window(wall.time(), rules.evening_start, rules.night_start):
            out["evening"] += hours
        cursor = step_end
    return out


def split_pay(
    start: datetime,
    end: datetime,
    tz: str,
    kind: str,
    holiday_dates: Container[date],
    rules: PayRules = PayRules(),
    active_hours_in_passive_shift: float = 0.0,
) -> dict[str, float]:
    """Hours of one shift per payroll category (keys in `PAY_KEYS`, all present).

    `kind` is "active" or "passive". `holiday_dates` holds local dates, e.g. from
    `public_holidays`. A passive shift stays passive (`passive` = its hours, `passive_paid` =
    hours x 20/60, the active categories 0) unless `active_hours_in_passive_shift` reaches
    one third of it; then it is split like an active shift. See the module docstring for how
    the categories overlap.
    """
    if kind not in ("active", "passive"):
        raise ValueError(f"unknown shift kind {kind!r}: expected 'active' or 'passive'")
    if active_hours_in_passive_shift < 0:
        raise ValueError("active hours in a passive shift cannot be negative")
    hours = shift_hours(start, end)
    result = dict.fromkeys(PAY_KEYS, 0.0)
    if kind == "passive":
        threshold = hours * rules.active_share_all_active
        if active_hours_in_passive_shift + _EPSILON < threshold:
            result["passive"] = hours
            result["passive_paid"] = hours * rules.passive_paid_minutes_per_hour / 60.0
            return result
    result.update(_active_categories(_utc(start), _utc(end), ZoneInfo(tz), holiday_dates, rules))
    return result


# --------------------------------------------------------------------------- overtime


def _weeks_touched(fact: ShiftFact, tz: str, week_start_weekday: int) -> set[date]:
    zone = ZoneInfo(tz)
    day = fact.start.astimezone(zone).date()
    week = day - timedelta(days=(day.weekday() - week_start_weekday) % 7)
    out = set()
    while datetime.combine(week, time(0), tzinfo=zone) < fact.end:
        out.add(week)
        week += timedelta(days=7)
    return out


def _surely_no_overtime(facts: Sequence[ShiftFact], rules: RuleSet) -> bool:
    """True when no day or week can hold overtime: every shift counted in full on each local day
    and week it touches stays within the normal day and week (passive time only raises limits).
    A bound, not the rule: False sends the shifts to the rule."""
    zone = ZoneInfo(facts[0].tz)
    per_day: dict[date, float] = {}
    per_week: dict[date, float] = {}
    for f in facts:
        hours = (f.end - f.start).total_seconds() / _SECONDS_PER_HOUR
        first = f.start.astimezone(zone).date()
        last = (f.end - timedelta(microseconds=1)).astimezone(zone).date()
        weeks = set()
        day = first
        while day <= last:
            per_day[day] = per_day.get(day, 0.0) + hours
            weeks.add(day - timedelta(days=(day.weekday() - rules.week_start_weekday) % 7))
            day += timedelta(days=1)
        for week in weeks:
            per_week[week] = per_week.get(week, 0.0) + hours
    return max(per_day.values()) <= rules.normal_day_hours and max(per_week.values()) <= rules.normal_week_hours


def overtime_by_shift(shifts: Sequence[ShiftFact], rules: RuleSet) -> dict[int, float]:
    """Overtime hours of each of one person's shifts, for payroll's overtime wage type.

    How much overtime a week holds is NO-OVERTIME's count, the one definition
    (`rules.worktime_ch10.overtime_hours_by_week`: per calendar week the larger of the work beyond
    the normal week and the sum of each day's work beyond the normal day, both limits extended by
    passive time as § 10-4 (2) allows). Which shift it belongs to: taken in time order, a shift's
    overtime is what it adds to the overtime of the weeks it touches. So the last work of a long
    day or week is the overtime, later work never changes the overtime of earlier work (a month's
    payroll does not pay again what an earlier month paid), and the shifts' overtime adds up to
    the weeks' overtime. Weeks are those of the person's first shift's time zone, as in the rules.
    """
    from bpa_provider.rules.worktime_ch10 import overtime_hours_by_week

    facts = sorted(shifts, key=lambda f: (f.start, f.end, f.id))
    out = {f.id: 0.0 for f in facts}
    if not facts or _surely_no_overtime(facts, rules):
        return out
    weeks = set(overtime_hours_by_week(facts, rules))
    if not weeks:
        return out  # the usual month: one count, nothing to share out
    tz = facts[0].tz
    # A week's overtime depends only on the work inside it: the shifts touching those weeks.
    relevant = [f for f in facts if _weeks_touched(f, tz, rules.week_start_weekday) & weeks]
    before = 0.0
    for n, f in enumerate(relevant, start=1):
        found = overtime_hours_by_week(relevant[:n], rules)
        now = sum(found.get(w, 0.0) for w in weeks)
        out[f.id] = round(now - before, 6)
        before = now
    return out
