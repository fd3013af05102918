"""Sweden: a client's country, Försäkringskassan (FK) registration of assistants, the monthly time
report (form 3059) and invoice basis (form 3057), their deadlines, and the state's hourly rate.

A client is Swedish when its municipality's country is SE; Swedish clients are counted in
Europe/Stockholm with Swedish public holidays. Hours are the shifts that were actually worked (see
`counted_shifts`), cut at local midnight so a night shift counts on both dates. The time report
holds every such hour; the invoice leaves out what FK does not pay: hours before the assistant was
reported to FK for that client, and passive time (jour), which the collective agreement converts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assignment, Assistant, Client, Decision, HourlyRate, Municipality, Shift
from bpa_provider.db.types import utcnow
from bpa_provider.errors import FieldError, Invalid, NotFound, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules import calendar, money
from bpa_provider.rules import hours as hrs
from bpa_provider.rules.dates import format_date, local_day_start_utc
from bpa_provider.rules.payroll import public_holidays
from bpa_provider.services.base import require, service
from bpa_provider.services.stored import stored_id
from bpa_provider.services.validation import check_text, money_value
from bpa_provider.services.worked import counted_as_worked, staffed

SWEDEN = "SE"
SWEDISH_ZONE = "Europe/Stockholm"
CURRENCY = "SEK"
PASSIVE_KINDS = ("passive",)  # jour: converted by the agreement, not invoiced hour for hour


# --------------------------------------------------------------------------- country by municipality


@dataclass(frozen=True)
class ClientPlace:
    """Where a client lives, as the rules need it: country, time zone, municipality."""

    client_id: int
    client_ref: str
    country: str
    timezone: str
    municipality_id: int
    municipality: str


def _zone_for(country: str, municipality_zone: str) -> str:
    # Sweden has one zone; an SE municipality created with the Norwegian default zone would
    # otherwise be counted on Oslo's calendar (same offsets today, but not guaranteed).
    if country == SWEDEN:
        return SWEDISH_ZONE
    return municipality_zone or "Europe/Oslo"


def client_place(session: Session, client_id: int) -> ClientPlace:
    """The client's country and time zone, from its municipality."""
    row = session.execute(
        select(Client.ref, Municipality.id, Municipality.name, Municipality.country, Municipality.timezone)
        .join(Municipality, Municipality.id == Client.municipality_id)
        .where(Client.id == client_id)
    ).one_or_none()
    if row is None:
        raise NotFound(N_("Client {id} does not exist"), id=client_id)
    ref, muni_id, muni_name, country, zone = row
    country = (country or "NO").upper()
    return ClientPlace(client_id, ref, country, _zone_for(country, zone), muni_id, muni_name)


def client_country(session: Session, client_id: int) -> str:
    """ "NO" or "SE": the country of the client's municipality."""
    return client_place(session, client_id).country


def client_holidays(session: Session, client_id: int, years: Iterable[int]) -> dict[date, str]:
    """Public holidays that apply to the client (Swedish ones for a client in a Swedish municipality)."""
    return public_holidays(client_country(session, client_id), years)


counted_shifts = counted_as_worked  # the shared "plan becomes the actuals" condition


def _swedish_clients(actor: Actor) -> Select[Client]:
    q = (
        select(Client)
        .join(Municipality, Municipality.id == Client.municipality_id)
        .where(Municipality.country == SWEDEN)
    )
    if actor.is_scoped:
        q = q.where(Client.id.in_(actor.client_scope or frozenset()))
    return q


#: No shift is longer than this (services refuse longer ones; as `hours.MAX_SHIFT`): a lower bound on
#: the start lets the (client, start) index find a month's shifts instead of walking every earlier
#: shift of the client to test its end.
LONGEST_SHIFT = timedelta(days=7)


def _month_utc(year: int, month: int) -> tuple[date, date, datetime, datetime]:
    first, after = hrs.month_bounds(year, month)
    return first, after, local_day_start_utc(first, SWEDISH_ZONE), local_day_start_utc(after, SWEDISH_ZONE)


# --------------------------------------------------------------------------- FK registration


@dataclass(frozen=True)
class FkRegistration:
    """An assistant reported to FK for one client (form 3066), as recorded."""

    assignment_id: int
    assistant_ref: str
    assistant_name: str
    client_ref: str
    reported_on: date
    age: int
    eea_resident: bool
    family_relation: bool
    family_permission_on: date | None


_M = TypeVar("_M", Assistant, Client)


def _by_ref(session: Session, model: type[_M], ref: str, label: str) -> _M:
    row = session.execute(select(model).where(model.ref == ref.strip())).scalar_one_or_none()
    if row is None:
        raise NotFound(N_("No {what} '{ref}'"), what=label, ref=ref)
    return row


@service
def register_assistant(db: Database, actor: Actor, assistant_ref: str, client_ref: str, on: date) -> FkRegistration:
    """Record that the assistant was reported to FK for the client on `on`.

    FK pays no hour worked before it, and asks three things: the assistant is 18 or older on that
    date, lives in the EEA, and whether they are close family of the client (allowed, but shown).
    Every failed condition is reported at once; nothing is written then.
    """
    require(actor, "assignment.write", what=_("report an assistant to Försäkringskassan"))
    with db.write() as s:
        assistant = _by_ref(s, Assistant, assistant_ref, _("assistant"))
        client = _by_ref(s, Client, client_ref, _("client"))
        require(actor, "assignment.write", client_id=client.id)
        errors: list[FieldError] = []
        if client_country(s, stored_id(client)) != SWEDEN:
            errors.append(
                FieldError(
                    "client",
                    N_("{ref} is not in a Swedish municipality: Försäkringskassan registration is for Swedish clients"),
                    params={"ref": client.ref},
                )
            )
        age = 0
        if assistant.birth_date is None:
            errors.append(
                FieldError(
                    "birth_date",
                    N_("{name}'s birth date is unknown: record the birth date or personnummer first"),
                    params={"name": assistant.name},
                )
            )
        else:
            age = relativedelta(on, assistant.birth_date).years
            if age < 18:
                errors.append(
                    FieldError(
                        "birth_date",
                        N_("{name} is under 18 on {date} (born {born}); Försäkringskassan requires 18 years"),
                        params={
                            "name": assistant.name,
                            "date": format_date(on),
                            "born": format_date(assistant.birth_date),
                        },
                    )
                )
        if not assistant.eea_resident:
            errors.append(
                FieldError(
                    "eea_resident",
                    N_("{name} is not resident in the EEA; Försäkringskassan requires EEA residence"),
                    params={"name": assistant.name},
                )
            )
        assignment = s.execute(
            select(Assignment)
            .where(
                Assignment.assistant_id == assistant.id,
                Assignment.client_id == client.id,
                or_(Assignment.end_date.is_(None), Assignment.end_date >= on),
            )
            .order_by(Assignment.start_date)
            .limit(1)
        ).scalar_one_or_none()
        if assignment is None:
            errors.append(
                FieldError(
                    "assignment",
                    N_("{a} has no assignment to {c} that is open on {date}; create the assignment first"),
                    params={"a": assistant.ref, "c": client.ref, "date": format_date(on)},
                )
            )
        if errors:
            raise ValidationError(errors)
        assert assignment is not None
        if assignment.fk_reported_on != on:
            before = Assignment.model_validate(assignment.model_dump())
            assignment.fk_reported_on = on
            assignment.updated_at = utcnow()
            s.flush()
            audit.record(
                s,
                actor,
                "fk_register",
                "assignment",
                assignment.id,
                subject=assistant.ref,
                summary=f"reported to Försäkringskassan for {client.ref} on {on.isoformat()}"
                f"{' (close family)' if assignment.family_relation else ''}",
                before=before,
                after=assignment,
            )
        return FkRegistration(
            stored_id(assignment),
            assistant.ref,
            assistant.name,
            client.ref,
            on,
            age,
            assistant.eea_resident,
            assignment.family_relation,
            assignment.family_permission_on,
        )


# --------------------------------------------------------------------------- state hourly rate


def state_rate_on(session: Session, on: date) -> HourlyRate | None:
    """Sweden's state rate (schablonbelopp) in force on a date: the latest from on or before it."""
    return session.execute(
        select(HourlyRate)
        .where(HourlyRate.country == SWEDEN, HourlyRate.municipality_id.is_(None), HourlyRate.valid_from <= on)
        .order_by(HourlyRate.valid_from.desc())
        .limit(1)
    ).scalar_one_or_none()


_RATE_RANGE = N_("The rate must be a number above 0 and at most 10000")
_RATE_CENTS = N_("The rate may have at most two decimals (öre)")


def _rate_or_problem(rate: object) -> tuple[Decimal | None, str | None]:
    """`rate` as an exact Decimal in (0, 10000] read by the one money rule (validation.money_value),
    or the problem in this form's own words."""
    try:
        exact = money_value(rate, minimum=0, maximum=10_000)
    except Invalid as exc:
        # Within range but finer than öre: its own words; anything else is out of range.
        return None, _RATE_CENTS if exc.template == N_("may have at most two decimals") else _RATE_RANGE
    return (exact, None) if exact > 0 else (None, _RATE_RANGE)


@service
def add_state_rate(
    db: Database, actor: Actor, valid_from: date, rate: Decimal | str | float, note: str = ""
) -> HourlyRate:
    """Add the state's hourly rate from a date (SEK 324.50 from 2023, 332.60 from 2024, …), stored
    as the exact decimal given (at most two decimals: öre)."""
    require(actor, "rate.write", what=_("add an hourly rate"))
    errors: list[FieldError] = []
    exact, problem = _rate_or_problem(rate)
    if problem is not None:
        errors.append(FieldError("rate", problem))
    with db.write() as s:
        # One line: a short remark shown beside the rate in the list of rates.
        text = check_text(
            note, "note", 200, errors=errors, messages={"long": _("The note is too long (at most 200 characters)")}
        )
        clash = s.execute(
            select(HourlyRate.rate).where(
                HourlyRate.country == SWEDEN, HourlyRate.municipality_id.is_(None), HourlyRate.valid_from == valid_from
            )
        ).scalar()
        if clash is not None:
            errors.append(
                FieldError(
                    "valid_from",
                    N_("A state rate from {date} already exists ({rate:.2f})"),
                    params={"date": format_date(valid_from), "rate": clash},
                )
            )
        if errors:
            raise ValidationError(errors)
        assert exact is not None  # else an error was raised
        row = HourlyRate(
            country=SWEDEN,
            municipality_id=None,
            valid_from=valid_from,
            rate=exact.quantize(money.CENT),
            currency=CURRENCY,
            note=text,
        )
        s.add(row)
        s.flush()
        audit.record(
            s,
            actor,
            "create",
            "hourly_rate",
            row.id,
            summary=f"state rate SEK {row.rate:.2f} from {valid_from.isoformat()}",
            after=row,
        )
        return row


@service
def list_state_rates(db: Database, actor: Actor) -> list[HourlyRate]:
    """Every Swedish state rate, oldest first."""
    require(actor, "report.read")
    with db.read() as s:
        return list(
            s.execute(
                select(HourlyRate)
                .where(HourlyRate.country == SWEDEN, HourlyRate.municipality_id.is_(None))
                .order_by(HourlyRate.valid_from)
            ).scalars()
        )


# --------------------------------------------------------------------------- deadlines for the dashboard


@dataclass(frozen=True)
class FkDeadline:
    """A month's time report and invoice to FK that is due soon."""

    client_ref: str
    client_name: str
    month: str  # YYYY-MM
    deadline: date
    days_left: int


@service
def fk_deadlines(db: Database, actor: Actor, today: date, within_days: int = 14) -> list[FkDeadline]:
    """Time reports (and invoices) due from today to `within_days` ahead, per Swedish client with an
    FK decision or worked hours in the month. Soonest first."""
    require(actor, "report.read", what=_("see reports"))
    if within_days < 0:
        raise ValidationError(N_("The number of days cannot be negative"), field="within_days")
    months: list[tuple[int, int]] = []
    cursor = (today - relativedelta(months=3)).replace(day=1)
    while cursor <= today + timedelta(days=within_days):
        due = calendar.fk_time_report_deadline(cursor.year, cursor.month)
        if 0 <= calendar.days_left(due, today) <= within_days:
            months.append((cursor.year, cursor.month))
        cursor += relativedelta(months=1)
    out: list[FkDeadline] = []
    with db.read() as s:
        for year, month in months:
            first, after, lo, hi = _month_utc(year, month)
            fk_decision = exists().where(
                Decision.client_id == Client.id,
                Decision.issuer == "fk",
                Decision.valid_from < after,
                or_(Decision.valid_to.is_(None), Decision.valid_to >= first),
            )
            worked = exists().where(
                Shift.client_id == Client.id,
                Shift.start_utc < hi,
                Shift.start_utc >= lo - LONGEST_SHIFT,
                Shift.end_utc > lo,
                staffed(),
            )
            due = calendar.fk_time_report_deadline(year, month)
            for ref, name in s.execute(
                _swedish_clients(actor)
                .where(or_(fk_decision, worked))
                .with_only_columns(Client.ref, Client.name)
                .order_by(Client.ref)
            ):
                out.append(FkDeadline(ref, name, f"{year:04d}-{month:02d}", due, calendar.days_left(due, today)))
    return sorted(out, key=lambda d: (d.deadline, d.client_ref))
