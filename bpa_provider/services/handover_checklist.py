"""The receiver's transfer checklist filled in from a handover package, and where the two sides'
dates differ.

- `prefill_checklist` (at import, inside its transaction): the steps the sender's package says
  are done (`transfer.steps_done`, schema 3) are done here too, on the sender's day, in the
  checklist's order and by the same rules as `transfer step` (a step the rules refuse stops the
  filling: the rest is ours to record); the client's consent date comes with them.
- `date_differences` (at import and whenever the transfer is shown): one warning per date where
  our record differs from the newest package — notice, effective date, consent, each done step
  (but the handover: sent and received are two days), each assistant's informed day and refusal
  deadline. Computed from the stored package rather
  than stored as text, so it says what is true now and in the reader's language.

Our own dates are never overwritten (docs/handover.md, *Importing*).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.models import Assistant
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules import transfer_flow as flow
from bpa_provider.services import transfer_rows
from bpa_provider.services.handover_validate import _as_date, _compact_id
from bpa_provider.services.transfer_rows import NOTE_FROM_PACKAGE

#: The steps a package can fill in. Notice is done when the transfer is opened; cut-over and
#: closing are each side's own act on its own data.
PREFILLED = (
    "client_signed",
    "sent_to_unit",
    "municipality_signed",
    "fk_notice",
    "provider_told",
    "assistants_informed",
    "refusal_deadline_passed",
    "handover",
)

_FIELDS = {
    "notice_date": N_("notice date"),
    "effective_date": N_("effective date"),
    "client_consent_on": N_("client's consent"),
}


def prefill_checklist(
    session: Session, actor: Actor, ctx: Any, doc: dict[str, Any], policy: Any, today: date
) -> list[str]:
    """Fill in what the package answers; returns the step codes done here now."""
    t, tr = ctx.transfer, doc["transfer"]
    provider = doc["from_provider"]["name"]
    consent = _as_date(tr.get("client_consent_on"))
    if consent is not None and t.client_consent_on is None:
        before = t.model_dump()
        t.client_consent_on = consent
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            "transfer",
            t.id,
            subject=ctx.client.ref,
            summary=f"client consent {consent.isoformat()} from the handover package of {provider}",
            before=before,
            after=t,
        )
    theirs = {code: _as_date(day) for code, day in (tr.get("steps_done") or {}).items()}
    filled: list[str] = []
    for sd in flow.steps_for(t.direction, ctx.country):
        if sd.code not in PREFILLED or sd.code in ctx.done:
            continue
        day = theirs.get(sd.code)
        if day is None or day > today:
            break  # steps are done in order: the rest is ours to record
        try:
            flow.complete_step(transfer_rows.flow_state(ctx), sd.code, day, refusal_days=policy.refusal_min_days)
        except flow.StepRefused:
            break
        row = ctx.step(sd.code)
        assert row is not None
        before = row.model_dump()
        row.done_on, row.done_by = day, actor.login
        row.note = NOTE_FROM_PACKAGE  # the counterpart is the transfer's; translated when shown
        session.flush()
        audit.record(
            session,
            actor,
            "step",
            "transfer",
            t.id,
            subject=ctx.client.ref,
            summary=f"{sd.title} done {day.isoformat()}: from the handover package of {provider}",
            before=before,
            after=row,
        )
        filled.append(sd.code)
    if filled:
        transfer_rows.touch(t, flow.stage(transfer_rows.flow_state(ctx)))
    return filled


def _differs(out: list[Msg], what: Any, provider: str, theirs: date | None, ours: date | None) -> None:
    if theirs is not None and ours is not None and theirs != ours:
        out.append(
            Msg(
                N_("{what}: {provider} has {theirs}, we have {ours}"),
                what=what,
                provider=provider,
                theirs=theirs,
                ours=ours,
            )
        )


def date_differences(session: Session, ctx: Any, *, include_effective: bool = True) -> list[Msg]:
    """One warning per date where our incoming transfer differs from the newest package (none for
    an outgoing transfer or before a package came)."""
    from bpa_provider.services.handover_match import latest_import

    t = ctx.transfer
    if t.direction != "in":
        return []
    doc = latest_import(session, t.id)
    if doc is None:
        return []
    tr, provider = doc["transfer"], doc["from_provider"]["name"]
    out: list[Msg] = []
    ours = {"notice_date": t.notice_date, "effective_date": t.effective_date, "client_consent_on": t.client_consent_on}
    for key, label in _FIELDS.items():
        if key == "effective_date" and not include_effective:
            continue
        _differs(out, Msg(label), provider, _as_date(tr.get(key)), ours[key])
    titles = {sd.code: sd.title for sd in flow.steps_for(t.direction, ctx.country)}
    for code, day in (tr.get("steps_done") or {}).items():
        # Sent and received are two events: a day between them is no disagreement.
        if code in PREFILLED and code in titles and code != "handover":
            _differs(out, Msg(titles[code]), provider, _as_date(day), ctx.done.get(code))
    by_id = {ta.assistant_id: ta for ta in ctx.assistants}
    people = {_compact_id(a["national_id"]): a for a in doc["employment_part"]["assistants"]}
    if by_id and people:
        for person in session.execute(select(Assistant).where(Assistant.id.in_(list(by_id)))).scalars():
            a = people.get(person.national_id)
            if a is None:
                continue
            ta = by_id[person.id]
            _differs(
                out, Msg(N_("{ref} informed"), ref=person.ref), provider, _as_date(a["informed_on"]), ta.informed_on
            )
            _differs(
                out,
                Msg(N_("{ref} refusal deadline"), ref=person.ref),
                provider,
                _as_date(a["refusal_deadline"]),
                ta.refusal_deadline,
            )
    return out
