"""Assistants' absence: record, change, end and cancel absences, and the findings of the absence
rules (bpa_provider/rules/absence.py) on each; docs/absence.md.

One model for Norway and Sweden: Sweden's sick periods (services/sickpay.py) are absences of the
sick kinds. Absence is health information (GDPR Art. 9): only holders of `absence.write` see it, and
the free-text note never enters the access log. A finding of the rules is a warning shown with the
record, citing its law; what the law forbids outright (overlaps, an absence outside employment, a
grade on a kind that has none) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Absence, Assignment, Assistant, Client, Employment, Municipality
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_, Msg, _
from bpa_provider.rules import absence as rules
from bpa_provider.rules.dates import format_date
from bpa_provider.services import vacancy
from bpa_provider.services.base import require, service
from bpa_provider.services.records import lookup
from bpa_provider.services.stored import stored_id
from bpa_provider.services.transitions import get_for_change
from bpa_provider.services.validation import check_text

PERMISSION = "absence.write"


def absence_policy(policy: Policy | None = None) -> rules.AbsencePolicy:
    """The absence rules' numbers from the provider's policy (config.toml can change each)."""
    policy = policy or Policy()
    return rules.AbsencePolicy(
        self_cert_max_days=policy.self_cert_max_days,
        self_cert_max_times=policy.self_cert_max_times,
        self_cert_after_months=policy.self_cert_after_months,
        holiday_days=policy.holiday_days,
    )


@dataclass(frozen=True)
class Warning_:
    """A rule's remark on a saved absence, in the person's language when shown."""

    rule: str
    text: Msg
    law: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.text} ({self.law})"


@dataclass(frozen=True)
class Saved:
    """An absence as saved, with the rules' remarks on it."""

    absence: Absence
    assistant_ref: str
    warnings: list[Warning_]
    vacated: int = 0  # the assistant's planned shifts that became vacant (services/vacancy.py)
    restored: int = 0  # vacant shifts given back (an absence shortened)


def _logged(row: Absence) -> dict[str, Any]:
    # The note may carry health detail a coordinator typed; the log keeps kind, dates and grade.
    return {k: v for k, v in row.model_dump().items() if k != "note"}


def employment_start(session: Session, assistant_id: int, on: date) -> date | None:
    """The start of the employment that covers `on` (None: not employed that day)."""
    return session.execute(
        select(Employment.start_date)
        .where(
            Employment.assistant_id == assistant_id,
            Employment.start_date <= on,
            or_(Employment.end_date.is_(None), Employment.end_date >= on),
        )
        .order_by(Employment.start_date.desc())
        .limit(1)
    ).scalar()


def assistant_country(session: Session, assistant_id: int) -> str:
    """The country the assistant works in: that of their latest assignment's client (NO if none)."""
    return (
        session.execute(
            select(Municipality.country)
            .join(Client, Client.municipality_id == Municipality.id)
            .join(Assignment, Assignment.client_id == Client.id)
            .where(Assignment.assistant_id == assistant_id)
            .order_by(Assignment.start_date.desc())
            .limit(1)
        ).scalar()
        or "NO"
    )


def sick_spans(
    session: Session, assistant_id: int, *, until: date | None = None, ignore_id: int | None = None
) -> list[tuple[int | None, rules.Span]]:
    """The assistant's sick absences (not cancelled), oldest first, as (id, span)."""
    q = select(Absence.id, Absence.from_date, Absence.to_date, Absence.grade).where(
        Absence.assistant_id == assistant_id, Absence.kind.in_(rules.SICK_KINDS), Absence.cancelled.is_(False)
    )
    if until is not None:
        q = q.where(Absence.from_date <= until)
    if ignore_id is not None:
        q = q.where(Absence.id != ignore_id)
    return [(i, rules.Span(a, b, g)) for i, a, b, g in session.execute(q.order_by(Absence.from_date)).all()]


def overlapping(session: Session, assistant_id: int, start: date, end: date, ignore_id: int | None) -> Absence | None:
    """An absence of the assistant (of any kind, not cancelled) overlapping `start`..`end`, other
    than `ignore_id`; None when there is none. Every kind counts: a sick day cannot also be a holiday."""
    q = select(Absence).where(
        Absence.assistant_id == assistant_id,
        Absence.cancelled.is_(False),
        Absence.from_date <= end,
        Absence.to_date >= start,
    )
    if ignore_id is not None:
        q = q.where(Absence.id != ignore_id)
    return session.execute(q.limit(1)).scalar_one_or_none()


def _errors(
    session: Session,
    assistant_id: int,
    kind: str,
    start: date,
    end: date,
    grade: int,
    document_on: date | None,
    ignore_id: int | None,
) -> list[FieldError]:
    errors: list[FieldError] = []
    if kind not in rules.KINDS:
        errors.append(FieldError("kind", N_("must be one of: {values}"), params={"values": ", ".join(rules.KINDS)}))
    if end < start:
        errors.append(
            FieldError(
                "to_date",
                N_("The absence cannot end ({end}) before it starts ({start})"),
                params={"end": format_date(end), "start": format_date(start)},
            )
        )
        return errors
    if not 1 <= grade <= 100:
        errors.append(FieldError("grade", N_("must be between 1 and 100 %")))
    elif grade != 100 and kind != "sick-note":
        errors.append(FieldError("grade", N_("only a sick note is graded; leave the grade at 100 %")))
    if document_on is not None and document_on < start:
        errors.append(
            FieldError(
                "document_on",
                N_("The document ({date}) is dated before the absence"),
                params={"date": format_date(document_on)},
            )
        )
    if employment_start(session, assistant_id, start) is None:
        errors.append(
            FieldError("from_date", N_("The assistant is not employed on {date}"), params={"date": format_date(start)})
        )
    other = overlapping(session, assistant_id, start, end, ignore_id)
    if other is not None:
        errors.append(
            FieldError(
                "from_date",
                N_("It overlaps the absence {a}–{b} ({kind}); change that one instead"),
                params={
                    "a": format_date(other.from_date),
                    "b": format_date(other.to_date),
                    "kind": Msg(rules.KIND_LABELS.get(other.kind, other.kind)),
                },
            )
        )
    return errors


def findings(session: Session, row: Absence, policy: rules.AbsencePolicy) -> list[Warning_]:
    """The rules' remarks on one saved absence (self-certification limits, sick pay, holiday)."""
    out: list[rules.Finding] = []
    span = rules.Span(row.from_date, row.to_date, row.grade)
    employed = employment_start(session, row.assistant_id, row.from_date)
    if row.kind == "self-cert":
        self_certs = session.execute(
            select(Absence.from_date, Absence.to_date).where(
                Absence.assistant_id == row.assistant_id,
                Absence.kind == "self-cert",
                Absence.cancelled.is_(False),
                Absence.id != row.id,
                Absence.from_date <= row.from_date,
            )
        ).all()
        out += rules.self_cert_findings(span, employed, [rules.Span(a, b) for a, b in self_certs], policy)
    if row.kind in rules.SICK_KINDS:
        out += rules.sick_pay_findings(span, employed, policy)
    if row.kind == "holiday":
        year = row.from_date.year
        left = holiday_left(session, row.assistant_id, year, policy)
        if left < 0:
            out.append(
                rules.Finding(
                    "HOLIDAY-EXCEEDED",
                    N_("Holiday in {year} exceeds the entitlement by {days} days"),
                    {"year": year, "days": -left},
                    "ferieloven § 5",
                )
            )
    return [Warning_(f.rule, Msg(f.message, **f.params), f.law) for f in out]


def holiday_left(session: Session, assistant_id: int, year: int, policy: rules.AbsencePolicy) -> int:
    """Holiday working days left in a year (negative: taken beyond the entitlement)."""
    from bpa_provider.rules.payroll import public_holidays

    country = assistant_country(session, assistant_id)
    birth = session.execute(select(Assistant.birth_date).where(Assistant.id == assistant_id)).scalar()
    free = set(public_holidays(country, [year]))
    first, last = date(year, 1, 1), date(year, 12, 31)
    taken = 0
    for a, b in session.execute(
        select(Absence.from_date, Absence.to_date).where(
            Absence.assistant_id == assistant_id,
            Absence.kind == "holiday",
            Absence.cancelled.is_(False),
            Absence.from_date <= last,
            Absence.to_date >= first,
        )
    ).all():
        taken += rules.holiday_working_days(rules.Span(max(a, first), min(b, last)), country, free)
    return rules.holiday_entitlement(year, birth, policy) - taken


def record_absence(
    s: Session, actor: Actor, person: Assistant, entity: str, summary: str, policy: Policy | None, **fields: Any
) -> tuple[Absence, int]:
    """Write an absence row and its access-log row (without the note), in the caller's
    transaction, and make the assistant's shifts in its days vacant; returns the row and how many
    shifts became vacant. One way for Norway's absences and Sweden's sick periods (services/sickpay.py),
    logged as `entity`."""
    row = Absence(assistant_id=stored_id(person), **fields)
    s.add(row)
    s.flush()
    audit.record(s, actor, "create", entity, row.id, subject=person.ref, summary=summary, after=_logged(row))
    return row, vacancy.vacate(s, actor, row, row.from_date, row.to_date, policy)


def change_absence(
    s: Session, actor: Actor, row: Absence, entity: str, summary: str, policy: Policy | None, **changes: Any
) -> tuple[str, int, int]:
    """Change an absence row (logged as `entity`, without the note) in the caller's transaction:
    days no longer absent get their shifts back, days newly absent lose theirs. Returns the
    assistant's reference and how many shifts were restored and vacated."""
    before = _logged(row)
    old_days = (row.from_date, row.to_date)
    for key, value in changes.items():
        setattr(row, key, value)
    s.flush()
    ref = s.get_one(Assistant, row.assistant_id).ref
    audit.record(s, actor, "update", entity, row.id, subject=ref, summary=summary, before=before, after=_logged(row))
    restored = vacancy.restore(s, actor, row, *old_days, policy)
    vacated = vacancy.vacate(s, actor, row, row.from_date, row.to_date, policy)
    return ref, restored, vacated


def _check_note(note: str, errors: list[FieldError]) -> str:
    return check_text(note, "note", 500, multiline=True, errors=errors)


@service
def add_absence(
    db: Database,
    actor: Actor,
    assistant_ref: str,
    kind: str,
    from_date: date,
    to_date: date,
    *,
    grade: int = 100,
    document_on: date | None = None,
    note: str = "",
    policy: Policy | None = None,
) -> Saved:
    """Record an absence; returns it with the rules' warnings."""
    require(actor, PERMISSION, what=N_("record absence"))
    kind = (kind or "").strip().lower()
    with db.write() as s:
        person = lookup(s, Assistant, assistant_ref, "assistant")
        errors = _errors(s, stored_id(person), kind, from_date, to_date, grade, document_on, None)
        text = _check_note(note, errors)
        if errors:
            raise ValidationError(errors)
        row, vacated = record_absence(
            s,
            actor,
            person,
            "absence",
            f"absence recorded: {kind}",
            policy,
            kind=kind,
            from_date=from_date,
            to_date=to_date,
            grade=grade,
            doctor_note_on=document_on,
            note=text,
        )
        return Saved(row, person.ref, findings(s, row, absence_policy(policy)), vacated)


@service
def edit_absence(
    db: Database,
    actor: Actor,
    absence_id: int,
    version: int | None,
    *,
    kind: str | None = None,
    from_date: date | None = None,
    to_date: date | None = None,
    grade: int | None = None,
    document_on: date | None = None,
    note: str | None = None,
    policy: Policy | None = None,
) -> Saved:
    """Change an absence (None leaves a value as it is); `version` is the one the person read."""
    require(actor, PERMISSION, what=N_("record absence"))
    with db.write() as s:
        row = get_for_change(s, Absence, absence_id, _("No absence {id}").format(id=absence_id), version)
        if row.cancelled:
            raise ValidationError(N_("The absence was cancelled; record a new one"))
        new_kind = (kind or row.kind).strip().lower()
        new_from, new_to = from_date or row.from_date, to_date or row.to_date
        new_grade = row.grade if grade is None else grade
        new_document = document_on or row.doctor_note_on
        errors = _errors(s, row.assistant_id, new_kind, new_from, new_to, new_grade, new_document, row.id)
        new_note = row.note if note is None else _check_note(note, errors)
        if errors:
            raise ValidationError(errors)
        ref, restored, vacated = change_absence(
            s,
            actor,
            row,
            "absence",
            "absence changed",
            policy,
            kind=new_kind,
            from_date=new_from,
            to_date=new_to,
            grade=new_grade,
            doctor_note_on=new_document,
            note=new_note,
        )
        return Saved(row, ref, findings(s, row, absence_policy(policy)), vacated, max(0, restored - vacated))


@service
def end_absence(
    db: Database,
    actor: Actor,
    absence_id: int,
    last_day: date,
    version: int | None = None,
    policy: Policy | None = None,
) -> Saved:
    """The assistant is back: the absence ends on `last_day` (earlier than planned, or later)."""
    return edit_absence(db, actor, absence_id, version, to_date=last_day, policy=policy)


@service
def cancel_absence(db: Database, actor: Actor, absence_id: int, version: int | None = None) -> Absence:
    """An absence recorded in error: kept (and logged), counted nowhere."""
    require(actor, PERMISSION, what=N_("record absence"))
    with db.write() as s:
        row = get_for_change(s, Absence, absence_id, _("No absence {id}").format(id=absence_id), version)
        if row.cancelled:
            return row
        before = _logged(row)
        row.cancelled = True
        s.flush()
        ref = s.get_one(Assistant, row.assistant_id).ref
        audit.record(
            s,
            actor,
            "update",
            "absence",
            row.id,
            subject=ref,
            summary="absence cancelled",
            before=before,
            after=_logged(row),
        )
        vacancy.restore(s, actor, row, row.from_date, row.to_date)
        return row


@dataclass(frozen=True)
class AbsenceRow:
    """An absence as a list shows it."""

    id: int
    version: int
    assistant: str
    name: str
    kind: str
    from_date: date
    to_date: date
    days: int
    grade: int
    document_on: date | None
    cancelled: bool


@service
def list_absences(
    db: Database,
    actor: Actor,
    assistant_ref: str | None = None,
    from_date: date | None = None,
    to_date: date | None = None,
    include_cancelled: bool = False,
) -> list[AbsenceRow]:
    """Absences overlapping [from_date, to_date] (either open), newest first."""
    require(actor, PERMISSION, what=N_("see absence"))
    q = (
        select(Absence, Assistant.ref, Assistant.name)
        .join(Assistant, Assistant.id == Absence.assistant_id)
        .order_by(Absence.from_date.desc(), Absence.id.desc())
    )
    conditions = []
    if from_date is not None:
        conditions.append(Absence.to_date >= from_date)
    if to_date is not None:
        conditions.append(Absence.from_date <= to_date)
    if not include_cancelled:
        conditions.append(Absence.cancelled.is_(False))
    with db.read() as s:
        if assistant_ref:
            person = lookup(s, Assistant, assistant_ref, "assistant")
            conditions.append(Absence.assistant_id == person.id)
        if conditions:
            q = q.where(and_(*conditions))
        return [
            AbsenceRow(
                stored_id(a),
                a.version or 0,
                ref,
                name,
                a.kind,
                a.from_date,
                a.to_date,
                (a.to_date - a.from_date).days + 1,
                a.grade,
                a.doctor_note_on,
                a.cancelled,
            )
            for a, ref, name in s.execute(q).all()
        ]
