"""The floor for key to screen: a bare Textual app showing the same rows as the app's list, and
the same record as the app's client screen.

Usage: `python -m bench.bare_table ROWS.csv [--db DB --records REF,… --assistants ROWS.csv
--assistant-records REF,…]`

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
- `3` shows the assistants' rows (`--assistants`) in a DataTable of their own; Enter shows the
  highlighted assistant's record as the app's assistant screen holds it (`read_assistant`).
What this app takes from key to screen is what any Textual app takes for the same picture; the app
may take at most twice that (issue 19).
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

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


SHIFT_DAYS, SHIFT_LIMIT = 28, 14  # the assistant's upcoming shifts, as the app's (services/assistant_details.py)


def _utc(day: date, tz: str = "Europe/Oslo") -> str:
    """Local midnight of `day` as the database stores an instant (UTC, text)."""
    local = datetime.combine(day, time(), ZoneInfo(tz))
    return local.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def read_assistant(db: sqlite3.Connection, ref: str, today: date) -> Record:
    """What the app's assistant screen shows for `ref` (the same sections, tables and rows), with
    plain sqlite3."""
    a = db.execute(
        "SELECT id, ref, name, national_id, birth_date, phone, email, eea_resident FROM assistant WHERE ref = ?",
        (ref,),
    ).fetchone()
    aid = a[0]
    pairs = [
        ("Assistant", f"{a[1]} {a[2]}"),
        ("National ID", "****** *****" if a[3] else ""),
        ("Birth date", str(a[4] or "")),
        ("Phone", a[5] or ""),
        ("E-mail", a[6] or ""),
        ("EEA resident", "yes" if a[7] else "no" if a[7] is not None else ""),
    ]
    out = Record([(k, v) for k, v in pairs if v])
    employments = [
        [_period(r[0], r[1]), str(r[2]), r[3], str(r[4] or "missing"), str(r[5] or "missing")]
        for r in db.execute(
            "SELECT start_date, end_date, position_percent, kind, police_certificate_on, confidentiality_on"
            " FROM employment WHERE assistant_id = ? ORDER BY start_date DESC",
            (aid,),
        )
    ]
    current = next((e for e in employments if e[0].split(" – ")[0] <= today.isoformat()), None)
    credentials = "no current employment" if current is None else f"police certificate {current[3]}"
    out.sections.append(("", [], [], [f"Credentials: {credentials}"]))
    out.sections.append(
        (
            f"Employments ({len(employments)})",
            ["Period", "Position %", "Kind", "Police cert.", "Confidentiality"],
            employments,
            [],
        )
    )
    clients = [
        [r[0], r[1], r[2], "", "", _period(r[3], r[4])]
        for r in db.execute(
            "SELECT c.ref, c.name, g.role, g.start_date, g.end_date FROM assignment g"
            " JOIN client c ON c.id = g.client_id WHERE g.assistant_id = ?"
            " ORDER BY g.end_date IS NOT NULL, c.name",
            (aid,),
        )
    ]
    out.sections.append(
        (
            f"Clients ({len(clients)})",
            ["Ref", "Client", "Role", "Last review", "Next review", "Period"],
            clients,
            [],
        )
    )
    courses = [
        [r[0], r[1], str(r[2] or "")]
        for r in db.execute(
            "SELECT c.name, e.status, e.completed_on FROM course_enrollment e JOIN course c ON c.id = e.course_id"
            " WHERE e.assistant_id = ? ORDER BY e.completed_on DESC",
            (aid,),
        )
    ]
    out.sections.append((f"Courses ({len(courses)})", ["Course", "Status", "Completed"], courses, []))
    reviews = [
        [str(r[0]), r[1], r[2]]
        for r in db.execute(
            "SELECT r.held_on, c.ref, c.name FROM review r JOIN client c ON c.id = r.client_id"
            " WHERE r.assistant_id = ? ORDER BY r.held_on DESC LIMIT 20",
            (aid,),
        )
    ]
    out.sections.append((f"Staff reviews ({len(reviews)})", ["Held", "Ref", "Client"], reviews, []))
    shifts = [
        [r[0][:10], f"{r[0][11:16]}–{r[1][11:16]}", r[2], r[3], r[4]]
        for r in db.execute(
            "SELECT s.start_utc, s.end_utc, c.ref, s.kind, s.status FROM shift s JOIN client c ON c.id = s.client_id"
            " WHERE s.assistant_id = ? AND s.status != 'cancelled' AND s.start_utc >= ? AND s.start_utc < ?"
            " ORDER BY s.start_utc, s.id LIMIT ?",
            (aid, _utc(today), _utc(today + timedelta(days=SHIFT_DAYS)), SHIFT_LIMIT),
        )
    ]
    out.sections.append((f"Upcoming shifts ({len(shifts)})", ["Day", "Time", "Client", "Kind", "Status"], shifts, []))
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
        Binding("3", "show_assistants", "Assistants"),
        Binding("enter", "open_row", "Open", priority=True),
        Binding("escape", "back", "Back"),
        Binding("ctrl+end", "last_row", "Last", priority=True),
    ]

    def __init__(
        self,
        header: list[str],
        rows: list[list[str]],
        records: dict[str, Record] | None = None,
        assistants: tuple[list[str], list[list[str]]] = ([], []),
    ) -> None:
        super().__init__()
        self.header, self.rows = header, rows
        self.records = records or {}
        self.assistants = assistants
        self.list_id = "#table"  # the list shown (Enter opens its highlighted row)

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

    def action_show_assistants(self) -> None:
        """The assistants' rows in a DataTable of their own (the floor of opening an assistant)."""
        header, rows = self.assistants
        if not header or self.query("#assistants"):
            return
        self.query_one("#home").display = False
        for table in self.query(DataTable):
            table.display = False
        self.query_one("#record").display = False
        table: DataTable[str] = DataTable(cursor_type="row", id="assistants")
        self.mount(table, before="#record")
        table.add_columns(*header)
        table.add_rows(rows)
        table.focus()
        self.list_id = "#assistants"

    def action_last_row(self) -> None:
        table = self.query_one("#table", DataTable)
        table.move_cursor(row=len(self.rows) - 1)

    def widgets(self, header: list[str], row: list[str]) -> list[Widget]:
        """The record's widgets: its sections when read, else the row's fields."""
        record = self.records.get(row[header.index("ref")] if "ref" in header else "")
        if record is None:
            return [Static("\n".join(f"{h}: {v}" for h, v in zip(header, row)) + "\nRECORD-SHOWN")]
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
            if title:
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
        table = self.query_one(self.list_id, DataTable)
        header, rows = (self.header, self.rows) if self.list_id == "#table" else self.assistants
        box = self.query_one("#record", VerticalScroll)
        await box.remove_children()
        await box.mount_all(self.widgets(header, rows[table.cursor_row]))
        table.display = False
        box.display = True

    def action_back(self) -> None:
        self.query_one("#record").display = False
        table = self.query_one(self.list_id, DataTable)
        table.display = True
        table.focus()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows")
    parser.add_argument("--db", help="the SQLite file to read the records from")
    parser.add_argument("--records", default="", help="the clients' refs whose records Enter shows, comma-separated")
    parser.add_argument("--assistants", help="the assistants list's rows (CSV): `3` shows them")
    parser.add_argument("--assistant-records", default="", help="the assistants' refs whose records Enter shows")
    args = parser.parse_args()
    with open(args.rows, newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    assistants: tuple[list[str], list[list[str]]] = ([], [])
    if args.assistants:
        with open(args.assistants, newline="", encoding="utf-8") as fh:
            a_header, *a_rows = list(csv.reader(fh))
        assistants = (a_header, a_rows)
    records: dict[str, Record] = {}
    if args.db:
        db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
        try:
            records = {ref: read_record(db, ref, date.today()) for ref in args.records.split(",") if ref}
            for ref in args.assistant_records.split(","):
                if ref:
                    records[ref] = read_assistant(db, ref, date.today())
        finally:
            db.close()
    BareTable(header, rows, records, assistants).run()


if __name__ == "__main__":
    main()
