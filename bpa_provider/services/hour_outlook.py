"""The dashboard's hours section read from each client's stored year-end outlook (`hour_outlook`).

The section shows what `hours.usage_flags` gives for today's month — the clients whose year-end
flag is not ok — made **as of the start of today** (`now` = local midnight, Europe/Oslo; Norway
and Sweden share the offsets), so a client's result depends only on its data, the day and the
policy's thresholds, never on the minute. `report hours` and the hour account keep the exact now.

Computing every client's projection is O(clients) whatever the reads (docs/performance.md,
session 10), so the section reads stored results instead and computes only the clients whose row is
not fresh: fresh ⇔ computed for today, from the client's current `changes` (bumped by database
triggers on every write of the client's inputs, migration 0015o) and with the current thresholds.
Usually none is stale; after a change a few; on the first view of a day all.

1. One read transaction: the stale clients in scope with their `changes` (for an unscoped
   reader first told none by one statement — as many rows as clients, none of another day or
   thresholds by index probes, none changed since computed — the usual case), and the stored
   flagged rows in ref order (as many as are shown plus the stale ones) and their count.
2. The stale clients computed by the report's own code (`hours._report_rows` for those ids).
3. Stored in a short write transaction of its own that never makes the reader wait (SQLite: no
   busy wait; PostgreSQL: a 50 ms lock timeout; busy means not stored — what is shown is still
   right). Each row is stored only if its `changes` is still the one read before the computation
   began: a writer that committed in between leaves the row stale, never wrong.
4. The stored rows of the other clients and the computed ones, merged in ref order.

The store is a cache, not an action: it writes no audit row (docs/privacy.md).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Date, String, Table, and_, bindparam, exists, func, or_, select, update

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Client, HourOutlook
from bpa_provider.rules.dates import local_day_start_utc
from bpa_provider.services import core_rows
from bpa_provider.services.base import require, service
from bpa_provider.services.counted import Counted
from bpa_provider.services.hours import HoursRow, _report_rows
from bpa_provider.services.hours_projection import thresholds as _thresholds
from bpa_provider.services.unwaited import write_unwaited

#: The zone of the "start of today" the dashboard's outlook is made as of.
ZONE = "Europe/Oslo"


@dataclass(frozen=True)
class OutlookRow:
    """One client of the dashboard's hours section: its year-end flag and the year's figures."""

    client_id: int
    client: str  # the client's ref
    name: str
    flag: str  # warn, alert, under
    year_projected: float | None
    year_decided: float | None
    usage_pct: float | None


def basis(policy: Policy | None) -> str:
    """The thresholds a stored row is computed with, as stored."""
    t = _thresholds(policy)
    return f"{t.warn!r}/{t.alert!r}/{t.under!r}"


def _fresh(today: date, current: str) -> Any:
    """Computed for today, from the client's current changes, with the current thresholds."""
    o = HourOutlook
    return and_(o.as_of == today, o.computed_changes == o.changes, o.basis == current)


def _stale(today: date, current: str) -> Any:
    """Not fresh: never computed, or for another day, from fewer changes or other thresholds (the
    NULLs named: a comparison with NULL is neither true nor false)."""
    o = HourOutlook
    fresh = _fresh(today, current)
    return or_(o.client_id.is_(None), o.as_of.is_(None), o.computed_changes.is_(None), o.basis.is_(None), ~fresh)


def _all_fresh(s: Any, today: date, current: str) -> tuple[bool, int]:
    """Whether every client's row is fresh, and how many rows are flagged, in one statement: a
    row's key is its client's (one row a client at most) and a foreign key to it (no row without
    its client), so as many rows as clients is a row for each; then none of another day or other
    thresholds (a few probes of `ix_hour_outlook_day`, NULLs named) and none whose `changes` ran
    past what it was computed from (the only pass over the rows, reading two columns) says every
    one is fresh. The flagged are counted from `ix_hour_outlook_flag_listed` alone (`flag` other
    than "ok" is below it or above it). Before, one pass over every row judged each (≈ 0.2 ms of
    SQLite's work at 2,000 clients, 0.02 at 200: issue 19; migration 0018d)."""
    clients, rows, *found = s.execute(_freshness(), {"today": today, "current": current}).one()
    stale, counts = found[:-2], found[-2:]
    return clients == rows and not any(stale), sum(counts)


@functools.cache
def _freshness() -> Any:
    """`_all_fresh`'s statement, built once (the day `today` and the thresholds `current` its
    parameters: its eleven parts cost ≈ 0.2 ms of Python to build): the clients and the rows
    counted, whether any row is of another day or thresholds or changed since computed, and the
    flagged rows below "ok" and above it counted."""
    o = HourOutlook
    today, current = bindparam("today", type_=Date), bindparam("current", type_=String)
    on_day = o.as_of == today
    elsewhere = [
        o.as_of.is_(None),
        o.as_of < today,
        o.as_of > today,
        and_(on_day, o.basis.is_(None)),
        and_(on_day, o.basis < current),
        and_(on_day, o.basis > current),
        o.computed_changes.is_distinct_from(o.changes),
    ]
    listed = o.listed.is_(True)
    flagged = [and_(o.flag < "ok", listed), and_(o.flag > "ok", listed)]
    return select(
        select(func.count()).select_from(Client).scalar_subquery(),
        select(func.count()).select_from(o).scalar_subquery(),
        *(exists().where(c) for c in elsewhere),
        *(select(func.count()).select_from(o).where(c).scalar_subquery() for c in flagged),
    )


@dataclass(frozen=True)
class _Stale:
    changes: int  # the row's `changes` as read before the computation (0 without a row)
    has_row: bool
    was_flagged: bool  # the stored row counts among the flagged ones


@service
def usage_outlook(
    db: Database, actor: Actor, today: date, *, policy: Policy | None = None, limit: int | None = None
) -> Counted[OutlookRow]:
    """`hours.usage_flags` for today's month as of the start of today, as `OutlookRow`s in ref
    order — the first `limit` of them and how many there are — from the stored outlook, the stale
    clients recomputed and stored (see the module docstring)."""
    require(actor, "hours.read", what="see hour accounts")
    current = basis(policy)
    scope = sorted(actor.client_scope or ()) if actor.is_scoped else None
    o = HourOutlook
    flagged = and_(o.listed.is_(True), o.flag != "ok")
    with db.read() as s:
        # A client without a row (none should lack one: a trigger makes it) counts as stale.
        q = (
            select(Client.id, o.client_id, o.changes, flagged)
            .select_from(Client)
            .outerjoin(o, o.client_id == Client.id)
            .where(_stale(today, current))
        )
        if scope is not None:
            q = q.where(Client.id.in_(scope))
        all_fresh, flagged_n = _all_fresh(s, today, current) if scope is None else (False, None)
        stale = (
            {}
            if all_fresh
            else {
                cid: _Stale(changes or 0, row is not None, row is not None and bool(was))
                for cid, row, changes, was in core_rows.rows(s, q)
            }
        )
        shown = (
            select(Client.id, Client.ref, Client.name, o.flag, o.year_projected, o.year_decided, o.usage_pct)
            .select_from(o)
            .join(Client, Client.id == o.client_id)
            .where(flagged)
            .order_by(Client.ref)
        )
        counted = select(func.count()).select_from(o).where(flagged)
        if scope is not None:
            shown = shown.where(o.client_id.in_(scope))
            counted = counted.where(o.client_id.in_(scope))
        if limit is not None:
            # The stale clients' stored rows are left out below: read enough to fill `limit`.
            shown = shown.limit(limit + len(stale))
        stored = [
            OutlookRow(cid, ref, name, flag or "", projected, decided, pct)
            for cid, ref, name, flag, projected, decided, pct in core_rows.rows(s, shown)
            if cid not in stale
        ]
        if flagged_n is None:
            flagged_n = s.execute(counted).scalar_one()
        total = flagged_n - sum(st.was_flagged for st in stale.values())
    computed: list[OutlookRow] = []
    if stale:
        got = _compute(db, actor, today, policy, stale)
        _store(db, today, current, stale, got)
        computed = [
            OutlookRow(cid, r.client, r.name, r.flag, r.year_projected, r.year_decided, r.usage_pct)
            for cid, r in got.items()
            if r is not None and r.flag != "ok"
        ]
        total += len(computed)
    rows = sorted([*stored, *computed], key=lambda r: r.client)
    return Counted(rows if limit is None else rows[:limit], total)


def _compute(
    db: Database, actor: Actor, today: date, policy: Policy | None, stale: dict[int, _Stale]
) -> dict[int, HoursRow | None]:
    """The stale clients' rows of the month report as of the start of today (None: not listed)."""
    now = local_day_start_utc(today, ZONE)
    got: dict[int, HoursRow | None] = dict.fromkeys(stale)
    for r in _report_rows(db, actor, today.year, today.month, today, now, policy, True, list(stale)):
        if r.client_id in got:
            got[r.client_id] = r
    return got


def _store(db: Database, today: date, current: str, stale: dict[int, _Stale], got: dict[int, HoursRow | None]) -> None:
    """Store the computed rows, each only if its `changes` is the one read before the computation;
    skip it all when the write lock or a row lock is not to be had at once."""
    params = [
        {
            "cid": cid,
            "seen": stale[cid].changes,
            "as_of": today,
            "basis": current,
            "listed": r is not None,
            "flag": r.flag if r else None,
            "year_projected": r.year_projected if r else None,
            "year_decided": r.year_decided if r else None,
            "usage_pct": r.usage_pct if r else None,
        }
        for cid, r in sorted(got.items())
    ]
    o: Table = HourOutlook.__table__  # type: ignore[attr-defined]
    stmt = (
        update(o)
        .where(o.c.client_id == bindparam("cid"), o.c.changes == bindparam("seen"))
        .values(
            as_of=bindparam("as_of"),
            computed_changes=o.c.changes,
            basis=bindparam("basis"),
            listed=bindparam("listed"),
            flag=bindparam("flag"),
            year_projected=bindparam("year_projected"),
            year_decided=bindparam("year_decided"),
            usage_pct=bindparam("usage_pct"),
        )
    )
    # A client without a row gets one to store into (changes 0, as read); one made meanwhile by a
    # trigger has changes 1 or more, and the store leaves it alone.
    missing = [{"client_id": cid, "changes": 0} for cid in sorted(got) if not stale[cid].has_row]

    def write(conn: Connection) -> None:
        for row in missing:
            conn.execute(
                o.insert().from_select(
                    ["client_id", "changes"],
                    select(bindparam("c", row["client_id"]), bindparam("z", 0)).where(
                        ~select(o.c.client_id).where(o.c.client_id == row["client_id"]).exists()
                    ),
                )
            )
        conn.execute(stmt, params)

    write_unwaited(db, write)
