"""Building a handover package: what the old provider sends, as a JSON-able dict.

`build_package` reads an outgoing transfer and returns the package of the current schema version
(`handover_validate.SCHEMA_VERSION`): the transfer, the client's reference data, the employment
part (every assistant who transfers, and who refused) and — on the client's consent — the client
part (decision, supervisors, rota, planned shifts, hour balance). The worked hours of the balance
come from the hour-account service (`services.hours.worked_hours_in`): one computation of worked
hours in the whole application. Privacy choices: docs/handover.md.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bpa_provider.config import load_settings
from bpa_provider.db.models import (
    Absence,
    Assignment,
    Assistant,
    Client,
    Course,
    CourseEnrollment,
    Decision,
    Employment,
    HourBalanceEntry,
    Municipality,
    Review,
    RotaPattern,
    Shift,
    Supervision,
    Supervisor,
    TransferAssistant,
)
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_
from bpa_provider.rules import money
from bpa_provider.rules import transfer_flow as flow
from bpa_provider.rules.calendar import expiry_date
from bpa_provider.rules.dates import local_day_start_utc, to_local
from bpa_provider.rules.hours import decided_hours
from bpa_provider.services import transfer_rows
from bpa_provider.services.handover_validate import SCHEMA_VERSION, load_schema
from bpa_provider.services.hours import worked_hours_in
from bpa_provider.services.transfer_rows import saved_id

DEFAULT_PROVIDER_NAME = "bpa-provider"
#: The schema's limit on planned shifts in one package (a year of one-off plans is far fewer).
MAX_PLANNED_SHIFTS = 5000


def _provider_name() -> str:
    return load_settings().provider_name or DEFAULT_PROVIDER_NAME


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _completed_courses(session: Session, client_id: int, **who: int) -> list[dict[str, Any]]:
    # Courses taken for another client (its required trainings) would tell the receiver about that
    # client — possibly about their health — so only general ones and this client's are included.
    ((column, person_id),) = who.items()
    rows = session.execute(
        select(Course, CourseEnrollment.completed_on)
        .join(CourseEnrollment, CourseEnrollment.course_id == Course.id)
        .where(
            getattr(CourseEnrollment, column) == person_id,
            CourseEnrollment.status == "completed",
            CourseEnrollment.completed_on.is_not(None),
            or_(CourseEnrollment.client_id.is_(None), CourseEnrollment.client_id == client_id),
        )
        .order_by(CourseEnrollment.completed_on, Course.name)
    ).all()
    # The expiry date travels as well as the validity: the receiver's credential status must be
    # ours even when its catalog has the course with another validity (it is told so).
    return [
        {
            "name": c.name,
            "organiser": c.organiser,
            "kind": c.kind,
            "hours": c.hours,
            "completed_on": _iso(done),
            "validity_months": c.validity_months,
            "expires_on": _iso(expiry_date(done, c.validity_months)) if done is not None else None,
        }
        for c, done in rows
    ]


#: The weeks of plan that decide how a shared assistant's position is split between clients.
SHARE_WEEKS = 13


def moving_share(session: Session, assistant_id: int, client_id: int, moving: set[int], around: date) -> float:
    """The share (0-1] of an assistant's planned hours that belongs to the clients in `moving`, over
    the SHARE_WEEKS weeks before `around` (and, when those are empty, the weeks after it). An
    assistant who works only for this client: 1. The receiver employs them for that share."""
    for lo, hi in ((around - timedelta(weeks=SHARE_WEEKS), around), (around, around + timedelta(weeks=SHARE_WEEKS))):
        lo_utc = datetime.combine(lo, datetime.min.time(), UTC)
        hi_utc = datetime.combine(hi, datetime.min.time(), UTC)
        rows = session.execute(
            select(Shift.client_id, Shift.start_utc, Shift.end_utc).where(
                Shift.assistant_id == assistant_id,
                Shift.status != "cancelled",
                Shift.start_utc >= lo_utc,
                Shift.start_utc < hi_utc,
            )
        ).all()
        total = sum((e - st).total_seconds() for _c, st, e in rows)
        if total > 0:
            mine = sum((e - st).total_seconds() for c, st, e in rows if c in moving | {client_id})
            return max(mine / total, 0.005)
    return 1.0


def _assistant_entry(
    session: Session, ctx: Any, ta: TransferAssistant, person: Assistant, problems: list[FieldError]
) -> dict[str, Any] | None:
    t, client = ctx.transfer, ctx.client
    assignment = session.execute(
        select(Assignment)
        .where(Assignment.assistant_id == person.id, Assignment.client_id == client.id)
        .order_by(Assignment.start_date.desc())
        .limit(1)
    ).scalar()
    emp = session.execute(
        select(Employment)
        .where(Employment.assistant_id == person.id, Employment.start_date <= t.effective_date)
        .order_by(Employment.start_date.desc())
        .limit(1)
    ).scalar()
    if not person.national_id:
        problems.append(
            FieldError(
                "assistant",
                N_("Assistant {ref} has no national ID: the new employer needs it"),
                params={"ref": person.ref},
            )
        )
    if emp is None:
        problems.append(
            FieldError("assistant", N_("Assistant {ref} has no employment recorded"), params={"ref": person.ref})
        )
    if assignment is None or emp is None or not person.national_id:
        return None
    last_review = session.execute(
        select(func.max(Review.held_on)).where(Review.assistant_id == person.id, Review.client_id == client.id)
    ).scalar()
    others = transfer_rows._other_clients(session, saved_id(person), saved_id(client), t.effective_date)
    share = moving_share(session, saved_id(person), saved_id(client), set(), t.effective_date) if others else 1.0
    return {
        "sender_ref": person.ref,
        "name": person.name,
        "national_id": person.national_id,
        "birth_date": _iso(person.birth_date),
        "role": assignment.role,
        "with_client_since": _iso(assignment.start_date),
        "informed_on": _iso(ta.informed_on),
        "refusal_deadline": _iso(ta.refusal_deadline),
        "employment": {
            "kind": emp.kind,
            "start_date": _iso(emp.start_date),
            "seniority_date": _iso(emp.seniority_date or emp.start_date),
            "position_percent": emp.position_percent,
            # Exact text ("230.50"), never a JSON float: the receiver stores the same øre.
            "hourly_wage": money.as_text(emp.hourly_wage) if emp.hourly_wage is not None else None,
            "currency": "SEK" if ctx.country == "SE" else "NOK",
            # Shared between clients: the receiver employs them for this client's part only.
            "position_percent_moving": max(0.5, round(emp.position_percent * share, 1)),
        },
        "eea_resident": bool(person.eea_resident),
        "family_relation": bool(assignment.family_relation),
        "family_permission_on": _iso(assignment.family_permission_on),
        # Sweden: who keeps work with us for other clients stays employed here and gets no offer.
        "stays_with_sender": bool(others) and ctx.country == "SE",
        "police_certificate": {
            "checked": emp.police_certificate_on is not None,
            "checked_on": _iso(emp.police_certificate_on),
        },
        "confidentiality_signed_on": _iso(emp.confidentiality_on),
        "courses": _completed_courses(session, client.id, assistant_id=saved_id(person)),
        "last_review_on": _iso(last_review),
        # Norway only: the employment (and its leave, the sick-pay employer period) continues with
        # the receiver. In Sweden the receiver employs anew; the old employer's leave is not its
        # business, and sick leave is health data (docs/handover.md, Privacy choices).
        "absences": _absences(session, saved_id(person), t.effective_date) if ctx.country == "NO" else [],
    }


def _absences(session: Session, assistant_id: int, effective: date) -> list[dict[str, Any]]:
    """The absences that overlap or follow the effective date (issue 17): the receiver's roster
    and payroll need them from its first day. No notes: they may say something about health."""
    return [
        {
            "kind": a.kind,
            "from_date": _iso(a.from_date),
            "to_date": _iso(a.to_date),
            "grade": a.grade,
            "document_on": _iso(a.doctor_note_on),
        }
        for a in session.execute(
            select(Absence)
            .where(Absence.assistant_id == assistant_id, Absence.cancelled.is_(False), Absence.to_date >= effective)
            .order_by(Absence.from_date)
            .limit(200)
        ).scalars()
    ]


def _current_decision(session: Session, client_id: int, on: date) -> Decision | None:
    """The decision in force on `on`, else the latest one that started by then."""
    return session.execute(
        select(Decision)
        .where(Decision.client_id == client_id, Decision.valid_from <= on)
        .order_by(or_(Decision.valid_to.is_(None), Decision.valid_to >= on).desc(), Decision.valid_from.desc())
        .limit(1)
    ).scalar()


def hour_balance(
    session: Session, client: Client, decision: Decision, tz: str, as_of: date, now: datetime, effective: date
) -> dict[str, Any]:
    """The client's hour account in the current decision period, before day `as_of`.

    Decided hours are counted from the later of the period start and the client's start with us
    (an earlier provider's part arrived as an opening entry); adjustments are the account's
    entries in the period up to `as_of`, such as that opening entry.
    """
    # Hour accounts run by calendar year: the balance is counted from the start of the year of
    # the effective date (the year that continues at the new provider), or later.
    counted_from = max(decision.valid_from, client.start_date or decision.valid_from, date(effective.year, 1, 1))
    counted_from = min(counted_from, as_of)
    decided = decided_hours(
        decision.hours, decision.hours_unit, decision.valid_from, decision.valid_to, counted_from, as_of
    )
    # A shift that started before the effective date was worked here, also its hours after the
    # cut-over midnight: they are counted in this (final) balance, or by nobody.
    worked = worked_hours_in(
        session, saved_id(client), tz, counted_from, as_of, now, whole_shifts_started_before_end=as_of >= effective
    )
    adjust = session.execute(
        select(func.coalesce(func.sum(HourBalanceEntry.hours), 0.0)).where(
            HourBalanceEntry.client_id == client.id,
            HourBalanceEntry.entry_date >= counted_from,
            HourBalanceEntry.entry_date < as_of,
        )
    ).scalar_one()
    decided, worked, adjust = round(decided, 2), round(worked, 2), round(float(adjust), 2)
    return {
        "period_start": _iso(decision.valid_from),
        "period_end": _iso(decision.valid_to),
        "counted_from": _iso(counted_from),
        "as_of": _iso(as_of),
        "decided_hours": decided,
        "worked_hours": worked,
        "adjustment_hours": adjust,
        "balance_hours": round(adjust + decided - worked, 2),
    }


def _client_part(
    session: Session, ctx: Any, tz: str, as_of: date, now: datetime, transferring: set[str]
) -> dict[str, Any]:
    client = ctx.client
    decision = _current_decision(session, client.id, as_of)
    supervisors = []
    for sup, sv in session.execute(
        select(Supervisor, Supervision)
        .join(Supervision, Supervision.supervisor_id == Supervisor.id)
        .where(Supervision.client_id == client.id, or_(Supervision.until.is_(None), Supervision.until >= as_of))
        .order_by(Supervision.since, Supervisor.id)
    ).all():
        courses = _completed_courses(session, client.id, supervisor_id=saved_id(sup))
        basic = [c["completed_on"] for c in courses if c["kind"] == "supervisor_basic"]
        supervisors.append(
            {
                "name": sup.name,
                "relation": sv.relation,
                "since": _iso(sv.since),
                "basic_course_completed_on": min(basic) if basic else None,
                "courses": courses,
            }
        )
    refs_all = dict(
        session.execute(
            select(Assistant.id, Assistant.ref)
            .join(Shift, Shift.assistant_id == Assistant.id)
            .where(Shift.client_id == client.id)
            .distinct()
        ).all()
    )
    patterns = []
    refs = dict(
        session.execute(
            select(Assistant.id, Assistant.ref)
            .join(RotaPattern, RotaPattern.assistant_id == Assistant.id)
            .where(RotaPattern.client_id == client.id)
        ).all()
    )
    # Our cut-over ends the rota the day before the effective date: a package made after it (the
    # final one) still carries those patterns, open-ended, for the new provider's first day.
    last_day = ctx.transfer.effective_date - timedelta(days=1)
    ended_by_cutover = "cutover" in ctx.done
    for p in session.execute(
        select(RotaPattern)
        .where(
            RotaPattern.client_id == client.id,
            or_(RotaPattern.valid_to.is_(None), RotaPattern.valid_to >= min(as_of, last_day)),
        )
        .order_by(RotaPattern.valid_from, RotaPattern.id)
    ).scalars():
        if p.valid_to is not None and p.valid_to < as_of and not (ended_by_cutover and p.valid_to == last_day):
            continue
        ref = refs.get(p.assistant_id) if p.assistant_id is not None else None
        patterns.append(
            {
                "name": p.name,
                "assistant_sender_ref": ref if ref in transferring else None,
                "weekdays": sorted({int(x) for x in p.weekdays.split(",") if x.strip()}),
                "start_time": p.start_time.strftime("%H:%M"),
                "end_time": p.end_time.strftime("%H:%M"),
                "kind": p.kind,
                "cycle_weeks": p.cycle_weeks,
                "cycle_week": p.cycle_week,
                "valid_from": _iso(p.valid_from),
                "valid_to": None if ended_by_cutover and p.valid_to == last_day else _iso(p.valid_to),
            }
        )
    # One-off plans from the effective date on (a pattern's own shifts are made again from the
    # pattern at the receiver), with the assistant when that assistant moves.
    first_utc = local_day_start_utc(ctx.transfer.effective_date, tz)
    planned = [
        {
            "start": st.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": en.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "kind": kind,
            "assistant_sender_ref": (lambda r: r if r in transferring else None)(
                refs_all.get(aid) if aid is not None else None
            ),
        }
        for st, en, kind, aid in session.execute(
            select(Shift.start_utc, Shift.end_utc, Shift.kind, Shift.assistant_id)
            .where(
                Shift.client_id == client.id,
                Shift.status == "planned",
                Shift.start_utc >= first_utc,
                or_(Shift.pattern_id.is_(None), Shift.detached.is_(True)),
            )
            .order_by(Shift.start_utc)
            .limit(MAX_PLANNED_SHIFTS)
        ).all()
    ]
    return {
        "decision": None
        if decision is None
        else {
            "case_number": decision.case_number,
            "issuer": decision.issuer,
            "hours": decision.hours,
            "hours_unit": decision.hours_unit,
            "two_helper_hours": decision.two_helper_hours,
            "night_hours_allowed": decision.night_hours_allowed,
            "services": [x for x in decision.services.split(",") if x],
            "valid_from": _iso(decision.valid_from),
            "valid_to": _iso(decision.valid_to),
        },
        "supervisors": supervisors,
        "rota_patterns": patterns,
        "planned_shifts": planned,
        "hour_balance": None
        if decision is None
        else hour_balance(session, client, decision, tz, as_of, now, ctx.transfer.effective_date),
    }


def build_package(session: Session, ctx: Any, provider: str, now: datetime) -> dict[str, Any]:
    """The package of an outgoing transfer as a JSON-able dict (ValidationError when data is missing)."""
    t, client = ctx.transfer, ctx.client
    muni = session.get(Municipality, client.municipality_id)
    assert muni is not None
    # The balance and "current" records are as of today, or the effective date once it has come:
    # a package exported after cut-over carries the final balance.
    as_of = min(to_local(now, muni.timezone).date(), t.effective_date)
    people = {
        a.id: a
        for a in session.execute(
            select(Assistant).where(Assistant.id.in_([ta.assistant_id for ta in ctx.assistants]))
        ).scalars()
    }
    problems: list[FieldError] = []
    assistants, refusals = [], []
    for ta in ctx.assistants:
        person = people[ta.assistant_id]
        if ta.refused_on is not None:
            # Who refused stays with us: the receiver learns only our reference and the date.
            refusals.append({"sender_ref": person.ref, "refused_on": _iso(ta.refused_on)})
            continue
        entry = _assistant_entry(session, ctx, ta, person, problems)
        if entry is not None:
            assistants.append(entry)
    if problems:
        raise ValidationError(problems)
    transferring = {a["sender_ref"] for a in assistants}
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "stage": flow.stage(transfer_rows.flow_state(ctx)),
        "from_provider": {"name": provider},
        "to_provider": {"name": t.counterpart},
        "transfer": {
            "sender_transfer_id": t.id,
            "country": ctx.country,
            "basis": "new_employment" if ctx.country == "SE" else "transfer_of_undertaking",
            "notice_date": _iso(t.notice_date),
            "agreed_date": _iso(t.agreed_date),
            "effective_date": _iso(t.effective_date),
            "client_consent_on": _iso(t.client_consent_on),
            # The receiver fills in its own checklist from these and warns where its dates differ.
            "steps_done": {code: _iso(day) for code, day in ctx.done.items() if day <= now.date()},
        },
        "client": {
            "sender_ref": client.ref,
            "name": client.name,
            "national_id": client.national_id,
            "birth_date": _iso(client.birth_date),
            "municipality": {
                "name": muni.name,
                "country": ctx.country,
                "timezone": muni.timezone,
                "notice_months": muni.notice_months,
            },
        },
        "employment_part": {"assistants": assistants, "refusals": refusals},
        "client_part": (
            _client_part(session, ctx, muni.timezone, as_of, now, transferring)
            if t.client_consent_on is not None
            else None
        ),
    }


def _self_check(pkg: dict[str, Any]) -> None:
    # What we send must pass the schema we publish; failing here is a bug, not bad input.
    from jsonschema import Draft202012Validator, FormatChecker

    Draft202012Validator(load_schema(), format_checker=FormatChecker()).validate(pkg)
