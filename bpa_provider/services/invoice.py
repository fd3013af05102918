"""Invoice basis: per municipality and client, the hours worked in a month × the hourly rate in force.

Hours worked: shifts worked or approved, or planned and ended without a deviation waiting for a
decision (the plan becomes the actuals), counted in the month their local start date is in,
summed in SQL. The rate: the municipality's dated rate with
the latest `valid_from` on or before the first of the month; a Swedish client without one falls back
to the state rate (schablonbelopp: `municipality_id` empty, country SE). No rate: amount left empty.

Money is `Decimal`: hours are rounded to 0.01 h and the amount is hours x rate rounded per line,
half up, by `rules.money` — the same rule as Försäkringskassan's invoice basis in `sweden_reports.py`.

One statement, written out (`one_read`), reads everything when every zone's month has the
default zone's bounds (Oslo and Stockholm always do): the month's sums with each client's and its
municipality's columns, the rates valid on the first, and the zones, so the command makes one
round trip and compiles nothing SQLAlchemy must build (issue 19: its own work beside a
hand-written query, timed as a process's first call). A zone with other bounds gets the sums
again from Core statements over the tables' own columns (`Model.__table__`), one per range: no
ORM compile step either. The lines are the same either way (tests/roster/test_invoice_core.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Table, TextualSelect, and_, bindparam, extract, func, or_, select, text
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Client, HourlyRate, Municipality, Shift
from bpa_provider.db.types import Money, UTCDateTime, utcnow
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


class InvoiceLine(NamedTuple):
    """One client's month: hours, the rate applied (from when), amount and currency.

    A named tuple, not a frozen dataclass: as immutable, compared and printed the same way, but
    made at import in ≈ 0.1 ms instead of ≈ 0.8 (a dataclass compiles six methods: the command's
    first call pays it every run) and built per line without a `object.__setattr__` per field."""

    municipality: str
    country: str
    client_ref: str
    client_name: str
    hours: Decimal  # rounded to 0.01 h
    rate: Decimal | None  # rounded to 0.01 (`rules.money`)
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
    query = (
        select(_rate.municipality_id, _rate.country, _rate.valid_from, _rate.rate, _rate.currency)
        .where(_rate.valid_from <= on)
        .order_by(_rate.valid_from, _rate.id)
    )
    return in_force([Rate(*row) for row in s.execute(query)], municipalities)


def in_force(rates: list[Rate], municipalities: dict[int, str]) -> dict[int, Rate | None]:
    """`rates_in_force` over the rates valid on its day, ordered by `valid_from` then id."""
    found: dict[int | None, Rate] = {}
    for rate in rates:
        if rate.municipality_id is not None or rate.country == "SE":
            found[rate.municipality_id] = rate  # ordered: the latest valid_from wins
    return {
        mid: found.get(mid) or (found.get(None) if country == "SE" else None) for mid, country in municipalities.items()
    }


#: The zone the one-read statement (`one_read`) takes the month's bounds from: the
#: municipalities' default (`Municipality.timezone`); Stockholm's month has the same bounds.
DEFAULT_ZONE = "Europe/Oslo"

_ONE_READ: dict[tuple[str, bool], TextualSelect] = {}


def one_read(dialect: str, scoped: bool) -> TextualSelect:
    """One statement for the whole invoice when every zone's month has `DEFAULT_ZONE`'s bounds:
    kind 0, per client with counted hours in [`:lo`, `:hi`), its and its municipality's columns
    and the sum (as the statement per range below, shifts summed alone); kind 1, the rates valid
    on `:first` (as `rates_in_force` reads them); kind 2, every distinct zone, so the caller sees
    whether the guess held (else it sums per range, `invoice_basis`). Written out, not built: a
    new process compiles a Core statement on its first call (≈ 1–2 ms for the three the command
    ran), and the zones and the rates were a round trip each (issue 19). The SQL is the Core
    statements' own (`hours_sql`, `counted`); tests/roster/test_invoice_core.py holds its lines
    equal to theirs, scoped and not, on both engines."""
    key = (dialect, scoped)
    if key not in _ONE_READ:
        if dialect == "sqlite":
            hours = "(julianday(shift.end_utc) - julianday(shift.start_utc)) * 24.0"
        else:  # as `hours_sql`'s bind: the epoch's numeric divided as a double, summed as one
            hours = "EXTRACT(EPOCH FROM shift.end_utc - shift.start_utc) / CAST(3600.0 AS DOUBLE PRECISION)"
        worked = ", ".join(f"'{status}'" for status in WORKED_STATUSES)
        scope = " AND shift.client_id IN :scope" if scoped else ""
        sql = (
            f"WITH h AS (SELECT shift.client_id AS cid, sum({hours}) AS hours FROM shift"
            f" WHERE (shift.status IN ({worked}) OR (shift.status = 'planned' AND shift.end_utc <= :now"
            " AND shift.deviation_status != 'pending'))"
            f" AND shift.start_utc >= :lo AND shift.start_utc < :hi{scope} GROUP BY shift.client_id)"
            " SELECT 0 AS kind, municipality.id AS mid, municipality.country AS country, client.ref AS ref,"
            " client.name AS name, municipality.name AS muni, h.hours AS hours, NULL AS valid_from,"
            " NULL AS rate, NULL AS currency, NULL AS rid"
            " FROM h JOIN client ON client.id = h.cid JOIN municipality ON municipality.id = client.municipality_id"
            " UNION ALL SELECT 1, hourly_rate.municipality_id, hourly_rate.country, NULL, NULL, NULL, NULL,"
            " hourly_rate.valid_from, hourly_rate.rate, hourly_rate.currency, hourly_rate.id"
            " FROM hourly_rate WHERE hourly_rate.valid_from <= :first"
            # The zones in a subquery: a DISTINCT branch of its own would give its NULLs a type
            # (text) before PostgreSQL matches them to the other branches' columns.
            " UNION ALL SELECT 2, NULL, NULL, z.timezone, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
            " FROM (SELECT DISTINCT municipality.timezone AS timezone FROM municipality) AS z"
        )
        binds = [
            bindparam("now", type_=UTCDateTime()),
            bindparam("lo", type_=UTCDateTime()),
            bindparam("hi", type_=UTCDateTime()),
            bindparam("first", type_=_rate.valid_from.type),
        ]
        if scoped:
            binds.append(bindparam("scope", expanding=True))
        _ONE_READ[key] = (
            text(sql).bindparams(*binds).columns(valid_from=_rate.valid_from.type, rate=Money(), rid=_rate.id.type)
        )
    return _ONE_READ[key]


def _sums_per_range(
    s: Session, dialect: str, actor: Actor, zones: list[str], first: date, last: date, now: datetime
) -> list[Any]:
    """Per client with counted hours: (ref, name, municipality id, name, country, hours), each
    client's month taken in its municipality's zone — one statement per distinct pair of bounds
    (zones whose month begins and ends at the same instants share one), joined through the
    clients to their zones. Core statements: only a company with zones of other bounds gets here."""
    hours = hours_sql(dialect)
    ranges: dict[tuple[datetime, datetime], list[str]] = {}
    for tz in zones:
        ranges.setdefault(local_range(first, last, tz), []).append(tz)
    clients: list[Any] = []
    for (lo, hi), tzs in ranges.items():
        sums = (
            select(_shift.client_id.label("cid"), func.sum(hours).label("hours"))
            .where(counted(now), _shift.start_utc >= lo, _shift.start_utc < hi)
            .group_by(_shift.client_id)
            .join_from(SHIFTS, CLIENTS, _client.id == _shift.client_id)
            .join(MUNICIPALITIES, _municipality.id == _client.municipality_id)
            .where(_municipality.timezone.in_(tzs))
        )
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
    return clients


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
        # One statement: the sums over the default zone's month, the rates and the zones; only
        # when a zone's month has other bounds are the sums read again, per range.
        lo, hi = local_range(first, last, DEFAULT_ZONE)
        params: dict[str, Any] = {"now": now, "lo": lo, "hi": hi, "first": first}
        if actor.is_scoped:
            params["scope"] = sorted(actor.client_scope or ())
        clients: list[Any] = []
        rate_rows: list[Any] = []
        zones: list[str] = []
        for row in s.execute(one_read(db.dialect, actor.is_scoped), params).all():  # fetchall, not row by row
            if row[0] == 0:
                clients.append((row[3], row[4], row[1], row[5], row[2], row[6]))
            elif row[0] == 1:
                rate_rows.append(row)
            else:
                zones.append(row[3])
        if any(local_range(first, last, tz) != (lo, hi) for tz in zones):
            clients = _sums_per_range(s, db.dialect, actor, zones, first, last, now)
        if not clients:
            return []
        rate_rows.sort(key=lambda row: (row[7], row[10]))  # valid_from, id: as `rates_in_force`
        rates = in_force(
            [Rate(row[1], row[2], row[7], row[8], row[9]) for row in rate_rows],
            {c[2]: (c[4] or "NO").upper() for c in clients},
        )
        # Each rate rounded once, not once per client of its municipality.
        prices = {mid: money.money(rate.rate) if rate else None for mid, rate in rates.items()}
        for ref, name, muni_id, muni_name, muni_country, hours_worked in clients:
            rate = rates[muni_id]
            h = money.quantity(float(hours_worked or 0))
            price = prices[muni_id]
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


__all__ = [
    "COLUMNS",
    "DEFAULT_ZONE",
    "InvoiceLine",
    "Rate",
    "hours_sql",
    "in_force",
    "invoice_basis",
    "one_read",
    "rate_for",
    "rates_in_force",
]
