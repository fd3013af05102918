"""Sweden, the month's papers for Försäkringskassan: the monthly time report (form 3059) per
Swedish client and assistant, and the invoice basis (form 3057) at the state's hourly rate.

Hours are the shifts that were actually worked (`sweden.counted_shifts`), cut at local midnight
so a night shift counts on both dates. The time report holds every such hour; the invoice leaves
out what FK does not pay: hours before the assistant was reported to FK for that client, and
passive time (jour), which the collective agreement converts. A client's country, FK
registration, the state's rate and the deadlines are `services.sweden`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assignment, Assistant, Client, Decision, Municipality, Shift
from bpa_provider.db.types import utcnow
from bpa_provider.errors import NotFound, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules import calendar, money
from bpa_provider.rules import hours as hrs
from bpa_provider.rules.dates import format_date
from bpa_provider.rules.national_id import mask
from bpa_provider.rules.payroll import public_holidays
from bpa_provider.services.base import require, service
from bpa_provider.services.stored import stored_id
from bpa_provider.services.sweden import (
    LONGEST_SHIFT,
    PASSIVE_KINDS,
    SWEDEN,
    SWEDISH_ZONE,
    _month_utc,
    _swedish_clients,
    counted_shifts,
    state_rate_on,
)

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
        select(Decision.hours, Decision.hours_unit, Decision.valid_from, Decision.valid_to).where(
            Decision.client_id == client_id,
            Decision.issuer == "fk",
            Decision.valid_from < after,
            or_(Decision.valid_to.is_(None), Decision.valid_to >= first),
        )
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


def _client_report(
    session: Session, client: Client, muni: str, year: int, month: int, now: datetime, reveal: bool
) -> FkTimeReport | None:
    first, after, lo, hi = _month_utc(year, month)
    client_id = stored_id(client)
    has_fk, decided = _fk_decided(session, client_id, first, after)
    rows = session.execute(
        select(Shift.assistant_id, Shift.start_utc, Shift.end_utc, Shift.kind).where(
            Shift.client_id == client.id,
            Shift.start_utc < hi,
            Shift.start_utc >= lo - LONGEST_SHIFT,
            Shift.end_utc > lo,
            counted_shifts(now),
        )
    ).all()
    if not rows and not has_fk:
        return None
    active: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    passive: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for aid, start, end, kind in rows:
        if aid is None:  # nobody's shift: no assistant's hours to report
            continue
        (passive if kind in PASSIVE_KINDS else active)[aid].append((start, end))
    ids = set(active) | set(passive)
    people = {a.id: a for a in session.execute(select(Assistant).where(Assistant.id.in_(ids))).scalars()} if ids else {}
    reported = _reported_on(session, client_id)
    assistants = []
    for aid in sorted(ids, key=lambda i: (people[i].name, people[i].ref)):
        per_day = _day_hours(active[aid], first, after)
        fk_on = reported.get(aid)
        unreported = sum((h for d, h in per_day.items() if fk_on is None or d < fk_on), 0.0)
        person = people[aid]
        assistants.append(
            AssistantHours(
                assistant_ref=person.ref,
                name=person.name,
                national_id=(person.national_id or "") if reveal else mask(person.national_id),
                fk_reported_on=fk_on,
                hours_by_day=tuple(
                    round(per_day.get(first + timedelta(days=i), 0.0), 2) for i in range((after - first).days)
                ),
                total=round(sum(per_day.values(), 0.0), 2),
                passive_hours=round(sum(_day_hours(passive[aid], first, after).values(), 0.0), 2),
                unreported_hours=round(unreported, 2),
            )
        )
    holidays = tuple(d for d in sorted(public_holidays(SWEDEN, [year])) if d.month == month)
    return FkTimeReport(
        client_ref=client.ref,
        client_name=client.name,
        client_national_id=(client.national_id or "") if reveal else mask(client.national_id),
        municipality=muni,
        year=year,
        month=month,
        holidays=holidays,
        assistants=tuple(assistants),
        total_hours=round(sum((a.total for a in assistants), 0.0), 2),
        decided_hours=decided,
        fk_decision=has_fk,
        deadline=calendar.fk_time_report_deadline(year, month),
    )


@service
def fk_time_report(
    db: Database,
    actor: Actor,
    year: int,
    month: int,
    *,
    client_ref: str | None = None,
    reveal_ids: bool = False,
    purpose: str = "",
    now: datetime | None = None,
) -> list[FkTimeReport]:
    """Form 3059's content for every Swedish client with hours or an FK decision in the month.

    National IDs are masked unless `reveal_ids` (the copy sent to FK needs them): that needs the
    reveal permission and leaves one `export` event per client in the access log.
    """
    require(actor, "report.read", what=_("see reports"))
    if reveal_ids:
        require(actor, "national_id.reveal", what=_("see full national IDs"))
    with db.write() if reveal_ids else db.read() as s:
        reports = _reports(s, actor, year, month, client_ref, now or utcnow(), reveal_ids)
        if reveal_ids:
            for r in reports:
                audit.record(
                    s,
                    actor,
                    "export",
                    "fk_time_report",
                    subject=r.client_ref,
                    summary=f"FK time report {r.label} with full personnummer {purpose}".strip(),
                )
        return reports


def _reports(
    session: Session, actor: Actor, year: int, month: int, client_ref: str | None, now: datetime, reveal: bool
) -> list[FkTimeReport]:
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
def fk_invoice_basis(
    db: Database, actor: Actor, year: int, month: int, *, now: datetime | None = None
) -> list[FkInvoiceLine]:
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
        raise ValidationError(
            N_("No state hourly rate in force on {date}: add it with 'bpa-provider fk rate add --from DATE --rate N'"),
            date=format_date(first),
            field="rate",
        )
    rate = money.money(rate_row.rate)
    lines = []
    for r in reports:
        if not r.fk_decision:
            continue
        payable = money.quantity(r.payable_hours)
        lines.append(
            FkInvoiceLine(
                r.client_ref,
                r.client_name,
                year,
                month,
                r.total_hours,
                round(sum((a.unreported_hours for a in r.assistants), 0.0), 2),
                round(sum((a.passive_hours for a in r.assistants), 0.0), 2),
                float(payable),
                rate,
                money.line_amount(payable, rate),
                r.deadline,
            )
        )
    return lines
