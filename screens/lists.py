"""Clients, assistants and municipalities as searchable, sortable, filterable lists.

Every list is a `RecordList` configured by a `ListSpec`. Search, filters, order and paging are all
done by the database through `records.list_records` (pages of PAGE_SIZE rows, the next page
fetched as the cursor nears the end), so a register of 10,000 clients opens at once. The table
holds a window of the list — rows `base` to `base + len(rows)` — which is its start until ctrl+End
swaps in the last page (one query at any length, fetched ahead in the background once the first
page is shown, else when the key comes); from there the pages before it are fetched as the cursor
nears the window's top, and ctrl+Home goes back to the first page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Select, Static

from bpa_provider.i18n import N_, _
from bpa_provider.screens import labels
from bpa_provider.screens.calls import ServiceCaller
from bpa_provider.screens.list_specs import ASSISTANTS, CLIENTS, MUNICIPALITIES, Column, ListSpec
from bpa_provider.screens.messages import OpenRecord, ServiceResult
from bpa_provider.screens.ui import TranslatedBindings, describe_error, text
from bpa_provider.screens.widgets.paged_table import PagedTable
from bpa_provider.screens.widgets.row_tip import RowTip, RowTips
from bpa_provider.services import records

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp

__all__ = ["ASSISTANTS", "CLIENTS", "MUNICIPALITIES", "Column", "ListSpec", "RecordList"]

PAGE_SIZE = 200
# ctrl+End shows the list's last END_PAGE rows (a screenful and more); the pages before them come
# as the cursor nears the top, as ever. Fewer rows to make into cells while the person waits:
# a page of 200 took the UI thread ≈ 40 ms quiet, several times that under load.
END_PAGE = 60
SEARCH_DELAY = 0.25  # seconds of quiet typing before the search runs


class RecordList(RowTips, ServiceCaller, TranslatedBindings, Vertical):
    """Search field and filters above a paged table, with a status line below."""

    DEFAULT_CSS = """
    RecordList { height: 1fr; }
    RecordList #filters { height: auto; margin-bottom: 1; }
    RecordList #search { width: 1fr; }
    RecordList Select { width: 16; margin-left: 1; }
    RecordList #f-municipality_id { width: 20; }
    /* "Alle statuser" / "Alla statusar": one line with the arrow (a wrapped prompt hid the list's first row) */
    RecordList #f-status { width: 18; }
    RecordList PagedTable { height: 1fr; }
    RecordList #status { height: 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("n", "new", N_("New")),
        Binding("e", "edit", N_("Edit")),
        Binding("x", "end", N_("End")),
        Binding("slash", "search", N_("Search")),
        Binding("s", "sort", N_("Sort")),
        Binding("r", "reverse", N_("Reverse order")),
        Binding("f5", "reload", N_("Reload"), show=False),  # in F1 help; the footer has no room at 80 columns
    ]

    def __init__(self, spec: ListSpec, *, id: str) -> None:
        super().__init__(id=id)
        self.translate_bindings()
        self.spec = spec
        self.municipalities: dict[int, str] = {}
        self.rows: list[Any] = []
        self.base = 0  # the list position of rows[0] (above 0 after a jump to the end)
        self._offsets: dict[str, int] = {}  # the offset each tag's latest call asked for
        self.total = 0
        self.order = spec.columns[0].key
        self.shown: tuple[Column, ...] = spec.columns  # the columns that fit whole (see _fitting)
        self.descending = False
        self.fetching = False
        self.stale = True
        self._keep_id: int | None = None
        self._search_timer: Timer | None = None
        self._to_end = False  # ctrl+End: follow the pages to the list's last row
        self._names_pending = False  # the municipality names are still being asked for
        self._held: ServiceResult | None = None  # a page that came before the names
        self._ahead: records.Page | None = None  # ctrl+End's page, fetched ahead (`_ask_ahead`)

    @property
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        hint = _("Name or reference")
        if self.spec.kind in ("client", "assistant") and self.bpa.actor.may("national_id.reveal"):
            hint = _("Name, ref or national ID")
        with Horizontal(id="filters"):
            yield Input(placeholder=hint, id="search", compact=True)
            for name in self.spec.filters:
                yield self._filter(name)
        table = PagedTable(id="table")
        table.hidden_text = self._hidden_cells
        yield table
        yield RowTip()
        yield Static(id="status")

    def _filter(self, name: str) -> Select:
        if name == "status":
            options = [(labels.choice(c), c) for c in records.SPECS["client"].field("status").choices]
            return Select(options, prompt=_("Any status"), id="f-status", compact=True)
        if name == "country":
            return Select(
                [(labels.choice(c), c.upper()) for c in records.COUNTRIES],
                prompt=_("Any country"),
                id="f-country",
                compact=True,
            )
        return Select([], prompt=_("Any municipality"), id="f-municipality_id", compact=True)

    def on_mount(self) -> None:
        if not self.is_attached or not self.query("#status"):
            # Mounted as the app closes (a list built ahead just as the person quits): its
            # children were never mounted (NoMatches '#status' at exit, one start in ≈ 10 in
            # bench/app_probe.py, which quits as soon as the dashboard is filled).
            return
        # A list built ahead during start-up (screens/main.py) asks for its rows once the database
        # stack is loaded (at once if it is), as the scoped actor then.
        self.stale = False
        self.fetching = True  # shown meanwhile, it is not asked again (on_show)
        self.query_one("#status", Static).update(_("Loading…"))
        # After a refresh: built once the stack is loaded (the lists built ahead wait for the
        # dashboard's sections), `when_ready` calls at once, and the filters' row (the search)
        # may not be mounted yet when this runs (NoMatches '#search', 1 start in ≈ 10).
        self.call_after_refresh(self.bpa.when_ready, self._first_load)

    def _first_load(self) -> None:
        if not self.is_attached or not self.query("#search"):  # the app closing (see on_mount)
            return
        if self.spec.kind == "client":
            # The names for the filter and the cells, and the first page, asked at once: a page
            # that comes first waits (held) for the names, never the other way round.
            self._names_pending = True
            self.call_service("municipalities", records.client_municipalities, self.bpa.db, self.bpa.actor)
        self.load()

    def on_show(self) -> None:
        if self.stale and not self.fetching:
            self.load(keep=True)

    # -- loading ---------------------------------------------------------------------------
    def _filters(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for select in self.query(Select):
            if select.id and select.id.startswith("f-") and not select.is_blank():
                values[select.id[2:]] = select.value
        return values

    def load(self, *, keep: bool = False, more: bool = False) -> None:
        """Fetch the first page (or, with `more`, the next one) for the current search."""
        if more and (self.fetching or self.base + len(self.rows) >= self.total):
            return
        if keep and not more:
            self._keep_id = self.current_id()
        if not more:
            for tag in ("more", "before", "end", "ahead"):  # pages of the previous search must not be added
                self.forget(tag)
            self._to_end = False
            self._ahead = None
        self._fetch("more" if more else "page", self.base + len(self.rows) if more else 0, PAGE_SIZE)

    def _query(self) -> dict[str, Any]:
        """The current search, filters and order, as `records.list_records` takes them."""
        return {
            "search": self.query_one("#search", Input).value,
            "filters": self._filters(),
            "order": self.order,
            "descending": self.descending,
        }

    def _fetch(self, tag: str, offset: int, limit: int) -> None:
        self._offsets[tag] = offset
        self.stale = False
        self.fetching = True
        self.query_one("#status", Static).update(_("Loading…"))
        self.call_service(
            tag,
            records.list_records,
            self.bpa.db,
            self.bpa.actor,
            self.spec.kind,
            offset=offset,
            limit=limit,
            **self._query(),
        )

    def _ask_ahead(self) -> None:
        """ctrl+End's page, asked for as soon as the first page is shown (a list with more than a
        page to go): the key then swaps it in with no query while the person waits. A new search,
        order, filter or reload drops it (`load`). Not on the background pool: behind the
        dashboard's sections there (seconds at 100 % while the app starts) it came after the key;
        the query is one index range of END_PAGE rows (a few ms)."""
        if self.fetching or self.base or self.total - len(self.rows) <= PAGE_SIZE or not self.is_attached:
            return  # another page is on its way (it asks again), or the end is a page away at most
        size = min(PAGE_SIZE, END_PAGE)
        self._offsets["ahead"] = self.total - size
        self.call_service(
            "ahead",
            records.list_records,
            self.bpa.db,
            self.bpa.actor,
            self.spec.kind,
            offset=self.total - size,
            limit=size,
            **self._query(),
        )

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        if result.tag == "municipalities":
            if result.error is None:
                self.municipalities = dict(result.value)
                for select in self.query("#f-municipality_id").results(Select):
                    select.set_options(
                        [(name, mid) for mid, name in sorted(self.municipalities.items(), key=lambda kv: kv[1])]
                    )
            self._names_pending = False
            held, self._held = self._held, None
            if held is not None and self.is_current(held):
                self.on_service_result(held)
            return
        if result.tag == "ahead":
            self._ahead = result.value if result.error is None else None
            return
        if self._names_pending and result.error is None:
            self._held = result  # its municipality cells need the names
            return
        self.fetching = False
        if result.error is not None:
            self.query_one("#status", Static).update(Text(describe_error(result.error)))
            return
        page: records.Page = result.value
        table = self.query_one(PagedTable)
        if result.tag in ("before", "end"):
            self._window(table, page, result.tag)
            return
        if result.tag == "page":
            self.rows = []
            self.base = 0
            self._set_columns(table)
        self.total = page.total
        last = len(self.rows) - 1
        self.rows.extend(page.rows)
        table.add_rows([self._cell(c, r) for c in self.shown] for r in page.rows)
        if self._to_end and result.tag == "more":
            # Going to the end page by page (each page one bounded step for the UI thread): the
            # cursor follows onto the new last row, which asks for the next page (NearEnd), unless
            # the person moved away meanwhile.
            self._to_end = table.cursor_row == last and len(self.rows) < self.total
            if table.cursor_row == last:
                table.move_cursor(row=len(self.rows) - 1)
        if result.tag == "page" and self._keep_id is not None:
            ids = [r.id for r in self.rows]
            if self._keep_id in ids:
                table.move_cursor(row=ids.index(self._keep_id))
            self._keep_id = None
        elif result.tag == "page":
            # The cursor is on the first row: drawn from the top in this paint, not first at the
            # scroll position of the rows before (a search typed after ctrl+End) and then again.
            table.scroll_to(y=0, animate=False, immediate=True)
        self.refresh_tip(table)
        self._show_status()
        if result.tag == "page":
            self.call_after_refresh(self._ask_ahead)  # after these rows are drawn (its rows hold the GIL too)

    def _window(self, table: PagedTable, page: records.Page, tag: str) -> None:
        """The last page (ctrl+End) in place of the rows held, the cursor on its last row; or
        the page before the window put above it, the cursor staying on the same record."""
        self.total = page.total
        self.base = self._offsets[tag]
        if tag == "end":
            self.rows = list(page.rows)
            row = len(self.rows) - 1
        else:
            row = table.cursor_row + len(page.rows)
            self.rows = [*page.rows, *self.rows]
        table.clear()
        table.add_rows([self._cell(c, r) for c in self.shown] for r in self.rows)
        table.move_cursor(row=row, animate=False)
        self.refresh_tip(table)
        self._show_status()

    def _fitting(self) -> tuple[Column, ...]:
        """The columns, from the left, that fit the list's width whole (at least the first two):
        at 80 columns a client list shows reference, name, status and municipality rather than a
        sliver of its start date; the rest come back on a wider terminal."""
        room = self.size.width or max(self.app.size.width - 19, 40)
        used, out = 2, []  # the scrollbar gutter
        for col in self.spec.columns:
            used += col.width + 2  # the cell's padding
            if used > room and len(out) >= 2:
                break
            out.append(col)
        return tuple(out)

    def on_resize(self) -> None:
        """The columns that fit the new width, over the rows held (no new query: a list built
        ahead while hidden is sized when first shown)."""
        if self.rows and self._fitting() != self.shown:
            table = self.query_one(PagedTable)
            row = table.cursor_row
            self._set_columns(table)
            table.add_rows([self._cell(c, r) for c in self.shown] for r in self.rows)
            table.move_cursor(row=row, animate=False)
            self.refresh_tip(table)

    def _set_columns(self, table: DataTable) -> None:
        table.clear(columns=True)
        self.shown = self._fitting()
        for col in self.shown:
            title = Text(_(col.title))
            if col.key == self.order:
                title.append(" ▼" if self.descending else " ▲")
            table.add_column(title, width=col.width, key=col.key)

    def _hidden_cells(self, row_index: int) -> list[str]:
        """The columns left out at this width, as "Title: value", for the line under the list."""
        if not 0 <= row_index < len(self.rows):
            return []
        row = self.rows[row_index]
        out = []
        for col in self.spec.columns:
            if col not in self.shown and (value := self._cell(col, row).plain.strip()):
                out.append(f"{_(col.title)}: {value}")
        return out

    def _cell(self, col: Column, row: Any) -> Text:
        if col.show is not None:
            return col.show(row, self)
        return text(getattr(row, col.key, ""))

    def _show_status(self) -> None:
        sorted_by = next((_(c.title) for c in self.spec.columns if c.key == self.order), self.order)
        line = _("{shown} of {total} · sorted by {column}").format(
            shown=len(self.rows), total=self.total, column=sorted_by
        )
        if self.base:
            line = _("{first}–{last} of {total} · sorted by {column}").format(
                first=self.base + 1, last=self.base + len(self.rows), total=self.total, column=sorted_by
            )
        if not self.total:
            line = _("Nothing found.") + " " + (_("Press n to add one.") if self._may_write() else "")
        self.query_one("#status", Static).update(Text(line))
        table = self.query_one(PagedTable)
        table.far_end = self.total - self.base - len(self.rows) > PAGE_SIZE
        table.far_start = self.base > 0

    # -- events ----------------------------------------------------------------------------
    @on(Input.Changed, "#search")
    def _search_changed(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self.load)

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.query_one(PagedTable).focus()

    @on(Select.Changed)
    def _filter_changed(self) -> None:
        if self.is_mounted:
            self.load()

    @on(PagedTable.NearEnd)
    def _near_end(self) -> None:
        self.load(more=True)

    @on(PagedTable.WantEnd)
    def _want_end(self) -> None:
        missing = self.total - self.base - len(self.rows)
        if missing <= 0:
            return
        if missing <= PAGE_SIZE:  # the next page is the last: append it
            self._to_end = True
            self.load(more=True)
        else:
            # The last page directly (one query, however long the list): the list's end is one
            # step away at any length, where following the pages took one step per page. A next
            # or previous page still on its way (the cursor's move asked for it) no longer applies.
            self.forget("more")
            self.forget("before")
            ahead, self._ahead = self._ahead, None
            if ahead is not None and ahead.total == self.total:
                # Fetched ahead for this search: shown at once (the calls forgotten above were
                # the only ones that could be running, so nothing is being fetched any more).
                self.fetching = False
                self._offsets["end"] = self._offsets["ahead"]
                self._window(self.query_one(PagedTable), ahead, "end")
                return
            size = min(PAGE_SIZE, END_PAGE)
            self._fetch("end", self.total - size, size)

    @on(PagedTable.NearStart)
    def _near_start(self) -> None:
        if self.base > 0 and not self.fetching:
            start = max(0, self.base - PAGE_SIZE)
            self._fetch("before", start, self.base - start)

    @on(PagedTable.WantStart)
    def _want_start(self) -> None:
        if self.base > 0:
            self.load()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.rows):
            self.post_message(OpenRecord(self.spec.kind, self.rows[event.cursor_row].id))

    @on(DataTable.HeaderSelected)
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        key = str(event.column_key.value)
        if any(c.key == key and c.sortable for c in self.spec.columns):
            self.descending = not self.descending if key == self.order else False
            self.order = key
            self.load(keep=True)

    # -- actions ---------------------------------------------------------------------------
    def current(self) -> Any | None:
        table = self.query_one(PagedTable)
        row = table.cursor_row
        return self.rows[row] if table.row_count and 0 <= row < len(self.rows) else None

    def current_id(self) -> int | None:
        row = self.current()
        return row.id if row is not None else None

    def _may_write(self) -> bool:
        return self.bpa.actor.may(f"{records.SPECS[self.spec.kind].area}.write")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("new", "edit", "end") and not self._may_write():
            return False
        if action == "end" and records.SPECS[self.spec.kind].end_field is None:
            return False
        return True

    def action_new(self) -> None:
        self.bpa.open_form(self.spec.kind)

    def action_edit(self) -> None:
        row = self.current()
        if row is not None:
            self.bpa.open_form(self.spec.kind, row.id)

    def action_end(self) -> None:
        row = self.current()
        if row is not None:
            self.bpa.open_end(self.spec.kind, row)

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_sort(self) -> None:
        keys = [c.key for c in self.spec.columns if c.sortable]
        self.order = keys[(keys.index(self.order) + 1) % len(keys)] if self.order in keys else keys[0]
        self.descending = False
        self.load(keep=True)

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.load(keep=True)

    def action_reload(self) -> None:
        self.load(keep=True)

    def record_changed(self, kind: str) -> None:
        """Reload now if shown, else when next shown."""
        if kind == self.spec.kind or (self.spec.kind == "client" and kind == "municipality"):
            self.stale = True
            if self.display and self.is_mounted and not self.fetching:
                self.load(keep=True)

    def focus_content(self) -> None:
        self.query_one(PagedTable).focus()
