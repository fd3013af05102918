"""The continuity measures of many clients at once, summed by the database per (client, assistant)
pair instead of per shift in Python: `report continuity` reads one row a pair (≈ 8 a client),
not every shift of the window with its two instants.

Each measure of `rules.continuity` is a set of assistants or a sum of hours, and every pair is
one assistant with one client, so a client's figures are unions and sums over its pairs:

- in the 14- or 30-day window: a shift of positive length overlapping the window's local days;
- hours: each shift's overlap with the 30-day window, in seconds (rounded to the millisecond:
  SQLite's `julianday` is exact to about 50 µs; stored instants are whole minutes);
- met before the month / before today, seen this month: the earliest start, and a start in the
  month (a local date compares as the instant of its local midnight);
- an upcoming substitute: a start from the first of the month on, the pair a substitute.

A pair's role is its assignments' role when they all have one (most pairs; no assignment: a
substitute); a pair whose role changed over time has its shifts read and each shift's local date
decides (`_from_shifts`, as the rule does it). The report equals the per-client computation of
`rules.continuity` (tests/roster/test_continuity_sets.py, both engines).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, extract, func, literal
from sqlalchemy.orm import Session
from sqlalchemy.sql import select

from bpa_provider.db.models import Shift
from bpa_provider.db.types import UTCDateTime
from bpa_provider.rules.continuity import Continuity
from bpa_provider.rules.hours import month_bounds

# The table's own columns: a Core statement, no ORM compile step on a command's first call.
_shift = Shift.__table__.c  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Bounds:
    """The instants the measures compare with, for `today` in one time zone."""

    short_lo: datetime  # local midnight 14 days back (today included)
    long_lo: datetime  # 30 days back
    end: datetime  # local midnight after today
    month_first: datetime
    month_next: datetime
    today: datetime  # local midnight of today

    @classmethod
    def of(cls, today: date, tz: str) -> Bounds:
        zone = ZoneInfo(tz)

        def midnight(day: date) -> datetime:
            return datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(UTC)

        end = today + timedelta(days=1)
        first, following = month_bounds(today.year, today.month)
        return cls(
            midnight(end - timedelta(days=14)),
            midnight(end - timedelta(days=30)),
            midnight(end),
            midnight(first),
            midnight(following),
            midnight(today),
        )


@dataclass
class Pair:
    """One assistant's figures with one client."""

    short: bool = False
    long: bool = False
    seconds: float = 0.0
    first_start: datetime | None = None
    this_month: bool = False
    upcoming: bool = False  # a start on or after the first of the month
    upcoming_substitute: bool = False  # such a start as a substitute (per shift when the role varies)


def _at(value: datetime) -> ColumnElement[Any]:
    return literal(value, UTCDateTime())


def _seconds(dialect: str) -> Callable[[Any, Any], ColumnElement[Any]]:
    """SQL for the seconds from `b` to `a` (two instants) in the engine's own arithmetic."""
    if dialect == "sqlite":
        return lambda a, b: func.round((func.julianday(a) - func.julianday(b)) * 86400.0, 3)
    return lambda a, b: extract("epoch", a - b)


def pair_rows(s: Session, where: Iterable[Any], b: Bounds) -> dict[tuple[int, int], Pair]:
    """Per (client, assistant) of the shifts matching `where`, their figures (role not applied)."""
    # A shift given end first is read in order, as the rule does; a shift of no length meets nobody.
    start = case((_shift.end_utc < _shift.start_utc, _shift.end_utc), else_=_shift.start_utc)
    end = case((_shift.end_utc < _shift.start_utc, _shift.start_utc), else_=_shift.end_utc)
    seconds = _seconds(s.get_bind().dialect.name)
    in_short = and_(end > _at(b.short_lo), start < _at(b.end))
    in_long = and_(end > _at(b.long_lo), start < _at(b.end))
    overlap = seconds(
        case((end < _at(b.end), end), else_=_at(b.end)), case((start > _at(b.long_lo), start), else_=_at(b.long_lo))
    )
    q = (
        select(
            _shift.client_id,
            _shift.assistant_id,
            func.max(case((in_short, 1), else_=0)),
            func.max(case((in_long, 1), else_=0)),
            func.sum(case((in_long, overlap), else_=0)),
            func.min(start),
            func.max(case((and_(start >= _at(b.month_first), start < _at(b.month_next)), 1), else_=0)),
            func.max(case((start >= _at(b.month_first), 1), else_=0)),
        )
        .where(*where, _shift.end_utc != _shift.start_utc)
        .group_by(_shift.client_id, _shift.assistant_id)
    )
    out: dict[tuple[int, int], Pair] = {}
    for cid, aid, short, long_, secs, first, month, upcoming in s.execute(q).all():
        if aid is None:
            continue
        if isinstance(first, str):  # in case a driver hands the aggregate back as stored text
            first = datetime.fromisoformat(first).replace(tzinfo=UTC)
        out[cid, aid] = Pair(bool(short), bool(long_), float(secs or 0), first, bool(month), bool(upcoming))
    return out


def from_shifts(
    shifts: Iterable[tuple[int, datetime, datetime]], b: Bounds, regular: Callable[[int, datetime], bool]
) -> tuple[dict[int, Pair], dict[int, float]]:
    """The same figures from a client's shifts one by one (pairs whose role changed over time):
    per assistant, and the regular seconds (`regular(aid, start)`: the role on the start's date)."""
    pairs: dict[int, Pair] = {}
    regular_seconds: dict[int, float] = {}
    for aid, a, z in shifts:
        start, end = (z, a) if z < a else (a, z)
        if start == end:
            continue
        p = pairs.setdefault(aid, Pair())
        is_regular = regular(aid, start)
        p.short |= min(end, b.end) > max(start, b.short_lo)
        overlap = (min(end, b.end) - max(start, b.long_lo)).total_seconds()
        if overlap > 0:
            p.long = True
            p.seconds += overlap
            if is_regular:
                regular_seconds[aid] = regular_seconds.get(aid, 0.0) + overlap
        p.first_start = start if p.first_start is None else min(p.first_start, start)
        p.this_month |= b.month_first <= start < b.month_next
        p.upcoming |= start >= b.month_first
        p.upcoming_substitute |= not is_regular and start >= b.month_first
    return pairs, regular_seconds


@dataclass
class ClientSums:
    """A client's pairs gathered: what `rules.continuity.continuity` gives, summed over pairs."""

    short: set[int] = field(default_factory=set)
    long: set[int] = field(default_factory=set)
    regular_seconds: float = 0.0
    all_seconds: float = 0.0
    first_start: dict[int, datetime] = field(default_factory=dict)
    this_month: set[int] = field(default_factory=set)
    upcoming_substitutes: set[int] = field(default_factory=set)

    def add(self, aid: int, p: Pair, regular_seconds: float, substitute_upcoming: bool) -> None:
        if p.short:
            self.short.add(aid)
        if p.long:
            self.long.add(aid)
            self.all_seconds += p.seconds
            self.regular_seconds += regular_seconds
        if p.first_start is not None:
            self.first_start[aid] = p.first_start
        if p.this_month:
            self.this_month.add(aid)
        if substitute_upcoming:
            self.upcoming_substitutes.add(aid)

    def result(self, b: Bounds, earlier: Collection[int]) -> Continuity:
        before_month = set(earlier) | {a for a, t in self.first_start.items() if t < b.month_first}
        before_today = set(earlier) | {a for a, t in self.first_start.items() if t < b.today}
        return Continuity(
            distinct_14d=len(self.short),
            distinct_30d=len(self.long),
            regular_share=self.regular_seconds / self.all_seconds if self.all_seconds > 0 else 1.0,
            new_faces_month=tuple(sorted(self.this_month - before_month)),
            substitutes_never_met=tuple(sorted(self.upcoming_substitutes - before_today)),
        )
