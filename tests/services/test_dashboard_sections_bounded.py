"""Session 11: the dashboard sections that still read the company to show a few rows now read what
they show (issue 19). Courses expiring counts its range from the stored person beside each expiry
(migration 0015s) and stays the service's list, first rows and count, after the writes that change
who is current, for an admin and a supervisor, on SQLite and PostgreSQL; credentials missing no
longer walks every assistant when everybody is employed, and still finds one who is not."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import event, select, update

from bpa_provider.access import Actor
from bpa_provider.db.models import Employment, Supervision
from bpa_provider.services import course_credentials, dashboard_reads, worktime
from bpa_provider.services.base import scoped_actor
from bpa_provider.services.counted import Counted

TODAY = date(2026, 5, 14)


@pytest.fixture
def demo(db, admin):
    from bpa_provider.demo import load_demo

    load_demo(db, admin, seed=5, clients=8, assistants=24, months=4, today=TODAY)
    return db


def _statements(db, run, marker: str) -> list[tuple[str, object]]:
    """The statements `run()` sends that mention `marker`, with their parameters."""
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if marker in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    return seen


def _outer(statement: str) -> str:
    """The statement without its parenthesised subqueries."""
    out, depth = [], 0
    for i, ch in enumerate(statement):
        if depth == 0 and statement.startswith("(SELECT", i):
            depth = 1
            continue
        if depth:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            continue
        out.append(ch)
    return "".join(out)


def _plan(db, statement: str, parameters: object) -> str:
    with db.read() as s:
        return " ".join(
            str(r[-1]) for r in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        )


def _check_limited_equal_the_service(db, actors, days) -> int:
    cut = 0
    for actor in actors:
        for today in days:
            whole = course_credentials.expiring_credentials(db, actor, today)
            for limit in (0, 1, 4, 50):
                first = dashboard_reads.expiring_credentials(db, actor, today, limit=limit)
                assert isinstance(first, Counted)
                assert (list(first), first.total) == (whole[:limit], len(whole)), (actor.role, today, limit)
                cut += len(whole) > limit
    return cut


def test_courses_expiring_counted_from_the_stored_person_equal_the_service_after_people_leave(demo, admin):
    """The count and the rows shown, with each row's currency and scope asked of the stored person,
    equal the service's list worked out from the enrollments — before and after an assistant's
    employments and a supervisor's supervisions end (the writes that change who counts)."""
    with demo.read() as s:
        sup_id = s.execute(select(Supervision.supervisor_id).order_by(Supervision.id)).scalars().first()
        assts = s.execute(select(Employment.assistant_id).order_by(Employment.id)).scalars().all()
    supervisor = scoped_actor(demo, Actor("sup", "supervisor", supervisor_id=sup_id))
    days = [TODAY + timedelta(days=d) for d in (0, 200, 400, 700)]
    cut = _check_limited_equal_the_service(demo, (admin, supervisor), days)
    later = TODAY + timedelta(days=400)
    before = dashboard_reads.expiring_credentials(demo, admin, later, limit=1).total
    shown = course_credentials.expiring_credentials(demo, admin, later)
    leaving = [c.person_id for c in shown if c.person_kind == "assistant"][::2]
    with demo.write() as s:
        s.execute(update(Employment).where(Employment.assistant_id.in_([*leaving, *assts[::5]])).values(end_date=TODAY))
        s.execute(update(Supervision).where(Supervision.supervisor_id == sup_id).values(until=TODAY))
    cut += _check_limited_equal_the_service(demo, (admin, supervisor), days)
    assert cut > 10  # the limits cut real lists
    # The writes took people out of the count (they are not current after TODAY).
    assert dashboard_reads.expiring_credentials(demo, admin, later, limit=1).total < before


def test_courses_expiring_cut_within_a_days_ties_at_every_limit(demo, admin):
    """Completions of one course day expire together: the rows shown are cut inside such a group
    by the person's reference, the course and the enrollment, in SQL for the group on the last
    expiry shown — equal to the service's first rows at every limit, for an admin and a
    supervisor (on PostgreSQL the references compared with "C", code point by code point)."""
    with demo.read() as s:
        sup_id = s.execute(select(Supervision.supervisor_id).order_by(Supervision.id)).scalars().first()
    supervisor = scoped_actor(demo, Actor("sup", "supervisor", supervisor_id=sup_id))
    today = TODAY + timedelta(days=1100)  # everything completed before has expired by then
    for actor in (admin, supervisor):
        whole = course_credentials.expiring_credentials(demo, actor, today)
        for limit in range(len(whole) + 2):
            first = dashboard_reads.expiring_credentials(demo, actor, today, limit=limit)
            assert (list(first), first.total) == (whole[:limit], len(whole)), (actor.role, limit)
    whole = course_credentials.expiring_credentials(demo, admin, today)
    assert len({c.expires_on for c in whole}) < len(whole) - 3  # days shared by several
    if demo.engine.dialect.name == "postgresql":
        seen = _statements(demo, lambda: dashboard_reads.expiring_credentials(demo, admin, today, limit=2), "ORDER BY")
        assert any('COLLATE "C"' in st for st, _p in seen), seen


def test_courses_expiring_count_reads_no_enrollment(demo, admin):
    """The count and the last expiry shown are a range of `ix_credential_expiry_expires` with the
    person from the index: neither statement reads `course_enrollment` (before, the count joined
    each row's enrollment and course: 3,583 enrollments read at a large provider)."""
    if demo.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    seen = _statements(
        demo,
        lambda: dashboard_reads.expiring_credentials(demo, admin, TODAY + timedelta(days=400), limit=3),
        "credential_expiry",
    )
    counting = [(st, p) for st, p in seen if "course_enrollment" not in st.split("WHERE")[0]]
    assert len(counting) == 2, [st[:80] for st, _p in seen]  # the count and the last expiry shown
    for statement, parameters in counting:
        plan = _plan(demo, statement, parameters)
        assert "COVERING INDEX ix_credential_expiry_expires" in plan and "course_enrollment" not in plan, plan
        # Each person's employment asked of its index alone (`EXISTS (SELECT 1 …)`: with
        # `SELECT *` SQLite read each employment row).
        assert "COVERING INDEX ix_employment_assistant_end" in plan, plan


def test_credentials_missing_walk_no_assistant_when_everyone_is_employed(demo, admin):
    """With every assistant employed no statement of the section scans the assistants (before, the
    ones without an employment were looked for among all of them: 12,000 probes at a large
    provider); one without an employment is still found, their shift in the next days."""
    from bpa_provider.db.models import Assistant, Shift

    if demo.engine.dialect.name == "sqlite":
        seen = _statements(demo, lambda: worktime.missing_credentials(demo, admin, TODAY), "SELECT")
        # Beside the two counts (of assistants, of those employed: a count over an index each).
        plans = [_plan(demo, st, p) for st, p in seen if not st.startswith("SELECT count(")]
        assert len(plans) < len(seen) and not any("SCAN assistant" in plan for plan in plans), plans
    with demo.write() as s:
        loner = Assistant(ref="A-LONE", name="Ola Alene", national_id="", country="no")
        s.add(loner)
        s.flush()
        shift = s.execute(
            select(Shift)
            .where(
                Shift.start_utc >= datetime.combine(TODAY + timedelta(days=2), time(), tzinfo=UTC),
                Shift.status == "planned",
            )
            .order_by(Shift.start_utc)
            .limit(1)
        ).scalar_one()
        shift.assistant_id = loner.id
        loner_id = loner.id
    assert loner_id in {g.assistant_id for g in worktime.missing_credentials(demo, admin, TODAY)}


def test_reviews_due_and_courses_expiring_bound_their_range_once(demo, admin):
    """Cut at the rows shown, each statement of reviews due and of courses expiring bounds the
    indexed date from above once: the last row shown's in place of the window's or the
    reminders', not beside it (given both, SQLite ranged the index by the first and checked the
    second on each entry — the 8,013 reviews due and 3,583 expiries at a large provider walked
    to read 50). The rows stay the whole list's first ones."""
    import re

    from bpa_provider.services import reviews

    def cut(service, column: str) -> None:
        today, whole = next(
            (day, rows)
            for day in (TODAY + timedelta(days=d) for d in range(0, 1500, 30))
            if len(rows := service(demo, admin, day)) > 3
        )
        seen = _statements(demo, lambda: service(demo, admin, today, limit=3), column)
        assert seen
        for statement, _p in seen:
            # The statement's own WHERE (its subqueries left out) bounds the column once from
            # above (the first rows' `< edge OR tied` is no range: one of its terms cannot be).
            assert len(re.findall(re.escape(column) + r" <= ", _outer(statement))) <= 1, statement
        first = service(demo, admin, today, limit=3)
        assert (list(first), first.total) == (whole[:3], len(whole))

    cut(reviews.due_reviews, "review_due.next_due")
    cut(dashboard_reads.expiring_credentials, "credential_expiry.expires_on")


def test_decisions_ending_count_reads_no_decision_row(demo, admin):
    """The decisions ending are counted from two indexes alone: the range of end dates with each
    decision's client (`ix_decision_valid_to_client`, migration 0016g) and whether a later one
    follows (`ix_decision_client_period`, asked `EXISTS (SELECT 1 …)`) — before, each decision's
    row was read for its client, and the later one's for `SELECT *` (1,901 at a large provider)."""
    from bpa_provider.services import dashboard

    if demo.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    seen = _statements(demo, lambda: dashboard.decisions_ending(demo, admin, TODAY, 400, 2), "SELECT count(")
    assert len(seen) == 1
    plan = _plan(demo, *seen[0])
    assert "COVERING INDEX ix_decision_valid_to_client" in plan, plan
    assert "COVERING INDEX ix_decision_client_period" in plan, plan
