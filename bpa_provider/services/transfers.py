"""Provider switches: open a transfer, record its steps, inform assistants, cancel, cut over.

The workflow rules — which steps exist, their order, their due dates, what each waits for — are
`rules.transfer_flow`'s. This module persists them: a `Transfer` with one `TransferStep` row per
step (created at opening) and one `TransferAssistant` row per affected assistant. Every change
rebuilds a `TransferState` from the rows and asks the rules first, so a step out of order is
refused with the rule's message naming what is missing.

What the rows mean for people (domain.md, "Switching provider" and "Sweden"):
- Norway, outgoing: every assistant with an assignment to the client is listed and transfers with
  terms and seniority (transfer of undertaking, HR-2017-2277-A) unless a written refusal is
  recorded. There is deliberately no way to pick who goes.
- Sweden: no transfer of undertaking. The employment lasts as long as the assignment and ends with
  one month's notice when it ends; the listing says so.
- Cut-over on an outgoing transfer ends the client's assignments, rota and future planned shifts,
  and the employments of assistants with no other client; on an incoming one it creates
  employments and assignments from the imported handover package (`services.handover`).

End dates are inclusive last days (as in decisions and `rules.calendar`): the effective date is
the first day with the new provider, so our side ends on the day before.

This module holds opening, reading, recording steps, the client's consent and cancelling. The
rest is beside it: `transfer_rows` (loading the rows, the shared checks, the affected assistants
and what the switch means for each), `transfer_views` (the read models, due dates and the reading services, re-exported here),
`transfer_assistants` (informing assistants and their refusals, re-exported here) and
`transfer_cutover` (the outgoing cut-over).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Client, Transfer, TransferStep
from bpa_provider.db.types import utcnow
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules import transfer_flow as flow
from bpa_provider.rules import transfer_steps
from bpa_provider.rules.calendar import effective_date
from bpa_provider.rules.dates import format_date
from bpa_provider.services.base import require, service
from bpa_provider.services.transfer_assistants import inform_assistant, record_refusal
from bpa_provider.services.transfer_checks import check_cancel, check_consent, check_open, check_step
from bpa_provider.services.transfer_cutover import _cutover_out
from bpa_provider.services.transfer_rows import (
    ENDED_STATES,
    NOTE_OPENED,
    _assistant_names,
    _country,
    _Ctx,
    _load_for_change,
    _municipality,
    _policy,
    _refusal,
    flow_state,
    load_ctx,
    saved_id,
    sync_assistants,
    touch,
)
from bpa_provider.services.transfer_views import (
    TransferView,
    _view,
    get_transfer,
    list_transfers,
    refresh_due_dates,
    steps_due,
)

# --------------------------------------------------------------------------- opening


def open_in(
    session: Session,
    actor: Actor,
    client: Client,
    direction: str,
    counterpart: str,
    notice: date,
    agreed: date | None,
    effective: date,
    policy: Policy,
) -> _Ctx:
    """Create a transfer with its steps inside an open transaction (shared with the import).

    The notice step is done on the notice date: opening a transfer records that notice was given.
    """
    muni = _municipality(session, client)
    country = _country(muni)
    t = Transfer(
        client_id=saved_id(client),
        direction=direction,
        counterpart=counterpart,
        notice_date=notice,
        agreed_date=agreed,
        effective_date=effective,
        state=flow.STAGE_NEW,
        created_by=actor.login,
    )
    session.add(t)
    session.flush()
    dues = transfer_steps.due_dates(direction, country, notice, effective, refusal_days=policy.refusal_min_days)
    for seq, sd in enumerate(flow.steps_for(direction, country)):
        session.add(TransferStep(transfer_id=saved_id(t), code=sd.code, seq=seq, due_date=dues[sd.code]))
    session.flush()
    ctx = load_ctx(session, saved_id(t))
    state = flow.complete_step(flow_state(ctx), "notice", notice, refusal_days=policy.refusal_min_days)
    first = ctx.step("notice")
    assert first is not None
    first.done_on, first.done_by, first.note = notice, actor.login, NOTE_OPENED
    touch(t, flow.stage(state))
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "transfer",
        t.id,
        subject=client.ref,
        summary=f"transfer {direction} with {counterpart}: notice {format_date(notice)}, "
        f"effective {format_date(effective)}",
        after=t,
    )
    if direction == "out" and client.status != "transferring_out":
        before = client.model_dump()
        client.status = "transferring_out"
        client.updated_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            "client",
            client.id,
            subject=client.ref,
            summary=f"transferring out (transfer {t.id})",
            before=before,
            after=client,
        )
    sync_assistants(session, actor, ctx)
    return ctx


def open_transfer_for(session: Session, client_id: int) -> Transfer | None:
    """The client's transfer that is neither cancelled nor closed, if any."""
    return session.execute(
        select(Transfer)
        .where(Transfer.client_id == client_id, Transfer.state.not_in(ENDED_STATES))
        .order_by(Transfer.id.desc())
        .limit(1)
    ).scalar()


@service
def open_transfer(
    db: Database,
    actor: Actor,
    client_ref: str,
    direction: str,
    counterpart: str,
    notice_date: Any,
    agreed_date: Any = None,
    *,
    today: date | None = None,
    policy: Policy | None = None,
) -> TransferView:
    """Open a transfer in or out for a client; the effective date is notice + the municipality's
    notice months (relativedelta: 31 Jan + 3 months = 30 Apr) unless an agreed date is given."""
    require(actor, "transfer.write", what="open a transfer")
    policy = _policy(policy)
    counterpart, notice, agreed, errors = check_open(direction, counterpart, notice_date, agreed_date)
    with db.write() as s:
        client = s.execute(select(Client).where(Client.ref == str(client_ref).strip())).scalar()
        if client is None:
            errors.append(FieldError("client", N_("No client '{ref}'"), params={"ref": client_ref}))
        else:
            require(actor, "transfer.write", client_id=client.id, what="open a transfer")
            existing = open_transfer_for(s, saved_id(client))
            if existing is not None:
                errors.append(
                    FieldError(
                        "client",
                        N_("Client {ref} already has an open transfer ({id})"),
                        params={"ref": client.ref, "id": existing.id},
                    )
                )
            elif direction == "out" and client.status != "active":
                errors.append(
                    FieldError(
                        "client",
                        N_("Only an active client can transfer out (status: {status})"),
                        params={"status": Msg(client.status)},
                    )
                )
            elif direction == "in" and client.status in ("active", "transferring_out"):
                errors.append(
                    FieldError(
                        "client",
                        N_("Client {ref} is already ours (status: {status})"),
                        params={"ref": client.ref, "status": Msg(client.status)},
                    )
                )
        if errors:
            raise ValidationError(errors)
        assert client is not None and notice is not None
        muni = _municipality(s, client)
        effective = effective_date(notice, muni.notice_months, agreed)
        ctx = open_in(s, actor, client, direction, counterpart, notice, agreed, effective, policy)
        refresh_due_dates(ctx, policy)
        s.flush()
        return _view(s, ctx, today or date.today())


# --------------------------------------------------------------------------- steps


@service
def complete_step(
    db: Database,
    actor: Actor,
    transfer_id: int,
    code: str,
    on: Any,
    note: str = "",
    *,
    version: int | None = None,
    today: date | None = None,
    policy: Policy | None = None,
) -> TransferView:
    """Record step `code` as done on `on`; refused (ValidationError) with the rule's message when
    the step may not be done — out of order, before the effective date, an assistant not informed.

    Cut-over also applies the switch: see `_cutover_out` and `services.handover.apply_cutover_in`.
    """
    require(actor, "transfer.write", what="record transfer steps")
    policy = _policy(policy)
    today = today or date.today()
    day, note, errors = check_step(on, note, today)
    if errors:
        raise ValidationError(errors)
    assert day is not None
    with db.write() as s:
        ctx = _load_for_change(s, actor, transfer_id, version, "record transfer steps", sync=True)
        try:
            state = flow.complete_step(flow_state(ctx), code, day, refusal_days=policy.refusal_min_days)
        except flow.StepRefused as exc:
            raise _refusal(exc, _assistant_names(s, [a.assistant_id for a in ctx.assistants])) from None
        row = ctx.step(code)
        assert row is not None  # steps_for and the rows agree: both come from the rules
        before = row.model_dump()
        row.done_on, row.done_by, row.note = day, actor.login, note
        changes: list[Msg] = []
        if code == "cutover":
            if ctx.transfer.direction == "out":
                changes = _cutover_out(s, actor, ctx)
            else:
                from bpa_provider.services.handover_cutover import apply_cutover_in  # the package format lives there

                changes = apply_cutover_in(s, actor, ctx)
        touch(ctx.transfer, flow.stage(state))
        refresh_due_dates(ctx, policy)
        s.flush()
        title = next(d.title for d in flow.steps_for(ctx.transfer.direction, ctx.country) if d.code == code)
        audit.record(
            s,
            actor,
            "step",
            "transfer",
            ctx.transfer.id,
            subject=ctx.client.ref,
            summary=f"{title} done {format_date(day)}"
            + (f": {note}" if note else "")
            + (f" ({'; '.join(m.render(translate=False) for m in changes)})" if changes else ""),
            before=before,
            after=row,
        )
        return _view(s, ctx, today or date.today(), changes)


#: A client's consent to hand over the client part is given for this switch: at most this many
#: days before the notice date.
CONSENT_BEFORE_NOTICE_DAYS = 366


@service
def record_consent(
    db: Database,
    actor: Actor,
    transfer_id: int,
    on: Any = None,
    *,
    withdraw: bool = False,
    version: int | None = None,
    today: date | None = None,
) -> TransferView:
    """Record (or withdraw) the client's consent to hand over the client part of the package."""
    require(actor, "transfer.write", what="record consent")
    today = today or date.today()
    day, errors = check_consent(on, withdraw, today)
    if errors:
        raise ValidationError(errors)
    with db.write() as s:
        ctx = _load_for_change(s, actor, transfer_id, version, "record consent", must_be="not_ended")
        if day is not None and day < ctx.transfer.notice_date - timedelta(days=CONSENT_BEFORE_NOTICE_DAYS):
            # A consent years before the switch was given for something else (issue 13, fix 8).
            raise ValidationError(
                N_("cannot be more than a year before the notice date {date}"),
                field="on",
                date=format_date(ctx.transfer.notice_date),
            )
        before = ctx.transfer.model_dump()
        ctx.transfer.client_consent_on = day
        touch(ctx.transfer)
        s.flush()
        audit.record(
            s,
            actor,
            "consent",
            "transfer",
            ctx.transfer.id,
            subject=ctx.client.ref,
            summary="client consent withdrawn" if withdraw else f"client consent {format_date(day)}",
            before=before,
            after=ctx.transfer,
        )
        return _view(s, ctx, today or date.today())


@service
def cancel_transfer(
    db: Database,
    actor: Actor,
    transfer_id: int,
    reason: str,
    on: Any = None,
    *,
    version: int | None = None,
    today: date | None = None,
) -> TransferView:
    """Cancel a transfer before cut-over; the steps done stay as history, the reason is kept, and a
    client who was transferring out is active again."""
    require(actor, "transfer.write", what="cancel transfers")
    today = today or date.today()
    reason, day, errors = check_cancel(reason, on, today)
    if errors:
        raise ValidationError(errors)
    with db.write() as s:
        ctx = _load_for_change(s, actor, transfer_id, version, "cancel transfers")
        try:
            flow.cancel(flow_state(ctx), day)
        except flow.StepRefused as exc:
            raise _refusal(exc, {}, "transfer") from None
        before = ctx.transfer.model_dump()
        ctx.transfer.cancelled_reason = reason
        touch(ctx.transfer, flow.STAGE_CANCELLED)
        s.flush()
        audit.record(
            s,
            actor,
            "cancel",
            "transfer",
            ctx.transfer.id,
            subject=ctx.client.ref,
            summary=f"cancelled {format_date(day)}: {reason}",
            before=before,
            after=ctx.transfer,
        )
        client = ctx.client
        changes: list[Msg] = []
        if ctx.transfer.direction == "in":
            from bpa_provider.services.handover_rollback import roll_back_incoming

            changes = roll_back_incoming(s, actor, ctx, day)
        if ctx.transfer.direction == "out" and client.status == "transferring_out":
            cb = client.model_dump()
            client.status = "active"
            client.updated_at = utcnow()
            s.flush()
            audit.record(
                s,
                actor,
                "update",
                "client",
                client.id,
                subject=client.ref,
                summary=f"active again: transfer {ctx.transfer.id} cancelled",
                before=cb,
                after=client,
            )
        return _view(s, ctx, today, changes)


__all__ = [
    "cancel_transfer",
    "complete_step",
    "get_transfer",
    "inform_assistant",
    "list_transfers",
    "open_transfer",
    "record_consent",
    "record_refusal",
    "steps_due",
]
