"""Sweden: an assistant's sick periods and the sick-pay claims to the clients' municipalities.

The employer pays sick pay for days 1-14 (day 1 is the waiting deduction). A municipality refunds a
regular assistant's sick pay for days 2-14 when a substitute actually worked the sick assistant's
shifts (9 § 2 LSS; HFD 2015:72), claimed per occurrence. So a claim is prepared per sick period and
client, only for Swedish clients, only with the hours substitutes worked in place of the sick
assistant (shifts whose `replaces_assistant_id` is the sick assistant) on days 2-14.

Preparing is repeatable: substitutes are often booked after the sickness is recorded, so a claim
still `prepared` is brought up to date; one already sent, paid or rejected is never touched.
Sick leave is health information: the free-text note never enters the access log.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assistant, Client, Municipality, Shift, SickPayClaim, SickPeriod
from bpa_provider.db.types import utcnow
from bpa_provider.errors import FieldError, NotFound, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules.calendar import sick_pay_claim_days
from bpa_provider.rules.dates import format_date, local_day_start_utc
from bpa_provider.rules.hours import hours_in_range
from bpa_provider.services.absence import change_absence, overlapping, record_absence
from bpa_provider.services.base import require, service
from bpa_provider.services.stored import stored_id
from bpa_provider.services.sweden import SWEDEN, SWEDISH_ZONE, counted_shifts
from bpa_provider.services.transitions import get_for_change
from bpa_provider.services.validation import check_text

CLAIM_STATUSES = ("prepared", "sent", "paid", "rejected")
# A claim goes out once and is answered once; a rejected claim is corrected as a new occurrence.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "prepared": ("sent",),
    "sent": ("paid", "rejected"),
    "paid": (),
    "rejected": (),
}


def _assistant(session: Session, ref: str) -> Assistant:
    row = session.execute(select(Assistant).where(Assistant.ref == ref.strip())).scalar_one_or_none()
    if row is None:
        raise NotFound(N_("No assistant '{ref}'"), ref=ref)
    return row


def _period_errors(
    session: Session, assistant_id: int, start: date, end: date, note_on: date | None, ignore_id: int | None
) -> list[FieldError]:
    errors = []
    if end < start:
        errors.append(
            FieldError(
                "to_date",
                N_("The sick period cannot end ({end}) before it starts ({start})"),
                params={"end": format_date(end), "start": format_date(start)},
            )
        )
        return errors
    if note_on is not None and note_on < start:
        errors.append(
            FieldError(
                "doctor_note_on",
                N_("The doctor's note ({date}) is dated before the sick period"),
                params={"date": format_date(note_on)},
            )
        )
    # Every kind of absence counts: a sick day cannot also be a holiday (docs/absence.md).
    other = overlapping(session, assistant_id, start, end, ignore_id)
    if other is not None:
        errors.append(
            FieldError(
                "from_date",
                N_("It overlaps the sick period {a}–{b}; change that one instead"),
                params={"a": format_date(other.from_date), "b": format_date(other.to_date)},
            )
        )
    return errors


@service
def add_sick_period(
    db: Database,
    actor: Actor,
    assistant_ref: str,
    from_date: date,
    to_date: date,
    doctor_note_on: date | None = None,
    note: str = "",
) -> SickPeriod:
    """Record an assistant's sick leave (first and last day, and the doctor's note date if any)."""
    require(actor, "sickpay.write", what=_("record sick leave"))
    with db.write() as s:
        person = _assistant(s, assistant_ref)
        errors = _period_errors(s, stored_id(person), from_date, to_date, doctor_note_on, None)
        text = check_text(
            note,
            "note",
            500,
            multiline=True,
            errors=errors,
            messages={"long": _("The note is too long (at most 500 characters)")},
        )
        if errors:
            raise ValidationError(errors)
        # One rule with Norway's absences: the sick assistant's coming shifts become vacant.
        period, _vacated = record_absence(
            s,
            actor,
            person,
            "sick_period",
            "sick period recorded",
            None,
            kind="sick-note" if doctor_note_on else "self-cert",
            from_date=from_date,
            to_date=to_date,
            doctor_note_on=doctor_note_on,
            note=text,
        )
        return period


@service
def update_sick_period(
    db: Database,
    actor: Actor,
    sick_period_id: int,
    version: int | None,
    *,
    to_date: date | None = None,
    doctor_note_on: date | None = None,
) -> SickPeriod:
    """Extend or shorten a sick period, or record the doctor's note (None leaves a value as it is)."""
    require(actor, "sickpay.write", what=_("record sick leave"))
    with db.write() as s:
        period = get_for_change(
            s, SickPeriod, sick_period_id, _("No sick period {id}").format(id=sick_period_id), version
        )
        new_to = to_date or period.to_date
        new_note = doctor_note_on or period.doctor_note_on
        errors = _period_errors(s, period.assistant_id, period.from_date, new_to, new_note, period.id)
        if errors:
            raise ValidationError(errors)
        if (new_to, new_note) == (period.to_date, period.doctor_note_on):
            return period
        kind = "sick-note" if new_note is not None and period.kind == "self-cert" else period.kind
        # As `absence edit`: days no longer sick get their shifts back, days newly sick lose theirs.
        change_absence(
            s,
            actor,
            period,
            "sick_period",
            "sick period changed",
            None,
            to_date=new_to,
            doctor_note_on=new_note,
            kind=kind,
        )
        return period


def _substitute_hours(
    session: Session, period: SickPeriod, first: date, last: date, now: datetime
) -> dict[int, tuple[int, float]]:
    """Per Swedish client: (municipality id, hours substitutes worked for the sick assistant)."""
    after = last + timedelta(days=1)
    lo, hi = local_day_start_utc(first, SWEDISH_ZONE), local_day_start_utc(after, SWEDISH_ZONE)
    rows = session.execute(
        select(Shift.client_id, Client.municipality_id, Shift.start_utc, Shift.end_utc)
        .join(Client, Client.id == Shift.client_id)
        .join(Municipality, Municipality.id == Client.municipality_id)
        .where(
            Municipality.country == SWEDEN,
            Shift.replaces_assistant_id == period.assistant_id,
            Shift.assistant_id != period.assistant_id,
            Shift.start_utc < hi,
            Shift.end_utc > lo,
            counted_shifts(now),
        )
    ).all()
    munis: dict[int, int] = {}
    hours: dict[int, float] = defaultdict(float)
    for client_id, muni_id, start, end in rows:
        munis[client_id] = muni_id
        hours[client_id] += hours_in_range(start, end, SWEDISH_ZONE, first, after)
    return {cid: (munis[cid], round(h, 2)) for cid, h in hours.items() if h > 0}


@service
def prepare_claims(db: Database, actor: Actor, sick_period_id: int, now: datetime | None = None) -> list[SickPayClaim]:
    """Prepare (or bring up to date) one claim per client whose substitutes covered the sick
    assistant on days 2-14; returns every claim of the period, by client."""
    require(actor, "sickpay.write", what=_("prepare sick-pay claims"))
    with db.write() as s:
        period = get_for_change(s, SickPeriod, sick_period_id, _("No sick period {id}").format(id=sick_period_id))
        ref = s.get_one(Assistant, period.assistant_id).ref
        days, note_from = sick_pay_claim_days(period.from_date, period.to_date)
        note_needed = note_from is not None and period.doctor_note_on is None
        existing = {
            c.client_id: c
            for c in s.execute(select(SickPayClaim).where(SickPayClaim.sick_period_id == period.id)).scalars()
        }
        found = _substitute_hours(s, period, days[0], days[-1], now or utcnow()) if days else {}
        for client_id, (muni_id, hours) in sorted(found.items()):
            claim = existing.get(client_id)
            wanted: dict[str, Any] = {
                "municipality_id": muni_id,
                "first_day": days[0],
                "last_day": days[-1],
                "hours": hours,
                "doctor_note_needed": note_needed,
            }
            if claim is None:
                claim = SickPayClaim(sick_period_id=stored_id(period), client_id=client_id, **wanted)
                s.add(claim)
                s.flush()
                existing[client_id] = claim
                audit.record(
                    s,
                    actor,
                    "create",
                    "sick_pay_claim",
                    claim.id,
                    subject=ref,
                    summary=f"sick-pay claim prepared: {hours:.2f} h",
                    after=claim,
                )
            elif claim.status == "prepared" and any(getattr(claim, k) != v for k, v in wanted.items()):
                before = SickPayClaim.model_validate(claim.model_dump())
                for k, v in wanted.items():
                    setattr(claim, k, v)
                s.flush()
                audit.record(
                    s,
                    actor,
                    "update",
                    "sick_pay_claim",
                    claim.id,
                    subject=ref,
                    summary=f"sick-pay claim updated: {hours:.2f} h",
                    before=before,
                    after=claim,
                )
        return [existing[k] for k in sorted(existing)]


@service
def set_claim_status(
    db: Database, actor: Actor, claim_id: int, status: str, version: int | None = None
) -> SickPayClaim:
    """Move a claim on: prepared -> sent -> paid or rejected."""
    require(actor, "sickpay.write", what=_("change sick-pay claims"))
    status = status.strip().lower()
    with db.write() as s:
        claim = get_for_change(s, SickPayClaim, claim_id, _("No sick-pay claim {id}").format(id=claim_id), version)
        allowed = TRANSITIONS.get(claim.status, ())
        if status not in allowed:
            nxt = ", ".join(allowed) or _("none (the claim is closed)")
            raise ValidationError(
                N_("A {old} claim cannot become {new}; next: {allowed}"),
                old=claim.status,
                new=status,
                allowed=nxt,
                field="status",
            )
        before = SickPayClaim.model_validate(claim.model_dump())
        claim.status = status
        s.flush()
        period = s.get_one(SickPeriod, claim.sick_period_id)
        ref = s.get_one(Assistant, period.assistant_id).ref
        audit.record(
            s,
            actor,
            "update",
            "sick_pay_claim",
            claim.id,
            subject=ref,
            summary=f"sick-pay claim {before.status} -> {status}",
            before=before,
            after=claim,
        )
        return claim


@dataclass(frozen=True)
class ClaimRow:
    """A claim as a list shows it, with the names people use."""

    id: int
    version: int
    status: str
    client_ref: str
    municipality: str
    assistant_ref: str
    assistant_name: str
    sick_from: date
    sick_to: date
    first_day: date
    last_day: date
    hours: float
    doctor_note_needed: bool


@service
def list_claims(db: Database, actor: Actor, status: str | None = None) -> list[ClaimRow]:
    """Sick-pay claims, newest sick period first; only holders of sickpay.write see sick leave."""
    require(actor, "sickpay.write", what=_("see sick-pay claims"))
    if status is not None and status not in CLAIM_STATUSES:
        raise ValidationError(
            N_("Unknown status '{s}' (use {all})"), s=status, all=", ".join(CLAIM_STATUSES), field="status"
        )
    q = (
        select(
            SickPayClaim,
            Client.ref,
            Municipality.name,
            Assistant.ref,
            Assistant.name,
            SickPeriod.from_date,
            SickPeriod.to_date,
        )
        .join(Client, Client.id == SickPayClaim.client_id)
        .join(Municipality, Municipality.id == SickPayClaim.municipality_id)
        .join(SickPeriod, SickPeriod.id == SickPayClaim.sick_period_id)
        .join(Assistant, Assistant.id == SickPeriod.assistant_id)
        .order_by(SickPeriod.from_date.desc(), SickPayClaim.id)
    )
    if status:
        q = q.where(SickPayClaim.status == status)
    with db.read() as s:
        return [
            ClaimRow(
                stored_id(c),
                c.version or 0,
                c.status,
                cref,
                muni,
                aref,
                aname,
                sf,
                st,
                c.first_day,
                c.last_day,
                c.hours,
                c.doctor_note_needed,
            )
            for c, cref, muni, aref, aname, sf, st in s.execute(q).all()
        ]
