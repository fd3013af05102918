"""A DataTable that asks for the next page when the cursor or the scroll position nears the end
(and for the page before when it nears the start of a list entered from its end, ctrl+End).

The table only ever holds what was fetched (pages of at most a few hundred rows), so DataTable's
per-cell measuring stays cheap however many rows the database has; drawing and sizing without
Rich's layout pipeline are `SafeTable`'s (every table of the app has them).
"""

from __future__ import annotations

from textual.message import Message

from bpa_provider.screens.widgets.safe_table import SafeTable

LOOKAHEAD = 30  # rows before the end at which the next page is asked for


class PagedTable(SafeTable):
    """Row cursor, zebra stripes, and a `NearEnd` message when more rows would soon be needed."""

    class NearEnd(Message):
        """The person is close to the last fetched row."""

    class WantEnd(Message):
        """ctrl+End: the person wants the list's last row, which may not be fetched yet."""

    class NearStart(Message):
        """The person is close to the first fetched row (rows before it may not be fetched)."""

    class WantStart(Message):
        """ctrl+Home: the person wants the list's first row, which may not be fetched any more."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        #: The list's last row is more than a page past the last fetched one: ctrl+End swaps in
        #: the list's last page (the list sets this as its rows change).
        self.far_end = False
        #: The rows held start after the list's first (a window from ctrl+End): ctrl+Home loads
        #: the first page in their place.
        self.far_start = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.row_count and new_value >= self.max_scroll_y - LOOKAHEAD // 2 and new_value > old_value:
            self.post_message(self.NearEnd())
        elif self.row_count and new_value <= LOOKAHEAD // 2 and new_value < old_value:
            self.post_message(self.NearStart())

    def action_scroll_bottom(self) -> None:
        # WantEnd first: the list asks for its last page before the cursor's move to the last
        # fetched row (below) asks for the next page, which it then no longer needs.
        self.post_message(self.WantEnd())
        if self.far_end:
            # The last page takes the place of these rows: moving the cursor to the last fetched
            # row first drew a screenful about to be replaced (≈ 15–20 ms of the UI thread at
            # 120×40) while the person waits for the list's end.
            return
        super().action_scroll_bottom()  # the last fetched row, at once

    def action_scroll_top(self) -> None:
        if self.far_start:
            # The first page takes the place of these rows: moving the cursor to the first held
            # row first drew a screenful about to be replaced and asked for the page before it.
            self.post_message(self.WantStart())
            return
        super().action_scroll_top()  # the first fetched row, at once
        self.post_message(self.WantStart())

    def watch_cursor_coordinate(self, old, new) -> None:  # noqa: ANN001 - DataTable's signature
        super().watch_cursor_coordinate(old, new)
        if self.row_count and new.row >= self.row_count - LOOKAHEAD and new.row > old.row:
            self.post_message(self.NearEnd())
        elif self.row_count and new.row < LOOKAHEAD and new.row < old.row:
            self.post_message(self.NearStart())
