"""Lean reads for dashboard sections whose owning service is heavier than the dashboard needs.

`course_credentials.expiring_credentials` loads every current person's latest completion as ORM
objects (25,000 at a large provider, 1.3 s) to keep the few hundred that expire soon. The
dashboard's version below runs the same query as plain rows, only for completions old enough to
expire within the longest reminder lead, works out each expiry date once per
(completion date, validity) and reads the names of only the people it keeps: the same
`ExpiringCredential`s in the same order (tests/services/test_dashboard_reads.py holds it equal to
the service on both engines).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Course, CourseEnrollment
from bpa_provider.i18n import _
from bpa_provider.rules.calendar import days_left, expiry_date, expiry_reminders
from bpa_provider.services import core_rows
from bpa_provider.services.base import require, service
from bpa_provider.services.course_credentials import ExpiringCredential, latest_completions
from bpa_provider.services.courses import SUPERVISOR_KINDS, people_names
from bpa_provider.services.onboarding import current_policy


@lru_cache(maxsize=4096)
def _expiry(completed_on: date, validity_months: int | None) -> date | None:
    return expiry_date(completed_on, validity_months)


def _latest_completion(today: date, leads: tuple[int, ...], validities: list[int]) -> date:
    """The latest completion date whose expiry (`expiry_date`, non-decreasing in the completion
    date) reaches the first reminder by `today`: expiry on or before today + the longest lead."""
    last_expiry = today + timedelta(days=max(leads))
    best = date.min
    for months in set(validities):
        c = last_expiry - relativedelta(months=months)
        while c > date.min and (_expiry(c, months) or date.max) > last_expiry:
            c -= timedelta(days=1)
        while (_expiry(c + timedelta(days=1), months) or date.max) <= last_expiry:
            c += timedelta(days=1)
        best = max(best, c)
    return best


class _Enrollment:
    """What `courses.people_names` reads of an enrollment."""

    __slots__ = ("assistant_id", "supervisor_id")

    def __init__(self, supervisor_id: int | None, assistant_id: int | None) -> None:
        self.supervisor_id, self.assistant_id = supervisor_id, assistant_id


@service
def expiring_credentials(
    db: Database, actor: Actor, today: date, *, policy: Policy | None = None
) -> list[ExpiringCredential]:
    """`course_credentials.expiring_credentials`, read as rows (see the module's docstring)."""
    require(actor, "course.read", what=_("see courses"))
    leads = tuple(current_policy(policy).course_expiry_reminders)
    # The service's own query of the latest completions; only the selected columns differ.
    on, latest = latest_completions(actor, today)
    q = (
        select(
            CourseEnrollment.supervisor_id,
            CourseEnrollment.assistant_id,
            CourseEnrollment.completed_on,
            Course.id,
            Course.kind,
            Course.name,
            Course.validity_months,
        )
        .join(Course, Course.id == CourseEnrollment.course_id)
        .join(latest, on)
        .where(CourseEnrollment.status == "completed")
        .order_by(CourseEnrollment.id)
    )
    with db.read() as s:
        validities = [v for v in s.execute(select(Course.validity_months).distinct()).scalars() if v is not None]
        if not validities or not leads:
            return []  # nothing expires, or no reminder is ever reached
        # Only a latest completion on or before this date can expire within the longest lead (the
        # shortest validity gives the latest such date). One bound for every row, so two
        # completions of a group on the same day are kept or left out together.
        rows = core_rows.rows(
            s, q.where(CourseEnrollment.completed_on <= _latest_completion(today, leads, validities))
        ).all()
        # Two completions on the same day: the later row wins (as in the service).
        chosen: dict[tuple[str, int, int], tuple[date | None, int, str, int | None]] = {}
        for sup, asst, completed, course_id, kind, course, validity in rows:
            person = ("supervisor", sup) if sup else ("assistant", asst or 0)
            chosen[(*person, -1 if kind in SUPERVISOR_KINDS else course_id)] = (completed, course_id, course, validity)
        kept = []
        for (kind, pid, _grp), (completed, course_id, course, validity) in chosen.items():
            if completed is None:  # never: the query reads completed enrollments with a date
                continue
            expires = _expiry(completed, validity)
            bucket = expiry_reminders(expires, today, leads) if expires else None
            if expires is not None and bucket is not None:
                kept.append((kind, pid, completed, course_id, course, expires, bucket))
        names = people_names(
            s,
            [_Enrollment(pid, None) if kind == "supervisor" else _Enrollment(None, pid) for kind, pid, *_r in kept],  # type: ignore[misc]
        )
    out = []
    for kind, pid, completed, course_id, course, expires, bucket in kept:
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
    return sorted(out, key=lambda x: (x.expires_on, x.person_ref, x.course))
