"""A DataTable whose cells cannot steer the terminal: every cell, header and update passes through
`screens.safe_text.visible_cell`, so control characters in a name or note are drawn as their codes.

Every table of the app is a `SafeTable` (or a `PagedTable`, which is one);
tests/screens/test_terminal_escapes.py checks that no screen builds a plain DataTable.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable

from screens.safe_text import visible_cell


class SafeTable(DataTable):
    """DataTable with every cell shown, not obeyed."""

    def add_row(self, *cells: Any, **kwargs: Any):  # noqa: ANN201 - DataTable's signature
        if kwargs.get("label") is not None:
            kwargs["label"] = visible_cell(kwargs["label"])
        return super().add_row(*(visible_cell(cell) for cell in cells), **kwargs)

    def add_column(self, label: Any, *args: Any, **kwargs: Any):  # noqa: ANN201
        return super().add_column(visible_cell(label), *args, **kwargs)

    def update_cell(self, row_key: Any, column_key: Any, value: Any, *, update_width: bool = False) -> None:
        super().update_cell(row_key, column_key, visible_cell(value), update_width=update_width)
