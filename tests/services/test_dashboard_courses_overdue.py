"""The dashboard's courses overdue (services/dashboard_onboarding.py) reads what it shows, no more
(issue 19): its statements built once, a pair without a checklist judged by its stored reason (no
course looked up again), SQLite's open steps' range read only as far as the basic courses shown,
the dashboard's policy followed — and still the rows of `onboarding.onboarding_overdue`, on
SQLite and PostgreSQL (tests/services/test_dashboard_reads.py holds the rest)."""

from __future__ import annotations

from datetime import date, timedelta

import factories as f
import pytest
from sqlalchemy import select

from bpa_provider.access import Actor
from bpa_provider.db.models import Supervision
from bpa_provider.services import dashboard
from bpa_provider.services.base import scoped_actor

TODAY = date(2026, 5, 14)


@pytest.fixture
def demo(db, admin):
    from bpa_provider.demo import load_demo

    load_demo(db, admin, seed=5, clients=8, assistants=24, months=4, today=TODAY)
    return db


def test_courses_overdue_statements_built_once(demo, admin, monkeypatch):
    """The section's statements are built on the first visit only, the day and the reader's scope
    given as parameters (issue 19: built on each visit they cost ≈ 1 ms of Python, more than the
    database's work): later visits, on other days and for a supervisor, build no query of the
    current supervisions — and still give the service's rows."""
    from bpa_provider.services import dashboard_onboarding, onboarding

    with demo.read() as s:
        sup_id = s.execute(select(Supervision.supervisor_id).order_by(Supervision.id)).scalars().first()
    supervisor = scoped_actor(demo, Actor("sup", "supervisor", supervisor_id=sup_id))
    for actor in (admin, supervisor):
        dashboard_onboarding.onboarding_overdue(demo, actor, TODAY, limit=1)  # built for each kind of reader
    built: list[date] = []
    real = dashboard_onboarding.current_supervisions

    def counted(today):  # noqa: ANN001, ANN202
        built.append(today)
        return real(today)

    monkeypatch.setattr(dashboard_onboarding, "current_supervisions", counted)
    seen = 0
    for days in (0, 120, 400):
        today = TODAY + timedelta(days=days)
        for actor in (admin, supervisor):
            plain = onboarding.onboarding_overdue(demo, actor, today)
            first = dashboard_onboarding.onboarding_overdue(demo, actor, today, limit=2)
            assert (list(first), first.total) == (plain[:2], len(plain)), (today, actor.role)
            assert dashboard_onboarding.onboarding_overdue(demo, actor, today) == plain
            seen += len(plain)
    assert seen > 2
    assert built == []


def test_courses_overdue_read_the_open_steps_only_as_far_as_the_basic_courses_shown(demo, admin, monkeypatch):
    """SQLite reads the basic course's range first; when it holds the pairs shown, the open steps'
    range is read only as far as the last of their deadlines (issue 19: at a large provider the
    first 50 were all basic courses, and 60 open steps' rows were read for none of them) — and the
    rows are still the service's, on every day and limit."""
    if demo.dialect != "sqlite":
        pytest.skip("SQLite's two ranges (PostgreSQL reads both in one statement)")
    from bpa_provider.services import dashboard_onboarding, onboarding

    f.half_without_checklist(demo)
    read: list[tuple[int, list]] = []
    real = dashboard_onboarding._rows_of

    def kept(s, statement, params):  # noqa: ANN001, ANN202
        rows = real(s, statement, params)
        read.append((id(statement), rows))
        return rows

    monkeypatch.setattr(dashboard_onboarding, "_rows_of", kept)
    opened = id(dashboard_onboarding._statements("sqlite", False).opened)
    bounded = 0
    for days in (0, 60, 120, 400):
        today = TODAY + timedelta(days=days)
        plain = onboarding.onboarding_overdue(demo, admin, today)
        for limit in range(1, len(plain)):
            read.clear()
            first = dashboard_onboarding.onboarding_overdue(demo, admin, today, limit=limit)
            assert (list(first), first.total) == (plain[:limit], len(plain)), (today, limit)
            basic_shown = [o.next_deadline for o in plain[:limit] if not o.steps_total]
            # Every pair shown a basic course, a checklist's overdue after them: read no open step
            # past the last deadline shown (an unbounded range read the latter).
            if len(basic_shown) == limit and any(o.steps_total for o in plain[limit:]):
                ranges = [rows for statement, rows in read if statement == opened]
                assert ranges and all(r[6] <= basic_shown[-1] for rows in ranges for r in rows), (today, limit)
                bounded += 1
    assert bounded > 2


def test_courses_overdue_trust_the_stored_reason_for_the_basic_course(demo, admin):
    """A pair without a checklist is overdue by its stored reason alone — the supervisor has done
    no basic course, kept on every commit (services/onboarding_due.py) and counted from the same
    rows — so the section reads no course enrollment and no checklist of such a pair; and a basic
    course completed takes the pair off the list, its count and its rows."""
    from sqlalchemy import event

    from bpa_provider.db.models import Course, CourseEnrollment, OnboardingStep
    from bpa_provider.services import dashboard_onboarding, onboarding

    with demo.write() as s:
        first = s.execute(select(Supervision).order_by(Supervision.id)).scalars().first()
        assert first is not None
        for st in s.execute(
            select(OnboardingStep).where(OnboardingStep.supervisor_id == first.supervisor_id)
        ).scalars():
            s.delete(st)  # no checklist: the basic course's deadline decides
        for e in s.execute(select(CourseEnrollment).where(CourseEnrollment.supervisor_id == first.supervisor_id)):
            s.delete(e[0])
    today = TODAY + timedelta(days=400)
    seen: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        seen.append(statement)

    event.listen(demo.engine, "before_cursor_execute", keep)
    try:
        lean = dashboard_onboarding.onboarding_overdue(demo, admin, today, limit=50)
    finally:
        event.remove(demo.engine, "before_cursor_execute", keep)
    plain = onboarding.onboarding_overdue(demo, admin, today)
    assert (list(lean), lean.total) == (plain[:50], len(plain))
    assert any(o.supervisor_id == first.supervisor_id and not o.steps_total for o in plain)
    assert not any("course_enrollment" in st for st in seen), seen
    with demo.write() as s:  # the basic course completed: off the list
        course = s.execute(select(Course).where(Course.kind == "supervisor_basic")).scalars().first()
        assert course is not None
        s.add(
            CourseEnrollment(
                course_id=course.id, supervisor_id=first.supervisor_id, status="completed", completed_on=TODAY
            )
        )
    plain = onboarding.onboarding_overdue(demo, admin, today)
    lean = dashboard_onboarding.onboarding_overdue(demo, admin, today, limit=50)
    assert (list(lean), lean.total) == (plain[:50], len(plain))
    assert not any(o.supervisor_id == first.supervisor_id and not o.steps_total for o in plain)


def test_courses_overdue_follow_the_dashboards_policy(demo, admin):
    """The section judges the basic course's deadline by the policy the dashboard is given (the
    app's settings), as every other section does — not by the settings read again on each visit."""
    from bpa_provider.config import Policy
    from bpa_provider.services import onboarding

    today = TODAY + timedelta(days=120)
    shown = {}
    for days in (30, 900):
        policy = Policy(basic_course_within_days=days)
        section = dashboard.gather_section(demo, admin, today, dashboard.COURSES_OVERDUE, policy, 50)
        plain = onboarding.onboarding_overdue(demo, admin, today, policy=policy)
        assert [(i.record_id, i.client_id, i.when) for i in section.items] == [
            (o.supervisor_id, o.client_id, o.next_deadline) for o in plain[:50]
        ]
        assert section.total == len(plain)
        shown[days] = section.total
    assert shown[30] != shown[900]
