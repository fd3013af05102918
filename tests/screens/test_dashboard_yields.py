"""The dashboard's work yields to the person (issue 19): its sections are computed one after another
in one worker (the hour outlook in a second one beside it), leaving the dashboard stops what is not
computed yet, and coming back asks only for those sections again."""

from __future__ import annotations

import threading

from pilot_steps import settle
from textual.widgets import DataTable, Static

from bpa_provider.services import dashboard_onboarding, dashboard_reads, hour_outlook


async def test_leaving_the_dashboard_stops_its_pending_sections(make_app, monkeypatch):
    release = threading.Event()
    entered = {"courses_overdue": threading.Event(), "hours_usage": threading.Event()}
    real = {
        "courses_overdue": dashboard_onboarding.onboarding_overdue,
        "hours_usage": hour_outlook.usage_outlook,
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

    monkeypatch.setattr(dashboard_onboarding, "onboarding_overdue", spy("courses_overdue", True))
    monkeypatch.setattr(hour_outlook, "usage_outlook", spy("hours_usage", True))
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
        # The two answers computed after the person left are dropped (their worker was cancelled):
        # the hidden view still says "Loading…" for them.
        hidden = app.screen.query_one("#dashboard")
        assert [s for s in hidden.query(".sec-courses_overdue").results(Static) if "Loading" in str(s.render())]
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


async def test_an_answer_handled_after_the_person_left_is_drawn_on_their_next_visit(make_app):
    """An answer posted just before the person left is handled after: it is kept, not built into
    the hidden view (that took the screen's time from the list being opened), and drawn on the
    next visit."""
    from dataclasses import replace

    from bpa_provider.screens.messages import ServiceResult

    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one("#dashboard")
        await pilot.press("2")
        await settle(app, pilot)
        before = list(view.query(".sec-decisions_ending"))
        late = replace(view._sections["decisions_ending"], total=99)
        seq = view._call_seq["section-decisions_ending"]
        await view.on_service_result(ServiceResult("section-decisions_ending", late, None, seq))
        assert list(view.query(".sec-decisions_ending")) == before  # nothing built while hidden
        await pilot.press("1")
        await settle(app, pilot)
        heading = view.query(".sec-decisions_ending.heading").results(Static)
        assert "(99)" in str(next(iter(heading)).render())


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


async def test_the_key_that_shows_the_dashboard_again_does_not_hold_its_sections(make_app, monkeypatch):
    """Back on the dashboard after a change (`1`), its sections are that key's answer: they start
    at once, not after the pause that keeps background work off the screen just after a key
    (KEY_HOLD, 0.3 s; made 30 s here so that waiting for it would show)."""
    from bpa_provider.screens import app as app_module
    from bpa_provider.screens import calls

    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one("#dashboard")
        await pilot.press("2")
        await settle(app, pilot)
        view.record_changed("client")  # what a saved record does
        monkeypatch.setattr(calls, "YIELD_AT_MOST", 30.0)
        monkeypatch.setattr(app_module, "yield_to_keys", lambda: calls.yield_to_keys(30.0))
        monkeypatch.setattr(calls, "_hold_until", calls._hold_until)  # put back after the test
        await pilot.press("1")
        for _ in range(150):
            await pilot.pause(0.02)
            if view.display and not view.stale and not view._pending:
                break
        answered = view.display and not view.stale and not view._pending
        monkeypatch.setattr(calls, "_hold_until", 0.0)  # whatever held them, not any longer
        with calls._quiet:
            calls._quiet.notify_all()
        await settle(app, pilot)
        assert answered  # every section answered, well before the 30 s hold


async def test_a_section_answered_again_is_filled_in_place(make_app):
    """The dashboard asked again (a change, F5): a section whose answer has the same parts keeps its
    widgets — its heading gets the new count, its table the new rows — instead of new ones being
    mounted and styled; an answer of another shape (no rows now) replaces the body only."""
    from dataclasses import replace

    from bpa_provider.screens.dashboard import DashboardView
    from bpa_provider.screens.messages import ServiceResult

    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one("#dashboard", DashboardView)
        key = "decisions_ending"
        heading = next(iter(view.query(f".sec-{key}.heading").results(Static)))
        table = app.screen.query_one(f"#s-{key}", DataTable)
        section = view._sections[key]
        assert table.row_count == 1
        item = section.items[0]
        two = replace(section, items=(item, replace(item, ref="Z-9", name="Zed Other")), total=2)

        async def answer(value) -> None:  # noqa: ANN001
            seq = view._next_seq(f"section-{key}")
            await view.on_service_result(ServiceResult(f"section-{key}", value, None, seq))
            await settle(app, pilot)

        await answer(two)
        assert app.screen.query_one(f"#s-{key}", DataTable) is table  # the same table, filled again
        assert next(iter(view.query(f".sec-{key}.heading").results(Static))) is heading
        assert "(2)" in str(heading.render())
        assert table.row_count == 2 and "Zed Other" in str(table.get_row_at(1)[1])
        assert len(view.query(f".sec-{key}")) == 2  # heading and table, nothing left over

        await answer(replace(section, items=(), total=0))
        assert not view.query(f"#s-{key}")  # the table gave way to a note
        body = list(view.query(f".sec-{key}"))
        assert body[0] is heading and "(0)" in str(heading.render())
        assert [str(w.render()) for w in body[1:]] == ["Nothing to do."]
        assert view.children.index(body[1]) == view.children.index(heading) + 1  # in its place


async def test_the_last_answer_is_shown_at_once_with_those_waiting_for_it(make_app, monkeypatch):
    """Answers that come close together wait `GATHER_ANSWERS` to be shown in one paint — but not
    the last one asked for: nothing is left to wait for, so it and those waiting are shown at once
    (the timer held the filled dashboard back by up to 50 ms, docs/performance.md "Session 11 —
    fill"). Here the gathering window is a minute: every section is on screen well before it."""
    from bpa_provider.screens import dashboard

    monkeypatch.setattr(dashboard, "GATHER_ANSWERS", 60.0)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        view = app.screen.query_one("#dashboard", dashboard.DashboardView)
        for _ in range(250):  # every answer received (≤ 5 s), not the gathering window
            await pilot.pause(0.02)
            if view._keys and not view._pending and len(view._sections) == len(view._keys):  # noqa: SLF001
                break
        assert len(view._sections) == len(view._keys) > 0  # noqa: SLF001
        for _ in range(10):
            await pilot.pause(0.02)
        assert not view._arrived and not view._flush_due  # noqa: SLF001
        assert not [s for s in view.query(".note").results(Static) if "Loading" in str(s.render())]
        assert len(view.query(DataTable)) > 0
