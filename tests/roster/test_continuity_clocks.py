"""`report continuity` reads the window once for every zone on the same clock (issue 19: on
PostgreSQL at 100 % it read it once per zone, Oslo and Stockholm, with each zone's clients
listed, and probed the earlier shifts twice: 2x its floor). A zone on another clock still gets a
pass of its own. Every figure stays what the per-client computation gives, on both engines."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select, update

from bpa_provider.db.models import Client, Municipality
from bpa_provider.demo import load_demo
from bpa_provider.services import continuity

TODAY = date(2026, 5, 20)


@pytest.fixture
def company(db, admin):
    load_demo(db, admin, seed=5, clients=8, assistants=18, months=3, today=TODAY)
    return db


def _zone_of_one_municipality(db, tz: str) -> None:
    """Moves the municipality of the first client by reference to `tz` (the others stay on Oslo)."""
    with db.write() as s:
        first = s.execute(select(Client.municipality_id).order_by(Client.ref)).scalars().first()
        s.execute(update(Municipality).where(Municipality.id == first).values(timezone=tz))
        s.execute(update(Municipality).where(Municipality.id != first).values(timezone="Europe/Oslo"))


def _pair_statements(db, admin, day):
    """The report, and the statements that summed the window per (client, assistant)."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        report = continuity.continuity_report(db, admin, day)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    grouped = [q for q in seen if "GROUP BY shift.client_id, shift.assistant_id" in " ".join(q.split())]
    return report, grouped


@pytest.mark.parametrize("day", [TODAY, date(2026, 3, 29), date(2026, 4, 30)])
def test_stockholm_and_oslo_share_one_pass(company, admin, day):
    _zone_of_one_municipality(company, "Europe/Stockholm")
    report, grouped = _pair_statements(company, admin, day)
    assert len(grouped) == 1  # before: one per zone
    assert report == [continuity.client_continuity(company, admin, r.client_id, day) for r in report]
    assert len(report) >= 5 and any(r.distinct_30d for r in report)


def test_a_zone_on_another_clock_has_a_pass_of_its_own(company, admin):
    _zone_of_one_municipality(company, "America/New_York")
    report, grouped = _pair_statements(company, admin, TODAY)
    assert len(grouped) == 2
    assert report == [continuity.client_continuity(company, admin, r.client_id, TODAY) for r in report]
