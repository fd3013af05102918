"""The floor for key to screen: a bare Textual app showing the same rows as the app's list.

Usage: `python -m bench.bare_table ROWS.csv`

No database, no services, no translation: the rows are read from a CSV file before the app starts
(the first line is the header). It does what a person does in the probe (bench/tmux_probe.py),
with the least code Textual needs:
- `2` shows a DataTable with every row (as the app's clients list shows its first page);
- PageDown moves a page; ctrl+End jumps to the last row;
- Enter shows the highlighted row's fields as text (the record screen); Escape goes back.
What this app takes from key to screen is what any Textual app takes for the same picture; the app
may take at most twice that (issue 19).
"""

from __future__ import annotations

import csv
import sys

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static


class BareTable(App[None]):
    """A placeholder until `2`, then one DataTable; Enter shows one row as text."""

    BINDINGS = [
        Binding("2", "show_list", "List"),
        Binding("enter", "open_row", "Open", priority=True),
        Binding("escape", "back", "Back"),
        Binding("ctrl+end", "last_row", "Last", priority=True),
    ]

    def __init__(self, header: list[str], rows: list[list[str]]) -> None:
        super().__init__()
        self.header, self.rows = header, rows

    def compose(self) -> ComposeResult:
        yield Static("bare: press 2", id="home")
        yield Static("", id="record")

    def on_mount(self) -> None:
        self.query_one("#record").display = False

    def action_show_list(self) -> None:
        if self.query(DataTable):
            return
        self.query_one("#home").display = False
        table: DataTable[str] = DataTable(cursor_type="row", id="table")
        self.mount(table)
        table.add_columns(*self.header)
        table.add_rows(self.rows)
        table.focus()

    def action_last_row(self) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=len(self.rows) - 1)

    def action_open_row(self) -> None:
        table = self.query_one(DataTable)
        row = self.rows[table.cursor_row]
        record = self.query_one("#record", Static)
        record.update("\n".join(f"{h}: {v}" for h, v in zip(self.header, row)) + "\nRECORD-SHOWN")
        table.display = False
        record.display = True

    def action_back(self) -> None:
        self.query_one("#record").display = False
        table = self.query_one(DataTable)
        table.display = True
        table.focus()


def main() -> None:
    with open(sys.argv[1], newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    BareTable(header, rows).run()


if __name__ == "__main__":
    main()
