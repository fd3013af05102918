"""The rest of arbeidsmiljøloven chapter 10 and Sweden's counterparts: overtime, Sunday and
holiday work, breaks.

Pure functions over the schedule `rules.worktime_schedule` builds (`_Schedule`: integer microseconds
since the epoch, UTC, local time only for boundaries); `worktime.check_assistant` calls
`check_more`. Passive time (§ 10-4 (2), NO-PASSIVE) lives beside the normal-day and
normal-week limits it extends, in `rules.worktime_clock`.

How each rule is measured (the readings are documented in docs/rosters.md):
- NO-OVERTIME (§ 10-6): a calendar week's overtime is the larger of (a) the week's work beyond
  the normal week and (b) the sum over its local calendar days of each day's work beyond the
  normal day, both limits extended by passive time as § 10-4 (2) allows. A week with overtime is
  reported when its overtime, or the overtime of the 4 or 52 calendar weeks ending with it,
  exceeds the limit. Adding work never lowers a week's overtime, so adding a shift never removes
  a violation.
- NO-SUNDAY (§§ 10-8 (4), 10-10): a Sunday or public holiday — consecutive ones taken together
  (Easter Sunday and Monday, Christmas Day and Boxing Day) — is worked when work touches 18:00 the
  day before to 22:00 on its last day. Worked twice in a row is reported on the second; with an
  averaging agreement, instead, a worked one is reported when fewer than one in
  `sunday_off_every` of the Sundays/holidays in the `sunday_average_weeks` weeks ending with it
  were off.
- NO-BREAK (§ 10-9) / SE-BREAK (Arbetstidslagen § 15): only when breaks are *not* taken inside
  the shift (`RuleSet.breaks_in_shift` False): a break is then time off between two work
  periods, and a working day is work with less than the daily rest between its periods.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Sequence
from datetime import date, timedelta
from functools import lru_cache

from bpa_provider.i18n import N_, LocalTime
from bpa_provider.rules.worktime_schedule import (
    _HOUR_US,
    _ceil1,
    _fmt_local,
    _g,
    _hours_us,
    _local_date,
    _local_us,
    _message,
    _prepare,
    _Schedule,
)
from bpa_provider.rules.worktime_types import RuleSet, ShiftFact, Violation

__all__ = ["check_more", "needs_history", "overtime_hours_by_week"]

_MINUTE_US = 60_000_000
_ONE_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)


# --------------------------------------------------------------------------- overtime


def _week_overtime(sched: _Schedule, d: date) -> int:
    """Overtime (µs) in the local calendar week from `d`.

    Passive time only raises a limit, so it is looked at only where the plain limit is passed
    (most weeks and days are under it: a month's report checks every assistant's weeks)."""
    r = sched.rules
    day_normal = _hours_us(r.normal_day_hours)
    a, b = sched.midnight_us(d), sched.midnight_us(d + timedelta(days=7))
    work = sched.work.work(a, b)
    if work <= day_normal:
        return 0  # no day and no week can be over
    week_over = 0
    normal = _hours_us(r.normal_week_hours)
    if work > normal:
        passive = sched.passive.work(a, b)
        extended = normal + int(min(passive / 2, _hours_us(r.passive_extension_week_hours)))
        week_over = work - min(extended, max(normal, _hours_us(r.passive_week_cap_hours)))
    by_days = 0
    starts, ends = sched.work.starts, sched.work.ends
    first, last = bisect_right(ends, a), bisect_left(starts, b)
    if last - first == 1 and min(ends[first], b) - max(starts[first], a) <= day_normal:
        return max(week_over, 0)  # one work period in the week, no longer than a normal day
    da = a
    # A day that no work period overlaps has no work: skipped, while the days run forward (a
    # local day of any zone does) and no limit is below zero. `k`: the first period not yet over.
    k, skipping = first, day_normal >= 0
    for n in range(1, 8):
        db = sched.midnight_us(d + timedelta(days=n))
        skipping = skipping and db > da
        while skipping and k < last and ends[k] <= da:
            k += 1
        if not skipping:
            day_work = sched.work.work(da, db)
        elif not (k < last and starts[k] < db):
            da = db
            continue
        elif k + 1 < last and starts[k + 1] < db:
            day_work = sched.work.work(da, db)
        else:  # one period overlaps the day: its part of it is the day's work
            day_work = min(ends[k], db) - max(starts[k], da)
        if day_work > day_normal:
            day_passive = sched.passive.work(da, db)
            by_days += max(
                0, day_work - day_normal - int(min(day_passive / 2, _hours_us(r.passive_extension_day_hours)))
            )
        da = db
    return max(week_over, by_days, 0)


def _overtime_weeks(sched: _Schedule, weeks: list[date]) -> dict[date, int]:
    return {d: o for d in weeks if (o := _week_overtime(sched, d)) > 0}


def _overtime(sched: _Schedule, weeks: list[date]) -> list[Violation]:
    r = sched.rules
    over = _overtime_weeks(sched, weeks)
    limits = (
        (1, r.overtime_week_hours, N_("{overtime} h overtime in the week from {first}, limit {limit} h per 7 days")),
        (
            4,
            r.overtime_4weeks_hours,
            N_(
                "{overtime} h overtime in the 4 weeks from {first} (this week "
                "{week_overtime} h), limit {limit} h per 4 weeks"
            ),
        ),
        (
            52,
            r.overtime_52weeks_hours,
            N_(
                "{overtime} h overtime in the 52 weeks from {first} (this "
                "week {week_overtime} h), limit {limit} h per 52 weeks"
            ),
        ),
    )
    out = []
    for d in sorted(over):
        for n, limit, template in limits:
            if limit is None:
                continue
            total = sum(over.get(d - timedelta(days=7 * k), 0) for k in range(n))
            if total <= _hours_us(limit):
                continue
            a, b = sched.midnight_us(d), sched.midnight_us(d + timedelta(days=7))
            first = d - timedelta(days=7 * (n - 1))
            # One violation a week, for the shortest period over its limit.
            out.append(
                _message(
                    "NO-OVERTIME",
                    r,
                    sched.ids(sched.shifts_in(a, b)),
                    template,
                    {
                        "overtime": _ceil1(total),
                        "first": LocalTime(first.isoformat()),
                        "week_overtime": _ceil1(over[d]),
                        "limit": _g(limit),
                    },
                    {
                        "overtime_hours": round(total / _HOUR_US, 4),
                        "limit_hours": limit,
                        "weeks": n,
                        "week_overtime_hours": round(over[d] / _HOUR_US, 4),
                    },
                )
            )
            break
    return out


def overtime_hours_by_week(shifts: Sequence[ShiftFact], rules: RuleSet) -> dict[date, float]:
    """Overtime hours per local calendar week (its first day), as NO-OVERTIME counts them:
    weeks without overtime are left out. For payroll's overtime wage type."""
    if not shifts:
        return {}
    sched = _Schedule(_prepare(shifts, "assistant_id"), rules)
    return {d: round(o / _HOUR_US, 4) for d, o in _overtime_weeks(sched, sched.work_weeks()).items()}


# --------------------------------------------------------------------------- Sundays and holidays


def _sunday_units(sched: _Schedule, holidays: Collection[date], back_days: int) -> list[tuple[date, date]]:
    """Runs of consecutive Sundays/holidays (first, last) around the schedule, in order."""
    first = _local_date(sched.work.starts[0], sched.tz) - timedelta(days=back_days)
    last = _local_date(sched.work.ends[-1], sched.tz) + timedelta(days=1)
    return list(_day_runs(first, last, holidays if isinstance(holidays, frozenset) else frozenset(holidays)))


@lru_cache(maxsize=256)
def _day_runs(first: date, last: date, holidays: frozenset[date]) -> tuple[tuple[date, date], ...]:
    """The runs of consecutive Sundays and holidays in [first, last]: every Sunday (a step of 7
    days from the first) and every holiday in the span, in order. Assistants of one import share
    spans, so each is worked out once."""
    days = {h for h in holidays if type(h) is date and first <= h <= last}
    d = first + timedelta(days=(6 - first.weekday()) % 7)
    while d <= last:
        days.add(d)
        d += _WEEK
    units: list[tuple[date, date]] = []
    for d in sorted(days):
        if units and units[-1][1] == d - _ONE_DAY:
            units[-1] = (units[-1][0], d)
        else:
            units.append((d, d))
    return tuple(units)


def _sundays(sched: _Schedule, holidays: Collection[date]) -> list[Violation]:
    r = sched.rules
    avg = r.sunday_average_weeks
    units = _sunday_units(sched, holidays, 7 * avg if avg else 7)
    windows = [
        (_local_us(first - timedelta(days=1), r.sunday_eve_from, sched.tz), _local_us(last, r.sunday_until, sched.tz))
        for first, last in units
    ]
    worked = [sched.work.work(a, b) > 0 for a, b in windows]
    out = []
    for i, (f, _l) in enumerate(units):
        if not worked[i]:
            continue
        here = sched.shifts_in(*windows[i])
        if avg is None:
            if i and worked[i - 1]:
                both = sorted(set(sched.shifts_in(*windows[i - 1])) | set(here))
                out.append(
                    _message(
                        "NO-SUNDAY",
                        r,
                        sched.ids(both),
                        N_(
                            "work on the Sunday/holiday {day} after work on the one before ({previous}); after "
                            "Sunday or holiday work the next Sunday or holiday must be off"
                        ),
                        {"day": LocalTime(f.isoformat()), "previous": LocalTime(units[i - 1][0].isoformat())},
                        {"day": f.isoformat(), "previous": units[i - 1][0].isoformat()},
                    )
                )
            continue
        since = f - timedelta(days=7 * avg)
        period = [k for k in range(i + 1) if units[k][0] > since]
        off = sum(1 for k in period if not worked[k])
        if off * r.sunday_off_every < len(period):
            out.append(
                _message(
                    "NO-SUNDAY",
                    r,
                    sched.ids(here),
                    N_(
                        "{off} of {count} Sundays/holidays off in the {weeks} weeks up to {day}; the agreement "
                        "needs at least one in {every} off"
                    ),
                    {
                        "off": off,
                        "count": len(period),
                        "weeks": avg,
                        "day": LocalTime(f.isoformat()),
                        "every": r.sunday_off_every,
                    },
                    {"off": off, "count": len(period), "weeks": avg, "every": r.sunday_off_every},
                )
            )
    return out


# --------------------------------------------------------------------------- breaks


def _breaks_no(sched: _Schedule) -> list[Violation]:
    """§ 10-9 (1): a break when the working day exceeds 5.5 h, 30 min in total from 8 h."""
    r = sched.rules
    rest = _hours_us(r.daily_rest_hours)
    starts, ends = sched.work.starts, sched.work.ends
    out = []
    k = 0
    while k < len(starts):
        j = k
        while j + 1 < len(starts) and starts[j + 1] - ends[j] < rest:
            j += 1
        work = sum(ends[m] - starts[m] for m in range(k, j + 1))
        gaps = sum(starts[m + 1] - ends[m] for m in range(k, j))
        idx = sched.shifts_in(starts[k], ends[j])
        params = {"work": _ceil1(work), "start": _fmt_local(starts[k], sched.tz)}
        numbers = {"work_hours": round(work / _HOUR_US, 4), "break_minutes": round(gaps / _MINUTE_US, 2)}
        if work > _hours_us(r.break_after_hours) and j == k:
            out.append(
                _message(
                    "NO-BREAK",
                    r,
                    sched.ids(idx),
                    N_("a working day of {work} h from {start} without a break; a day over {limit} h needs one"),
                    {**params, "limit": _g(r.break_after_hours)},
                    numbers,
                )
            )
        elif work >= _hours_us(r.break_total_from_hours) and gaps < round(r.break_total_minutes * _MINUTE_US):
            out.append(
                _message(
                    "NO-BREAK",
                    r,
                    sched.ids(idx),
                    N_(
                        "a working day of {work} h from {start} with {minutes} min of breaks; from {from_hours} h "
                        "the breaks must total {needed} min"
                    ),
                    {
                        **params,
                        "minutes": f"{gaps // _MINUTE_US}",
                        "from_hours": _g(r.break_total_from_hours),
                        "needed": _g(r.break_total_minutes),
                    },
                    numbers,
                )
            )
        k = j + 1
    return out


def _breaks_se(sched: _Schedule) -> list[Violation]:
    """Arbetstidslagen § 15: no more than five hours of work in a row without a break."""
    r = sched.rules
    limit = _hours_us(r.se_break_after_hours)
    out = []
    for a, b in zip(sched.work.starts, sched.work.ends):
        if b - a > limit:
            out.append(
                _message(
                    "SE-BREAK",
                    r,
                    sched.ids(sched.shifts_in(a, b)),
                    N_("{work} h of work in a row from {start}; a break is due after at most {limit} h"),
                    {"work": _ceil1(b - a), "start": _fmt_local(a, sched.tz), "limit": _g(r.se_break_after_hours)},
                    {"work_hours": round((b - a) / _HOUR_US, 4), "limit_hours": r.se_break_after_hours},
                    not_payable=False,
                )
            )  # a missed break does not make the hours unpaid
    return out


# --------------------------------------------------------------------------- entry points


def check_more(sched: _Schedule, weeks: list[date], holidays: Collection[date]) -> list[Violation]:
    """The rules of this module for one assistant's schedule (unsorted)."""
    r = sched.rules
    if r.country == "NO":
        out = _overtime(sched, weeks) + _sundays(sched, holidays)
        if not r.breaks_in_shift:
            out += _breaks_no(sched)
        return out
    return [] if r.breaks_in_shift else _breaks_se(sched)


def needs_history(shifts: Sequence[ShiftFact], rules: RuleSet, holidays: Collection[date] = frozenset()) -> int:
    """Days of earlier shifts the rules need beyond a week for these shifts: overtime weeks look
    back 52 weeks (Sweden's yearly overtime to the start of the year), Sunday/holiday work under
    an averaging agreement 26; 0 when nothing looks back."""
    if not shifts:
        return 0
    sched = _Schedule(_prepare(shifts, "assistant_id"), rules)
    if rules.country != "NO":
        normal = _hours_us(rules.normal_week_hours)
        over = rules.overtime_year_hours is not None and any(
            sched.work.work(sched.midnight_us(d), sched.midnight_us(d + timedelta(days=7))) > normal
            for d in sched.work_weeks()
        )
        return 7 * 53 if over else 0
    days = 0
    if rules.sunday_average_weeks and any(
        sched.work.work(
            _local_us(first - timedelta(days=1), rules.sunday_eve_from, sched.tz),
            _local_us(last, rules.sunday_until, sched.tz),
        )
        > 0
        for first, last in _sunday_units(sched, holidays, 0)
    ):
        days = 7 * rules.sunday_average_weeks
    longest = 52 if rules.overtime_52weeks_hours is not None else 4 if rules.overtime_4weeks_hours is not None else 1
    if longest > 1 and any(_week_overtime(sched, d) > 0 for d in sched.work_weeks()):
        days = max(days, 7 * longest)
    return days if days > 7 else 0
