"""Text from the database never steers the terminal: control characters, escape sequences and bidi
overrides in names, counterparts, courses and the access log are drawn as their codes in every
table, and no screen sends them raw (screens/safe_text.py, screens/widgets/safe_table.py).

The hostile values are written straight into the database, past the services' text check, as a
handover package or an older version might have left them.
"""

from __future__ import annotations

import ast
import sqlite3
from pathlib import Path

from pilot_steps import settle
from rich.console import Console
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Input

from bpa_provider.access import Actor
from bpa_provider.screens.safe_text import ControlCharacters, visible_cell
from bpa_provider.screens.widgets.paged_table import PagedTable
from bpa_provider.screens.widgets.safe_table import SafeTable

SCREENS = Path(__file__).resolve().parents[2] / "screens"

# Clear the screen, set the window title, ring the bell, reverse the text, a C1 CSI.
HOSTILE = "Eve\x1b[2J\x1b]0;owned\x07\u202eLie\x9b"
RAW = ("\x1b[2J", "\x1b]0;", "\x07", "\u202e", "\x9b")
SHOWN = "Eve\\x1b[2J\\x1b]0;owned\\x07\\u202eLie\\x9b"


def terminal_output(app) -> str:  # noqa: ANN001
    """Exactly what the app would send the terminal to draw the whole screen now."""
    return app.screen._compositor.render_full_update().render_segments(app.console)


def plain_screen(app) -> str:  # noqa: ANN001
    """The screen's characters, line by line, without styles."""
    update = app.screen._compositor.render_full_update()
    return "\n".join("".join(seg.text for strip in line for seg in strip if not seg.control) for line in update.strips)


def assert_safe(app) -> None:  # noqa: ANN001
    out = terminal_output(app)
    for raw in RAW:
        assert raw not in out, f"{raw!r} reached the terminal"


class _Tables(App):
    def compose(self) -> ComposeResult:
        yield SafeTable(id="safe")
        yield PagedTable(id="paged")


def test_a_cell_shows_each_control_character_as_its_code_and_keeps_its_styles():
    cell = Text("a")
    cell.append("\x1b[31m", style="bold")
    cell.append("b\u2066", style="italic")
    shown = visible_cell(cell)
    assert shown.plain == "a\\x1b[31mb\\u2066"
    console = Console()
    styles = [shown.get_style_at_offset(console, i) for i in range(len(shown.plain))]
    assert [bool(s.bold) for s in styles] == [False] + [True] * 8 + [False] * 7
    assert [bool(s.italic) for s in styles] == [False] * 9 + [True] * 7
    assert [bool(s.reverse) for s in styles] == [False] + [True] * 4 + [False] * 5 + [True] * 6
    assert visible_cell("x\x07") == "x\\x07"
    assert visible_cell(5) == 5
    plain = Text("Kari Nordmann")
    assert visible_cell(plain) is plain  # nothing to do: the same object, no copy


async def test_both_tables_draw_codes_in_cells_headers_and_updates():
    app = _Tables()
    async with app.run_test(size=(100, 12)) as pilot:
        for table in (app.query_one("#safe", SafeTable), app.query_one("#paged", PagedTable)):
            table.add_column(HOSTILE, width=44, key="name")
            table.add_column("x", width=5, key="x")
            row = table.add_row(Text(HOSTILE), "\x07")
            table.add_row(Text("plain"), Text("ok"))
            table.update_cell(row, "x", "\x1b[H")
        await pilot.pause()
        screen = plain_screen(app)
        assert screen.count(SHOWN) == 2  # the header of each table
        # Rich drops the bell itself when a Text is made; the rest is shown as codes
        assert screen.count(SHOWN.replace("\\x07", "")) == 2
        assert screen.count("\\x1b…") == 2  # the updated cell, cut to its column (5 wide)
        assert_safe(app)


def test_the_line_filter_drops_what_a_widget_let_through():
    from rich.segment import Segment
    from textual.color import Color

    line = [Segment("ab\x1b[2Jc"), Segment("\u202ed", None)]
    out = ControlCharacters().apply(line, Color(0, 0, 0))
    assert "".join(s.text for s in out) == "ab[2Jcd"
    untouched = [Segment("plain")]
    assert ControlCharacters().apply(untouched, Color(0, 0, 0)) is untouched


def test_no_screen_builds_a_plain_datatable():
    """Every table of the app is a SafeTable (PagedTable is one), so none draws raw cells."""
    found = []
    for path in SCREENS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DataTable":
                found.append(f"{path.name}:{node.lineno}")
    assert found == []


def _poison(db_path: str) -> None:
    con = sqlite3.connect(db_path)
    with con:
        con.execute("UPDATE client SET name = ? WHERE ref = 'K-0001'", (HOSTILE,))
        con.execute("UPDATE assistant SET name = ? WHERE ref = 'A-0001'", (HOSTILE,))
    con.close()


async def test_hostile_names_in_the_database_are_shown_as_codes_on_every_screen(make_app, fixed_db):
    from bpa_provider import audit
    from bpa_provider.services import courses

    _poison(fixed_db.engine.url.database)
    coord = Actor(login="coord", role="coordinator")
    courses.create_course(fixed_db, coord, {"name": "Kurs", "organiser": "Org", "kind": "supervisor_basic"})
    con = sqlite3.connect(fixed_db.engine.url.database)
    with con:
        con.execute("UPDATE course SET name = ?, organiser = ?", (HOSTILE, HOSTILE))
        con.execute(
            "INSERT INTO transfer (client_id, direction, counterpart, notice_date, effective_date, state,"
            " client_consent_on, cancelled_reason, created_by, created_at, updated_at, version)"
            " VALUES ((SELECT id FROM client WHERE ref = 'K-0002'), 'in', ?, '2026-02-01', '2026-04-01',"
            " 'notice', NULL, '', 'coord', '2026-02-01 09:00:00', '2026-02-01 09:00:00', 1)",
            (HOSTILE,),
        )
    con.close()
    with fixed_db.write() as s:
        audit.record(s, coord, "read", "client", 1, subject=HOSTILE, summary=HOSTILE)

    app = make_app(actor=Actor("admin", "admin"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for keys, expect_code in (
            ("2", True),
            ("enter", True),
            ("escape", False),
            ("3", True),
            ("enter", True),
            ("escape", False),
            ("5", True),
            ("6", False),
            ("greater_than_sign", False),
            ("greater_than_sign", True),
            ("9", True),
            ("enter", True),
        ):
            await pilot.press(keys)
            await settle(app, pilot)
            assert_safe(app)
            if expect_code:
                assert "\\x1b[2J" in plain_screen(app), (keys, plain_screen(app))
        await pilot.press("escape")
        await settle(app, pilot)
        app.screen.query_one("#f-subject", Input).value = HOSTILE  # as `w` copies a row's subject
        await pilot.pause()
        assert_safe(app)
