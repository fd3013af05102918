"""The stored next reviews due (`review_due`, services/review_due_store.py) equal the rule
computed from scratch after every path that writes assignments, employments or reviews — the demo
company's bulk insert, a review recorded, an assignment started, ended or moved, an employment
ended, a CSV import, a transaction rolled back, migration 0014r's fill — and `due_reviews` read
from them gives exactly what it works out from the assignments (the reference, `_computed`) on
every day, for an admin and a supervisor, whole or limited. The spans themselves are checked
against the rule day by day with Hypothesis. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.models import Assignment, Assistant, Client, Employment, Review, ReviewDueSpan, Supervision
from bpa_provider.rules.calendar import next_review_due
from bpa_provider.services import records, review_due_store, review_schedule, reviews
from bpa_provider.services.base import scoped_actor
from bpa_provider.services.onboarding import current_policy

TODAY = date(2026, 5, 14)
DAYS = (-800, -400, -120, 0, 45, 200, 400, 900)


@pytest.fixture
def demo(db, admin):
    from bpa_provider.demo import load_demo

    load_demo(db, admin, seed=7, clients=6, assistants=18, months=14, today=TODAY)
    return db


def _held(db) -> None:
    """The table equals the rule, and holds rows (so the comparison is about something)."""
    with db.read() as s:
        stored, expected = review_due_store.stored_rows(s), review_due_store.expected_rows(s)
    assert stored == expected
    assert stored


def _same_as_computed(db, actor, days=DAYS) -> int:
    """`due_reviews` from the stored rows equals the one worked out, on each day; the rows seen."""
    p = current_policy()
    seen = 0
    for d in days:
        today = TODAY + timedelta(days=d)
        for include_all in (False, True):
            stored = reviews.due_reviews(db, actor, today, include_all=include_all)
            worked = review_schedule._computed(
                actor, db, today, p.review_due_window_days, p, include_all, None, None, None
            )
            assert stored == worked, (actor.role, today, include_all)
            seen += len(stored)
        first = reviews.due_reviews(db, actor, today, limit=3)
        worked = review_schedule._computed(actor, db, today, p.review_due_window_days, p, False, None, None, 3)
        assert first == worked and first.total == worked.total, (actor.role, today)
    return seen


def test_the_demo_company_has_the_rows_of_the_rule(demo):
    _held(demo)


def test_due_reviews_from_the_stored_rows_equal_the_worked_out_ones(demo, admin):
    with demo.read() as s:
        sup_id = s.execute(select(Supervision.supervisor_id).order_by(Supervision.id)).scalars().first()
    supervisor = scoped_actor(demo, Actor("sup", "supervisor", supervisor_id=sup_id))
    assert _same_as_computed(demo, admin) > 0
    assert _same_as_computed(demo, supervisor) > 0


def test_a_record_reads_its_own_pairs_as_the_company_wide_read(demo, admin):
    with demo.read() as s:
        clients = list(s.execute(select(Client.id)).scalars())
        assistants = list(s.execute(select(Assistant.id)).scalars())
    for d in (0, 200):
        today = TODAY + timedelta(days=d)
        everything = reviews.due_reviews(demo, admin, today, include_all=True)
        for cid in clients:
            assert reviews.due_reviews(demo, admin, today, include_all=True, client_id=cid) == [
                r for r in everything if r.client_id == cid
            ]
        for aid in assistants:
            assert reviews.due_reviews(demo, admin, today, include_all=True, assistant_id=aid) == [
                r for r in everything if r.assistant_id == aid
            ]


def test_another_policy_is_worked_out_not_read(demo, admin):
    """Months other than the stored rows' give the rule's dates for those months."""
    other = Policy(first_review_months=3, review_interval_months=6)
    got = reviews.due_reviews(demo, admin, TODAY, include_all=True, policy=other)
    assert got == review_schedule._computed(admin, demo, TODAY, 30, other, True, None, None, None)
    assert got != reviews.due_reviews(demo, admin, TODAY, include_all=True)


def test_the_dashboard_reads_a_range_of_the_stored_due_dates(demo, admin):
    """A row set wrong shows through: the section reads the table, not the assignments."""
    shown = reviews.due_reviews(demo, admin, TODAY)
    with demo.write() as s:
        row = s.execute(
            select(ReviewDueSpan).where(ReviewDueSpan.next_due > TODAY + timedelta(days=60)).limit(1)
        ).scalar_one()
        row.next_due = TODAY  # a lie: by the rule this pair is not due
    assert len(reviews.due_reviews(demo, admin, TODAY)) == len(shown) + 1
    if demo.engine.dialect.name == "sqlite":
        with demo.read() as s:
            plan = " ".join(
                str(r[-1])
                for r in s.connection().exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT count(*) FROM review_due WHERE next_due <= '2026-06-13'"
                    " AND (valid_from IS NULL OR valid_from <= '2026-05-14')"
                    " AND (valid_until IS NULL OR valid_until >= '2026-05-14')"
                )
            )
        assert "ix_review_due_next" in plan


def _a_pair(db) -> tuple[Assignment, int]:
    with db.read() as s:
        a = s.execute(select(Assignment).where(Assignment.end_date.is_(None)).order_by(Assignment.id)).scalars().first()
        assert a is not None
        s.expunge(a)
        emp = s.execute(select(Employment.id).where(Employment.assistant_id == a.assistant_id)).scalar_one()
        return a, emp


def test_a_review_recorded_keeps_the_table(demo, admin):
    a, _emp = _a_pair(demo)
    before = reviews.due_reviews(demo, admin, TODAY, include_all=True, client_id=a.client_id)
    reviews.record_review(demo, admin, a.assistant_id, a.client_id, TODAY - timedelta(days=1), participants="x")
    _held(demo)
    after = reviews.due_reviews(demo, admin, TODAY, include_all=True, client_id=a.client_id)
    mine = [r for r in after if r.assistant_id == a.assistant_id]
    assert mine and mine[0].last_held == TODAY - timedelta(days=1)
    assert after != before


def test_an_assignment_ended_started_and_an_employment_ended_keep_the_table(demo, admin):
    a, emp = _a_pair(demo)
    with demo.read() as s:
        a_version = s.get(Assignment, a.id).version  # type: ignore[union-attr]
    records.end(demo, admin, "assignment", a.id, a_version, str(TODAY + timedelta(days=20)))
    _held(demo)
    with demo.read() as s:
        other = (
            s.execute(select(Client.ref).where(Client.id != a.client_id, Client.status != "ended").order_by(Client.id))
            .scalars()
            .first()
        )
        who = s.execute(select(Assistant.ref).where(Assistant.id == a.assistant_id)).scalar_one()
    records.create(
        demo,
        admin,
        "assignment",
        {"assistant_id": who, "client_id": other, "role": "regular", "start_date": str(TODAY)},
    )
    _held(demo)
    with demo.read() as s:
        e_version = s.get(Employment, emp).version  # type: ignore[union-attr]
    records.end(demo, admin, "employment", emp, e_version, str(TODAY + timedelta(days=100)), "moved away")
    _held(demo)
    assert _same_as_computed(demo, admin, days=(0, 19, 21, 99, 101)) > 0


def test_an_assignment_moved_to_another_assistant_keeps_both(demo, admin):
    a, _emp = _a_pair(demo)
    with demo.read() as s:
        other = (
            s.execute(select(Assistant.id).where(Assistant.id != a.assistant_id).order_by(Assistant.id))
            .scalars()
            .first()
        )
    with demo.write() as s:
        row = s.get(Assignment, a.id)
        assert row is not None
        row.assistant_id = other
    _held(demo)
    with demo.read() as s:
        assert not review_due_store.stored_rows(s, [a.assistant_id]) or all(
            r[1] != a.client_id for r in review_due_store.stored_rows(s, [a.assistant_id])
        )


def test_a_write_rolled_back_leaves_the_rows_as_they_were(demo, admin):
    a, _emp = _a_pair(demo)
    with demo.read() as s:
        before = review_due_store.stored_rows(s)
    with pytest.raises(RuntimeError), demo.write() as s:
        row = s.get(Assignment, a.id)
        assert row is not None
        row.start_date = TODAY - timedelta(days=3000)
        s.flush()
        raise RuntimeError("given up")
    with demo.read() as s:
        assert review_due_store.stored_rows(s) == before
    # The next commit of that session's kind does not carry the abandoned assistant along.
    _held(demo)


def test_an_import_keeps_the_table(db, admin):
    """Every kind of the importer's test files, reviews last (they go in through the table)."""
    from pathlib import Path

    from bpa_provider.services import importer

    data = Path(__file__).resolve().parent.parent / "data" / "import"
    kinds = ("municipalities", "clients", "decisions", "supervisors", "assistants", "employments", "assignments")
    for kind in kinds:
        importer.import_csv(db, admin, kind, data / f"{kind}.csv")
    with db.read() as s:
        assert review_due_store.stored_rows(s)  # the assignments' first reviews, kept by the hook
    importer.import_csv(db, admin, "reviews", data / "reviews.csv")
    _held(db)
    with db.read() as s:
        assert any(r[5] is not None for r in review_due_store.stored_rows(s))  # a review counted


def test_the_migration_fills_the_table_by_the_rule(demo):
    """Down to 0013d (the tables dropped) and up again: the migration's fill is the rule's rows,
    with ended spells among them."""
    from bpa_provider.db import migrate

    with demo.write() as s:  # ended spells, so the fill has spans to cut
        for a in s.execute(select(Assignment).order_by(Assignment.id).limit(4)).scalars():
            a.end_date = TODAY + timedelta(days=-40 if a.id % 2 else 3000)  # a span that ends
    with demo.read() as s:
        before = review_due_store.stored_rows(s)
    assert any(r[3] is not None for r in before)
    demo.engine.dispose()  # no pooled connection holds the tables the downgrade drops
    migrate.downgrade(demo.engine, "0013d")
    migrate.upgrade(demo.engine)
    _held(demo)
    with demo.read() as s:
        assert review_due_store.stored_rows(s) == before
        assert review_due_store.stored_basis(s) == (6, 12)


def test_a_new_database_gets_its_basis_and_rows_at_its_first_write(db, admin):
    """Migrated empty (a new install, or a restore's target) there is no basis, and reads work the
    dates out; the first write of an assignment stores the configured months and its rows."""
    import factories as f

    with db.read() as s:
        assert review_due_store.stored_basis(s) is None
    f.municipality(db, admin)
    c = f.client(db, admin)
    a = f.assistant(db, admin)
    f.employment(db, admin, a.ref)  # type: ignore[attr-defined]
    f.assignment(db, admin, a.ref, c.ref)  # type: ignore[attr-defined]
    p = current_policy()
    with db.read() as s:
        assert review_due_store.stored_basis(s) == (p.first_review_months, p.review_interval_months)
    _held(db)
    assert [r.next_due for r in reviews.due_reviews(db, admin, TODAY, include_all=True)] == [date(2026, 7, 1)]


@pytest.mark.parametrize("seed", [1, 2])
def test_a_mix_of_writes_keeps_the_table(demo, admin, seed):
    """Sixteen writes drawn at random — a review recorded or an assistant's reviews deleted, an
    assignment ended, started or moved, an employment ended or started again — each through its
    service or the ORM, in turn: after each the table is the rule's, and at the end `due_reviews`
    equals the computation."""
    import random

    rng = random.Random(seed)
    with demo.read() as s:
        clients = list(s.execute(select(Client.id, Client.ref).where(Client.status != "ended")).all())
        people = list(s.execute(select(Assistant.id, Assistant.ref)).all())
    for _ in range(16):
        move = rng.choice(("review", "drop_review", "end_assignment", "start", "move", "end_employment", "rehire"))
        with demo.read() as s:
            current = (
                s.execute(select(Assignment).where(Assignment.end_date.is_(None)).order_by(Assignment.id))
                .scalars()
                .all()
            )
            s.expunge_all()
        a = rng.choice(current)
        day = TODAY + timedelta(days=rng.randint(-200, 300))
        if move == "review":
            held = min(TODAY, max(a.start_date, TODAY - timedelta(days=rng.randint(0, 400))))
            try:
                reviews.record_review(demo, admin, a.assistant_id, a.client_id, held)
            except Exception:  # noqa: BLE001 - one that day already: the draw moves on
                continue
        elif move == "drop_review":
            with demo.write() as s:
                for r in s.execute(select(Review).where(Review.assistant_id == a.assistant_id)).scalars():
                    s.delete(r)
        elif move == "end_assignment":
            with demo.write() as s:
                s.get_one(Assignment, a.id).end_date = max(day, a.start_date)
        elif move == "start":
            aid, _ref = rng.choice(people)
            cid, _cref = rng.choice(clients)
            with demo.write() as s:
                s.add(Assignment(assistant_id=aid, client_id=cid, role="substitute", start_date=day))
        elif move == "move":
            aid, _ref = rng.choice(people)
            with demo.write() as s:
                s.get_one(Assignment, a.id).assistant_id = aid
        else:
            with demo.write() as s:
                job = s.execute(select(Employment).where(Employment.assistant_id == a.assistant_id)).scalars().first()
                if job is None:
                    continue
                if move == "end_employment":
                    job.end_date = max(day, job.start_date)
                else:
                    s.add(Employment(assistant_id=a.assistant_id, start_date=day, position_percent=50))
        _held(demo)
    assert _same_as_computed(demo, admin, days=(-200, 0, 150, 300)) > 0


# ---- the spans against the rule, day by day ------------------------------------------------
def _rule(assignments, employment_ends, held, day) -> tuple[date, date | None, date] | None:
    """`due_reviews`' computation for one pair on one day: (start, last held, due) or None."""
    current = [(s, e) for s, e in assignments if e is None or e >= day]
    employed = [e for e in employment_ends if e is None or e >= day]
    if not current or not employed:
        return None
    start = min(s for s, _e in current)
    a_end = None if any(e is None for _s, e in current) else max(e for _s, e in current)
    e_end = None if any(e is None for e in employed) else max(employed)
    last = held if held is not None and held >= start else None
    due = next_review_due(start, last, 6, 12, a_end, e_end)
    return None if due is None else (start, last, due)


_BASE = date(2024, 1, 1)
_days = st.integers(min_value=0, max_value=1500).map(lambda n: _BASE + timedelta(days=n))


@settings(max_examples=300, deadline=None)
@given(
    assignments=st.lists(st.tuples(_days, st.none() | _days), min_size=1, max_size=4),
    employment_ends=st.lists(st.none() | _days, min_size=1, max_size=3),
    held=st.none() | _days,
    probes=st.lists(_days, min_size=1, max_size=12),
)
def test_the_span_holding_on_a_day_is_the_rule_on_that_day(assignments, employment_ends, held, probes):
    spans = review_due_store.spans(assignments, employment_ends, held, 6, 12)
    ends = sorted({e for _s, e in assignments if e} | {e for e in employment_ends if e})
    for day in [*probes, *ends, *(e + timedelta(days=1) for e in ends)]:
        holding = [
            (start, last, due)
            for frm, until, start, last, due in spans
            if (frm is None or frm <= day) and (until is None or day <= until)
        ]
        expected = _rule(assignments, employment_ends, held, day)
        assert holding == ([] if expected is None else [expected]), day
    for (_f1, u1, *_r1), (f2, _u2, *_r2) in zip(spans, spans[1:]):
        assert u1 is not None and f2 is not None and u1 < f2  # apart, in order
