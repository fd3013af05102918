"""The periods a client's hours are approved and locked in, and the rows that record them: periods
as typed (`YYYY-Www`, `YYYY-MM`) and as words, which days a shift touches, whether a day is locked
(a change there is refused), and withdrawing the approvals of days whose shifts changed.

Shared by approval (`services.periods`), locking (`period_locks`), deviations
(`period_deviations`), roster saves and payroll; `services.periods` re-exports every name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.models import PeriodApproval, Shift
from bpa_provider.db.types import utcnow
from bpa_provider.errors import Invalid, ValidationError
from bpa_provider.i18n import N_, Msg
from bpa_provider.rules.dates import format_date, parse_month
from bpa_provider.services.worked import staffed
from bpa_provider.services.worktime import local_date, local_range

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


def shifts_starting(s: Session, client_id: int, first: date, last_exclusive: date, tz: str) -> list[Shift]:
    lo, hi = local_range(first, last_exclusive, tz)
    return list(
        s.execute(
            select(Shift)
            .where(Shift.client_id == client_id, staffed(), Shift.start_utc >= lo, Shift.start_utc < hi)
            .order_by(Shift.start_utc, Shift.id)
        ).scalars()
    )


def set_status(s: Session, client_id: int, first: date, last_exclusive: date, tz: str, old: str, new: str) -> int:
    lo, hi = local_range(first, last_exclusive, tz)
    # Bulk update: the version column is bumped by hand, so an open form still sees a conflict.
    res: CursorResult[Any] = s.execute(  # type: ignore[assignment]  # an UPDATE's result is a CursorResult
        update(Shift)
        .where(Shift.client_id == client_id, Shift.status == old, Shift.start_utc >= lo, Shift.start_utc < hi)
        .values(status=new, version=Shift.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return res.rowcount or 0


def clear_approval(row: PeriodApproval) -> None:
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
        clear_approval(row)
        set_status(s, client_id, row.period_start, row.period_end, tz, "approved", "planned")
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


def period_row(s: Session, client_id: int, first: date, last_exclusive: date) -> PeriodApproval | None:
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


def check_range(first: date, last_exclusive: date) -> None:
    if last_exclusive <= first:
        raise ValidationError(N_("The period must end after it starts"), field="period")
    if (last_exclusive - first).days > 31:
        raise ValidationError(N_("A period is at most a month"), field="period")


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
