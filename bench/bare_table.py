"""The floor for key to screen: a bare Textual app showing the same rows as the app's list, and
the same record as the app's client screen.

Usage: `python -m bench.bare_table ROWS.csv [--db DB --records REF,REF…]`

No services, no ORM, no translation: the rows are read from a CSV file before the app starts
(the first line is the header), and with `--db` the content of each client in `--records` is read
from that SQLite file with plain sqlite3 before the app starts (`read_record`). It does what a
person does in the probe (bench/tmux_probe.py), with the least code Textual needs:
- `2` shows a DataTable with every row (as the app's clients list shows its first page);
- PageDown moves a page; ctrl+End jumps to the last row;
- Enter shows the highlighted client's record: with its content read (`--records`), what the
  app's client screen holds — the summary's eight label: value pairs two to a line, then each
  section's heading with its table of the same columns and the same rows (decisions, work
  supervisors, assistants, history) or its lines (hours, continuity, transfer); otherwise the
  row's fields as text. It is built on the key, in the one screen, under the line `RECORD-SHOWN`.
  Escape goes back.
What this app takes from key to screen is what any Textual app takes for the same picture; the app
may take at most twice that (issue 19).
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta

from rich.table import Table
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Static

HISTORY_LIMIT = 30  # rows of the record's history, as the app's (services/details.py)


@dataclass
class Record:
    """A client's screen as text: the summary's pairs, then sections (heading, columns, rows,
    lines of text)."""

    pairs: list[tuple[str, str]]
    sections: list[tuple[str, list[str], list[list[str]], list[str]]] = field(default_factory=list)


def _period(start: object, end: object) -> str:
    return f"{start or ''} – {end or ''}"


def read_record(db: sqlite3.Connection, ref: str, today: date) -> Record:
    """What the app's client screen shows for `ref` (the same sections, tables and rows), with
    plain sqlite3."""
    c = db.execute(
        "SELECT c.id, c.ref, c.name, c.status, c.national_id, c.birth_date, m.name, c.start_date, c.end_date,"
        " c.phone, c.address FROM client c LEFT JOIN municipality m ON m.id = c.municipality_id WHERE c.ref = ?",
        (ref,),
    ).fetchone()
    cid = c[0]
    pairs = [
        ("Client", f"{c[1]} {c[2]}"),
        ("Status", c[3]),
        ("National ID", "****** *****" if c[4] else ""),
        ("Birth date", str(c[5] or "")),
        ("Municipality", c[6] or ""),
        ("Period", _period(c[7], c[8])),
        ("Phone", c[9] or ""),
        ("Address", c[10] or ""),
    ]
    out = Record([(k, v) for k, v in pairs if v])
    decisions = [
        [_period(r[0], r[1]), f"{r[2]}/{r[3]}", r[4] or "", r[5] or "", str(r[6] or ""), str(r[7])]
        for r in db.execute(
            "SELECT valid_from, valid_to, hours, hours_unit, case_number, services, two_helper_hours,"
            " night_hours_allowed FROM decision WHERE client_id = ? ORDER BY valid_from DESC",
            (cid,),
        )
    ]
    out.sections.append(
        (
            f"Decisions ({len(decisions)})",
            ["Period", "Hours", "Case number", "Services", "Two-helper", "Night"],
            decisions,
            ["◀ marks the decision in force today."],
        )
    )
    month = today.replace(day=1).isoformat()
    used = db.execute(
        "SELECT COALESCE(SUM(julianday(end_utc) - julianday(start_utc)), 0) * 24 FROM shift"
        " WHERE client_id = ? AND start_utc >= ? AND start_utc < ?",
        (cid, month, (today + timedelta(days=1)).isoformat()),
    ).fetchone()[0]
    seen = [
        db.execute(
            "SELECT COUNT(DISTINCT assistant_id) FROM shift WHERE client_id = ? AND start_utc >= ? AND start_utc < ?",
            (cid, (today - timedelta(days=days)).isoformat(), (today + timedelta(days=1)).isoformat()),
        ).fetchone()[0]
        for days in (14, 30)
    ]
    out.sections.append(
        (
            "Hours",
            [],
            [],
            [
                f"This month: decided {decisions[0][1] if decisions else 0} h · used {used:.1f} h",
                f"Year-end outlook: {used * 12:.0f} h",
                "w roster week · h hour account",
                f"Assistants: {seen[0]} in 14 days, {seen[1]} in 30 days",
            ],
        )
    )
    supervisors = [
        [r[0], r[1], r[2] or "", r[3], _period(r[4], r[5])]
        for r in db.execute(
            "SELECT s.ref, s.name, s.phone, v.relation, v.since, v.until FROM supervision v"
            " JOIN supervisor s ON s.id = v.supervisor_id WHERE v.client_id = ?"
            " ORDER BY v.until IS NOT NULL, v.since DESC",
            (cid,),
        )
    ]
    out.sections.append(
        (f"Work supervisors ({len(supervisors)})", ["Ref", "Name", "Phone", "Relation", "Period"], supervisors, [])
    )
    assistants = [
        [r[0], r[1], r[2], "", "", _period(r[3], r[4])]
        for r in db.execute(
            "SELECT a.ref, a.name, g.role, g.start_date, g.end_date FROM assignment g"
            " JOIN assistant a ON a.id = g.assistant_id WHERE g.client_id = ?"
            " ORDER BY g.end_date IS NOT NULL, a.name",
            (cid,),
        )
    ]
    out.sections.append(
        (
            f"Assistants ({len(assistants)})",
            ["Ref", "Name", "Role", "Last review", "Next review", "Period"],
            assistants,
            [],
        )
    )
    out.sections.append(("Provider transfer", [], [], ["No open transfer."]))
    history = [
        [str(r[0])[:16], r[1], f"{r[2]} {r[3]}", r[4] or ""]
        for r in db.execute(
            "SELECT at, actor, entity, action, summary FROM audit_event"
            " WHERE (subject = ? OR (entity = 'client' AND entity_id = ?)) AND action != 'view'"
            " ORDER BY id DESC LIMIT ?",
            (ref, cid, HISTORY_LIMIT),
        )
    ]
    out.sections.append((f"History ({len(history)})", ["When", "Who", "What", "Summary"], history, []))
    return out


class BareTable(App[None]):
    """A placeholder until `2`, then one DataTable; Enter shows the highlighted row's record."""

    CSS = """
    #record { height: 1fr; padding: 0 1; }
    #record DataTable { height: auto; max-height: 14; margin-left: 2; }
    .heading { text-style: bold; margin-top: 1; }
    """

    BINDINGS = [
        Binding("2", "show_list", "List"),
        Binding("enter", "open_row", "Open", priority=True),
        Binding("escape", "back", "Back"),
        Binding("ctrl+end", "last_row", "Last", priority=True),
    ]

    def __init__(self, header: list[str], rows: list[list[str]], records: dict[str, Record] | None = None) -> None:
        super().__init__()
        self.header, self.rows = header, rows
        self.records = records or {}

    def compose(self) -> ComposeResult:
        yield Static("bare: press 2", id="home")
        yield VerticalScroll(id="record")

    def on_mount(self) -> None:
        self.query_one("#record").display = False

    def action_show_list(self) -> None:
        if self.query(DataTable):
            return
        self.query_one("#home").display = False
        table: DataTable[str] = DataTable(cursor_type="row", id="table")
        self.mount(table, before="#record")
        table.add_columns(*self.header)
        table.add_rows(self.rows)
        table.focus()

    def action_last_row(self) -> None:
        table = self.query_one("#table", DataTable)
        table.move_cursor(row=len(self.rows) - 1)

    def widgets(self, row: list[str]) -> list[Widget]:
        """The record's widgets: its sections when read, else the row's fields."""
        record = self.records.get(row[self.header.index("ref")] if "ref" in self.header else "")
        if record is None:
            return [Static("\n".join(f"{h}: {v}" for h, v in zip(self.header, row)) + "\nRECORD-SHOWN")]
        grid = Table.grid(padding=(0, 1), expand=True)
        for _n in range(2):
            grid.add_column(style="dim", no_wrap=True)
            grid.add_column(ratio=1)
        for i in range(0, len(record.pairs), 2):
            cells: list[str] = []
            for title, value in record.pairs[i : i + 2]:
                cells += [title + ":", value]
            grid.add_row(*cells)
        out: list[Widget] = [Static("RECORD-SHOWN"), Static(grid)]
        for title, columns, rows, lines in record.sections:
            out.append(Static(title, classes="heading"))
            if columns and rows:
                table: DataTable[str] = DataTable(cursor_type="row")
                table.add_columns(*columns)
                table.add_rows(rows)
                out.append(table)
            elif columns:  # the app says so in a line, as here
                out.append(Static("None yet."))
            out += [Static(line) for line in lines]
        return out

    async def action_open_row(self) -> None:
        table = self.query_one("#table", DataTable)
        box = self.query_one("#record", VerticalScroll)
        await box.remove_children()
        await box.mount_all(self.widgets(self.rows[table.cursor_row]))
        table.display = False
        box.display = True

    def action_back(self) -> None:
        self.query_one("#record").display = False
        table = self.query_one("#table", DataTable)
        table.display = True
        table.focus()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows")
    parser.add_argument("--db", help="the SQLite file to read the records from")
    parser.add_argument("--records", default="", help="the clients' refs whose records Enter shows, comma-separated")
    args = parser.parse_args()
    with open(args.rows, newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    records: dict[str, Record] = {}
    if args.db and args.records:
        db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
        try:
            records = {ref: read_record(db, ref, date.today()) for ref in args.records.split(",") if ref}
        finally:
            db.close()
    BareTable(header, rows, records).run()


if __name__ == "__main__":
    main()
