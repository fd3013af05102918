"""The shape of the tabbed areas (Courses, Reviews): `AreaTabs`, the area with one tab per pane,
and `AreaPane`, a tab — a table, a status line, loading when first shown, reloading when a record
changed.

Every list is a service call made in a worker (`ServiceCaller`); a pane only displays and asks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.i18n import N_, _
from bpa_provider.screens.calls import ServiceCaller
from bpa_provider.screens.confirm import ConfirmScreen
from bpa_provider.screens.form_base import error_words
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.ui import TranslatedBindings, describe_error
from bpa_provider.screens.widgets.row_tip import RowTip, RowTips
from bpa_provider.screens.widgets.safe_table import SafeTable

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp

Columns = Sequence[tuple[str, int | None]]


def shown(widget: Widget) -> bool:
    """Whether a widget is on display (no hidden tab or area around it)."""
    return all(getattr(node, "display", True) for node in widget.ancestors_with_self)


def flag(word_text: str, loud: bool) -> Text:
    """A state word, bold when it asks for action."""
    return Text(word_text, style="bold" if loud else "")


class AreaPane(RowTips, ServiceCaller, TranslatedBindings, Vertical):
    """A tab of an area: tables filled from service answers, a status line, lazy loading.

    A pane loads the first time it is shown, and again when `mark_stale` is called while it is
    shown (otherwise when next shown). Tables are filled by `fill`, which keeps the cursor on the
    same record and gives the column without a width the room that is left (it wraps there).

    Most panes are one table (`TABLE_ID`) over a status line, showing `rows`; `current` is the
    record under the cursor. A pane laid out otherwise composes its own.
    """

    DEFAULT_CSS = """
    AreaPane { height: 1fr; }
    AreaPane DataTable { height: 1fr; }
    AreaPane .status { height: 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    AreaPane .heading { text-style: bold; height: auto; }
    """

    #: The id of the pane's table (when the pane is one table and a status line).
    TABLE_ID = ""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.translate_bindings()
        self.stale = True
        self.rows: list[Any] = []  # the records of the table, in the order shown
        self._filled: dict[str, tuple[Columns, Sequence[Any], Callable[[Any], list[Text]]]] = {}

    @property
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    @property
    def db(self) -> Database:
        return self.bpa.db

    @property
    def actor(self) -> Actor:
        return self.bpa.actor

    @property
    def policy(self) -> Policy:
        return self.bpa.settings.policy

    def compose(self) -> ComposeResult:
        yield SafeTable(cursor_type="row", id=self.TABLE_ID or None)
        yield RowTip()
        yield Static(_("Loading…"), classes="status")

    def on_mount(self) -> None:
        # Show is the usual trigger; this covers a pane that was on display from its first frame.
        self.call_after_refresh(self.load_if_due)

    def on_show(self) -> None:
        self.load_if_due()

    def load_if_due(self) -> None:
        """Load when nothing was loaded since the last change and the pane is on display."""
        if self.stale and self.is_mounted and shown(self):
            self.load()

    def load(self) -> None:
        """Ask the service in a worker; subclasses."""
        self.stale = False

    def mark_stale(self) -> None:
        self.stale = True
        if self.is_mounted and shown(self):
            self.load()

    def action_reload(self) -> None:
        self.load()

    def status(self, message: str) -> None:
        self.query_one(".status", Static).update(Text(message))

    def keep_rows(self, result: ServiceResult) -> bool:
        """The answer of the pane's list: True with its records in `rows`, or False with the error
        in the status line."""
        if result.error is not None:
            self.status(describe_error(result.error))
            return False
        self.rows = list(result.value)
        return True

    def report_change(self, result: ServiceResult, done: str, kind: str) -> None:
        """The answer of a change made from the pane: the refusal, or `done`; then every view
        showing `kind` reloads (this pane too)."""
        if result.error is not None:
            self.app.notify(error_words(result.error), severity="error", markup=False)
            return
        self.app.notify(done, markup=False)
        self.bpa.broadcast_change(kind)

    @staticmethod
    def key_of(row: Any) -> Any:
        """What identifies a row across reloads (rows without an `id` override this)."""
        return getattr(row, "id", None)

    def fill(
        self,
        table: DataTable,
        columns: Columns,
        rows: Sequence[Any],
        cells: Callable[[Any], list[Text]],
        *,
        min_rest: int = 14,
    ) -> None:
        """Put `rows` into `table`, keeping the cursor on the same record (`key_of`)."""
        keep = None
        previous = self._filled.get(table.id or "")
        if previous is not None and table.row_count and 0 <= table.cursor_row < len(previous[1]):
            keep = self.key_of(previous[1][table.cursor_row])
        self._filled[table.id or ""] = (columns, rows, cells)
        width = (self.size.width or self.app.size.width - 18) - 2  # room for a scrollbar
        fixed = sum(w for _t, w in columns if w) + 2 * len(columns)  # cell padding
        rest = max(min_rest, width - fixed)
        table.clear(columns=True)
        for title, col_width in columns:
            table.add_column(Text(title), width=col_width or rest)
        for row in rows:
            table.add_row(*cells(row))
        ids = [self.key_of(r) for r in rows]
        if keep is not None and keep in ids:
            table.move_cursor(row=ids.index(keep))
        self.refresh_tip(table)

    def on_resize(self) -> None:
        for table_id, (columns, rows, cells) in list(self._filled.items()):
            found = self.query(f"#{table_id}")
            if found:
                self.fill(found.first(DataTable), columns, rows, cells)

    @staticmethod
    def row_of(table: DataTable, rows: Sequence[Any]) -> Any | None:
        """The record under the table's cursor."""
        if table.row_count and 0 <= table.cursor_row < len(rows):
            return rows[table.cursor_row]
        return None

    def current(self) -> Any | None:
        """The record under the cursor of the pane's (first) table."""
        return self.row_of(self.query_one(DataTable), self.rows)

    def confirm(self, question: str, then: Callable[[], None]) -> None:
        """Ask yes/no (Esc is no); run `then` on yes. Used before changes there is no undo for."""
        self.app.push_screen(ConfirmScreen(question, yes=_("Yes"), no=_("No")), lambda yes: then() if yes else None)

    def focus_content(self) -> None:
        self.load_if_due()
        tables = list(self.query(DataTable))
        if tables:
            tables[0].focus()


class AreaTabs(TranslatedBindings, Vertical):
    """An area made of tabs, one `AreaPane` each (`TABS` in order, `PANES` by key); the first tab
    opens. `>` and `<` move between tabs; a changed record makes every pane reload."""

    DEFAULT_CSS = """
    AreaTabs { height: 1fr; }
    AreaTabs TabbedContent { height: 1fr; }
    AreaTabs TabPane { height: 1fr; padding: 0; }
    AreaTabs ContentSwitcher { height: 1fr; }
    """

    BINDINGS = [
        Binding("greater_than_sign", "next_tab(1)", N_("Next tab"), show=False),
        Binding("less_than_sign", "next_tab(-1)", N_("Previous tab"), show=False),
    ]

    #: (key, title) of each tab; the pane of tab `key` has the id `key-pane`.
    TABS: tuple[tuple[str, str], ...] = ()
    PANES: dict[str, Callable[..., AreaPane]] = {}

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.translate_bindings()

    def compose(self) -> ComposeResult:
        with TabbedContent(initial=self.TABS[0][0]):
            for key, title in self.TABS:
                with TabPane(_(title), id=key):
                    yield self.PANES[key](id=f"{key}-pane")

    def pane(self, key: str | None = None) -> AreaPane:
        """The pane of a tab (the active one by default)."""
        key = key or self.query_one(TabbedContent).active or self.TABS[0][0]
        return self.query_one(f"#{key}-pane", AreaPane)

    def show_tab(self, key: str) -> None:
        """Switch tab and focus its table: now, so a key typed straight after lands there too, and
        after the refresh, in case the tab was not on display yet."""
        self.query_one(TabbedContent).active = key
        pane = self.pane(key)
        pane.focus_content()
        self.call_after_refresh(pane.focus_content)

    def action_next_tab(self, step: int) -> None:
        keys = [k for k, _t in self.TABS]
        active = self.query_one(TabbedContent).active
        index = keys.index(active) if active in keys else 0
        self.show_tab(keys[(index + step) % len(keys)])

    def record_changed(self, kind: str) -> None:
        """The areas' lists hang together (see each area): every tab reloads."""
        for pane in self.query(AreaPane):
            pane.mark_stale()

    def focus_content(self) -> None:
        pane = self.pane()
        pane.focus_content()
        self.call_after_refresh(pane.focus_content)
