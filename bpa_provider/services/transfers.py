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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy, load_settings
from bpa_provider.errors import FieldError, NotFound, ServiceError, ValidationError, labelled
from bpa_provider.i18n import Msg, N_, _
from bpa_provider.rules import transfer_flow as flow
from bpa_provider.rules.calendar import days_left, effective_date, fk_provider_change_earliest, rehire_priority
from bpa_provider.rules.dates import format_date, local_day_start_utc, parse_date
from bpa_provider.services.base import require, service
from bpa_provider.services.records import check_text
from bpa_provider.services.transitions import check_version
from db.engine import Database
from db.models import (
    Assignment, Assistant, Client, Employment, Municipality, RotaPattern, Shift, Transfer,
    TransferAssistant, TransferStep,
)
from db.types import utcnow

#: Transfer states after which nothing more happens.
ENDED_STATES = (flow.STAGE_CANCELLED, "closed")


def se_notice_months() -> int:
    """Sweden: an assistant's notice when the assignment ends (domain.md, "Sweden"; Policy)."""
    return load_settings().policy.se_notice_months

_ONE_DAY = timedelta(days=1)


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


# --------------------------------------------------------------------------- loading


@dataclass
class _Ctx:
    """The rows of one transfer, loaded in the current transaction."""

    transfer: Transfer
    client: Client
    country: str
    timezone: str
    steps: list[TransferStep]
    assistants: list[TransferAssistant]

    @property
    def done(self) -> dict[str, date]:
        return {st.code: st.done_on for st in self.steps if st.done_on is not None}

    def step(self, code: str) -> TransferStep | None:
        return next((st for st in self.steps if st.code == code), None)


def _policy(policy: Policy | None) -> Policy:
    return policy if policy is not None else load_settings().policy


def _municipality(session: Session, client: Client) -> Municipality:
    muni = session.get(Municipality, client.municipality_id)
    assert muni is not None  # a foreign key
    return muni


def _country(muni: Municipality) -> str:
    return "SE" if (muni.country or "").upper() == "SE" else "NO"


def load_ctx(session: Session, transfer_id: int) -> _Ctx:
    """Load a transfer with its client, steps and assistants (NotFound when there is none)."""
    t = session.get(Transfer, transfer_id)
    if t is None:
        raise NotFound(N_("Transfer {id} does not exist"), id=transfer_id)
    client = session.get(Client, t.client_id)
    assert client is not None
    muni = _municipality(session, client)
    steps = list(session.execute(
        select(TransferStep).where(TransferStep.transfer_id == t.id).order_by(TransferStep.seq)
    ).scalars())
    tas = list(session.execute(
        select(TransferAssistant).where(TransferAssistant.transfer_id == t.id).order_by(TransferAssistant.id)
    ).scalars())
    return _Ctx(t, client, _country(muni), muni.timezone, steps, tas)


def flow_state(ctx: _Ctx) -> flow.TransferState:
    """The rules' view of the rows."""
    t = ctx.transfer
    return flow.TransferState(
        direction=t.direction,
        country=ctx.country,
        notice_date=t.notice_date,
        effective_date=t.effective_date,
        done=ctx.done,
        assistants=[
            flow.AssistantState(a.assistant_id, a.informed_on, a.refusal_deadline, a.refused_on)
            for a in ctx.assistants
        ],
        cancelled=t.state == flow.STAGE_CANCELLED,
        client_consent=t.client_consent_on is not None,
    )


def touch(t: Transfer, state: str | None = None) -> None:
    """Mark a transfer changed (and set its state): bumps the version."""
    # Every write to a transfer bumps its version, so two people working on one transfer at once
    # get a Conflict instead of silently crossing each other's steps.
    if state is not None:
        t.state = state
    t.updated_at = utcnow()


def _load_for_change(
    session: Session, actor: Actor, transfer_id: int, version: int | None, what: str, *,
    must_be: Literal["open", "not_ended"] | None = None, sync: bool = False,
) -> _Ctx:
    """What every step, consent and cancellation does first, inside the caller's one write transaction.

    Loads the transfer, checks `transfer.write` for its client (`what` says what was refused) and
    the version the person read; `must_be` "open" also refuses an ended or cut-over transfer,
    "not_ended" only an ended one. `sync` lists assistants assigned since the last change first,
    so the step's checks see every affected assistant.
    """
    ctx = load_ctx(session, transfer_id)
    require(actor, "transfer.write", client_id=ctx.client.id, what=what)
    check_version(ctx.transfer, version)
    state = ctx.transfer.state
    if must_be is not None and state in ENDED_STATES:
        raise ValidationError(N_("The transfer is {state}"), field="transfer", state=Msg(state))
    if must_be == "open" and "cutover" in ctx.done:
        raise ValidationError(
            N_("The transfer was cut over on {date}"), field="transfer", date=ctx.done["cutover"],
        )
    if sync:
        sync_assistants(session, actor, ctx)
    return ctx


# --------------------------------------------------------------------------- input helpers


def _date(value: Any, name: str, label: str, errors: list[FieldError], *, required: bool = True) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(FieldError.about(name, label, N_("is required")))
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value))
    except ValueError as exc:
        errors.append(FieldError.about(name, label, exc))
        return None


def _text(value: Any, name: str, label: str, max_len: int, errors: list[FieldError], *, required: bool = False,
          multiline: bool = False) -> str:
    """Free text by the shared rule (`records.check_text`), each problem named by the field's
    English `label` (a message id: "Reason is required", translated where it is shown)."""
    found: list[FieldError] = []
    text = check_text(value, name, max_len, multiline=multiline, required=required, errors=found)
    for e in found:
        message, params = labelled(Msg(label), e.message, e.params)
        errors.append(FieldError(e.field, message, params=params))
    return text


def _refusal(exc: flow.StepRefused, names: dict[int, str], field_name: str = "step") -> ValidationError:
    # The rules name assistants by id; a person knows them by reference and name.
    params = dict(exc.params)
    aid = params.get("assistant_id")
    if aid is not None and aid in names:
        params["assistant_id"] = names[aid]
    # A step's title is itself a message id: translated where the refusal is shown.
    values = {k: (Msg(v) if k == "step" and isinstance(v, str) else v) for k, v in params.items()}
    return ValidationError(exc.template, field=field_name, **values)


def _assistant_names(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Assistant.id, Assistant.ref, Assistant.name).where(Assistant.id.in_(ids)))
    return {i: f"{ref} ({name})" for i, ref, name in rows}


# --------------------------------------------------------------------------- assistants


def _se_note() -> str:
    return _(
        "Sweden: no transfer of undertaking. The employment lasts as long as the assignment and "
        "ends with {n} month's notice when the assignment ends."
    ).format(n=se_notice_months())


def sync_assistants(session: Session, actor: Actor, ctx: _Ctx) -> list[TransferAssistant]:
    """List every assistant assigned to the client on an open outgoing transfer; returns new rows.

    Nobody is chosen: whoever still works for the client on the effective date is affected, and an
    assistant assigned after the transfer was opened is added at the next change (and must then
    be informed before cut-over).
    """
    t = ctx.transfer
    if t.direction != "out" or t.state in ENDED_STATES or "cutover" in ctx.done:
        return []
    listed = {a.assistant_id for a in ctx.assistants}
    assigned = set(session.execute(
        select(Assignment.assistant_id).where(
            Assignment.client_id == t.client_id,
            or_(Assignment.end_date.is_(None), Assignment.end_date >= t.effective_date),
        )
    ).scalars())
    added = []
    for aid in sorted(assigned - listed):
        ta = TransferAssistant(transfer_id=t.id, assistant_id=aid, note=_se_note() if ctx.country == "SE" else "")
        session.add(ta)
        session.flush()
        ref = session.get(Assistant, aid).ref  # type: ignore[union-attr]
        audit.record(session, actor, "create", "transfer_assistant", ta.id, subject=ref,
                     summary=f"listed on transfer {t.id} of client {ctx.client.ref}", after=ta)
        ctx.assistants.append(ta)
        added.append(ta)
    return added


def _other_clients(session: Session, assistant_id: int, client_id: int, on: date) -> tuple[str, ...]:
    rows = session.execute(
        select(Client.ref).join(Assignment, Assignment.client_id == Client.id).where(
            Assignment.assistant_id == assistant_id,
            Assignment.client_id != client_id,
            or_(Assignment.end_date.is_(None), Assignment.end_date >= on),
        ).distinct().order_by(Client.ref)
    ).scalars()
    return tuple(rows)


def _service_periods(session: Session, assistant_id: int) -> list[tuple[date, date | None]]:
    rows = session.execute(
        select(Employment.start_date, Employment.end_date).where(Employment.assistant_id == assistant_id)
    ).all()
    return [(start, end) for start, end in rows]


def se_employment_end(effective: date, informed_on: date | None, notice_months: int | None = None) -> date | None:
    """Sweden: the last day of employment when the assignment ends on the day before `effective`.

    Notice is given when the assistant is informed; the employment cannot end before the notice
    has run, so it is the later of the two. Unknown (None) until the assistant is informed.
    """
    if informed_on is None:
        return None
    months = se_notice_months() if notice_months is None else notice_months
    return max(effective - _ONE_DAY, informed_on + relativedelta(months=months))


@dataclass(frozen=True)
class _Consequence:
    status: str
    text: str
    other_clients: tuple[str, ...]
    rehire_until: date | None


def consequence(session: Session, ctx: _Ctx, ta: TransferAssistant) -> _Consequence:
    """What the transfer means for one assistant, in words for the coordinator and the assistant."""
    t = ctx.transfer
    eff = t.effective_date
    last = format_date(eff - _ONE_DAY)
    if t.direction == "in":
        if ta.refused_on:
            return _Consequence("refused", _("Refused in writing {date}: does not join us").format(
                date=format_date(ta.refused_on)), (), None)
        text = (_("Sweden: a new employment with us from {date}, for as long as the assignment lasts")
                if ctx.country == "SE" else
                _("Joins us on {date} with their terms and seniority (transfer of undertaking)"))
        return _Consequence("joining", text.format(date=format_date(eff)), (), None)

    others = _other_clients(session, ta.assistant_id, t.client_id, eff)
    clients = ", ".join(others)
    if ctx.country == "SE":
        if others:
            return _Consequence("stays", _(
                "Sweden: the assignment with this client ends {last}; stays employed with us (works for {clients})"
            ).format(last=last, clients=clients), others, None)
        end = se_employment_end(eff, ta.informed_on)
        text = _se_note() + " " + (
            _("Last day of employment: {date}").format(date=format_date(end)) if end
            else _("The notice runs from when the assistant is informed")
        )
        return _Consequence("ends", text, others, None)

    if ta.refused_on:
        refused = format_date(ta.refused_on)
        if others:
            return _Consequence("refused", _(
                "Refused in writing {date}: the work for this client ends {last}; stays employed with us "
                "(works for {clients})").format(date=refused, last=last, clients=clients), others, None)
        until = rehire_priority(_service_periods(session, ta.assistant_id), eff)
        text = _("Refused in writing {date}: employment with us ends {last}").format(date=refused, last=last)
        text += "; " + (
            _("re-hire priority until {date}").format(date=format_date(until)) if until
            else _("no re-hire priority (less than 12 months of service in the last 2 years)")
        )
        return _Consequence("refused", text, others, until)

    if others:
        text = _("Transfers to {to} on {date} for this client (transfer of undertaking); stays employed "
                 "with us for {clients}").format(to=t.counterpart, date=format_date(eff), clients=clients)
    else:
        text = _("Transfers to {to} on {date} with terms and seniority (transfer of undertaking); "
                 "employment with us ends {last} unless a written refusal is recorded by the deadline"
                 ).format(to=t.counterpart, date=format_date(eff), last=last)
    return _Consequence("transferring", text, others, None)


# --------------------------------------------------------------------------- due dates and views


def refresh_due_dates(ctx: _Ctx, policy: Policy) -> None:
    """Recompute the due dates of the steps not yet done from what is known now.

    The rules derive them from the notice and effective dates, the assistants' actual deadlines,
    and, for `closed`, the cut-over; done steps keep the due date they had.
    """
    t = ctx.transfer
    informed = [a.informed_on for a in ctx.assistants if a.informed_on is not None]
    dues = flow.due_dates(
        t.direction, ctx.country, t.notice_date, t.effective_date,
        max(informed) if informed else None, policy.refusal_min_days,
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
            code=st.code, title=defs[st.code].title if st.code in defs else st.code, seq=st.seq,
            reported=defs[st.code].reported if st.code in defs else False,
            law=defs[st.code].law if st.code in defs else None,
            due_date=st.due_date, done_on=st.done_on, done_by=st.done_by,
            note=_(st.note) if st.note in _STEP_NOTES else st.note,
            days_left=days_left(st.due_date, today) if st.due_date and st.done_on is None else None,
        )
        for st in ctx.steps
    )
    people = {a.id: a for a in session.execute(
        select(Assistant).where(Assistant.id.in_([ta.assistant_id for ta in ctx.assistants]))
    ).scalars()} if ctx.assistants else {}
    assistants = []
    for ta in ctx.assistants:
        person = people[ta.assistant_id]
        c = consequence(session, ctx, ta)
        assistants.append(AssistantView(
            assistant_id=ta.assistant_id, ref=person.ref, name=person.name,
            informed_on=ta.informed_on, refusal_deadline=ta.refusal_deadline, refused_on=ta.refused_on,
            deadline_days_left=days_left(ta.refusal_deadline, today) if ta.refusal_deadline else None,
            status=c.status, consequence=c.text, other_clients=c.other_clients,
            rehire_priority_until=c.rehire_until, note=ta.note,
        ))
    nxt = flow.next_step(state)
    nxt_row = ctx.step(nxt.code) if nxt else None
    return TransferView(
        id=t.id, version=t.version or 0, client_id=ctx.client.id, client_ref=ctx.client.ref,
        client_name=ctx.client.name, direction=t.direction, country=ctx.country,
        counterpart=t.counterpart, notice_date=t.notice_date, agreed_date=t.agreed_date,
        effective_date=t.effective_date, days_left=days_left(t.effective_date, today), state=t.state,
        next_step=nxt.code if nxt else None, next_title=nxt.title if nxt else None,
        next_due=nxt_row.due_date if nxt_row else None, client_consent_on=t.client_consent_on,
        cancelled_reason=t.cancelled_reason, steps=steps, assistants=tuple(assistants),
        changes=tuple(changes or ()), warnings=fk_deadline_warnings(ctx) + _package_differences(session, ctx),
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
    earliest = fk_provider_change_earliest(t.notice_date, flow.DEFAULT_POLICY.fk_day_of_month,
                                                          flow.DEFAULT_POLICY.fk_months_before)
    return (Msg(N_(
        "Försäkringskassan's deadline for form 3079 ({deadline}) is before the notice date ({notice}): "
        "a change from {effective} is late; the earliest change date Försäkringskassan's deadline "
        "still allows is {earliest}"), deadline=fk.due_date, notice=t.notice_date,
        effective=t.effective_date, earliest=earliest),)


# --------------------------------------------------------------------------- opening


#: The notes this module writes on steps, stored in English and translated when shown (a note a
#: person typed is shown as typed).
NOTE_OPENED = N_("recorded when the transfer was opened")
NOTE_FROM_PACKAGE = N_("from the other provider's handover package")
_STEP_NOTES = frozenset({NOTE_OPENED, NOTE_FROM_PACKAGE})


def open_in(
    session: Session, actor: Actor, client: Client, direction: str, counterpart: str,
    notice: date, agreed: date | None, effective: date, policy: Policy,
) -> _Ctx:
    """Create a transfer with its steps inside an open transaction (shared with the import).

    The notice step is done on the notice date: opening a transfer records that notice was given.
    """
    muni = _municipality(session, client)
    country = _country(muni)
    t = Transfer(client_id=client.id, direction=direction, counterpart=counterpart, notice_date=notice,
                 agreed_date=agreed, effective_date=effective, state=flow.STAGE_NEW, created_by=actor.login)
    session.add(t)
    session.flush()
    dues = flow.due_dates(direction, country, notice, effective, refusal_days=policy.refusal_min_days)
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
    audit.record(session, actor, "create", "transfer", t.id, subject=client.ref,
                 summary=f"transfer {direction} with {counterpart}: notice {format_date(notice)}, "
                         f"effective {format_date(effective)}", after=t)
    if direction == "out" and client.status != "transferring_out":
        before = client.model_dump()
        client.status = "transferring_out"
        client.updated_at = utcnow()
        session.flush()
        audit.record(session, actor, "update", "client", client.id, subject=client.ref,
                     summary=f"transferring out (transfer {t.id})", before=before, after=client)
    sync_assistants(session, actor, ctx)
    return ctx


def open_transfer_for(session: Session, client_id: int) -> Transfer | None:
    """The client's transfer that is neither cancelled nor closed, if any."""
    return session.execute(
        select(Transfer).where(Transfer.client_id == client_id, Transfer.state.not_in(ENDED_STATES))
        .order_by(Transfer.id.desc()).limit(1)
    ).scalar()


@service
def open_transfer(
    db: Database, actor: Actor, client_ref: str, direction: str, counterpart: str,
    notice_date: Any, agreed_date: Any = None, *, today: date | None = None, policy: Policy | None = None,
) -> TransferView:
    """Open a transfer in or out for a client; the effective date is notice + the municipality's
    notice months (relativedelta: 31 Jan + 3 months = 30 Apr) unless an agreed date is given."""
    require(actor, "transfer.write", what="open a transfer")
    policy = _policy(policy)
    errors: list[FieldError] = []
    if direction not in flow.DIRECTIONS:
        errors.append(FieldError("direction", N_("Direction must be 'in' or 'out'")))
    counterpart = _text(counterpart, "counterpart", N_("Other provider"), 200, errors, required=True)
    notice = _date(notice_date, "notice_date", N_("Notice date"), errors)
    agreed = _date(agreed_date, "agreed_date", N_("Agreed date"), errors, required=False)
    if notice and agreed and agreed < notice:
        errors.append(FieldError("agreed_date", N_("The agreed date cannot be before the notice date ({date})"),
                                 params={"date": notice}))
    with db.write() as s:
        client = s.execute(select(Client).where(Client.ref == str(client_ref).strip())).scalar()
        if client is None:
            errors.append(FieldError("client", N_("No client '{ref}'"), params={"ref": client_ref}))
        else:
            require(actor, "transfer.write", client_id=client.id, what="open a transfer")
            existing = open_transfer_for(s, client.id)
            if existing is not None:
                errors.append(FieldError("client", N_("Client {ref} already has an open transfer ({id})"),
                                         params={"ref": client.ref, "id": existing.id}))
            elif direction == "out" and client.status != "active":
                errors.append(FieldError("client", N_("Only an active client can transfer out (status: {status})"),
                                         params={"status": Msg(client.status)}))
            elif direction == "in" and client.status in ("active", "transferring_out"):
                errors.append(FieldError("client", N_("Client {ref} is already ours (status: {status})"),
                                         params={"ref": client.ref, "status": Msg(client.status)}))
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
    db: Database, actor: Actor, *, today: date | None = None, include_ended: bool = False,
) -> list[TransferSummary]:
    """Transfers, soonest effective date first; cancelled and closed ones only when asked."""
    require(actor, "transfer.read", what="see transfers")
    today = today or date.today()
    with db.read() as s:
        q = (select(Transfer, Client, Municipality.country)
             .join(Client, Client.id == Transfer.client_id)
             .join(Municipality, Municipality.id == Client.municipality_id))
        if not include_ended:
            q = q.where(Transfer.state.not_in(ENDED_STATES))
        rows = s.execute(q.order_by(Transfer.effective_date, Transfer.id)).all()
        ids = [t.id for t, _c, _m in rows]
        pending: dict[int, TransferStep] = {}
        if ids:
            for st in s.execute(
                select(TransferStep).where(TransferStep.transfer_id.in_(ids), TransferStep.done_on.is_(None))
                .order_by(TransferStep.transfer_id, TransferStep.seq)
            ).scalars():
                pending.setdefault(st.transfer_id, st)
        out = []
        for t, client, country in rows:
            nxt = pending.get(t.id) if t.state not in ENDED_STATES else None
            titles = {d.code: d.title for d in flow.steps_for(t.direction, _country_code(country))}
            out.append(TransferSummary(
                id=t.id, client_ref=client.ref, client_name=client.name, direction=t.direction,
                counterpart=t.counterpart, effective_date=t.effective_date,
                days_left=days_left(t.effective_date, today), state=t.state,
                next_step=nxt.code if nxt else None, next_title=titles.get(nxt.code) if nxt else None,
                next_due=nxt.due_date if nxt else None,
                next_days_left=days_left(nxt.due_date, today) if nxt and nxt.due_date else None,
            ))
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
            .where(TransferStep.done_on.is_(None), TransferStep.due_date <= limit,
                   Transfer.state.not_in(ENDED_STATES))
            .order_by(TransferStep.due_date, Transfer.id, TransferStep.seq)
        ).all()
        out = []
        for st, t, ref, country in rows:
            titles = {d.code: d.title for d in flow.steps_for(t.direction, _country_code(country))}
            out.append(StepDue(t.id, ref, t.direction, t.counterpart, st.code, titles.get(st.code, st.code),
                               st.due_date, days_left(st.due_date, today)))
        return out


# --------------------------------------------------------------------------- steps


@service
def complete_step(
    db: Database, actor: Actor, transfer_id: int, code: str, on: Any, note: str = "", *,
    version: int | None = None, today: date | None = None, policy: Policy | None = None,
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
        errors.append(FieldError("on", N_("cannot be after today ({today}): record a step when it is done"),
                                 params={"today": format_date(today)}))
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
        audit.record(s, actor, "step", "transfer", ctx.transfer.id, subject=ctx.client.ref,
                     summary=f"{title} done {format_date(day)}" + (f": {note}" if note else "")
                             + (f" ({'; '.join(m.render(translate=False) for m in changes)})" if changes else ""),
                     before=before, after=row)
        return _view(s, ctx, today or date.today(), changes)


def _end_row(session: Session, actor: Actor, row: Any, entity: str, subject: str, end: date, reason: str = "") -> None:
    before = row.model_dump()
    if isinstance(row, RotaPattern):
        row.valid_to = end
    else:
        row.end_date = end
    if reason and hasattr(row, "end_reason"):
        row.end_reason = reason[:200]
    row.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "end", entity, row.id, subject=subject,
                 summary=f"ended {format_date(end)}" + (f": {reason}" if reason else ""), before=before, after=row)


def _cutover_out(session: Session, actor: Actor, ctx: _Ctx) -> list[Msg]:
    """The client leaves us: end assignments, rota, future planned shifts, the client, and the
    employments of assistants with no other client."""
    t, client = ctx.transfer, ctx.client
    eff = t.effective_date
    last = eff - _ONE_DAY
    changes: list[Msg] = []
    refs = {a.id: a.ref for a in session.execute(
        select(Assistant).join(Assignment, Assignment.assistant_id == Assistant.id)
        .where(Assignment.client_id == client.id)).scalars()}

    assignments = list(session.execute(select(Assignment).where(
        Assignment.client_id == client.id, or_(Assignment.end_date.is_(None), Assignment.end_date > last),
    )).scalars())
    for a in assignments:
        _end_row(session, actor, a, "assignment", client.ref, max(last, a.start_date),
                 f"client transferred to {t.counterpart}")
    if assignments:
        changes.append(Msg(N_("{n} assignment(s) ended {date}"), n=len(assignments), date=last))

    ended = []
    for ta in ctx.assistants:
        if _other_clients(session, ta.assistant_id, client.id, eff):
            continue  # employed with us for other clients: only the assignment ends
        if ctx.country == "SE":
            end = se_employment_end(eff, ta.informed_on) or last
            reason = f"assignment ended (client moved to {t.counterpart}); {se_notice_months()} month's notice"
        elif ta.refused_on:
            end = last
            until = rehire_priority(_service_periods(session, ta.assistant_id), eff)
            reason = f"refused transfer to {t.counterpart}" + (
                f"; re-hire priority until {format_date(until)}" if until else "")
        else:
            end = last
            reason = f"transfer of undertaking to {t.counterpart}"
        for emp in session.execute(select(Employment).where(
            Employment.assistant_id == ta.assistant_id,
            or_(Employment.end_date.is_(None), Employment.end_date > end),
            Employment.start_date <= end,
        )).scalars().all():
            _end_row(session, actor, emp, "employment", refs.get(ta.assistant_id, ""), end, reason)
            ended.append(refs.get(ta.assistant_id, str(ta.assistant_id)))
    if ended:
        changes.append(Msg(N_("employment ended for {refs}"), refs=", ".join(ended)))

    patterns = list(session.execute(select(RotaPattern).where(
        RotaPattern.client_id == client.id,
        or_(RotaPattern.valid_to.is_(None), RotaPattern.valid_to > last),
    )).scalars())
    for p in patterns:
        _end_row(session, actor, p, "rota_pattern", client.ref, max(last, p.valid_from))
    if patterns:
        changes.append(Msg(N_("{n} rota pattern(s) ended"), n=len(patterns)))

    # Planned shifts from the effective date on would otherwise become "worked" by the plan-becomes-
    # actuals rule and reach payroll; they are the new provider's now.
    start_utc = local_day_start_utc(eff, ctx.timezone)
    cancelled = session.execute(
        update(Shift)
        .where(Shift.client_id == client.id, Shift.status == "planned", Shift.start_utc >= start_utc)
        .values(status="cancelled", version=Shift.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if cancelled:
        audit.record(session, actor, "update", "shift", None, subject=client.ref,
                     summary=f"{cancelled} planned shift(s) from {format_date(eff)} cancelled: "
                             f"transfer to {t.counterpart}")
        changes.append(Msg(N_("{n} planned shift(s) cancelled"), n=cancelled))

    before = client.model_dump()
    client.status, client.end_date = "ended", max(last, client.start_date or last)
    client.end_reason = f"transferred to {t.counterpart}"[:200]
    client.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "end", "client", client.id, subject=client.ref,
                 summary=f"transferred to {t.counterpart} from {format_date(eff)}", before=before, after=client)
    changes.append(Msg(N_("client {ref} ended {date}"), ref=client.ref, date=client.end_date))
    return changes


#: A client's consent to hand over the client part is given for this switch: at most this many
#: days before the notice date.
CONSENT_BEFORE_NOTICE_DAYS = 366


# --------------------------------------------------------------------------- assistants' dates


def _transfer_assistant(session: Session, ctx: _Ctx, assistant_ref: str) -> tuple[TransferAssistant, Assistant]:
    key = str(assistant_ref).strip()
    person = session.execute(select(Assistant).where(Assistant.ref == key)).scalar()
    if person is None and key.isdigit():
        person = session.get(Assistant, int(key))
    ta = next((a for a in ctx.assistants if person is not None and a.assistant_id == person.id), None)
    if person is None or ta is None:
        raise ValidationError(N_("Assistant {ref} is not on transfer {id}"), field="assistant", ref=key,
                              id=ctx.transfer.id)
    return ta, person


@service
def inform_assistant(
    db: Database, actor: Actor, transfer_id: int, assistant_ref: str, on: Any, deadline: Any, *,
    version: int | None = None, today: date | None = None, policy: Policy | None = None,
) -> TransferView:
    """Record that an assistant was informed (aml. § 16-6) and their deadline to refuse in writing,
    which must be at least `policy.refusal_min_days` (14) days later (§ 16-3)."""
    require(actor, "transfer.write", what="record transfer steps")
    policy = _policy(policy)
    errors: list[FieldError] = []
    informed = _date(on, "on", N_("Informed on"), errors)
    until = _date(deadline, "deadline", N_("Refusal deadline"), errors)
    if informed and until and not flow.refusal_deadline_valid(informed, until, policy.refusal_min_days):
        errors.append(FieldError("deadline", N_(
            "The refusal deadline must be at least {n} days after the assistant was informed ({informed}): "
            "{earliest} or later"), params={"n": policy.refusal_min_days, "informed": informed,
                                            "earliest": informed + timedelta(days=policy.refusal_min_days)}))
    if errors:
        raise ValidationError(errors)
    assert informed is not None and until is not None
    with db.write() as s:
        ctx = _load_for_change(s, actor, transfer_id, version, "record transfer steps", must_be="open", sync=True)
        ta, person = _transfer_assistant(s, ctx, assistant_ref)
        if informed < ctx.transfer.notice_date:
            raise ValidationError(N_("The date cannot be before the notice date {date}"), field="on",
                                  date=ctx.transfer.notice_date)
        if "refusal_deadline_passed" in ctx.done and ta.informed_on is not None:
            raise ValidationError(N_("The refusal deadline step is done; this assistant's dates can no longer change"),
                                  field="assistant")
        if ta.refused_on is not None and ta.refused_on < informed:
            raise ValidationError(N_("The assistant refused on {date}, before this date"), field="on",
                                  date=ta.refused_on)
        before = ta.model_dump()
        ta.informed_on, ta.refusal_deadline = informed, until
        touch(ctx.transfer)
        refresh_due_dates(ctx, policy)
        s.flush()
        late = late_deadline_warning(ctx.transfer.effective_date, until)
        audit.record(s, actor, "inform", "transfer_assistant", ta.id, subject=person.ref,
                     summary=f"informed {format_date(informed)} of transfer {ctx.transfer.id} "
                             f"(client {ctx.client.ref}); refusal deadline {format_date(until)}"
                             + (f"; {late.message}" if late else ""),
                     before=before, after=ta)
        return _view(s, ctx, today or date.today(), [Msg(late.template, **late.params)] if late else None)


def late_deadline_warning(effective: date, deadline: date | None) -> ServiceError | None:
    """Said aloud when an assistant's refusal deadline does not pass before the effective date:
    cut-over then moves, and the other provider must be told (issue 13, fix 8)."""
    if deadline is None or deadline < effective:
        return None
    return ServiceError(N_("the refusal deadline {deadline} is not before the effective date {effective}: cut-over "
                           "cannot be before {earliest}; agree a new effective date with the other provider"),
                        deadline=deadline, effective=effective, earliest=deadline + timedelta(days=1))


@service
def record_refusal(
    db: Database, actor: Actor, transfer_id: int, assistant_ref: str, on: Any, *,
    version: int | None = None, today: date | None = None, policy: Policy | None = None,
) -> TransferView:
    """Record an assistant's written refusal to transfer (aml. § 16-3), received on `on`.

    The refusal must come after they were informed and by their deadline; the view then shows the
    consequence: employment with us ends on the effective date unless they work for other clients,
    with re-hire priority for a year after ≥ 12 months of service in the last 2 years.
    """
    require(actor, "transfer.write", what="record transfer steps")
    policy = _policy(policy)
    errors: list[FieldError] = []
    day = _date(on, "on", N_("Refused on"), errors)
    if errors:
        raise ValidationError(errors)
    assert day is not None
    with db.write() as s:
        ctx = _load_for_change(s, actor, transfer_id, version, "record transfer steps", must_be="open", sync=True)
        ta, person = _transfer_assistant(s, ctx, assistant_ref)
        if ta.refused_on is not None:
            raise ValidationError(N_("A refusal is already recorded ({date})"), field="assistant", date=ta.refused_on)
        if ta.informed_on is None or ta.refusal_deadline is None:
            raise ValidationError(N_("Record when the assistant was informed, and their deadline, first"),
                                  field="assistant")
        if day < ta.informed_on:
            raise ValidationError(N_("The refusal cannot be before the assistant was informed ({date})"), field="on",
                                  date=ta.informed_on)
        if day > ta.refusal_deadline:
            raise ValidationError(N_(
                "The refusal deadline ({date}) has passed: a later refusal does not stop the transfer"
            ), field="on", date=ta.refusal_deadline)
        before = ta.model_dump()
        ta.refused_on = day
        ta.note = consequence(s, ctx, ta).text[:500]
        touch(ctx.transfer)
        s.flush()
        audit.record(s, actor, "refuse", "transfer_assistant", ta.id, subject=person.ref,
                     summary=f"written refusal {format_date(day)} of transfer {ctx.transfer.id} "
                             f"(client {ctx.client.ref})", before=before, after=ta)
        return _view(s, ctx, today or date.today())


@service
def record_consent(
    db: Database, actor: Actor, transfer_id: int, on: Any = None, *, withdraw: bool = False,
    version: int | None = None, today: date | None = None,
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
            raise ValidationError(N_("cannot be more than a year before the notice date {date}"), field="on",
                                  date=format_date(ctx.transfer.notice_date))
        before = ctx.transfer.model_dump()
        ctx.transfer.client_consent_on = day
        touch(ctx.transfer)
        s.flush()
        audit.record(s, actor, "consent", "transfer", ctx.transfer.id, subject=ctx.client.ref,
                     summary="client consent withdrawn" if withdraw else f"client consent {format_date(day)}",
                     before=before, after=ctx.transfer)
        return _view(s, ctx, today or date.today())


@service
def cancel_transfer(
    db: Database, actor: Actor, transfer_id: int, reason: str, on: Any = None, *,
    version: int | None = None, today: date | None = None,
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
        audit.record(s, actor, "cancel", "transfer", ctx.transfer.id, subject=ctx.client.ref,
                     summary=f"cancelled {format_date(day)}: {reason}", before=before, after=ctx.transfer)
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
            audit.record(s, actor, "update", "client", client.id, subject=client.ref,
                         summary=f"active again: transfer {ctx.transfer.id} cancelled", before=cb, after=client)
        return _view(s, ctx, today, changes)


__all__ = [
    "AssistantView", "StepDue", "StepView", "TransferSummary", "TransferView", "cancel_transfer",
    "complete_step", "get_transfer", "inform_assistant", "list_transfers", "open_transfer",
    "record_consent", "record_refusal", "steps_due",
]
