"""Which shifts count as worked: "the plan becomes the actuals by default".

A shift counts as worked when it is worked or approved, or when it is planned, has ended, and no
deviation from it waits for approval; a cancelled shift never counts. Hours, invoices, the
Swedish time report and the handover balance all use this one condition.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from db.models import Shift

WORKED_STATUSES = ("worked", "approved")


def counted_as_worked(now: datetime) -> ColumnElement[bool]:
    """SQL condition on `Shift` for the shifts that count as worked at instant `now`."""
    return or_(
        Shift.status.in_(WORKED_STATUSES),
        and_(Shift.status == "planned", Shift.end_utc <= now, Shift.deviation_status != "pending"),
    )
