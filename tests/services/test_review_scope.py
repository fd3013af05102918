"""Opening a client or an assistant computes review status for that record's pairs only (issue
19), and gets exactly what the company-wide computation gives for them. Seeded demo, both engines."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bpa_provider.config import Policy
from bpa_provider.db.models import Assistant, Client
from bpa_provider.demo import load_demo
from bpa_provider.services import details, reviews

TODAY = date(2026, 5, 20)


@pytest.fixture
def company(db, admin):
    load_demo(db, admin, seed=5, clients=6, assistants=14, months=14, today=TODAY)
    return db


@pytest.mark.parametrize("day", [TODAY, TODAY + timedelta(days=200)])
def test_scoped_review_status_equals_the_company_wide_one(company, admin, day):
    everything = reviews.due_reviews(company, admin, day, include_all=True)
    assert everything and {r.status for r in everything} - {"scheduled"}  # something to compare
    with company.read() as s:
        clients = list(s.execute(select(Client.id)).scalars())
        assistants = list(s.execute(select(Assistant.id)).scalars())
    for cid in clients:
        assert reviews.due_reviews(company, admin, day, include_all=True, client_id=cid) == [
            r for r in everything if r.client_id == cid
        ]
    for aid in assistants:
        assert reviews.due_reviews(company, admin, day, include_all=True, assistant_id=aid) == [
            r for r in everything if r.assistant_id == aid
        ]
    # The default (due or overdue within the window) keeps to the record the same way.
    due = reviews.due_reviews(company, admin, day)
    for cid in clients:
        assert reviews.due_reviews(company, admin, day, client_id=cid) == [r for r in due if r.client_id == cid]


def test_detail_screens_show_the_company_wide_next_reviews(company, admin):
    expected = {
        (r.assistant_id, r.client_id): r.next_due for r in reviews.due_reviews(company, admin, TODAY, include_all=True)
    }
    with company.read() as s:
        client_id, assistant_id = (
            s.execute(select(Client.id)).scalars().first(),
            s.execute(select(Assistant.id)).scalars().first(),
        )
    shown = details.client_detail(company, admin, client_id, TODAY).assignments
    shown += details.assistant_detail(company, admin, assistant_id, TODAY).assignments
    assert shown and any(line.next_review for line in shown)
    for line in shown:
        assert line.next_review == expected.get((line.assignment.assistant_id, line.assignment.client_id))


def test_a_clients_reviews_read_only_its_assistants_employments(company, admin):
    """Worked out (a policy other than the stored rows'), the client's pairs join the employments
    of that client's assistants only: the statement's plan on SQLite searches `employment` by
    assistant instead of scanning it whole (issue 19)."""
    if company.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    from sqlalchemy import event

    with company.read() as s:
        cid = s.execute(select(Client.id)).scalars().first()
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM employment" in statement:
            seen.append((statement, parameters))

    event.listen(company.engine, "before_cursor_execute", keep)
    try:
        assert reviews.due_reviews(
            company, admin, TODAY, include_all=True, client_id=cid, policy=Policy(first_review_months=7)
        )
    finally:
        event.remove(company.engine, "before_cursor_execute", keep)
    assert seen
    with company.read() as s:
        plan = " ".join(
            str(r[-1]) for st, p in seen for r in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + st, p)
        )
    assert "SEARCH employment" in plan and "SCAN employment" not in plan, plan
