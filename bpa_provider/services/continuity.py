"""Continuity of care per client (`rules.continuity`): distinct assistants in 14 and 30 days, the
share of hours by regular assistants, new faces this month, substitutes who never met the client.

Regular or substitute is the assistant's assignment role with the client on the shift's date (no
assignment: a substitute). Assistants who worked with the client before the loaded window count
as met, found with one SQL DISTINCT instead of loading the client's whole history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.rules.continuity import ShiftSeen, continuity
from bpa_provider.services.base import require, scoped_actor, service
from bpa_provider.services.worktime import client_info, local_date, local_range, policy_or_default
from bpa_provider.services.worked import staffed
from db.engine import Database
from db.models import Assignment, Assistant, Client, Shift


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


COLUMNS = ["client_ref", "client_name", "distinct_14d", "distinct_30d", "regular_share",
           "new_faces_month", "substitutes_never_met"]


def _regular(assignments: list[Assignment], assistant_id: int, day: date) -> bool:
    mine = [a for a in assignments if a.assistant_id == assistant_id]
    on_day = [a for a in mine if a.start_date <= day and (a.end_date is None or day <= a.end_date)]
    chosen = on_day or mine
    return any(a.role == "regular" for a in chosen)


def _measure(s: Session, client_id: int, today: date, policy: Policy) -> ClientContinuity:
    info = client_info(s, client_id, policy)
    month_first = today.replace(day=1)
    first = min(today - timedelta(days=30), month_first)
    lo, hi = local_range(first, today + timedelta(days=32), info.tz)
    shifts = list(s.execute(select(Shift).where(
        Shift.client_id == client_id, staffed(), Shift.start_utc >= lo, Shift.start_utc < hi,
    )).scalars())
    earlier = set(s.execute(select(Shift.assistant_id).distinct().where(
        Shift.client_id == client_id, staffed(), Shift.start_utc < lo)).scalars())
    assignments = list(s.execute(select(Assignment).where(Assignment.client_id == client_id)).scalars())
    seen = [ShiftSeen(sh.assistant_id, sh.start_utc, sh.end_utc,
                      _regular(assignments, sh.assistant_id, local_date(sh.start_utc, info.tz)))
            for sh in shifts]
    result = continuity(seen, today, info.tz, earlier)
    ids = set(result.new_faces_month) | set(result.substitutes_never_met)
    refs = dict(s.execute(select(Assistant.id, Assistant.ref).where(Assistant.id.in_(sorted(ids)))).all()) if ids else {}
    return ClientContinuity(
        client_id, info.ref, info.name, result.distinct_14d, result.distinct_30d,
        round(result.regular_share, 4),
        tuple(sorted(refs[i] for i in result.new_faces_month)),
        tuple(sorted(refs[i] for i in result.substitutes_never_met)),
    )


@service
def client_continuity(db: Database, actor: Actor, client_id: int, today: date, *,
                      policy: Policy | None = None) -> ClientContinuity:
    """One client's continuity measures as of `today`."""
    actor = scoped_actor(db, actor)
    require(actor, "roster.read", client_id=client_id, what="see this client's roster")
    with db.read() as s:
        return _measure(s, client_id, today, policy_or_default(policy))


@service
def continuity_report(db: Database, actor: Actor, today: date, *,
                      policy: Policy | None = None) -> list[ClientContinuity]:
    """Continuity of every active client (a supervisor: their own clients), by reference."""
    actor = scoped_actor(db, actor)
    require(actor, "roster.read", what="see rosters")
    pol = policy_or_default(policy)
    with db.read() as s:
        q = select(Client.id).where(Client.status.in_(("active", "transferring_out"))).order_by(Client.ref)
        if actor.is_scoped:
            q = q.where(Client.id.in_(sorted(actor.client_scope or ())))
        return [_measure(s, cid, today, pol) for cid in s.execute(q).scalars().all()]


__all__ = ["COLUMNS", "ClientContinuity", "client_continuity", "continuity_report"]
