"""The transfer screen shows a Swedish transfer's Försäkringskassan warning (issue 18, defect 5):
notice on 20 March with a change on 10 April puts the form 3079 deadline on 15 March."""

from __future__ import annotations

import fixed_data
from pilot_steps import settle
from textual.widgets import Static

from bpa_provider.screens.transfer_detail import TransferDetailScreen
from bpa_provider.services import transfers as tr


async def test_the_detail_shows_the_deadline_before_the_notice(make_app, fixed_db):
    view = tr.open_transfer(
        fixed_db,
        fixed_data.BUILDER,
        "K-0004",
        "in",
        "Fjordtun Assistans AB",
        "20.03.2026",
        "10.04.2026",
        today=fixed_data.TODAY,
    )
    assert view.country == "SE" and len(view.warnings) == 1
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, TransferDetailScreen)
        notes = " ".join(str(n.render()) for n in app.screen.query(".note").results(Static))
        assert "15.03.2026" in notes and "01.05.2026" in notes
