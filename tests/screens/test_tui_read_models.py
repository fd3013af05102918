"""The read models behind the screens (services.dashboard, services.details) on SQLite and
PostgreSQL: the decisions-ending query, supervisor scope, and the logged view of a client."""

from __future__ import annotations

from datetime import date

import factories as f
import pytest

from bpa_provider.access import Actor
from bpa_provider.db.models import AuditEvent
from bpa_provider.errors import PermissionDenied
from bpa_provider.services import dashboard, details, records

TODAY = date(2026, 3, 2)


def _world(db, actor):
    f.municipality(db, actor)
    ending = f.client(db, actor, name="Ending Soon")
    f.decision(db, actor, ending.ref, valid_from="2025-01-01", valid_to="2026-04-15")
    renewed = f.client(db, actor, name="Renewed")
    f.decision(db, actor, renewed.ref, valid_from="2025-01-01", valid_to="2026-03-31")
    f.decision(db, actor, renewed.ref, valid_from="2026-04-01")
    later = f.client(db, actor, name="Ends Later")
    f.decision(db, actor, later.ref, valid_from="2025-01-01", valid_to="2026-12-31")
    sup = records.create(db, actor, "supervisor", {"name": "Sara", "client_id": ending.ref, "since": "2025-01-01"})
    return ending, renewed, later, sup


def test_decisions_ending_leaves_out_renewed_and_later_ones(db, coordinator):
    ending, *_ = _world(db, coordinator)
    items = dashboard.decisions_ending(db, coordinator, TODAY, 60)
    assert [(i.ref, i.when) for i in items] == [(ending.ref, date(2026, 4, 15))]


def test_gather_hides_what_the_role_may_not_see(db, coordinator):
    _world(db, coordinator)
    board = dashboard.gather(db, coordinator, TODAY)
    assert len(board.section(dashboard.DECISIONS_ENDING).items) == 1
    assert all(section.available for section in board.sections)
    keys = {s.key for s in dashboard.gather(db, Actor("anne", "supervisor", supervisor_id=None), TODAY).sections}
    assert dashboard.TRANSFER_STEPS_DUE not in keys  # supervisors may not read transfers


def test_client_detail_is_scoped_and_the_view_is_logged(db, coordinator):
    ending, renewed, _later, sup = _world(db, coordinator)
    detail = details.client_detail(db, coordinator, ending.id, TODAY)
    assert [d.valid_to for d in detail.decisions] == [date(2026, 4, 15)]
    assert [s.supervisor.name for s in detail.supervisors] == ["Sara"]
    assert detail.history is not None and {h.action for h in detail.history} >= {"create"}
    with db.read() as s:
        views = s.query(AuditEvent).filter_by(action="view", entity="client", entity_id=ending.id).count()
    assert views == 1
    anne = Actor("anne", "supervisor", supervisor_id=sup.id)
    assert details.client_detail(db, anne, ending.id, TODAY).history is None  # no log for supervisors
    with pytest.raises(PermissionDenied):
        details.client_detail(db, anne, renewed.id, TODAY)
