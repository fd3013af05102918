"""The app on a deferred database, as `bpa-provider` opens it: the first screen is drawn before
the database stack is loaded, then the dashboard fills in and a supervisor's scope is set."""

from __future__ import annotations

import fixed_data
from textual.widgets import DataTable

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.screens.app import BpaApp


async def _settle(app, pilot) -> None:
    for _ in range(4):
        await app.workers.wait_for_complete()
        await pilot.pause(0.05)


async def test_the_dashboard_fills_in_once_the_database_stack_is_loaded(fixed_db, coordinator):
    deferred = Database(url=str(fixed_db.engine.url.database))
    app = BpaApp(deferred, coordinator, lang="en", today=fixed_data.TODAY)
    assert not deferred.started
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        assert deferred.started
        table = app.screen.query_one("#s-decisions_ending", DataTable)
        assert table.row_count == 1  # the same answer as on an opened database
    deferred.dispose()


async def test_a_supervisor_gets_their_clients_once_loaded(fixed_db):
    from sqlalchemy import select

    from bpa_provider.db.models import Supervisor

    with fixed_db.read() as s:
        sup_id = s.execute(select(Supervisor.id)).scalars().first()
    deferred = Database(url=str(fixed_db.engine.url.database))
    early = Actor("anne", "supervisor", supervisor_id=sup_id)
    app = BpaApp(deferred, early, lang="en", today=fixed_data.TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        assert app.actor.login == "anne" and app.actor.client_scope
        assert len(app.actor.client_scope) == 1
    deferred.dispose()
