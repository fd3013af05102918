"""The yearly training report for the municipality's training grant: the courses completed in a
year, attributed to clients, with the number of supervisors and assistants trained and their hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_, select, union_all

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import Assignment, Client, Course, CourseEnrollment, Supervision
from bpa_provider.i18n import _
from bpa_provider.services.base import require, service
from bpa_provider.services.courses import HANDOVER_CERTIFICATE_PREFIX, people_names, person_of


@dataclass(frozen=True)
class TrainingRow:
    """One completed course, attributed to a client, for the training-grant report."""

    client_ref: str
    client_name: str
    person_kind: str
    person_ref: str
    person_name: str
    course: str
    kind: str
    organiser: str
    completed_on: date
    hours: float
    certificate_ref: str


@dataclass(frozen=True)
class ClientTraining:
    """Per client and year: how many supervisors and assistants were trained, and the hours."""

    client_ref: str
    client_name: str
    supervisors_trained: int
    assistants_trained: int
    supervisor_hours: float
    assistant_hours: float
    completions: int


@dataclass(frozen=True)
class TrainingReport:
    """The yearly training report: the courses completed, and the totals per client."""

    year: int
    rows: list[TrainingRow]
    clients: list[ClientTraining]


# --------------------------------------------------------------------------- training report


@service
def training_report(db: Database, actor: Actor, year: int) -> TrainingReport:
    """Courses completed in `year`, per client, with the number of people trained and hours.

    An enrollment counts for the client it names; one without a client counts for every client the
    person supervised (or was assigned to) on the completion day.
    """
    require(actor, "report.read", what=_("see reports"))
    require(actor, "course.read", what=_("see courses"))
    first, last = date(year, 1, 1), date(year, 12, 31)
    # Training done at a previous provider (arrived with a handover package) is not ours to claim.
    done = and_(
        CourseEnrollment.status == "completed",
        CourseEnrollment.completed_on >= first,
        CourseEnrollment.completed_on <= last,
        ~CourseEnrollment.certificate_ref.like(f"{HANDOVER_CERTIFICATE_PREFIX}%"),
    )
    cols = (CourseEnrollment.id.label("enrollment_id"), CourseEnrollment.supervisor_id, CourseEnrollment.assistant_id)
    named = select(*cols, CourseEnrollment.client_id.label("client_id")).where(
        done, CourseEnrollment.client_id.is_not(None)
    )
    by_sup = (
        select(*cols, Supervision.client_id.label("client_id"))
        .join(Supervision, Supervision.supervisor_id == CourseEnrollment.supervisor_id)
        .where(
            done,
            CourseEnrollment.client_id.is_(None),
            Supervision.since <= CourseEnrollment.completed_on,
            or_(Supervision.until.is_(None), Supervision.until >= CourseEnrollment.completed_on),
        )
    )
    by_asst = (
        select(*cols, Assignment.client_id.label("client_id"))
        .join(Assignment, Assignment.assistant_id == CourseEnrollment.assistant_id)
        .where(
            done,
            CourseEnrollment.client_id.is_(None),
            Assignment.start_date <= CourseEnrollment.completed_on,
            or_(Assignment.end_date.is_(None), Assignment.end_date >= CourseEnrollment.completed_on),
        )
    )
    att = union_all(named, by_sup, by_asst).subquery("att")
    # DISTINCT: a person with two assignments to one client counts that completion once.
    pairs = select(att.c.enrollment_id, att.c.client_id, att.c.supervisor_id, att.c.assistant_id).distinct()
    if actor.is_scoped:
        pairs = pairs.where(att.c.client_id.in_(sorted(actor.client_scope or ())))
    pairs_q = pairs.subquery("pairs")
    detail = (
        select(Client.ref, Client.name, CourseEnrollment, Course)
        .select_from(pairs_q)
        .join(CourseEnrollment, CourseEnrollment.id == pairs_q.c.enrollment_id)
        .join(Course, Course.id == CourseEnrollment.course_id)
        .join(Client, Client.id == pairs_q.c.client_id)
        .order_by(Client.ref, CourseEnrollment.completed_on, CourseEnrollment.id)
    )
    is_sup = pairs_q.c.supervisor_id.is_not(None)
    totals = (
        select(
            Client.ref,
            Client.name,
            func.count(func.distinct(pairs_q.c.supervisor_id)),
            func.count(func.distinct(pairs_q.c.assistant_id)),
            func.coalesce(func.sum(case((is_sup, Course.hours), else_=0.0)), 0.0),
            func.coalesce(func.sum(case((is_sup, 0.0), else_=Course.hours)), 0.0),
            func.count(),
        )
        .select_from(pairs_q)
        .join(CourseEnrollment, CourseEnrollment.id == pairs_q.c.enrollment_id)
        .join(Course, Course.id == CourseEnrollment.course_id)
        .join(Client, Client.id == pairs_q.c.client_id)
        .group_by(Client.ref, Client.name)
        .order_by(Client.ref)
    )
    with db.read() as s:
        detail_rows = list(s.execute(detail))
        names = people_names(s, [r[2] for r in detail_rows])
        total_rows = list(s.execute(totals))
    rows = []
    for cref, cname, e, c in detail_rows:
        assert e.completed_on is not None  # the query reads completions in a date range
        kind, pid = person_of(e)
        ref, name = names.get((kind, pid), ("", ""))
        rows.append(
            TrainingRow(
                cref,
                cname,
                kind,
                ref,
                name,
                c.name,
                c.kind,
                c.organiser,
                e.completed_on,
                float(c.hours),
                e.certificate_ref,
            )
        )
    clients = [
        ClientTraining(r[0], r[1], int(r[2]), int(r[3]), float(r[4]), float(r[5]), int(r[6])) for r in total_rows
    ]
    return TrainingReport(year, rows, clients)
