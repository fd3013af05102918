"""The one renderer: tables, CSV and JSON never pass control characters raw and CSV cells never
start a spreadsheet formula."""

from __future__ import annotations

import json

from bpa_provider.render import render

ROWS = [
    {"name": "Kari \x1b[2J [/bold]", "note": '=HYPERLINK("http://x")', "n": "-3", "hours": 37.5, "on": "2026-03-01"}
]


def test_table_shows_escape_codes_instead_of_sending_them():
    out = render(ROWS, "table")
    assert "\x1b" not in out and "\\x1b[2J" in out
    assert "[/bold]" in out and "01.03.2026" in out


def test_csv_defuses_formulas_but_keeps_numbers():
    out = render(ROWS, "csv")
    assert "\x1b" not in out
    assert "'=HYPERLINK" in out
    assert ",-3," in out and "37.5" in out


def test_json_is_exact_data():
    (row,) = json.loads(render(ROWS, "json"))
    assert row["name"] == "Kari \x1b[2J [/bold]" and row["on"] == "2026-03-01"
