"""Sweden: a client's country, Försäkringskassan (FK) registration of assistants, the monthly time
report (form 3059) and invoice basis (form 3057), their deadlines, and the state's hourly rate.

A client is Swedish when its municipality's country is SE; Swedish clients are counted in
Europe/Stockholm with Swedish public holidays. Hours are the shifts that were actually worked (see
`counted_shifts`), cut at local midnight so a night shift counts on both dates. The time report
holds every such hour; the invoice leaves out what FK does not pay: hours before the assistant was
reported to FK for that client, and passive time (jour), which the collective agreement converts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Iterable

from dateutil.relativedelta import relativedelta
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from bpa_provider.services.worked import counted_as_worked, staffed
from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.errors import FieldError, NotFound, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules import calendar, hours as hrs, money
from bpa_provider.rules.dates import format_date, local_day_start_utc
from bpa_provider.rules.national_id import mask
from bpa_provider.rules.payroll import public_holidays
from bpa_provider.services.base import require, service
from bpa_provider.services.records import check_text
from db.engine import Database
from db.models import Assignment, Assistant, Client, Decision, HourlyRate, Municipality, Shift
from db.types import utcnow

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
    """"NO" or "SE": the country of the client's municipality."""
    return client_place(session, client_id).country


def client_holidays(session: Session, client_id: int, years: Iterable[int]) -> dict[date, str]:
    """Public holidays that apply to the client (Swedish ones for a client in a Swedish municipality)."""
    return public_holidays(client_country(session, client_id), years)


counted_shifts = counted_as_worked  # the shared "plan becomes the actuals" condition


def _swedish_clients(actor: Actor):  # noqa: ANN202 - a Select
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


def _by_ref(session: Session, model: type, ref: str, label: str):  # noqa: ANN202
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
        if client_country(s, client.id) != SWEDEN:
            errors.append(FieldError("client", N_("{ref} is not in a Swedish municipality: Försäkringskassan registration is for Swedish clients"), params={"ref": client.ref}))
        age = 0
        if assistant.birth_date is None:
            errors.append(FieldError("birth_date", N_("{name}'s birth date is unknown: record the birth date or personnummer first"), params={"name": assistant.name}))
        else:
            age = relativedelta(on, assistant.birth_date).years
            if age < 18:
                errors.append(FieldError("birth_date", N_("{name} is under 18 on {date} (born {born}); Försäkringskassan requires 18 years"), params={"name": assistant.name, "date": format_date(on), "born": format_date(assistant.birth_date)}))
        if not assistant.eea_resident:
            errors.append(FieldError("eea_resident", N_("{name} is not resident in the EEA; Försäkringskassan requires EEA residence"), params={"name": assistant.name}))
        assignment = s.execute(
            select(Assignment)
            .where(Assignment.assistant_id == assistant.id, Assignment.client_id == client.id,
                   or_(Assignment.end_date.is_(None), Assignment.end_date >= on))
            .order_by(Assignment.start_date)
            .limit(1)
        ).scalar_one_or_none()
        if assignment is None:
            errors.append(FieldError("assignment", N_("{a} has no assignment to {c} that is open on {date}; create the assignment first"), params={"a": assistant.ref, "c": client.ref, "date": format_date(on)}))
        if errors:
            raise ValidationError(errors)
        assert assignment is not None
        if assignment.fk_reported_on != on:
            before = Assignment.model_validate(assignment.model_dump())
            assignment.fk_reported_on = on
            assignment.updated_at = utcnow()
            s.flush()
            audit.record(
                s, actor, "fk_register", "assignment", assignment.id, subject=assistant.ref,
                summary=f"reported to Försäkringskassan for {client.ref} on {on.isoformat()}"
                        f"{' (close family)' if assignment.family_relation else ''}",
                before=before, after=assignment,
            )
        return FkRegistration(
            assignment.id, assistant.ref, assistant.name, client.ref, on, age,
            assistant.eea_resident, assignment.family_relation, assignment.family_permission_on,
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


def _exact_rate(rate: object) -> Decimal | None:
    """`rate` as a Decimal in (0, 10000], or None (not a number, NaN, out of range)."""
    try:
        exact = money.to_decimal(rate.replace(",", ".") if isinstance(rate, str) else rate)
    except ValueError:
        return None
    return exact if 0 < exact <= 10_000 else None


@service
def add_state_rate(db: Database, actor: Actor, valid_from: date, rate: Decimal | str | float,
                   note: str = "") -> HourlyRate:
    """Add the state's hourly rate from a date (SEK 324.50 from 2023, 332.60 from 2024, …), stored
    as the exact decimal given (at most two decimals: öre)."""
    require(actor, "rate.write", what=_("add an hourly rate"))
    errors: list[FieldError] = []
    exact = _exact_rate(rate)
    if exact is None:
        errors.append(FieldError("rate", N_("The rate must be a number above 0 and at most 10000")))
    elif exact != exact.quantize(money.CENT):
        errors.append(FieldError("rate", N_("The rate may have at most two decimals (öre)")))
    with db.write() as s:
        # One line: a short remark shown beside the rate in the list of rates.
        text = check_text(note, "note", 200, errors=errors, messages={
            "long": _("The note is too long (at most 200 characters)")})
        clash = s.execute(
            select(HourlyRate.rate).where(HourlyRate.country == SWEDEN, HourlyRate.municipality_id.is_(None),
                                          HourlyRate.valid_from == valid_from)
        ).scalar()
        if clash is not None:
            errors.append(FieldError("valid_from", N_("A state rate from {date} already exists ({rate:.2f})"), params={"date": format_date(valid_from), "rate": clash}))
        if errors:
            raise ValidationError(errors)
        row = HourlyRate(country=SWEDEN, municipality_id=None, valid_from=valid_from,
                         rate=exact.quantize(money.CENT), currency=CURRENCY, note=text)
        s.add(row)
        s.flush()
        audit.record(s, actor, "create", "hourly_rate", row.id,
                     summary=f"state rate SEK {row.rate:.2f} from {valid_from.isoformat()}", after=row)
        return row


@service
def list_state_rates(db: Database, actor: Actor) -> list[HourlyRate]:
    """Every Swedish state rate, oldest first."""
    require(actor, "report.read")
    with db.read() as s:
        return list(s.execute(
            select(HourlyRate).where(HourlyRate.country == SWEDEN, HourlyRate.municipality_id.is_(None))
            .order_by(HourlyRate.valid_from)
        ).scalars())


# --------------------------------------------------------------------------- the monthly time report


@dataclass(frozen=True)
class AssistantHours:
    """One assistant's month for one client, as form 3059 asks for it."""

    assistant_ref: str
    name: str
    national_id: str  # masked unless the report was asked for with reveal_ids
    fk_reported_on: date | None
    hours_by_day: tuple[float, ...]  # index 0 is the 1st; assistance (non-passive) hours
    total: float  # assistance hours in the month
    passive_hours: float  # jour, reported apart
    unreported_hours: float  # assistance hours on days before the FK registration: not paid


@dataclass(frozen=True)
class FkTimeReport:
    """A Swedish client's month: hours per assistant and day, decided hours and the deadline."""

    client_ref: str
    client_name: str
    client_national_id: str
    municipality: str
    year: int
    month: int
    holidays: tuple[date, ...]
    assistants: tuple[AssistantHours, ...]
    total_hours: float
    decided_hours: float  # from Försäkringskassan's decisions, pro rata for the month
    fk_decision: bool  # False: no FK decision this month (the municipality pays under LSS)
    deadline: date

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def days(self) -> int:
        first, after = hrs.month_bounds(self.year, self.month)
        return (after - first).days

    @property
    def payable_hours(self) -> float:
        return round(sum((a.total - a.unreported_hours for a in self.assistants), 0.0), 2)


def _day_hours(shifts: Iterable[tuple[datetime, datetime]], first: date, after: date) -> dict[date, float]:
    """Hours per local date in [first, after), shifts cut at Stockholm midnight."""
    out: dict[date, float] = defaultdict(float)
    for start, end in shifts:
        for day, a, b in hrs.split_at_local_midnight(start, end, SWEDISH_ZONE):
            if first <= day < after:
                out[day] += (b - a).total_seconds() / 3600.0
    return out


def _fk_decided(session: Session, client_id: int, first: date, after: date) -> tuple[bool, float]:
    rows = session.execute(
        select(Decision.hours, Decision.hours_unit, Decision.valid_from, Decision.valid_to)
        .where(Decision.client_id == client_id, Decision.issuer == "fk", Decision.valid_from < after,
               or_(Decision.valid_to.is_(None), Decision.valid_to >= first))
    ).all()
    total = sum((hrs.decided_hours(h, unit, vf, vt, first, after) for h, unit, vf, vt in rows), 0.0)
    return bool(rows), round(total, 2)


def _reported_on(session: Session, client_id: int) -> dict[int, date | None]:
    # An assistant with two assignments to one client was reported once: the earliest date counts.
    out: dict[int, date | None] = {}
    for aid, on in session.execute(
        select(Assignment.assistant_id, Assignment.fk_reported_on).where(Assignment.client_id == client_id)
    ):
        prev = out.get(aid)
        out[aid] = on if prev is None else (prev if on is None else min(prev, on))
    return out


def _client_report(session: Session, client: Client, muni: str, year: int, month: int,
                   now: datetime, reveal: bool) -> FkTimeReport | None:
    first, after, lo, hi = _month_utc(year, month)
    has_fk, decided = _fk_decided(session, client.id, first, after)
    rows = session.execute(
        select(Shift.assistant_id, Shift.start_utc, Shift.end_utc, Shift.kind)
        .where(Shift.client_id == client.id, Shift.start_utc < hi, Shift.start_utc >= lo - LONGEST_SHIFT,
               Shift.end_utc > lo, counted_shifts(now))
    ).all()
    if not rows and not has_fk:
        return None
    active: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    passive: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for aid, start, end, kind in rows:
        (passive if kind in PASSIVE_KINDS else active)[aid].append((start, end))
    ids = set(active) | set(passive)
    people = {a.id: a for a in session.execute(select(Assistant).where(Assistant.id.in_(ids))).scalars()} if ids else {}
    reported = _reported_on(session, client.id)
    assistants = []
    for aid in sorted(ids, key=lambda i: (people[i].name, people[i].ref)):
        per_day = _day_hours(active[aid], first, after)
        fk_on = reported.get(aid)
        unreported = sum((h for d, h in per_day.items() if fk_on is None or d < fk_on), 0.0)
        person = people[aid]
        assistants.append(AssistantHours(
            assistant_ref=person.ref, name=person.name,
            national_id=(person.national_id or "") if reveal else mask(person.national_id),
            fk_reported_on=fk_on,
            hours_by_day=tuple(round(per_day.get(first + timedelta(days=i), 0.0), 2) for i in range((after - first).days)),
            total=round(sum(per_day.values(), 0.0), 2),
            passive_hours=round(sum(_day_hours(passive[aid], first, after).values(), 0.0), 2),
            unreported_hours=round(unreported, 2),
        ))
    holidays = tuple(d for d in sorted(public_holidays(SWEDEN, [year])) if d.month == month)
    return FkTimeReport(
        client_ref=client.ref, client_name=client.name,
        client_national_id=(client.national_id or "") if reveal else mask(client.national_id),
        municipality=muni, year=year, month=month, holidays=holidays, assistants=tuple(assistants),
        total_hours=round(sum((a.total for a in assistants), 0.0), 2), decided_hours=decided,
        fk_decision=has_fk, deadline=calendar.fk_time_report_deadline(year, month),
    )


@service
def fk_time_report(db: Database, actor: Actor, year: int, month: int, *, client_ref: str | None = None,
                   reveal_ids: bool = False, purpose: str = "", now: datetime | None = None) -> list[FkTimeReport]:
    """Form 3059's content for every Swedish client with hours or an FK decision in the month.

    National IDs are masked unless `reveal_ids` (the copy sent to FK needs them): that needs the
    reveal permission and leaves one `export` event per client in the access log.
    """
    require(actor, "report.read", what=_("see reports"))
    if reveal_ids:
        require(actor, "national_id.reveal", what=_("see full national IDs"))
    with (db.write() if reveal_ids else db.read()) as s:
        reports = _reports(s, actor, year, month, client_ref, now or utcnow(), reveal_ids)
        if reveal_ids:
            for r in reports:
                audit.record(s, actor, "export", "fk_time_report", subject=r.client_ref,
                             summary=f"FK time report {r.label} with full personnummer {purpose}".strip())
        return reports


def _reports(session: Session, actor: Actor, year: int, month: int, client_ref: str | None,
             now: datetime, reveal: bool) -> list[FkTimeReport]:
    q = _swedish_clients(actor).add_columns(Municipality.name).order_by(Client.ref)
    if client_ref:
        q = q.where(Client.ref == client_ref.strip())
    found = session.execute(q).all()
    if client_ref and not found:
        raise NotFound(N_("No Swedish client '{ref}' that you may see"), ref=client_ref)
    return [r for c, muni in found if (r := _client_report(session, c, muni, year, month, now, reveal))]


# --------------------------------------------------------------------------- invoice basis


@dataclass(frozen=True)
class FkInvoiceLine:
    """One client's invoice basis for a month (form 3057): payable hours x the state rate."""

    client_ref: str
    client_name: str
    year: int
    month: int
    hours: float  # assistance hours worked
    unreported_hours: float  # before the assistant's FK registration: not paid
    passive_hours: float  # jour: not invoiced here
    payable_hours: float
    rate: Decimal
    amount: Decimal  # SEK
    deadline: date


@service
def fk_invoice_basis(db: Database, actor: Actor, year: int, month: int, *,
                     now: datetime | None = None) -> list[FkInvoiceLine]:
    """The invoice basis per Swedish client with an FK decision in the month.

    The rate is the state rate in force on the month's first day; none on record is an error that
    says how to add it. Clients without an FK decision are left out: the municipality pays them.
    """
    require(actor, "report.read", what=_("see reports"))
    first = date(year, month, 1)
    with db.read() as s:
        reports = _reports(s, actor, year, month, None, now or utcnow(), False)
        rate_row = state_rate_on(s, first)
    if rate_row is None:
        raise ValidationError(N_("No state hourly rate in force on {date}: add it with "
                                 "'bpa-provider fk rate add --from DATE --rate N'"), date=format_date(first), field="rate")
    rate = money.money(rate_row.rate)
    lines = []
    for r in reports:
        if not r.fk_decision:
            continue
        payable = money.quantity(r.payable_hours)
        lines.append(FkInvoiceLine(
            r.client_ref, r.client_name, year, month, r.total_hours,
            round(sum((a.unreported_hours for a in r.assistants), 0.0), 2),
            round(sum((a.passive_hours for a in r.assistants), 0.0), 2),
            float(payable), rate, money.line_amount(payable, rate), r.deadline,
        ))
    return lines


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
                Decision.client_id == Client.id, Decision.issuer == "fk", Decision.valid_from < after,
                or_(Decision.valid_to.is_(None), Decision.valid_to >= first))
            worked = exists().where(
                Shift.client_id == Client.id, Shift.start_utc < hi, Shift.start_utc >= lo - LONGEST_SHIFT,
                Shift.end_utc > lo, staffed())
            due = calendar.fk_time_report_deadline(year, month)
            for ref, name in s.execute(
                _swedish_clients(actor).where(or_(fk_decision, worked))
                .with_only_columns(Client.ref, Client.name).order_by(Client.ref)
            ):
                out.append(FkDeadline(ref, name, f"{year:04d}-{month:02d}", due, calendar.days_left(due, today)))
    return sorted(out, key=lambda d: (d.deadline, d.client_ref))
