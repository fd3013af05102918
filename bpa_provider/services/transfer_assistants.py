"""Assistants on a transfer: recording that one was informed with their deadline to refuse in
writing (aml. §§ 16-3, 16-6), a late deadline said aloud, and a recorded written refusal.

Who is listed and what the switch means for each is `services.transfer_rows`.
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
from bpa_provider.db.models import Assistant, TransferAssistant
from bpa_provider.errors import ServiceError, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules.dates import format_date
from bpa_provider.services.base import require, service
from bpa_provider.services.transfer_checks import check_inform, check_refusal
from bpa_provider.services.transfer_rows import _Ctx, _load_for_change, _policy, consequence, touch
from bpa_provider.services.transfer_views import TransferView, _view, refresh_due_dates


def _transfer_assistant(session: Session, ctx: _Ctx, assistant_ref: str) -> tuple[TransferAssistant, Assistant]:
    key = str(assistant_ref).strip()
    person = session.execute(select(Assistant).where(Assistant.ref == key)).scalar()
    if person is None and key.isdigit():
        person = session.get(Assistant, int(key))
    ta = next((a for a in ctx.assistants if person is not None and a.assistant_id == person.id), None)
    if person is None or ta is None:
        raise ValidationError(
            N_("Assistant {ref} is not on transfer {id}"), field="assistant", ref=key, id=ctx.transfer.id
        )
    return ta, person


@service
def inform_assistant(
    db: Database,
    actor: Actor,
    transfer_id: int,
    assistant_ref: str,
    on: Any,
    deadline: Any,
    *,
    version: int | None = None,
    today: date | None = None,
    policy: Policy | None = None,
) -> TransferView:
    """Record that an assistant was informed (aml. § 16-6) and their deadline to refuse in writing,
    which must be at least `policy.refusal_min_days` (14) days later (§ 16-3)."""
    require(actor, "transfer.write", what="record transfer steps")
    policy = _policy(policy)
    informed, until, errors = check_inform(on, deadline, policy.refusal_min_days)
    if errors:
        raise ValidationError(errors)
    assert informed is not None and until is not None
    with db.write() as s:
        ctx = _load_for_change(s, actor, transfer_id, version, "record transfer steps", must_be="open", sync=True)
        ta, person = _transfer_assistant(s, ctx, assistant_ref)
        if informed < ctx.transfer.notice_date:
            raise ValidationError(
                N_("The date cannot be before the notice date {date}"), field="on", date=ctx.transfer.notice_date
            )
        if "refusal_deadline_passed" in ctx.done and ta.informed_on is not None:
            raise ValidationError(
                N_("The refusal deadline step is done; this assistant's dates can no longer change"), field="assistant"
            )
        if ta.refused_on is not None and ta.refused_on < informed:
            raise ValidationError(
                N_("The assistant refused on {date}, before this date"), field="on", date=ta.refused_on
            )
        before = ta.model_dump()
        ta.informed_on, ta.refusal_deadline = informed, until
        touch(ctx.transfer)
        refresh_due_dates(ctx, policy)
        s.flush()
        late = late_deadline_warning(ctx.transfer.effective_date, until)
        audit.record(
            s,
            actor,
            "inform",
            "transfer_assistant",
            ta.id,
            subject=person.ref,
            summary=f"informed {format_date(informed)} of transfer {ctx.transfer.id} "
            f"(client {ctx.client.ref}); refusal deadline {format_date(until)}" + (f"; {late.message}" if late else ""),
            before=before,
            after=ta,
        )
        return _view(s, ctx, today or date.today(), [Msg(late.template, **late.params)] if late else None)


def late_deadline_warning(effective: date, deadline: date | None) -> ServiceError | None:
    """Said aloud when an assistant's refusal deadline does not pass before the effective date:
    cut-over then moves, and the other provider must be told (issue 13, fix 8)."""
    if deadline is None or deadline < effective:
        return None
    return ServiceError(
        N_(
            "the refusal deadline {deadline} is not before the effective date {effective}: cut-over "
            "cannot be before {earliest}; agree a new effective date with the other provider"
        ),
        deadline=deadline,
        effective=effective,
        earliest=deadline + timedelta(days=1),
    )


@service
def record_refusal(
    db: Database,
    actor: Actor,
    transfer_id: int,
    assistant_ref: str,
    on: Any,
    *,
    version: int | None = None,
    today: date | None = None,
    policy: Policy | None = None,
) -> TransferView:
    """Record an assistant's written refusal to transfer (aml. § 16-3), received on `on`.

    The refusal must come after they were informed and by their deadline; the view then shows the
    consequence: employment with us ends on the effective date unless they work for other clients,
    with re-hire priority for a year after ≥ 12 months of service in the last 2 years.
    """
    require(actor, "transfer.write", what="record transfer steps")
    policy = _policy(policy)
    day, errors = check_refusal(on)
    if errors:
        raise ValidationError(errors)
    assert day is not None
    with db.write() as s:
        ctx = _load_for_change(s, actor, transfer_id, version, "record transfer steps", must_be="open", sync=True)
        ta, person = _transfer_assistant(s, ctx, assistant_ref)
        if ta.refused_on is not None:
            raise ValidationError(N_("A refusal is already recorded ({date})"), field="assistant", date=ta.refused_on)
        if ta.informed_on is None or ta.refusal_deadline is None:
            raise ValidationError(
                N_("Record when the assistant was informed, and their deadline, first"), field="assistant"
            )
        if day < ta.informed_on:
            raise ValidationError(
                N_("The refusal cannot be before the assistant was informed ({date})"), field="on", date=ta.informed_on
            )
        if day > ta.refusal_deadline:
            raise ValidationError(
                N_("The refusal deadline ({date}) has passed: a later refusal does not stop the transfer"),
                field="on",
                date=ta.refusal_deadline,
            )
        before = ta.model_dump()
        ta.refused_on = day
        ta.note = consequence(s, ctx, ta).text[:500]
        touch(ctx.transfer)
        s.flush()
        audit.record(
            s,
            actor,
            "refuse",
            "transfer_assistant",
            ta.id,
            subject=person.ref,
            summary=f"written refusal {format_date(day)} of transfer {ctx.transfer.id} (client {ctx.client.ref})",
            before=before,
            after=ta,
        )
        return _view(s, ctx, today or date.today())
