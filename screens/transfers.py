"""The transfers area: every provider switch in and out, soonest effective date first.

`TransfersView` is the area's view (built by `bpa_provider.screens.main.make_view("transfers")`, like the other
areas). Each transfer takes two lines so that everything fits at 80 columns:

    Client                  Effective    Next step
    K-0001 Kari Nordmann    02.06.2026   Client signed
    OUT to Aleris Omsorg    92 days      09.03.2026 · in 7 days

Enter opens the transfer's screen (screens/transfer_detail.py); n opens a transfer, i imports a
handover package (the incoming transfer opens with it), a shows or hides the cancelled and closed
ones. The list comes from `transfers.list_transfers` in a worker; a provider has tens of transfers,
not thousands, so one fetch fills the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from bpa_provider.formats import format_date
from bpa_provider.i18n import N_, _, ngettext
from bpa_provider.screens.calls import ServiceCaller
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.transfer_detail import (
    ENDED,
    TransferDetailScreen,
    days_left_text,
    direction_word,
    due_text,
    state_text,
    with_whom,
)
from bpa_provider.screens.transfer_forms import ImportForm, OpenTransferForm
from bpa_provider.screens.ui import TranslatedBindings, describe_error
from bpa_provider.screens.widgets.row_tip import RowTip, RowTips
from bpa_provider.screens.widgets.safe_table import SafeTable
from bpa_provider.services import transfers
from bpa_provider.services.handover import ImportResult
from bpa_provider.services.transfer_views import TransferSummary

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp

EFFECTIVE_WIDTH = 11  # "02.06.2026", "84 days ago"
MIN_CLIENT_WIDTH = 18
MIN_NEXT_WIDTH = 24


class TransfersView(RowTips, ServiceCaller, TranslatedBindings, Vertical):
    """The table of transfers, and a status line below (counts, what is overdue, what to press)."""

    DEFAULT_CSS = """
    TransfersView { height: 1fr; }
    TransfersView #table { height: 1fr; }
    TransfersView #status { height: 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    BINDINGS = [
        Binding("n", "new", N_("New transfer")),
        Binding("i", "import_package", N_("Import package")),
        Binding("a", "toggle_ended", N_("Show ended")),
        Binding("f5", "reload", N_("Reload"), show=False),  # in the help; the footer is full at 80
    ]

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.translate_bindings()
        self.rows: list[TransferSummary] = []
        self.include_ended = False
        self.loaded = False
        self.stale = True
        self.fetching = False
        self._keep_id: int | None = None
        self._shown_widths = (0, 0)

    @property
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield SafeTable(cursor_type="row", zebra_stripes=True, id="table")
        yield RowTip()
        yield Static(Text(_("Loading…")), id="status")

    def on_mount(self) -> None:
        self.load()

    def on_show(self) -> None:
        if self.stale and not self.fetching:
            self.load(keep=True)

    def on_resize(self) -> None:
        if self.loaded and self._widths() != self._shown_widths:
            self._fill(keep=self.current_id())

    # -- loading ---------------------------------------------------------------------------
    def load(self, *, keep: bool = False) -> None:
        """Fetch the transfers (open ones, or all with `include_ended`)."""
        if keep:
            self._keep_id = self.current_id()
        self.stale = False
        self.fetching = True
        app = self.bpa
        self.call_service(
            "list", transfers.list_transfers, app.db, app.actor, today=app.today, include_ended=self.include_ended
        )

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        self.fetching = False
        if result.error is not None:
            self.query_one("#status", Static).update(Text(describe_error(result.error)))
            return
        self.rows = list(result.value)
        self.loaded = True
        self._fill(keep=self._keep_id)
        self._keep_id = None

    def _widths(self) -> tuple[int, int]:
        # Cell padding (2 per column) and a scrollbar come off the width; the next step keeps room
        # for "09.03.2026 · in 120 days", the client column takes the rest (names are cut with …).
        free = max(self.size.width, 60) - 3 * 2 - 1 - EFFECTIVE_WIDTH
        next_width = max(MIN_NEXT_WIDTH, free // 2)
        return max(MIN_CLIENT_WIDTH, free - next_width), next_width

    def _fill(self, keep: int | None = None) -> None:
        table = self.query_one("#table", DataTable)
        table.clear(columns=True)
        client_width, next_width = self._shown_widths = self._widths()
        table.add_column(Text(_("Client")), width=client_width, key="client")
        table.add_column(Text(_("Effective")), width=EFFECTIVE_WIDTH, key="effective")
        table.add_column(Text(_("Next step")), width=next_width, key="next")
        for row in self.rows:
            table.add_row(*self.cells(row), key=str(row.id))
        if keep is not None:
            ids = [r.id for r in self.rows]
            if keep in ids:
                table.move_cursor(row=ids.index(keep))
        self.refresh_tip(table)
        self._show_status()

    @staticmethod
    def cells(row: TransferSummary) -> list[Text]:
        """Who and with whom; when and how long; what next and by when — each cell's parts on one
        line (SafeTable joins them with " · "; the whole row shows under the table when cut)."""
        who = Text(f"{row.client_ref} {row.client_name}", no_wrap=True, overflow="ellipsis")
        who.append("\n")
        who.append(direction_word(row.direction) + " ", style="bold")
        who.append(with_whom(row.direction, row.counterpart))
        when = Text(format_date(row.effective_date) + "\n")
        when.append(days_left_text(row.days_left) if row.state not in ENDED else "")
        step = state_text(row.state, row.next_title)
        step.no_wrap, step.overflow = True, "ellipsis"
        if row.next_title and row.state not in ENDED:
            step.append("\n")
            step.append(format_date(row.next_due) + " · " if row.next_due else "")
            step.append(due_text(row.next_days_left, short=True))
        return [who, when, step]

    def _show_status(self) -> None:
        if not self.rows:
            line = _("No transfers.") if self.include_ended else _("No open transfers.")
            if self.bpa.actor.may("transfer.write"):
                line += " " + _("Press n to open one or i to import a handover package.")
        else:
            overdue = sum(
                1 for r in self.rows if r.next_days_left is not None and r.next_days_left < 0 and r.state not in ENDED
            )
            n = len(self.rows)
            line = (
                ngettext(
                    "{n} transfer, cancelled and closed included", "{n} transfers, cancelled and closed included", n
                )
                if self.include_ended
                else ngettext("{n} open transfer", "{n} open transfers", n)
            ).format(n=n)
            if overdue:
                line += " · " + _("{n} with an OVERDUE step").format(n=overdue)
            line += " · " + _("Enter opens one")
        self.query_one("#status", Static).update(Text(line))

    # -- events ----------------------------------------------------------------------------
    @on(DataTable.RowSelected, "#table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.rows):
            self.open_transfer(self.rows[event.cursor_row].id)

    def open_transfer(self, transfer_id: int) -> None:
        """Show a transfer's screen."""
        self.app.push_screen(TransferDetailScreen(transfer_id))

    # -- actions ---------------------------------------------------------------------------
    def current(self) -> TransferSummary | None:
        table = self.query_one("#table", DataTable)
        row = table.cursor_row
        return self.rows[row] if table.row_count and 0 <= row < len(self.rows) else None

    def current_id(self) -> int | None:
        row = self.current()
        return row.id if row is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new":
            return self.bpa.actor.may("transfer.write")
        if action == "import_package":
            return self.bpa.actor.may("handover.import")
        return True

    def action_new(self) -> None:
        def opened(view: Any) -> None:
            if view is not None:
                self.notify(
                    _("Transfer {id} opened: effective {date}.").format(
                        id=view.id, date=format_date(view.effective_date)
                    )
                )
                self._changed()
                self.open_transfer(view.id)

        self.app.push_screen(OpenTransferForm(), opened)

    def action_import_package(self) -> None:
        def imported(result: ImportResult | None) -> None:
            if result is None:
                return
            what = _("updated") if result.updated else _("opened")
            self.notify(
                _("Package imported: transfer {id} for {ref} {what}, {n} assistant(s). SHA-256: {sha}").format(
                    id=result.transfer_id, ref=result.client_ref, what=what, n=len(result.assistants), sha=result.sha256
                ),
                markup=False,
            )
            self._changed()
            self.open_transfer(result.transfer_id)

        self.app.push_screen(ImportForm(), imported)

    def _changed(self) -> None:
        broadcast = getattr(self.app, "broadcast_change", None)
        if broadcast is not None:
            for kind in ("transfer", "client", "assistant"):
                broadcast(kind)
        else:  # mounted outside BpaApp (tests of the view alone)
            self.load(keep=True)

    def action_toggle_ended(self) -> None:
        self.include_ended = not self.include_ended
        self.load(keep=True)

    def action_reload(self) -> None:
        self.load(keep=True)

    def record_changed(self, kind: str) -> None:
        """Reload now if shown, else when next shown (steps and imports change the list)."""
        if kind in ("transfer", "client"):
            self.stale = True
            if self.display and self.is_mounted and not self.fetching:
                self.load(keep=True)

    def focus_content(self) -> None:
        self.query_one("#table", DataTable).focus()
