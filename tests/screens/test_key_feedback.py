"""A key that cannot act says why on the status line above the footer, instead of nothing: a
locked week's `e`, `n` and Enter, a role without the permission, no shift under the cursor."""

from __future__ import annotations

from pilot_steps import settle
from test_roster_screens import open_kari, shift

from bpa_provider.access import Actor
from bpa_provider.screens.widgets.status_line import StatusLine


def said(app) -> str:  # noqa: ANN001
    return app.screen.query_one(StatusLine).message


async def test_a_locked_week_says_why_e_n_and_enter_do_nothing(make_app, fixed_db):
    shift(fixed_db, "2026-03-02T08:00", "16:00")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_kari(app, pilot)
        for key in ("p", "y", "l", "y"):
            await pilot.press(key)
            await settle(app, pilot)
        assert view.week.locked
        for key in ("e", "n", "enter"):
            app.screen.query_one(StatusLine).clear()
            await pilot.press(key)
            await pilot.pause()
            assert said(app).startswith("Week 10 · 02.03–08.03.2026 is locked"), key
        assert app.screen is view.screen  # no form opened


async def test_a_role_without_the_permission_is_told_so(make_app, fixed_db):
    shift(fixed_db, "2026-03-02T08:00", "16:00")
    app = make_app(actor=Actor("aud", "auditor"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_kari(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        assert said(app) == "Your role may not do that in the roster."


async def test_no_shift_under_the_cursor_is_said(make_app, fixed_db):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_kari(app, pilot)
        await pilot.press("x")
        await pilot.pause()
        assert said(app) == "No shift under the cursor."


async def test_the_end_forms_date_problem_stands_under_the_date(make_app, fixed_db):
    import fixed_data
    from textual.widgets import Input, Static

    from bpa_provider.screens.end_form import EndForm
    from bpa_provider.services import records

    kari = records.get(
        fixed_db, fixed_data.BUILDER, "client", records.find_id(fixed_db, fixed_data.BUILDER, "client", "K-0001")
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_end("client", kari)
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, EndForm)
        form.query_one("#date", Input).value = "01.01.2020"  # before the client started
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        under_date = str(form.query_one("#date-error", Static).render())
        banner = str(form.query_one("#banner", Static).render())
        assert under_date.startswith("End date") and banner == "", (under_date, banner)
