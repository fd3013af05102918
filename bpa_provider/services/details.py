"""Read models for the client and assistant detail screens. A screen asks for its header first
(the record; opening it is logged there, once) and then for its parts, each in its own worker, so
the record is on screen before its slower sections (hours, continuity, shifts) are computed;
`client_detail` and `assistant_detail` gather a whole screen in one call. The assistant's are in
`assistant_details` (named here too), what both share in `detail_common`.

Each call checks the permission and the supervisor's scope, writes a "view" event to the access
log (opening a person's record is itself worth recording), and returns detached rows and small
dataclasses. Parts owned by other areas (hours account, next reviews, continuity, upcoming
shifts) are asked of their services; a part the role may not see, or that its service refuses, is
None and left out, and the rest of the screen still shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    Assignment,
    Assistant,
    AuditEvent,
    Client,
    Decision,
    Municipality,
    Supervision,
    Supervisor,
    Transfer,
)
from bpa_provider.errors import NotFound, ServiceError
from bpa_provider.i18n import N_
from bpa_provider.services import client_status, name_order
from bpa_provider.services.assistant_details import (  # noqa: F401 - the assistant's, named here too
    AssistantDetail,
    AssistantHeader,
    AssistantRecords,
    CourseLine,
    ReviewLine,
    ShiftLine,
    assistant_detail,
    assistant_header,
    assistant_records,
    assistant_shifts,
    employments_of,
)
from bpa_provider.services.base import require, service
from bpa_provider.services.detail_common import (
    AssignmentLine,
    _assignment_lines,
    _assignments_query,
    _last_reviews,
    _log_view,
    _next_reviews,
)

HISTORY_LIMIT = 30


@dataclass(frozen=True)
class SupervisorLine:
    """A supervisor of the client, through one supervision (relation and period)."""

    supervision: Supervision
    supervisor: Supervisor


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


# --------------------------------------------------------------------------- helpers


def _hours(db: Database, actor: Actor, client_id: int, today: date) -> HoursLine | None:
    """This month's hours and the year-end outlook from the hours service's account."""
    from bpa_provider.services.hour_account import client_account

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


# --------------------------------------------------------------------------- client
# The client's screen asks for its parts one by one (each in its own worker): the header first
# (`client_header`, which logs the opening), then `client_records`, `client_hours` and
# `client_continuity` at once. `client_detail` is all of them in one call.


@dataclass(frozen=True)
class ClientHeader:
    """What the top of the client's screen shows: the record (its status as of today) and its
    municipality."""

    client: Client
    municipality: Municipality | None


@dataclass(frozen=True)
class ClientRecords:
    """The client's sections kept in the registry: decisions, supervisors, assistants (with their
    reviews), an open transfer and the history."""

    decisions: list[Decision]
    supervisors: list[SupervisorLine]
    assignments: list[AssignmentLine]
    reviews_available: bool
    transfer: Transfer | None
    history: list[HistoryLine] | None


def _client(s: Any, client_id: int) -> Client:
    client = s.get(Client, client_id)
    if client is None:
        raise NotFound(N_("Client {id} does not exist"), id=client_id)
    return client  # type: ignore[no-any-return]


def _require_client(actor: Actor, client_id: int) -> None:
    require(actor, "client.read", client_id=client_id, what="see clients")


def _header(db: Database, actor: Actor, client_id: int, today: date) -> ClientHeader:
    with db.read() as s:
        client = _client(s, client_id)
        muni = s.get(Municipality, client.municipality_id)
        shown = client_status.as_of(s, client, today)
    _log_view(db, actor, "client", client_id, client.ref)
    return ClientHeader(shown, muni)


def _records(db: Database, actor: Actor, client_id: int, today: date) -> ClientRecords:
    from bpa_provider.services.transfers import open_transfer_for

    with db.read() as s:
        client = _client(s, client_id)
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
    upcoming = _next_reviews(db, actor, today, client_id=client_id)
    return ClientRecords(
        decisions=decisions,
        supervisors=supervisors,
        assignments=_assignment_lines(assignment_rows, last, upcoming),
        reviews_available=upcoming is not None,
        transfer=transfer,
        history=history,
    )


@service
def client_header(db: Database, actor: Actor, client_id: int, today: date) -> ClientHeader:
    """The client's record and municipality; opening the client is logged here (once)."""
    _require_client(actor, client_id)
    return _header(db, actor, client_id, today)


@service
def client_records(db: Database, actor: Actor, client_id: int, today: date) -> ClientRecords:
    """Decisions, supervisors, assistants with their reviews, an open transfer and (for roles that
    may read the log) the record's history."""
    _require_client(actor, client_id)
    return _records(db, actor, client_id, today)


@service
def client_hours(db: Database, actor: Actor, client_id: int, today: date) -> HoursLine | None:
    """This month's hours and the year-end outlook (None: not for this role)."""
    _require_client(actor, client_id)
    return _hours(db, actor, client_id, today)


@service
def client_continuity(db: Database, actor: Actor, client_id: int, today: date) -> Any:
    """The client's continuity measures (None: not for this role)."""
    _require_client(actor, client_id)
    return _continuity(db, actor, client_id, today)


@service
def client_detail(db: Database, actor: Actor, client_id: int, today: date) -> ClientDetail:
    """The client's whole screen in one call: the header and every part (the opening logged)."""
    _require_client(actor, client_id)
    head = _header(db, actor, client_id, today)
    rec = _records(db, actor, client_id, today)
    return ClientDetail(
        client=head.client,
        municipality=head.municipality,
        decisions=rec.decisions,
        supervisors=rec.supervisors,
        assignments=rec.assignments,
        hours=_hours(db, actor, client_id, today),
        reviews_available=rec.reviews_available,
        transfer=rec.transfer,
        history=rec.history,
        continuity=_continuity(db, actor, client_id, today),
    )


#: An id no row has (ids start at 1): the warm-up's reads find nothing.
NO_ROW = 0


def warm_header(db: Database, kind: str) -> None:
    """Compile ahead the statements a `kind` record's header runs — and the read of the view it
    logs — on reads of no row (`NO_ROW`; the id is a bound value, so the statements compiled are
    the header's own). SQLAlchemy compiles each statement on its first use in a process: the first
    record a person opens paid that in its header's call (≈ 3 ms of CPU beside its parts, on the
    GIL they need; docs/performance.md, "Session 12 — pgrecord"). Reads no person's record, logs
    no view and writes nothing: the header itself, asked when a record is opened, logs the view.
    The INSERT of that view is not compiled ahead: only writing a row would."""
    with db.read() as s:
        if kind == "client":
            s.get(Client, NO_ROW)
            s.get(Municipality, NO_ROW)
        elif kind == "assistant":
            s.get(Assistant, NO_ROW)
            s.execute(employments_of(NO_ROW)).all()
        audit.warm_up(s)


def parts_beside_header(actor: Actor, kind: str) -> bool:
    """Whether a `kind` record's parts may be asked for beside its header, before its permission
    check has answered: the role reads every record of the kind (`require` cannot refuse it), so
    the parts' own checks cannot either. A supervisor's (scoped) screens ask after the header, so
    that a refused opening is one refusal in the access log, not one per part."""
    return actor.may(f"{kind}.read") and not actor.is_scoped


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
