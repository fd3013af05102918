"""The stored expiry of the latest completions (`credential_expiry`, services/course_expiry.py)
equals the rule computed from scratch after every path that writes completions or courses: the
demo company's bulk insert, an enrollment's outcome (one, or a session's), a course's validity
or kind changed, a completion brought by a handover, and migration 0013d's fill. Each path
test failed before its write path kept the table. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bpa_provider.db.models import Assistant, Course, CourseEnrollment, CourseSession, CredentialExpiry
from bpa_provider.services import course_enrollment, course_expiry, courses

TODAY = date(2026, 5, 14)


@pytest.fixture
def demo(db, admin):
    from bpa_provider.demo import load_demo

    load_demo(db, admin, seed=7, clients=6, assistants=18, months=4, today=TODAY)
    return db


def _held(db) -> None:
    """The table equals the rule, and holds rows (so the comparison is about something)."""
    with db.read() as s:
        stored, expected = course_expiry.stored_rows(s), course_expiry.expected_rows(s)
    assert stored == expected
    assert stored


def test_the_demo_company_has_the_rows_of_the_rule(demo):
    _held(demo)


def _an_enrollment(db, status: str, supervisor: bool = False) -> CourseEnrollment:
    with db.read() as s:
        q = select(CourseEnrollment).where(CourseEnrollment.status == status).order_by(CourseEnrollment.id)
        q = q.where(
            CourseEnrollment.supervisor_id.is_not(None) if supervisor else CourseEnrollment.assistant_id.is_not(None)
        )
        row = s.execute(q).scalars().first()
        assert row is not None
        s.expunge(row)
        return row


def test_an_outcome_recorded_keeps_the_table(demo, admin):
    waiting = _an_enrollment(demo, "enrolled")
    with demo.read() as s:
        starts = s.execute(select(CourseSession.starts_on).where(CourseSession.id == waiting.session_id)).scalar()
    # A completion later than the person's others: it becomes their latest of that course.
    course_enrollment.record_outcome(demo, admin, waiting.id, "completed", max(starts or TODAY, TODAY))
    _held(demo)
    with demo.read() as s:
        assert s.get(CredentialExpiry, waiting.id) is not None or (
            s.execute(select(Course.validity_months).where(Course.id == waiting.course_id)).scalar() is None
        )
    # Taken back (a no-show): the person's earlier completion, if any, is the latest again.
    course_enrollment.record_outcome(demo, admin, waiting.id, "no_show")
    _held(demo)
    done = _an_enrollment(demo, "completed")
    course_enrollment.record_outcome(demo, admin, done.id, "no_show")
    _held(demo)


def test_a_sessions_outcomes_keep_the_table(demo, admin):
    done = _an_enrollment(demo, "completed")
    assert done.session_id is not None
    with demo.read() as s:
        people = s.execute(
            select(Assistant.ref)
            .join(CourseEnrollment, CourseEnrollment.assistant_id == Assistant.id)
            .where(CourseEnrollment.session_id == done.session_id)
        ).scalars()
        refs = sorted(people)
    course_enrollment.record_session_outcomes(demo, admin, done.session_id, refs, "no_show")
    _held(demo)


@pytest.mark.parametrize("change", [{"validity_months": 1}, {"validity_months": ""}, {"kind": "supervisor_refresher"}])
def test_a_course_changed_keeps_the_table(demo, admin, change):
    done = _an_enrollment(demo, "completed", supervisor="kind" in change)
    with demo.read() as s:
        course = s.get(Course, done.course_id)
        assert course is not None
        version = course.version
    if "kind" in change and course.kind == "supervisor_refresher":
        change = {"kind": "supervisor_basic"}
    courses.update_course(demo, admin, done.course_id, version, change)
    _held(demo)


def test_a_completion_from_a_handover_keeps_the_table(demo, admin):
    from bpa_provider.services import handover_apply

    done = _an_enrollment(demo, "completed")
    with demo.read() as s:
        course = s.get(Course, done.course_id)
        assert course is not None
        name = course.name
    later = (done.completed_on or TODAY) + timedelta(days=3)
    with demo.write() as s:
        handover_apply._ensure_courses(
            s,
            admin,
            [{"name": name, "organiser": "", "kind": "assistant_training", "hours": 4, "completed_on": str(later)}],
            "Old Provider AS",
            "A-1",
            assistant_id=done.assistant_id or 0,
        )
    _held(demo)
    with demo.read() as s:
        newest = s.execute(select(CourseEnrollment.id).order_by(CourseEnrollment.id.desc())).scalar()
        assert newest is not None and (s.get(CredentialExpiry, newest) is not None) == (
            course.validity_months is not None
        )


def test_the_migration_fills_the_table_by_the_rule(tmp_path, admin):
    """Down to 0012d (the table dropped) and up again: the migration's fill is the rule's rows."""
    from bpa_provider.db import migrate
    from bpa_provider.db.engine import Database, make_engine
    from bpa_provider.demo import load_demo

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    migrate.upgrade(engine)
    db = Database(engine)
    load_demo(db, admin, seed=3, clients=6, assistants=18, months=4, today=TODAY)
    with db.read() as s:
        before = course_expiry.stored_rows(s)
    migrate.downgrade(engine, "0012d")
    migrate.upgrade(engine)
    _held(db)
    with db.read() as s:
        assert course_expiry.stored_rows(s) == before
    db.dispose()


def test_two_writers_of_one_persons_completions_at_once_leave_the_rule(demo):
    """PostgreSQL: a second writer of the same person's completions waits for the first (the
    person's row is locked) and then rewrites from both; without the lock it kept the first one's
    row beside its own, two latest completions of one credential."""
    import threading
    import time

    if demo.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    done = _an_enrollment(demo, "completed")
    with demo.write() as s:
        later = [
            CourseEnrollment(course_id=done.course_id, assistant_id=done.assistant_id, status="enrolled")
            for _ in range(2)
        ]
        s.add_all(later)
        s.flush()
        first, second = (e.id for e in later)
    person = [("assistant", done.assistant_id or 0)]

    def complete(eid: int, on: date) -> None:
        with demo.write() as s:
            row = s.get(CourseEnrollment, eid)
            assert row is not None
            row.status, row.completed_on = "completed", on
            course_expiry.refresh(s, person)

    t0 = (done.completed_on or TODAY) + timedelta(days=10)
    other = threading.Thread(target=complete, args=(second, t0 + timedelta(days=5)))
    with demo.write() as s:
        row = s.get(CourseEnrollment, first)
        assert row is not None
        row.status, row.completed_on = "completed", t0
        course_expiry.refresh(s, person)
        other.start()
        time.sleep(0.5)  # the other writer computes and rewrites meanwhile, or waits
    other.join(10)
    _held(demo)
