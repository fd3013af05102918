"""A client's hours for a period: deviations decided, the period approved by the supervisor,
co-approved when the supervisor's basic course is overdue, locked by a coordinator, reopened
only by an admin with a reason.

Which period a shift belongs to: the local date its start falls on (a night from Sunday 22:00 is
Sunday's). A lock protects every shift that *touches* a locked date, so a night into a locked
month cannot be moved either.

Approval always matches the data: changing, adding or cancelling a shift inside an approved (not
yet locked) period withdraws that approval, and the supervisor approves again. Reopening clears
lock, export mark and approval of the rows it touches, so the period goes through approval and
lock again before payroll.

This module is the approval (and the import point for every name of the four); the periods and
their rows are in `period_rows`, locking and reopening in `period_locks`, deviations in
`period_deviations`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import PeriodApproval
from bpa_provider.db.types import utcnow
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_
from bpa_provider.rules.dates import to_local
from bpa_provider.services.base import require, service
from bpa_provider.services.period_rows import (
    PeriodLocked,
    check_range,
    client_rows,
    describe,
    ensure_unlocked,
    is_locked,
    month_range,
    overlapping_rows,
    period_row,
    period_words,
    set_status,
    shift_days,
    shifts_starting,
    week_range,
    withdraw_approvals,
)
from bpa_provider.services.worktime import client_info, policy_or_default

# --------------------------------------------------------------------------- approval


def _course_overdue(s: Session, supervisor_id: int | None, today: date, policy: Policy) -> bool:
    """The onboarding service's answer, so the roster and the onboarding report agree."""
    if supervisor_id is None:
        return False
    from bpa_provider.services.onboarding import basic_course_overdue

    return basic_course_overdue(s, supervisor_id, today, within_days=policy.basic_course_within_days)


@service
def approve_period(
    db: Database,
    actor: Actor,
    client_id: int,
    first: date,
    last_exclusive: date,
    *,
    approve_deviations: bool = False,
    today: date | None = None,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> PeriodApproval:
    """The supervisor (or a coordinator) approves the client's hours for [first, last_exclusive).

    Refused while a shift in it has not ended or a deviation waits for a decision (unless
    `approve_deviations` accepts them all here). A supervisor whose basic course is overdue gets
    `needs_coapproval` when the policy asks for it: a coordinator co-approves before the lock.
    """
    require(actor, "hours.approve", client_id=client_id, what="approve this client's hours")
    check_range(first, last_exclusive)
    pol = policy_or_default(policy)
    now = now or utcnow()
    today = today or now.date()
    with db.write() as s:
        info = client_info(s, client_id, pol)
        ensure_unlocked(s, client_id, first, last_exclusive - timedelta(days=1))
        shifts = shifts_starting(s, client_id, first, last_exclusive, info.tz)
        errors = []
        open_ = [sh for sh in shifts if sh.end_utc > now]
        if open_:
            # Shifts are named by when they start, as the person sees them, never by database id.
            errors.append(
                FieldError(
                    "period",
                    N_(
                        "{n} shift(s) in the period have not ended yet (the first starts {when}); approve after they are worked"
                    ),
                    params={"n": len(open_), "when": to_local(open_[0].start_utc, info.tz)},
                )
            )
        pending = [sh for sh in shifts if sh.deviation_status == "pending"]
        if pending and not approve_deviations:
            errors.append(
                FieldError(
                    "deviations",
                    N_("{n} deviation(s) wait for a decision: the shifts starting {when}"),
                    params={"n": len(pending), "when": [to_local(sh.start_utc, info.tz) for sh in pending]},
                )
            )
        if errors:
            raise ValidationError(errors)
        for sh in pending:
            before = audit.snapshot(sh)
            sh.deviation_status = "approved"
            sh.updated_at = utcnow()
            s.flush()
            audit.record(
                s,
                actor,
                "approve_deviation",
                "shift",
                sh.id,
                subject=info.ref,
                summary="deviation approved with the period",
                before=before,
                after=sh,
            )
        row = period_row(s, client_id, first, last_exclusive)
        before = audit.snapshot(row) if row else None
        if row is None:
            row = PeriodApproval(client_id=client_id, period_start=first, period_end=last_exclusive)
            s.add(row)
        row.approved_by, row.approved_at = actor.login, now
        row.needs_coapproval = bool(
            actor.is_scoped
            and pol.coapproval_when_course_overdue
            and _course_overdue(s, actor.supervisor_id, today, pol)
        )
        row.coapproved_by = ""
        s.flush()
        set_status(s, client_id, first, last_exclusive, info.tz, "planned", "approved")
        set_status(s, client_id, first, last_exclusive, info.tz, "worked", "approved")
        note = " (needs a coordinator's co-approval: basic course overdue)" if row.needs_coapproval else ""
        audit.record(
            s,
            actor,
            "approve",
            "period_approval",
            row.id,
            subject=info.ref,
            summary=f"hours {describe(first, last_exclusive)} approved, {len(shifts)} shifts{note}",
            before=before,
            after=row,
        )
        return row


@service
def coapprove_period(db: Database, actor: Actor, client_id: int, first: date, last_exclusive: date) -> PeriodApproval:
    """A coordinator co-approves a period approved by a supervisor whose course is overdue."""
    require(actor, "roster.lock", what="co-approve hours")
    with db.write() as s:
        row = period_row(s, client_id, first, last_exclusive)
        if row is None or row.approved_at is None:
            raise ValidationError(
                N_("The period {period} has not been approved"),
                period=period_words(first, last_exclusive),
                field="period",
            )
        if not row.needs_coapproval:
            raise ValidationError(
                N_("The period {period} needs no co-approval"),
                period=period_words(first, last_exclusive),
                field="period",
            )
        before = audit.snapshot(row)
        row.coapproved_by = actor.login
        s.flush()
        subject = client_info(s, client_id, policy_or_default(None)).ref
        audit.record(
            s,
            actor,
            "coapprove",
            "period_approval",
            row.id,
            subject=subject,
            summary=f"hours {describe(first, last_exclusive)} co-approved",
            before=before,
            after=row,
        )
        return row


# Locking and deviations live in their own modules; `services.periods` stays the import point.
from bpa_provider.services.period_deviations import decide_deviation, pending_deviations  # noqa: E402
from bpa_provider.services.period_locks import (  # noqa: E402
    lock_many,
    lock_period,
    lock_rows,
    reopen_period,
    unapproved_reasons,
)

__all__ = [
    "PeriodLocked",
    "approve_period",
    "client_rows",
    "coapprove_period",
    "decide_deviation",
    "describe",
    "ensure_unlocked",
    "is_locked",
    "lock_many",
    "lock_period",
    "lock_rows",
    "month_range",
    "overlapping_rows",
    "pending_deviations",
    "period_words",
    "reopen_period",
    "shift_days",
    "unapproved_reasons",
    "week_range",
    "withdraw_approvals",
]
