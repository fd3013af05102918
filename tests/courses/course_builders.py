"""Builders for the course, onboarding and review tests: people created through the real services."""

from __future__ import annotations

from datetime import date

import factories as f
from sqlalchemy import func, select

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import AuditEvent
from bpa_provider.services import course_enrollment, courses, records


def supervisor(db: Database, actor: Actor, client_ref: str, since: str = "2026-03-01", name: str = "Siri Arbeidsleder"):
    """A supervisor who supervises `client_ref` from `since`."""
    return records.create(db, actor, "supervisor", {"name": name, "client_id": client_ref, "since": since})


def staff(
    db: Database,
    actor: Actor,
    client_ref: str,
    start: str = "2026-01-15",
    end: str | None = None,
    employment_end: str | None = None,
    name: str = "Per Hansen",
):
    """An employed assistant assigned to a client."""
    a = f.assistant(db, actor, name=name)
    f.employment(db, actor, a.ref, start_date="2020-01-01", **({"end_date": employment_end} if employment_end else {}))
    f.assignment(db, actor, a.ref, client_ref, start_date=start, **({"end_date": end} if end else {}))
    return a


def course(
    db: Database,
    actor: Actor,
    name: str,
    kind: str = "assistant_training",
    hours: float = 6,
    validity: int | None = None,
    organiser: str = "Uloba",
):
    data = {"name": name, "kind": kind, "hours": hours, "organiser": organiser}
    if validity:
        data["validity_months"] = validity
    return courses.create_course(db, actor, data)


def complete(
    db: Database,
    actor: Actor,
    course_row,
    person_ref: str,
    on: str,
    *,
    client: str | None = None,
    status: str = "completed",
    cert: str = "",
) -> None:
    """Plan a one-day course date, enroll one person and record the outcome."""
    cs = courses.create_session(db, actor, course_row.id, {"starts_on": on})
    course_enrollment.enroll(db, actor, cs.id, [person_ref], client=client)
    course_enrollment.record_session_outcomes(db, actor, cs.id, [person_ref], status, on, cert)


def audit_rows(db: Database, **where) -> list[AuditEvent]:
    with db.read() as s:
        q = select(AuditEvent).order_by(AuditEvent.id)
        for k, v in where.items():
            q = q.where(getattr(AuditEvent, k) == v)
        return list(s.execute(q).scalars())


def count(db: Database, model) -> int:
    with db.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def sup_actor(sup, login: str = "siri") -> Actor:
    """The Actor of a supervisor user (scope filled in by the services)."""
    return Actor(login=login, role="supervisor", supervisor_id=sup.id)


TODAY = date(2026, 11, 25)


def fixed_dataset(db: Database, actor: Actor) -> None:
    """The reports' fixed dataset, looked at on 15 June 2026 (expected numbers in test_reports.py).

    K-0001: S-0001 since 1 Jan (basic course done 10 Feb, the rest of the checklist late);
            A-0001 (review held 20 Jan), A-0002 (first review due 1 Jun), A-0004 (from 1 Mar).
    K-0002: S-0002 since 1 Jun; A-0003 (from 1 Jan), A-0004 (from 1 Mar), A-0005 (ended 31 May).
    """
    from bpa_provider.services import onboarding, reviews

    f.municipality(db, actor)
    f.client(db, actor)
    f.client(db, actor, name="Ola Nordmann")
    s1 = supervisor(db, actor, "K-0001", since="2026-01-01", name="Siri Sup")
    s2 = supervisor(db, actor, "K-0002", since="2026-06-01", name="Sander Sup")
    onboarding.start_onboarding(db, actor, s1.ref, "K-0001")
    onboarding.start_onboarding(db, actor, s2.ref, "K-0002")
    a1 = staff(db, actor, "K-0001", start="2025-01-10", name="Anna")
    a2 = staff(db, actor, "K-0001", start="2025-12-01", name="Bo")
    a3 = staff(db, actor, "K-0002", start="2026-01-01", name="Cato")
    a4 = staff(db, actor, "K-0002", start="2026-03-01", name="Dina")
    f.assignment(db, actor, a4.ref, "K-0001", start_date="2026-03-01")
    staff(db, actor, "K-0002", start="2025-06-01", end="2026-05-31", name="Eli")
    reviews.record_review(db, actor, a1.ref, "K-0001", "2026-01-20", summary="ok")
    basic = course(db, actor, "Arbeidslederkurs", kind="supervisor_basic", hours=12)
    first_aid = course(db, actor, "Førstehjelp", hours=6, organiser="Røde Kors")
    lifting = course(db, actor, "Løfteteknikk", hours=4)
    complete(db, actor, basic, s1.ref, "2026-02-10", cert="AL-1")
    complete(db, actor, first_aid, a1.ref, "2025-11-01")  # last year: not in 2026's report
    cs = courses.create_session(db, actor, first_aid.id, {"starts_on": "2026-03-05", "capacity": 10})
    course_enrollment.enroll(db, actor, cs.id, [a1.ref, a2.ref, a3.ref])
    course_enrollment.record_session_outcomes(db, actor, cs.id, [a1.ref, a3.ref], "completed", "2026-03-05")
    course_enrollment.record_session_outcomes(db, actor, cs.id, [a2.ref], "no_show")
    complete(db, actor, lifting, a4.ref, "2026-04-01")  # two clients: counts for both
