"""The line under a list that shows the highlighted row in full when a cell of it was cut.

Tables keep one line per row (`SafeTable`), so a long reason or name ends in "…"; moving the
cursor onto such a row puts its whole text here, on one line ending in … when even that is
too long (the record's detail has it all). Views mix in `RowTips` and compose a `RowTip`.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import DataTable, Static

from bpa_provider.screens.widgets.safe_table import SafeTable


class RowTip(Static):
    """Hidden while the highlighted row fits its columns."""

    DEFAULT_CSS = """
    RowTip { height: 1; color: $text-muted; display: none; text-wrap: nowrap; text-overflow: ellipsis; }
    RowTip.-shown { display: block; }
    """

    def show_row(self, table: DataTable, row: int) -> None:
        cut = isinstance(table, SafeTable) and table.has_focus and table.cut_cells(row)
        self.update(Text("› " + table.row_text(row)) if cut else "")  # type: ignore[union-attr]
        self.set_class(bool(cut), "-shown")


class RowTips:
    """Mixin: the first `RowTip` inside follows the highlighted row of the focused table."""

    def _tip(self) -> RowTip | None:
        tips = self.query(RowTip)  # type: ignore[attr-defined]
        return tips.first() if tips else None

    def refresh_tip(self, table: DataTable) -> None:
        """After a table was filled: the tip follows its rows whether focus came first or they did."""
        tip = self._tip()
        if tip is not None:
            tip.show_row(table, table.cursor_row)

    # Handlers by name: Textual reads `@on` only from the classes it builds, not from a mixin.
    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        tip = self._tip()
        if tip is not None:
            tip.show_row(event.data_table, event.cursor_row)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        tip = self._tip()
        if tip is not None and isinstance(event.widget, DataTable):
            tip.show_row(event.widget, event.widget.cursor_row)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        tip = self._tip()
        if tip is not None and isinstance(event.widget, DataTable):
            tip.show_row(event.widget, -1)
