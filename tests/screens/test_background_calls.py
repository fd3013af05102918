"""The dashboard's sections run on a pool of their own (screens/calls.py): a key pressed while
they are still being computed is answered at once, not after them. Before, every section took
one of the six threads of asyncio's default pool, and a list's call waited for a free one."""

from __future__ import annotations

import threading

from pilot_steps import settle

from bpa_provider.screens.lists import RecordList
from bpa_provider.screens.widgets.paged_table import PagedTable
from bpa_provider.services import sections


async def test_a_list_opens_while_every_dashboard_section_is_still_computing(make_app, monkeypatch):
    release = threading.Event()
    started: list[str] = []
    real = sections.gather_section

    def slow(db, actor, today, key, policy=None):  # noqa: ANN001
        started.append(key)
        assert release.wait(20)
        return real(db, actor, today, key, policy)

    monkeypatch.setattr(sections, "gather_section", slow)
    app = make_app()
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            for _ in range(100):
                await pilot.pause(0.02)
                if started:
                    break
            assert started  # the dashboard is computing its sections
            await pilot.press("2")
            view = app.screen.query_one("#clients", RecordList)
            for _ in range(250):
                await pilot.pause(0.02)
                if view.query_one(PagedTable).row_count:
                    break
            assert view.query_one(PagedTable).row_count == view.total > 0
            assert not release.is_set()  # every section still held back
            release.set()
            await settle(app, pilot)
    finally:
        release.set()
