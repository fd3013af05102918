"""Find and act from anywhere: F1 shows the keys of where you are first (not of every area
opened so far); the palette finds supervisors too and offers the current screen's actions."""

from __future__ import annotations

from pilot_steps import settle
from test_roster_screens import open_kari, shift
from tooling import wait_for

from bpa_provider.screens.commands import ScreenActions
from bpa_provider.screens.confirm import ConfirmScreen
from bpa_provider.screens.forms import RecordForm
from bpa_provider.screens.help import HelpScreen


async def test_f1_shows_the_current_areas_keys_first_and_not_those_of_areas_left(make_app, fixed_db):
    shift(fixed_db, "2026-03-02T08:00", "16:00")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_kari(app, pilot)  # the Rosters area, built and then left
        await pilot.press("escape", "2")
        await settle(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        titles = [title for title, _items in app.screen.groups]
        assert titles[0] == "Lists"
        assert "Rosters" not in titles and "Week grid" not in titles
        assert titles[-2:] == ["Everywhere", "Moving around"]


async def test_the_palette_offers_the_weeks_actions_and_runs_them(make_app, fixed_db):
    shift(fixed_db, "2026-03-02T08:00", "16:00")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_kari(app, pilot)
        titles = [t for t, _c, _h in ScreenActions(app.screen, None).commands()]
        for action in ("Approve week", "Lock week", "New shift", "Copy week"):
            assert action in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"approve week")
        await wait_for(pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)  # "Approve …?" as the key p asks


async def test_the_palette_finds_a_supervisor(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"anne")
        await wait_for(pilot)
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordForm)
        assert app.screen.kind == "supervisor"


def test_a_typed_week_or_date_names_its_monday():
    from datetime import date

    import pytest

    from bpa_provider.screens.goto_week import week_monday

    assert week_monday("9", 2026) == date(2026, 2, 23)
    assert week_monday("uke 9", 2026) == date(2026, 2, 23)
    assert week_monday("2027-W01", 2026) == date(2027, 1, 4)
    assert week_monday("12/2027", 2026) == date(2027, 3, 22)
    assert week_monday("12.02.2026", 2026) == date(2026, 2, 9)  # a Thursday: its week
    assert week_monday("2026-02-15", 2026) == date(2026, 2, 9)  # a Sunday: still that week
    for bad in ("54", "2026-W60", "hello", "31.02.2026", ""):
        with pytest.raises(ValueError):
            week_monday(bad, 2026)


async def test_g_in_the_roster_goes_to_a_typed_week(make_app, fixed_db):
    from textual.widgets import Input

    from bpa_provider.screens.goto_week import GoToWeekScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_kari(app, pilot)
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, GoToWeekScreen)
        app.screen.query_one(Input).value = "99"
        await pilot.press("enter")
        await pilot.pause()
        assert "has no week 99" in str(app.screen.query_one("#error").render())
        app.screen.query_one(Input).value = "12.02.2026"
        await pilot.press("enter")
        await settle(app, pilot)
        assert str(view.week_start) == "2026-02-09"
        assert view.week is not None and str(view.week.week_start) == "2026-02-09"
