"""Invoice basis: per municipality and client, the hours worked in a month × the hourly rate in force.

Hours worked: shifts worked or approved, or planned and ended without a deviation waiting for a
decision (the plan becomes the actuals), counted in the month their local start date is in,
summed in SQL. The rate: the municipality's dated rate with
the latest `valid_from` on or before the first of the month; a Swedish client without one falls back
to the state rate (schablonbelopp: `municipality_id` empty, country SE). No rate: amount left empty.

Money is `Decimal`: hours are rounded to 0.01 h and the amount is hours x rate rounded per line,
half up, by `rules.money` — the same rule as Försäkringskassan's invoice basis in `sweden_reports.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, extract, func, select
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Client, HourlyRate, Municipality, Shift
from bpa_provider.db.types import utcnow
from bpa_provider.errors import ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules import money
from bpa_provider.services.base import require, service
from bpa_provider.services.worked import counted_as_worked


def local_range(first: date, last_exclusive: date, tz: str) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at `first` and at `last_exclusive` (as
    `services.worktime_data.local_range`; not imported from there, whose import brings the whole
    working-time stack into the invoice command: ~25 ms of its start for nothing)."""
    zone = ZoneInfo(tz)
    lo = datetime.combine(first, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    hi = datetime.combine(last_exclusive, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    return lo, hi


@dataclass(frozen=True)
class InvoiceLine:
    """One client's month: hours, the rate applied (from when), amount and currency."""

    municipality: str
    country: str
    client_ref: str
    client_name: str
    hours: Decimal  # rounded to 0.01 h
    rate: Decimal | None
    currency: str
    amount: Decimal | None  # money.line_amount(hours, rate)
    rate_valid_from: date | None
    note: str = ""


COLUMNS = [
    "municipality",
    "country",
    "client_ref",
    "client_name",
    "hours",
    "rate",
    "currency",
    "amount",
    "rate_valid_from",
    "note",
]


def hours_sql(dialect: str) -> ColumnElement[Any]:
    """Real elapsed hours of a shift, as SQL (instants are stored as naive UTC on both engines)."""
    if dialect == "sqlite":
        return (func.julianday(Shift.end_utc) - func.julianday(Shift.start_utc)) * 24.0
    return extract("epoch", Shift.end_utc - Shift.start_utc) / 3600.0


# Worked hours: the shared reading of "the plan becomes the actuals".
counted = counted_as_worked


def rate_for(s: Session, municipality_id: int, country: str, on: date) -> HourlyRate | None:
    """The municipality's rate in force on `on`; for Sweden, else the state rate."""
    return rates_in_force(s, {municipality_id: country}, on).get(municipality_id)


def rates_in_force(s: Session, municipalities: dict[int, str], on: date) -> dict[int, HourlyRate | None]:
    """Per municipality id (-> its country), the rate in force on `on`: the municipality's with the
    latest `valid_from` on or before it; for a Swedish one without, the state rate. One read of
    the rates (a short table) instead of one or two statements per municipality."""
    found: dict[int | None, HourlyRate] = {}
    for rate in s.execute(
        select(HourlyRate).where(HourlyRate.valid_from <= on).order_by(HourlyRate.valid_from, HourlyRate.id)
    ).scalars():
        if rate.municipality_id is not None or rate.country == "SE":
            found[rate.municipality_id] = rate  # ordered: the latest valid_from wins
    return {
        mid: found.get(mid) or (found.get(None) if country == "SE" else None) for mid, country in municipalities.items()
    }


@service
def invoice_basis(
    db: Database, actor: Actor, year: int, month: int, *, now: datetime | None = None
) -> list[InvoiceLine]:
    """Invoice lines for the month, by municipality then client (a supervisor: own clients only)."""
    require(actor, "report.read", what="see reports")
    if not 1 <= month <= 12:
        raise ValidationError(N_("The month must be 01-12"), field="month")
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1)
    now = now or utcnow()
    out: list[InvoiceLine] = []
    with db.read() as s:
        hours = hours_sql(db.dialect)
        zones = s.execute(select(Municipality.timezone).distinct()).scalars().all()
        totals: dict[int, float] = {}
        # Zones whose month begins and ends at the same instants (Oslo and Stockholm always do)
        # share one statement: one pass over the month's shifts instead of one per zone.
        ranges: dict[tuple[datetime, datetime], list[str]] = {}
        for tz in zones:
            ranges.setdefault(local_range(first, last, tz), []).append(tz)
        for (lo, hi), tzs in ranges.items():
            q = (
                select(Shift.client_id, func.sum(hours))
                .join(Client, Client.id == Shift.client_id)
                .join(Municipality, Municipality.id == Client.municipality_id)
                .where(Municipality.timezone.in_(tzs), counted(now), Shift.start_utc >= lo, Shift.start_utc < hi)
                .group_by(Shift.client_id)
            )
            if actor.is_scoped:
                q = q.where(Shift.client_id.in_(sorted(actor.client_scope or ())))
            totals.update({cid: float(h or 0) for cid, h in s.execute(q).all()})
        if not totals:
            return []
        clients = s.execute(
            select(Client.id, Client.ref, Client.name, Municipality.id, Municipality.name, Municipality.country)
            .join(Municipality, Municipality.id == Client.municipality_id)
            .where(Client.id.in_(sorted(totals)))
        ).all()
        rates = rates_in_force(s, {c[3]: (c[5] or "NO").upper() for c in clients}, first)
        for cid, ref, name, muni_id, muni_name, muni_country in clients:
            rate = rates[muni_id]
            h = money.quantity(totals[cid])
            price = money.money(rate.rate) if rate else None
            out.append(
                InvoiceLine(
                    municipality=muni_name,
                    country=(muni_country or "NO").upper(),
                    client_ref=ref,
                    client_name=name,
                    hours=h,
                    rate=price,
                    currency=rate.currency if rate else "",
                    amount=money.line_amount(h, price) if price is not None else None,
                    rate_valid_from=rate.valid_from if rate else None,
                    note="" if rate else _("no hourly rate in force"),
                )
            )
    return sorted(out, key=lambda line: (line.municipality, line.client_ref))


__all__ = ["COLUMNS", "InvoiceLine", "hours_sql", "invoice_basis", "rate_for", "rates_in_force"]
