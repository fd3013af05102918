"""The parts of hour accounting that are arithmetic on decisions: a decision clipped to the
client's time with the provider, decided hours of a period, and the year-end projection
(services/hours.py reads the rows and sums; this module counts with them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bpa_provider.config import Policy, load_settings
from bpa_provider.rules import hours as rules
from bpa_provider.rules.dates import to_local
from bpa_provider.services.hour_sums import Sums, Window


@dataclass(frozen=True)
class Grant:
    """The part of a decision that falls while the client is with us."""

    hours: float
    hours_unit: str
    valid_from: date
    valid_to: date | None


def served(decisions: list[Any], start: date | None, end: date | None) -> list[Grant]:
    """Clip decisions to the client's time with us: a client taken over mid-period brings the
    earlier part as an opening balance entry, so those days' hours must not count twice."""
    out = []
    for d in decisions:
        lo = max(d.valid_from, start) if start else d.valid_from
        hi = d.valid_to if end is None else (end if d.valid_to is None else min(d.valid_to, end))
        if hi is None or hi >= lo:
            out.append(Grant(d.hours, d.hours_unit, lo, hi))
    return out


def decided_hours(decisions: list[Grant], first: date, last_exclusive: date) -> float:
    return sum(
        rules.decided_hours(d.hours, d.hours_unit, d.valid_from, d.valid_to, first, last_exclusive) for d in decisions
    )


# --------------------------------------------------------------------------- projection


def thresholds(policy: Policy | None) -> rules.UsageThresholds:
    policy = policy or load_settings().policy
    return rules.UsageThresholds(warn=policy.usage_warn, alert=policy.usage_alert, under=policy.usage_under)


def year_bounds(year: int) -> tuple[date, date]:
    """The calendar year as `[first, next)`, the way `rules.month_bounds` gives a month."""
    return date(year, 1, 1), date(year + 1, 1, 1)


def year_windows(year: int, as_of: date) -> list[Window]:
    """The calendar year up to and including `as_of`, and the whole year."""
    first, nxt = year_bounds(year)
    cut = min(max(as_of + timedelta(days=1), first), nxt)
    return [Window("ytd", first, cut), Window("year", first, nxt)]


def project(
    year: int,
    as_of: date,
    decisions: list[Grant],
    adjustments: float,
    sums: Sums | None,
    tz: str,
    thresholds: rules.UsageThresholds,
) -> rules.Projection:
    """The year-end projection of one client, from the "ytd" and "year" window sums."""
    y_first, y_next = year_bounds(year)
    # The period is the part of the year the decisions cover (a client who started in September
    # is not measured against January's pace); without a decision, the whole year.
    if decisions:
        p_first = max(y_first, min(d.valid_from for d in decisions))
        ends = [y_next if d.valid_to is None else d.valid_to + timedelta(days=1) for d in decisions]
        p_next = min(y_next, max(ends))
    else:
        p_first, p_next = y_first, y_next
    total = max((p_next - p_first).days, 1)
    elapsed = min(max((as_of - p_first).days + 1, 0), total)
    decided = decided_hours(decisions, y_first, y_next) + adjustments
    used = sums.worked["ytd"] if sums else 0.0
    # Everything planned in the year and not worked by the cut still comes (later today, pending
    # deviations, the rest of the year).
    planned_rest = max(sums.planned["year"] - sums.worked["ytd"], 0.0) if sums else 0.0
    planned_days = 0
    if sums and sums.last_end is not None:
        last_day = to_local(sums.last_end, tz).date()
        planned_days = max(0, min((last_day - as_of).days, total - elapsed))
    return rules.project_year_end(decided, used, planned_rest, elapsed, total, thresholds, planned_days=planned_days)
