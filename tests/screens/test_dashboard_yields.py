"""The dashboard's work yields to the person (issue 19): its sections are computed one after another
in one worker, leaving the dashboard stops what is not computed yet, and coming back asks only for
those sections again."""

from __future__ import annotations

import threading

from pilot_steps import settle
from textual.widgets import DataTable, Static

from bpa_provider.services import dashboard_reads, hours


async def test_leaving_the_dashboard_stops_its_pending_sections(make_app, monkeypatch):
    entered, release = threading.Event(), threading.Event()
    real_expiring, real_usage = dashboard_reads.expiring_credentials, hours.usage_flags
    calls: list[str] = []

    def slow_expiring(*args, **kwargs):  # noqa: ANN002, ANN003
        calls.append("courses_expiring")
        entered.set()
        release.wait(10)
        return real_expiring(*args, **kwargs)

    def usage(*args, **kwargs):  # noqa: ANN002, ANN003
        calls.append("hours_usage")
        return real_usage(*args, **kwargs)

    monkeypatch.setattr(dashboard_reads, "expiring_credentials", slow_expiring)
    monkeypatch.setattr(hours, "usage_flags", usage)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        for _ in range(500):  # until the slow section is being computed
            if entered.is_set():
                break
            await pilot.pause(0.02)
        assert entered.is_set()
        assert "hours_usage" not in calls  # computed after it, not beside it
        await pilot.press("2")  # the clients list
        release.set()
        await settle(app, pilot)
        assert calls == ["courses_expiring"]  # the hour outlook was never computed
        assert app.screen.query_one("#clients").display
        # Back on the dashboard: only what was left is asked for, and then shown.
        await pilot.press("1")
        await settle(app, pilot)
        assert calls == ["courses_expiring", "courses_expiring", "hours_usage"]
        view = app.screen.query_one("#dashboard")
        assert not [s for s in view.query(".note").results(Static) if "Loading" in str(s.render())]
        assert app.screen.query_one("#s-decisions_ending", DataTable).row_count == 1
        # A third visit with nothing changed computes nothing.
        await pilot.press("2")
        await pilot.press("1")
        await settle(app, pilot)
        assert calls == ["courses_expiring", "courses_expiring", "hours_usage"]
