"""The dashboard's credentials missing for a supervisor (services/worktime_report.py): its
statement is built once with the reader's clients as a parameter, so a supervisor's gaps are
checked against a plain computation over their own clients' shifts, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from bpa_provider.access import Actor
from bpa_provider.db.models import Client, Employment, Municipality, Shift, Supervision
from bpa_provider.services import worktime
from bpa_provider.services.base import scoped_actor
from bpa_provider.services.worktime_data import local_date

TODAY = date(2026, 5, 14)


@pytest.fixture
def demo(db, admin):
    from bpa_provider.demo import load_demo

    load_demo(db, admin, seed=5, clients=8, assistants=24, months=4, today=TODAY)
    return db


def test_a_supervisor_sees_each_assistants_first_gap_at_their_own_clients(demo, admin):
    with demo.write() as s:
        s.execute(update(Employment).values(confidentiality_on=None))  # everyone lacks one
        sup_id = s.execute(select(Supervision.supervisor_id).order_by(Supervision.id)).scalars().first()
    sup = scoped_actor(demo, Actor("sup", "supervisor", supervisor_id=sup_id))
    assert sup.client_scope
    with demo.read() as s:
        shifts = s.execute(
            select(Shift.assistant_id, Shift.start_utc, Client.ref, Municipality.timezone)
            .join(Client, Client.id == Shift.client_id)
            .join(Municipality, Municipality.id == Client.municipality_id)
            .where(Shift.client_id.in_(sorted(sup.client_scope)), Shift.status.not_in(("cancelled", "vacant")))
            .order_by(Shift.start_utc, Shift.id)
        ).all()
    expected: dict[int, tuple] = {}
    for aid, start, ref, tz in shifts:
        if aid is not None and aid not in expected and TODAY <= local_date(start, tz) <= TODAY + timedelta(days=30):
            expected[aid] = (aid, ref, start)
    got = worktime.missing_credentials(demo, sup, TODAY)
    assert expected
    assert sorted(expected.values(), key=lambda g: (g[2], g[0])) == sorted(
        ((g.assistant_id, g.client_ref, g.shift_start) for g in got), key=lambda g: (g[2], g[0])
    )
    assert all("confidentiality" in g.missing for g in got)
    everyone = worktime.missing_credentials(demo, admin, TODAY)
    assert len(everyone) > len(got)  # the scope left some out
