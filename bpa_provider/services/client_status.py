"""A client's status as of a day: a prospect whose start date has come is active.

Nothing in the app writes "active" when a prospect's start date arrives (no daily job runs), so
the status a person reads is worked out when it is read: the stored `prospect` stands until the
start date, and from that day on lists, filters and the client's screen say `active`. The stored
value is left as it is (a handover still sees the prospect it opened), and a status set on purpose
(`active` before the start, `ended`, `transferring_out`) is shown as stored. A client coming to
us by an open incoming transfer stays a prospect until the cut-over makes it active, even when
the cut-over is late.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from bpa_provider.db.models import Client, Transfer

# A transfer's states after which it no longer holds a client back (services/transfer_rows.py).
_ENDED = ("cancelled", "closed")


def _incoming_open() -> Any:
    """SQL: the client has an incoming transfer that is not over yet."""
    return exists(
        select(Transfer.id).where(
            Transfer.client_id == Client.id, Transfer.direction == "in", Transfer.state.not_in(_ENDED)
        )
    )


def status_on(status: str, start_date: date | None, today: date) -> str:
    """The status to show on `today`."""
    if status == "prospect" and start_date is not None and start_date <= today:
        return "active"
    return status


def as_of(session: Session, client: Client, today: date) -> Client:
    """The client as read on `today`: a copy with its status worked out when that differs."""
    shown = status_on(client.status, client.start_date, today)
    if shown == client.status:
        return client
    waiting = select(_incoming_open()).where(Client.id == client.id)
    if session.execute(waiting).scalar():
        return client
    copy = Client.model_validate(client.model_dump())
    copy.status = shown
    return copy


def status_is(value: str, today: date) -> Any:
    """The SQL condition for "status shown on `today` is `value`" (a list's status filter)."""
    started = and_(
        Client.status == "prospect", Client.start_date.is_not(None), Client.start_date <= today, ~_incoming_open()
    )
    if value == "active":
        return or_(Client.status == "active", started)
    if value == "prospect":
        return and_(
            Client.status == "prospect", or_(Client.start_date.is_(None), Client.start_date > today, _incoming_open())
        )
    return Client.status == value
