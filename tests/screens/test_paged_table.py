"""The lists' table (screens/widgets/paged_table.py): its short way of drawing a cell gives exactly
what DataTable draws, its scrollable size is DataTable's, and ctrl+End follows the pages down to
the list's last row. Nothing here is timed (the timing is bench/ui_probe.py's)."""

from __future__ import annotations

import random

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from bpa_provider.screens.lists import RecordList
from bpa_provider.screens.widgets.paged_table import PagedTable

WIDTHS = (7, 22, 11, 1, 12)
WORDS = [
    "Kari",
    "Nordmann",
    "Ærlig",
    "Øystein",
    "漢字",
    "x" * 25,
    "a\tb",
    "",
    " ",
    "Lise [/bold] Lie",
    "K-0001",
    "é",
    "e\u0301",
    "\u200b",
    "🙂",
    "01.02.2026",
]
STYLES = [None, "bold", "italic red", "on blue", "not bold", "underline"]


class _Table(App):
    def compose(self) -> ComposeResult:
        yield PagedTable()


def _cell(rng: random.Random) -> Text:
    cell = Text()
    for _ in range(rng.randint(0, 4)):
        cell.append(rng.choice(WORDS) + rng.choice(["", " "]), style=rng.choice(STYLES))
    if rng.random() < 0.3:
        cell.stylize(rng.choice(["bold", "dim", "reverse"]))
    if rng.random() < 0.2:
        cell = Text(cell.plain, style=rng.choice(["bold", "red"]))
    return cell


def _drawn(lines: list) -> list:
    """What reaches the screen: each character with its style (how segments split it does not)."""
    return [[(ch, seg.style) for seg in line if not seg.control for ch in seg.text] for line in lines]


async def test_cells_are_drawn_as_datatable_draws_them():
    rng = random.Random(8)
    app = _Table()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(PagedTable)
        for i, width in enumerate(WIDTHS):
            table.add_column(str(i), width=width, key=str(i))
        table.add_rows([[_cell(rng) for _ in WIDTHS] for _ in range(120)])
        await pilot.pause()
        for row in range(table.row_count):
            base = table._get_row_style(row, table.rich_style)
            for column, key in enumerate(table.columns):
                width = table.columns[key].get_render_width(table)
                for cursor, hover in ((False, False), (True, False), (False, True), (True, True)):
                    table._cell_render_cache.clear()
                    ours = PagedTable._render_cell(table, row, column, base, width, cursor, hover)
                    table._cell_render_cache.clear()
                    theirs = DataTable._render_cell(table, row, column, base, width, cursor, hover)
                    assert _drawn(ours) == _drawn(theirs), (table.get_row_at(row)[column], cursor, hover)


async def test_scrollable_size_is_datatables():
    rng = random.Random(3)
    app = _Table()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(PagedTable)
        for i, width in enumerate(WIDTHS):
            table.add_column(str(i), width=width, key=str(i))
        keys = table.add_rows([[_cell(rng) for _ in WIDTHS] for _ in range(40)])
        await pilot.pause()
        ours = table.virtual_size
        DataTable._update_dimensions(table, keys)
        assert table.virtual_size == ours


async def test_ctrl_end_follows_the_pages_to_the_last_row(make_app, monkeypatch):
    from bpa_provider.screens import lists

    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        view = app.screen.query_one("#clients", RecordList)
        table = view.query_one(PagedTable)
        for _ in range(5):
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert len(view.rows) < view.total == 5
        table.focus()
        await pilot.press("ctrl+end")
        for _ in range(8):
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert len(view.rows) == 5 and table.cursor_row == 4
        assert view.rows[4].id == view.current_id()
