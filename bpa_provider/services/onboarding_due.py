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

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, inspect, select
from sqlalchemy.orm import Session

from bpa_provider.db.models import Course, CourseEnrollment, OnboardingDue, OnboardingStep, Supervision, Supervisor
from bpa_provider.services import kept_rows

Row = tuple[int, int, int, date | None, date | None]  # supervision, supervisor, client, open_due, basic_from

# onboarding_template.BASIC_COURSE (a test holds them equal): importing it here would import the
# services' base module, which imports this one for its hooks.
BASIC_COURSE = "basic_course"
_PENDING = "onboarding_due_supervisors"  # session.info: supervisors whose rows the commit rewrites


def expected_rows(conn: Session | Connection, supervisors: Iterable[int] | None = None) -> list[Row]:
    """The rows of `supervisors` (everyone when None) by the rule, sorted by supervision."""
    ids = None if supervisors is None else sorted(set(supervisors))
    parts: list[Sequence[int] | None] = [None] if ids is None else list(kept_rows.chunks(ids))
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
    transaction (`kept_rows.rewrite`: the supervisors' rows locked first)."""
    kept_rows.rewrite(
        conn,
        supervisors,
        owner_id=Supervisor.id,
        table=OnboardingDue,
        table_owner=OnboardingDue.supervisor_id,
        columns=("supervision_id", "supervisor_id", "client_id", "open_due", "basic_from"),
        expected=expected_rows,
    )


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
# The supervisors of every supervision, checklist step or enrollment a flush writes, and every
# supervisor when a course's kind changes (which course is the basic one); their rows rewritten
# before the commit (kept_rows.keep_on_commit).
kept_rows.keep_on_commit(
    _PENDING,
    (Supervision, OnboardingStep, CourseEnrollment),
    "supervisor_id",
    refresh,
    everyone_when=lambda obj: isinstance(obj, Course) and bool(inspect(obj).attrs.kind.history.deleted),
)
