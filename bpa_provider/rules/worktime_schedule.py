"""The working-time engine's measuring tools: instants as integer microseconds since the epoch
(UTC), local-time boundaries, `_Timeline` (work periods with prefix sums), `_Schedule` (one
assistant's shifts sorted once, with the indexes every rule shares) and the wording of a
violation (`_message`, `_WindowReporter`, `_sort`).

Internally every instant is an integer count of microseconds since the Unix epoch (UTC):
durations are then real elapsed time (a DST night is 9 h or 11 h) and edge cases such as
"exactly 11 h of rest" compare exactly, without float noise. Local time (calendar weeks, months,
night windows) is only used to find boundaries, which are converted straight back to UTC
instants. Shifts repeat their instants and days, so the conversions are remembered (per distinct
instant, per schedule's day).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from dateutil.relativedelta import relativedelta

from bpa_provider.i18n import Figure, LocalTime, render_message
from bpa_provider.rules.worktime_types import (
    _EPOCH,
    _ONE_US,
    _SE_LAW_OVERRIDES,
    RULE_LAWS,
    RuleSet,
    ShiftFact,
    Violation,
    _zone,
)

_HOUR_US = 3_600_000_000
_DAY_US = 24 * _HOUR_US
_WEEK_US = 7 * _DAY_US

# ---------------------------------------------------------------------------
# Time helpers (integer microseconds since the epoch, UTC)
# ---------------------------------------------------------------------------


def _to_us(dt: datetime) -> int:
    return (dt - _EPOCH) // _ONE_US


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _hours_us(hours: float) -> int:
    return round(hours * _HOUR_US)


@lru_cache(maxsize=4096)
def _local_us(d: date, t: time, tz: str) -> int:
    """The UTC instant of local wall time d t in tz (DST-aware)."""
    return _to_us(datetime.combine(d, t, tzinfo=_zone(tz)))


_MIDNIGHT = time(0)


# Shifts repeat their instants (every assistant of a client starts at 07:00, and so do other
# clients' assistants): the local date of an instant is worked out once per distinct one.
@lru_cache(maxsize=65536)
def _local_date(us: int, tz: str) -> date:
    return _from_us(us).astimezone(_zone(tz)).date()


@lru_cache(maxsize=65536)
def _week_start(us: int, tz: str, weekday: int) -> date:
    d = _local_date(us, tz)
    return d - timedelta(days=(d.weekday() - weekday) % 7)


def _fmt_local(us: int, tz: str) -> LocalTime:
    return LocalTime(f"{_from_us(us).astimezone(_zone(tz)):%Y-%m-%d %H:%M}")


def _h(us: int) -> float:
    return round(us / _HOUR_US, 4)


# Displayed numbers are rounded towards the lawful side, so a failing value
# never prints as the limit itself (10 h 59 min shows as 10.9, not 11.0).
def _floor1(us: int) -> Figure:
    return Figure(f"{math.floor(us * 10 / _HOUR_US) / 10:.1f}")


def _ceil1(us: int) -> Figure:
    return Figure(f"{math.ceil(us * 10 / _HOUR_US) / 10:.1f}")


def _g(hours: float) -> Figure:
    return Figure(f"{hours:g}")


class _Timeline:
    """Disjoint sorted work periods with prefix sums.

    Answers "seconds of work in [a, b)" in O(log n) and "longest rest in
    [a, b)" in O(log n + periods inside), which keeps every window check to
    its neighbourhood instead of scanning all shifts.
    """

    __slots__ = ("starts", "ends", "cum")

    def __init__(self, intervals: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for s, e in intervals:  # sorted by start
            if merged and s <= merged[-1][1]:
                # Touching shifts form one work period: no rest between them.
                if e > merged[-1][1]:
                    merged[-1][1] = e
            else:
                merged.append([s, e])
        self.starts = [p[0] for p in merged]
        self.ends = [p[1] for p in merged]
        self.cum = [0]
        for s, e in merged:
            self.cum.append(self.cum[-1] + e - s)

    def work(self, a: int, b: int) -> int:
        ends = self.ends
        i = bisect_right(ends, a)
        j = bisect_left(self.starts, b)
        if i >= j:
            return 0
        total = self.cum[j] - self.cum[i]
        head = a - self.starts[i]
        if head > 0:
            total -= head
        tail = ends[j - 1] - b
        if tail > 0:
            total -= tail
        return total

    def max_rest(self, a: int, b: int) -> int:
        """Longest work-free stretch inside [a, b); rest outside does not count."""
        starts, ends = self.starts, self.ends
        i = bisect_right(ends, a)
        j = bisect_left(starts, b)
        cursor, best = a, 0
        for k in range(i, j):
            gap = starts[k] - cursor
            if gap > best:
                best = gap
            if ends[k] > cursor:
                cursor = ends[k]
        last = b - cursor
        return last if last > best else best


class _Schedule:
    """One assistant's shifts, sorted once, with the indexes the rules share."""

    def __init__(self, facts: list[ShiftFact], rules: RuleSet) -> None:
        self.rules = rules
        self.facts = facts
        self.starts = [_to_us(f.start) for f in facts]
        self.ends = [_to_us(f.end) for f in facts]
        self.max_len = max(e - s for s, e in zip(self.starts, self.ends))
        self.work = _Timeline(zip(self.starts, self.ends))
        self.passive = _Timeline((s, e) for s, e, f in zip(self.starts, self.ends, facts) if f.kind == "passive")
        # (decision) Calendar weeks and months follow the time zone of the
        # assistant's first shift: one reference frame, even across clients.
        self.tz = facts[0].tz
        self._night: dict[int, int] = {}
        self._midnights: dict[date, int] = {}  # every rule asks for the same few hundred days

    def shifts_in(self, a: int, b: int) -> tuple[int, ...]:
        """Indexes of shifts overlapping [a, b), in start order."""
        starts, ends = self.starts, self.ends
        lo = bisect_left(starts, a - self.max_len)
        hi = bisect_left(starts, b)
        return tuple(k for k in range(lo, hi) if ends[k] > a)

    def ids(self, idx: Iterable[int]) -> tuple[int, ...]:
        return tuple(self.facts[k].id for k in idx)

    def midnight_us(self, d: date) -> int:
        found = self._midnights.get(d)
        if found is None:
            found = self._midnights[d] = _local_us(d, _MIDNIGHT, self.tz)
        return found

    def work_weeks(self) -> list[date]:
        """Local start dates of every calendar week holding some work."""
        wd = self.rules.week_start_weekday
        weeks: set[date] = set()
        for s, e in zip(self.work.starts, self.work.ends):
            d = _week_start(s, self.tz, wd)
            while self.midnight_us(d) < e:
                weeks.add(d)
                d += timedelta(days=7)
        return sorted(weeks)

    def work_months(self) -> list[date]:
        months: set[date] = set()
        for s, e in zip(self.work.starts, self.work.ends):
            d = _local_date(s, self.tz).replace(day=1)
            while self.midnight_us(d) < e:
                months.add(d)
                d += relativedelta(months=1)
        return sorted(months)

    def night_us(self, k: int) -> int:
        """Time of shift k inside the local night window (its client's tz)."""
        if k not in self._night:
            f, s, e = self.facts[k], self.starts[k], self.ends[k]
            ns, ne = self.rules.night_start, self.rules.night_end
            wraps = ne <= ns  # 21:00-06:00 ends on the next calendar day
            d = _local_date(s, f.tz) - timedelta(days=1)
            last = _local_date(e, f.tz)
            total = 0
            while d <= last:
                a = _local_us(d, ns, f.tz)
                b = _local_us(d + timedelta(days=1) if wraps else d, ne, f.tz)
                total += max(0, min(b, e) - max(a, s))
                d += timedelta(days=1)
            self._night[k] = total
        return self._night[k]


def _message(
    rule_id: str,
    rules: RuleSet,
    shift_ids: Sequence[int],
    template: str,
    params: dict[str, Any],
    numbers: dict[str, Any],
    not_payable: bool | None = None,
) -> Violation:
    """A violation worded as a message id (N_()) with its parameters: English in `detail`,
    the reader's language from `Violation.text()`."""
    law = RULE_LAWS[rule_id]
    if rules.country == "SE":
        law = _SE_LAW_OVERRIDES.get(rule_id, law)
    return Violation(
        rule_id=rule_id,
        law=law,
        shift_ids=tuple(shift_ids),
        detail=render_message(template, params, translate=False),
        severity=rules.severities[rule_id],
        numbers=numbers,
        # Försäkringskassan pays no hours beyond the Swedish working-time law.
        not_payable=rule_id.startswith("SE-") if not_payable is None else not_payable,
        template=template,
        params=MappingProxyType(dict(params)),
    )


class _WindowReporter:
    """Collects one rule's window violations, skipping repeats.

    Consecutive windows often fail for the same cause (the window from the
    second half of a split shift sees the same short rest); a window whose
    shifts are all in the previous reported window adds nothing, so it is
    dropped.
    """

    def __init__(self) -> None:
        self.out: list[Violation] = []
        self._last: frozenset[int] = frozenset()

    def wants(self, idx: tuple[int, ...]) -> bool:
        return bool(idx) and not frozenset(idx) <= self._last

    def add(self, idx: tuple[int, ...], v: Violation) -> None:
        self._last = frozenset(idx)
        self.out.append(v)


def _sort(violations: list[Violation], first_start: Mapping[int, datetime]) -> list[Violation]:
    return sorted(
        violations,
        key=lambda v: (min(first_start[i] for i in v.shift_ids), v.rule_id, v.shift_ids, v.detail),
    )


def _prepare(shifts: Sequence[ShiftFact], same: str) -> list[ShiftFact]:
    facts = sorted(shifts, key=lambda f: (f.start, f.end, f.id))
    if len({f.id for f in facts}) != len(facts):
        raise ValueError("shift ids must be unique")
    if len({getattr(f, same) for f in facts}) > 1:
        raise ValueError(f"all shifts must share one {same}")
    return facts
