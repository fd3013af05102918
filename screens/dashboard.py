"""The dashboard: what needs action now, one section per list, counts in the headings.

`services.dashboard.gather` decides what is listed; this view only shows it. Each row opens its
record with Enter. A section whose service is not in this build says so calmly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from bpa_provider.i18n import N_, _
from bpa_provider.services import dashboard as dash
from screens import labels
from screens.calls import ServiceCaller
from screens.messages import OpenRecord, ServiceResult
from screens.ui import TranslatedBindings, describe_error, text

if TYPE_CHECKING:
    from screens.app import BpaApp

WHO_WIDTH = 21

TITLES = {
    dash.DECISIONS_ENDING: N_("Decisions ending within {days} days"),
    dash.HOURS_USAGE: N_("Clients over or under their hours this month"),
    dash.REVIEWS_DUE: N_("Staff reviews overdue or due within {days} days"),
    dash.COURSES_OVERDUE: N_("Supervisors with overdue onboarding (course or checklist)"),
    dash.CREDENTIALS_MISSING: N_("Assistants scheduled without police certificate or confidentiality"),
    dash.TRANSFER_STEPS_DUE: N_("Transfer steps due within {days} days"),
    dash.REVIEW_ACTIONS_DUE: N_("Review actions overdue or due within {days} days"),
    dash.COURSES_EXPIRING: N_("Courses expiring or expired"),
    dash.FK_DEADLINES: N_("Försäkringskassan time reports due within {days} days"),
}


class DashboardView(ServiceCaller, TranslatedBindings, VerticalScroll):
    """The sections, each a heading with a count and a table (or a calm message)."""

    DEFAULT_CSS = """
    DashboardView { height: 1fr; padding: 0 1; }
    DashboardView .heading { text-style: bold; margin-top: 1; }
    DashboardView .note { color: $text-muted; padding-left: 2; }
    DashboardView DataTable { height: auto; max-height: 12; margin-left: 1; overflow-x: hidden; }
    DashboardView #message { margin-top: 1; }
    """

    BINDINGS = [Binding("f5", "reload", N_("Reload"))]

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.translate_bindings()
        self.items: dict[str, tuple[dash.Item, ...]] = {}
        self.board: dash.Dashboard | None = None
        self._shown_width = 0
        self.stale = True

    @property
    def bpa(self) -> "BpaApp":
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(_("Loading…"), id="message")

    def on_show(self) -> None:
        if self.stale:
            self.load()

    def load(self) -> None:
        self.stale = False
        app = self.bpa
        self.call_service("dashboard", dash.gather, app.db, app.actor, app.today, app.settings.policy)

    def action_reload(self) -> None:
        self.load()

    def record_changed(self, kind: str) -> None:
        self.stale = True
        if self.display and self.is_mounted:
            self.load()

    async def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        if result.error is not None:
            await self.remove_children()
            await self.mount(Static(Text(describe_error(result.error)), id="message"))
            return
        await self.show(result.value)

    async def show(self, board: dash.Dashboard) -> None:
        """Rebuild the sections (keeping focus on the same section's table)."""
        self.board = board
        self._shown_width = self.size.width
        focused_key = self._focused_section()
        await self.remove_children()
        policy = self.bpa.settings.policy
        days = {
            dash.DECISIONS_ENDING: policy.decision_ending_days,
            dash.REVIEWS_DUE: policy.review_due_window_days,
            dash.TRANSFER_STEPS_DUE: policy.transfer_step_window_days,
            dash.REVIEW_ACTIONS_DUE: policy.review_due_window_days,
            dash.FK_DEADLINES: policy.transfer_step_window_days,
        }
        widgets: list = [Static(Text(_("What needs action on {day}").format(day=text(board.today))), id="message")]
        self.items = {}
        for section in board.sections:
            title = _(TITLES[section.key]).format(days=days.get(section.key, ""))
            if not section.available:
                widgets.append(Static(Text(title), classes="heading"))
                widgets.append(Static(Text(self._unavailable(section.error)), classes="note"))
                continue
            widgets.append(Static(Text(f"{title} ({len(section.items)})"), classes="heading"))
            if not section.items:
                widgets.append(Static(_("Nothing to do."), classes="note"))
                continue
            self.items[section.key] = section.items
            widgets.append(self._table(section))
        await self.mount_all(widgets)
        if focused_key:
            for table in self.query(DataTable):
                if table.id == f"s-{focused_key}":
                    table.focus()

    @staticmethod
    def _unavailable(error: str) -> str:
        if error.startswith(dash.UNAVAILABLE):
            return _("Not available in this version.")
        return _(error)

    def _table(self, section: dash.Section) -> DataTable:
        # The last column takes the width that is left; a long reason wraps onto a second line
        # rather than hiding behind a horizontal scroll.
        why_width = max(16, self.size.width - 1 - 2 - 6 - WHO_WIDTH - 10)  # margin, scrollbar, cell padding
        table: DataTable = DataTable(cursor_type="row", id=f"s-{section.key}")
        table.add_column(Text(_("Date")), key="when", width=10)
        table.add_column(Text(_("Who")), key="who", width=WHO_WIDTH)
        table.add_column(Text(_("Why")), key="why", width=why_width)
        for item in section.items:
            why = Text(labels.flag(item.flag), style="bold")
            if item.detail:
                why.append(" " + item.detail, style="not bold")
            table.add_row(text(item.when), text(f"{item.ref} {item.name}".strip()), why, height=None)
        return table

    def on_resize(self) -> None:
        # The reason column is sized to the width: rebuild when the width (not the content) changed.
        if self.board is not None and self.is_mounted and self.size.width != self._shown_width:
            self.call_after_refresh(self.show, self.board)

    def _focused_section(self) -> str | None:
        focused = self.screen.focused if self.is_mounted else None
        if isinstance(focused, DataTable) and focused.parent is self and focused.id:
            return focused.id[2:]
        return None

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = (event.data_table.id or "")[2:]
        items = self.items.get(key, ())
        if 0 <= event.cursor_row < len(items):
            item = items[event.cursor_row]
            if item.kind == "supervisor" and item.client_id:
                self.post_message(OpenRecord("client", item.client_id))
            elif item.record_id is not None:
                self.post_message(OpenRecord(item.kind, item.record_id))

    def focus_content(self) -> None:
        tables = list(self.query(DataTable))
        if tables:
            tables[0].focus()
        else:
            self.focus()
