"""The building blocks of a record's screen (screens/detail_base.py): a section's heading, a note,
a table that fits the screen's width and remembers its rows for the keys, the assignments section
the client's and the assistant's screens share, and the summary's label: value pairs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from bpa_provider.i18n import _
from bpa_provider.screens import labels
from bpa_provider.screens.safe_text import visible_text
from bpa_provider.screens.ui import period, text
from bpa_provider.screens.widgets.safe_table import SafeTable


class SectionBlocks(Screen):
    """What a record's screen builds its sections from (`DetailScreen` holds `rows_of`)."""

    rows_of: dict[str, Sequence[Any]]  # table id -> the record behind each row

    @staticmethod
    def heading(title: str, count: int | None = None) -> Static:
        return Static(Text(title if count is None else f"{title} ({count})"), classes="heading")

    @staticmethod
    def note(message: str) -> Static:
        return Static(Text(message), classes="note")

    def table(
        self, table_id: str, columns: Sequence[tuple[str, int | None]], rows: Sequence[Any], cells: Any
    ) -> DataTable:
        """A section table; `cells(row)` gives a row's Text cells; rows are remembered for keys."""
        table: DataTable = SafeTable(cursor_type="row", id=table_id)
        for (title, _w), width in zip(columns, self.fit([w for _t, w in columns])):
            table.add_column(Text(title), width=width)
        for row in rows:
            table.add_row(*cells(row))
        self.rows_of[table_id] = list(rows)
        return table

    def assignments(
        self,
        title: str,
        rows: Sequence[Any],
        *,
        empty: str,
        who: tuple[str, Callable[[Any], str | None], Callable[[Any], str | None]],
        next_review: bool = True,
    ) -> list[Widget]:
        """The assignments section of the client's and the assistant's screens: the other side of
        each assignment (`who`: its column title, and its reference and name from a row), the role,
        the last and next supervision review (`next_review` False: "–", the role may not see
        reviews) and the period."""
        out: list[Widget] = [self.heading(title, len(rows))]
        if not rows:
            return out + [self.note(empty)]
        name_title, ref_of, name_of = who
        columns = [
            (_("Ref"), 7),
            (name_title, 18),
            (_("Role"), 10),
            (_("Last review"), 13),
            (_("Next review"), 13),
            (_("Period"), 22),
        ]
        out.append(
            self.table(
                "assignments",
                columns,
                rows,
                lambda x: [
                    text(ref_of(x)),
                    text(name_of(x)),
                    Text(labels.choice(x.assignment.role)),
                    text(x.last_review),
                    text(x.next_review) if next_review else Text("–"),
                    Text(period(x.assignment.start_date, x.assignment.end_date)),
                ],
            )
        )
        return out

    def fit(self, widths: list[int | None]) -> list[int | None]:
        """Column widths narrowed, widest first (the first column, which names the row, last),
        until the table fits the screen without scrolling sideways (cells then end in …; the
        row's whole text shows below it when highlighted)."""
        room = self._width() - 2 - 2 - 2  # margin, padding, scrollbars
        out = list(widths)
        fixed = [i for i, w in enumerate(out) if w][1:] or [i for i, w in enumerate(out) if w]
        while fixed and sum(w or 0 for w in out) + 2 * len(out) > room:
            widest = max(fixed, key=lambda i: out[i] or 0)
            if (out[widest] or 0) <= 6:
                break
            out[widest] = (out[widest] or 0) - 1
        return out

    def _width(self) -> int:
        """The screen's width; the terminal's while it is built unseen (`reopen` with `present`:
        a kept screen's own size is the one it was last shown at)."""
        return (self.size.width if self.is_current else 0) or self.app.size.width

    def summary(self, pairs: Sequence[tuple[str, Text]], per_line: int | None = None) -> Static:
        """Label: value pairs, two per line when the screen is wide enough (empty ones left out)."""
        pairs = [(title, value) for title, value in pairs if value.plain]
        per_line = per_line or (2 if self._width() >= 76 else 1)
        grid = Table.grid(padding=(0, 1), expand=True)
        for _n in range(per_line):
            grid.add_column(style="dim", no_wrap=True)
            grid.add_column(ratio=1)
        for i in range(0, len(pairs), per_line):
            cells: list[Any] = []
            for title, value in pairs[i : i + per_line]:
                cells += [Text(title + ":"), visible_text(value)]
            grid.add_row(*cells)
        return Static(grid, classes="summary")
