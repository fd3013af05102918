"""The stored reasons a supervision may be overdue (`onboarding_due`, issue 19).

The dashboard's "courses overdue" shows the current supervisions whose onboarding is late: an
open step of the pair's checklist past its due date or, without a checklist, the basic course's
deadline (the start + the policy's days) passed and the course not done. Judging that for every
supervision on each visit read all 2,000 of them at a large provider to show a few hundred.
Neither reason depends on the day or the policy, only when it applies does: so each supervision
that has one gets a row with the earliest due date among its pair's open steps (`open_due`, when
the pair has a checklist) or its start (`basic_from`, when the pair has no checklist and the
supervisor has done no basic course — neither a completed supervisor_basic enrollment nor a
basic-course step ticked in any checklist). The dashboard then reads two ranges: `open_due`
before the day, `basic_from` before the day less the policy's days
(services/dashboard_onboarding.py).

The rows change only when a supervisor's supervisions, checklist steps or course enrollments do,
or a course's kind. Every session's commit rewrites the rows of the supervisors whose such rows it
added, changed or deleted through the ORM, and all rows when a course's kind changed (`_collect`,
`_keep`: registered when services/base.py is imported, which every service is), in that
transaction; the demo company's bulk insert calls `refresh` itself, and migration 0015s filled
the table. `expected_rows` computes it from scratch; the tests hold the table equal to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from itertools import chain
from typing import Any

from sqlalchemy import Connection, delete, event, insert, inspect, select
from sqlalchemy.orm import Session

from bpa_provider.db.models import Course, CourseEnrollment, OnboardingDue, OnboardingStep, Supervision, Supervisor

Row = tuple[int, int, int, date | None, date | None]  # supervision, supervisor, client, open_due, basic_from

# onboarding_template.BASIC_COURSE (a test holds them equal): importing it here would import the
# services' base module, which imports this one for its hooks.
BASIC_COURSE = "basic_course"
_CHUNK = 500  # ids per IN list (well under either engine's limit on bound values)
_PENDING = "onboarding_due_supervisors"  # session.info: supervisors whose rows the commit rewrites
_ALL = -1  # in the pending set: every supervisor (a course's kind changed)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def expected_rows(conn: Session | Connection, supervisors: Iterable[int] | None = None) -> list[Row]:
    """The rows of `supervisors` (everyone when None) by the rule, sorted by supervision."""
    ids = None if supervisors is None else sorted(set(supervisors))
    parts: list[list[int] | None] = [None] if ids is None else list(_chunks(ids))
    supervisions: list[Any] = []
    open_due: dict[tuple[int, int], date] = {}
    has_steps: set[tuple[int, int]] = set()
    basic_done: set[int] = set()
    for part in parts:
        sv = select(Supervision.id, Supervision.supervisor_id, Supervision.client_id, Supervision.since)
        st = select(OnboardingStep.supervisor_id, OnboardingStep.client_id, OnboardingStep.due_date).add_columns(
            OnboardingStep.done_on, OnboardingStep.code
        )
        enrolled = (
            select(CourseEnrollment.supervisor_id)
            .join(Course, Course.id == CourseEnrollment.course_id)
            .where(
                CourseEnrollment.supervisor_id.is_not(None),
                CourseEnrollment.status == "completed",
                CourseEnrollment.completed_on.is_not(None),
                Course.kind == "supervisor_basic",
            )
        )
        if part is not None:
            sv = sv.where(Supervision.supervisor_id.in_(part))
            st = st.where(OnboardingStep.supervisor_id.in_(part))
            enrolled = enrolled.where(CourseEnrollment.supervisor_id.in_(part))
        supervisions += list(conn.execute(sv))
        for sup, client, due, done, code in conn.execute(st):
            has_steps.add((sup, client))
            if done is None and (due < open_due.get((sup, client), date.max)):
                open_due[(sup, client)] = due
            if code == BASIC_COURSE and done is not None:
                basic_done.add(sup)  # ticked by hand in any checklist
        basic_done.update(sup for (sup,) in conn.execute(enrolled) if sup is not None)
    out: list[Row] = []
    for sid, sup, client, since in supervisions:
        pair = (sup, client)
        if pair in has_steps:
            if pair in open_due:
                out.append((sid, sup, client, open_due[pair], None))
        elif sup not in basic_done:
            out.append((sid, sup, client, None, since))
    return sorted(out)


def refresh(conn: Session | Connection, supervisors: Iterable[int] | None = None) -> None:
    """Rewrite the rows of `supervisors` (everyone when None) from the rule, in the caller's
    transaction. A session is flushed first, so its pending changes count."""
    if isinstance(conn, Session):
        conn.flush()
    ids = None if supervisors is None else sorted(set(supervisors))
    if ids is not None:
        # On PostgreSQL two writers for one supervisor at once would each rewrite the rows from
        # what they saw: the supervisor's row is locked first, so the second waits and then reads
        # the first one's (SQLite has one writer at a time and ignores the lock).
        for part in _chunks(ids):
            conn.execute(select(Supervisor.id).where(Supervisor.id.in_(part)).with_for_update())
    rows = expected_rows(conn, ids)
    if ids is None:
        conn.execute(delete(OnboardingDue))
    else:
        for part in _chunks(ids):
            conn.execute(delete(OnboardingDue).where(OnboardingDue.supervisor_id.in_(part)))
    if rows:
        names = ("supervision_id", "supervisor_id", "client_id", "open_due", "basic_from")
        conn.execute(insert(OnboardingDue), [dict(zip(names, row)) for row in rows])


def stored_rows(conn: Session | Connection) -> list[Row]:
    """The table as it is, sorted as `expected_rows` (for the tests)."""
    return sorted(
        tuple(r)  # type: ignore[misc]
        for r in conn.execute(
            select(
                OnboardingDue.supervision_id,
                OnboardingDue.supervisor_id,
                OnboardingDue.client_id,
                OnboardingDue.open_due,
                OnboardingDue.basic_from,
            )
        )
    )


# ---- kept by every ORM write -----------------------------------------------------------------
_WATCHED = (Supervision, OnboardingStep, CourseEnrollment)


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _context: Any, _instances: Any) -> None:
    """Note the supervisors whose supervisions, steps or enrollments this flush writes (and the
    one a row was moved from); every supervisor when a course's kind changes."""
    pending: set[int] | None = None
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, _WATCHED):
            if pending is None:
                pending = session.info.setdefault(_PENDING, set())
            if obj.supervisor_id is not None:
                pending.add(obj.supervisor_id)
            pending.update(v for v in inspect(obj).attrs.supervisor_id.history.deleted if v is not None)
        elif isinstance(obj, Course) and inspect(obj).attrs.kind.history.deleted:
            if pending is None:
                pending = session.info.setdefault(_PENDING, set())
            pending.add(_ALL)


@event.listens_for(Session, "before_commit")
def _keep(session: Session) -> None:
    """Rewrite the noted supervisors' rows before the commit, in its transaction."""
    if not session.info.get(_PENDING) and not (session.new or session.dirty or session.deleted):
        return
    session.flush()  # what is still pending is noted by `_collect`
    pending = session.info.pop(_PENDING, None)
    if pending:
        refresh(session, None if _ALL in pending else pending)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    """A transaction rolled back (or ended) forgets what it noted; a savepoint's end does not."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
