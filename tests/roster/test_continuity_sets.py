"""`report continuity` for all clients at once (issue 19) gives exactly what the per-client
computation gives (`client_continuity`, four statements per client), in a number of statements
that does not grow with the number of clients. On a seeded demo company, both engines."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from bpa_provider.access import Actor
from bpa_provider.db.models import Client
from bpa_provider.demo import load_demo
from bpa_provider.services import continuity

TODAY = date(2026, 5, 20)


@pytest.fixture
def company(db, admin):
    load_demo(db, admin, seed=3, clients=9, assistants=20, months=3, today=TODAY)
    return db


def _statements(db):
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(db.engine, "before_cursor_execute", count)


@pytest.mark.parametrize("day", [TODAY, TODAY - timedelta(days=25), TODAY.replace(day=1), date(2026, 6, 30)])
def test_report_equals_the_per_client_computation(company, admin, day):
    seen, stop = _statements(company)
    try:
        report = continuity.continuity_report(company, admin, day)
    finally:
        stop()
    one_by_one = [continuity.client_continuity(company, admin, r.client_id, day) for r in report]
    assert len(report) >= 5 and report == one_by_one
    assert any(r.distinct_30d for r in report)
    selects = [q for q in seen if q.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 8  # the old report ran 4 per client (36 here) plus the list


def test_report_has_faces_and_substitutes_to_compare(company, admin):
    # The equality above means something only if the measures that use the earlier-met pairs
    # are not all empty on the seeded company.
    days = [TODAY + timedelta(days=d) for d in range(-40, 40, 5)]
    rows = [r for d in days for r in continuity.continuity_report(company, admin, d)]
    assert any(r.new_faces_month for r in rows)
    assert any(r.regular_share < 1 for r in rows)


def test_supervisor_sees_the_same_for_their_own_client(company, admin):
    with company.read() as s:
        first = s.query(Client).order_by(Client.ref).first()
    from sqlalchemy import select

    from bpa_provider.db.models import Supervision

    with company.read() as s:
        sup_id = s.execute(select(Supervision.supervisor_id).where(Supervision.client_id == first.id)).scalars().first()
    sup = Actor("sup", "supervisor", supervisor_id=sup_id, client_scope=frozenset({first.id}))
    mine = continuity.continuity_report(company, sup, TODAY)
    assert mine == [continuity.client_continuity(company, admin, first.id, TODAY)]


def test_a_role_that_changed_in_the_window_counts_per_date(company, admin):
    # Every pair whose assistant worked in the last 30 days becomes a substitute from 10 days ago:
    # the role then depends on the shift's date, the path the report takes only for such pairs.
    from sqlalchemy import select

    from bpa_provider.db.models import Assignment

    with company.write() as s:
        for a in list(s.execute(select(Assignment).where(Assignment.role == "regular")).scalars()):
            if a.start_date < TODAY - timedelta(days=10) and a.end_date is None:
                a.end_date = TODAY - timedelta(days=11)
                s.add(
                    Assignment(
                        assistant_id=a.assistant_id,
                        client_id=a.client_id,
                        role="substitute",
                        start_date=TODAY - timedelta(days=10),
                    )
                )
    report = continuity.continuity_report(company, admin, TODAY)
    assert report == [continuity.client_continuity(company, admin, r.client_id, TODAY) for r in report]
    assert any(0 < r.regular_share < 1 for r in report)
