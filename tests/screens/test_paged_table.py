"""The lists' table (screens/widgets/paged_table.py): its short way of drawing a cell gives exactly
what DataTable draws, its scrollable size is DataTable's; ctrl+End reaches the list's last row
in one call, and the clients list asks for its first page without waiting for its names. Nothing here is timed (the timing is bench/ui_probe.py's)."""

from __future__ import annotations

import random

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from bpa_provider.screens.lists import RecordList
from bpa_provider.screens.widgets.paged_table import PagedTable
from bpa_provider.screens.widgets.safe_table import SafeTable

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
    """One table: the lists' (zebra stripes), or a record screen's (`plain`: no stripes)."""

    def __init__(self, plain: bool = False) -> None:
        super().__init__()
        self.plain = plain

    def compose(self) -> ComposeResult:
        yield SafeTable(cursor_type="row") if self.plain else PagedTable()


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


@pytest.mark.parametrize("plain", [False, True], ids=["list", "record-section"])
async def test_cells_are_drawn_as_datatable_draws_them(plain):
    rng = random.Random(8)
    app = _Table(plain)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(SafeTable)
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
                    ours = type(table)._render_cell(table, row, column, base, width, cursor, hover)
                    table._cell_render_cache.clear()
                    theirs = DataTable._render_cell(table, row, column, base, width, cursor, hover)
                    assert _drawn(ours) == _drawn(theirs), (table.get_row_at(row)[column], cursor, hover)


@pytest.mark.parametrize("plain", [False, True], ids=["list", "record-section"])
async def test_scrollable_size_is_datatables(plain):
    rng = random.Random(3)
    app = _Table(plain)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(SafeTable)
        for i, width in enumerate(WIDTHS):
            table.add_column(str(i), width=width, key=str(i))
        keys = table.add_rows([[_cell(rng) for _ in WIDTHS] for _ in range(40)])
        await pilot.pause()
        ours = table.virtual_size
        DataTable._update_dimensions(table, keys)
        assert table.virtual_size == ours


@pytest.mark.parametrize("plain", [False, True], ids=["list", "record-section"])
async def test_rows_added_then_the_cursor_moved_are_scrolled_before_the_next_paint(plain):
    """The scrollable size is known as soon as rows are added, and the cursor's row is scrolled
    into view at once: the next paint shows it (DataTable waited for an idle moment and a paint,
    so a page swapped in by ctrl+End was drawn at the old position, then at the cursor)."""
    app = _Table(plain)
    app.CSS = "SafeTable { height: 1fr; }"  # as in the lists: the table's height is the screen's
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(SafeTable)
        for i, width in enumerate(WIDTHS):
            table.add_column(str(i), width=width, key=str(i))
        await pilot.pause()
        table.add_rows([[Text(f"r{n}")] * len(WIDTHS) for n in range(200)])
        table.move_cursor(row=199)
        assert table.virtual_size.height == 201  # the header and every row, now
        assert table.max_scroll_y > 0 and table.scroll_y == table.max_scroll_y  # before any paint
        await pilot.pause()
        assert table.cursor_row == 199 and table.scroll_y == table.max_scroll_y


async def _settle(app, pilot, rounds: int = 6) -> None:
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()


def _spy_pages(monkeypatch, page_size: int, end_page: int | None = None, also=None):
    """The lists' pages made small and `records.list_records` spied on: returns the list every
    call's (offset, limit) is appended to, and the real function (`also()` runs on each call)."""
    from bpa_provider.screens import lists
    from bpa_provider.services import records

    asked: list[tuple[int, int]] = []
    list_records = records.list_records

    def spy(*args, **kwargs):
        asked.append((kwargs["offset"], kwargs["limit"]))
        if also is not None:
            also()
        return list_records(*args, **kwargs)

    monkeypatch.setattr(lists, "PAGE_SIZE", page_size)
    if end_page is not None:
        monkeypatch.setattr(lists, "END_PAGE", end_page)
    monkeypatch.setattr(records, "list_records", spy)
    return asked, list_records


async def _open_clients(app, pilot, list_records):
    """The clients list opened and settled: its view, its table and every client's id in order."""
    await pilot.press("2")
    view = app.screen.query_one("#clients", RecordList)
    table = view.query_one(PagedTable)
    await _settle(app, pilot)
    every = [r.id for r in list_records(app.db, app.actor, "client", offset=0, limit=100).rows]
    return view, table, every


async def test_ctrl_end_next_page_is_the_last_appends_it(make_app, monkeypatch):
    """With one page left, ctrl+End appends it (the rows stay one run from the list's start)."""
    from bpa_provider.screens import lists

    monkeypatch.setattr(lists, "PAGE_SIZE", 3)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        view = app.screen.query_one("#clients", RecordList)
        table = view.query_one(PagedTable)
        await _settle(app, pilot)
        assert len(view.rows) < view.total == 5
        table.focus()
        await pilot.press("ctrl+end")
        await _settle(app, pilot)
        assert view.base == 0 and len(view.rows) == 5 and table.cursor_row == 4
        assert view.rows[4].id == view.current_id()


async def test_ctrl_end_jumps_to_the_last_page_and_pages_back(make_app, monkeypatch):
    """ctrl+End asks for the last page directly (not every page before it); going up fetches the
    pages before it, the cursor staying on its record; ctrl+Home is the first page again."""
    from bpa_provider.screens import lists
    from bpa_provider.services import records

    asked: list[int] = []
    list_records = records.list_records

    def spy(*args, **kwargs):
        asked.append(kwargs["offset"])
        return list_records(*args, **kwargs)

    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    monkeypatch.setattr(records, "list_records", spy)
    monkeypatch.setattr(RecordList, "_ask_ahead", lambda self: None)  # the key asks (see below)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        view = app.screen.query_one("#clients", RecordList)
        table = view.query_one(PagedTable)
        await _settle(app, pilot)
        every = [r.id for r in list_records(app.db, app.actor, "client", offset=0, limit=100).rows]
        assert view.total == len(every) == 5 and len(view.rows) == 2
        table.focus()
        asked.clear()
        await pilot.press("ctrl+end")
        await _settle(app, pilot)
        assert asked[-1] == 3  # the last page, in one call
        assert 2 not in asked[1:]  # and no page walked to (the second's answer, if asked, dropped)
        assert view.base == 3 and [r.id for r in view.rows] == every[3:]
        assert view.current_id() == every[-1]
        assert "4–5 of 5" in str(view.query_one("#status").render())
        await pilot.press("up")  # onto the window's first row: the page before it comes
        await _settle(app, pilot)
        assert asked[-1] == 1 and view.base == 1
        assert [r.id for r in view.rows] == every[1:]
        assert view.current_id() == every[3]  # the same record under the cursor
        await pilot.press("ctrl+home")
        await _settle(app, pilot)
        assert view.base == 0 and [r.id for r in view.rows] == every[:2]
        assert view.current_id() == every[0]


async def test_clients_list_asks_names_and_first_page_at_once(make_app, monkeypatch):
    """The first page is asked for while the municipality names are still on their way (it used
    to wait for them), and it is drawn with the names once they come."""
    import threading

    from bpa_provider.services import records

    release = threading.Event()
    pages: list[int] = []
    names, list_records = records.client_municipalities, records.list_records

    def slow_names(*args, **kwargs):
        assert release.wait(10)
        return names(*args, **kwargs)

    def spy(*args, **kwargs):
        pages.append(kwargs["offset"])
        return list_records(*args, **kwargs)

    monkeypatch.setattr(records, "client_municipalities", slow_names)
    monkeypatch.setattr(records, "list_records", spy)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        view = app.screen.query_one("#clients", RecordList)
        for _ in range(50):
            await pilot.pause(0.02)
            if pages:
                break
        assert pages == [0] and not view.municipalities  # the page asked before the names came
        assert view.query_one(PagedTable).row_count == 0  # and not drawn without them
        release.set()
        await _settle(app, pilot)
        table = view.query_one(PagedTable)
        assert table.row_count == view.total > 0 and view.municipalities
        column = [c.key for c in view.shown].index("municipality_id")
        assert all(str(table.get_row_at(i)[column]).strip() for i in range(table.row_count))


async def test_ctrl_end_asks_only_for_the_last_rows(make_app, monkeypatch):
    """ctrl+End asks for the list's last END_PAGE rows and nothing else: the cursor's move to the
    last fetched row no longer also asks for the next page (a query whose answer was dropped)."""
    cursor_when_asked: list[int] = []
    tables: list[PagedTable] = []  # the list's table, once there
    asked, list_records = _spy_pages(
        monkeypatch, 2, end_page=1, also=lambda: cursor_when_asked.extend(t.cursor_row for t in tables)
    )
    monkeypatch.setattr(RecordList, "_ask_ahead", lambda self: None)  # the key asks (see below)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view, table, every = await _open_clients(app, pilot, list_records)
        table.focus()
        tables.append(table)
        asked.clear()
        await pilot.press("ctrl+end")
        await _settle(app, pilot)
        assert asked == [(4, 1)]  # the last row only, in one call
        # and the cursor stayed where it was meanwhile: moving it onto the last fetched row drew
        # a screenful that the last page then replaced
        assert cursor_when_asked == [0]
        assert view.base == 4 and [r.id for r in view.rows] == every[4:]
        assert view.current_id() == every[-1]


async def test_ctrl_end_swaps_in_the_last_page_fetched_ahead_and_pages_back(make_app, monkeypatch):
    """With more than a page to go, the last page is fetched in the background once the first
    is shown: ctrl+End then asks nothing while the person waits, and paging back from there
    works as after a page asked for by the key. A new order drops the page fetched ahead."""
    asked, list_records = _spy_pages(monkeypatch, 2)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view, table, every = await _open_clients(app, pilot, list_records)
        assert asked == [(0, 2), (3, 2)]  # the first page, then the last one ahead
        table.focus()
        asked.clear()
        await pilot.press("ctrl+end")
        await _settle(app, pilot)
        assert asked == []  # nothing asked while the person waits
        assert view.base == 3 and [r.id for r in view.rows] == every[3:]
        assert view.current_id() == every[-1] and not view.fetching
        await pilot.press("up")  # onto the window's first row: the page before it comes
        await _settle(app, pilot)
        assert asked == [(1, 2)] and [r.id for r in view.rows] == every[1:]
        assert view.current_id() == every[3]
        await pilot.press("ctrl+home")
        await _settle(app, pilot)
        asked.clear()
        await pilot.press("r")  # reversed: the page fetched ahead for the old order is dropped
        await _settle(app, pilot)
        assert asked == [(0, 2), (3, 2)]
        await pilot.press("ctrl+end")
        await _settle(app, pilot)
        assert [r.id for r in view.rows] == list(reversed(every))[3:]


async def test_ctrl_home_from_the_last_page_asks_only_for_the_first(make_app, monkeypatch):
    """ctrl+Home from a window at the list's end loads the first page in its place; the cursor no
    longer moves to the window's first row first, which drew it and asked for the page before it
    (a query whose answer the first page then dropped)."""
    asked, list_records = _spy_pages(monkeypatch, 2)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view, table, every = await _open_clients(app, pilot, list_records)
        table.focus()
        await pilot.press("ctrl+end")
        await _settle(app, pilot)
        assert view.base == 3
        asked.clear()
        await pilot.press("ctrl+home")
        await _settle(app, pilot)
        assert asked[0] == (0, 2) and (1, 2) not in asked  # the first page; no page before the window
        assert view.base == 0 and [r.id for r in view.rows] == every[:2]
        assert view.current_id() == every[0] and table.scroll_y == 0
