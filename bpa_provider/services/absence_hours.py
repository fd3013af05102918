"""The hours an absent assistant was rostered for, per client and local day: the one basis of the
NAV refund (`report nav-refund`) and of payroll's absence lines (docs/absence.md, docs/payroll.md).

An absence keeps the plan it interrupts: the assistant's own shifts (vacant ones too, which still
name them) and the shifts a substitute took over from them (`replaces_assistant_id`). Cancelled
shifts are nobody's hours. Each shift is cut at the client's local midnight, so a night shift
counts on the days it touches, and only absent days count.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bpa_provider.db.models import Client, Municipality, Shift
from bpa_provider.rules.dates import local_day_start_utc
from bpa_provider.rules.hours import split_at_local_midnight


def rostered_hours(session: Session, assistant_id: int, first: date, last: date) -> dict[tuple[int, date], Decimal]:
    """Exact hours per (client id, local day) in [first, last] the assistant was rostered for."""
    # A day's margin either side of the UTC range: the exact test is on each client's local dates.
    lo = local_day_start_utc(first, "Europe/Oslo") - timedelta(days=1)
    hi = local_day_start_utc(last + timedelta(days=1), "Europe/Oslo") + timedelta(days=1)
    rows = session.execute(
        select(Shift.client_id, Shift.start_utc, Shift.end_utc, Municipality.timezone)
        .join(Client, Client.id == Shift.client_id)
        .join(Municipality, Municipality.id == Client.municipality_id)
        .where(
            or_(Shift.assistant_id == assistant_id, Shift.replaces_assistant_id == assistant_id),
            Shift.status != "cancelled",
            Shift.start_utc < hi,
            Shift.end_utc > lo,
        )
    ).all()
    out: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    for client_id, start, end, tz in rows:
        for day, piece_start, piece_end in split_at_local_midnight(start, end, tz):
            if first <= day <= last:
                out[(client_id, day)] += Decimal(int((piece_end - piece_start).total_seconds())) / 3600
    return dict(out)


def by_day(hours: dict[tuple[int, date], Decimal]) -> dict[date, Decimal]:
    """The same hours summed over clients, per local day."""
    out: dict[date, Decimal] = defaultdict(Decimal)
    for (_client, day), h in hours.items():
        out[day] += h
    return dict(out)
