"""The dashboard's lean reads give what the owning services give (issue 19): the expiring course
credentials read from their stored expiry (services/dashboard_reads.py) equal `course_credentials.
expiring_credentials` on a demo company, on several days, for an admin and a supervisor, on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import factories as f
import pytest
from sqlalchemy import select

from bpa_provider.access import Actor
from bpa_provider.db.models import Supervision
from bpa_provider.services import course_credentials, dashboard, dashboard_reads
from bpa_provider.services.base import scoped_actor

TODAY = date(2026, 5, 14)


@pytest.fixture
def demo(db, admin):
    from bpa_provider.demo import load_demo

    load_demo(db, admin, seed=5, clients=8, assistants=24, months=4, today=TODAY)
    return db


def test_expiring_credentials_as_rows_equal_the_service(demo, admin):
    with demo.read() as s:
        sup_id = s.execute(select(Supervision.supervisor_id).order_by(Supervision.id)).scalars().first()
    supervisor = scoped_actor(demo, Actor("sup", "supervisor", supervisor_id=sup_id))
    seen = 0
    for actor in (admin, supervisor):
        for days in (-400, -30, 0, 200, 400, 700, 1100):
            today = TODAY + timedelta(days=days)
            plain = course_credentials.expiring_credentials(demo, actor, today)
            assert dashboard_reads.expiring_credentials(demo, actor, today) == plain, (actor.role, today)
            seen += len(plain)
    assert seen > 0  # the comparison covered real rows


def test_the_dashboard_section_lists_the_services_rows(demo, admin):
    section = dashboard.gather_section(demo, admin, TODAY + timedelta(days=400), dashboard.COURSES_EXPIRING)
    plain = course_credentials.expiring_credentials(demo, admin, TODAY + timedelta(days=400))
    assert [(i.kind, i.record_id, i.when, i.detail) for i in section.items] == [
        (c.person_kind, c.person_id, c.expires_on, c.course) for c in plain
    ]
    assert section.items


def test_decisions_ending_read_as_columns_equal_a_plain_computation(demo, admin):
    """`dashboard.decisions_ending` (plain columns since issue 19) against the rule in Python over
    every decision: the period ends within the window, the client is not ended, no later decision."""
    from bpa_provider.db.models import Client, Decision
    from bpa_provider.formats import format_hours

    with demo.read() as s:
        decisions = s.execute(select(Decision)).scalars().all()
        clients = {c.id: c for c in s.execute(select(Client)).scalars()}
        s.expunge_all()
    seen = 0
    for days in (-60, 0, 30, 200, 230, 365):
        today = TODAY + timedelta(days=days)
        expected = sorted(
            (
                (d.client_id, clients[d.client_id].ref, clients[d.client_id].name, d.valid_to, format_hours(d.hours))
                for d in decisions
                if d.valid_to is not None
                and today <= d.valid_to <= today + timedelta(days=60)
                and clients[d.client_id].status != "ended"
                and not any(o.client_id == d.client_id and o.valid_from > d.valid_to for o in decisions)
            ),
            key=lambda r: (r[3], r[1]),
        )
        got = dashboard.decisions_ending(demo, admin, today, 60)
        assert [(i.record_id, i.ref, i.name, i.when, i.detail.split(" h/")[0]) for i in got] == expected
        seen += len(got)
    assert seen > 0


def test_courses_expiring_are_a_range_of_the_stored_expiry(demo, admin):
    """The lean read takes the stored expiry (`credential_expiry`, migration 0013d) through its
    index — a row set wrong there shows through, so the section costs what it shows."""
    from bpa_provider.db.models import CredentialExpiry

    today = TODAY + timedelta(days=400)
    shown = dashboard_reads.expiring_credentials(demo, admin, today)
    assert shown
    if demo.engine.dialect.name == "sqlite":
        with demo.read() as s:
            plan = " ".join(
                str(r[-1])
                for r in s.connection().exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT enrollment_id FROM credential_expiry WHERE expires_on <= '2027-09-01'"
                )
            )
        assert "ix_credential_expiry_expires" in plan
    with demo.write() as s:
        row = s.execute(select(CredentialExpiry).order_by(CredentialExpiry.expires_on.desc())).scalars().first()
        assert row is not None
        row.expires_on = today  # a lie: this completion would not show today by the rule
    assert len(dashboard_reads.expiring_credentials(demo, admin, today)) == len(shown) + 1


def test_a_limited_section_is_the_first_items_of_the_whole_and_counts_them_all(demo, admin):
    """The screen asks for its 50 rows (`limit`): the items are the whole section's first ones and
    `count` is the whole section's length, for every section."""
    today = TODAY + timedelta(days=200)
    longer = 0
    for key in dashboard.visible_sections(admin):
        whole = dashboard.gather_section(demo, admin, today, key)
        first = dashboard.gather_section(demo, admin, today, key, limit=2)
        assert first.items == whole.items[:2], key
        assert first.count == whole.count == len(whole.items), key
        longer += len(whole.items) > 2
    assert longer  # some section was cut


def test_missing_credentials_equal_a_plain_computation_over_every_shift(demo, admin):
    """`worktime.missing_credentials` reads only the shifts of assistants who may lack a credential
    (issue 19: 108 -> 22 ms at 100 %); a plain loop over every staffed shift and every employment
    gives the same gaps — with a certificate removed, a declaration dated later, an assistant with
    no employment at all, and a shift of nobody."""
    from sqlalchemy import update

    from bpa_provider.config import Policy
    from bpa_provider.db.models import Assistant, Client, Employment, Municipality, Shift
    from bpa_provider.rules.worktime_credentials import police_certificate_required
    from bpa_provider.services import worktime
    from bpa_provider.services.worktime_data import local_date

    today = TODAY
    soon = datetime(2026, 5, 14, tzinfo=UTC)
    with demo.write() as s:
        staffed = (
            s.execute(select(Shift.assistant_id).where(Shift.start_utc >= soon, Shift.status == "planned").distinct())
            .scalars()
            .all()
        )
        assert len(staffed) >= 3
        s.execute(update(Employment).where(Employment.assistant_id == staffed[0]).values(police_certificate_on=None))
        s.execute(
            update(Employment)
            .where(Employment.assistant_id == staffed[1])
            .values(confidentiality_on=TODAY + timedelta(days=5))
        )
        # A second employment without either credential beside one holding both (dated before
        # today): the assistant is among the employments lacking one, but never lacks one on a
        # shift (the suspects ask for no employment of theirs dated on or before today).
        held = s.execute(select(Employment).where(Employment.assistant_id == staffed[2])).scalars().first()
        assert held.police_certificate_on and held.police_certificate_on <= today
        assert held.confidentiality_on and held.confidentiality_on <= today
        s.add(Employment(assistant_id=staffed[2], start_date=today - timedelta(days=10)))
        loner = Assistant(ref="A-LONE", name="Ola Alene", national_id="", country="no")
        s.add(loner)
        s.flush()
        first = (
            s.execute(select(Shift).where(Shift.start_utc >= soon, Shift.status == "planned").order_by(Shift.start_utc))
            .scalars()
            .first()
        )
        for aid in (loner.id, None):
            s.add(
                Shift(
                    client_id=first.client_id,
                    assistant_id=aid,
                    start_utc=first.start_utc + timedelta(days=2),
                    end_utc=first.end_utc + timedelta(days=2),
                    status="planned",
                )
            )
    cutoff = Policy().police_certificate_required_from
    with demo.read() as s:
        shifts = s.execute(
            select(Shift.assistant_id, Shift.start_utc, Client.ref, Municipality.timezone, Shift.status)
            .join(Client, Client.id == Shift.client_id)
            .join(Municipality, Municipality.id == Client.municipality_id)
            .order_by(Shift.start_utc, Shift.id)
        ).all()
        jobs = s.execute(select(Employment)).scalars().all()
        people = {a.id: (a.ref, a.name) for a in s.execute(select(Assistant)).scalars()}
    expected: dict[int, tuple] = {}
    for aid, start, ref, tz, status in shifts:
        day = local_date(start, tz)
        if (
            aid is None
            or status in ("cancelled", "vacant")
            or aid in expected
            or not today <= day <= today + timedelta(days=30)
        ):
            continue
        mine = [j for j in jobs if j.assistant_id == aid]
        missing = []
        spans = [(j.start_date, j.end_date) for j in mine]
        if police_certificate_required(day, spans, cutoff) and not any(
            j.police_certificate_on and j.police_certificate_on <= day for j in mine
        ):
            missing.append("police_certificate")
        if not any(j.confidentiality_on and j.confidentiality_on <= day for j in mine):
            missing.append("confidentiality")
        if missing:
            expected[aid] = (aid, *people[aid], ref, start, tuple(missing))
    got = worktime.missing_credentials(demo, admin, today)
    assert sorted(expected.values(), key=lambda g: (g[4], g[1])) == [
        (g.assistant_id, g.assistant_ref, g.name, g.client_ref, g.shift_start, g.missing) for g in got
    ]
    assert {loner.id, staffed[1]} <= {g.assistant_id for g in got}
    assert staffed[2] not in {g.assistant_id for g in got}


def test_vacant_shifts_read_through_their_index_equal_a_plain_computation(demo, admin):
    """`vacancy.list_vacant` (the dashboard's vacant shifts) finds them through the partial index
    of vacant shifts (migration 0012d) and lists what a loop over every shift gives: status
    vacant, starting on a local day of the range in the client's zone, earliest first."""
    from sqlalchemy import text, update

    from bpa_provider.db.models import Client, Municipality, Shift
    from bpa_provider.rules.dates import to_local
    from bpa_provider.services import vacancy

    first, last = TODAY, TODAY + timedelta(days=dashboard.VACANT_WITHIN_DAYS - 1)
    with demo.write() as s:
        ids = s.execute(select(Shift.id).order_by(Shift.start_utc)).scalars().all()
        s.execute(update(Shift).where(Shift.id.in_(ids[:: max(1, len(ids) // 60)])).values(status="vacant"))
        s.execute(update(Shift).where(Shift.id == ids[-1]).values(status="vacant", assistant_id=None))
    with demo.read() as s:
        zone = dict(s.execute(select(Client.id, Municipality.timezone).join(Municipality)).all())
        refs = dict(s.execute(select(Client.id, Client.ref)).all())
        plain = [
            (sh.id, refs[sh.client_id], sh.start_utc, sh.end_utc)
            for sh in s.execute(select(Shift).order_by(Shift.start_utc, Shift.id)).scalars()
            if sh.status == "vacant" and first <= to_local(sh.start_utc, zone[sh.client_id]).date() <= last
        ]
        if demo.engine.dialect.name == "sqlite":
            plan = " ".join(
                str(r)
                for r in s.execute(
                    text(
                        "EXPLAIN QUERY PLAN SELECT id FROM shift WHERE status = 'vacant'"
                        " AND start_utc >= '2026-05-13' AND start_utc < '2026-05-29'"
                    )
                )
            )
            assert "ix_shift_vacant_start" in plan
    got = vacancy.list_vacant(demo, admin, first, last)
    assert [(r.id, r.client, r.start, r.end) for r in got] == plain
    assert len(plain) >= 3  # the comparison covered real rows
    section = dashboard.gather_section(demo, admin, first, dashboard.VACANT_SHIFTS)
    assert section.count == len(plain)


def test_the_sections_read_as_far_as_shown_give_the_whole_lists_first_rows(demo, admin):
    """Courses expiring and decisions ending read only the rows shown (`limit`, as far as the last
    one's expiry or end date, ties included) and count the rest in SQL: the same first rows and
    count as the whole list, at any limit, on several days, for an admin and a supervisor."""
    from bpa_provider.services.counted import Counted

    with demo.read() as s:
        sup_id = s.execute(select(Supervision.supervisor_id).order_by(Supervision.id)).scalars().first()
    supervisor = scoped_actor(demo, Actor("sup", "supervisor", supervisor_id=sup_id))
    cut = 0
    for days in (-30, 0, 200, 400, 700):
        today = TODAY + timedelta(days=days)
        for actor in (admin, supervisor):
            whole = dashboard_reads.expiring_credentials(demo, actor, today)
            for limit in (0, 1, 2, 3, 7, 50):
                first = dashboard_reads.expiring_credentials(demo, actor, today, limit=limit)
                assert isinstance(first, Counted)
                assert (list(first), first.total) == (whole[:limit], len(whole)), (today, actor.role, limit)
                cut += len(whole) > limit
        ending = dashboard.decisions_ending(demo, admin, today, 230)
        for limit in (0, 1, 2, 5):
            first = dashboard.decisions_ending(demo, admin, today, 230, limit)
            assert isinstance(first, Counted)
            assert (list(first), first.total) == (ending[:limit], len(ending)), (today, limit)
            cut += len(ending) > limit
    assert cut > 10  # the limits cut real lists


def test_courses_overdue_read_as_rows_equal_the_service(demo, admin):
    """`dashboard_onboarding.onboarding_overdue` (steps as rows, the basic course looked up only
    where a deadline passed without a checklist, records made only of the rows shown) equals
    `onboarding.onboarding_overdue` on several days, for an admin and a supervisor, whole and
    limited — with a checklist's step ticked, and a supervision without a checklist."""
    from bpa_provider.db.models import OnboardingStep
    from bpa_provider.services import dashboard_onboarding, onboarding
    from bpa_provider.services.counted import Counted

    with demo.write() as s:
        sup_id = s.execute(select(Supervision.supervisor_id).order_by(Supervision.id)).scalars().first()
        steps = s.execute(select(OnboardingStep).order_by(OnboardingStep.id)).scalars().all()
        assert steps
        steps[0].done_on = steps[0].due_date  # a ticked step
        # A supervision whose checklist is gone: judged by the basic course alone.
        for st in steps:
            if (st.supervisor_id, st.client_id) == (steps[-1].supervisor_id, steps[-1].client_id):
                s.delete(st)
    supervisor = scoped_actor(demo, Actor("sup", "supervisor", supervisor_id=sup_id))
    seen = 0
    for days in (-200, -30, 0, 60, 120, 400):
        today = TODAY + timedelta(days=days)
        for actor in (admin, supervisor):
            plain = onboarding.onboarding_overdue(demo, actor, today)
            assert dashboard_onboarding.onboarding_overdue(demo, actor, today) == plain, (today, actor.role)
            for limit in (0, 1, 3):
                first = dashboard_onboarding.onboarding_overdue(demo, actor, today, limit=limit)
                assert isinstance(first, Counted)
                assert (list(first), first.total) == (plain[:limit], len(plain))
            seen += len(plain)
    assert seen > 5


def test_credentials_missing_start_from_the_credential_dates_indexes(sqlite_db):
    """The section's suspects are a range of `ix_employment_police` / `…_confidentiality`
    (migration 0013d), not every employment grouped: SQLite's plan searches both indexes."""
    with sqlite_db.read() as s:
        plan = " ".join(
            str(r[-1])
            for r in s.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT assistant_id FROM employment WHERE police_certificate_on IS NULL"
                " OR police_certificate_on > '2026-12-07' OR confidentiality_on IS NULL"
                " OR confidentiality_on > '2026-12-07'"
            )
        )
    assert "ix_employment_police" in plan and "ix_employment_confidentiality" in plan, plan


def test_courses_expiring_read_no_enrollment_beyond_the_range(demo, admin):
    """Every statement of the lean read walks the range of stored expiries, never the company's
    enrollments (SQLite's plan, issue 19: ordered by enrollment in SQL it scanned them all)."""
    if demo.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    from sqlalchemy import event

    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "credential_expiry" in statement:
            seen.append((statement, parameters))

    event.listen(demo.engine, "before_cursor_execute", keep)
    try:
        assert dashboard_reads.expiring_credentials(demo, admin, TODAY + timedelta(days=400), limit=3)
    finally:
        event.remove(demo.engine, "before_cursor_execute", keep)
    assert len(seen) == 3  # the count, the last expiry shown, the rows
    with demo.read() as s:
        for statement, parameters in seen:
            plan = " ".join(
                str(r[-1]) for r in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            )
            assert "ix_credential_expiry_expires" in plan and "SCAN" not in plan, plan


def test_courses_overdue_keep_a_pairs_latest_supervision_and_read_only_overdue_ones(demo, admin):
    """A pair supervised twice is judged by its latest start (an older, long-late start beside a
    recent one makes nothing overdue), as in the service; and the read takes the overdue
    supervisions' steps only, never every checklist step in the company (issue 19)."""
    from sqlalchemy import event

    from bpa_provider.db.models import OnboardingStep
    from bpa_provider.services import dashboard_onboarding, onboarding

    with demo.write() as s:
        first = s.execute(select(Supervision).order_by(Supervision.id)).scalars().first()
        assert first is not None
        for st in s.execute(
            select(OnboardingStep).where(
                OnboardingStep.supervisor_id == first.supervisor_id, OnboardingStep.client_id == first.client_id
            )
        ).scalars():
            s.delete(st)  # no checklist: the basic course's deadline decides
        first.since = TODAY - timedelta(days=5)
        s.add(
            Supervision(supervisor_id=first.supervisor_id, client_id=first.client_id, since=TODAY - timedelta(days=900))
        )
    statements: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    for days in (0, 30, 120):
        today = TODAY + timedelta(days=days)
        plain = onboarding.onboarding_overdue(demo, admin, today)
        event.listen(demo.engine, "before_cursor_execute", keep)
        try:
            lean = dashboard_onboarding.onboarding_overdue(demo, admin, today)
        finally:
            event.remove(demo.engine, "before_cursor_execute", keep)
        assert lean == plain, today
        assert any(o.supervisor_id == first.supervisor_id and o.client_id == first.client_id for o in plain) == (
            days == 120
        )
    steps_read = [st for st in statements if st.lstrip().startswith("SELECT onboarding_step.")]
    assert steps_read and all("WHERE" in st for st in steps_read)


@pytest.mark.parametrize("ahead", [10, 0, 1])
def test_courses_overdue_cut_across_both_reasons_at_every_limit(demo, admin, monkeypatch, ahead):
    """The first rows of courses overdue are picked by each pair's deadline — an open step's
    date, or the start + the policy's days without a checklist — then the references: with half
    the pairs' checklists gone (judged by the basic course), every limit gives the service's first
    rows and its count, on several days. Each reason's range is read only `AHEAD` rows past the
    limit; with 0 or 1 ahead the ranges stop short at some limits (read in full then, by one
    statement) and not at others — both ways give the service's rows."""
    from bpa_provider.db.models import OnboardingStep
    from bpa_provider.services import dashboard_onboarding, onboarding

    monkeypatch.setattr(dashboard_onboarding, "AHEAD", ahead)
    whole = dashboard_onboarding._all_first_rows
    read_whole = []

    def counted_whole(*args):  # noqa: ANN002, ANN202
        read_whole.append(args[-1])
        return whole(*args)

    monkeypatch.setattr(dashboard_onboarding, "_all_first_rows", counted_whole)

    gone = f.half_without_checklist(demo)
    late = TODAY + timedelta(days=400)
    basic = sorted(r.next_deadline for r in onboarding.onboarding_overdue(demo, admin, late) if not r.steps_total)
    assert len(basic) > 2
    with demo.write() as s:
        # A checklist's open step due 30 days before the second basic-course deadline: it sorts
        # before it by the deadline (the start + the policy's 90 days), not by the start.
        step = (
            s.execute(
                select(OnboardingStep)
                .where(OnboardingStep.supervisor_id.not_in(gone), OnboardingStep.done_on.is_(None))
                .order_by(OnboardingStep.id)
            )
            .scalars()
            .first()
        )
        step.due_date = basic[1] - timedelta(days=30)
    both, cut = 0, 0
    for days in (-30, 0, 60, 120, 400):
        today = TODAY + timedelta(days=days)
        plain = onboarding.onboarding_overdue(demo, admin, today)
        kinds = {r.steps_total > 0 for r in plain}  # a checklist's step, or the basic course
        both += kinds == {True, False}
        for limit in range(len(plain) + 1):
            first = dashboard_onboarding.onboarding_overdue(demo, admin, today, limit=limit)
            assert (list(first), first.total) == (plain[:limit], len(plain)), (today, limit)
            cut += len(plain) > limit
    assert both and cut > 5  # both reasons among the rows, and the limits cut real lists
    # Both engines read the two ranges (PostgreSQL's with each supervision looked up by key).
    if ahead == 0:
        assert 0 < len(read_whole) < cut  # some limits read only their ranges' first rows, some all
    elif ahead == 10:
        assert read_whole == []  # the small company's ranges end within the rows read


def test_courses_expiring_statements_compiled_once(demo, admin):
    """A second visit of courses expiring, cut at a limit, compiles none of its statements again:
    each is found in SQLAlchemy's cache (its conditions are built anew for each statement — one
    EXISTS shared by two gave a cache key that changed between visits)."""
    from sqlalchemy import event
    from sqlalchemy.engine.interfaces import CacheStats

    misses: list[str] = []

    def keep(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
        if context.compiled is not None and context.cache_hit == CacheStats.CACHE_MISS:
            misses.append(statement)

    today, whole = next(
        (day, rows)
        for day in (TODAY + timedelta(days=d) for d in range(0, 1500, 30))
        if len(rows := dashboard_reads.expiring_credentials(demo, admin, day)) > 3
    )
    for _visit in range(2):
        dashboard_reads.expiring_credentials(demo, admin, today, limit=3)
    event.listen(demo.engine, "after_cursor_execute", keep)
    try:
        first = dashboard_reads.expiring_credentials(demo, admin, today, limit=3)
    finally:
        event.remove(demo.engine, "after_cursor_execute", keep)
    assert list(first) == whole[:3]
    assert misses == []
