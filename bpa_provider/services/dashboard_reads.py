"""Lean reads for dashboard sections whose owning service is heavier than the dashboard needs.

`course_credentials.expiring_credentials` works out every current person's latest completion (25,000
completions at a large provider) to keep the few thousand that expire within the longest reminder
lead. The dashboard's version below reads them from `credential_expiry` (the latest completions'
expiry, stored where completions and courses are written: services/course_expiry.py) as a range of
`expires_on` through its index, keeps the current people in the reader's scope, and reads the
names of only the people it keeps: the same `ExpiringCredential`s in the same order
(tests/services/test_dashboard_reads.py holds it equal to the service on both engines). Asked for
the screen's first rows, it reads only those (as far as the last one's expiry) and counts the rest
from the index alone: each row's person is stored beside its expiry (migration 0015s), so the count
asks only whether that person is current (an index lookup) and never reads the enrollment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, and_, bindparam, func, or_, select, text

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    Assignment,
    Course,
    CourseEnrollment,
    CredentialExpiry,
)
from bpa_provider.i18n import _
from bpa_provider.rules.calendar import days_left, expiry_reminders
from bpa_provider.services import core_rows, day_counts
from bpa_provider.services.base import require, service
from bpa_provider.services.counted import Counted
from bpa_provider.services.course_credentials import ExpiringCredential
from bpa_provider.services.courses import SUPERVISOR_KINDS, people_names
from bpa_provider.services.onboarding import current_policy


class _Enrollment:
    """What `courses.people_names` reads of an enrollment."""

    __slots__ = ("assistant_id", "supervisor_id")

    def __init__(self, supervisor_id: int | None, assistant_id: int | None) -> None:
        self.supervisor_id, self.assistant_id = supervisor_id, assistant_id


#: `course_credentials.current_people` asked of the stored row's person (see `_current`).
_CURRENT = text(
    # In parentheses of its own: an OR among the statement's ANDs.
    "((credential_expiry.supervisor_id IS NOT NULL AND EXISTS (SELECT 1 FROM supervision"
    " WHERE supervision.supervisor_id = credential_expiry.supervisor_id"
    " AND (supervision.until IS NULL OR supervision.until >= :current_on)))"
    " OR (credential_expiry.assistant_id IS NOT NULL AND EXISTS (SELECT 1 FROM employment"
    " WHERE employment.assistant_id = credential_expiry.assistant_id"
    " AND (employment.end_date IS NULL OR employment.end_date >= :current_on))))"
)


#: The same for PostgreSQL's rows read: each EXISTS fenced by `OFFSET 0`, so the planner asks it of
#: each row through the index instead of turning it into a hash of every current employment and
#: supervision (a scan of all 12,000 employments at a large provider, on every visit, to check the
#: few hundred rows read; the count, made once a day, keeps the hash).
_CURRENT_FENCED = text(
    "((credential_expiry.supervisor_id IS NOT NULL AND EXISTS (SELECT 1 FROM supervision"
    " WHERE supervision.supervisor_id = credential_expiry.supervisor_id"
    " AND (supervision.until IS NULL OR supervision.until >= :current_on) OFFSET 0))"
    " OR (credential_expiry.assistant_id IS NOT NULL AND EXISTS (SELECT 1 FROM employment"
    " WHERE employment.assistant_id = credential_expiry.assistant_id"
    " AND (employment.end_date IS NULL OR employment.end_date >= :current_on) OFFSET 0)))"
)


def _current(today: date, fenced: bool = False) -> Any:
    """`course_credentials.current_people` asked of the stored row's person: a supervisor with a
    supervision not ended, or an assistant with an employment not ended, on `today`.

    Written out, not built: built from ORM columns it cost ≈ 0.09 ms of Python on every statement
    that names it (five a visit), more than SQLite's work at a small provider; and one built
    object shared by the statements gave SQLAlchemy's cache a key that changed between visits.
    `SELECT 1`: SQLite answers the employment's from its index alone (`SELECT *` read each row:
    ≈ 0.1 ms of the 3,583 rows counted at a large provider)."""
    return (_CURRENT_FENCED if fenced else _CURRENT).bindparams(bindparam("current_on", today, type_=Date))


def _in_scope(actor: Actor, today: date) -> Any:
    """`courses.in_scope_people` asked of the stored row's person: the supervisor-actor
    themself, or an assistant with a current assignment to one of their clients."""
    return or_(
        CredentialExpiry.supervisor_id == actor.supervisor_id,
        CredentialExpiry.assistant_id.in_(
            select(Assignment.assistant_id).where(
                Assignment.client_id.in_(sorted(actor.client_scope or ())),
                or_(Assignment.end_date.is_(None), Assignment.end_date >= today),
            )
        ),
    )


def bytewise(s: Any) -> Callable[[Any], Any]:
    """A text column compared code point by code point, as Python compares strings: SQLite's
    default; PostgreSQL's default follows the locale, "C" does not."""
    if s.get_bind().dialect.name == "postgresql":
        return lambda column: column.collate("C")
    return lambda column: column


def _first_rows(s: Any, counted: Callable[..., list[Any]], edge: date, limit: int) -> Any:
    """The rows shown when the `limit`-th expires on `edge`: every one expiring before it, and of
    those on it (hundreds at a large provider: completions on one course day) the first as many as
    are left by the person's reference, read in that order through `ix_credential_expiry_order`
    (the reference kept beside the expiry by triggers, migration 0017c), and any more of the last
    one's: the section sorts them by reference, course and enrollment, and keeps what it shows.
    Before, the person and course of every row on that day were looked up to sort them (≈ 0.7 ms
    of SQLite's work at a large provider; on PostgreSQL every assistant and enrollment hashed)."""
    e = CredentialExpiry
    before = s.execute(select(func.count()).select_from(e).where(*counted(e.expires_on < edge))).scalar_one()
    as_python = bytewise(s)
    last = s.execute(
        select(e.person_ref)
        .where(*counted(e.expires_on == edge))
        .order_by(as_python(e.person_ref))
        .offset(max(limit - before - 1, 0))
        .limit(1)
    ).scalar()
    if last is None:  # no reference (a person gone): read the whole day, as before
        return e.expires_on <= edge
    return or_(e.expires_on < edge, as_python(e.person_ref) <= last)


@service
def expiring_credentials(
    db: Database, actor: Actor, today: date, *, policy: Policy | None = None, limit: int | None = None
) -> list[ExpiringCredential]:
    """`course_credentials.expiring_credentials`, read from the stored expiry (see the module's
    docstring). With `limit`, its first `limit` rows and how many there are in all (`Counted`)."""
    require(actor, "course.read", what=_("see courses"))
    leads = tuple(current_policy(policy).course_expiry_reminders)
    if not leads:
        return []  # no reminder is ever reached

    def counted(within: Any = None, fenced: bool = False) -> list[Any]:
        """The rows counted: a range of the index, each person current (and in the reader's
        scope), as `course_credentials.latest_completions` says it, asked of the stored person.
        Built anew for each statement: one EXISTS object in two statements (or twice in one)
        gave SQLAlchemy a cache key that differed between visits, and the rows' statement was
        compiled again on each (≈ 0.4 ms at a large provider). `within` narrows the range to the
        rows shown in place of the reminders' bound, not beside it: given both, SQLite ranged
        the index by the first and checked the second on each of the 3,583 entries."""
        conds = [
            # The first reminder is reached on this day before the expiry (`expiry_reminders`).
            CredentialExpiry.expires_on <= today + timedelta(days=max(leads)) if within is None else within,
            _current(today, fenced),
        ]
        if actor.is_scoped:
            conds.append(_in_scope(actor, today))
        return conds

    q = (
        select(
            CourseEnrollment.supervisor_id,
            CourseEnrollment.assistant_id,
            CourseEnrollment.completed_on,
            Course.id,
            Course.kind,
            Course.name,
            CredentialExpiry.expires_on,
        )
        .select_from(CredentialExpiry)
        .join(CourseEnrollment, CourseEnrollment.id == CredentialExpiry.enrollment_id)
        .join(Course, Course.id == CourseEnrollment.course_id)
    )

    def shown(within: Any = None) -> list[Any]:
        """`counted`, for the statements that read the rows shown (see `_CURRENT_FENCED`)."""
        return counted(within, fenced)

    fenced = db.dialect == "postgresql"
    within = None
    total = None
    with db.read() as s:
        if limit is not None:
            # Over the index alone (no enrollment, no course: every row has both, by foreign key).
            # Stored for the day while no expiry, supervision or employment changes (day_counts.py).
            total = day_counts.total(
                db,
                s,
                actor,
                day_counts.COURSES_EXPIRING,
                today,
                f"lead={max(leads)}",
                lambda: s.execute(select(func.count()).select_from(CredentialExpiry).where(*counted())).scalar_one(),
            )
            # The first rows are those expiring up to the `limit`-th expiry, its ties included
            # (their order among themselves is by name, sorted below as for the whole list).
            edge = s.execute(
                select(CredentialExpiry.expires_on)
                .where(*shown())
                .order_by(CredentialExpiry.expires_on)
                .offset(max(limit - 1, 0))
                .limit(1)
            ).scalar()
            if limit < 1:
                return Counted([], total)
            if edge is not None:
                # Within the reminders' bound: the edge is one of the rows counted.
                within = and_(CredentialExpiry.expires_on <= edge, _first_rows(s, shown, edge, limit))
        q = q.where(*shown(within))
        # In enrollment order, sorted here: ordered by the enrollment's id in SQL, SQLite walked
        # every enrollment in the company by its key instead of the range of expiries (issue 19).
        rows = sorted(core_rows.rows(s, q.add_columns(CourseEnrollment.id)).all(), key=lambda r: r[-1])
        # Two completions on the same day: the later row wins (as in the service).
        chosen: dict[tuple[str, int, int], tuple[date | None, int, str, date]] = {}
        for sup, asst, completed, course_id, kind, course, expires, _eid in rows:
            person = ("supervisor", sup) if sup else ("assistant", asst or 0)
            chosen[(*person, -1 if kind in SUPERVISOR_KINDS else course_id)] = (completed, course_id, course, expires)
        kept = []
        for (kind, pid, _grp), (completed, course_id, course, expires) in chosen.items():
            bucket = expiry_reminders(expires, today, leads)
            if completed is not None and bucket is not None:
                kept.append((kind, pid, completed, course_id, course, expires, bucket))
        names = people_names(
            s,
            [_Enrollment(pid, None) if kind == "supervisor" else _Enrollment(None, pid) for kind, pid, *_r in kept],  # type: ignore[misc]
        )
    # Sorted as the service sorts (a stable sort on the same key, from the same order), and only
    # the rows asked for made into records: the last expiry shown may be shared by hundreds.
    order = sorted(
        ((expires, names.get((kind, pid), ("", ""))[0], course), i)
        for i, (kind, pid, _c, _id, course, expires, _b) in enumerate(kept)
    )
    out = []
    for _key, i in order if limit is None else order[: max(limit, 0)]:
        kind, pid, completed, course_id, course, expires, bucket = kept[i]
        ref, name = names.get((kind, pid), ("", ""))
        left = days_left(expires, today)
        out.append(
            ExpiringCredential(
                person_kind=kind,
                person_id=pid,
                person_ref=ref,
                person_name=name,
                course_id=course_id,
                course=course,
                completed_on=completed,
                expires_on=expires,
                days_left=left,
                reminder=bucket,
                expired=left <= 0,
            )
        )
    return out if total is None else Counted(out, total)
