"""The app's table: every cell is shown, never obeyed, on one line per row.

- Cells, headers and updates pass through `bpa_provider.screens.safe_text.visible_cell`, so control
  characters in a name or note are drawn as their codes (tests/screens/test_terminal_escapes.py
  checks that no screen builds a plain DataTable).
- Every row is one line, at 80×24 too: a cell's line breaks become " · " and what does not fit its
  column ends in "…". `row_text` gives a row's whole text, for the line under a table that shows
  the highlighted row in full (`cut_cells` says whether anything was cut). A table that leaves
  columns out at a narrow width sets `hidden_text`, and their values join that line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from bpa_provider.screens.safe_text import visible_cell

SEPARATOR = " · "


def one_line(cell: Any) -> Any:
    """A cell on one line, cut with … where its column ends."""
    if isinstance(cell, str):
        cell = Text(cell)
    if not isinstance(cell, Text):
        return cell
    if "\n" in cell.plain:
        parts = cell.split("\n")
        cell = Text(SEPARATOR, style=cell.style).join(part for part in parts if part.plain)
    cell.no_wrap, cell.overflow = True, "ellipsis"
    return cell


class SafeTable(DataTable):
    """DataTable with every cell shown, not obeyed, one line per row."""

    #: The values of a row's columns the table leaves out (too narrow), for the line under it.
    hidden_text: Callable[[int], list[str]] | None = None

    def add_row(self, *cells: Any, **kwargs: Any):  # noqa: ANN201 - DataTable's signature
        if kwargs.get("label") is not None:
            kwargs["label"] = visible_cell(kwargs["label"])
        kwargs["height"] = 1
        return super().add_row(*(one_line(visible_cell(cell)) for cell in cells), **kwargs)

    def add_column(self, label: Any, *args: Any, **kwargs: Any):  # noqa: ANN201
        # A heading wider than its column ends in "…" too, rather than being cut mid-word.
        return super().add_column(one_line(visible_cell(label)), *args, **kwargs)

    def update_cell(self, row_key: Any, column_key: Any, value: Any, *, update_width: bool = False) -> None:
        super().update_cell(row_key, column_key, one_line(visible_cell(value)), update_width=update_width)

    # -- the whole row, for a line under the table -----------------------------------------
    def row_text(self, row_index: int) -> str:
        """The row's cells in full, joined by " · " (empty cells left out)."""
        if not 0 <= row_index < self.row_count:
            return ""
        cells = self.get_row_at(row_index)
        shown = [t for c in cells if (t := (c.plain if isinstance(c, Text) else str(c)).strip())]
        return SEPARATOR.join(shown + self._hidden(row_index))

    def _hidden(self, row_index: int) -> list[str]:
        return [t for t in self.hidden_text(row_index) if t.strip()] if self.hidden_text else []

    def cut_cells(self, row_index: int) -> bool:
        """Whether a cell of the row is wider than its column (so it shows ending in …)."""
        if not 0 <= row_index < self.row_count:
            return False
        if self._hidden(row_index):
            return True  # a column left out is a cut too
        cells = self.get_row_at(row_index)
        for cell, column in zip(cells, self.ordered_columns):
            text = cell.plain if isinstance(cell, Text) else str(cell)
            if cell_len(text) > column.get_render_width(self) - 2 * self.cell_padding:
                return True
        return False
