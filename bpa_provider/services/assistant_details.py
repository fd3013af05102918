"""The assistant's screen's read models: the header (the record, its employments and credentials;
opening it is logged), the registry sections (clients, courses, staff reviews) and the next
shifts, each asked for by its own worker; `assistant_detail` is all of them in one call. A
supervisor sees only their own clients' part."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    Assignment,
    Assistant,
    Client,
    Course,
    CourseEnrollment,
    Employment,
    Review,
)
from bpa_provider.errors import NotFound, PermissionDenied, ServiceError
from bpa_provider.i18n import N_
from bpa_provider.services import name_order
from bpa_provider.services.base import require, service
from bpa_provider.services.detail_common import (
    AssignmentLine,
    _assignment_lines,
    _assignments_query,
    _last_reviews,
    _log_view,
    _next_reviews,
)

SHIFT_LIMIT = 14
SHIFT_DAYS = 28  # how far ahead "upcoming shifts" looks


@dataclass(frozen=True)
class CourseLine:
    """A course the assistant attended or completed."""

    name: str
    status: str
    completed_on: date | None


@dataclass(frozen=True)
class ReviewLine:
    """A staff review held with the assistant (the summary stays private)."""

    held_on: date
    client_ref: str
    client_name: str


@dataclass(frozen=True)
class ShiftLine:
    """An upcoming shift on the client's local clock (from the roster service)."""

    start: datetime
    end: datetime
    client_ref: str
    client_name: str
    kind: str
    status: str


@dataclass(frozen=True)
class AssistantDetail:
    """Everything the assistant screen shows; `employments` is None for roles that may not see
    contracts and wages, `shifts` None for roles that may not read rosters."""

    assistant: Assistant
    employments: list[Employment] | None
    assignments: list[AssignmentLine]
    courses: list[CourseLine]
    reviews: list[ReviewLine]
    shifts: list[ShiftLine] | None
    # Employments that started before `Policy.police_certificate_required_from`: no police
    # certificate is required for them (helse- og omsorgstjenesteloven § 5-4), so none is missing.
    certificate_not_required: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class AssistantHeader:
    """The top of the assistant's screen: the record, the employments (None: not for this role;
    the current one gives the credentials line) and those that need no police certificate."""

    assistant: Assistant
    employments: list[Employment] | None
    certificate_not_required: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class AssistantRecords:
    """The assistant's clients (with reviews), courses and staff reviews."""

    assignments: list[AssignmentLine]
    courses: list[CourseLine]
    reviews: list[ReviewLine]


def _scope(actor: Actor) -> list[int] | None:
    return sorted(actor.client_scope or ()) if actor.is_scoped else None


def _header(db: Database, actor: Actor, assistant_id: int, policy: Policy | None) -> AssistantHeader:
    from bpa_provider.rules.worktime import police_certificate_required
    from bpa_provider.services.worktime import policy_or_default

    with db.read() as s:
        person = s.get(Assistant, assistant_id)
        if person is None:
            raise NotFound(N_("Assistant {id} does not exist"), id=assistant_id)
    if _scope(actor) is not None:
        _scope_check(db, actor, assistant_id)
    with db.read() as s:
        employments = list(s.execute(employments_of(assistant_id)).scalars()) if actor.may("employment.read") else None
    _log_view(db, actor, "assistant", assistant_id, person.ref)
    cutoff = policy_or_default(policy).police_certificate_required_from
    return AssistantHeader(
        person,
        employments,
        frozenset(
            e.id
            for e in employments or ()
            if e.id is not None and not police_certificate_required(e.start_date, [(e.start_date, e.end_date)], cutoff)
        ),
    )


def employments_of(assistant_id: int) -> Select[Any]:
    """The statement the header reads an assistant's employments with, newest first (also
    compiled ahead for no assistant: `details.warm_header`)."""
    return select(Employment).where(Employment.assistant_id == assistant_id).order_by(Employment.start_date.desc())


def _records(db: Database, actor: Actor, assistant_id: int, today: date) -> AssistantRecords:
    scope = _scope(actor)
    with db.read() as s:
        q = _assignments_query().where(Assignment.assistant_id == assistant_id)
        if scope is not None:
            q = q.where(Assignment.client_id.in_(scope))
        assignment_rows = list(
            s.execute(q.order_by(Assignment.end_date.is_not(None), *name_order.order_by(Client.name, db.dialect)))
        )
        if scope is not None and not assignment_rows:
            raise PermissionDenied(N_("You can only see the assistants of your own clients."))
        courses = (
            [
                CourseLine(name, status, done)
                for name, status, done in s.execute(
                    select(Course.name, CourseEnrollment.status, CourseEnrollment.completed_on)
                    .join(Course, Course.id == CourseEnrollment.course_id)
                    .where(CourseEnrollment.assistant_id == assistant_id)
                    .order_by(CourseEnrollment.completed_on.desc())
                )
            ]
            if actor.may("course.read")
            else []
        )
        reviews: list[ReviewLine] = []
        if actor.may("review.read"):
            rq = (
                select(Review.held_on, Client.ref, Client.name)
                .join(Client, Client.id == Review.client_id)
                .where(Review.assistant_id == assistant_id)
            )
            if scope is not None:
                rq = rq.where(Review.client_id.in_(scope))
            reviews = [ReviewLine(*row) for row in s.execute(rq.order_by(Review.held_on.desc()).limit(20))]
        last = _last_reviews(s, assistant_id=assistant_id)
    upcoming = _next_reviews(db, actor, today, assistant_id=assistant_id)
    return AssistantRecords(_assignment_lines(assignment_rows, last, upcoming), courses, reviews)


def _require(actor: Actor) -> None:
    require(actor, "assistant.read", what="see assistants")


@service
def assistant_header(
    db: Database, actor: Actor, assistant_id: int, today: date, *, policy: Policy | None = None
) -> AssistantHeader:
    """The assistant's record, employments and credentials; opening the assistant is logged here."""
    _require(actor)
    return _header(db, actor, assistant_id, policy)


@service
def assistant_records(db: Database, actor: Actor, assistant_id: int, today: date) -> AssistantRecords:
    """The assistant's clients with their reviews, courses and staff reviews."""
    _require(actor)
    return _records(db, actor, assistant_id, today)


@service
def assistant_shifts(db: Database, actor: Actor, assistant_id: int, today: date) -> list[ShiftLine] | None:
    """The assistant's next shifts (None: not for this role)."""
    _require(actor)
    if _scope(actor) is not None:
        _scope_check(db, actor, assistant_id)
    return _upcoming_shifts(db, actor, assistant_id, today)


def _scope_check(db: Database, actor: Actor, assistant_id: int) -> None:
    """A supervisor sees an assistant who works (or worked) for one of their clients."""
    scope = _scope(actor) or []
    with db.read() as s:
        theirs = s.execute(
            select(Assignment.id)
            .where(Assignment.assistant_id == assistant_id, Assignment.client_id.in_(scope))
            .limit(1)
        ).first()
    if theirs is None:
        raise PermissionDenied(N_("You can only see the assistants of your own clients."))


@service
def assistant_detail(
    db: Database, actor: Actor, assistant_id: int, today: date, *, policy: Policy | None = None
) -> AssistantDetail:
    """The assistant's whole screen in one call: employments (for roles that may see contracts),
    assignments, courses, staff reviews and the next shifts (the opening logged)."""
    _require(actor)
    head = _header(db, actor, assistant_id, policy)
    rec = _records(db, actor, assistant_id, today)
    return AssistantDetail(
        assistant=head.assistant,
        employments=head.employments,
        assignments=rec.assignments,
        courses=rec.courses,
        reviews=rec.reviews,
        shifts=_upcoming_shifts(db, actor, assistant_id, today),
        certificate_not_required=head.certificate_not_required,
    )


def _upcoming_shifts(db: Database, actor: Actor, assistant_id: int, today: date) -> list[ShiftLine] | None:
    """The next shifts from the roster service (None for roles that may not read rosters)."""
    from bpa_provider.services.roster import assistant_shifts as roster_shifts

    if not actor.may("roster.read"):
        return None
    try:
        views = roster_shifts(db, actor, assistant_id, today, today + timedelta(days=SHIFT_DAYS))
        return [
            ShiftLine(v.start, v.end, v.client_ref, "", v.kind, v.status) for v in views if v.status != "cancelled"
        ][:SHIFT_LIMIT]
    except ServiceError:
        return None
