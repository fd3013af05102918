"""Invoice basis: per municipality and client, the hours worked in a month × the hourly rate in force.

Hours worked: shifts worked or approved, or planned and ended without a deviation waiting for a
decision (the plan becomes the actuals), counted in the month their local start date is in,
summed in SQL. The rate: the municipality's dated rate with
the latest `valid_from` on or before the first of the month; a Swedish client without one falls back
to the state rate (schablonbelopp: `municipality_id` empty, country SE). No rate: amount left empty.

Money is `Decimal`: hours are rounded to 0.01 h and the amount is hours x rate rounded per line,
half up, by `rules.money` — the same rule as Försäkringskassan's invoice basis in `sweden_reports.py`.

Every statement is a Core statement over the tables' own columns (`Model.__table__`), not the
mapped classes, and the rates are read as rows, not objects: a Core select needs no ORM compile
step, which was most of what the command did beyond its query on a first call (issue 19: its own
work beside a hand-written query; the lines are the same, tests/roster/test_invoice_core.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Table, and_, extract, func, or_, select
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Client, HourlyRate, Municipality, Shift
from bpa_provider.db.types import utcnow
from bpa_provider.errors import ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules import money
from bpa_provider.services.base import require, service
from bpa_provider.services.worked import WORKED_STATUSES

# The tables themselves: Core statements (no ORM compile step on a command's first call).
SHIFTS: Table = Shift.__table__  # type: ignore[attr-defined]
CLIENTS: Table = Client.__table__  # type: ignore[attr-defined]
MUNICIPALITIES: Table = Municipality.__table__  # type: ignore[attr-defined]
RATES: Table = HourlyRate.__table__  # type: ignore[attr-defined]
_shift, _client, _municipality, _rate = SHIFTS.c, CLIENTS.c, MUNICIPALITIES.c, RATES.c


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
        return (func.julianday(_shift.end_utc) - func.julianday(_shift.start_utc)) * 24.0
    return extract("epoch", _shift.end_utc - _shift.start_utc) / 3600.0


def counted(now: datetime) -> ColumnElement[bool]:
    """`services.worked.counted_as_worked` ("the plan becomes the actuals") over the table's own
    columns; the same SQL (tests/roster/test_invoice_core.py holds the two equal)."""
    return or_(
        _shift.status.in_(WORKED_STATUSES),
        and_(_shift.status == "planned", _shift.end_utc <= now, _shift.deviation_status != "pending"),
    )


class Rate(NamedTuple):
    """An hourly rate as the invoice reads it (the `hourly_rate` row's columns it uses)."""

    municipality_id: int | None
    country: str
    valid_from: date
    rate: Decimal
    currency: str


def rate_for(s: Session, municipality_id: int, country: str, on: date) -> Rate | None:
    """The municipality's rate in force on `on`; for Sweden, else the state rate."""
    return rates_in_force(s, {municipality_id: country}, on).get(municipality_id)


def rates_in_force(s: Session, municipalities: dict[int, str], on: date) -> dict[int, Rate | None]:
    """Per municipality id (-> its country), the rate in force on `on`: the municipality's with the
    latest `valid_from` on or before it; for a Swedish one without, the state rate. One read of
    the rates (a short table) instead of one or two statements per municipality."""
    found: dict[int | None, Rate] = {}
    query = (
        select(_rate.municipality_id, _rate.country, _rate.valid_from, _rate.rate, _rate.currency)
        .where(_rate.valid_from <= on)
        .order_by(_rate.valid_from, _rate.id)
    )
    for row in s.execute(query):
        rate = Rate(*row)
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
        zones = s.execute(select(_municipality.timezone).distinct()).scalars().all()
        # Per client: the month's hours summed first, then the client's and its municipality's
        # columns joined to the sums in the same statement (one read of the clients, not a second
        # statement naming every one).
        clients: list[Any] = []
        # Zones whose month begins and ends at the same instants (Oslo and Stockholm always do)
        # share one statement: one pass over the month's shifts instead of one per zone.
        ranges: dict[tuple[datetime, datetime], list[str]] = {}
        for tz in zones:
            ranges.setdefault(local_range(first, last, tz), []).append(tz)
        for (lo, hi), tzs in ranges.items():
            sums = (
                select(_shift.client_id.label("cid"), func.sum(hours).label("hours"))
                .where(counted(now), _shift.start_utc >= lo, _shift.start_utc < hi)
                .group_by(_shift.client_id)
            )
            if len(ranges) > 1:  # else every zone is in this range: the shifts alone, no join
                sums = sums.join_from(SHIFTS, CLIENTS, _client.id == _shift.client_id).join(
                    MUNICIPALITIES, _municipality.id == _client.municipality_id
                )
                sums = sums.where(_municipality.timezone.in_(tzs))
            if actor.is_scoped:
                sums = sums.where(_shift.client_id.in_(sorted(actor.client_scope or ())))
            summed = sums.subquery("h")
            clients += s.execute(
                select(
                    _client.ref,
                    _client.name,
                    _municipality.id,
                    _municipality.name,
                    _municipality.country,
                    summed.c.hours,
                )
                .join_from(summed, CLIENTS, _client.id == summed.c.cid)
                .join(MUNICIPALITIES, _municipality.id == _client.municipality_id)
            ).all()
        if not clients:
            return []
        rates = rates_in_force(s, {c[2]: (c[4] or "NO").upper() for c in clients}, first)
        for ref, name, muni_id, muni_name, muni_country, hours_worked in clients:
            rate = rates[muni_id]
            h = money.quantity(float(hours_worked or 0))
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


__all__ = ["COLUMNS", "InvoiceLine", "Rate", "hours_sql", "invoice_basis", "rate_for", "rates_in_force"]
