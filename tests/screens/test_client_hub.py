"""The client is the hub: the client screen shows this month's hours and the year-end outlook,
each labelled, and its keys lead to the roster week, the hour account, the transfer, the
supervisor's onboarding and the assistant's last review; every dashboard row opens what it is about.
"""

from __future__ import annotations

import fixed_data
from pilot_steps import settle
from textual.widgets import DataTable, Static

from bpa_provider.access import Actor
from bpa_provider.screens.client_detail import ClientDetailScreen
from bpa_provider.screens.course_onboarding import ChecklistScreen
from bpa_provider.screens.main import MainScreen
from bpa_provider.screens.widgets.status_line import StatusLine
from bpa_provider.services import dashboard, records


def screen_text(screen) -> str:  # noqa: ANN001
    return "\n".join(str(s.render()) for s in screen.query(Static))


async def open_kari(app, pilot) -> ClientDetailScreen:  # noqa: ANN001
    kari = records.find_id(app.db, fixed_data.BUILDER, "client", "K-0001")
    app.open_record("client", kari)
    await settle(app, pilot)
    assert isinstance(app.screen, ClientDetailScreen)
    return app.screen


async def test_the_client_screen_shows_the_month_and_the_year_end_apart(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        shown = screen_text(await open_kari(app, pilot))
        month = next(line for line in shown.splitlines() if line.startswith("This month:"))
        year = next(line for line in shown.splitlines() if line.startswith("Year-end outlook:"))
        assert "decided" in month and "used" in month and "planned" in month
        assert "%" in year and "%" not in month  # the percentage is the year's, and says so


async def test_w_and_h_lead_to_the_clients_roster_week_and_hour_account(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_kari(app, pilot)
        await pilot.press("w")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        view = app.screen.view("rosters")
        assert app.screen.current == "rosters" and view.pane == "week"
        assert view.client_label.startswith("K-0001")
        await open_kari(app, pilot)
        await pilot.press("h")
        await settle(app, pilot)
        view = app.screen.view("rosters")
        assert view.pane == "hours"
        assert "Hour account of K-0001" in screen_text(view)


async def test_o_opens_the_supervisors_onboarding_and_t_says_why_it_cannot(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_kari(app, pilot)
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.query_one(StatusLine).message == "No open transfer for this client."
        await pilot.press("o")
        await settle(app, pilot)
        assert isinstance(app.screen, ChecklistScreen)


async def test_a_key_the_role_may_not_use_says_so(make_app):
    app = make_app(actor=Actor("aud", "auditor"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_kari(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        assert app.screen.query_one(StatusLine).message == "Your role may not do that here."


async def test_an_hours_row_of_the_dashboard_opens_the_hour_account(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        view = app.screen.view("dashboard")
        item = dashboard.Item(
            "client",
            records.find_id(app.db, fixed_data.BUILDER, "client", "K-0002"),
            "K-0002",
            "Ola Hansen",
            flag="under",
            opens="hours",
        )
        view.open_item(item)
        await settle(app, pilot)
        rosters = app.screen.view("rosters")
        assert app.screen.current == "rosters" and rosters.pane == "hours"
        assert rosters.client_label == "K-0002 Ola Hansen"


async def test_an_onboarding_row_of_the_dashboard_opens_the_checklist(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#s-courses_overdue", DataTable)
        table.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ChecklistScreen)


async def test_rows_stay_one_line_and_a_cut_row_shows_in_full_below(make_app):
    from bpa_provider.screens.widgets.row_tip import RowTip

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#s-hours_usage", DataTable)
        assert all(row.height == 1 for row in table.rows.values())
        table.focus()
        await pilot.press("down", "up")
        await pilot.pause()
        tip = app.screen.query_one(RowTip)
        assert tip.has_class("-shown")
        assert "by year end" in str(tip.render()) and "…" not in str(tip.render())
