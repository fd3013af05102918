"""Planned, worked and vacant hours per client over windows of local days, in one grouped query.

Shared by the hour report (services/hours.py) and the hour ledger (services/hour_ledger.py), so a
closed month's totals in the ledger are the very sums the report would compute from raw shifts.

A shift's hours are its real elapsed time clipped at the local midnights that bound the window in
the client's municipality's time zone. The clipping works on a dialect-specific epoch expression
(SQLite `julianday`, PostgreSQL `extract(epoch …)`). The local window boundaries are turned into
UTC instants here, per municipality time zone, and handed to the query as a CASE on the
municipality's zone — or as plain values when every zone gives the same instants, as Oslo and
Stockholm do; then the sums are taken per segment between the windows' bounds (`segment_sums`: one
subtraction a shift, clipping only for a shift across a bound). "Worked" is `services.worked.counted_as_worked`; "vacant" (planned but uncovered:
nobody is to work it, docs/absence.md) is status `vacant`.

On SQLite the segments' statement is written out (`_segment_text`: the SQL the construct compiles
to there), as a CLI run would otherwise build and compile it every time; PostgreSQL keeps the
construct (`_segment_query`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, bindparam, case, func, literal, select, text
from sqlalchemy.orm import Session

from bpa_provider.db.models import Client, Municipality, Shift
from bpa_provider.db.types import UTCDateTime
from bpa_provider.rules.dates import local_day_start_utc
from bpa_provider.services import core_rows
from bpa_provider.services.worked import counted_as_worked, counted_as_worked_sql

#: Shifts are found through the start-time index; a shift longer than this that starts before a
#: period would be missed. Respite periods may run 56 h; nothing legal runs a week.
MAX_SHIFT = timedelta(days=7)

_JULIAN_UNIX_EPOCH = 2440587.5  # julianday('1970-01-01 00:00:00')


@dataclass(frozen=True)
class Window:
    """A range of local dates `[first, last_exclusive)` whose hours are summed."""

    name: str
    first: date
    last_exclusive: date


@dataclass
class Sums:
    """One client's hours per window name, and the end of its last shift read by the query."""

    planned: dict[str, float]
    worked: dict[str, float]
    last_end: datetime | None = None
    vacant: dict[str, float] | None = None  # uncovered planned hours (status "vacant")


def epoch_seconds(dialect: str, column: Any) -> Any:
    """Seconds since 1970 of a stored UTC instant, as a float, per dialect.

    On PostgreSQL `date_part` gives the float directly; `EXTRACT` (numeric since PostgreSQL 14)
    cast to a float gives the same value — both are the instant's exact seconds rounded once —
    after numeric arithmetic on every row (`report hours` at 100 %: ~20 % of its raw scan)."""
    if dialect == "sqlite":
        return (func.julianday(column) - _JULIAN_UNIX_EPOCH) * 86400.0
    return func.date_part("epoch", column, type_=Float)


def _per_zone(instants: dict[str, datetime]) -> Any:
    """A bound in epoch seconds for the shift's client's municipality zone (CASE when several)."""
    items = [(tz, literal(t.timestamp(), Float)) for tz, t in sorted(instants.items())]
    if len(items) == 1:
        return items[0][1]
    return case(*((Municipality.timezone == tz, v) for tz, v in items[:-1]), else_=items[-1][1])


def _shifts_between(
    inner: Any, lowest: datetime, highest: datetime, client_ids: Iterable[int] | None, dialect: str, name: str
) -> Any:
    """`inner` (a select over `shift`) limited to the shifts not cancelled that touch
    [lowest, highest) — of `client_ids` if given — as a subquery named `name`. The subquery is kept
    from being merged into the queries around it (LIMIT -1 / OFFSET 0), or each use of its columns
    would convert the instants again."""
    inner = inner.where(
        Shift.status != "cancelled",
        Shift.start_utc >= lowest - MAX_SHIFT,  # lets the start-time index bound the scan
        Shift.start_utc < highest,
        Shift.end_utc > lowest,
    )
    if client_ids is not None:
        inner = inner.where(Shift.client_id.in_(sorted(set(client_ids))))
    return (inner.limit(-1) if dialect == "sqlite" else inner.offset(0)).subquery(name)


def window_sums(
    session: Session,
    windows: list[Window],
    zones: Iterable[str],
    now: datetime,
    client_ids: Iterable[int] | None = None,
    by_segment: bool = True,
) -> dict[int, Sums]:
    """Planned, worked and vacant hours per client and window, in one grouped query.

    When every zone gives the same instants (Norway and Sweden), the sums are taken per segment
    between the windows' bounds (`segment_sums`, 0.36 -> 0.22 s CPU for the
    dashboard's open months at 100 %); `by_segment=False`, or zones that differ, clip each shift
    to each window in SQL, as below.

    The inner query turns each shift into numbers once (epoch seconds of start and end, a worked
    and a vacant flag, each window's bounds for the client's zone); the outer one clips and sums
    them. The inner query is kept from being merged into the outer one (SQLite: LIMIT -1,
    PostgreSQL: OFFSET 0), or every window would convert the instants again. `last_end` is the
    latest end of the shifts read: those overlapping the span of all the windows.
    """
    dialect = session.get_bind().dialect.name
    zones = sorted(set(zones))
    if not zones or not windows:
        return {}
    bounds = {
        w.name: (
            {tz: local_day_start_utc(w.first, tz) for tz in zones},
            {tz: local_day_start_utc(w.last_exclusive, tz) for tz in zones},
        )
        for w in windows
    }
    lowest = min(t for lo, _ in bounds.values() for t in lo.values())
    highest = max(t for _, hi in bounds.values() for t in hi.values())
    # Oslo and Stockholm share their offsets and DST dates: when every zone gives the same
    # instants, the shift needs neither its municipality nor a CASE.
    same = all(len(set(lo.values())) == 1 and len(set(hi.values())) == 1 for lo, hi in bounds.values())
    if same:
        bounds = {name: ({zones[0]: lo[zones[0]]}, {zones[0]: hi[zones[0]]}) for name, (lo, hi) in bounds.items()}
        if by_segment:
            flat = {name: (lo[zones[0]].timestamp(), hi[zones[0]].timestamp()) for name, (lo, hi) in bounds.items()}
            return segment_sums(session, windows, flat, (lowest, highest), now, client_ids)
    cols = [
        Shift.client_id.label("cid"),
        case((counted_as_worked(now), 1.0), else_=0.0).label("w"),
        case((Shift.status == "vacant", 1.0), else_=0.0).label("v"),
        epoch_seconds(dialect, Shift.start_utc).label("s"),
        epoch_seconds(dialect, Shift.end_utc).label("e"),
    ]
    for k, w in enumerate(windows):
        lo, hi = bounds[w.name]
        cols += [_per_zone(lo).label(f"lo{k}"), _per_zone(hi).label(f"hi{k}")]
    inner = select(*cols)
    if not same:
        inner = inner.join(Client, Client.id == Shift.client_id).join(
            Municipality, Municipality.id == Client.municipality_id
        )
    sub = _shifts_between(inner, lowest, highest, client_ids, dialect, "x")
    least, greatest = (func.min, func.max) if dialect == "sqlite" else (func.least, func.greatest)
    outer = [sub.c.cid]
    for k, w in enumerate(windows):
        secs = greatest(0.0, least(sub.c.e, sub.c[f"hi{k}"]) - greatest(sub.c.s, sub.c[f"lo{k}"]))
        outer.append(func.coalesce(func.sum(secs), 0.0).label(f"p_{w.name}"))
        outer.append(func.coalesce(func.sum(sub.c.w * secs), 0.0).label(f"w_{w.name}"))
        outer.append(func.coalesce(func.sum(sub.c.v * secs), 0.0).label(f"v_{w.name}"))
    outer.append(func.max(sub.c.e).label("last_end"))
    out: dict[int, Sums] = {}
    for row in core_rows.rows(session, select(*outer).group_by(sub.c.cid)):
        m = row._mapping
        last = m["last_end"]
        out[m["cid"]] = Sums(
            planned={w.name: float(m[f"p_{w.name}"]) / 3600.0 for w in windows},
            worked={w.name: float(m[f"w_{w.name}"]) / 3600.0 for w in windows},
            last_end=datetime.fromtimestamp(float(last), UTC) if last is not None else None,
            vacant={w.name: float(m[f"v_{w.name}"]) / 3600.0 for w in windows},
        )
    return out


def segment_sums(
    session: Session,
    windows: list[Window],
    bounds: dict[str, tuple[float, float]],
    span: tuple[datetime, datetime],
    now: datetime,
    client_ids: Iterable[int] | None = None,
) -> dict[int, Sums]:
    """`window_sums` when every client's windows have the same bounds (`bounds`: window name ->
    (lo, hi) in epoch seconds; `span`: the lowest and highest bound as instants).

    Clipping each shift to each window in SQL cost ~9 function calls a shift and a window (0.36 s
    CPU for the dashboard's 132,000 open-month shifts at 100 %). Instead the windows' bounds cut
    the time line into segments; a shift wholly inside one segment is only classified there
    (`seg`, its index) and summed per client, segment, worked and vacant flag as `e - s`; only a
    shift crossing a bound (`seg` = -1, a handful: night shifts over a month's first midnight) is
    clipped to each window. A window is the union of the segments it covers plus its share of the
    crossing shifts, added up here (0.22 s).
    """
    dialect = session.get_bind().dialect.name
    lowest, highest = span
    cuts = sorted({t for pair in bounds.values() for t in pair})
    names = [w.name for w in windows]
    if client_ids is not None:
        client_ids = sorted(set(client_ids))
        if not client_ids:
            return {}  # no client: no shift (as the empty IN list would give)
    if dialect == "sqlite":
        query: Any = _segment_text(names, bounds, cuts, lowest, highest, now, client_ids)
    else:
        query = _segment_query(dialect, names, bounds, cuts, lowest, highest, now, client_ids)
    n = len(names)
    # covers[j][k]: whether segment j lies in window k (a crossing shift, j = -1, in none).
    covers = {-1: [False] * n} | {
        j: [bounds[name][0] <= cuts[j] and cuts[j + 1] <= bounds[name][1] for name in names]
        for j in range(len(cuts) - 1)
    }
    acc: dict[int, list[float]] = {}  # per client: planned, worked and vacant seconds per window
    last: dict[int, float] = {}
    for cid, j, w, v, inside, *rest in core_rows.rows(session, query):
        *clip_secs, last_end = rest
        got = acc.get(cid)
        if got is None:
            got = acc[cid] = [0.0] * (3 * n)
        for k in range(n):
            secs = float(clip_secs[k]) + (float(inside) if covers[j][k] else 0.0)
            got[k] += secs
            got[n + k] += float(w) * secs
            got[2 * n + k] += float(v) * secs
        if last_end is not None and (cid not in last or float(last_end) > last[cid]):
            last[cid] = float(last_end)
    out: dict[int, Sums] = {}
    for cid, got in acc.items():
        out[cid] = Sums(
            planned={name: got[k] / 3600.0 for k, name in enumerate(names)},
            worked={name: got[n + k] / 3600.0 for k, name in enumerate(names)},
            last_end=datetime.fromtimestamp(last[cid], UTC) if cid in last else None,
            vacant={name: got[2 * n + k] / 3600.0 for k, name in enumerate(names)},
        )
    return out


def _segment_text(
    names: list[str],
    bounds: dict[str, tuple[float, float]],
    cuts: list[float],
    lowest: datetime,
    highest: datetime,
    now: datetime,
    client_ids: Iterable[int] | None,
) -> Any:
    """`segment_sums`' statement on SQLite, written out: the very SQL `_segment_query` compiles
    to there (the same subqueries, expressions and bound values, the instants bound through the
    column's type), without building and compiling the construct on every run — ~3 ms of `report
    hours`' own work at 10 % (issue 19), where each CLI run starts with an empty statement cache.
    Checked equal to `_segment_query` by tests/services/test_hour_segments.py."""
    binds: list[Any] = []

    def num(t: float) -> str:
        binds.append(bindparam(f"n{len(binds)}", t, type_=Float))
        return f":n{len(binds) - 1}"

    def instant(key: str, t: datetime) -> str:
        binds.append(bindparam(key, t, type_=UTCDateTime()))
        return f":{key}"

    epoch = "(julianday(shift.{0}) - " + repr(_JULIAN_UNIX_EPOCH) + ") * 86400.0"
    segs = " ".join(
        f"WHEN (y.s >= {num(cuts[j])} AND y.e <= {num(cuts[j + 1])} AND y.e >= y.s) THEN {j}"
        for j in range(len(cuts) - 1)
    )
    clipped = ", ".join(
        f"sum(CASE WHEN (x.seg < 0) THEN max(0.0, min(x.e, {num(bounds[name][1])}) - max(x.s, "
        f"{num(bounds[name][0])})) ELSE 0.0 END) AS c{k}"
        for k, name in enumerate(names)
    )
    only = ""
    if client_ids is not None:
        binds.append(bindparam("ids", sorted(set(client_ids)), expanding=True))
        only = " AND shift.client_id IN :ids"
    sql = (
        f"SELECT x.cid, x.seg, x.w, x.v, sum(x.e - x.s) AS inside, {clipped}, max(x.e) AS last_end "
        f"FROM (SELECT y.cid AS cid, y.w AS w, y.v AS v, y.s AS s, y.e AS e, CASE {segs} ELSE -1 END AS seg "
        f"FROM (SELECT shift.client_id AS cid, CASE WHEN ({counted_as_worked_sql(instant('now', now))}) "
        f"THEN 1.0 ELSE 0.0 END AS w, CASE WHEN (shift.status = 'vacant') THEN 1.0 ELSE 0.0 END AS v, "
        f"{epoch.format('start_utc')} AS s, {epoch.format('end_utc')} AS e "
        f"FROM shift WHERE shift.status != 'cancelled' AND shift.start_utc >= {instant('from', lowest - MAX_SHIFT)} "
        f"AND shift.start_utc < {instant('to', highest)} AND shift.end_utc > {instant('low', lowest)}{only} "
        f"LIMIT -1 OFFSET 0) AS y LIMIT -1 OFFSET 0) AS x GROUP BY x.cid, x.seg, x.w, x.v"
    )
    return text(sql).bindparams(*binds)


def _segment_query(
    dialect: str,
    names: list[str],
    bounds: dict[str, tuple[float, float]],
    cuts: list[float],
    lowest: datetime,
    highest: datetime,
    now: datetime,
    client_ids: Iterable[int] | None,
) -> Any:
    """`segment_sums`' statement as a construct (PostgreSQL; on SQLite `_segment_text`)."""
    inner = select(
        Shift.client_id.label("cid"),
        case((counted_as_worked(now), 1.0), else_=0.0).label("w"),
        case((Shift.status == "vacant", 1.0), else_=0.0).label("v"),
        epoch_seconds(dialect, Shift.start_utc).label("s"),
        epoch_seconds(dialect, Shift.end_utc).label("e"),
    )
    y = _shifts_between(inner, lowest, highest, client_ids, dialect, "y")

    def num(t: float) -> Any:
        return literal(t, Float)

    seg = case(
        *((and_(y.c.s >= num(cuts[j]), y.c.e <= num(cuts[j + 1]), y.c.e >= y.c.s), j) for j in range(len(cuts) - 1)),
        else_=-1,
    )
    mid = select(y.c.cid, y.c.w, y.c.v, y.c.s, y.c.e, seg.label("seg"))
    x = (mid.limit(-1) if dialect == "sqlite" else mid.offset(0)).subquery("x")
    least, greatest = (func.min, func.max) if dialect == "sqlite" else (func.least, func.greatest)
    cols = [x.c.cid, x.c.seg, x.c.w, x.c.v, func.sum(x.c.e - x.c.s).label("inside")]
    for k, name in enumerate(names):
        lo, hi = bounds[name]
        clipped = greatest(0.0, least(x.c.e, num(hi)) - greatest(x.c.s, num(lo)))
        cols.append(func.sum(case((x.c.seg < 0, clipped), else_=0.0)).label(f"c{k}"))
    cols.append(func.max(x.c.e).label("last_end"))
    return select(*cols).group_by(x.c.cid, x.c.seg, x.c.w, x.c.v)
