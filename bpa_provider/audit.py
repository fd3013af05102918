"""The access and change log: append-only rows, each hash-chained to the one before.

`record()` is called inside the same transaction as the change it describes, so a change and its
log row are committed together or not at all. National IDs never enter the log: snapshots mask them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.rules.national_id import mask
from db.models import AuditEvent
from db.types import utcnow

_PG_CHAIN_LOCK = 784_211  # advisory lock id: serialises chain appends on PostgreSQL
_SENSITIVE = {"national_id"}


def snapshot(obj: Any) -> dict[str, Any] | None:
    """A JSON-able copy of a row for before/after, with sensitive fields masked."""
    if obj is None:
        return None
    data = obj.model_dump() if hasattr(obj, "model_dump") else dict(obj)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in _SENSITIVE and value:
            value = mask(str(value))
        elif isinstance(value, (date, datetime)):
            value = value.isoformat()
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[key] = value
    return out


def _digest(prev_hash: str, ev: AuditEvent) -> str:
    body = json.dumps(
        [prev_hash, ev.at.isoformat(), ev.actor, ev.role, ev.action, ev.entity, ev.entity_id,
         ev.subject, ev.summary, ev.before, ev.after, ev.connection],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None = None,
    *,
    subject: str = "",
    summary: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Append one event, chained to the previous one, in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
    prev = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    role = actor.role if not actor.impersonated_by else f"{actor.role}<-{actor.impersonated_by}"
    ev = AuditEvent(
        at=utcnow(),
        actor=actor.login,
        role=role,
        action=action,
        entity=entity,
        entity_id=entity_id,
        subject=subject,
        summary=summary[:500],
        before=json.dumps(snapshot(before), ensure_ascii=False, default=str) if before is not None else None,
        after=json.dumps(snapshot(after), ensure_ascii=False, default=str) if after is not None else None,
        connection=actor.connection[:200],
        prev_hash=prev or "",
    )
    # Timestamps are stored without sub-microsecond precision; hash what will be read back.
    ev.at = ev.at.replace(microsecond=ev.at.microsecond)
    ev.hash = _digest(ev.prev_hash, ev)
    session.add(ev)
    session.flush()
    return ev


@dataclass(frozen=True)
class ChainReport:
    """Result of verifying the chain: how many rows, and the first broken one if any."""

    rows: int
    ok: bool
    broken_at: int | None = None
    reason: str = ""


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; report the first row whose link or content does not match."""
    prev = ""
    count = 0
    last_id = 0
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).scalars().all()
        if not rows:
            return ChainReport(count, True)
        for ev in rows:
            if ev.prev_hash != prev:
                return ChainReport(count, False, ev.id, "link to the previous row does not match")
            if _digest(prev, ev) != ev.hash:
                return ChainReport(count, False, ev.id, "row content does not match its hash")
            prev = ev.hash
            count += 1
            last_id = ev.id
        session.expunge_all()
