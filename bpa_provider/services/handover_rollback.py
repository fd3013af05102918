"""Undoing what handover packages brought when an incoming transfer is cancelled (or an
assistant refuses): the hour balance reversed, assistants known only from a package forgotten,
the stored packages' contents erased, and a client who never started with us ended.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.models import (
    Assistant,
    Employment,
    HandoverExport,
    HourBalanceEntry,
    Transfer,
    TransferAssistant,
)
from bpa_provider.db.types import utcnow
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules.dates import format_date
from bpa_provider.services import transfer_rows
from bpa_provider.services.handover_match import _audit_create, stored_package


def forget_assistant(session: Session, actor: Actor, person: Assistant, why: str) -> bool:
    """An assistant we registered only from a package, who will not come to us (refused, or the
    transfer was cancelled): their national ID and birth date are not ours to keep. Nothing is
    done for someone employed with us or on another open transfer. True when something was erased."""
    if person.anonymised or not (person.national_id or person.birth_date):
        return False
    employed = session.execute(
        select(func.count()).select_from(Employment).where(Employment.assistant_id == person.id)
    ).scalar_one()
    others = session.execute(
        select(func.count())
        .select_from(TransferAssistant)
        .join(Transfer, Transfer.id == TransferAssistant.transfer_id)
        .where(
            TransferAssistant.assistant_id == person.id,
            TransferAssistant.refused_on.is_(None),
            Transfer.state.not_in(transfer_rows.ENDED_STATES),
        )
    ).scalar_one()
    if employed or others:
        return False
    before = person.model_dump()
    person.national_id, person.birth_date = None, None
    person.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "assistant",
        person.id,
        subject=person.ref,
        summary=f"national ID and birth date erased: {why}",
        before=before,
        after=person,
    )
    return True


def roll_back_incoming(session: Session, actor: Actor, ctx: Any, day: date) -> list[Msg]:
    """An incoming transfer cancelled before cut-over: what its packages created is undone where it
    can be — the client who never started with us ends (so retention reaches them), the hour
    balance entries are reversed, assistants known only from the packages are forgotten, and the
    stored packages' contents (national IDs, pay) are erased; the checksums stay as history."""
    t, client = ctx.transfer, ctx.client
    changes: list[Msg] = []
    marker = f"transfer {t.id}:"
    booked = session.execute(
        select(func.coalesce(func.sum(HourBalanceEntry.hours), 0.0)).where(
            HourBalanceEntry.client_id == client.id,
            HourBalanceEntry.source == "handover",
            HourBalanceEntry.note.like(f"{marker}%"),
        )
    ).scalar_one()
    if abs(float(booked)) >= 0.01:
        _audit_create(
            session,
            actor,
            "hour_balance_entry",
            HourBalanceEntry(
                client_id=client.id,
                entry_date=t.effective_date,
                hours=-round(float(booked), 2),
                source="handover",
                note=f"{marker} reversed: transfer cancelled {format_date(day)}",
            ),
            client.ref,
            "handover balance reversed: transfer cancelled",
        )
        changes.append(Msg(N_("hour balance from the package reversed")))
    forgotten = []
    for ta in ctx.assistants:
        person = session.get(Assistant, ta.assistant_id)
        if person is not None and forget_assistant(session, actor, person, f"transfer {t.id} cancelled"):
            forgotten.append(person.ref)
    if forgotten:
        changes.append(Msg(N_("national IDs erased for {refs}"), refs=", ".join(forgotten)))
    erased = 0
    for row in session.execute(
        select(HandoverExport).where(HandoverExport.transfer_id == t.id, HandoverExport.payload.is_not(None))
    ).scalars():
        # Only what names the other side's transfer is kept (a cancellation message needs it).
        pkg = stored_package(row.payload)
        row.payload = json.dumps(
            {
                "generated_at": pkg.get("generated_at"),
                "from_provider": pkg["from_provider"],
                "transfer": {"sender_transfer_id": pkg["transfer"]["sender_transfer_id"]},
                "erased": True,
            }
        )
        erased += 1
    if erased:
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            "handover",
            None,
            subject=client.ref,
            summary=f"contents of {erased} stored package(s) of transfer {t.id} erased: cancelled",
        )
        changes.append(Msg(N_("stored packages erased")))
    if client.status == "prospect":
        transfer_rows.end_client(
            session,
            actor,
            client,
            day,
            f"incoming transfer from {t.counterpart} cancelled",
            f"never started: transfer {t.id} cancelled",
        )
        changes.append(Msg(N_("client {ref} ended: never started with us"), ref=client.ref))
    return changes
