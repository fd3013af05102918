"""What a person sees of a transfer: the read models (`TransferView`, `TransferSummary`,
`StepDue`) and the services that read them (`get_transfer`, `list_transfers`, `steps_due`), the due dates recomputed from what is known now, and the warnings kept in view (a
Försäkringskassan deadline before the notice, dates differing from the handover package).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assistant, Client, Municipality, Transfer, TransferStep
from bpa_provider.i18n import N_, Msg, _
from bpa_provider.rules import transfer_flow as flow
from bpa_provider.rules import transfer_steps
from bpa_provider.rules.calendar import days_left, fk_provider_change_earliest
from bpa_provider.services.base import require, service
from bpa_provider.services.transfer_rows import (
    ENDED_STATES,
    STEP_NOTES,
    _Ctx,
    consequence,
    flow_state,
    load_ctx,
    saved_id,
)

# --------------------------------------------------------------------------- read models


@dataclass(frozen=True)
class StepView:
    """One step of the checklist as a person sees it."""

    code: str
    title: str
    seq: int
    reported: bool  # another party's step, recorded as reported to us
    law: str | None
    due_date: date | None
    done_on: date | None
    done_by: str
    note: str
    days_left: int | None  # to the due date; None once done


@dataclass(frozen=True)
class AssistantView:
    """An assistant affected by the transfer, with what it means for them."""

    assistant_id: int
    ref: str
    name: str
    informed_on: date | None
    refusal_deadline: date | None
    refused_on: date | None
    deadline_days_left: int | None
    status: str  # transferring, refused, ends (SE), stays (SE, other clients), joining (incoming)
    consequence: str
    other_clients: tuple[str, ...]
    rehire_priority_until: date | None
    note: str


@dataclass(frozen=True)
class TransferView:
    """A transfer with its checklist and assistants; `changes` lists what the last write did."""

    id: int
    version: int
    client_id: int
    client_ref: str
    client_name: str
    direction: str
    country: str
    counterpart: str
    notice_date: date
    agreed_date: date | None
    effective_date: date
    days_left: int
    state: str
    next_step: str | None
    next_title: str | None
    next_due: date | None
    client_consent_on: date | None
    cancelled_reason: str
    steps: tuple[StepView, ...]
    assistants: tuple[AssistantView, ...]
    # Message ids with their values (i18n.Msg), translated where shown: str(m) in the reader's language.
    changes: tuple[Msg, ...] = ()
    warnings: tuple[Msg, ...] = ()  # e.g. a deadline that fell before the notice (fk_deadline_warnings)


@dataclass(frozen=True)
class TransferSummary:
    """One line of the transfers list."""

    id: int
    client_ref: str
    client_name: str
    direction: str
    counterpart: str
    effective_date: date
    days_left: int
    state: str
    next_step: str | None
    next_title: str | None
    next_due: date | None
    next_days_left: int | None


@dataclass(frozen=True)
class StepDue:
    """A step not yet done whose due date is near or past (the dashboard's transfer items)."""

    transfer_id: int
    client_ref: str
    direction: str
    counterpart: str
    code: str
    title: str
    due_date: date
    days_left: int


# --------------------------------------------------------------------------- due dates and views


def refresh_due_dates(ctx: _Ctx, policy: Policy) -> None:
    """Recompute the due dates of the steps not yet done from what is known now.

    The rules derive them from the notice and effective dates, the assistants' actual deadlines,
    and, for `closed`, the cut-over; done steps keep the due date they had.
    """
    t = ctx.transfer
    informed = [a.informed_on for a in ctx.assistants if a.informed_on is not None]
    dues = transfer_steps.due_dates(
        t.direction,
        ctx.country,
        t.notice_date,
        t.effective_date,
        max(informed) if informed else None,
        policy.refusal_min_days,
        deadlines=[a.refusal_deadline for a in ctx.assistants],
    )
    cut = ctx.done.get("cutover")
    if cut is not None:
        # Closing is due the policy's days after the actual cut-over, not the planned one.
        dues["closed"] = cut + (dues["closed"] - dues["cutover"])
    for st in ctx.steps:
        if st.done_on is None and st.code in dues and st.due_date != dues[st.code]:
            st.due_date = dues[st.code]


def _view(session: Session, ctx: _Ctx, today: date, changes: list[Msg] | None = None) -> TransferView:
    t = ctx.transfer
    state = flow_state(ctx)
    defs = {d.code: d for d in flow.steps_for(t.direction, ctx.country)}
    steps = tuple(
        StepView(
            code=st.code,
            title=defs[st.code].title if st.code in defs else st.code,
            seq=st.seq,
            reported=defs[st.code].reported if st.code in defs else False,
            law=defs[st.code].law if st.code in defs else None,
            due_date=st.due_date,
            done_on=st.done_on,
            done_by=st.done_by,
            note=_(st.note) if st.note in STEP_NOTES else st.note,
            days_left=days_left(st.due_date, today) if st.due_date and st.done_on is None else None,
        )
        for st in ctx.steps
    )
    people = (
        {
            a.id: a
            for a in session.execute(
                select(Assistant).where(Assistant.id.in_([ta.assistant_id for ta in ctx.assistants]))
            ).scalars()
        }
        if ctx.assistants
        else {}
    )
    assistants = []
    for ta in ctx.assistants:
        person = people[ta.assistant_id]
        c = consequence(session, ctx, ta)
        assistants.append(
            AssistantView(
                assistant_id=ta.assistant_id,
                ref=person.ref,
                name=person.name,
                informed_on=ta.informed_on,
                refusal_deadline=ta.refusal_deadline,
                refused_on=ta.refused_on,
                deadline_days_left=days_left(ta.refusal_deadline, today) if ta.refusal_deadline else None,
                status=c.status,
                consequence=c.text,
                other_clients=c.other_clients,
                rehire_priority_until=c.rehire_until,
                note=ta.note,
            )
        )
    nxt = flow.next_step(state)
    nxt_row = ctx.step(nxt.code) if nxt else None
    return TransferView(
        id=saved_id(t),
        version=t.version or 0,
        client_id=saved_id(ctx.client),
        client_ref=ctx.client.ref,
        client_name=ctx.client.name,
        direction=t.direction,
        country=ctx.country,
        counterpart=t.counterpart,
        notice_date=t.notice_date,
        agreed_date=t.agreed_date,
        effective_date=t.effective_date,
        days_left=days_left(t.effective_date, today),
        state=t.state,
        next_step=nxt.code if nxt else None,
        next_title=nxt.title if nxt else None,
        next_due=nxt_row.due_date if nxt_row else None,
        client_consent_on=t.client_consent_on,
        cancelled_reason=t.cancelled_reason,
        steps=steps,
        assistants=tuple(assistants),
        changes=tuple(changes or ()),
        warnings=fk_deadline_warnings(ctx) + _package_differences(session, ctx),
    )


def _package_differences(session: Session, ctx: _Ctx) -> tuple[Msg, ...]:
    """Where our incoming transfer's dates differ from the newest handover package: kept in view
    until the two sides agree (computed from the stored package, in the reader's language)."""
    from bpa_provider.services.handover_checklist import date_differences  # the package format lives there

    return tuple(date_differences(session, ctx))


def fk_deadline_warnings(ctx: _Ctx) -> tuple[Msg, ...]:
    """Sweden: form 3079 must reach Försäkringskassan by the 15th of the month before the change;
    when that day is already before the notice (notice 31 January, change in February: deadline
    15 January), say so and give the earliest change date the deadline still allows."""
    fk = ctx.step("fk_notice")
    t = ctx.transfer
    if fk is None or fk.done_on is not None or fk.due_date is None or fk.due_date >= t.notice_date:
        return ()
    earliest = fk_provider_change_earliest(
        t.notice_date, transfer_steps.DEFAULT_POLICY.fk_day_of_month, transfer_steps.DEFAULT_POLICY.fk_months_before
    )
    return (
        Msg(
            N_(
                "Försäkringskassan's deadline for form 3079 ({deadline}) is before the notice date ({notice}): "
                "a change from {effective} is late; the earliest change date Försäkringskassan's deadline "
                "still allows is {earliest}"
            ),
            deadline=fk.due_date,
            notice=t.notice_date,
            effective=t.effective_date,
            earliest=earliest,
        ),
    )


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
            nxt = pending.get(saved_id(t)) if t.state not in ENDED_STATES else None
            titles = {d.code: d.title for d in flow.steps_for(t.direction, _country_code(country))}
            out.append(
                TransferSummary(
                    id=saved_id(t),
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
            due = st.due_date
            assert due is not None  # the query asks for steps due by `limit`
            out.append(
                StepDue(
                    saved_id(t),
                    ref,
                    t.direction,
                    t.counterpart,
                    st.code,
                    titles.get(st.code, st.code),
                    due,
                    days_left(due, today),
                )
            )
        return out
