"""The dashboard's lean reads give what the owning services give (issue 19): the expiring course
credentials read as rows (services/dashboard_reads.py) equal `course_credentials.
expiring_credentials` on a demo company, on several days, for an admin and a supervisor, on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

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
