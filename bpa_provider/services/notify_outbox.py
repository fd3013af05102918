"""What is in the outbox: the list `notify list` shows and the delivery problems the dashboard
shows (services/notify.py writes and sends the messages)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assistant, Client, Municipality, OutboxMessage, Supervision, Supervisor
from bpa_provider.errors import ValidationError
from bpa_provider.i18n import N_
from bpa_provider.services.base import require, service
from bpa_provider.services.notify_mail import DEFAULT_TZ, PERMISSION, STATUSES


@dataclass(frozen=True)
class OutboxRow:
    """A message as `notify list` shows it (no message text: it may name people)."""

    id: int
    kind: str
    recipient: str
    status: str
    attempts: int
    next_attempt: datetime
    last_error: str
    sent_at: datetime | None = None  # when the server took it (None until sent)
    tz: str = DEFAULT_TZ  # the zone its times are shown in: the client's it is about, else the default


def _message_tz(s: Session, row: OutboxMessage, params: dict[str, Any]) -> str:
    """The zone a message's times read in: the shift's client's (its params carry it), a
    supervisor's client's, else the providers' default."""
    if params.get("tz"):
        return str(params["tz"])
    if row.recipient_kind == "supervisor":
        tz = s.execute(
            select(Municipality.timezone)
            .join(Client, Client.municipality_id == Municipality.id)
            .join(Supervision, Supervision.client_id == Client.id)
            .where(Supervision.supervisor_id == row.recipient_id)
            .order_by(Supervision.until.is_not(None), Supervision.id.desc())
            .limit(1)
        ).scalar()
        if tz:
            return str(tz)
    return DEFAULT_TZ


@service
def list_outbox(db: Database, actor: Actor, status: str | None = None) -> list[OutboxRow]:
    """The outbox, newest first; `status` narrows it (failed ones are what needs a look)."""
    require(actor, PERMISSION, what=N_("see notices"))
    if status is not None and status not in STATUSES:
        raise ValidationError(N_("must be one of: {values}"), field="status", values=", ".join(STATUSES))
    with db.read() as s:
        q = select(OutboxMessage).order_by(OutboxMessage.id.desc())
        if status:
            q = q.where(OutboxMessage.status == status)
        out = []
        for row in s.execute(q.limit(1000)).scalars():
            model = Assistant if row.recipient_kind == "assistant" else Supervisor
            ref = s.execute(select(model.ref).where(model.id == row.recipient_id)).scalar() or "?"
            try:
                params = json.loads(row.params)
            except ValueError:
                params = {}
            assert row.id is not None  # a stored row
            out.append(
                OutboxRow(
                    row.id,
                    row.kind,
                    ref,
                    row.status,
                    row.attempts,
                    row.next_attempt_utc,
                    row.last_error,
                    row.sent_at,
                    _message_tz(s, row, params if isinstance(params, dict) else {}),
                )
            )
        return out


@dataclass(frozen=True)
class DeliveryProblem:
    """A message that could not be delivered: `failed` (given up) or `retrying` (pending after a
    failed attempt), with whom it was for and the server's last answer."""

    id: int
    kind: str
    state: str  # failed, retrying
    recipient_kind: str  # assistant, supervisor
    recipient_id: int
    recipient: str  # their reference
    name: str
    attempts: int
    created: datetime
    last_error: str


@service
def delivery_problems(db: Database, actor: Actor, limit: int = 200) -> list[DeliveryProblem]:
    """Messages that failed or are being retried, oldest first (what the dashboard shows)."""
    require(actor, PERMISSION, what=N_("see notices"))
    with db.read() as s:
        rows = (
            s.execute(
                select(OutboxMessage)
                .where(
                    (OutboxMessage.status == "failed")
                    | ((OutboxMessage.status == "pending") & (OutboxMessage.attempts > 0))
                )
                .order_by(OutboxMessage.created_at, OutboxMessage.id)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        out = []
        for row in rows:
            model = Assistant if row.recipient_kind == "assistant" else Supervisor
            ref, name = s.execute(select(model.ref, model.name).where(model.id == row.recipient_id)).one_or_none() or (
                "?",
                "",
            )
            assert row.id is not None  # a stored row
            out.append(
                DeliveryProblem(
                    row.id,
                    row.kind,
                    "failed" if row.status == "failed" else "retrying",
                    row.recipient_kind,
                    row.recipient_id,
                    ref,
                    name,
                    row.attempts,
                    row.created_at,
                    row.last_error,
                )
            )
        return out
