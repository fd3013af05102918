"""The dashboard's work yields to the person (issue 19): its sections are computed one after another
in one worker (the hour outlook in a second one beside it), leaving the dashboard stops what is not
computed yet, and coming back asks only for those sections again."""

from __future__ import annotations

import threading

from pilot_steps import settle
from textual.widgets import DataTable, Static

from bpa_provider.services import dashboard_reads, hours, onboarding


async def test_leaving_the_dashboard_stops_its_pending_sections(make_app, monkeypatch):
    release = threading.Event()
    entered = {"courses_overdue": threading.Event(), "hours_usage": threading.Event()}
    real = {
        "courses_overdue": onboarding.onboarding_overdue,
        "hours_usage": hours.usage_flags,
        "courses_expiring": dashboard_reads.expiring_credentials,
    }
    calls: list[str] = []

    def spy(key: str, block: bool):  # noqa: ANN202
        def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            calls.append(key)
            if block:
                entered[key].set()
                release.wait(10)
            return real[key](*args, **kwargs)

        return call

    monkeypatch.setattr(onboarding, "onboarding_overdue", spy("courses_overdue", True))
    monkeypatch.setattr(hours, "usage_flags", spy("hours_usage", True))
    monkeypatch.setattr(dashboard_reads, "expiring_credentials", spy("courses_expiring", False))
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        for _ in range(500):  # until both slow sections are being computed, side by side
            if all(e.is_set() for e in entered.values()):
                break
            await pilot.pause(0.02)
        assert all(e.is_set() for e in entered.values())
        assert "courses_expiring" not in calls  # it comes after courses_overdue, not beside it
        await pilot.press("2")  # the clients list
        release.set()
        await settle(app, pilot)
        assert sorted(calls) == ["courses_overdue", "hours_usage"]  # the rest was never computed
        assert app.screen.query_one("#clients").display
        # Back on the dashboard: only what was left is asked for, and then shown.
        await pilot.press("1")
        await settle(app, pilot)
        assert sorted(calls) == ["courses_expiring", "courses_overdue", "courses_overdue", "hours_usage", "hours_usage"]
        view = app.screen.query_one("#dashboard")
        assert not [s for s in view.query(".note").results(Static) if "Loading" in str(s.render())]
        assert app.screen.query_one("#s-decisions_ending", DataTable).row_count == 1
        # A third visit with nothing changed computes nothing.
        await pilot.press("2")
        await pilot.press("1")
        await settle(app, pilot)
        assert len(calls) == 5


async def test_answers_that_come_together_are_shown_in_one_paint(make_app, monkeypatch):
    """Sections answered close together are put on screen together (`_show_arrived`: one layout
    and one paint for them, inside `batch_update`), not one paint each — the UI thread's work
    competes with the workers computing the rest."""
    from bpa_provider.screens.dashboard import DashboardView
    from bpa_provider.screens.messages import ServiceResult

    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one("#dashboard", DashboardView)
        shown: list[list[str]] = []
        real = DashboardView._show_section

        async def spy(self, key):  # noqa: ANN001, ANN202
            shown[-1].append(key)
            await real(self, key)

        real_flush = DashboardView._show_arrived

        async def flush(self):  # noqa: ANN001, ANN202
            shown.append([])
            await real_flush(self)

        monkeypatch.setattr(DashboardView, "_show_section", spy)
        monkeypatch.setattr(DashboardView, "_show_arrived", flush)
        seqs = view.__dict__["_call_seq"]
        keys = list(view._sections)[:3]  # noqa: SLF001
        for key in keys:  # three answers back to back, as a worker posts them
            view.post_message(ServiceResult(f"section-{key}", view._sections[key], None, seqs[f"section-{key}"]))  # noqa: SLF001
        await settle(app, pilot)
        assert len(shown) == 1 and sorted(shown[0]) == sorted(keys)  # one paint for the three (in the layout's order)
        assert app.screen.query_one(f"#s-{keys[0]}")
