"""The stored expiry of each person's latest completion of a credential (`credential_expiry`).

The dashboard's "courses expiring" shows the current people's latest completions that expire
within the longest reminder lead (90 days). Working out every person's latest completion on each
visit read all 25,000 completions at a large provider; instead, the latest completion of each
(person, credential) with an expiry gets a row here, and the dashboard reads a range of
`expires_on` (services/dashboard_reads.py). Which completion is the latest does not depend on the
day, so the rows change only when completions or a course's validity or kind do: every such write
calls `refresh` in its own transaction (the outcome of an enrollment, a completion brought by a
handover, a course changed, the demo company's bulk insert), and migration 0013d filled them.

The rule is `course_credentials.latest_completions`' without its "current person" and scope
conditions (the dashboard applies those on the few rows it reads): a completed enrollment with a
date, grouped by supervisor, assistant and credential (the supervisor basic course and refresher
are one, -1; any other course is its own id), the latest of each group kept — of two on the same
day the later row, as the service's "later row wins" — when its course has a validity. `expected_rows` computes it from scratch; the tests
hold the table equal to it after every write path.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Connection, delete, insert, or_, select
from sqlalchemy.orm import Session

from bpa_provider.db.models import Assistant, Course, CourseEnrollment, CredentialExpiry, Supervisor
from bpa_provider.rules.calendar import expiry_date
from bpa_provider.services.courses import SUPERVISOR_KINDS

Person = tuple[str, int]  # ("supervisor" | "assistant", id)
Stored = tuple[date, int | None, int | None]  # expiry, the enrollment's supervisor, its assistant


def expected_rows(conn: Session | Connection, people: Iterable[Person] | None = None) -> dict[int, Stored]:
    """enrollment id -> (expiry, supervisor, assistant), by the rule, for `people` (everyone when
    None). The person is the enrollment's, stored beside the expiry so that the dashboard counts
    its range without the enrollment's page per row (migration 0015s)."""
    q = (
        select(
            CourseEnrollment.id,
            CourseEnrollment.supervisor_id,
            CourseEnrollment.assistant_id,
            CourseEnrollment.completed_on,
            Course.id,
            Course.kind,
            Course.validity_months,
        )
        .join(Course, Course.id == CourseEnrollment.course_id)
        .where(CourseEnrollment.status == "completed", CourseEnrollment.completed_on.is_not(None))
    )
    if people is not None:
        sups = sorted({pid for kind, pid in people if kind == "supervisor"})
        assts = sorted({pid for kind, pid in people if kind == "assistant"})
        if not sups and not assts:
            return {}
        q = q.where(or_(CourseEnrollment.supervisor_id.in_(sups), CourseEnrollment.assistant_id.in_(assts)))
    groups: dict[tuple[int | None, int | None, int], list[tuple[int, date, int | None]]] = {}
    for eid, sup, asst, completed, course_id, kind, validity in conn.execute(q):
        if completed is not None:  # always: the query asks for a date
            grp = -1 if kind in SUPERVISOR_KINDS else course_id
            groups.setdefault((sup, asst, grp), []).append((eid, completed, validity))
    out: dict[int, Stored] = {}
    for (sup, asst, _grp), rows in groups.items():
        # The latest date; of two on that day the later row (as the service's "later row wins").
        completed, eid, validity = max((completed, eid, validity) for eid, completed, validity in rows)
        expires = expiry_date(completed, validity)
        if expires is not None:
            out[eid] = (expires, sup, asst)
    return out


def refresh(conn: Session | Connection, people: Iterable[Person] | None = None) -> None:
    """Rewrite the rows of `people` (everyone when None) from the rule, in the caller's
    transaction. A session is flushed first, so its pending changes count."""
    people = None if people is None else sorted(set(people))
    if isinstance(conn, Session):
        conn.flush()
    if people is not None:
        # On PostgreSQL two writers of one person's completions at once would each rewrite the
        # rows from what they saw: the person's row is locked first, so the second waits and then
        # reads the first one's (SQLite has one writer at a time and ignores the lock).
        for model, kind in ((Supervisor, "supervisor"), (Assistant, "assistant")):
            ids = [pid for k, pid in people if k == kind]
            if ids:
                conn.execute(select(model.id).where(model.id.in_(ids)).with_for_update())
    rows = expected_rows(conn, people)
    if people is None:
        conn.execute(delete(CredentialExpiry))
    else:
        sups = [pid for kind, pid in people if kind == "supervisor"]
        assts = [pid for kind, pid in people if kind == "assistant"]
        theirs = select(CourseEnrollment.id).where(
            or_(CourseEnrollment.supervisor_id.in_(sups), CourseEnrollment.assistant_id.in_(assts))
        )
        conn.execute(delete(CredentialExpiry).where(CredentialExpiry.enrollment_id.in_(theirs)))
    if rows:
        conn.execute(
            insert(CredentialExpiry),
            [
                {"enrollment_id": eid, "expires_on": day, "supervisor_id": sup, "assistant_id": asst}
                for eid, (day, sup, asst) in sorted(rows.items())
            ],
        )


def refresh_course(conn: Session | Connection, course_id: int) -> None:
    """A course's validity or kind changed: rewrite every row when anyone completed it (a rare
    change to the catalog; everyone at once is one statement each way, whatever the number of
    people, where naming them could pass SQLite's limit on bound values)."""
    if isinstance(conn, Session):
        conn.flush()
    taken = conn.execute(
        select(CourseEnrollment.id).where(
            CourseEnrollment.course_id == course_id, CourseEnrollment.status == "completed"
        )
    ).first()
    if taken is not None:
        refresh(conn)


def stored_rows(conn: Session | Connection) -> dict[int, Stored]:
    """The table as it is, shaped as `expected_rows` (for the tests)."""
    return {
        eid: (day, sup, asst)
        for eid, day, sup, asst in conn.execute(
            select(
                CredentialExpiry.enrollment_id,
                CredentialExpiry.expires_on,
                CredentialExpiry.supervisor_id,
                CredentialExpiry.assistant_id,
            )
        )
    }
