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
and what the switch means for each), `transfer_views` (the read models and due dates),
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
from bpa_provider.db.models import Client, Municipality, Transfer, TransferStep
from bpa_provider.db.types import utcnow
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules import transfer_flow as flow
from bpa_provider.rules import transfer_steps
from bpa_provider.rules.calendar import days_left, effective_date
from bpa_provider.rules.dates import format_date
from bpa_provider.services.base import require, service
from bpa_provider.services.transfer_assistants import inform_assistant, record_refusal
from bpa_provider.services.transfer_cutover import _cutover_out
from bpa_provider.services.transfer_rows import (
    ENDED_STATES,
    NOTE_OPENED,
    _assistant_names,
    _country,
    _Ctx,
    _date,
    _load_for_change,
    _municipality,
    _policy,
    _refusal,
    _text,
    flow_state,
    load_ctx,
    sync_assistants,
    touch,
)
from bpa_provider.services.transfer_views import StepDue, TransferSummary, TransferView, _view, refresh_due_dates

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
        client_id=client.id,
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
        session.add(TransferStep(transfer_id=t.id, code=sd.code, seq=seq, due_date=dues[sd.code]))
    session.flush()
    ctx = load_ctx(session, t.id)
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
    errors: list[FieldError] = []
    if direction not in transfer_steps.DIRECTIONS:
        errors.append(FieldError("direction", N_("Direction must be 'in' or 'out'")))
    counterpart = _text(counterpart, "counterpart", N_("Other provider"), 200, errors, required=True)
    notice = _date(notice_date, "notice_date", N_("Notice date"), errors)
    agreed = _date(agreed_date, "agreed_date", N_("Agreed date"), errors, required=False)
    if notice and agreed and agreed < notice:
        errors.append(
            FieldError(
                "agreed_date", N_("The agreed date cannot be before the notice date ({date})"), params={"date": notice}
            )
        )
    with db.write() as s:
        client = s.execute(select(Client).where(Client.ref == str(client_ref).strip())).scalar()
        if client is None:
            errors.append(FieldError("client", N_("No client '{ref}'"), params={"ref": client_ref}))
        else:
            require(actor, "transfer.write", client_id=client.id, what="open a transfer")
            existing = open_transfer_for(s, client.id)
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


# --------------------------------------------------------------------------- reading


@service
def get_transfer(db: Database, actor: Actor, transfer_id: int, *, today: date | None = None) -> TransferView:
    """A transfer with its checklist, days left and the assistants' status."""
    require(actor, "transfer.read", what="see transfers")
    with db.read() as s:
        ctx = load_ctx(s, transfer_id)
        require(actor, "transfer.read", client_id=ctx.client.id, what="see transfers")
        return _view(s, ctx, today or date.today())


@service
def list_transfers(
    db: Database,
    actor: Actor,
    *,
    today: date | None = None,
    include_ended: bool = False,
) -> list[TransferSummary]:
    """Transfers, soonest effective date first; cancelled and closed ones only when asked."""
    require(actor, "transfer.read", what="see transfers")
    today = today or date.today()
    with db.read() as s:
        q = (
            select(Transfer, Client, Municipality.country)
            .join(Client, Client.id == Transfer.client_id)
            .join(Municipality, Municipality.id == Client.municipality_id)
        )
        if not include_ended:
            q = q.where(Transfer.state.not_in(ENDED_STATES))
        rows = s.execute(q.order_by(Transfer.effective_date, Transfer.id)).all()
        ids = [t.id for t, _c, _m in rows]
        pending: dict[int, TransferStep] = {}
        if ids:
            for st in s.execute(
                select(TransferStep)
                .where(TransferStep.transfer_id.in_(ids), TransferStep.done_on.is_(None))
                .order_by(TransferStep.transfer_id, TransferStep.seq)
            ).scalars():
                pending.setdefault(st.transfer_id, st)
        out = []
        for t, client, country in rows:
            nxt = pending.get(t.id) if t.state not in ENDED_STATES else None
            titles = {d.code: d.title for d in flow.steps_for(t.direction, _country_code(country))}
            out.append(
                TransferSummary(
                    id=t.id,
                    client_ref=client.ref,
                    client_name=client.name,
                    direction=t.direction,
                    counterpart=t.counterpart,
                    effective_date=t.effective_date,
                    days_left=days_left(t.effective_date, today),
                    state=t.state,
                    next_step=nxt.code if nxt else None,
                    next_title=titles.get(nxt.code) if nxt else None,
                    next_due=nxt.due_date if nxt else None,
                    next_days_left=days_left(nxt.due_date, today) if nxt and nxt.due_date else None,
                )
            )
        return out


def _country_code(raw: str | None) -> str:
    return "SE" if (raw or "").upper() == "SE" else "NO"


@service
def steps_due(db: Database, actor: Actor, today: date, within_days: int = 14) -> list[StepDue]:
    """Steps of open transfers not yet done and due within `within_days` of today (overdue too)."""
    require(actor, "transfer.read", what="see transfers")
    limit = today + timedelta(days=within_days)
    with db.read() as s:
        rows = s.execute(
            select(TransferStep, Transfer, Client.ref, Municipality.country)
            .join(Transfer, Transfer.id == TransferStep.transfer_id)
            .join(Client, Client.id == Transfer.client_id)
            .join(Municipality, Municipality.id == Client.municipality_id)
            .where(TransferStep.done_on.is_(None), TransferStep.due_date <= limit, Transfer.state.not_in(ENDED_STATES))
            .order_by(TransferStep.due_date, Transfer.id, TransferStep.seq)
        ).all()
        out = []
        for st, t, ref, country in rows:
            titles = {d.code: d.title for d in flow.steps_for(t.direction, _country_code(country))}
            out.append(
                StepDue(
                    t.id,
                    ref,
                    t.direction,
                    t.counterpart,
                    st.code,
                    titles.get(st.code, st.code),
                    st.due_date,
                    days_left(st.due_date, today),
                )
            )
        return out


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
    errors: list[FieldError] = []
    day = _date(on, "on", N_("Date"), errors)
    note = _text(note, "note", N_("Note"), 500, errors, multiline=True)
    today = today or date.today()
    if day is not None and day > today:
        # A step is recorded when it has happened: a cut-over "done" months ahead would end
        # employments and the client's assignments now (issue 13, fix 8).
        errors.append(
            FieldError(
                "on",
                N_("cannot be after today ({today}): record a step when it is done"),
                params={"today": format_date(today)},
            )
        )
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
    errors: list[FieldError] = []
    day = None if withdraw else _date(on, "on", N_("Consent date"), errors)
    today = today or date.today()
    if day is not None and day > today:
        errors.append(FieldError("on", N_("cannot be after today ({today})"), params={"today": format_date(today)}))
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
    errors: list[FieldError] = []
    reason = _text(reason, "reason", N_("Reason"), 500, errors, required=True)
    day = _date(on, "on", N_("Date"), errors, required=False) or today
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
            from bpa_provider.services.handover_apply import roll_back_incoming

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
