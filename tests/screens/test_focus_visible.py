"""Focus you can see, also without colour: with NO_COLOR the focused field, select, checkbox and
the area in use carry a bar, the others do not; a checkbox reads [x] or [ ]."""

from __future__ import annotations

from pilot_steps import settle
from test_terminal_escapes import plain_screen

from bpa_provider.screens.forms import RecordForm
from bpa_provider.screens.widgets.tickbox import TickBox

BAR = "▊"


def line_of(app, row) -> str:  # noqa: ANN001
    """The screen's characters on a field row's first line, across the row."""
    region = row.region
    return plain_screen(app).splitlines()[region.y][region.x : region.right]


async def _assistant_form(app, pilot) -> RecordForm:  # noqa: ANN001
    await settle(app, pilot)
    await pilot.press("3")
    await settle(app, pilot)
    await pilot.press("n")
    await settle(app, pilot)
    assert isinstance(app.screen, RecordForm)
    return app.screen


async def test_without_colour_the_focused_field_has_a_bar_and_no_other(make_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        form = await _assistant_form(app, pilot)
        form.row("name").focus_editor()
        await pilot.pause()
        name, phone = form.row("name"), form.row("phone")
        assert BAR in line_of(app, name)
        assert BAR not in line_of(app, phone)
        phone.focus_editor()
        await pilot.pause()
        assert BAR in line_of(app, phone) and BAR not in line_of(app, name)


async def test_a_checkbox_reads_x_when_ticked_and_blank_when_not(make_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        form = await _assistant_form(app, pilot)
        box_row = next(r for r in form.rows() if r.spec.kind == "bool")
        box = box_row.query_one(TickBox)
        assert "[ ]" in line_of(app, box_row) and "[x]" not in line_of(app, box_row)
        box.value = True
        await pilot.pause()
        assert "[x]" in line_of(app, box_row)
        assert box_row.raw_value() is True


async def test_the_area_in_use_has_a_bar_beside_it(make_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        body = plain_screen(app).splitlines()[2:-2]
        assert all(line[17] == "┃" for line in body), body[:3]
        await pilot.press("escape")
        await pilot.pause()
        body = plain_screen(app).splitlines()[2:-2]
        assert not any(line[17] == "┃" for line in body)
