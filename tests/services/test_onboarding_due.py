"""The stored reasons a supervision may be overdue (`onboarding_due`, services/onboarding_due.py)
equal the rule computed from scratch after every path that writes supervisions, checklist steps,
course enrollments or a course's kind: the demo company's bulk insert, a checklist started, a step
ticked, a basic course completed, a supervision added or ended or moved, steps deleted, a course's
kind changed, a transaction rolled back, and migration 0015s's fill. After each, the dashboard's
"courses overdue" read from the table (whole, and its first rows with the count) equals
`onboarding.onboarding_overdue`, for an admin and a supervisor; ties on the last deadline shown
are cut in the references' code-point order, as Python sorts them. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from bpa_provider.access import Actor
from bpa_provider.db.models import Course, CourseEnrollment, OnboardingStep, Supervision, Supervisor
from bpa_provider.services import dashboard_onboarding, onboarding, onboarding_due
from bpa_provider.services.base import scoped_actor
from bpa_provider.services.counted import Counted
from bpa_provider.services.onboarding_template import BASIC_COURSE

TODAY = date(2026, 5, 14)


@pytest.fixture
def demo(db, admin):
    from bpa_provider.demo import load_demo

    load_demo(db, admin, seed=7, clients=8, assistants=18, months=4, today=TODAY)
    return db


def _held(db, admin) -> int:
    """The table equals the rule and holds rows; the lean read equals the service on several
    days, whole and cut at every limit up to past its end. How many overdue were compared."""
    with db.read() as s:
        stored, expected = onboarding_due.stored_rows(s), onboarding_due.expected_rows(s)
        sup_id = s.execute(select(Supervision.supervisor_id).order_by(Supervision.id)).scalars().first()
    assert stored == expected
    assert stored
    seen = 0
    for actor in (admin, scoped_actor(db, Actor("sup", "supervisor", supervisor_id=sup_id))):
        for days in (-30, 0, 60, 120, 400):
            today = TODAY + timedelta(days=days)
            plain = onboarding.onboarding_overdue(db, actor, today)
            assert dashboard_onboarding.onboarding_overdue(db, actor, today) == plain, (today, actor.role)
            for limit in range(len(plain) + 2):
                first = dashboard_onboarding.onboarding_overdue(db, actor, today, limit=limit)
                assert isinstance(first, Counted)
                assert (list(first), first.total) == (plain[:limit], len(plain)), (today, actor.role, limit)
            seen += len(plain)
    return seen


def test_the_basic_course_constant_is_the_templates():
    assert onboarding_due.BASIC_COURSE == BASIC_COURSE


def test_the_demo_company_has_the_rows_of_the_rule(demo, admin):
    assert _held(demo, admin) > 3


def test_checklists_steps_and_courses_written_keep_the_table(demo, admin):
    with demo.read() as s:
        pairs = s.execute(select(Supervision.supervisor_id, Supervision.client_id).order_by(Supervision.id)).all()
        with_steps = set(s.execute(select(OnboardingStep.supervisor_id, OnboardingStep.client_id)).all())
    bare = [p for p in pairs if tuple(p) not in with_steps]
    assert bare, "the demo has a supervision without a checklist"
    # A checklist started for a supervision that had none: judged by its steps from now on.
    onboarding.start_onboarding(demo, admin, bare[0][0], bare[0][1], TODAY - timedelta(days=200))
    _held(demo, admin)
    # A step ticked (the first open one), and the basic course ticked by hand.
    with demo.read() as s:
        step = (
            s.execute(select(OnboardingStep).where(OnboardingStep.done_on.is_(None)).order_by(OnboardingStep.due_date))
            .scalars()
            .first()
        )
        assert step is not None
        sup, client, code = step.supervisor_id, step.client_id, step.code
    onboarding.complete_step(demo, admin, sup, code, client=client, on=TODAY - timedelta(days=1))
    _held(demo, admin)
    # A supervisor's basic course completed as an enrollment: their pairs without a checklist drop.
    with demo.write() as s:
        basic = s.execute(select(Course).where(Course.kind == "supervisor_basic")).scalars().first()
        assert basic is not None
        target = bare[-1][0]
        s.add(
            CourseEnrollment(
                course_id=basic.id, supervisor_id=target, status="completed", completed_on=TODAY - timedelta(days=3)
            )
        )
    _held(demo, admin)
    # Steps deleted (a checklist gone), and a course's kind changed (every supervisor rewritten).
    with demo.write() as s:
        for st in s.execute(
            select(OnboardingStep).where(OnboardingStep.supervisor_id == sup, OnboardingStep.client_id == client)
        ).scalars():
            s.delete(st)
    _held(demo, admin)
    with demo.write() as s:
        course = s.execute(select(Course).where(Course.kind == "supervisor_basic")).scalars().first()
        assert course is not None
        course.kind = "other"
    _held(demo, admin)


def test_supervisions_written_keep_the_table(demo, admin):
    with demo.write() as s:
        first = s.execute(select(Supervision).order_by(Supervision.id)).scalars().first()
        assert first is not None
        sup_id, client_id = first.supervisor_id, first.client_id
        # A second, later supervision of the same pair, and the first one ended.
        s.add(
            Supervision(supervisor_id=sup_id, client_id=client_id, relation="parent", since=TODAY - timedelta(days=95))
        )
        first.until = TODAY + timedelta(days=30)
    _held(demo, admin)
    with demo.write() as s:
        other = s.execute(select(Supervisor.id).where(Supervisor.id != sup_id).order_by(Supervisor.id)).scalar()
        moved = s.execute(select(Supervision).where(Supervision.supervisor_id == sup_id)).scalars().first()
        assert moved is not None and other is not None
        moved.supervisor_id = other  # moved to another supervisor: both are rewritten
    _held(demo, admin)
    with demo.write() as s:
        gone = s.execute(select(Supervision).order_by(Supervision.id.desc())).scalars().first()
        s.delete(gone)
    _held(demo, admin)


def test_a_rolled_back_write_leaves_the_table(demo, admin):
    with demo.read() as s:
        before = onboarding_due.stored_rows(s)
    with pytest.raises(RuntimeError), demo.write() as s:
        for st in s.execute(select(OnboardingStep)).scalars():
            st.done_on = TODAY
        s.flush()
        raise RuntimeError("abandoned")
    with demo.read() as s:
        assert onboarding_due.stored_rows(s) == before


@pytest.mark.parametrize("whole_sort", [False, True], ids=["ranges", "one statement"])
def test_ties_on_the_last_deadline_shown_are_cut_in_code_point_order(demo, admin, monkeypatch, whole_sort):
    """Supervisions begun the same day without a checklist or a basic course share a deadline; the
    first rows shown cut them by the supervisor's reference as Python orders it (uppercase before
    lowercase, "Å" after both) — PostgreSQL's locale order would put "a-1" before "B-2". Both
    ways of picking them: the two reasons' ranges merged in Python, and (when those stop short)
    every overdue pair sorted by one statement, in the "C" collation on PostgreSQL."""
    if whole_sort:
        monkeypatch.setattr(
            dashboard_onboarding,
            "_first_rows",
            lambda s, q, reasons, days, limit: dashboard_onboarding._all_first_rows(s, q(), days, limit),
        )
    with demo.write() as s:
        client_id = s.execute(select(Supervision.client_id).order_by(Supervision.id)).scalar()
        for ref in ("b-1", "Å-3", "a-1", "B-2", "C-0"):
            sup = Supervisor(ref=ref, name=f"Tie {ref}", phone="", email="")
            s.add(sup)
            s.flush()
            s.add(
                Supervision(
                    supervisor_id=sup.id, client_id=client_id, relation="parent", since=TODAY - timedelta(days=300)
                )
            )
    assert _held(demo, admin) > 5
    whole = onboarding.onboarding_overdue(demo, admin, TODAY)
    tied = [o.supervisor_ref for o in whole if o.name.startswith("Tie ")]
    assert tied == ["B-2", "C-0", "a-1", "b-1", "Å-3"]
    cut = next(i for i, o in enumerate(whole) if o.supervisor_ref == "a-1")
    seen: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(demo.engine, "before_cursor_execute", keep)
    try:
        first = dashboard_onboarding.onboarding_overdue(demo, admin, TODAY, limit=cut + 1)
    finally:
        event.remove(demo.engine, "before_cursor_execute", keep)
    assert [o.supervisor_ref for o in first][-1] == "a-1"
    if demo.engine.dialect.name == "postgresql" and whole_sort:  # the test cluster's own order is "C" already
        assert any('COLLATE "C"' in st for st in seen), seen


def test_the_migration_fills_the_rule(tmp_path, admin):
    """Down to 0014r (the table dropped) and up again: the migration's fill is the rule's rows."""
    from bpa_provider.db import migrate
    from bpa_provider.db.engine import Database, make_engine
    from bpa_provider.demo import load_demo

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    migrate.upgrade(engine)
    db = Database(engine)
    load_demo(db, admin, seed=3, clients=8, assistants=18, months=4, today=TODAY)
    with db.write() as s:  # a basic course ticked by hand, so that rule's branch is filled too
        step = s.execute(select(OnboardingStep).where(OnboardingStep.code == BASIC_COURSE)).scalars().first()
        assert step is not None
        step.done_on = TODAY
    with db.read() as s:
        before = onboarding_due.stored_rows(s)
    assert before
    migrate.downgrade(engine, "0014r")
    migrate.upgrade(engine)
    with db.read() as s:
        assert onboarding_due.stored_rows(s) == before == onboarding_due.expected_rows(s)
    db.dispose()
