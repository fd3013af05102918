"""The hour ledger: a closed month's hour totals per client, so the year-end outlook need not read
a year of raw shifts (issue 19: 0.18 s against 1.95 s at a large provider).

A month is *closed* for a client when locked periods (`PeriodApproval.locked_at`) cover every one
of its local days and every shift touching it has ended (until then a planned shift's "worked"
depends on the hour it is read). Its row (`HourLedger`) holds the month's planned, worked and vacant hours and
the end of the latest shift touching it — the very sums `hour_sums.window_sums` gives over the
month's window, "worked" as counted at the moment of the lock. A lock protects every shift that
touches a locked date (services/periods.py), so the totals cannot drift from the shifts while the
month stays locked.

`refresh` is called in the transaction that locks periods (`periods.lock_many`, and so `roster
lock` and `export payroll`) and in the one that reopens them (`periods.reopen_period`, a
correction): every month of the period that is now wholly locked gets its row written again; any
other loses its row. The demo writes the rows of the months it locks the same way.

`closed_prefix` is what the outlook reads: per client, the run of consecutive ledger months from
January that ends before the projection's cut, summed. The outlook takes those months from the
ledger and only the rest of the year from raw shifts; a client whose run starts later (a client who
started in the spring) has it taken from its first ledger month when no shift touches the months
before (`late_runs`); a client with no such run (an open January, months locked before the ledger
existed) is read from raw shifts, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Date, Float, Integer, and_, bindparam, column, delete, insert, or_, select, text
from sqlalchemy.orm import Session

from bpa_provider.db.models import Client, HourLedger, Municipality, PeriodApproval, Shift
from bpa_provider.db.types import UTCDateTime
from bpa_provider.rules.dates import local_day_start_utc
from bpa_provider.services import core_rows
from bpa_provider.services.hour_sums import MAX_SHIFT, Sums, Window, window_sums

_CHUNK = 5000  # ids per IN list (SQLite's bound-parameter limit is well above)


@dataclass
class Closed:
    """The ledger months `[January, until)` of one client, summed."""

    until: date  # the first day not taken from the ledger
    planned: float = 0.0
    worked: float = 0.0
    vacant: float = 0.0
    last_end: datetime | None = None
    start: date | None = None  # the run's first month when it is not January (`late_runs`)


def months_touching(first: date, last_exclusive: date) -> list[date]:
    """The first days of the months that overlap the local days `[first, last_exclusive)`."""
    out, m = [], first.replace(day=1)
    while m < last_exclusive:
        out.append(m)
        m += relativedelta(months=1)
    return out


def _next_month(first: date) -> date:
    """The first day of the month after `first` (a first day): plain arithmetic, as
    `closed_prefix` takes it for some 20,000 rows at a large provider (relativedelta cost 0.4 s)."""
    return date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)


def _covered(spans: list[tuple[date, date]], first: date, last_exclusive: date) -> bool:
    """Whether the union of `[start, end)` spans covers `[first, last_exclusive)`."""
    reached = first
    for start, end in sorted(spans):
        if start > reached:
            break
        reached = max(reached, end)
        if reached >= last_exclusive:
            return True
    return reached >= last_exclusive


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    return (ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK))


def refresh(s: Session, client_ids: Iterable[int], first: date, last_exclusive: date, now: datetime) -> int:
    """Rewrite the ledger rows of the clients' months touching `[first, last_exclusive)`: a row for
    each month wholly locked, none for the others. In the caller's transaction, after its lock
    changes are flushed. Returns the number of rows written."""
    ids = sorted(set(client_ids))
    months = months_touching(first, last_exclusive)
    if not ids or not months:
        return 0
    lo, hi = months[0], months[-1] + relativedelta(months=1)
    spans: dict[int, list[tuple[date, date]]] = {}
    zones: dict[int, str] = {}
    for part in _chunks(ids):
        for cid, start, end in s.execute(
            select(PeriodApproval.client_id, PeriodApproval.period_start, PeriodApproval.period_end).where(
                PeriodApproval.client_id.in_(part),
                PeriodApproval.locked_at.is_not(None),
                PeriodApproval.period_start < hi,
                PeriodApproval.period_end > lo,
            )
        ):
            spans.setdefault(cid, []).append((start, end))
        zones.update(
            (cid, tz)
            for cid, tz in s.execute(
                select(Client.id, Municipality.timezone)
                .join(Municipality, Municipality.id == Client.municipality_id)
                .where(Client.id.in_(part))
            )
        )
    for part in _chunks(ids):
        s.execute(delete(HourLedger).where(HourLedger.client_id.in_(part), HourLedger.month.in_(months)))
    rows = []
    for m in months:
        m_next = m + relativedelta(months=1)
        closed = [cid for cid in ids if _covered(spans.get(cid, []), m, m_next)]
        if not closed:
            continue
        sums = {}
        for part in _chunks(closed):
            sums.update(window_sums(s, [Window("m", m, m_next)], {zones[c] for c in part if c in zones}, now, part))
        for cid in closed:
            got = sums.get(cid)
            if got is not None and got.last_end is not None and got.last_end > now:
                # A shift of the month has not ended yet (a month locked early): whether it counts
                # as worked depends on the hour it is read, so the month stays read raw.
                continue
            rows.append(
                {
                    "client_id": cid,
                    "month": m,
                    "planned_hours": got.planned["m"] if got else 0.0,
                    "worked_hours": got.worked["m"] if got else 0.0,
                    "vacant_hours": got.vacant["m"] if got and got.vacant else 0.0,
                    "last_end_utc": got.last_end if got else None,
                    "written_at": now,
                }
            )
    if rows:
        s.execute(insert(HourLedger), rows)
    return len(rows)


def closed_prefix(
    s: Session, year: int, cut: date, client_ids: Iterable[int] | None, late: dict[int, Closed] | None = None
) -> dict[int, Closed]:
    """Per client with a ledger row for January of `year`: the consecutive ledger months from
    January that end on or before `cut`, summed (a gap ends the run: later closed months are read
    raw, which gives the same figures).

    Summed in SQL per client (2,000 rows at a large provider instead of its 20,000 ledger rows made
    into dates and instants one by one: 97 -> 15 ms); a client whose months have a gap — its count
    of months is not the span from January — is summed month by month as before (`_runs`).

    With `late` given, a client whose ledger months start after January and have no gap is put
    there (its run from its first ledger month, `Closed.start`): `late_runs` keeps those with no
    shift before that month."""
    first = date(year, 1, 1)
    bound = cut if cut.day == 1 else cut.replace(day=1)  # a month ends on or before `cut`
    parts: list[list[int] | None] = [None] if client_ids is None else list(_chunks(sorted(set(client_ids))))
    out: dict[int, Closed] = {}
    gaps: list[int] = []
    for part in parts:
        for cid, n, lo, hi, planned, worked, vacant, last_end in core_rows.rows(s, _prefix_query(first, bound, part)):
            if lo != first:
                if late is not None and n == (hi.year - lo.year) * 12 + hi.month - lo.month + 1:
                    late[cid] = Closed(_next_month(hi), float(planned), float(worked), float(vacant), last_end, lo)
                continue  # no January: nothing from the ledger (unless `late_runs` finds no shift before)
            if n != (hi.year - year) * 12 + hi.month:
                gaps.append(cid)
                continue
            out[cid] = Closed(_next_month(hi), float(planned), float(worked), float(vacant), last_end)
    if gaps:
        out.update(_runs(s, year, cut, gaps))
    return out


def _prefix_query(first: date, bound: date, client_ids: list[int] | None) -> Any:
    """`closed_prefix`'s statement, written out (`text`, the columns typed as the model types
    them): a CLI run starts with an empty statement cache, and building and compiling the
    construct cost ~0.7 ms of `report hours`' own work (issue 19)."""
    binds = [bindparam("first", first, type_=Date), bindparam("bound", bound, type_=Date)]
    only = ""
    if client_ids is not None:
        binds.append(bindparam("ids", client_ids, expanding=True))
        only = " AND client_id IN :ids"
    return (
        text(
            "SELECT client_id, count(*) AS n, min(month) AS lo, max(month) AS hi, sum(planned_hours) AS planned, "
            "sum(worked_hours) AS worked, sum(vacant_hours) AS vacant, max(last_end_utc) AS last_end "
            f"FROM hour_ledger WHERE month >= :first AND month < :bound{only} GROUP BY client_id"
        )
        .bindparams(*binds)
        .columns(
            column("client_id", Integer),
            column("n", Integer),
            column("lo", Date),
            column("hi", Date),
            column("planned", Float),
            column("worked", Float),
            column("vacant", Float),
            column("last_end", UTCDateTime),
        )
    )


def _runs(s: Session, year: int, cut: date, client_ids: Iterable[int]) -> dict[int, Closed]:
    """`closed_prefix` month by month, for clients whose ledger months have a gap."""
    q = (
        select(
            HourLedger.client_id,
            HourLedger.month,
            HourLedger.planned_hours,
            HourLedger.worked_hours,
            HourLedger.vacant_hours,
            HourLedger.last_end_utc,
        )
        .where(HourLedger.month >= date(year, 1, 1), HourLedger.month < cut)
        .order_by(HourLedger.client_id, HourLedger.month)
    )
    out: dict[int, Closed] = {}
    for part in _chunks(sorted(set(client_ids))):
        for cid, month, planned, worked, vacant, last_end in core_rows.rows(s, q.where(HourLedger.client_id.in_(part))):
            got = out.get(cid)
            start = got.until if got else date(year, 1, 1)
            nxt = _next_month(month)
            if month != start or nxt > cut:
                continue  # a gap (or a month the cut falls in): the run ends here
            if got is None:
                got = out[cid] = Closed(until=start)
            got.until = nxt
            got.planned += planned
            got.worked += worked
            got.vacant += vacant
            if last_end is not None and (got.last_end is None or last_end > got.last_end):
                got.last_end = last_end
    return out


def late_runs(s: Session, year: int, late: dict[int, Closed], zones: dict[int, str]) -> dict[int, Closed]:
    """The runs of `late` (from `closed_prefix`: ledger months starting after January, no gap)
    whose clients have no shift (but cancelled ones) touching the local days from January to the
    run's first month: their hours there are nought, so the run stands for January on.

    A client who started in the spring has no January row, and was read raw from January: 86
    clients at 100 %, a second grouped query over ten months of shifts (30 ms) beside the open
    months' one. Here one statement asks, per client, whether a shift (not cancelled) touches the
    local days from January to its own run's first midnight: an EXISTS per first month (a few),
    each through the client and start-time index and stopping at the first such shift — none, for a
    client who started then. (One query per first month cost a round trip each, 2.2 ms of `report
    hours` at 10 % for five; the earliest start per client up to the latest first month read every
    client's shifts up to it, 118 ms on PostgreSQL at 100 %.) The bounds are taken wide (the latest
    of the zones' first midnights of the run, the earliest of January's), so a client is never
    taken from the ledger wrongly; one kept raw by them gives the same figures."""
    zones_of = {zones[c] for c in late if c in zones}
    if not zones_of:
        return {}
    january = min(local_day_start_utc(date(year, 1, 1), tz) for tz in zones_of)
    by_start: dict[date, list[int]] = {}
    for cid, run in late.items():
        if cid in zones and run.start is not None:
            by_start.setdefault(run.start, []).append(cid)
    if not by_start:
        return {}
    everyone = sorted(cid for ids in by_start.values() for cid in ids)
    touched: set[int] = set()
    for part in _chunks(everyone):
        inside = set(part)
        cases = []
        for start, ids in sorted(by_start.items()):
            mine = [cid for cid in ids if cid in inside]
            if not mine:
                continue
            edge = max(local_day_start_utc(start, tz) for tz in zones_of)
            before_edge = (
                select(Shift.id)
                .where(
                    Shift.client_id == Client.id,
                    Shift.status != "cancelled",
                    Shift.start_utc >= january - MAX_SHIFT,
                    Shift.start_utc < edge,
                    Shift.end_utc > january,
                )
                .exists()
            )
            cases.append(and_(Client.id.in_(mine), before_edge))
        touched.update(s.execute(select(Client.id).where(or_(*cases))).scalars())
    return {cid: late[cid] for cid in everyone if cid not in touched}


def outlook_sums(
    s: Session, month: Window, year: int, cut: date, zones: dict[int, str], now: datetime, scope: Iterable[int] | None
) -> dict[int, Sums]:
    """The report's sums per client of `zones` (client id -> time zone): the `month` window, and for
    the outlook "ytd" (`[January, cut)`) and "year" (the calendar year) — each client's closed
    months from the ledger, the rest from raw shifts. Clients are grouped by where their closed
    run ends (in practice one or two groups), one grouped query per group, so the raw scan starts
    at the first open month instead of January."""
    y_first, y_next = date(year, 1, 1), date(year + 1, 1, 1)
    late: dict[int, Closed] = {}
    closed = closed_prefix(s, year, cut, scope, late)
    closed.update(late_runs(s, year, late, zones))
    groups: dict[date, list[int]] = {}
    for cid in zones:
        groups.setdefault(closed[cid].until if cid in closed else y_first, []).append(cid)
    out: dict[int, Sums] = {}
    for until, ids in sorted(groups.items()):
        windows = [month, Window("ytd", until, cut), Window("year", until, y_next)]
        # On PostgreSQL a group holding most of the clients reads every client in scope and keeps
        # its own: the others' few extra rows cost less than a bound parameter per client (~1,900
        # at 100 %) compiled, sent and tested on every shift. SQLite seeks each named client in
        # its index and is faster with the ids (0.20 against 0.35 s at 100 %).
        most = 2 * len(ids) > len(zones) and s.get_bind().dialect.name == "postgresql"
        only = scope if len(groups) == 1 or most else ids
        raw = window_sums(s, windows, {zones[c] for c in ids}, now, only)
        for cid in ids:
            got, led = raw.get(cid), closed.get(cid)
            if led is None:
                if got is not None:
                    out[cid] = got
                continue
            names = (month.name, "ytd", "year")
            planned = {n: got.planned[n] if got else 0.0 for n in names}
            worked = {n: got.worked[n] if got else 0.0 for n in names}
            vacant = {n: (got.vacant or {}).get(n, 0.0) if got else 0.0 for n in names}
            for n in ("ytd", "year"):
                planned[n] += led.planned
                worked[n] += led.worked
                vacant[n] += led.vacant
            ends = [e for e in (got.last_end if got else None, led.last_end) if e is not None]
            out[cid] = Sums(planned, worked, max(ends) if ends else None, vacant)
    return out
