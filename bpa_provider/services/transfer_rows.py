"""The rows of one transfer and what they mean: loading a `Transfer` with its steps and
assistants (`_Ctx`), the rules' view of them (`flow_state`), the checks every change does first
(`_load_for_change`), and the affected
assistants — who is listed (`sync_assistants`) and what the switch means for each (`consequence`).

The services that change transfers are in `services.transfers` (opening, steps, consent,
cancelling) and `services.transfer_assistants` (informing assistants, refusals); domain.md,
"Switching provider" and "Sweden", says what the rows mean for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy, load_settings
from bpa_provider.db.models import (
    Assignment,
    Assistant,
    Client,
    Employment,
    Municipality,
    Transfer,
    TransferAssistant,
    TransferStep,
)
from bpa_provider.db.types import utcnow
from bpa_provider.errors import NotFound, ValidationError
from bpa_provider.formats import format_date  # the language's way: the texts are for a person (sv 2027-02-02)
from bpa_provider.i18n import N_, Msg, _
from bpa_provider.rules import transfer_flow as flow
from bpa_provider.rules.calendar import rehire_priority
from bpa_provider.rules.transfer_steps import last_day_before
from bpa_provider.services.base import require
from bpa_provider.services.transitions import check_version

#: Transfer states after which nothing more happens.
ENDED_STATES = (flow.STAGE_CANCELLED, "closed")


#: The notes the app writes on steps, stored in English and translated when shown (a note a
#: person typed is shown as typed).
NOTE_OPENED = N_("recorded when the transfer was opened")
NOTE_FROM_PACKAGE = N_("from the other provider's handover package")
STEP_NOTES = frozenset({NOTE_OPENED, NOTE_FROM_PACKAGE})


def se_notice_months() -> int:
    """Sweden: an assistant's notice when the assignment ends (domain.md, "Sweden"; Policy)."""
    return load_settings().policy.se_notice_months


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


def saved_id(row: Any) -> int:
    """A row's primary key once it is in the database (the models say `int | None`: None only
    before the INSERT, which a flush or a read has done by the time this is asked)."""
    rid = row.id
    assert rid is not None, f"{type(row).__name__} has no id yet"
    return int(rid)


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
    steps = list(
        session.execute(
            select(TransferStep).where(TransferStep.transfer_id == t.id).order_by(TransferStep.seq)
        ).scalars()
    )
    tas = list(
        session.execute(
            select(TransferAssistant).where(TransferAssistant.transfer_id == t.id).order_by(TransferAssistant.id)
        ).scalars()
    )
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
            flow.AssistantState(a.assistant_id, a.informed_on, a.refusal_deadline, a.refused_on) for a in ctx.assistants
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
    session: Session,
    actor: Actor,
    transfer_id: int,
    version: int | None,
    what: str,
    *,
    must_be: Literal["open", "not_ended"] | None = None,
    sync: bool = False,
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
            N_("The transfer was cut over on {date}"),
            field="transfer",
            date=ctx.done["cutover"],
        )
    if sync:
        sync_assistants(session, actor, ctx)
    return ctx


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
    assigned = set(
        session.execute(
            select(Assignment.assistant_id).where(
                Assignment.client_id == t.client_id,
                or_(Assignment.end_date.is_(None), Assignment.end_date >= t.effective_date),
            )
        ).scalars()
    )
    added = []
    for aid in sorted(assigned - listed):
        ta = TransferAssistant(
            transfer_id=saved_id(t), assistant_id=aid, note=_se_note() if ctx.country == "SE" else ""
        )
        session.add(ta)
        session.flush()
        ref = session.get(Assistant, aid).ref  # type: ignore[union-attr]
        audit.record(
            session,
            actor,
            "create",
            "transfer_assistant",
            ta.id,
            subject=ref,
            summary=f"listed on transfer {t.id} of client {ctx.client.ref}",
            after=ta,
        )
        ctx.assistants.append(ta)
        added.append(ta)
    return added


def _other_clients(session: Session, assistant_id: int, client_id: int, on: date) -> tuple[str, ...]:
    rows = session.execute(
        select(Client.ref)
        .join(Assignment, Assignment.client_id == Client.id)
        .where(
            Assignment.assistant_id == assistant_id,
            Assignment.client_id != client_id,
            or_(Assignment.end_date.is_(None), Assignment.end_date >= on),
        )
        .distinct()
        .order_by(Client.ref)
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
    return max(last_day_before(effective), informed_on + relativedelta(months=months))


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
    last = format_date(last_day_before(eff))
    if t.direction == "in":
        if ta.refused_on:
            return _Consequence(
                "refused",
                _("Refused in writing {date}: does not join us").format(date=format_date(ta.refused_on)),
                (),
                None,
            )
        text = (
            _("Sweden: a new employment with us from {date}, for as long as the assignment lasts")
            if ctx.country == "SE"
            else _("Joins us on {date} with their terms and seniority (transfer of undertaking)")
        )
        return _Consequence("joining", text.format(date=format_date(eff)), (), None)

    others = _other_clients(session, ta.assistant_id, t.client_id, eff)
    clients = ", ".join(others)
    if ctx.country == "SE":
        if others:
            return _Consequence(
                "stays",
                _(
                    "Sweden: the assignment with this client ends {last}; stays employed with us (works for {clients})"
                ).format(last=last, clients=clients),
                others,
                None,
            )
        end = se_employment_end(eff, ta.informed_on)
        text = (
            _se_note()
            + " "
            + (
                _("Last day of employment: {date}").format(date=format_date(end))
                if end
                else _("The notice runs from when the assistant is informed")
            )
        )
        return _Consequence("ends", text, others, None)

    if ta.refused_on:
        refused = format_date(ta.refused_on)
        if others:
            return _Consequence(
                "refused",
                _(
                    "Refused in writing {date}: the work for this client ends {last}; stays employed with us "
                    "(works for {clients})"
                ).format(date=refused, last=last, clients=clients),
                others,
                None,
            )
        until = rehire_priority(_service_periods(session, ta.assistant_id), eff)
        text = _("Refused in writing {date}: employment with us ends {last}").format(date=refused, last=last)
        text += "; " + (
            _("re-hire priority until {date}").format(date=format_date(until))
            if until
            else _("no re-hire priority (less than 12 months of service in the last 2 years)")
        )
        return _Consequence("refused", text, others, until)

    if others:
        text = _(
            "Transfers to {to} on {date} for this client (transfer of undertaking); stays employed "
            "with us for {clients}"
        ).format(to=t.counterpart, date=format_date(eff), clients=clients)
    else:
        text = _(
            "Transfers to {to} on {date} with terms and seniority (transfer of undertaking); "
            "employment with us ends {last} unless a written refusal is recorded by the deadline"
        ).format(to=t.counterpart, date=format_date(eff), last=last)
    return _Consequence("transferring", text, others, None)


def end_client(session: Session, actor: Actor, client: Client, on: date, reason: str, summary: str) -> None:
    """End a client on `on` because of a transfer (cut-over out, or an incoming one cancelled
    before the client started), logged with the client as it was."""
    before = client.model_dump()
    client.status, client.end_date = "ended", on
    client.end_reason = reason[:200]
    client.updated_at = utcnow()
    session.flush()
    audit.record(
        session, actor, "end", "client", client.id, subject=client.ref, summary=summary, before=before, after=client
    )
