"""A DataTable that asks for the next page when the cursor or the scroll position nears the end.

The table only ever holds what was fetched (pages of at most a few hundred rows), so DataTable's
per-cell measuring stays cheap however many rows the database has.
"""

from __future__ import annotations

from textual.message import Message
from textual.widgets import DataTable

LOOKAHEAD = 30  # rows before the end at which the next page is asked for


class PagedTable(DataTable):
    """Row cursor, zebra stripes, and a `NearEnd` message when more rows would soon be needed."""

    class NearEnd(Message):
        """The person is close to the last fetched row."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.row_count and new_value >= self.max_scroll_y - LOOKAHEAD // 2 and new_value > old_value:
            self.post_message(self.NearEnd())

    def watch_cursor_coordinate(self, old, new) -> None:  # noqa: ANN001 - DataTable's signature
        super().watch_cursor_coordinate(old, new)
        if self.row_count and new.row >= self.row_count - LOOKAHEAD and new.row > old.row:
            self.post_message(self.NearEnd())
