"""Read models for the client and assistant detail screens: one call gathers a whole screen.

Each call checks the permission and the supervisor's scope, writes a "view" event to the access
log (opening a person's record is itself worth recording), and returns detached rows and small
dataclasses. Parts owned by other areas (hours account, next reviews, continuity, upcoming
shifts) are asked of their services; a part the role may not see, or that its service refuses, is
None and left out, and the rest of the screen still shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    Assignment,
    Assistant,
    AuditEvent,
    Client,
    Course,
    CourseEnrollment,
    Decision,
    Employment,
    Municipality,
    Review,
    Supervision,
    Supervisor,
    Transfer,
)
from bpa_provider.errors import NotFound, PermissionDenied, ServiceError
from bpa_provider.i18n import N_
from bpa_provider.services import client_status, name_order
from bpa_provider.services.base import require, service

HISTORY_LIMIT = 30
SHIFT_LIMIT = 14
SHIFT_DAYS = 28  # how far ahead "upcoming shifts" looks


@dataclass(frozen=True)
class SupervisorLine:
    """A supervisor of the client, through one supervision (relation and period)."""

    supervision: Supervision
    supervisor: Supervisor


@dataclass(frozen=True)
class AssignmentLine:
    """An assistant working for a client, with the pair's last and next staff review."""

    assignment: Assignment
    assistant_ref: str
    assistant_name: str
    client_ref: str
    client_name: str
    last_review: date | None = None
    next_review: date | None = None


@dataclass(frozen=True)
class HoursLine:
    """This month's hours against the decision, and the year-end outlook, as the hours service
    reports them. `flag` belongs to the year-end outlook (ok, warn, alert, under), not the month."""

    decided: float | None
    used: float | None
    planned: float | None = None
    flag: str = ""
    year_decided: float | None = None  # the year's decided hours (with adjustments)
    year_used: float | None = None  # used so far this year
    year_projected: float | None = None  # projected use by the year's end
    year_ratio: float | None = None  # year_projected / year_decided


@dataclass(frozen=True)
class HistoryLine:
    """One change in the access and change log."""

    at: datetime
    actor: str
    action: str
    entity: str
    summary: str


@dataclass(frozen=True)
class ClientDetail:
    """Everything the client screen shows. `None` means "not for your role" (or refused by the
    owning service); an empty list means "none"."""

    client: Client
    municipality: Municipality | None
    decisions: list[Decision]
    supervisors: list[SupervisorLine]
    assignments: list[AssignmentLine]
    hours: HoursLine | None
    reviews_available: bool
    transfer: Transfer | None
    history: list[HistoryLine] | None
    continuity: Any = None  # continuity.ClientContinuity, or None when not available to this role


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


# --------------------------------------------------------------------------- helpers


def _log_view(db: Database, actor: Actor, kind: str, record_id: int, ref: str) -> None:
    with db.write() as s:
        audit.record(s, actor, "view", kind, record_id, subject=ref, summary=f"{kind} record opened")


def _next_reviews(
    db: Database, actor: Actor, today: date, *, client_id: int | None = None, assistant_id: int | None = None
) -> dict[tuple[int, int], date] | None:
    """(assistant_id, client_id) -> next review date, from the reviews service if it is here;
    `client_id` or `assistant_id` keeps the query to the pairs the screen shows."""
    from bpa_provider.services.reviews import due_reviews

    if not actor.may("review.read"):
        return None
    try:
        rows = due_reviews(db, actor, today, include_all=True, client_id=client_id, assistant_id=assistant_id)
        return {(r.assistant_id, r.client_id): r.next_due for r in rows}
    except ServiceError:
        return None


def _hours(db: Database, actor: Actor, client_id: int, today: date) -> HoursLine | None:
    """This month's hours and the year-end outlook from the hours service's account."""
    from bpa_provider.services.hours import client_account

    if not actor.may("hours.read"):
        return None
    try:
        acc = client_account(db, actor, client_id, today)
        p = acc.projection
        return HoursLine(
            acc.month.decided,
            acc.month.worked,
            acc.month.planned,
            acc.flag,
            year_decided=p.decided,
            year_used=p.used,
            year_projected=p.projected_used,
            year_ratio=p.ratio,
        )
    except ServiceError:
        return None


def _continuity(db: Database, actor: Actor, client_id: int, today: date) -> Any:
    """Distinct assistants in 14/30 days, regulars' share, new faces (the roster's measure)."""
    from bpa_provider.services.continuity import client_continuity

    if not actor.may("roster.read"):
        return None
    try:
        return client_continuity(db, actor, client_id, today)
    except ServiceError:
        return None


def _last_reviews(
    s: Any, *, client_id: int | None = None, assistant_id: int | None = None
) -> dict[tuple[int, int], date]:
    q = select(Review.assistant_id, Review.client_id, func.max(Review.held_on)).group_by(
        Review.assistant_id, Review.client_id
    )
    if client_id is not None:
        q = q.where(Review.client_id == client_id)
    if assistant_id is not None:
        q = q.where(Review.assistant_id == assistant_id)
    return {(a, c): held for a, c, held in s.execute(q)}


def _assignment_lines(
    rows: list[Any], last: dict[tuple[int, int], date], upcoming: dict[tuple[int, int], date] | None
) -> list[AssignmentLine]:
    return [
        AssignmentLine(
            a,
            a_ref,
            a_name,
            c_ref,
            c_name,
            last_review=last.get((a.assistant_id, a.client_id)),
            next_review=(upcoming or {}).get((a.assistant_id, a.client_id)),
        )
        for a, a_ref, a_name, c_ref, c_name in rows
    ]


def _assignments_query() -> Any:
    return (
        select(Assignment, Assistant.ref, Assistant.name, Client.ref, Client.name)
        .join(Assistant, Assistant.id == Assignment.assistant_id)
        .join(Client, Client.id == Assignment.client_id)
    )


# --------------------------------------------------------------------------- client


@service
def client_detail(db: Database, actor: Actor, client_id: int, today: date) -> ClientDetail:
    """The client's record with decisions, supervisors, assistants, hours, reviews, an open
    transfer and (for roles that may read the log) the record's history."""
    from bpa_provider.services.transfers import open_transfer_for

    require(actor, "client.read", client_id=client_id, what="see clients")
    with db.read() as s:
        client = s.get(Client, client_id)
        if client is None:
            raise NotFound(N_("Client {id} does not exist"), id=client_id)
        muni = s.get(Municipality, client.municipality_id)
        decisions = (
            list(
                s.execute(
                    select(Decision).where(Decision.client_id == client_id).order_by(Decision.valid_from.desc())
                ).scalars()
            )
            if actor.may("decision.read")
            else []
        )
        supervisors = [
            SupervisorLine(sup, person)
            for sup, person in s.execute(
                select(Supervision, Supervisor)
                .join(Supervisor, Supervisor.id == Supervision.supervisor_id)
                .where(Supervision.client_id == client_id)
                .order_by(Supervision.until.is_not(None), Supervision.since.desc())
            )
        ]
        assignment_rows = list(
            s.execute(
                _assignments_query()
                .where(Assignment.client_id == client_id)
                .order_by(Assignment.end_date.is_not(None), *name_order.order_by(Assistant.name, db.dialect))
            )
        )
        last = _last_reviews(s, client_id=client_id)
        transfer = open_transfer_for(s, client_id) if actor.may("transfer.read") else None
        history = None
        if actor.may("audit.read"):
            events = s.execute(
                select(AuditEvent)
                .where(
                    or_(
                        AuditEvent.subject == client.ref,
                        (AuditEvent.entity == "client") & (AuditEvent.entity_id == client_id),
                    ),
                    AuditEvent.action != "view",
                )
                .order_by(AuditEvent.id.desc())
                .limit(HISTORY_LIMIT)
            ).scalars()
            history = [HistoryLine(e.at, e.actor, e.action, e.entity, e.summary) for e in events]
        shown_client = client_status.as_of(s, client, today)
    upcoming = _next_reviews(db, actor, today, client_id=client_id)
    _log_view(db, actor, "client", client_id, client.ref)
    return ClientDetail(
        client=shown_client,
        municipality=muni,
        decisions=decisions,
        supervisors=supervisors,
        assignments=_assignment_lines(assignment_rows, last, upcoming),
        hours=_hours(db, actor, client_id, today),
        reviews_available=upcoming is not None,
        transfer=transfer,
        history=history,
        continuity=_continuity(db, actor, client_id, today),
    )


# --------------------------------------------------------------------------- assistant


@service
def assistant_detail(
    db: Database, actor: Actor, assistant_id: int, today: date, *, policy: Policy | None = None
) -> AssistantDetail:
    """The assistant's record: employments (for roles that may see contracts), assignments,
    courses, staff reviews and the next shifts. A supervisor sees only their own clients' part."""
    require(actor, "assistant.read", what="see assistants")
    scope = sorted(actor.client_scope or ()) if actor.is_scoped else None
    with db.read() as s:
        person = s.get(Assistant, assistant_id)
        if person is None:
            raise NotFound(N_("Assistant {id} does not exist"), id=assistant_id)
        q = _assignments_query().where(Assignment.assistant_id == assistant_id)
        if scope is not None:
            q = q.where(Assignment.client_id.in_(scope))
        assignment_rows = list(
            s.execute(q.order_by(Assignment.end_date.is_not(None), *name_order.order_by(Client.name, db.dialect)))
        )
        if scope is not None and not assignment_rows:
            raise PermissionDenied(N_("You can only see the assistants of your own clients."))
        employments = (
            list(
                s.execute(
                    select(Employment)
                    .where(Employment.assistant_id == assistant_id)
                    .order_by(Employment.start_date.desc())
                ).scalars()
            )
            if actor.may("employment.read")
            else None
        )
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
    shifts = _upcoming_shifts(db, actor, assistant_id, today)
    _log_view(db, actor, "assistant", assistant_id, person.ref)
    from bpa_provider.rules.worktime import police_certificate_required
    from bpa_provider.services.worktime import policy_or_default

    cutoff = policy_or_default(policy).police_certificate_required_from
    return AssistantDetail(
        assistant=person,
        employments=employments,
        assignments=_assignment_lines(assignment_rows, last, upcoming),
        courses=courses,
        reviews=reviews,
        shifts=shifts,
        certificate_not_required=frozenset(
            e.id
            for e in employments or ()
            if e.id is not None and not police_certificate_required(e.start_date, [(e.start_date, e.end_date)], cutoff)
        ),
    )


def _upcoming_shifts(db: Database, actor: Actor, assistant_id: int, today: date) -> list[ShiftLine] | None:
    """The next shifts from the roster service (None for roles that may not read rosters)."""
    from bpa_provider.services.roster import assistant_shifts

    if not actor.may("roster.read"):
        return None
    try:
        views = assistant_shifts(db, actor, assistant_id, today, today + timedelta(days=SHIFT_DAYS))
        return [
            ShiftLine(v.start, v.end, v.client_ref, "", v.kind, v.status) for v in views if v.status != "cancelled"
        ][:SHIFT_LIMIT]
    except ServiceError:
        return None


# --------------------------------------------------------------------------- look-ups for forms


@service
def supervisor_clients(db: Database, actor: Actor, supervisor_id: int) -> list[int]:
    """The clients a supervisor currently leads (a dashboard row about a supervisor opens one)."""
    require(actor, "supervisor.read", what="see supervisors")
    with db.read() as s:
        return list(
            s.execute(
                select(Supervision.client_id)
                .where(Supervision.supervisor_id == supervisor_id)
                .order_by(Supervision.until.is_not(None), Supervision.since.desc())
            ).scalars()
        )
