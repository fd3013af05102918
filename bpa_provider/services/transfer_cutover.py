"""The outgoing cut-over: the client leaves us on the effective date, so their assignments, rota,
future planned shifts and the client end, and so do the employments of assistants with no other
client (Sweden: after the notice). Runs inside the cut-over step's transaction
(`services.transfers.complete_step`); the incoming cut-over is `services.handover_cutover`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.models import Assignment, Assistant, Employment, RotaPattern, Shift
from bpa_provider.db.types import utcnow
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules.calendar import rehire_priority
from bpa_provider.rules.dates import format_date, local_day_start_utc
from bpa_provider.rules.transfer_steps import last_day_before
from bpa_provider.services.transfer_rows import (
    _Ctx,
    _other_clients,
    _service_periods,
    end_client,
    saved_id,
    se_employment_end,
    se_notice_months,
)


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
    audit.record(
        session,
        actor,
        "end",
        entity,
        row.id,
        subject=subject,
        summary=f"ended {format_date(end)}" + (f": {reason}" if reason else ""),
        before=before,
        after=row,
    )


def _cutover_out(session: Session, actor: Actor, ctx: _Ctx) -> list[Msg]:
    """The client leaves us: end assignments, rota, future planned shifts, the client, and the
    employments of assistants with no other client."""
    t, client = ctx.transfer, ctx.client
    eff = t.effective_date
    last = last_day_before(eff)
    changes: list[Msg] = []
    refs = {
        a.id: a.ref
        for a in session.execute(
            select(Assistant)
            .join(Assignment, Assignment.assistant_id == Assistant.id)
            .where(Assignment.client_id == client.id)
        ).scalars()
    }

    assignments = list(
        session.execute(
            select(Assignment).where(
                Assignment.client_id == client.id,
                or_(Assignment.end_date.is_(None), Assignment.end_date > last),
            )
        ).scalars()
    )
    for a in assignments:
        _end_row(
            session,
            actor,
            a,
            "assignment",
            client.ref,
            max(last, a.start_date),
            f"client transferred to {t.counterpart}",
        )
    if assignments:
        changes.append(Msg(N_("{n} assignment(s) ended {date}"), n=len(assignments), date=last))

    ended = []
    for ta in ctx.assistants:
        if _other_clients(session, ta.assistant_id, saved_id(client), eff):
            continue  # employed with us for other clients: only the assignment ends
        if ctx.country == "SE":
            end = se_employment_end(eff, ta.informed_on) or last
            reason = f"assignment ended (client moved to {t.counterpart}); {se_notice_months()} month's notice"
        elif ta.refused_on:
            end = last
            until = rehire_priority(_service_periods(session, ta.assistant_id), eff)
            reason = f"refused transfer to {t.counterpart}" + (
                f"; re-hire priority until {format_date(until)}" if until else ""
            )
        else:
            end = last
            reason = f"transfer of undertaking to {t.counterpart}"
        for emp in (
            session.execute(
                select(Employment).where(
                    Employment.assistant_id == ta.assistant_id,
                    or_(Employment.end_date.is_(None), Employment.end_date > end),
                    Employment.start_date <= end,
                )
            )
            .scalars()
            .all()
        ):
            _end_row(session, actor, emp, "employment", refs.get(ta.assistant_id, ""), end, reason)
            ended.append(refs.get(ta.assistant_id, str(ta.assistant_id)))
    if ended:
        changes.append(Msg(N_("employment ended for {refs}"), refs=", ".join(ended)))

    patterns = list(
        session.execute(
            select(RotaPattern).where(
                RotaPattern.client_id == client.id,
                or_(RotaPattern.valid_to.is_(None), RotaPattern.valid_to > last),
            )
        ).scalars()
    )
    for p in patterns:
        _end_row(session, actor, p, "rota_pattern", client.ref, max(last, p.valid_from))
    if patterns:
        changes.append(Msg(N_("{n} rota pattern(s) ended"), n=len(patterns)))

    # Planned shifts from the effective date on would otherwise become "worked" by the plan-becomes-
    # actuals rule and reach payroll; they are the new provider's now.
    start_utc = local_day_start_utc(eff, ctx.timezone)
    cancelled = session.execute(  # an UPDATE's result is a CursorResult
        update(Shift)
        .where(Shift.client_id == client.id, Shift.status == "planned", Shift.start_utc >= start_utc)
        .values(status="cancelled", version=Shift.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if cancelled:
        audit.record(
            session,
            actor,
            "update",
            "shift",
            None,
            subject=client.ref,
            summary=f"{cancelled} planned shift(s) from {format_date(eff)} cancelled: transfer to {t.counterpart}",
        )
        changes.append(Msg(N_("{n} planned shift(s) cancelled"), n=cancelled))

    end_client(
        session,
        actor,
        client,
        max(last, client.start_date or last),
        f"transferred to {t.counterpart}",
        f"transferred to {t.counterpart} from {format_date(eff)}",
    )
    changes.append(Msg(N_("client {ref} ended {date}"), ref=client.ref, date=client.end_date))
    return changes
