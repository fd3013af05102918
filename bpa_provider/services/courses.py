"""Courses: the catalog and its course dates (sessions), with the helpers the other course modules
share (finding a course, a client or a person, seats taken, whose enrollment is in a supervisor's scope).

The course services are split by what they do:
- this module: the catalog and course dates;
- `course_enrollment`: enrollment and outcomes (completing a course ticks onboarding steps and
  closes review actions);
- `course_credentials`: expiry reminders and the trainings a client requires;
- `course_report`: the yearly training report for the municipality's grant.

Why the pieces fit together this way:
- one enrollment row per person and course date; a review action may enroll an assistant in a
  course before a date is known (no session), and enrolling that person in a date of the course
  later fills in that row instead of adding a second one;
- a session's capacity counts every enrollment on it (a no-show still took a seat), and a batch
  that does not fit is refused whole, so nobody is half-enrolled;
- completing a `supervisor_basic` course ticks the supervisor's basic-course onboarding steps, and
  completing a course closes the open review actions that asked for it;
- a credential's expiry is the completion date + the course's validity (relativedelta); the
  supervisor basic course and refresher count as one credential, so a refresher renews it.

Permissions: `course.read` to read (a supervisor only sees their own clients' people), `course.write`
to change anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    Assignment,
    Assistant,
    Client,
    Course,
    CourseEnrollment,
    CourseSession,
    Supervision,
    Supervisor,
)
from bpa_provider.db.types import utcnow
from bpa_provider.errors import FieldError, Invalid, NotFound, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules.dates import format_date
from bpa_provider.services.base import require, service
from bpa_provider.services.record_parsing import parse_fields
from bpa_provider.services.records import FieldSpec, lookup
from bpa_provider.services.stored import stored_id
from bpa_provider.services.transitions import check_version, get_for_change

COURSE_KINDS = ("supervisor_basic", "supervisor_refresher", "assistant_training")
SUPERVISOR_KINDS = ("supervisor_basic", "supervisor_refresher")
OUTCOMES = ("attended", "completed", "no_show")

_F = FieldSpec
COURSE_FIELDS = (
    _F("name", "Name", required=True, max_len=200),
    _F("organiser", "Organiser", max_len=200),
    _F("kind", "Kind", "choice", required=True, choices=COURSE_KINDS),
    _F("hours", "Hours", "float", minimum=0, maximum=1000),
    _F("validity_months", "Validity (months)", "int", minimum=1, maximum=240, hint="empty: never expires"),
)
SESSION_FIELDS = (
    _F("starts_on", "Starts on", "date", required=True),
    _F("ends_on", "Ends on", "date"),
    _F("place", "Place", max_len=200),
    _F("capacity", "Capacity", "int", minimum=1, maximum=1000, hint="empty: no limit"),
)

#: certificate_ref of a completion imported from another provider's handover package.
HANDOVER_CERTIFICATE_PREFIX = "handover:"


# --------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class SessionRow:
    """A course date with its course and how many seats are taken."""

    id: int
    course_id: int
    course: str
    kind: str
    organiser: str
    hours: float
    starts_on: date
    ends_on: date | None
    place: str
    capacity: int | None
    enrolled: int
    free: int | None
    version: int | None


# --------------------------------------------------------------------------- helpers


def find_course(session: Session, key: int | str) -> Course:
    """A course by id or exact name (case-insensitive); NotFound otherwise."""
    if isinstance(key, int) and not isinstance(key, bool):
        row = session.get(Course, key)
    else:
        text = str(key).strip()
        row = (
            session.get(Course, int(text))
            if text.isdigit()
            else session.execute(select(Course).where(func.lower(Course.name) == text.lower())).scalar()
        )
    if row is None:
        raise NotFound(N_("no course '{key}'"), key=key)
    return row


def find_client(session: Session, key: int | str) -> Client:
    """A client by id or reference; NotFound otherwise."""
    client: Client = lookup(session, Client, key, _("client"))
    return client


def resolve_person(session: Session, ref: str) -> tuple[str, int, str, str]:
    """(kind, id, ref, name) for a supervisor or assistant reference; ValueError when unknown."""
    text = str(ref).strip()
    sup = session.execute(select(Supervisor.id, Supervisor.name).where(Supervisor.ref == text)).first()
    asst = session.execute(select(Assistant.id, Assistant.name).where(Assistant.ref == text)).first()
    if sup and asst:
        raise Invalid(N_("'{ref}' names both a supervisor and an assistant"), ref=text)
    if sup:
        return "supervisor", sup[0], text, sup[1]
    if asst:
        return "assistant", asst[0], text, asst[1]
    raise Invalid(N_("no supervisor or assistant '{ref}'"), ref=text)


def person_filter(kind: str, person_id: int) -> Any:
    """SQL condition: the enrollment is this supervisor's or assistant's."""
    col = CourseEnrollment.supervisor_id if kind == "supervisor" else CourseEnrollment.assistant_id
    return col == person_id


def single_client(session: Session, kind: str, person_id: int, on: date) -> int | None:
    """The person's only client on a day (for the training report), or None when several/none."""
    if kind == "supervisor":
        q = select(Supervision.client_id).where(
            Supervision.supervisor_id == person_id,
            Supervision.since <= on,
            or_(Supervision.until.is_(None), Supervision.until >= on),
        )
    else:
        q = select(Assignment.client_id).where(
            Assignment.assistant_id == person_id,
            Assignment.start_date <= on,
            or_(Assignment.end_date.is_(None), Assignment.end_date >= on),
        )
    ids = set(session.execute(q).scalars())
    return ids.pop() if len(ids) == 1 else None


def people_names(session: Session, enrollments: Sequence[CourseEnrollment]) -> dict[tuple[str, int], tuple[str, str]]:
    """(kind, id) -> (ref, name) of the people on these enrollments, in two queries."""
    sup_ids = {e.supervisor_id for e in enrollments if e.supervisor_id}
    asst_ids = {e.assistant_id for e in enrollments if e.assistant_id}
    out: dict[tuple[str, int], tuple[str, str]] = {}
    if sup_ids:
        for i, ref, name in session.execute(
            select(Supervisor.id, Supervisor.ref, Supervisor.name).where(Supervisor.id.in_(sup_ids))
        ):
            out[("supervisor", i)] = (ref, name)
    if asst_ids:
        for i, ref, name in session.execute(
            select(Assistant.id, Assistant.ref, Assistant.name).where(Assistant.id.in_(asst_ids))
        ):
            out[("assistant", i)] = (ref, name)
    return out


def person_of(e: CourseEnrollment) -> tuple[str, int]:
    """(kind, id) of the person an enrollment is for."""
    return ("supervisor", e.supervisor_id) if e.supervisor_id else ("assistant", e.assistant_id or 0)


def in_scope_people(actor: Actor, today: date) -> Any:
    """SQL condition: the enrollment's person belongs to the supervisor-actor's clients."""
    scope = sorted(actor.client_scope or ())
    return or_(
        CourseEnrollment.supervisor_id == actor.supervisor_id,
        CourseEnrollment.assistant_id.in_(
            select(Assignment.assistant_id).where(
                Assignment.client_id.in_(scope), or_(Assignment.end_date.is_(None), Assignment.end_date >= today)
            )
        ),
    )


# --------------------------------------------------------------------------- catalog


@service
def create_course(db: Database, actor: Actor, data: Mapping[str, Any]) -> Course:
    """Add a course to the catalog (name, organiser, kind, hours, validity in months or none)."""
    require(actor, "course.write", what=_("change the course catalog"))
    with db.write() as s:
        values, errors = parse_fields(s, COURSE_FIELDS, data, creating=True)
        if (
            "name" in values
            and s.execute(select(Course.id).where(func.lower(Course.name) == values["name"].lower())).first()
        ):
            errors.append(
                FieldError("name", N_("a course named '{name}' already exists"), params={"name": values["name"]})
            )
        if errors:
            raise ValidationError(errors)
        course = Course(**{k: v for k, v in values.items() if v not in ("", None)})
        s.add(course)
        s.flush()
        audit.record(
            s, actor, "create", "course", course.id, subject=course.name, summary="course created", after=course
        )
        return course


@service
def update_course(
    db: Database, actor: Actor, course: int | str, version: int | None, data: Mapping[str, Any]
) -> Course:
    """Change a course read at `version` (an empty validity means "never expires")."""
    require(actor, "course.write", what=_("change the course catalog"))
    with db.write() as s:
        row = find_course(s, course)
        check_version(row, version)
        values, errors = parse_fields(s, COURSE_FIELDS, data, creating=False)
        if (
            values.get("name")
            and s.execute(
                select(Course.id).where(func.lower(Course.name) == values["name"].lower(), Course.id != row.id)
            ).first()
        ):
            errors.append(
                FieldError("name", N_("a course named '{name}' already exists"), params={"name": values["name"]})
            )
        if errors:
            raise ValidationError(errors)
        before = Course.model_validate(row.model_dump())
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if not changed:
            return row
        for k, v in changed.items():
            setattr(row, k, v)
        row.updated_at = utcnow()
        s.flush()
        if {"validity_months", "kind"} & changed.keys():  # its completions' expiry or credential changed
            from bpa_provider.services import course_expiry  # it imports this module

            course_expiry.refresh_course(s, stored_id(row))
        audit.record(
            s,
            actor,
            "update",
            "course",
            row.id,
            subject=row.name,
            summary=f"course changed: {', '.join(sorted(changed))}",
            before=before,
            after=row,
        )
        return row


@service
def list_courses(db: Database, actor: Actor) -> list[Course]:
    """The catalog, by name."""
    require(actor, "course.read", what=_("see courses"))
    with db.read() as s:
        return list(s.execute(select(Course).order_by(Course.name)).scalars())


# --------------------------------------------------------------------------- sessions


def _check_session(values: dict[str, Any], row: CourseSession | None) -> list[FieldError]:
    start = values.get("starts_on", row.starts_on if row else None)
    end = values.get("ends_on", row.ends_on if row else None)
    if start and end and end < start:
        return [
            FieldError(
                "ends_on", N_("Ends on must be on or after the start ({start})"), params={"start": format_date(start)}
            )
        ]
    return []


@service
def create_session(db: Database, actor: Actor, course: int | str, data: Mapping[str, Any]) -> CourseSession:
    """Add a dated run of a course (start, optional end, place, capacity)."""
    require(actor, "course.write", what=_("plan course dates"))
    with db.write() as s:
        c = find_course(s, course)
        values, errors = parse_fields(s, SESSION_FIELDS, data, creating=True)
        errors += _check_session(values, None)
        if errors:
            raise ValidationError(errors)
        row = CourseSession(course_id=stored_id(c), **values)
        s.add(row)
        s.flush()
        audit.record(
            s,
            actor,
            "create",
            "course_session",
            row.id,
            subject=c.name,
            summary=f"course date {row.starts_on.isoformat()}",
            after=row,
        )
        return row


def seats_taken(session: Session, session_id: int) -> int:
    """Enrollments on a course date; a no-show still took a seat."""
    return int(
        session.execute(
            select(func.count()).select_from(CourseEnrollment).where(CourseEnrollment.session_id == session_id)
        ).scalar_one()
    )


@service
def update_session(
    db: Database, actor: Actor, session_id: int, version: int | None, data: Mapping[str, Any]
) -> CourseSession:
    """Change a course date; its capacity cannot drop below the seats already taken."""
    require(actor, "course.write", what=_("plan course dates"))
    with db.write() as s:
        row = get_for_change(s, CourseSession, session_id, _("no course date {id}").format(id=session_id), version)
        values, errors = parse_fields(s, SESSION_FIELDS, data, creating=False)
        errors += _check_session(values, row)
        taken = seats_taken(s, stored_id(row))
        if values.get("capacity") is not None and values["capacity"] < taken:
            errors.append(
                FieldError(
                    "capacity", N_("Capacity cannot be below the {n} people already enrolled"), params={"n": taken}
                )
            )
        if errors:
            raise ValidationError(errors)
        before = CourseSession.model_validate(row.model_dump())
        for k, v in values.items():
            setattr(row, k, v)
        s.flush()
        audit.record(
            s, actor, "update", "course_session", row.id, summary="course date changed", before=before, after=row
        )
        return row


@service
def list_sessions(
    db: Database,
    actor: Actor,
    *,
    course: int | str | None = None,
    from_date: date | None = None,
    to_date: date | None = None,
) -> list[SessionRow]:
    """Course dates with seats taken, by start date."""
    require(actor, "course.read", what=_("see courses"))
    taken = (
        select(CourseEnrollment.session_id, func.count().label("n"))
        .where(CourseEnrollment.session_id.is_not(None))
        .group_by(CourseEnrollment.session_id)
        .subquery()
    )
    q = (
        select(CourseSession, Course, func.coalesce(taken.c.n, 0))
        .join(Course, Course.id == CourseSession.course_id)
        .outerjoin(taken, taken.c.session_id == CourseSession.id)
        .order_by(CourseSession.starts_on, CourseSession.id)
    )
    with db.read() as s:
        if course is not None:
            q = q.where(CourseSession.course_id == find_course(s, course).id)
        if from_date is not None:
            q = q.where(func.coalesce(CourseSession.ends_on, CourseSession.starts_on) >= from_date)
        if to_date is not None:
            q = q.where(CourseSession.starts_on <= to_date)
        rows = list(s.execute(q))
    return [
        SessionRow(
            id=cs.id,
            course_id=c.id,
            course=c.name,
            kind=c.kind,
            organiser=c.organiser,
            hours=c.hours,
            starts_on=cs.starts_on,
            ends_on=cs.ends_on,
            place=cs.place,
            capacity=cs.capacity,
            enrolled=int(n),
            free=None if cs.capacity is None else max(cs.capacity - int(n), 0),
            version=cs.version,
        )
        for cs, c, n in rows
    ]
