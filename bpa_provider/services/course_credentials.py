"""Course credentials: which completed courses of current staff expire soon (or have expired),
and the trainings a client requires of every assistant who works for them (the roster's
NO-TRAINING rule reads `missing_trainings`).

A credential's expiry is the completion date + the course's validity; the supervisor basic course
and refresher count as one credential, so a refresher renews it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, func, literal_column, or_, select
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    Assignment,
    Client,
    Course,
    CourseEnrollment,
    Employment,
    RequiredTraining,
    Supervision,
)
from bpa_provider.i18n import _
from bpa_provider.rules.calendar import days_left, expiry_date, expiry_reminders
from bpa_provider.services.base import require, service
from bpa_provider.services.courses import (
    SUPERVISOR_KINDS,
    find_client,
    find_course,
    in_scope_people,
    people_names,
    person_of,
)
from bpa_provider.services.onboarding import current_policy
from bpa_provider.services.stored import stored_id


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
class RequiredTrainingRow:
    """A course a client requires of every assistant who works for them."""

    id: int
    client_ref: str
    course_id: int
    course: str


# --------------------------------------------------------------------------- expiry


def latest_completions(actor: Actor, today: date) -> tuple[Any, Any]:
    """The condition that joins an enrollment (with its course) to each current person's latest
    completion per credential (a course; the supervisor basic course and its refresher are one
    credential). Shared by `expiring_credentials` and the dashboard's lighter read
    (services/dashboard_reads.py), which select different columns over it. Returns the condition
    and the subquery of latest completions to join with it."""
    # Supervisor basic course and refresher are one credential: the latest of either counts.
    group = case((Course.kind.in_(SUPERVISOR_KINDS), literal_column("-1")), else_=Course.id)
    current_sup, current_asst = current_people(today)
    base = (
        select(
            CourseEnrollment.supervisor_id,
            CourseEnrollment.assistant_id,
            group.label("grp"),
            CourseEnrollment.completed_on,
        )
        .join(Course, Course.id == CourseEnrollment.course_id)
        .where(
            CourseEnrollment.status == "completed",
            CourseEnrollment.completed_on.is_not(None),
            or_(
                and_(CourseEnrollment.supervisor_id.is_not(None), current_sup),
                and_(CourseEnrollment.assistant_id.is_not(None), current_asst),
            ),
        )
    )
    if actor.is_scoped:
        base = base.where(in_scope_people(actor, today))
    b = base.subquery("b")
    # Grouping on the subquery's column: PostgreSQL would not match a CASE with bound values.
    latest = (
        select(b.c.supervisor_id, b.c.assistant_id, b.c.grp, func.max(b.c.completed_on).label("last"))
        .group_by(b.c.supervisor_id, b.c.assistant_id, b.c.grp)
        .subquery("latest")
    )
    return and_(
        or_(
            CourseEnrollment.supervisor_id == latest.c.supervisor_id,
            CourseEnrollment.assistant_id == latest.c.assistant_id,
        ),
        CourseEnrollment.completed_on == latest.c.last,
        group == latest.c.grp,
    ), latest


def current_people(today: date) -> tuple[Any, Any]:
    """Whether an enrollment's person is current on `today`: (a supervisor with a supervision
    not ended, an assistant with an employment not ended), as EXISTS conditions on
    `CourseEnrollment` — the latest completions and the dashboard's stored-expiry read share them."""
    return (
        exists().where(
            Supervision.supervisor_id == CourseEnrollment.supervisor_id,
            or_(Supervision.until.is_(None), Supervision.until >= today),
        ),
        exists().where(
            Employment.assistant_id == CourseEnrollment.assistant_id,
            or_(Employment.end_date.is_(None), Employment.end_date >= today),
        ),
    )


@service
def expiring_credentials(
    db: Database,
    actor: Actor,
    today: date,
    *,
    policy: Policy | None = None,
) -> list[ExpiringCredential]:
    """Course credentials of current staff that expire within the first reminder lead (90 days by
    default) or have expired, soonest first. Only each person's latest completion counts."""
    require(actor, "course.read", what=_("see courses"))
    leads = tuple(current_policy(policy).course_expiry_reminders)
    on, latest = latest_completions(actor, today)
    # Back to the enrollment of each latest completion: its course decides the validity.
    q = (
        select(CourseEnrollment, Course)
        .join(Course, Course.id == CourseEnrollment.course_id)
        .join(latest, on)
        .where(CourseEnrollment.status == "completed")
        .order_by(CourseEnrollment.id)
    )
    with db.read() as s:
        rows = list(s.execute(q))
        names = people_names(s, [e for e, _c in rows])
    chosen: dict[tuple[str, int, int], tuple[CourseEnrollment, Course]] = {}
    for e, c in rows:  # two completions on the same day: the later row wins
        chosen[(*person_of(e), -1 if c.kind in SUPERVISOR_KINDS else stored_id(c))] = (e, c)
    out = []
    for (kind, pid, _grp), (e, c) in chosen.items():
        assert e.completed_on is not None
        expires = expiry_date(e.completed_on, c.validity_months)
        bucket = expiry_reminders(expires, today, leads) if expires else None
        if expires is None or bucket is None:
            continue
        ref, name = names.get((kind, pid), ("", ""))
        left = days_left(expires, today)
        out.append(
            ExpiringCredential(
                person_kind=kind,
                person_id=pid,
                person_ref=ref,
                person_name=name,
                course_id=stored_id(c),
                course=c.name,
                completed_on=e.completed_on,
                expires_on=expires,
                days_left=left,
                reminder=bucket,
                expired=left <= 0,
            )
        )
    return sorted(out, key=lambda x: (x.expires_on, x.person_ref, x.course))


# --------------------------------------------------------------------------- required trainings


@service
def set_required_training(
    db: Database,
    actor: Actor,
    client: int | str,
    course: int | str,
    required: bool = True,
) -> RequiredTrainingRow | None:
    """Make a course required (or no longer required) for every assistant working for a client."""
    require(actor, "course.write", what=_("set required trainings"))
    with db.write() as s:
        c = find_client(s, client)
        co = find_course(s, course)
        row = s.execute(
            select(RequiredTraining).where(RequiredTraining.client_id == c.id, RequiredTraining.course_id == co.id)
        ).scalar()
        if required:
            if row is None:
                row = RequiredTraining(client_id=stored_id(c), course_id=stored_id(co))
                s.add(row)
                s.flush()
                audit.record(
                    s,
                    actor,
                    "create",
                    "required_training",
                    row.id,
                    subject=c.ref,
                    summary=f"requires {co.name}",
                    after=row,
                )
            return RequiredTrainingRow(stored_id(row), c.ref, stored_id(co), co.name)
        if row is not None:
            # A requirement is configuration, not personal history: removing it is a real delete.
            audit.record(
                s,
                actor,
                "delete",
                "required_training",
                row.id,
                subject=c.ref,
                summary=f"no longer requires {co.name}",
                before=row,
            )
            s.delete(row)
        return None


@service
def required_trainings(db: Database, actor: Actor, client: int | str | None = None) -> list[RequiredTrainingRow]:
    """The required trainings of one client or of all."""
    require(actor, "course.read", what=_("see courses"))
    with db.read() as s:
        q = (
            select(RequiredTraining.id, Client.ref, Course.id, Course.name)
            .join(Client, Client.id == RequiredTraining.client_id)
            .join(Course, Course.id == RequiredTraining.course_id)
            .order_by(Client.ref, Course.name)
        )
        if client is not None:
            q = q.where(RequiredTraining.client_id == find_client(s, client).id)
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
        .where(
            Assignment.assistant_id == assistant_id,
            Assignment.start_date <= on,
            or_(Assignment.end_date.is_(None), Assignment.end_date >= on),
        )
    ).all()
    if not rows:
        return {}
    done = dict(
        session.execute(
            select(CourseEnrollment.course_id, func.max(CourseEnrollment.completed_on))
            .where(
                CourseEnrollment.assistant_id == assistant_id,
                CourseEnrollment.status == "completed",
                CourseEnrollment.completed_on <= on,
            )
            .group_by(CourseEnrollment.course_id)
        ).all()
    )
    missing: dict[int, list[str]] = {}
    for client_id, course_id, name, validity in rows:
        last = done.get(course_id)
        expires = expiry_date(last, validity) if last else None
        if last is None or (expires is not None and expires <= on):
            missing.setdefault(client_id, [])
            if name not in missing[client_id]:
                missing[client_id].append(name)
    return {k: tuple(sorted(v)) for k, v in missing.items()}
