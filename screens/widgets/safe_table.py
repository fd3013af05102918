"""The app's table: every cell is shown, never obeyed, on one line per row.

- Cells, headers and updates pass through `bpa_provider.screens.safe_text.visible_cell`, so control
  characters in a name or note are drawn as their codes (tests/screens/test_terminal_escapes.py
  checks that no screen builds a plain DataTable).
- Every row is one line, at 80×24 too: a cell's line breaks become " · " and what does not fit its
  column ends in "…". `row_text` gives a row's whole text, for the line under a table that shows
  the highlighted row in full (`cut_cells` says whether anything was cut). A table that leaves
  columns out at a narrow width sets `hidden_text`, and their values join that line.
- Drawing: DataTable renders every visible cell through Rich's general pipeline (Padding inside
  Styled, wrapped and cropped by the console), about 0.15 ms a cell on a 2-core server — a fresh
  120×40 screen of a seven-column list took ~40 ms of the UI thread, most of the 50 ms a key press
  may cost (bench/ui_probe.py), and a client's screen is four such tables. Our cells are one-line
  `Text`s that fit their column, for which that pipeline only pads them with spaces and layers the
  styles, so `_render_cell` builds those segments directly (the same characters and styles;
  checked against DataTable's own rendering in tests/screens/test_paged_table.py) and leaves every
  other cell — headers, wrapped or cut text, tabs, other renderables — to DataTable. With every
  column of a fixed width and every row one line, `_update_dimensions` skips DataTable's measuring
  of every cell of every new row (~17 ms a page of 200 rows).

- Scrolling: the scrollable size is worked out as soon as rows are added (nothing to measure) and
  the cursor's row is scrolled into view at once, so a page swapped in and its cursor are drawn in
  one paint (DataTable drew the rows at the old position first, then scrolled after that paint).

`_render_cell`, `_update_dimensions`, `_get_row_style` and `_scroll_cursor_into_view` are
DataTable's private methods: textual is pinned exactly (pyproject.toml), and
tests/screens/test_paged_table.py compares the overrides with DataTable's own (drawing, size,
where the cursor ends), so an upgrade that changes them shows up there first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

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

    def add_rows(self, rows: Iterable[Iterable[Any]]) -> list[RowKey]:
        keys = super().add_rows(rows)
        self._settle_dimensions()
        return keys

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

    # -- drawing without Rich's layout pipeline (see the module's docstring) -------------------
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
        if self._to_measure(new_rows):
            super()._update_dimensions(new_rows)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header_height = self.header_height if self.show_header else 0
        self.virtual_size = Size(width + self._row_label_column_width, self._total_row_height + header_height)

    def _to_measure(self, new_rows: Iterable[RowKey]) -> bool:
        """Whether DataTable must measure cells: a column sized by its cells, a row by its
        content, or a row label."""
        return any(column.auto_width for column in self.columns.values()) or any(
            row.auto_height or row.label is not None for key in new_rows if (row := self.rows.get(key)) is not None
        )

    def _settle_dimensions(self) -> None:
        """The scrollable size at once after rows are added, where DataTable waits for its next
        idle moment: until then a cursor moved onto a new row is scrolled into view only after a
        paint, so a page swapped in (ctrl+End) was drawn twice — at the old scroll position, then
        at the cursor. Only when `_update_dimensions` takes its short way (nothing to measure); otherwise DataTable's idle-time measuring stays as it is."""
        if not self._require_update_dimensions or self._updated_cells or self._to_measure(self._new_rows):
            return
        self._require_update_dimensions = False
        new_rows = list(self._new_rows)
        self._new_rows.clear()
        self._update_dimensions(new_rows)

    def _scroll_cursor_into_view(self, animate: bool = False) -> None:
        """DataTable's, scrolled at once rather than after the next paint (`immediate`): the row
        the cursor moved to and the rows around it come in one paint, not the cursor's move in one
        and the scroll in the next. With the scrollable size still to be worked out DataTable
        calls this after a refresh itself, as before."""
        _top, _right, _bottom, left = fixed_offset = self._get_fixed_offset()
        if self.cursor_type != "row" or self._require_update_dimensions:
            super()._scroll_cursor_into_view(animate=animate)
            return
        _x, y, width, height = self._get_row_region(self.cursor_row)
        region = Region(int(self.scroll_x) + left, y, width - left, height)
        self.scroll_to_region(region, animate=animate, spacing=fixed_offset, force=True, immediate=not animate)

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
