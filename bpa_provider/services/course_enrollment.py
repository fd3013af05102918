"""Course enrollment and outcomes: putting supervisors and assistants on a course date (all or
none, within its capacity), recording attended / completed / no-show, and listing enrollments.

A completed `supervisor_basic` course ticks the supervisor's basic-course onboarding steps, and a
completed course closes the open review actions that asked for it. The catalog and course dates are
in `courses`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    Assistant,
    Client,
    Course,
    CourseEnrollment,
    CourseSession,
    Review,
    ReviewAction,
    Supervisor,
)
from bpa_provider.db.types import utcnow
from bpa_provider.errors import FieldError, NotFound, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules.calendar import expiry_date
from bpa_provider.rules.dates import format_date
from bpa_provider.services import course_expiry
from bpa_provider.services.base import require, service
from bpa_provider.services.courses import (
    OUTCOMES,
    SUPERVISOR_KINDS,
    find_client,
    in_scope_people,
    people_names,
    person_filter,
    person_of,
    resolve_person,
    seats_taken,
    single_client,
)
from bpa_provider.services.onboarding import mark_basic_course_done_in
from bpa_provider.services.records import FieldSpec, in_scope, parse_value
from bpa_provider.services.stored import stored_id
from bpa_provider.services.transitions import get_for_change


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


# --------------------------------------------------------------------------- enrollment


def enroll_without_date_in(
    session: Session, actor: Actor, course_id: int, assistant_id: int, client_id: int | None
) -> CourseEnrollment:
    """Put an assistant on a course's list before a date is chosen (a review action asked for it);
    an open enrollment for the same course is reused."""
    open_row = (
        session.execute(
            select(CourseEnrollment).where(
                CourseEnrollment.course_id == course_id,
                CourseEnrollment.assistant_id == assistant_id,
                CourseEnrollment.status == "enrolled",
            )
        )
        .scalars()
        .first()
    )
    if open_row is not None:
        return open_row
    row = CourseEnrollment(course_id=course_id, assistant_id=assistant_id, client_id=client_id)
    session.add(row)
    session.flush()
    ref = session.execute(select(Assistant.ref).where(Assistant.id == assistant_id)).scalar() or ""
    audit.record(
        session,
        actor,
        "create",
        "course_enrollment",
        row.id,
        subject=ref,
        summary="enrolled without a date (review action)",
        after=row,
    )
    return row


@service
def enroll(
    db: Database,
    actor: Actor,
    session_id: int,
    people: Sequence[str],
    *,
    client: int | str | None = None,
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
        client_id = find_client(s, client).id if client is not None else None
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
                errors.append(
                    FieldError(
                        "people",
                        N_("{ref} is an assistant; '{course}' is a supervisor course"),
                        params={"ref": pref, "course": course.name},
                    )
                )
                continue
            if s.execute(
                select(CourseEnrollment.id).where(CourseEnrollment.session_id == cs.id, person_filter(kind, pid))
            ).first():
                errors.append(FieldError("people", N_("{ref} is already enrolled on this date"), params={"ref": pref}))
                continue
            found.append(person)
        taken = seats_taken(s, stored_id(cs))
        if cs.capacity is not None and taken + len(found) > cs.capacity:
            free = max(cs.capacity - taken, 0)
            errors.append(
                FieldError(
                    "people",
                    N_("the course date has {free} free place(s) of {capacity}; {n} cannot be enrolled, so nobody was"),
                    params={"free": free, "capacity": cs.capacity, "n": len(found)},
                )
            )
        if errors:
            raise ValidationError(errors)
        out = []
        for kind, pid, pref, _name in found:
            waiting = (
                s.execute(
                    select(CourseEnrollment).where(
                        CourseEnrollment.course_id == course.id,
                        CourseEnrollment.session_id.is_(None),
                        CourseEnrollment.status == "enrolled",
                        person_filter(kind, pid),
                    )
                )
                .scalars()
                .first()
            )
            if waiting is not None:
                before = CourseEnrollment.model_validate(waiting.model_dump())
                waiting.session_id = cs.id
                waiting.client_id = waiting.client_id or client_id or single_client(s, kind, pid, cs.starts_on)
                waiting.updated_at = utcnow()
                s.flush()
                audit.record(
                    s,
                    actor,
                    "update",
                    "course_enrollment",
                    waiting.id,
                    subject=pref,
                    summary=f"given course date {cs.starts_on.isoformat()}",
                    before=before,
                    after=waiting,
                )
                out.append(waiting)
                continue
            row = CourseEnrollment(
                course_id=stored_id(course),
                session_id=cs.id,
                supervisor_id=pid if kind == "supervisor" else None,
                assistant_id=pid if kind == "assistant" else None,
                client_id=client_id or single_client(s, kind, pid, cs.starts_on),
            )
            s.add(row)
            s.flush()
            audit.record(
                s,
                actor,
                "create",
                "course_enrollment",
                row.id,
                subject=pref,
                summary=f"enrolled: {course.name} {cs.starts_on.isoformat()}",
                after=row,
            )
            out.append(row)
        return out


def _close_review_actions_in(session: Session, actor: Actor, assistant_id: int, course_id: int, on: date) -> None:
    """A completed course closes the open review actions of that assistant that asked for it."""
    actions = list(
        session.execute(
            select(ReviewAction)
            .join(Review, Review.id == ReviewAction.review_id)
            .where(
                Review.assistant_id == assistant_id, ReviewAction.course_id == course_id, ReviewAction.done_on.is_(None)
            )
        ).scalars()
    )
    ref = session.execute(select(Assistant.ref).where(Assistant.id == assistant_id)).scalar() or ""
    for action in actions:
        before = ReviewAction.model_validate(action.model_dump())
        action.done_on = on
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            "review_action",
            action.id,
            subject=ref,
            summary="done: course completed",
            before=before,
            after=action,
        )


def _apply_outcome(
    session: Session, actor: Actor, row: CourseEnrollment, status: str, on: date | str | None, certificate_ref: str
) -> CourseEnrollment:
    errors: list[FieldError] = []
    if status not in OUTCOMES:
        errors.append(
            FieldError("status", N_("Outcome must be one of: {values}"), params={"values": ", ".join(OUTCOMES)})
        )
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
        errors.append(
            FieldError(
                "on", N_("The date is before the course started ({start})"), params={"start": format_date(cs.starts_on)}
            )
        )
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
    kind, pid = person_of(row)
    course_expiry.refresh(session, [(kind, pid)])  # the person's latest completions may have changed
    ref = people_names(session, [row]).get((kind, pid), ("", ""))[0]
    audit.record(
        session,
        actor,
        "update",
        "course_enrollment",
        row.id,
        subject=ref,
        summary=f"{status} {day.isoformat() if day else ''}".strip(),
        before=before,
        after=row,
    )
    if status == "completed" and day is not None:
        course = session.get(Course, row.course_id)
        if row.supervisor_id and course is not None and course.kind == "supervisor_basic":
            mark_basic_course_done_in(session, actor, row.supervisor_id, day)
        if row.assistant_id:
            _close_review_actions_in(session, actor, row.assistant_id, row.course_id, day)
    return row


@service
def record_outcome(
    db: Database,
    actor: Actor,
    enrollment_id: int,
    status: str,
    on: date | str | None = None,
    certificate_ref: str = "",
    *,
    version: int | None = None,
) -> CourseEnrollment:
    """Record attended / completed / no_show for one enrollment (date defaults to the course's
    last day; a certificate reference is kept for a completion)."""
    require(actor, "course.write", what=_("record course outcomes"))
    with db.write() as s:
        row = get_for_change(
            s, CourseEnrollment, enrollment_id, _("no enrollment {id}").format(id=enrollment_id), version
        )
        return _apply_outcome(s, actor, row, status, on, certificate_ref)


@service
def record_session_outcomes(
    db: Database,
    actor: Actor,
    session_id: int,
    people: Sequence[str],
    status: str,
    on: date | str | None = None,
    certificate_ref: str = "",
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
            row = (
                s.execute(
                    select(CourseEnrollment).where(CourseEnrollment.session_id == session_id, person_filter(kind, pid))
                )
                .scalars()
                .first()
            )
            if row is None:
                errors.append(FieldError("people", N_("{ref} is not enrolled on this date"), params={"ref": pref}))
            else:
                rows.append(row)
        if errors:
            raise ValidationError(errors)
        return [_apply_outcome(s, actor, row, status, on, certificate_ref) for row in rows]


@service
def list_enrollments(
    db: Database,
    actor: Actor,
    *,
    session_id: int | None = None,
    person: str | None = None,
) -> list[EnrollmentRow]:
    """Enrollments of a course date or of a person, with outcome and expiry."""
    require(actor, "course.read", what=_("see courses"))
    with db.read() as s:
        q = (
            select(CourseEnrollment, Course, CourseSession.starts_on, Client.ref)
            .join(Course, Course.id == CourseEnrollment.course_id)
            .outerjoin(CourseSession, CourseSession.id == CourseEnrollment.session_id)
            .outerjoin(Client, Client.id == CourseEnrollment.client_id)
            .order_by(CourseSession.starts_on, CourseEnrollment.id)
        )
        if session_id is not None:
            q = q.where(CourseEnrollment.session_id == session_id)
        if person:
            try:
                kind, pid, _ref, _name = resolve_person(s, person)
            except ValueError as exc:
                raise NotFound(str(exc)) from None
            if actor.is_scoped and not in_scope(
                s, actor, kind, s.get(Supervisor if kind == "supervisor" else Assistant, pid)
            ):
                # The words for an unknown person: a supervisor cannot probe who exists elsewhere.
                raise NotFound(_("no supervisor or assistant '{ref}'").format(ref=str(person).strip()))
            q = q.where(person_filter(kind, pid))
        if actor.is_scoped:
            q = q.where(in_scope_people(actor, date.today()))
        rows = list(s.execute(q))
        names = people_names(s, [r[0] for r in rows])
    out = []
    for e, c, starts_on, cref in rows:
        kind, pid = person_of(e)
        ref, name = names.get((kind, pid), ("", ""))
        expires = expiry_date(e.completed_on, c.validity_months) if e.status == "completed" and e.completed_on else None
        out.append(
            EnrollmentRow(
                id=stored_id(e),
                session_id=e.session_id,
                course=c.name,
                starts_on=starts_on,
                person_kind=kind,
                person_ref=ref,
                person_name=name,
                client_ref=cref if cref and actor.may_see_client(e.client_id) else "",
                status=e.status,
                completed_on=e.completed_on,
                certificate_ref=e.certificate_ref,
                expires_on=expires,
                version=e.version,
            )
        )
    return out
