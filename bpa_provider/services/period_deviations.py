"""Deviations: a shift whose times changed after it started keeps its plan, and the change waits for
the supervisor's decision here: accepted (the actual times stand) or rejected (the plan restored).
"""

from __future__ import annotations

from sqlalchemy import select

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Shift
from bpa_provider.db.types import utcnow
from bpa_provider.errors import Conflict, NotFound, ValidationError
from bpa_provider.i18n import N_
from bpa_provider.services.base import CONFLICT_MESSAGE, require, service
from bpa_provider.services.period_rows import ensure_unlocked, shift_days
from bpa_provider.services.validation import check_text
from bpa_provider.services.worktime import client_info, describe_shifts, local_date, policy_or_default


@service
def decide_deviation(
    db: Database, actor: Actor, shift_id: int, version: int | None, accept: bool, comment: str = ""
) -> Shift:
    """Accept a recorded deviation (the actual times stand) or reject it (the plan is restored)."""
    with db.write() as s:
        sh = s.get(Shift, shift_id)
        if sh is None:
            raise NotFound(N_("Shift {id} does not exist"), id=shift_id)
        require(actor, "hours.approve", client_id=sh.client_id, what="decide on deviations")
        # One line: it is added to the shift's note after " | " and to the change log's summary.
        text = check_text(comment, "comment", 500)
        if version is not None and sh.version != version:
            raise Conflict(CONFLICT_MESSAGE)
        info = client_info(s, sh.client_id, policy_or_default(None))
        if sh.deviation_status != "pending":
            raise ValidationError(
                N_("The shift {shift} has no deviation waiting for a decision"),
                shift=describe_shifts([sh], {info.id: info}),
                field="deviation_status",
            )
        first, last = shift_days(sh, info.tz)
        if sh.planned_start_utc is not None:
            p_first = local_date(sh.planned_start_utc, info.tz)
            first = min(first, p_first)
        ensure_unlocked(s, sh.client_id, first, last)
        before = audit.snapshot(sh)
        if accept:
            sh.deviation_status = "approved"
        else:
            sh.deviation_status = "rejected"
            if sh.planned_start_utc is not None and sh.planned_end_utc is not None:
                sh.start_utc, sh.end_utc = sh.planned_start_utc, sh.planned_end_utc
        if text:
            sh.note = (f"{sh.note} | {text}" if sh.note else text)[:500]
        sh.updated_at = utcnow()
        s.flush()
        audit.record(
            s,
            actor,
            "approve_deviation" if accept else "reject_deviation",
            "shift",
            sh.id,
            subject=info.ref,
            summary=f"deviation {'accepted' if accept else 'rejected'}" + (f": {text}" if text else ""),
            before=before,
            after=sh,
        )
        return sh


@service
def pending_deviations(db: Database, actor: Actor, client_id: int | None = None) -> list[Shift]:
    """Shifts whose recorded actual times wait for a decision (scoped for supervisors)."""
    require(actor, "roster.read", client_id=client_id, what="see rosters")
    with db.read() as s:
        q = select(Shift).where(Shift.deviation_status == "pending")
        if client_id is not None:
            q = q.where(Shift.client_id == client_id)
        if actor.is_scoped:
            q = q.where(Shift.client_id.in_(sorted(actor.client_scope or ())))
        return list(s.execute(q.order_by(Shift.start_utc, Shift.id)).scalars())
