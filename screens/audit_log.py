"""The audit-log area: who did or saw what, about whom, when — and whether the log is intact.

`AuditLogView` is the area's view (built by `bpa_provider.screens.main.make_view("audit")` as
`AuditLogView(id="audit")`). At 80×24 it reads:

    About e.g. K-0001    Who login           Any action        ▼
    From dd.mm.yyyy   To dd.mm.yyyy    Enter applies the filter
     When              Who       Role         What        About
     02.03.2026 14:05  kari      coordinator  viewed      K-0001
     …
    client record opened
    #311 · client 1 · 10.0.0.7 51234 10.0.0.1 22
    37 rows, newest first · Enter shows the whole row

"Who looked at my data?" is the person's reference in *About* (or **w** on any row about them).
Everything comes from `services.audit_log`: `query` (which logs the question itself, so a filter
is applied on Enter, not on every keystroke — half-typed filters would fill the log), `verify`
(the hash chain) and `row` (the first broken row). Values in the log came from people and are
shown as `Text`, never markup; national IDs are masked in the log already. A snapshot that
retention erased (the person was anonymised) reads "erased", and the chain line counts them.

The view asks the service for the newest FETCH_LIMIT rows and says so when more matched
(narrow the period then). A row's words and the screen that shows it whole are in
`screens/audit_row.py`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Select, Static

from bpa_provider.i18n import N_, _, ngettext
from bpa_provider.screens.audit_row import (
    FILTER_ACTIONS,
    AuditRowScreen,
    action_word,
    connection_text,
    reason_text,
    record_text,
    role_text,
)
from bpa_provider.screens.calls import ServiceCaller
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.safe_text import visible_text
from bpa_provider.screens.typed_checks import date_problem
from bpa_provider.screens.ui import TranslatedBindings, describe_error, text
from bpa_provider.screens.widgets.paged_table import PagedTable
from bpa_provider.services import audit_log

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp

# Re-exported: tests import the row screen from here.
__all__ = ["AuditLogView", "AuditRowScreen"]

FETCH_LIMIT = 5_000  # rows read per question: about 0.15 s in the service's write transaction
PAGE = 200  # rows put into the table at a time (DataTable measures every cell it holds)
WHEN_WIDTH = 16  # "02.03.2026 14:05"
ROLE_WIDTH = 11  # "coordinator"
ABOUT_WIDTH = 6  # "K-0001"
MIN_USER_WIDTH = 8
MIN_ACTION_WIDTH = 10
MIN_SUMMARY_WIDTH = 20  # a summary column only when at least this much room is left


class AuditLogView(ServiceCaller, TranslatedBindings, Vertical):
    """Filters above the log (newest first), a preview of the row under the cursor, a status line."""

    DEFAULT_CSS = """
    AuditLogView { height: 1fr; }
    AuditLogView .filters { height: 1; }
    AuditLogView .filter-label { width: auto; padding: 0 1 0 0; }
    AuditLogView .filter-label.gap { padding: 0 1; }
    AuditLogView #f-subject, AuditLogView #f-user { width: 1fr; }
    AuditLogView #f-from, AuditLogView #f-to { width: 12; }
    AuditLogView #f-action { width: 20; margin-left: 1; }
    AuditLogView #apply-hint { width: 1fr; padding-left: 2; color: $text-muted; }
    AuditLogView #table { height: 1fr; scrollbar-size-vertical: 1; }
    AuditLogView #chain { height: auto; text-style: bold; }
    AuditLogView #chain.-empty { display: none; }
    AuditLogView #preview { height: 2; color: $text-muted; }
    AuditLogView #status { height: 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("slash", "filter", N_("Filter")),
        Binding("v", "verify", N_("Verify chain")),
        Binding("w", "who_looked", N_("Who saw this person")),
        Binding("u", "by_user", N_("This user's actions"), show=False),
        Binding("c", "clear", N_("Clear filters"), show=False),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.translate_bindings()
        self.rows: list[audit_log.LogRow] = []  # newest first, as listed
        self.shown = 0  # how many of `rows` are in the table
        self.more = False  # more rows matched than FETCH_LIMIT
        self.loaded = False
        self.fetching = False
        self.stale = False
        self.report: Any = None  # the last ChainReport
        self.broken: audit_log.LogRow | None = None
        self.applied: dict[str, Any] = {}  # the filters of the rows listed
        self._keep_id: int | None = None
        self._widths_shown: tuple[int, ...] = ()

    @property
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(classes="filters"):
            yield Static(Text(_("About")), classes="filter-label")
            yield Input(placeholder=_("e.g. K-0001"), id="f-subject", compact=True)
            yield Static(Text(_("Who")), classes="filter-label gap")
            yield Input(placeholder=_("login"), id="f-user", compact=True)
            yield Select(
                [(action_word(a), a) for a in FILTER_ACTIONS], prompt=_("Any action"), id="f-action", compact=True
            )
        with Horizontal(classes="filters"):
            yield Static(Text(_("From")), classes="filter-label")
            yield Input(placeholder=_("dd.mm.yyyy"), id="f-from", compact=True)
            yield Static(Text(_("To")), classes="filter-label gap")
            yield Input(placeholder=_("dd.mm.yyyy"), id="f-to", compact=True)
            yield Static(Text(_("Enter applies the filter")), id="apply-hint")
        yield PagedTable(id="table")
        yield Static(id="chain", classes="-empty")
        yield Static(id="preview")
        yield Static(Text(_("Loading…")), id="status")

    def on_mount(self) -> None:
        self.load()

    def on_resize(self) -> None:
        if self.loaded and self._widths() != self._widths_shown:
            self._fill(keep=self.current_id())

    # -- filters ---------------------------------------------------------------------------
    def _input(self, name: str) -> Input:
        return self.query_one(f"#f-{name}", Input)

    def read_filters(self) -> dict[str, Any] | None:
        """The filters as the service takes them, or None (and the problem shown) if a date is wrong."""
        values: dict[str, Any] = {}
        subject = self._input("subject").value.strip().upper()  # references are upper case: K-0001
        user = self._input("user").value.strip()
        if subject:
            values["subject"] = subject
        if user:
            values["user"] = user
        action = self.query_one("#f-action", Select)
        if not action.is_blank():
            values["action"] = action.value
        dates: dict[str, date | None] = {}
        for name, label in (("from", _("From")), ("to", _("To"))):
            dates[name], problem = date_problem(self._input(name).value, label)
            if problem:
                self._show_problem(name, problem)
                return None
        if dates["from"] and dates["to"] and dates["to"] < dates["from"]:
            self._show_problem("to", _("To must be on or after From."))
            return None
        if dates["from"]:
            values["since"] = dates["from"]
        if dates["to"]:
            values["until"] = dates["to"]
        return values

    def _show_problem(self, name: str, message: str) -> None:
        self.query_one("#status", Static).update(Text(message))
        self._input(name).focus()

    # -- loading ---------------------------------------------------------------------------
    def load(self, *, keep: bool = False) -> bool:
        """Ask the log for the rows matching the filters (the question itself is logged);
        False when a filter is wrong (the problem is shown and nothing is asked)."""
        filters = self.read_filters()
        if filters is None:
            return False
        self.applied = filters
        self._keep_id = self.current_id() if keep else None
        self.stale = False
        self.fetching = True
        self.query_one("#status", Static).update(Text(_("Loading…")))
        app = self.bpa
        self.call_service(
            "query", audit_log.query, app.db, app.actor, limit=FETCH_LIMIT + 1, newest_first=True, **filters
        )
        return True

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        if result.tag == "query":
            self._loaded(result)
        elif result.tag == "verify":
            self._verified(result)
        elif result.tag == "broken":
            if result.error is None and result.value is not None:
                self.broken = result.value
                self._show_broken_row()

    def _loaded(self, result: ServiceResult) -> None:
        self.fetching = False
        if result.error is not None:
            self.query_one("#status", Static).update(Text(describe_error(result.error)))
            return
        rows = list(result.value)
        self.more = len(rows) > FETCH_LIMIT
        self.rows = list(rows[:FETCH_LIMIT])  # newest first, as asked
        self.loaded = True
        self._fill(keep=self._keep_id)
        self._keep_id = None

    def _widths(self) -> tuple[int, ...]:
        """(about, who, what[, summary]) column widths for the view's width."""
        # Padding of one cell each side per column and a one-cell scrollbar come off the width;
        # when, role and about keep their size, who and what share what is left, and a summary
        # column appears only when the screen is wide enough (at 80 the preview below shows it).
        about = max(ABOUT_WIDTH, len(_("About")))
        free = max(self.size.width, 60) - 1 - 5 * 2 - WHEN_WIDTH - ROLE_WIDTH - about
        user = max(MIN_USER_WIDTH, min(12, free // 3))
        action = min(18, free - user)
        if action < MIN_ACTION_WIDTH:  # narrow (longer words in Norwegian): who gives way first
            user = max(6, free - MIN_ACTION_WIDTH)
            action = max(MIN_ACTION_WIDTH, free - user)
        summary = free - user - action - 2
        return (about, user, action, summary) if summary >= MIN_SUMMARY_WIDTH else (about, user, action)

    def _fill(self, keep: int | None = None) -> None:
        table = self.query_one(PagedTable)
        table.clear(columns=True)
        widths = self._widths_shown = self._widths()
        table.add_column(Text(_("When")), width=WHEN_WIDTH, key="at")
        table.add_column(Text(_("Who")), width=widths[1], key="actor")
        table.add_column(Text(_("Role")), width=ROLE_WIDTH, key="role")
        table.add_column(Text(_("What")), width=widths[2], key="action")
        table.add_column(Text(_("About")), width=widths[0], key="subject")
        if len(widths) > 3:
            table.add_column(Text(_("Summary")), width=widths[3], key="summary")
        self.shown = 0
        ids = [r.id for r in self.rows]
        upto = PAGE if keep not in ids else max(PAGE, ids.index(keep) + 1)
        self._add_rows(upto)
        if keep in ids:
            table.move_cursor(row=ids.index(keep))
        self._show_status()
        self._preview()

    def _add_rows(self, upto: int) -> None:
        table = self.query_one(PagedTable)
        wide = len(self._widths_shown) > 3
        batch = self.rows[self.shown : upto]
        table.add_rows(self.cells(r, wide) for r in batch)
        self.shown += len(batch)

    @staticmethod
    def cells(row: audit_log.LogRow, wide: bool = False) -> list[Text]:
        """When, who, role, what, about (and the summary on wide screens), as plain text."""

        def cut(value: str) -> Text:
            return Text(value, no_wrap=True, overflow="ellipsis")

        out = [text(row.at), cut(row.actor), cut(role_text(row.role)), cut(action_word(row.action)), cut(row.subject)]
        if wide:
            out.append(cut(row.summary))
        return out

    def _show_status(self) -> None:
        n = len(self.rows)
        if not n:
            line = _("Nothing in the log matches.")
        elif self.more:
            line = _("More than {n} rows match; the newest {n} are listed. Narrow the period (From/To).").format(
                n=FETCH_LIMIT
            )
        else:
            line = ngettext("{n} row, newest first", "{n} rows, newest first", n).format(n=n)
        if self.stale:
            line += " · " + _("new entries: F5 reloads")
        elif n and not self.more:
            line += " · " + _("Enter shows the whole row")
        self.query_one("#status", Static).update(Text(line))

    # -- the row under the cursor ----------------------------------------------------------
    def current(self) -> audit_log.LogRow | None:
        table = self.query_one(PagedTable)
        index = table.cursor_row
        return self.rows[index] if table.row_count and 0 <= index < self.shown else None

    def current_id(self) -> int | None:
        row = self.current()
        return row.id if row is not None else None

    def _preview(self) -> None:
        row = self.current()
        preview = Text(no_wrap=True, overflow="ellipsis")
        if row is not None:
            if self.broken is not None and row.id == self.broken.id:
                preview.append(_("BROKEN") + " · ", style="bold")
            preview.append(row.summary or action_word(row.action))
            preview.append("\n")
            preview.append(f"#{row.id} · {record_text(row)} · {connection_text(row.connection)}")
            if "<-" in row.role:  # the role column may cut this off, and it matters
                preview.append(" · " + role_text(row.role))
        self.query_one("#preview", Static).update(visible_text(preview))

    @on(DataTable.RowHighlighted, "#table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._preview()

    @on(PagedTable.NearEnd)
    def _near_end(self) -> None:
        if self.shown < len(self.rows):
            self._add_rows(self.shown + PAGE)

    @on(DataTable.RowSelected, "#table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < self.shown:
            row = self.rows[event.cursor_row]
            broken = self.report.reason if self.broken is not None and row.id == self.broken.id else ""
            self.app.push_screen(AuditRowScreen(row, broken=broken))

    # -- filter events ---------------------------------------------------------------------
    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.load():
            self.focus_content()

    @on(Select.Changed, "#f-action")
    def _action_changed(self, event: Select.Changed) -> None:
        event.stop()
        # Setting the filters from a key (w, u, c) clears the action too; ask only once.
        chosen = None if event.select.is_blank() else event.value
        if self.loaded and chosen != self.applied.get("action"):
            self.load()

    # -- verify ----------------------------------------------------------------------------
    def action_verify(self) -> None:
        """Recompute the whole chain in a worker (the check is logged)."""
        self.broken = None
        self._chain(Text(_("Checking the chain of the whole log…")))
        app = self.bpa
        self.call_service("verify", audit_log.verify, app.db, app.actor)

    def _chain(self, line: Text) -> None:
        chain = self.query_one("#chain", Static)
        chain.update(line)
        chain.set_class(not line.plain, "-empty")

    def _verified(self, result: ServiceResult) -> None:
        if result.error is not None:
            self._chain(Text(describe_error(result.error)))
            return
        report = self.report = result.value
        if report.ok:
            line = ngettext(
                "Chain intact: {n} row, every hash matches.", "Chain intact: {n} rows, every hash matches.", report.rows
            ).format(n=report.rows)
        else:
            line = _("Chain BROKEN at row {id}: {reason} ({n} rows before it are intact).").format(
                id=report.broken_at, reason=reason_text(report.reason), n=report.rows
            )
        erased = report.erased
        if erased:  # not a break: said apart from it, and only when there are any
            line += " " + ngettext(
                "{n} snapshot erased by retention.", "{n} snapshots erased by retention.", erased
            ).format(n=erased)
        self._chain(Text(line))
        if not report.ok and report.broken_at is not None:
            app = self.bpa
            self.call_service("broken", audit_log.row, app.db, app.actor, report.broken_at)
        self.stale = True  # the check is itself a new row
        self._show_status()

    def _show_broken_row(self) -> None:
        """Put the cursor on the broken row if it is listed, and describe it either way."""
        broken = self.broken
        assert broken is not None
        ids = [r.id for r in self.rows]
        if broken.id in ids:
            index = ids.index(broken.id)
            if index >= self.shown:
                self._add_rows(index + 1)
            self.query_one(PagedTable).move_cursor(row=index)
            self._preview()
        else:
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(_("BROKEN") + " · ", style="bold")
            line.append(f"#{broken.id} · {text(broken.at)} · {broken.actor} · {action_word(broken.action)} · ")
            line.append(broken.subject or record_text(broken))
            self.query_one("#preview", Static).update(line)

    # -- actions ---------------------------------------------------------------------------
    def _set_filters(self, *, subject: str = "", user: str = "") -> None:
        self._input("subject").value = subject
        self._input("user").value = user
        self._input("from").value = ""
        self._input("to").value = ""
        self.query_one("#f-action", Select).clear()

    def action_filter(self) -> None:
        self._input("subject").focus()

    def action_who_looked(self) -> None:
        """Everything in the log about the person of the row under the cursor, all time."""
        row = self.current()
        if row is None or not row.subject:
            self.notify(_("This row is not about a person."), severity="warning")
            return
        self._set_filters(subject=row.subject)
        self.load()

    def action_by_user(self) -> None:
        """Everything the user of the row under the cursor did or saw, all time."""
        row = self.current()
        if row is None:
            return
        self._set_filters(user=row.actor)
        self.load()

    def action_clear(self) -> None:
        self._set_filters()
        self.load()

    def action_reload(self) -> None:
        self.load(keep=True)

    def record_changed(self, kind: str) -> None:
        """Every change adds log rows. The view does not reload by itself (each reading of the log
        is logged too); the status line says F5 shows them."""
        self.stale = True
        if self.loaded and not self.fetching:
            self._show_status()

    def focus_content(self) -> None:
        self.query_one(PagedTable).focus()
