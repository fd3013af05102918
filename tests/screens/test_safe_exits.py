"""Safe exits: a form holding changes is never thrown away without a question — not by Ctrl+Q,
not by the palette's "Go to" — and a bare `q` inside an area (next to `w`) does not quit."""

from __future__ import annotations

from pilot_steps import settle
from textual.widgets import Input

from bpa_provider.screens.confirm import ConfirmScreen
from bpa_provider.screens.forms import RecordForm
from bpa_provider.screens.main import MainScreen
from bpa_provider.screens.widgets.status_line import StatusLine


async def _half_filled_client_form(app, pilot) -> RecordForm:  # noqa: ANN001
    await pilot.press("2")
    await settle(app, pilot)
    await pilot.press("n")
    await settle(app, pilot)
    form = app.screen
    assert isinstance(form, RecordForm)
    form.row("name").query_one(Input).value = "Astrid Lie"
    await pilot.pause()
    assert form.changed
    return form


async def test_ctrl_q_on_a_changed_form_asks_and_no_keeps_the_form(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        form = await _half_filled_client_form(app, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # Esc is "keep editing"
        await pilot.pause()
        assert app.screen is form and app.is_running
        assert form.row("name").query_one(Input).value == "Astrid Lie"
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code == 0


async def test_ctrl_q_without_changes_quits_at_once(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_going_elsewhere_from_the_palette_asks_first(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        form = await _half_filled_client_form(app, pilot)
        await app.action_go("assistants")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form


async def test_q_inside_an_area_does_not_quit_and_says_how(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("1")  # into the dashboard's first table
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, MainScreen)
        assert "Ctrl+Q" in app.screen.query_one(StatusLine).message
        await pilot.press("escape", "q")
        await pilot.pause()
        assert not app.is_running
