"""Locking a client's hours for a period and reopening them: a coordinator locks an approved period
(its shifts can no longer change; payroll locks and marks a month exported for many clients at
once), and only an admin reopens it, with a reason, which sends the hours through approval and
lock again. What is still missing before a lock is `unapproved_reasons`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import PeriodApproval
from bpa_provider.db.types import utcnow
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.services import hour_ledger
from bpa_provider.services.base import require, service
from bpa_provider.services.period_rows import (
    check_range,
    clear_approval,
    describe,
    ensure_unlocked,
    overlapping_rows,
    period_words,
    set_status,
    shifts_starting,
)
from bpa_provider.services.validation import check_text
from bpa_provider.services.worktime import client_info, local_date, policy_or_default


def unapproved_reasons(s: Session, client_id: int, first: date, last_exclusive: date, tz: str) -> list[Msg]:
    """Why the client's hours in the period are not ready to lock (empty: ready), each a message
    translated where it is shown."""
    reasons = []
    shifts = shifts_starting(s, client_id, first, last_exclusive, tz)
    pending = [sh for sh in shifts if sh.deviation_status == "pending"]
    if pending:
        reasons.append(Msg(N_("{n} deviation(s) wait for a decision"), n=len(pending)))
    unapproved = [sh for sh in shifts if sh.status != "approved"]
    if unapproved:
        days = sorted({local_date(sh.start_utc, tz) for sh in unapproved})
        reasons.append(Msg(N_("{n} shift(s) not approved (from {day})"), n=len(unapproved), day=days[0]))
    for row in overlapping_rows(s, client_id, first, last_exclusive - timedelta(days=1)):
        if row.approved_at is not None and row.needs_coapproval and not row.coapproved_by:
            reasons.append(
                Msg(
                    N_("the approval of {period} waits for a coordinator's co-approval"),
                    period=period_words(row.period_start, row.period_end),
                )
            )
    return reasons


def lock_rows(
    s: Session,
    actor: Actor,
    client_id: int,
    first: date,
    last_exclusive: date,
    subject: str,
    now: datetime,
    *,
    exported: bool = False,
) -> PeriodApproval:
    """Lock (and optionally mark exported) the row for exactly this period, creating it if needed."""
    return lock_many(s, actor, {client_id: subject}, first, last_exclusive, now, exported=exported)[client_id]


def lock_many(
    s: Session,
    actor: Actor,
    clients: dict[int, str],
    first: date,
    last_exclusive: date,
    now: datetime,
    *,
    exported: bool = False,
) -> dict[int, PeriodApproval]:
    """`lock_rows` for several clients (id -> reference) at once, as a month's payroll does: one
    read of their rows, the changes flushed together and the access-log rows in one INSERT."""
    ids = sorted(clients)
    found: dict[int, PeriodApproval] = {}
    for part in (ids[i : i + 5000] for i in range(0, len(ids), 5000)):
        for row in s.execute(
            select(PeriodApproval)
            .where(
                PeriodApproval.client_id.in_(part),
                PeriodApproval.period_start == first,
                PeriodApproval.period_end == last_exclusive,
            )
            .order_by(PeriodApproval.id)
        ).scalars():
            found.setdefault(row.client_id, row)
    befores = {cid: audit.snapshot(row) for cid, row in found.items()}
    for cid in ids:
        approval = found.get(cid)
        if approval is None:
            approval = found[cid] = PeriodApproval(client_id=cid, period_start=first, period_end=last_exclusive)
            s.add(approval)
        if approval.locked_at is None:
            approval.locked_by, approval.locked_at = actor.login, now
        if exported:
            approval.exported_at = now
    s.flush()
    # A month now wholly locked gets its hour-ledger row, in this transaction (the outlook reads it).
    hour_ledger.refresh(s, ids, first, last_exclusive, now)
    summary = f"{describe(first, last_exclusive)} {'exported to payroll and locked' if exported else 'locked'}"
    audit.record_entries(
        s,
        actor,
        "export" if exported else "lock",
        "period_approval",
        [audit.Entry(found[cid].id, clients[cid], summary, befores.get(cid), found[cid]) for cid in ids],
    )
    return found


@service
def lock_period(
    db: Database, actor: Actor, client_id: int, first: date, last_exclusive: date, *, now: datetime | None = None
) -> PeriodApproval:
    """The coordinator locks an approved period: its shifts can no longer change."""
    require(actor, "roster.lock", what="lock periods")
    check_range(first, last_exclusive)
    with db.write() as s:
        info = client_info(s, client_id, policy_or_default(None))
        ensure_unlocked(s, client_id, first, last_exclusive - timedelta(days=1))
        reasons = unapproved_reasons(s, client_id, first, last_exclusive, info.tz)
        if reasons:
            raise ValidationError(
                [
                    FieldError(
                        "period",
                        N_("Cannot lock {period}: {why}"),
                        params={"period": period_words(first, last_exclusive), "why": r},
                    )
                    for r in reasons
                ]
            )
        return lock_rows(s, actor, client_id, first, last_exclusive, info.ref, now or utcnow())


@service
def reopen_period(
    db: Database, actor: Actor, client_id: int, first: date, last_exclusive: date, reason: str
) -> list[PeriodApproval]:
    """An admin reopens locked periods overlapping [first, last_exclusive), with a reason.

    Every row touched loses its lock, export mark and approval, so the hours go through approval
    and lock again; the reason is kept on the row and in the audit log.
    """
    require(actor, "roster.reopen", what="reopen locked periods")
    with db.write() as s:
        text = check_text(
            reason,
            "reason",
            500,
            required=True,
            messages={
                "required": N_("A reason is required to reopen a locked period"),
                "long": N_("The reason is too long (at most 500 characters)"),
            },
        )
        info = client_info(s, client_id, policy_or_default(None))
        rows = overlapping_rows(s, client_id, first, last_exclusive - timedelta(days=1))
        if not any(r.locked_at is not None for r in rows):
            raise ValidationError(
                N_("Nothing is locked in {period}"), period=period_words(first, last_exclusive), field="period"
            )
        for row in rows:
            before = audit.snapshot(row)
            was_locked = row.locked_at is not None
            row.locked_by, row.locked_at, row.exported_at = "", None, None
            clear_approval(row)
            if was_locked:
                row.reopened_reason = text
            s.flush()
            set_status(s, client_id, row.period_start, row.period_end, info.tz, "approved", "planned")
            audit.record(
                s,
                actor,
                "reopen",
                "period_approval",
                row.id,
                subject=info.ref,
                summary=f"{describe(row.period_start, row.period_end)} reopened: {text}",
                before=before,
                after=row,
            )
        # The months reopened leave the hour ledger until they are locked again (a correction).
        hour_ledger.refresh(
            s, [client_id], min(r.period_start for r in rows), max(r.period_end for r in rows), utcnow()
        )
        return rows
