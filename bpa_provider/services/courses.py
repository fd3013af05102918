"""Courses: the catalog, course dates (sessions), enrollment and outcomes, expiry reminders, the
trainings a client requires, and the yearly training report for the municipality's grant.

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

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Sequence

from sqlalchemy import and_, case, exists, func, literal_column, or_, select, union_all
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.errors import FieldError, Invalid, NotFound, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules.calendar import days_left, expiry_date, expiry_reminders
from bpa_provider.rules.dates import format_date
from bpa_provider.services.base import require, scoped_actor, service
from bpa_provider.services.onboarding import current_policy, mark_basic_course_done_in
from bpa_provider.services.records import FieldSpec, in_scope, lookup, parse_value
from bpa_provider.services.transitions import check_version, get_for_change
from db.engine import Database
from db.models import (
    Assignment, Assistant, Client, Course, CourseEnrollment, CourseSession, Employment,
    RequiredTraining, Review, ReviewAction, Supervision, Supervisor,
)
from db.types import utcnow

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


@dataclass(frozen=True)
class EnrollmentRow:
    """An enrollment as a person sees it: who, which course and date, and the outcome."""

    id: int
    session_id: int | None
    course: str
    starts_on: date | None
    person_kind: str  # supervisor, assistant
    person_ref: str
    person_name: str
    client_ref: str
    status: str
    completed_on: date | None
    certificate_ref: str
    expires_on: date | None
    version: int | None


@dataclass(frozen=True)
class ExpiringCredential:
    """A completed course that expires soon (or has expired), with the reminder bucket reached."""

    person_kind: str
    person_id: int
    person_ref: str
    person_name: str
    course_id: int
    course: str
    completed_on: date
    expires_on: date
    days_left: int
    reminder: int  # 90, 30 or 7: the smallest lead time already reached
    expired: bool


@dataclass(frozen=True)
class TrainingRow:
    """One completed course, attributed to a client, for the training-grant report."""

    client_ref: str
    client_name: str
    person_kind: str
    person_ref: str
    person_name: str
    course: str
    kind: str
    organiser: str
    completed_on: date
    hours: float
    certificate_ref: str


@dataclass(frozen=True)
class ClientTraining:
    """Per client and year: how many supervisors and assistants were trained, and the hours."""

    client_ref: str
    client_name: str
    supervisors_trained: int
    assistants_trained: int
    supervisor_hours: float
    assistant_hours: float
    completions: int


@dataclass(frozen=True)
class TrainingReport:
    """The yearly training report: the courses completed, and the totals per client."""

    year: int
    rows: list[TrainingRow]
    clients: list[ClientTraining]


@dataclass(frozen=True)
class RequiredTrainingRow:
    """A course a client requires of every assistant who works for them."""

    id: int
    client_ref: str
    course_id: int
    course: str


# --------------------------------------------------------------------------- helpers

def _parse(session: Session, specs: Sequence[FieldSpec], data: Mapping[str, Any], *, creating: bool
           ) -> tuple[dict[str, Any], list[FieldError]]:
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    known = {f.name: f for f in specs}
    for name in data:
        if name not in known:
            errors.append(FieldError(name, N_("is not a field of this record")))
    for f in specs:
        if f.name not in data:
            if creating and f.required:
                errors.append(FieldError.about(f.name, f.label, N_("is required")))
            continue
        try:
            values[f.name] = parse_value(session, f, data[f.name])
        except ValueError as exc:
            errors.append(FieldError.about(f.name, f.label, exc))
    return values, errors


def find_course(session: Session, key: int | str) -> Course:
    """A course by id or exact name (case-insensitive); NotFound otherwise."""
    if isinstance(key, int) and not isinstance(key, bool):
        row = session.get(Course, key)
    else:
        text = str(key).strip()
        row = session.get(Course, int(text)) if text.isdigit() else session.execute(
            select(Course).where(func.lower(Course.name) == text.lower())).scalar()
    if row is None:
        raise NotFound(N_("no course '{key}'"), key=key)
    return row


def _client(session: Session, key: int | str) -> Client:
    return lookup(session, Client, key, _("client"))


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


def _person_filter(kind: str, person_id: int) -> Any:
    col = CourseEnrollment.supervisor_id if kind == "supervisor" else CourseEnrollment.assistant_id
    return col == person_id


def _single_client(session: Session, kind: str, person_id: int, on: date) -> int | None:
    """The person's only client on a day (for the training report), or None when several/none."""
    if kind == "supervisor":
        q = select(Supervision.client_id).where(
            Supervision.supervisor_id == person_id, Supervision.since <= on,
            or_(Supervision.until.is_(None), Supervision.until >= on))
    else:
        q = select(Assignment.client_id).where(
            Assignment.assistant_id == person_id, Assignment.start_date <= on,
            or_(Assignment.end_date.is_(None), Assignment.end_date >= on))
    ids = set(session.execute(q).scalars())
    return ids.pop() if len(ids) == 1 else None


def _people_names(session: Session, enrollments: Sequence[CourseEnrollment]) -> dict[tuple[str, int], tuple[str, str]]:
    sup_ids = {e.supervisor_id for e in enrollments if e.supervisor_id}
    asst_ids = {e.assistant_id for e in enrollments if e.assistant_id}
    out: dict[tuple[str, int], tuple[str, str]] = {}
    if sup_ids:
        for i, ref, name in session.execute(select(Supervisor.id, Supervisor.ref, Supervisor.name).where(Supervisor.id.in_(sup_ids))):
            out[("supervisor", i)] = (ref, name)
    if asst_ids:
        for i, ref, name in session.execute(select(Assistant.id, Assistant.ref, Assistant.name).where(Assistant.id.in_(asst_ids))):
            out[("assistant", i)] = (ref, name)
    return out


def _person_of(e: CourseEnrollment) -> tuple[str, int]:
    return ("supervisor", e.supervisor_id) if e.supervisor_id else ("assistant", e.assistant_id or 0)


def _in_scope_people(actor: Actor, today: date) -> Any:
    """SQL condition: the enrollment's person belongs to the supervisor-actor's clients."""
    scope = sorted(actor.client_scope or ())
    return or_(
        CourseEnrollment.supervisor_id == actor.supervisor_id,
        CourseEnrollment.assistant_id.in_(select(Assignment.assistant_id).where(
            Assignment.client_id.in_(scope), or_(Assignment.end_date.is_(None), Assignment.end_date >= today))),
    )


# --------------------------------------------------------------------------- catalog

@service
def create_course(db: Database, actor: Actor, data: Mapping[str, Any]) -> Course:
    """Add a course to the catalog (name, organiser, kind, hours, validity in months or none)."""
    require(actor, "course.write", what=_("change the course catalog"))
    with db.write() as s:
        values, errors = _parse(s, COURSE_FIELDS, data, creating=True)
        if "name" in values and s.execute(select(Course.id).where(func.lower(Course.name) == values["name"].lower())).first():
            errors.append(FieldError("name", N_("a course named '{name}' already exists"), params={"name": values["name"]}))
        if errors:
            raise ValidationError(errors)
        course = Course(**{k: v for k, v in values.items() if v not in ("", None)})
        s.add(course)
        s.flush()
        audit.record(s, actor, "create", "course", course.id, subject=course.name, summary="course created", after=course)
        return course


@service
def update_course(db: Database, actor: Actor, course: int | str, version: int | None, data: Mapping[str, Any]) -> Course:
    """Change a course read at `version` (an empty validity means "never expires")."""
    require(actor, "course.write", what=_("change the course catalog"))
    with db.write() as s:
        row = find_course(s, course)
        check_version(row, version)
        values, errors = _parse(s, COURSE_FIELDS, data, creating=False)
        if values.get("name") and s.execute(select(Course.id).where(
                func.lower(Course.name) == values["name"].lower(), Course.id != row.id)).first():
            errors.append(FieldError("name", N_("a course named '{name}' already exists"), params={"name": values["name"]}))
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
        audit.record(s, actor, "update", "course", row.id, subject=row.name,
                     summary=f"course changed: {', '.join(sorted(changed))}", before=before, after=row)
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
        return [FieldError("ends_on", N_("Ends on must be on or after the start ({start})"), params={"start": format_date(start)})]
    return []


@service
def create_session(db: Database, actor: Actor, course: int | str, data: Mapping[str, Any]) -> CourseSession:
    """Add a dated run of a course (start, optional end, place, capacity)."""
    require(actor, "course.write", what=_("plan course dates"))
    with db.write() as s:
        c = find_course(s, course)
        values, errors = _parse(s, SESSION_FIELDS, data, creating=True)
        errors += _check_session(values, None)
        if errors:
            raise ValidationError(errors)
        row = CourseSession(course_id=c.id, **values)
        s.add(row)
        s.flush()
        audit.record(s, actor, "create", "course_session", row.id, subject=c.name,
                     summary=f"course date {row.starts_on.isoformat()}", after=row)
        return row


def _taken(session: Session, session_id: int) -> int:
    return int(session.execute(select(func.count()).select_from(CourseEnrollment)
                               .where(CourseEnrollment.session_id == session_id)).scalar_one())


@service
def update_session(db: Database, actor: Actor, session_id: int, version: int | None, data: Mapping[str, Any]) -> CourseSession:
    """Change a course date; its capacity cannot drop below the seats already taken."""
    require(actor, "course.write", what=_("plan course dates"))
    with db.write() as s:
        row = get_for_change(s, CourseSession, session_id, _("no course date {id}").format(id=session_id), version)
        values, errors = _parse(s, SESSION_FIELDS, data, creating=False)
        errors += _check_session(values, row)
        taken = _taken(s, row.id)
        if values.get("capacity") is not None and values["capacity"] < taken:
            errors.append(FieldError("capacity", N_("Capacity cannot be below the {n} people already enrolled"), params={"n": taken}))
        if errors:
            raise ValidationError(errors)
        before = CourseSession.model_validate(row.model_dump())
        for k, v in values.items():
            setattr(row, k, v)
        s.flush()
        audit.record(s, actor, "update", "course_session", row.id, summary="course date changed", before=before, after=row)
        return row


@service
def list_sessions(
    db: Database, actor: Actor, *, course: int | str | None = None, from_date: date | None = None,
    to_date: date | None = None,
) -> list[SessionRow]:
    """Course dates with seats taken, by start date."""
    require(actor, "course.read", what=_("see courses"))
    taken = (select(CourseEnrollment.session_id, func.count().label("n"))
             .where(CourseEnrollment.session_id.is_not(None)).group_by(CourseEnrollment.session_id).subquery())
    q = (select(CourseSession, Course, func.coalesce(taken.c.n, 0))
         .join(Course, Course.id == CourseSession.course_id)
         .outerjoin(taken, taken.c.session_id == CourseSession.id)
         .order_by(CourseSession.starts_on, CourseSession.id))
    with db.read() as s:
        if course is not None:
            q = q.where(CourseSession.course_id == find_course(s, course).id)
        if from_date is not None:
            q = q.where(func.coalesce(CourseSession.ends_on, CourseSession.starts_on) >= from_date)
        if to_date is not None:
            q = q.where(CourseSession.starts_on <= to_date)
        rows = list(s.execute(q))
    return [
        SessionRow(id=cs.id, course_id=c.id, course=c.name, kind=c.kind, organiser=c.organiser, hours=c.hours,
                   starts_on=cs.starts_on, ends_on=cs.ends_on, place=cs.place, capacity=cs.capacity,
                   enrolled=int(n), free=None if cs.capacity is None else max(cs.capacity - int(n), 0),
                   version=cs.version)
        for cs, c, n in rows
    ]


# --------------------------------------------------------------------------- enrollment

def enroll_without_date_in(session: Session, actor: Actor, course_id: int, assistant_id: int,
                           client_id: int | None) -> CourseEnrollment:
    """Put an assistant on a course's list before a date is chosen (a review action asked for it);
    an open enrollment for the same course is reused."""
    open_row = session.execute(select(CourseEnrollment).where(
        CourseEnrollment.course_id == course_id, CourseEnrollment.assistant_id == assistant_id,
        CourseEnrollment.status == "enrolled")).scalars().first()
    if open_row is not None:
        return open_row
    row = CourseEnrollment(course_id=course_id, assistant_id=assistant_id, client_id=client_id)
    session.add(row)
    session.flush()
    ref = session.execute(select(Assistant.ref).where(Assistant.id == assistant_id)).scalar() or ""
    audit.record(session, actor, "create", "course_enrollment", row.id, subject=ref,
                 summary="enrolled without a date (review action)", after=row)
    return row


@service
def enroll(
    db: Database, actor: Actor, session_id: int, people: Sequence[str], *, client: int | str | None = None,
) -> list[CourseEnrollment]:
    """Enroll supervisors (S-…) and assistants (A-…) in a course date, all or none.

    Refused whole when the date has too few free seats, a reference is unknown, a person is
    already on the date, or a supervisor course is given to an assistant. `client` names the
    client the training is for (the grant report); by default a person's only current client.
    """
    require(actor, "course.write", what=_("enroll people in courses"))
    errors: list[FieldError] = []
    with db.write() as s:
        # Lock the course date so two coordinators cannot both fill the last seat.
        cs = s.execute(select(CourseSession).where(CourseSession.id == session_id).with_for_update()).scalar()
        if cs is None:
            raise NotFound(N_("no course date {id}"), id=session_id)
        course = s.get(Course, cs.course_id)
        assert course is not None
        client_id = _client(s, client).id if client is not None else None
        if not people:
            errors.append(FieldError("people", N_("name at least one supervisor or assistant")))
        found: list[tuple[str, int, str, str]] = []
        for ref in people:
            try:
                person = resolve_person(s, ref)
            except ValueError as exc:
                errors.append(FieldError.of("people", exc))
                continue
            kind, pid, pref, _name = person
            if any(p[:2] == (kind, pid) for p in found):
                errors.append(FieldError("people", N_("{ref} is named twice"), params={"ref": pref}))
                continue
            if kind == "assistant" and course.kind in SUPERVISOR_KINDS:
                errors.append(FieldError("people", N_("{ref} is an assistant; '{course}' is a supervisor course"), params={"ref": pref, "course": course.name}))
                continue
            if s.execute(select(CourseEnrollment.id).where(
                    CourseEnrollment.session_id == cs.id, _person_filter(kind, pid))).first():
                errors.append(FieldError("people", N_("{ref} is already enrolled on this date"), params={"ref": pref}))
                continue
            found.append(person)
        taken = _taken(s, cs.id)
        if cs.capacity is not None and taken + len(found) > cs.capacity:
            free = max(cs.capacity - taken, 0)
            errors.append(FieldError("people", N_("the course date has {free} free place(s) of {capacity}; {n} cannot be enrolled, so nobody was"), params={"free": free, "capacity": cs.capacity, "n": len(found)}))
        if errors:
            raise ValidationError(errors)
        out = []
        for kind, pid, pref, _name in found:
            waiting = s.execute(select(CourseEnrollment).where(
                CourseEnrollment.course_id == course.id, CourseEnrollment.session_id.is_(None),
                CourseEnrollment.status == "enrolled", _person_filter(kind, pid))).scalars().first()
            if waiting is not None:
                before = CourseEnrollment.model_validate(waiting.model_dump())
                waiting.session_id = cs.id
                waiting.client_id = waiting.client_id or client_id or _single_client(s, kind, pid, cs.starts_on)
                waiting.updated_at = utcnow()
                s.flush()
                audit.record(s, actor, "update", "course_enrollment", waiting.id, subject=pref,
                             summary=f"given course date {cs.starts_on.isoformat()}", before=before, after=waiting)
                out.append(waiting)
                continue
            row = CourseEnrollment(
                course_id=course.id, session_id=cs.id,
                supervisor_id=pid if kind == "supervisor" else None,
                assistant_id=pid if kind == "assistant" else None,
                client_id=client_id or _single_client(s, kind, pid, cs.starts_on),
            )
            s.add(row)
            s.flush()
            audit.record(s, actor, "create", "course_enrollment", row.id, subject=pref,
                         summary=f"enrolled: {course.name} {cs.starts_on.isoformat()}", after=row)
            out.append(row)
        return out


def _close_review_actions_in(session: Session, actor: Actor, assistant_id: int, course_id: int, on: date) -> None:
    """A completed course closes the open review actions of that assistant that asked for it."""
    actions = list(session.execute(
        select(ReviewAction).join(Review, Review.id == ReviewAction.review_id)
        .where(Review.assistant_id == assistant_id, ReviewAction.course_id == course_id,
               ReviewAction.done_on.is_(None))
    ).scalars())
    ref = session.execute(select(Assistant.ref).where(Assistant.id == assistant_id)).scalar() or ""
    for action in actions:
        before = ReviewAction.model_validate(action.model_dump())
        action.done_on = on
        session.flush()
        audit.record(session, actor, "update", "review_action", action.id, subject=ref,
                     summary="done: course completed", before=before, after=action)


def _apply_outcome(session: Session, actor: Actor, row: CourseEnrollment, status: str, on: date | str | None,
                   certificate_ref: str) -> CourseEnrollment:
    errors: list[FieldError] = []
    if status not in OUTCOMES:
        errors.append(FieldError("status", N_("Outcome must be one of: {values}"), params={"values": ", ".join(OUTCOMES)}))
    cs = session.get(CourseSession, row.session_id) if row.session_id else None
    day: date | None = None
    try:
        day = parse_value(None, FieldSpec("on", "Date", "date"), on)
    except ValueError as exc:
        errors.append(FieldError.about("on", "Date", exc))
    if day is None and cs is not None:
        day = cs.ends_on or cs.starts_on
    if day is None and status in ("attended", "completed"):
        errors.append(FieldError("on", N_("Give the date it was completed")))
    if day is not None and cs is not None and day < cs.starts_on:
        errors.append(FieldError("on", N_("The date is before the course started ({start})"), params={"start": format_date(cs.starts_on)}))
    try:
        cert = parse_value(None, FieldSpec("certificate_ref", "Certificate", max_len=100), certificate_ref)
    except ValueError as exc:
        errors.append(FieldError.about("certificate_ref", "Certificate", exc))
        cert = ""
    if errors:
        raise ValidationError(errors)
    before = CourseEnrollment.model_validate(row.model_dump())
    row.status = status
    # completed_on holds the day of an attendance or a completion; a no-show has none.
    row.completed_on = day if status in ("attended", "completed") else None
    row.certificate_ref = cert if status == "completed" else ""
    row.updated_at = utcnow()
    session.flush()
    kind, pid = _person_of(row)
    ref = _people_names(session, [row]).get((kind, pid), ("", ""))[0]
    audit.record(session, actor, "update", "course_enrollment", row.id, subject=ref,
                 summary=f"{status} {day.isoformat() if day else ''}".strip(), before=before, after=row)
    if status == "completed" and day is not None:
        course = session.get(Course, row.course_id)
        if row.supervisor_id and course is not None and course.kind == "supervisor_basic":
            mark_basic_course_done_in(session, actor, row.supervisor_id, day)
        if row.assistant_id:
            _close_review_actions_in(session, actor, row.assistant_id, row.course_id, day)
    return row


@service
def record_outcome(
    db: Database, actor: Actor, enrollment_id: int, status: str, on: date | str | None = None,
    certificate_ref: str = "", *, version: int | None = None,
) -> CourseEnrollment:
    """Record attended / completed / no_show for one enrollment (date defaults to the course's
    last day; a certificate reference is kept for a completion)."""
    require(actor, "course.write", what=_("record course outcomes"))
    with db.write() as s:
        row = get_for_change(s, CourseEnrollment, enrollment_id, _("no enrollment {id}").format(id=enrollment_id),
                             version)
        return _apply_outcome(s, actor, row, status, on, certificate_ref)


@service
def record_session_outcomes(
    db: Database, actor: Actor, session_id: int, people: Sequence[str], status: str,
    on: date | str | None = None, certificate_ref: str = "",
) -> list[CourseEnrollment]:
    """The same outcome for several people on one course date, all or none."""
    require(actor, "course.write", what=_("record course outcomes"))
    with db.write() as s:
        if s.get(CourseSession, session_id) is None:
            raise NotFound(N_("no course date {id}"), id=session_id)
        rows, errors = [], []
        for ref in people:
            try:
                kind, pid, pref, _name = resolve_person(s, ref)
            except ValueError as exc:
                errors.append(FieldError.of("people", exc))
                continue
            row = s.execute(select(CourseEnrollment).where(
                CourseEnrollment.session_id == session_id, _person_filter(kind, pid))).scalars().first()
            if row is None:
                errors.append(FieldError("people", N_("{ref} is not enrolled on this date"), params={"ref": pref}))
            else:
                rows.append(row)
        if errors:
            raise ValidationError(errors)
        return [_apply_outcome(s, actor, row, status, on, certificate_ref) for row in rows]


@service
def list_enrollments(
    db: Database, actor: Actor, *, session_id: int | None = None, person: str | None = None,
) -> list[EnrollmentRow]:
    """Enrollments of a course date or of a person, with outcome and expiry."""
    actor = scoped_actor(db, actor)
    require(actor, "course.read", what=_("see courses"))
    with db.read() as s:
        q = (select(CourseEnrollment, Course, CourseSession.starts_on, Client.ref)
             .join(Course, Course.id == CourseEnrollment.course_id)
             .outerjoin(CourseSession, CourseSession.id == CourseEnrollment.session_id)
             .outerjoin(Client, Client.id == CourseEnrollment.client_id)
             .order_by(CourseSession.starts_on, CourseEnrollment.id))
        if session_id is not None:
            q = q.where(CourseEnrollment.session_id == session_id)
        if person:
            try:
                kind, pid, _ref, _name = resolve_person(s, person)
            except ValueError as exc:
                raise NotFound(str(exc)) from None
            if actor.is_scoped and not in_scope(s, actor, kind, s.get(Supervisor if kind == "supervisor"
                                                                         else Assistant, pid)):
                # The words for an unknown person: a supervisor cannot probe who exists elsewhere.
                raise NotFound(_("no supervisor or assistant '{ref}'").format(ref=str(person).strip()))
            q = q.where(_person_filter(kind, pid))
        if actor.is_scoped:
            q = q.where(_in_scope_people(actor, date.today()))
        rows = list(s.execute(q))
        names = _people_names(s, [r[0] for r in rows])
    out = []
    for e, c, starts_on, cref in rows:
        kind, pid = _person_of(e)
        ref, name = names.get((kind, pid), ("", ""))
        expires = expiry_date(e.completed_on, c.validity_months) if e.status == "completed" and e.completed_on else None
        out.append(EnrollmentRow(
            id=e.id, session_id=e.session_id, course=c.name, starts_on=starts_on, person_kind=kind, person_ref=ref,
            person_name=name, client_ref=cref if cref and actor.may_see_client(e.client_id) else "", status=e.status, completed_on=e.completed_on,
            certificate_ref=e.certificate_ref, expires_on=expires, version=e.version))
    return out


# --------------------------------------------------------------------------- expiry

@service
def expiring_credentials(
    db: Database, actor: Actor, today: date, *, policy: Policy | None = None,
) -> list[ExpiringCredential]:
    """Course credentials of current staff that expire within the first reminder lead (90 days by
    default) or have expired, soonest first. Only each person's latest completion counts."""
    actor = scoped_actor(db, actor)
    require(actor, "course.read", what=_("see courses"))
    leads = tuple(current_policy(policy).course_expiry_reminders)
    # Supervisor basic course and refresher are one credential: the latest of either counts.
    group = case((Course.kind.in_(SUPERVISOR_KINDS), literal_column("-1")), else_=Course.id)
    current_sup = exists().where(Supervision.supervisor_id == CourseEnrollment.supervisor_id,
                                 or_(Supervision.until.is_(None), Supervision.until >= today))
    current_asst = exists().where(Employment.assistant_id == CourseEnrollment.assistant_id,
                                  or_(Employment.end_date.is_(None), Employment.end_date >= today))
    base = (select(CourseEnrollment.supervisor_id, CourseEnrollment.assistant_id, group.label("grp"),
                   CourseEnrollment.completed_on)
            .join(Course, Course.id == CourseEnrollment.course_id)
            .where(CourseEnrollment.status == "completed", CourseEnrollment.completed_on.is_not(None),
                   or_(and_(CourseEnrollment.supervisor_id.is_not(None), current_sup),
                       and_(CourseEnrollment.assistant_id.is_not(None), current_asst))))
    if actor.is_scoped:
        base = base.where(_in_scope_people(actor, today))
    b = base.subquery("b")
    # Grouping on the subquery's column: PostgreSQL would not match a CASE with bound values.
    latest = (select(b.c.supervisor_id, b.c.assistant_id, b.c.grp, func.max(b.c.completed_on).label("last"))
              .group_by(b.c.supervisor_id, b.c.assistant_id, b.c.grp).subquery("latest"))
    # Back to the enrollment of each latest completion: its course decides the validity.
    q = (select(CourseEnrollment, Course)
         .join(Course, Course.id == CourseEnrollment.course_id)
         .join(latest, and_(
             or_(CourseEnrollment.supervisor_id == latest.c.supervisor_id,
                 CourseEnrollment.assistant_id == latest.c.assistant_id),
             CourseEnrollment.completed_on == latest.c.last, group == latest.c.grp))
         .where(CourseEnrollment.status == "completed")
         .order_by(CourseEnrollment.id))
    with db.read() as s:
        rows = list(s.execute(q))
        names = _people_names(s, [e for e, _c in rows])
    chosen: dict[tuple[str, int, int], tuple[CourseEnrollment, Course]] = {}
    for e, c in rows:  # two completions on the same day: the later row wins
        chosen[(*_person_of(e), -1 if c.kind in SUPERVISOR_KINDS else c.id)] = (e, c)
    out = []
    for (kind, pid, _grp), (e, c) in chosen.items():
        assert e.completed_on is not None
        expires = expiry_date(e.completed_on, c.validity_months)
        bucket = expiry_reminders(expires, today, leads) if expires else None
        if expires is None or bucket is None:
            continue
        ref, name = names.get((kind, pid), ("", ""))
        left = days_left(expires, today)
        out.append(ExpiringCredential(
            person_kind=kind, person_id=pid, person_ref=ref, person_name=name, course_id=c.id, course=c.name,
            completed_on=e.completed_on, expires_on=expires, days_left=left, reminder=bucket, expired=left <= 0))
    return sorted(out, key=lambda x: (x.expires_on, x.person_ref, x.course))


# --------------------------------------------------------------------------- required trainings

@service
def set_required_training(
    db: Database, actor: Actor, client: int | str, course: int | str, required: bool = True,
) -> RequiredTrainingRow | None:
    """Make a course required (or no longer required) for every assistant working for a client."""
    require(actor, "course.write", what=_("set required trainings"))
    with db.write() as s:
        c = _client(s, client)
        co = find_course(s, course)
        row = s.execute(select(RequiredTraining).where(
            RequiredTraining.client_id == c.id, RequiredTraining.course_id == co.id)).scalar()
        if required:
            if row is None:
                row = RequiredTraining(client_id=c.id, course_id=co.id)
                s.add(row)
                s.flush()
                audit.record(s, actor, "create", "required_training", row.id, subject=c.ref,
                             summary=f"requires {co.name}", after=row)
            return RequiredTrainingRow(row.id, c.ref, co.id, co.name)
        if row is not None:
            # A requirement is configuration, not personal history: removing it is a real delete.
            audit.record(s, actor, "delete", "required_training", row.id, subject=c.ref,
                         summary=f"no longer requires {co.name}", before=row)
            s.delete(row)
        return None


@service
def required_trainings(db: Database, actor: Actor, client: int | str | None = None) -> list[RequiredTrainingRow]:
    """The required trainings of one client or of all."""
    actor = scoped_actor(db, actor)
    require(actor, "course.read", what=_("see courses"))
    with db.read() as s:
        q = (select(RequiredTraining.id, Client.ref, Course.id, Course.name)
             .join(Client, Client.id == RequiredTraining.client_id)
             .join(Course, Course.id == RequiredTraining.course_id).order_by(Client.ref, Course.name))
        if client is not None:
            q = q.where(RequiredTraining.client_id == _client(s, client).id)
        if actor.is_scoped:
            q = q.where(RequiredTraining.client_id.in_(sorted(actor.client_scope or ())))
        return [RequiredTrainingRow(*r) for r in s.execute(q)]


def missing_trainings(session: Session, assistant_id: int, on: date) -> dict[int, tuple[str, ...]]:
    """Per client the assistant works for on `on`: required courses without a completion still
    valid that day (the roster's NO-TRAINING rule input). Clients with nothing missing are left out."""
    rows = session.execute(
        select(RequiredTraining.client_id, Course.id, Course.name, Course.validity_months)
        .join(Course, Course.id == RequiredTraining.course_id)
        .join(Assignment, Assignment.client_id == RequiredTraining.client_id)
        .where(Assignment.assistant_id == assistant_id, Assignment.start_date <= on,
               or_(Assignment.end_date.is_(None), Assignment.end_date >= on))
    ).all()
    if not rows:
        return {}
    done = dict(session.execute(
        select(CourseEnrollment.course_id, func.max(CourseEnrollment.completed_on))
        .where(CourseEnrollment.assistant_id == assistant_id, CourseEnrollment.status == "completed",
               CourseEnrollment.completed_on <= on)
        .group_by(CourseEnrollment.course_id)
    ).all())
    missing: dict[int, list[str]] = {}
    for client_id, course_id, name, validity in rows:
        last = done.get(course_id)
        expires = expiry_date(last, validity) if last else None
        if last is None or (expires is not None and expires <= on):
            missing.setdefault(client_id, [])
            if name not in missing[client_id]:
                missing[client_id].append(name)
    return {k: tuple(sorted(v)) for k, v in missing.items()}


# --------------------------------------------------------------------------- training report

@service
def training_report(db: Database, actor: Actor, year: int) -> TrainingReport:
    """Courses completed in `year`, per client, with the number of people trained and hours.

    An enrollment counts for the client it names; one without a client counts for every client the
    person supervised (or was assigned to) on the completion day.
    """
    actor = scoped_actor(db, actor)
    require(actor, "report.read", what=_("see reports"))
    require(actor, "course.read", what=_("see courses"))
    first, last = date(year, 1, 1), date(year, 12, 31)
    # Training done at a previous provider (arrived with a handover package) is not ours to claim.
    done = and_(CourseEnrollment.status == "completed", CourseEnrollment.completed_on >= first,
                CourseEnrollment.completed_on <= last,
                ~CourseEnrollment.certificate_ref.like(f"{HANDOVER_CERTIFICATE_PREFIX}%"))
    cols = (CourseEnrollment.id.label("enrollment_id"), CourseEnrollment.supervisor_id, CourseEnrollment.assistant_id)
    named = select(*cols, CourseEnrollment.client_id.label("client_id")).where(done, CourseEnrollment.client_id.is_not(None))
    by_sup = (select(*cols, Supervision.client_id.label("client_id"))
              .join(Supervision, Supervision.supervisor_id == CourseEnrollment.supervisor_id)
              .where(done, CourseEnrollment.client_id.is_(None), Supervision.since <= CourseEnrollment.completed_on,
                     or_(Supervision.until.is_(None), Supervision.until >= CourseEnrollment.completed_on)))
    by_asst = (select(*cols, Assignment.client_id.label("client_id"))
               .join(Assignment, Assignment.assistant_id == CourseEnrollment.assistant_id)
               .where(done, CourseEnrollment.client_id.is_(None), Assignment.start_date <= CourseEnrollment.completed_on,
                      or_(Assignment.end_date.is_(None), Assignment.end_date >= CourseEnrollment.completed_on)))
    att = union_all(named, by_sup, by_asst).subquery("att")
    # DISTINCT: a person with two assignments to one client counts that completion once.
    pairs = select(att.c.enrollment_id, att.c.client_id, att.c.supervisor_id, att.c.assistant_id).distinct()
    if actor.is_scoped:
        pairs = pairs.where(att.c.client_id.in_(sorted(actor.client_scope or ())))
    pairs_q = pairs.subquery("pairs")
    detail = (
        select(Client.ref, Client.name, CourseEnrollment, Course)
        .select_from(pairs_q)
        .join(CourseEnrollment, CourseEnrollment.id == pairs_q.c.enrollment_id)
        .join(Course, Course.id == CourseEnrollment.course_id)
        .join(Client, Client.id == pairs_q.c.client_id)
        .order_by(Client.ref, CourseEnrollment.completed_on, CourseEnrollment.id)
    )
    is_sup = pairs_q.c.supervisor_id.is_not(None)
    totals = (
        select(Client.ref, Client.name,
               func.count(func.distinct(pairs_q.c.supervisor_id)),
               func.count(func.distinct(pairs_q.c.assistant_id)),
               func.coalesce(func.sum(case((is_sup, Course.hours), else_=0.0)), 0.0),
               func.coalesce(func.sum(case((is_sup, 0.0), else_=Course.hours)), 0.0),
               func.count())
        .select_from(pairs_q)
        .join(CourseEnrollment, CourseEnrollment.id == pairs_q.c.enrollment_id)
        .join(Course, Course.id == CourseEnrollment.course_id)
        .join(Client, Client.id == pairs_q.c.client_id)
        .group_by(Client.ref, Client.name).order_by(Client.ref)
    )
    with db.read() as s:
        detail_rows = list(s.execute(detail))
        names = _people_names(s, [r[2] for r in detail_rows])
        total_rows = list(s.execute(totals))
    rows = []
    for cref, cname, e, c in detail_rows:
        kind, pid = _person_of(e)
        ref, name = names.get((kind, pid), ("", ""))
        rows.append(TrainingRow(cref, cname, kind, ref, name, c.name, c.kind, c.organiser, e.completed_on,
                                float(c.hours), e.certificate_ref))
    clients = [ClientTraining(r[0], r[1], int(r[2]), int(r[3]), float(r[4]), float(r[5]), int(r[6])) for r in total_rows]
    return TrainingReport(year, rows, clients)
