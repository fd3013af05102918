"""The dashboard fails loudly: a section whose code raises says it could not load, its traceback
is in the crash log, and the other sections still show. Nothing is passed off as "not available
in this version" (the old catch of TypeError/AttributeError hid real bugs)."""

from __future__ import annotations

import fixed_data
import pytest
from pilot_steps import settle
from textual.widgets import DataTable, Static

from bpa_provider import crashlog
from bpa_provider.services import dashboard, hour_outlook


def _broken(*args, **kwargs):  # noqa: ANN002, ANN003
    raise TypeError("usage_outlook() got an unexpected keyword argument 'today'")


def test_a_bug_in_a_section_is_raised_not_hidden(fixed_db, monkeypatch):
    monkeypatch.setattr(hour_outlook, "usage_outlook", _broken)
    with pytest.raises(TypeError):
        dashboard.gather_section(fixed_db, fixed_data.BUILDER, fixed_data.TODAY, dashboard.HOURS_USAGE)


async def test_a_section_that_raises_says_so_and_writes_the_crash_log(make_app, monkeypatch, tmp_path):
    log = tmp_path / "logs" / "errors.log"
    monkeypatch.setattr(crashlog, "log_path", lambda: log)
    monkeypatch.setattr(hour_outlook, "usage_outlook", _broken)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        notes = [str(s.render()) for s in app.screen.query(".sec-hours_usage").results(Static)]
        assert any("Could not load — see the log" in n and str(log) in n for n in notes), notes
        assert not any("Not available" in str(s.render()) for s in app.screen.query(Static))
        # The rest of the dashboard is there.
        assert app.screen.query_one("#s-decisions_ending", DataTable).row_count == 1
    assert "unexpected keyword argument 'today'" in log.read_text()
    assert "Traceback" in log.read_text()
