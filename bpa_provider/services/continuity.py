"""Continuity of care per client (`rules.continuity`): distinct assistants in 14 and 30 days, the
share of hours by regular assistants, new faces this month, substitutes who never met the client.

Regular or substitute is the assistant's assignment role with the client on the shift's date (no
assignment: a substitute). Assistants who worked with the client before the loaded window count
as met, found with one SQL DISTINCT instead of loading the client's whole history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assignment, Assistant, Client, Shift
from bpa_provider.rules.continuity import Continuity, ShiftSeen, continuity
from bpa_provider.services.base import require, scoped_actor, service
from bpa_provider.services.worked import NOT_STAFFED, staffed
from bpa_provider.services.worktime import (
    ClientInfo,
    client_info,
    client_infos,
    local_date,
    local_range,
    policy_or_default,
)


@dataclass(frozen=True)
class ClientContinuity:
    """One client's continuity on `today`; assistants by reference."""

    client_id: int
    client_ref: str
    client_name: str
    distinct_14d: int
    distinct_30d: int
    regular_share: float
    new_faces_month: tuple[str, ...]
    substitutes_never_met: tuple[str, ...]


COLUMNS = [
    "client_ref",
    "client_name",
    "distinct_14d",
    "distinct_30d",
    "regular_share",
    "new_faces_month",
    "substitutes_never_met",
]


def _regular(assignments: list[Assignment], assistant_id: int, day: date) -> bool:
    return _regular_among([a for a in assignments if a.assistant_id == assistant_id], day)


def _regular_among(mine: list, day: date) -> bool:
    """Regular on `day` by the assistant's assignments with the client (that day's, else any)."""
    on_day = [a for a in mine if a.start_date <= day and (a.end_date is None or day <= a.end_date)]
    chosen = on_day or mine
    return any(a.role == "regular" for a in chosen)


def _window(today: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC range of shift starts the measures read: from the earlier of 30 days back and the
    first of the month, to a month ahead (planned shifts)."""
    first = min(today - timedelta(days=30), today.replace(day=1))
    return local_range(first, today + timedelta(days=32), tz)


def _shown(info: ClientInfo, result: Continuity, refs: dict[int, str]) -> ClientContinuity:
    return ClientContinuity(
        info.id,
        info.ref,
        info.name,
        result.distinct_14d,
        result.distinct_30d,
        round(result.regular_share, 4),
        tuple(sorted(refs[i] for i in result.new_faces_month)),
        tuple(sorted(refs[i] for i in result.substitutes_never_met)),
    )


def _measure(s: Session, client_id: int, today: date, policy: Policy) -> ClientContinuity:
    info = client_info(s, client_id, policy)
    lo, hi = _window(today, info.tz)
    shifts = list(
        s.execute(
            select(Shift).where(
                Shift.client_id == client_id,
                staffed(),
                Shift.start_utc >= lo,
                Shift.start_utc < hi,
            )
        ).scalars()
    )
    earlier = set(
        s.execute(
            select(Shift.assistant_id).distinct().where(Shift.client_id == client_id, staffed(), Shift.start_utc < lo)
        ).scalars()
    )
    assignments = list(s.execute(select(Assignment).where(Assignment.client_id == client_id)).scalars())
    seen = [
        ShiftSeen(
            sh.assistant_id,
            sh.start_utc,
            sh.end_utc,
            _regular(assignments, sh.assistant_id, local_date(sh.start_utc, info.tz)),
        )
        for sh in shifts
    ]
    result = continuity(seen, today, info.tz, earlier)
    ids = set(result.new_faces_month) | set(result.substitutes_never_met)
    refs = (
        dict(s.execute(select(Assistant.id, Assistant.ref).where(Assistant.id.in_(sorted(ids)))).all()) if ids else {}
    )
    return _shown(info, result, refs)


@service
def client_continuity(
    db: Database, actor: Actor, client_id: int, today: date, *, policy: Policy | None = None
) -> ClientContinuity:
    """One client's continuity measures as of `today`."""
    actor = scoped_actor(db, actor)
    require(actor, "roster.read", client_id=client_id, what="see this client's roster")
    with db.read() as s:
        return _measure(s, client_id, today, policy_or_default(policy))


@service
def continuity_report(
    db: Database, actor: Actor, today: date, *, policy: Policy | None = None
) -> list[ClientContinuity]:
    """Continuity of every active client (a supervisor: their own clients), by reference.

    Set-based: a few statements for all clients together (the window's shifts, the pairs who met
    before it, the assignments, the refs), not four per client; each client's figures are then
    the same `rules.continuity` as `client_continuity` gives (tests/roster/test_continuity_sets.py).
    """
    actor = scoped_actor(db, actor)
    require(actor, "roster.read", what="see rosters")
    pol = policy_or_default(policy)
    with db.read() as s:
        q = select(Client.id).where(Client.status.in_(("active", "transferring_out"))).order_by(Client.ref)
        if actor.is_scoped:
            q = q.where(Client.id.in_(sorted(actor.client_scope or ())))
        ids = list(s.execute(q).scalars().all())
        infos = client_infos(s, ids, pol)
        by_zone: dict[str, set[int]] = defaultdict(set)
        for cid in ids:
            by_zone[infos[cid].tz].add(cid)
        shifts: dict[int, list[tuple[int, datetime, datetime]]] = defaultdict(list)
        earlier: dict[int, set[int]] = defaultdict(set)
        for tz, members in by_zone.items():  # the window is local days: one pass per time zone
            lo, hi = _window(today, tz)
            window: tuple = (staffed(), Shift.start_utc >= lo, Shift.start_utc < hi)
            if actor.is_scoped or len(by_zone) > 1:  # the company in one zone reads the window whole
                window += (Shift.client_id.in_(sorted(members)),)
            for cid, aid, start, end in s.execute(
                select(Shift.client_id, Shift.assistant_id, Shift.start_utc, Shift.end_utc).where(*window)
            ):
                if cid in members:
                    shifts[cid].append((aid, start, end))
            # Who met the client before the window: only pairs seen in it matter to the rules
            # (new faces and substitutes are among them), so each pair is one index probe.
            pairs = select(Shift.client_id, Shift.assistant_id).where(*window).distinct().subquery("pair")
            e = aliased(Shift)
            before = (
                select(e.id)
                .where(
                    e.assistant_id == pairs.c.assistant_id,
                    e.client_id == pairs.c.client_id,
                    e.status.not_in(NOT_STAFFED),
                    e.start_utc < lo,
                )
                .exists()
            )
            for cid, aid in s.execute(select(pairs.c.client_id, pairs.c.assistant_id).where(before)):
                if cid in members:
                    earlier[cid].add(aid)
        assignments: dict[tuple[int, int], list] = defaultdict(list)  # rows with what _regular_among reads
        for a in s.execute(
            select(
                Assignment.client_id,
                Assignment.assistant_id,
                Assignment.role,
                Assignment.start_date,
                Assignment.end_date,
            )
        ):
            assignments[a.client_id, a.assistant_id].append(a)
        # A pair whose assignments all have one role has that role on every date (most pairs):
        # the shift's local date is worked out only where the role changed over time.
        fixed = {
            pair: rows[0].role == "regular" for pair, rows in assignments.items() if len({r.role for r in rows}) == 1
        }
        results = {}
        for cid in ids:
            tz = infos[cid].tz
            seen = [
                ShiftSeen(
                    aid,
                    start,
                    end,
                    fixed[cid, aid]
                    if (cid, aid) in fixed
                    else _regular_among(assignments.get((cid, aid), []), local_date(start, tz)),
                )
                for aid, start, end in shifts[cid]
            ]
            results[cid] = continuity(seen, today, tz, earlier[cid])
        wanted = sorted({i for r in results.values() for i in (*r.new_faces_month, *r.substitutes_never_met)})
        refs = (
            dict(s.execute(select(Assistant.id, Assistant.ref).where(Assistant.id.in_(wanted))).all()) if wanted else {}
        )
    return [_shown(infos[cid], results[cid], refs) for cid in ids]


__all__ = ["COLUMNS", "ClientContinuity", "client_continuity", "continuity_report"]
