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
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import PeriodApproval, Shift
from bpa_provider.db.types import utcnow
from bpa_provider.errors import Conflict, FieldError, Invalid, NotFound, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules.dates import format_date, parse_month, to_local
from bpa_provider.services import hour_ledger
from bpa_provider.services.base import CONFLICT_MESSAGE, require, service
from bpa_provider.services.records import check_text
from bpa_provider.services.worked import staffed
from bpa_provider.services.worktime import client_info, describe_shifts, local_date, local_range, policy_or_default

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


class PeriodLocked(ValidationError):
    """A change inside a locked period: refused (exit 1), only an admin can reopen it."""

    exit_code = 1


# --------------------------------------------------------------------------- periods as typed


def week_range(text: str) -> tuple[date, date]:
    """`YYYY-Www` (ISO week) → [Monday, next Monday)."""
    m = _WEEK.match((text or "").strip())
    if not m:
        raise Invalid(N_("'{text}' is not a week: use YYYY-Www, e.g. 2026-W10"), text=text)
    try:
        monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise Invalid(N_("'{text}' is not a week of that year"), text=text) from None
    return monday, monday + timedelta(days=7)


def month_range(text: str) -> tuple[date, date]:
    """`YYYY-MM` → [first day, first day of the next month)."""
    y, m = parse_month(text)
    first = date(y, m, 1)
    return first, first + relativedelta(months=1)


def describe(first: date, last_exclusive: date) -> str:
    """The period in English dates (the access log's summaries)."""
    return f"{format_date(first)}–{format_date(last_exclusive - timedelta(days=1))}"


def period_words(first: date, last_exclusive: date) -> Msg:
    """The period as a message parameter: its dates are written the reader's way where shown."""
    return Msg("{first}–{last}", first=first, last=last_exclusive - timedelta(days=1))


# --------------------------------------------------------------------------- locks


def shift_days(sh: Shift, tz: str) -> tuple[date, date]:
    """First and last local date a shift touches (a shift ending at midnight stays on its day)."""
    return local_date(sh.start_utc, tz), local_date(sh.end_utc - timedelta(microseconds=1), tz)


def overlapping_rows(s: Session, client_id: int, first: date, last: date) -> list[PeriodApproval]:
    """Approval rows of the client whose period overlaps the dates [first, last]."""
    return list(
        s.execute(
            select(PeriodApproval)
            .where(
                PeriodApproval.client_id == client_id,
                PeriodApproval.period_start <= last,
                PeriodApproval.period_end > first,
            )
            .order_by(PeriodApproval.period_start, PeriodApproval.id)
        ).scalars()
    )


def ensure_unlocked(s: Session, client_id: int, first: date, last: date) -> None:
    """Refuse (PeriodLocked) when any date in [first, last] is in a locked period of the client."""
    for row in overlapping_rows(s, client_id, first, last):
        if row.locked_at is not None:
            raise PeriodLocked(
                N_(
                    "The period {period} is locked (by {who}): its shifts cannot change. "
                    "Only an admin can reopen it, with a reason."
                ),
                period=period_words(row.period_start, row.period_end),
                who=row.locked_by or "?",
                field="start",
            )


def is_locked(s: Session, client_id: int, first: date, last: date) -> bool:
    return any(r.locked_at is not None for r in overlapping_rows(s, client_id, first, last))


def _shifts_starting(s: Session, client_id: int, first: date, last_exclusive: date, tz: str) -> list[Shift]:
    lo, hi = local_range(first, last_exclusive, tz)
    return list(
        s.execute(
            select(Shift)
            .where(Shift.client_id == client_id, staffed(), Shift.start_utc >= lo, Shift.start_utc < hi)
            .order_by(Shift.start_utc, Shift.id)
        ).scalars()
    )


def _set_status(s: Session, client_id: int, first: date, last_exclusive: date, tz: str, old: str, new: str) -> int:
    lo, hi = local_range(first, last_exclusive, tz)
    # Bulk update: the version column is bumped by hand, so an open form still sees a conflict.
    res: CursorResult[Any] = s.execute(  # type: ignore[assignment]  # an UPDATE's result is a CursorResult
        update(Shift)
        .where(Shift.client_id == client_id, Shift.status == old, Shift.start_utc >= lo, Shift.start_utc < hi)
        .values(status=new, version=Shift.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return res.rowcount or 0


def _clear_approval(row: PeriodApproval) -> None:
    row.approved_by, row.approved_at = "", None
    row.needs_coapproval, row.coapproved_by = False, ""


def withdraw_approvals(
    s: Session, actor: Actor, client_id: int, first: date, last: date, tz: str, subject: str, why: str
) -> int:
    """A shift on [first, last] changed: approvals covering those dates no longer hold."""
    n = 0
    for row in overlapping_rows(s, client_id, first, last):
        if row.approved_at is None or row.locked_at is not None:
            continue
        before = audit.snapshot(row)
        _clear_approval(row)
        _set_status(s, client_id, row.period_start, row.period_end, tz, "approved", "planned")
        s.flush()
        audit.record(
            s,
            actor,
            "withdraw",
            "period_approval",
            row.id,
            subject=subject,
            summary=f"approval of {describe(row.period_start, row.period_end)} withdrawn: {why}",
            before=before,
            after=row,
        )
        n += 1
    return n


def _row(s: Session, client_id: int, first: date, last_exclusive: date) -> PeriodApproval | None:
    return (
        s.execute(
            select(PeriodApproval).where(
                PeriodApproval.client_id == client_id,
                PeriodApproval.period_start == first,
                PeriodApproval.period_end == last_exclusive,
            )
        )
        .scalars()
        .first()
    )


def _check_range(first: date, last_exclusive: date) -> None:
    if last_exclusive <= first:
        raise ValidationError(N_("The period must end after it starts"), field="period")
    if (last_exclusive - first).days > 31:
        raise ValidationError(N_("A period is at most a month"), field="period")


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
    _check_range(first, last_exclusive)
    pol = policy_or_default(policy)
    now = now or utcnow()
    today = today or now.date()
    with db.write() as s:
        info = client_info(s, client_id, pol)
        ensure_unlocked(s, client_id, first, last_exclusive - timedelta(days=1))
        shifts = _shifts_starting(s, client_id, first, last_exclusive, info.tz)
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
        row = _row(s, client_id, first, last_exclusive)
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
        _set_status(s, client_id, first, last_exclusive, info.tz, "planned", "approved")
        _set_status(s, client_id, first, last_exclusive, info.tz, "worked", "approved")
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
        row = _row(s, client_id, first, last_exclusive)
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


def unapproved_reasons(s: Session, client_id: int, first: date, last_exclusive: date, tz: str) -> list[Msg]:
    """Why the client's hours in the period are not ready to lock (empty: ready), each a message
    translated where it is shown."""
    reasons = []
    shifts = _shifts_starting(s, client_id, first, last_exclusive, tz)
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
    _check_range(first, last_exclusive)
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
            _clear_approval(row)
            if was_locked:
                row.reopened_reason = text
            s.flush()
            _set_status(s, client_id, row.period_start, row.period_end, info.tz, "approved", "planned")
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


def client_rows(s: Session, client_ids: Iterable[int], first: date, last_exclusive: date) -> list[PeriodApproval]:
    ids = sorted(set(client_ids))
    if not ids:
        return []
    return list(
        s.execute(
            select(PeriodApproval).where(
                PeriodApproval.client_id.in_(ids),
                PeriodApproval.period_start < last_exclusive,
                PeriodApproval.period_end > first,
            )
        ).scalars()
    )


__all__ = [
    "PeriodLocked",
    "approve_period",
    "coapprove_period",
    "decide_deviation",
    "describe",
    "ensure_unlocked",
    "is_locked",
    "lock_many",
    "lock_period",
    "lock_rows",
    "month_range",
    "pending_deviations",
    "period_words",
    "reopen_period",
    "shift_days",
    "unapproved_reasons",
    "week_range",
    "withdraw_approvals",
]
