"""A shift's time in the roster grid stays on one line, even in the narrow Sunday column at 80
columns, where "07–12:15" broke onto two lines (issue 16)."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest

from bpa_provider.screens.roster_grid import column_widths, shift_times


def _shift(start: str, end: str) -> SimpleNamespace:
    return SimpleNamespace(start=datetime.fromisoformat(start), end=datetime.fromisoformat(end))


@pytest.mark.parametrize(
    ("start", "end", "mark", "width", "shown"),
    [
        ("2026-03-08T07:00", "2026-03-08T12:15", "", 10, "07–12:15"),
        ("2026-03-08T07:00", "2026-03-08T12:15", "!", 8, "!7–12:15"),
        ("2026-03-08T07:30", "2026-03-08T12:15", "!", 8, "!7:30–1…"),
        ("2026-03-08T00:30", "2026-03-08T08:00", "", 7, "0:30–8"),
        ("2026-03-08T08:00", "2026-03-08T16:00", "", 9, "08–16"),
    ],
)
def test_a_shifts_time_is_one_line_that_fits_its_column(start, end, mark, width, shown):
    text = shift_times(_shift(start, end), width, mark)  # type: ignore[arg-type]
    assert text == shown
    assert len(text) <= width and "\n" not in text


def test_the_sunday_column_at_80_columns_holds_a_marked_quarter_past_shift():
    sunday = column_widths(80 - 2)[-1]
    assert len(shift_times(_shift("2026-03-08T07:00", "2026-03-08T12:15"), sunday, "!")) <= sunday  # type: ignore[arg-type]


def test_a_short_date_is_written_each_languages_way():
    from datetime import date

    from bpa_provider.formats import format_short_date

    day = date(2026, 3, 2)
    assert [format_short_date(day, lang) for lang in ("nb", "en", "sv")] == ["02.03", "02.03", "2/3"]
    assert format_short_date(None) == ""


async def test_the_week_grid_heads_its_days_the_swedish_way(make_app):
    from pilot_steps import settle
    from test_roster_screens import grid_text, open_kari

    app = make_app(lang="sv")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_kari(app, pilot)
        text = grid_text(app)
        assert "2/3" in text and "8/3" in text
        assert "02.03" not in text


def test_a_week_title_and_a_period_are_written_each_languages_way():
    """The roster week's title and a period's span: dd.mm in nb and en, whole ISO days in sv (a
    Swedish screen showed "02.03–08.03.2026" beside its ISO dates)."""
    from datetime import date

    from bpa_provider import i18n
    from bpa_provider.screens.rosters import span, week_label

    monday = date(2026, 3, 2)
    try:
        i18n.set_language("nb")
        assert week_label(monday) == "Uke 10 · 02.03–08.03.2026"
        assert span(monday, date(2026, 3, 8)) == "02.03–08.03.26"
        assert span(date(2025, 12, 29), date(2026, 1, 4)) == "29.12.25–04.01.26"
        i18n.set_language("sv")
        assert week_label(monday) == "Vecka 10 · 2026-03-02 – 2026-03-08"
        assert span(monday, date(2026, 3, 8)) == "2026-03-02 – 2026-03-08"
    finally:
        i18n.set_language("en")
