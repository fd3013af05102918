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


def _old_csv_cell(value):
    """The CSV branch's cell before `_csv_value` (issue 19): the three steps one by one."""
    from bpa_provider.render import _csv_cell, _plain, _visible

    v = _plain(value)
    return "" if v is None else _csv_cell(_visible(v) if isinstance(v, str) else v)


def test_a_csv_cell_is_what_the_three_steps_gave():
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from bpa_provider.render import _csv_value

    class Name(str):
        pass

    values = [None, "", "Per", "=HYPERLINK(1)", "+47 123", "-5", "-5.5", "-x", "@me", "\tx", "\rx", "1,5",
              "a\x1b[31mb", "\u202eevil", "=\x07", Name("=x"), Name("ok"), 0, -3, 2.345, True, False,
              Decimal("-12.50"), Decimal("7"), date(2026, 1, 2), datetime(2026, 1, 2, 3, 4, tzinfo=UTC), ("t",)]  # fmt: skip
    for v in values:
        got, want = _csv_value(v), _old_csv_cell(v)
        assert got == want and (type(got) is type(want) or isinstance(want, str)), v  # the same text


def test_csv_rows_are_the_cells_one_by_one():
    rows = [{"a": "=1+1", "b": None, "c": 2.5}, {"a": "x\x1by", "b": "-3", "c": "@c"}]
    assert render(rows, "csv", ["a", "b", "c"]) == "a,b,c\n'=1+1,,2.5\nx\\x1by,-3,'@c"
