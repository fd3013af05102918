"""Which shifts count as worked: "the plan becomes the actuals by default".

A shift counts as worked when it is worked or approved, or when it is planned, has ended, and no
deviation from it waits for approval; a cancelled shift never counts. Hours, invoices, the
Swedish time report and the handover balance all use this one condition.

A vacant shift (its assistant is absent, docs/absence.md) is still the client's plan but nobody's
work: it counts in the client's planned hours and in no one's working time, pay or continuity
(`staffed()`), until a substitute fills it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from bpa_provider.db.models import Shift

WORKED_STATUSES = ("worked", "approved")
NOT_STAFFED = ("cancelled", "vacant")


def staffed() -> ColumnElement[bool]:
    """SQL condition on `Shift` for the shifts someone is to work: neither cancelled nor vacant."""
    return Shift.status.not_in(NOT_STAFFED)


def counted_as_worked(now: datetime) -> ColumnElement[bool]:
    """SQL condition on `Shift` for the shifts that count as worked at instant `now`."""
    return or_(
        Shift.status.in_(WORKED_STATUSES),
        and_(Shift.status == "planned", Shift.end_utc <= now, Shift.deviation_status != "pending"),
    )


def counted_as_worked_sql(now: str) -> str:
    """`counted_as_worked` written out as SQL over the table `shift`, `now` the text standing for
    the instant (a bound parameter): for statements written out rather than compiled
    (services/hour_sums.py on SQLite)."""
    worked = ", ".join(f"'{s}'" for s in WORKED_STATUSES)
    return (
        f"shift.status IN ({worked}) OR (shift.status = 'planned' AND shift.end_utc <= {now} "
        "AND shift.deviation_status != 'pending')"
    )
