"""The clock rules of one assistant's schedule: overlaps, daily and weekly rest, the normal day
and week (extended by passive time), 13 h per 24 h, long shifts, night work, Sweden's averages and
yearly overtime. Each takes a `_Schedule` (worktime_schedule) and returns its violations; the
engine (`rules.worktime.check_assistant`) picks them by country. The rest of chapter 10
(overtime, Sundays, breaks) is in `worktime_ch10`.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from bpa_provider.i18n import N_, Figure, LocalTime, Msg
from bpa_provider.rules.worktime_schedule import (
    _DAY_US,
    _HOUR_US,
    _WEEK_US,
    _ceil1,
    _floor1,
    _fmt_local,
    _from_us,
    _g,
    _h,
    _hours_us,
    _message,
    _Schedule,
    _WindowReporter,
)
from bpa_provider.rules.worktime_types import Violation, _zone

# ---------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------


def _shift_words(sched: _Schedule, k: int) -> Msg:
    """A shift as people know it: its client, day and time ("K-0001 02.03.2026 08:00–16:00")."""
    f = sched.facts[k]
    words = "{client} {start}–{end}" if f.client_ref else "{start}–{end}"
    end = _from_us(sched.ends[k]).astimezone(_zone(f.tz))
    return Msg(words, client=f.client_ref, start=_fmt_local(sched.starts[k], f.tz), end=f"{end:%H:%M}")


def _overlaps(sched: _Schedule) -> list[Violation]:
    out: list[Violation] = []
    active: list[int] = []
    for k, s in enumerate(sched.starts):
        active = [g for g in active if sched.ends[g] > s]
        for g in active:
            both = sched.ids((g, k))
            overlap = min(sched.ends[g], sched.ends[k]) - s
            out.append(
                _message(
                    "NO-OVERLAP",
                    sched.rules,
                    both,
                    N_("the shifts {first} and {second} overlap by {hours} h"),
                    {"first": _shift_words(sched, g), "second": _shift_words(sched, k), "hours": _ceil1(overlap)},
                    {"overlap_hours": _h(overlap)},
                    not_payable=False,
                )
            )
        active.append(k)
    return out


def _daily(sched: _Schedule, rest_id: str, hour_limits: bool) -> list[Violation]:
    """Every 24 h from the start of a work period (the later windows only see
    less work and more rest, so these windows are the worst ones)."""
    r = sched.rules
    need = _hours_us(r.daily_rest_hours)
    normal_day = _hours_us(r.normal_day_hours)
    extension = _hours_us(r.passive_extension_day_hours)
    total_limit = _hours_us(r.total_24h_hours)
    timeline, passive_line = sched.work, sched.passive
    rest_rep, day_rep, total_rep = _WindowReporter(), _WindowReporter(), _WindowReporter()
    for s in timeline.starts:
        e = s + _DAY_US
        # The window's shifts are listed and its start worded only for a window that breaks a
        # rule (most do not).
        rest = timeline.max_rest(s, e)
        if rest < need and rest_rep.wants(idx := sched.shifts_in(s, e)):
            rest_rep.add(
                idx,
                _message(
                    rest_id,
                    r,
                    sched.ids(idx),
                    N_("{rest} h rest, needs {need} h (the 24 h from {start})"),
                    {"rest": _floor1(rest), "need": _g(r.daily_rest_hours), "start": _fmt_local(s, sched.tz)},
                    {"rest_hours": _h(rest), "required_hours": r.daily_rest_hours},
                ),
            )
        if not hour_limits:
            continue
        work = timeline.work(s, e)
        passive = passive_line.work(s, e)
        extra = min(passive / 2, extension)
        limit = normal_day + int(extra)
        if work > limit and day_rep.wants(idx := sched.shifts_in(s, e)):
            numbers = {"work_hours": _h(work), "limit_hours": _h(limit), "passive_hours": _h(passive)}
            if passive:
                # § 10-4 (2) set this limit: name it, so the planner sees why it is not 9 h.
                day_rep.add(
                    idx,
                    _message(
                        "NO-PASSIVE",
                        r,
                        sched.ids(idx),
                        N_(
                            "{work} h work in the 24 h from {start} with {passive} h passive time; passive time "
                            "extends the normal {normal} h by half of it, at most {extension} h, so the limit "
                            "is {limit} h"
                        ),
                        {
                            "work": _ceil1(work),
                            "start": _fmt_local(s, sched.tz),
                            "passive": _floor1(passive),
                            "normal": _g(r.normal_day_hours),
                            "extension": _g(r.passive_extension_day_hours),
                            "limit": _g(round(limit / _HOUR_US, 4)),
                        },
                        numbers,
                    ),
                )
            else:
                day_rep.add(
                    idx,
                    _message(
                        "NO-NORMAL-DAY",
                        r,
                        sched.ids(idx),
                        N_("{work} h work in the 24 h from {start}, normal limit {limit} h"),
                        {
                            "work": _ceil1(work),
                            "start": _fmt_local(s, sched.tz),
                            "limit": _g(round(limit / _HOUR_US, 4)),
                        },
                        numbers,
                    ),
                )
        if work > total_limit and total_rep.wants(idx := sched.shifts_in(s, e)):
            total_rep.add(
                idx,
                _message(
                    "NO-TOTAL-24H",
                    r,
                    sched.ids(idx),
                    N_("{work} h work in the 24 h from {start}, limit {limit} h"),
                    {"work": _ceil1(work), "start": _fmt_local(s, sched.tz), "limit": _g(r.total_24h_hours)},
                    {"work_hours": _h(work), "limit_hours": r.total_24h_hours},
                ),
            )
    return rest_rep.out + day_rep.out + total_rep.out


def _weekly(sched: _Schedule, weeks: list[date], rest_id: str, hour_limits: bool) -> list[Violation]:
    r = sched.rules
    need = _hours_us(r.weekly_rest_hours)
    out: list[Violation] = []
    for d in weeks:
        # Week ends from local dates, so a DST week is 167 h or 169 h long.
        a, b = sched.midnight_us(d), sched.midnight_us(d + timedelta(days=7))
        idx = sched.shifts_in(a, b)
        rest = sched.work.max_rest(a, b)
        if rest < need:
            out.append(
                _message(
                    rest_id,
                    r,
                    sched.ids(idx),
                    N_("{rest} h continuous rest, needs {need} h (the week from {week})"),
                    {"rest": _floor1(rest), "need": _g(r.weekly_rest_hours), "week": LocalTime(d.isoformat())},
                    {"rest_hours": _h(rest), "required_hours": r.weekly_rest_hours},
                )
            )
        if not hour_limits:
            continue
        work = sched.work.work(a, b)
        passive = sched.passive.work(a, b)
        normal = _hours_us(r.normal_week_hours)
        extended = normal + int(min(passive / 2, _hours_us(r.passive_extension_week_hours)))
        limit = min(extended, max(normal, _hours_us(r.passive_week_cap_hours)))
        if work > limit:
            numbers = {"work_hours": _h(work), "limit_hours": _h(limit), "passive_hours": _h(passive)}
            if passive:
                out.append(
                    _message(
                        "NO-PASSIVE",
                        r,
                        sched.ids(idx),
                        N_(
                            "{work} h work in the week from {week} with {passive} h passive time; passive time "
                            "extends the normal {normal} h by half of it, at most {extension} h and never beyond "
                            "{cap} h, so the limit is {limit} h"
                        ),
                        {
                            "work": _ceil1(work),
                            "week": LocalTime(d.isoformat()),
                            "passive": _floor1(passive),
                            "normal": _g(r.normal_week_hours),
                            "extension": _g(r.passive_extension_week_hours),
                            "cap": _g(r.passive_week_cap_hours),
                            "limit": _g(round(limit / _HOUR_US, 4)),
                        },
                        numbers,
                    )
                )
            else:
                out.append(
                    _message(
                        "NO-NORMAL-WEEK",
                        r,
                        sched.ids(idx),
                        N_("{work} h work in the week from {week}, normal limit {limit} h"),
                        {
                            "work": _ceil1(work),
                            "week": LocalTime(d.isoformat()),
                            "limit": _g(round(limit / _HOUR_US, 4)),
                        },
                        numbers,
                    )
                )
    return out


def _long_shifts(sched: _Schedule) -> list[Violation]:
    r = sched.rules
    limit = _hours_us(r.long_shift_hours)
    out = []
    for k, f in enumerate(sched.facts):
        length = sched.ends[k] - sched.starts[k]
        if length > limit and not (f.legal_basis or "").strip():
            out.append(
                _message(
                    "NO-LONG-SHIFT",
                    r,
                    (f.id,),
                    N_("{hours} h shift, over {limit} h without a recorded legal basis"),
                    {"hours": _ceil1(length), "limit": _g(r.long_shift_hours)},
                    {"shift_hours": _h(length), "limit_hours": r.long_shift_hours},
                )
            )
    return out


def _night(sched: _Schedule, weeks: list[date]) -> list[Violation]:
    """§ 10-11 (6): a night worker's working time averages at most 8 h per
    24 h over 4 weeks, leaving the minimum weekly rest out of the period."""
    r = sched.rules
    n = r.night_avg_weeks
    min_night = _hours_us(r.night_worker_min_hours)
    rep = _WindowReporter()
    for d in weeks:  # windows from a week with work dominate those before it
        a, b = sched.midnight_us(d), sched.midnight_us(d + timedelta(days=7 * n))
        days = (b - a - n * _hours_us(r.weekly_rest_hours)) / _DAY_US
        work = sched.work.work(a, b)
        if days <= 0 or work <= r.night_hours_per_24h * days * _HOUR_US:
            continue
        idx = sched.shifts_in(a, b)
        if not any(sched.night_us(k) > min_night for k in idx) or not rep.wants(idx):
            continue
        avg = work / days / _HOUR_US
        rep.add(
            idx,
            _message(
                "NO-NIGHT",
                r,
                sched.ids(idx),
                N_("night worker averages {avg} h per 24 h over the {weeks} weeks from {week}, limit {limit} h"),
                {
                    "avg": Figure(f"{math.ceil(avg * 10) / 10:.1f}"),
                    "weeks": n,
                    "week": LocalTime(d.isoformat()),
                    "limit": _g(r.night_hours_per_24h),
                },
                {
                    "avg_hours_per_24h": round(avg, 4),
                    "limit_hours": r.night_hours_per_24h,
                    "work_hours": _h(work),
                    "weeks": n,
                },
            ),
        )
    return rep.out


def _average(
    sched: _Schedule,
    rule_id: str,
    starts: list[date],
    step: relativedelta | timedelta,
    limit_week_hours: float,
    period: Msg,
    numbers: dict[str, Any],
) -> list[Violation]:
    """Average hours per week over [start, start + step) for each start."""
    r = sched.rules
    rep = _WindowReporter()
    for d in starts:
        a, b = sched.midnight_us(d), sched.midnight_us(d + step)
        work = sched.work.work(a, b)
        weeks = (b - a) / _WEEK_US
        if work <= limit_week_hours * weeks * _HOUR_US:
            continue
        idx = sched.shifts_in(a, b)
        if not rep.wants(idx):
            continue
        avg = work / weeks / _HOUR_US
        rep.add(
            idx,
            _message(
                rule_id,
                r,
                sched.ids(idx),
                N_("{avg} h/week on average over {period} from {start}, limit {limit} h"),
                {
                    "avg": Figure(f"{math.ceil(avg * 10) / 10:.1f}"),
                    "period": period,
                    "start": LocalTime(d.isoformat()),
                    "limit": _g(limit_week_hours),
                },
                {"avg_week_hours": round(avg, 4), "limit_hours": limit_week_hours, "work_hours": _h(work), **numbers},
            ),
        )
    return rep.out


def _overtime(sched: _Schedule, weeks: list[date]) -> list[Violation]:
    """Arbetstidslagen § 8: hours above the normal week, per calendar year.

    A week straddling New Year counts in the year holding most of its days
    (the ISO-week rule, for any week start).  The shifts reported are those
    of the overtime weeks from the one where the yearly limit is passed: their
    hours are the ones Försäkringskassan will not pay.
    """
    r = sched.rules
    assert r.overtime_year_hours is not None
    normal = _hours_us(r.normal_week_hours)
    limit = _hours_us(r.overtime_year_hours)
    per_year: dict[int, list[tuple[date, int]]] = {}
    for d in weeks:
        a, b = sched.midnight_us(d), sched.midnight_us(d + timedelta(days=7))
        over = sched.work.work(a, b) - normal
        if over > 0:
            per_year.setdefault((d + timedelta(days=3)).year, []).append((d, over))
    out = []
    for year, rows in sorted(per_year.items()):
        total = sum(o for _, o in rows)
        if total <= limit:
            continue
        running, crossed, idx = 0, False, set[int]()
        for d, over in rows:
            running += over
            crossed = crossed or running > limit
            if crossed:
                a, b = sched.midnight_us(d), sched.midnight_us(d + timedelta(days=7))
                idx.update(sched.shifts_in(a, b))
        out.append(
            _message(
                "SE-OVERTIME",
                r,
                sched.ids(sorted(idx)),
                N_("{hours} h overtime in {year}, limit {limit} h"),
                {"hours": _ceil1(total), "year": str(year), "limit": _g(r.overtime_year_hours)},
                {
                    "overtime_hours": _h(total),
                    "limit_hours": r.overtime_year_hours,
                    "excess_hours": _h(total - limit),
                    "year": year,
                },
            )
        )
    return out
