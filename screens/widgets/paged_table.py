"""A DataTable that asks for the next page when the cursor or the scroll position nears the end
(and for the page before when it nears the start of a list entered from its end, ctrl+End).

The table only ever holds what was fetched (pages of at most a few hundred rows), so DataTable's
per-cell measuring stays cheap however many rows the database has — and since every column has a
fixed width and every row one line, `_update_dimensions` skips that measuring altogether.

Drawing is the other cost: DataTable renders every visible cell through Rich's general pipeline
(Padding inside Styled, wrapped and cropped by the console), about 0.15 ms a cell on a 2-core
server — a fresh 120×40 screen of a seven-column list took ~40 ms of the UI thread, most of the
50 ms a key press may cost (bench/ui_probe.py). Our cells are one-line `Text`s that fit their
column, for which that pipeline only pads them with spaces and layers the styles, so
`_render_cell` builds those segments directly (the same characters and styles; checked against
DataTable's own rendering in tests/screens/test_paged_table.py) and leaves every other cell —
headers, wrapped or cut text, tabs, other renderables — to DataTable.

`_render_cell`, `_update_dimensions` and `_get_row_style` are DataTable's private methods: textual
is pinned exactly (pyproject.toml), and tests/screens/test_paged_table.py compares the overrides
with DataTable's own, so an upgrade that changes them shows up there first.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widgets.data_table import RowKey

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
        super().action_scroll_bottom()  # the last fetched row, at once

    def action_scroll_top(self) -> None:
        super().action_scroll_top()  # the first fetched row, at once
        self.post_message(self.WantStart())

    def watch_cursor_coordinate(self, old, new) -> None:  # noqa: ANN001 - DataTable's signature
        super().watch_cursor_coordinate(old, new)
        if self.row_count and new.row >= self.row_count - LOOKAHEAD and new.row > old.row:
            self.post_message(self.NearEnd())
        elif self.row_count and new.row < LOOKAHEAD and new.row < old.row:
            self.post_message(self.NearStart())

    def render_lines(self, crop: Region) -> list[Strip]:
        self._row_styles: dict[tuple[int, Style], Style] = {}  # see _get_row_style
        return super().render_lines(crop)

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        """DataTable asks for every line's zebra style, and each answer blends the CSS background
        through the widget's ancestors (~0.1 ms); within one paint, rows of the same parity have the
        same style, so it is worked out once per paint."""
        if row_index < self.fixed_rows or not self.zebra_stripes:
            return super()._get_row_style(row_index, base_style)
        styles = self.__dict__.setdefault("_row_styles", {})
        key = (row_index % 2, base_style)
        style = styles.get(key)
        if style is None:
            style = styles[key] = super()._get_row_style(row_index, base_style)
        return style

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """DataTable measures every cell of every new row, for auto-width columns and auto-height
        rows (~17 ms a page of 200 rows). Every column here has a width and every row one line, so
        only the scrollable size needs updating, as DataTable does after measuring."""
        new_rows = list(new_rows)
        if any(column.auto_width for column in self.columns.values()) or any(
            row.auto_height or row.label is not None for key in new_rows if (row := self.rows.get(key)) is not None
        ):
            super()._update_dimensions(new_rows)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header_height = self.header_height if self.show_header else 0
        self.virtual_size = Size(width + self._row_label_column_width, self._total_row_height + header_height)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """DataTable's `_render_cell` (same cache, same result), without Rich's layout pipeline
        for a one-line Text that fits its column."""
        if row_index < self.fixed_rows or column_index < self.fixed_columns:  # also header (-1), label (-1)
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        cache_key = (
            row_key,
            self._column_locations.get_key(column_index),
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        cell = self._get_row_renderables(row_index)[1][column_index]
        padding = self.cell_padding
        room = width - 2 * padding
        if (
            self.rows[row_key].height != 1
            or not isinstance(cell, Text)
            or cell.justify not in (None, "default")
            or not cell.plain.isprintable()  # tabs, line breaks, control or invisible characters
            or cell_len(cell.plain) > room
            or room < 0
        ):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style

        # As textual's Styled does (Segment.apply_style): pre-style, the segment's own, post-style.
        def layered(style: Style | None) -> Style | None:
            if pre_style:
                style = pre_style + style
            if post_style:
                style = style + post_style if style else post_style
            return style

        blank = layered(None)  # Padding's spaces and the fill have no style of their own
        line = [Segment(" " * padding, blank)] if padding else []
        console = self.app.console
        if cell.spans:
            line += [Segment(text, layered(style)) for text, style, _control in cell.render(console)]
        elif cell.plain:  # Text.render leaves the base style out when there are no spans
            line.append(Segment(cell.plain, layered(console.get_style(cell.style, default=Style.null()))))
        if room - cell_len(cell.plain):
            line.append(Segment(" " * (room - cell_len(cell.plain)), blank))
        if padding:
            line.append(Segment(" " * padding, blank))
        lines = [line]
        self._cell_render_cache[cache_key] = lines
        return lines
