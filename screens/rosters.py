"""The Rosters area: a client's week grid, one assistant's shifts across clients, and the client's
hour account — plus planning, approving and locking the week on screen.

Panes (one shows at a time, so everything fits 80×24; the line at the top names them and their keys):
- **client** (`c`): search and pick a client. A supervisor's search only ever finds their own
  clients (the services scope it); with exactly one client the pick is made for them.
- **week** (`w`): the `RosterGrid` of the client's week; `[`/`]` or PageUp/PageDown move a week,
  `t` back to this week, `g` to a week or date typed in. The shift under the cursor is described
  beside the grid (below it on a narrow terminal) with every rule it breaks: rule id, detail and law.
- **assistant** (`a`): the shifts of one assistant in the same week at every client the person
  may see (the assistant of the shift under the cursor, or one searched for).
- **hours** (`h`): decided vs planned vs worked for week, month, year to date and the decision,
  the running balance and the projected year-end (`services.hour_account.client_account`).

The view is split along its seams: `roster_picker.py` (the search-and-pick field),
`roster_grid.py` (the week grid), `roster_text.py` (what the panes say, pure functions),
`roster_actions.py` (shift and approve/lock keys, a mixin) and `roster_planning.py` (beyond single
shifts: copy the week `y`, rota patterns `m`, accept `d` / reject `u` a pending deviation).

Every database call goes through `call_service` (a worker); the answers come back as
`ServiceResult`s. Permissions are the services' to enforce; keys a role cannot use are not offered.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical, VerticalScroll
from textual.widgets import ContentSwitcher, DataTable, Static

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.formats import format_date
from bpa_provider.i18n import N_, _
from bpa_provider.screens.calls import ServiceCaller
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.roster_actions import RosterWeekActions
from bpa_provider.screens.roster_grid import RosterGrid
from bpa_provider.screens.roster_picker import Picker
from bpa_provider.screens.roster_planning import RosterPlanning
from bpa_provider.screens.roster_text import (
    account_table,
    assistant_title,
    fill_assistant_table,
    monday,
    shift_info,
    span,
    week_label,
    week_title,
)
from bpa_provider.screens.ui import TranslatedBindings, describe_error
from bpa_provider.screens.widgets.safe_table import SafeTable
from bpa_provider.screens.widgets.status_line import ExplainsKeys
from bpa_provider.services import roster
from bpa_provider.services.roster import ShiftView, WeekView

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp

# Re-exported: tests and the bench import these names from here.
__all__ = ["Picker", "RostersView", "hour_account", "monday", "span", "week_label"]

WIDE = 110  # from this many columns the shift's description stands beside the grid
PANES = (
    ("week", "w", N_("Week")),
    ("assistant", "a", N_("Assistant")),
    ("hours", "h", N_("Hours")),
    ("pick", "c", N_("Client")),
)
# Records whose change may change what this area shows.
WEEK_KEYS = Binding.Group(N_("Week"), compact=True)  # [ and ] share one footer entry
WATCHED = {"shift", "client", "assistant", "assignment", "employment", "decision", "municipality", "supervision"}


def hour_account(db: Database, actor: Actor, client_id: int, today: date) -> Any:
    """The client's hour account (the hours service is imported here, in the worker: it is large
    and only this pane needs it)."""
    from bpa_provider.services.hour_account import client_account

    return client_account(db, actor, client_id, today)


class RostersView(RosterWeekActions, ExplainsKeys, RosterPlanning, ServiceCaller, TranslatedBindings, Vertical):
    """The "rosters" area of the main screen."""

    DEFAULT_CSS = """
    RostersView { height: 1fr; }
    RostersView #modes { height: 1; }
    RostersView #panes { height: 1fr; }
    RostersView #panes > * { height: 1fr; }
    RostersView .heading { text-style: bold; height: auto; }
    RostersView #week-title { height: auto; }
    RostersView #week-body { height: 1fr; layout: vertical; }
    RostersView #week-body.-wide { layout: horizontal; }
    RostersView #shift-info { height: auto; max-height: 7; border-top: solid $panel-lighten-2; }
    RostersView #week-body.-wide #shift-info { width: 42; height: 1fr; max-height: 100%; border-top: none;
                                               border-left: solid $panel-lighten-2; padding-left: 1; }
    RostersView .message { height: auto; text-style: bold; }
    RostersView .message.-empty { display: none; }
    RostersView #assistant-picker OptionList { max-height: 5; }
    RostersView #assistant-table { height: 1fr; }
    RostersView #hours-body { height: auto; }
    """

    BINDINGS = [
        # One footer entry for both ("[] Week"): at 80 columns the footer has no room for two.
        Binding("left_square_bracket,pageup", "week(-1)", N_("Prev week"), group=WEEK_KEYS),
        Binding("right_square_bracket,pagedown", "week(1)", N_("Next week"), group=WEEK_KEYS),
        Binding("t", "this_week", N_("This week"), show=False),
        Binding("g", "go_to_week", N_("Go to week or date"), show=False),
        Binding("w", "pane('week')", N_("Week grid"), show=False),
        Binding("a", "assistant", N_("Assistant's shifts"), show=False),
        Binding("h", "pane('hours')", N_("Hour account"), show=False),
        Binding("c,slash", "choose_client", N_("Choose client"), show=False),
        Binding("n", "new_shift", N_("New shift")),
        Binding("e", "edit_shift", N_("Change shift"), show=False),
        Binding("x", "cancel_shift", N_("Cancel shift"), show=False),
        Binding("r", "reassign", N_("Reassign shift"), show=False),
        Binding("k", "acknowledge", N_("Acknowledge warning"), show=False),
        Binding("d", "accept_deviation", N_("Accept deviation"), show=False),
        Binding("u", "reject_deviation", N_("Reject deviation"), show=False),
        Binding("y", "copy_week", N_("Copy week"), show=False),
        Binding("m", "patterns", N_("Rota patterns"), show=False),
        Binding("p", "approve", N_("Approve week")),
        Binding("o", "coapprove", N_("Co-approve week"), show=False),
        Binding("l", "lock", N_("Lock week")),
        Binding("f", "substitute", N_("Find substitute"), show=False),  # screens/vacancy.py
        Binding("v", "vacant", N_("Vacant shifts"), show=False),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.translate_bindings()
        self.pane = "pick"
        self.client_id: int | None = None
        self.client_label = ""
        self.tz = "Europe/Oslo"
        self.week_start: date | None = None
        self.week: WeekView | None = None
        self.assistant_id: int | None = None
        self.assistant_label = ""
        self.assistant_rows: list[ShiftView] = []
        self.account: Any = None
        self.period_action = ""
        self.stale = False
        self._own_change = False

    @property
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    @property
    def today(self) -> date:
        return getattr(self.app, "today", None) or date.today()

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="modes")
        with ContentSwitcher(id="panes", initial="pick"):
            with Vertical(id="pick"):
                yield Static(Text(_("Choose a client to see their roster")), classes="heading")
                yield Picker("client", id="client-picker", placeholder=_("Client: name or reference"), auto_single=True)
            with Vertical(id="week"):
                yield Static(id="week-title")
                with Container(id="week-body"):
                    yield RosterGrid(id="grid")
                    yield Static(id="shift-info")
                yield Static("", id="week-message", classes="message -empty")
            with Vertical(id="assistant"):
                yield Picker("assistant", id="assistant-picker", placeholder=_("Assistant: name or reference"))
                yield Static(id="assistant-title", classes="heading")
                yield SafeTable(cursor_type="row", id="assistant-table")
            with VerticalScroll(id="hours"):
                yield Static(id="hours-title", classes="heading")
                yield Static(id="hours-body")

    def on_mount(self) -> None:
        self.week_start = monday(self.today)
        grid = self.query_one(RosterGrid)
        grid.today = self.today
        self._show_modes()
        self.query_one("#client-picker", Picker).load()

    def on_show(self) -> None:
        if self.stale:
            self.reload()

    def on_resize(self) -> None:
        self.query_one("#week-body").set_class(self.size.width >= WIDE, "-wide")

    def _show_modes(self) -> None:
        line = Text(no_wrap=True, overflow="ellipsis")
        for key, letter, title in PANES:
            if key in ("week", "hours") and self.client_id is None:
                continue
            current = key == self.pane
            line.append(("▸" if current else " ") + letter + " ", style="bold" if current else "dim")
            line.append(_(title), style="bold reverse" if current else "")
            line.append("  ")
        self.query_one("#modes", Static).update(line)

    def show_pane(self, pane: str) -> None:
        self.pane = pane
        self.query_one("#panes", ContentSwitcher).current = pane
        self._show_modes()
        self.refresh_bindings()

    # -- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Fetch again what the current pane shows (and the week, which the actions act on)."""
        self.stale = False
        if self.client_id is not None:
            self.load_week()
        if self.pane == "assistant" and self.assistant_id is not None:
            self.load_assistant()
        if self.pane == "hours" and self.client_id is not None:
            self.load_hours()
        if self.pane == "pick":
            self.query_one("#client-picker", Picker).load()

    def load_week(self) -> None:
        """Show the week's dates at once and ask for its shifts in a worker."""
        assert self.week_start is not None
        if self.client_id is None:
            return
        self.week = None
        self.query_one(RosterGrid).show_week(self.week_start, _("Loading…"))
        self._title()
        self.call_service(
            "week", roster.client_week, self.bpa.db, self.bpa.actor, self.client_id, self.week_start, with_vacant=True
        )

    def load_assistant(self) -> None:
        assert self.week_start is not None
        if self.assistant_id is None:
            return
        self._assistant_title(loading=True)
        self.call_service(
            "assistant",
            roster.assistant_shifts,
            self.bpa.db,
            self.bpa.actor,
            self.assistant_id,
            self.week_start,
            self.week_start + timedelta(days=7),
            tz=self.tz,
        )

    def load_hours(self) -> None:
        if self.client_id is None:
            return
        self.query_one("#hours-title", Static).update(
            Text(_("Hour account of {client} on {day}").format(client=self.client_label, day=format_date(self.today)))
        )
        self.query_one("#hours-body", Static).update(Text(_("Loading…")))
        self.call_service("hours", hour_account, self.bpa.db, self.bpa.actor, self.client_id, self.today)

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        handler = getattr(self, f"_got_{result.tag}", None)
        if handler is not None:
            handler(result)

    def _got_week(self, result: ServiceResult) -> None:
        grid = self.query_one(RosterGrid)
        if result.error is not None:
            assert self.week_start is not None
            grid.show_week(self.week_start, describe_error(result.error))
            return
        week: WeekView = result.value
        if week.week_start != self.week_start:
            return  # an answer for a week the person has already left
        self.week = week
        self.tz = week.tz
        self.client_label = f"{week.client_ref} {week.client_name}"
        grid.set_week(week)
        self._title()
        self.refresh_bindings()

    def _got_assistant(self, result: ServiceResult) -> None:
        table = self.query_one("#assistant-table", DataTable)
        table.clear(columns=True)
        if result.error is not None:
            self.assistant_rows = []
            self.query_one("#assistant-title", Static).update(Text(describe_error(result.error)))
            return
        self.assistant_rows = sorted(result.value, key=lambda s: s.start)
        fill_assistant_table(table, self.assistant_rows)
        self._assistant_title()

    def _got_hours(self, result: ServiceResult) -> None:
        body = self.query_one("#hours-body", Static)
        if result.error is not None:
            body.update(Text(describe_error(result.error)))
            return
        self.account = result.value
        body.update(account_table(result.value, narrow=self.size.width < 80))

    # -- what the panes say ----------------------------------------------------------------
    def _title(self) -> None:
        if self.week_start is None:
            return
        self.query_one("#week-title", Static).update(week_title(self.client_label, self.week_start, self.week))

    def _assistant_title(self, loading: bool = False) -> None:
        assert self.week_start is not None
        line = assistant_title(self.assistant_label, self.week_start, self.assistant_rows, loading=loading)
        self.query_one("#assistant-title", Static).update(line)

    def _message(self, message: str) -> None:
        line = self.query_one("#week-message", Static)
        line.update(Text(message))
        line.set_class(not message, "-empty")
        if message and self.pane != "week":
            self.notify(message, markup=False)  # service messages may quote what people typed

    # -- events ----------------------------------------------------------------------------
    @on(Picker.Picked, "#client-picker")
    def _client_picked(self, event: Picker.Picked) -> None:
        event.stop()
        # Picked by itself while the person is still in the navigation: do not take the focus.
        self.open_client(event.record_id, event.label, focus=not event.auto or self._focus_within())

    @on(Picker.Picked, "#assistant-picker")
    def _assistant_picked(self, event: Picker.Picked) -> None:
        event.stop()
        self.assistant_id, self.assistant_label = event.record_id, event.label
        self.load_assistant()
        self.query_one("#assistant-table", DataTable).focus()

    def _focus_within(self) -> bool:
        focused = self.screen.focused if self.is_mounted else None
        return focused is not None and (focused is self or self in focused.ancestors)

    def open_client(self, client_id: int, label: str, week_start: date | None = None, *, focus: bool = True) -> None:
        """Show a client's week (this week unless another is given)."""
        self.client_id, self.client_label = client_id, label
        if week_start is not None:
            self.week_start = week_start
        self._message("")
        self.show_pane("week")
        self.load_week()
        if focus:
            self.query_one(RosterGrid).focus()

    @on(RosterGrid.Highlighted)
    def _highlighted(self, event: RosterGrid.Highlighted) -> None:
        if isinstance(event, RosterGrid.Selected):
            return
        info = shift_info(
            self.week,
            event.day,
            event.shift,
            may_plan=self.bpa.actor.may("roster.write"),
            may_decide=self.check_planning("accept_deviation"),
        )
        self.query_one("#shift-info", Static).update(info)
        self.refresh_bindings()

    @on(RosterGrid.Selected)
    def _selected(self, event: RosterGrid.Selected) -> None:
        event.stop()
        if event.shift is not None and event.shift.status == "vacant":
            # What a coordinator wants from a vacant shift is someone for it; `e` still edits it.
            self.action_substitute()
            return
        action = "new_shift" if event.shift is None else "edit_shift"
        if not self.check_action(action, ()):
            reason = self.why_not(action, ())
            if reason:
                self.explain(reason)
            return
        if event.shift is None:
            self.action_new_shift()
        else:
            self.action_edit_shift()

    @on(DataTable.RowSelected, "#assistant-table")
    def _assistant_row(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.assistant_rows):
            s = self.assistant_rows[event.cursor_row]
            self.open_client(s.client_id, s.client_ref, monday(s.start.date()))

    # -- actions ---------------------------------------------------------------------------
    def _shift(self) -> ShiftView | None:
        return self.query_one(RosterGrid).current_shift() if self.pane == "week" else None

    def action_week(self, step: int) -> None:
        assert self.week_start is not None
        self.move_to_week(self.week_start + timedelta(days=7 * step))

    def action_this_week(self) -> None:
        self.move_to_week(monday(self.today))

    def action_go_to_week(self) -> None:
        from bpa_provider.screens.goto_week import GoToWeekScreen

        assert self.week_start is not None
        self.app.push_screen(
            GoToWeekScreen(self.week_start.year),
            lambda chosen: self.move_to_week(chosen) if chosen is not None else None,
        )

    def move_to_week(self, week_start: date) -> None:
        """Show another week in the current pane (the grid's dates change at once)."""
        self.week_start = week_start
        self._message("")
        if self.client_id is not None:
            self.load_week()
        if self.pane == "assistant":
            self.load_assistant()

    def action_pane(self, pane: str) -> None:
        self.show_pane(pane)
        if pane == "hours":
            self.load_hours()
        self.focus_content()

    def action_assistant(self) -> None:
        shift = self._shift()
        if shift is not None:
            self.assistant_id, self.assistant_label = (
                shift.assistant_id,
                f"{shift.assistant_ref} {shift.assistant_name}",
            )
        self.show_pane("assistant")
        picker = self.query_one("#assistant-picker", Picker)
        if not picker.loaded:
            picker.load()
        if self.assistant_id is not None:
            self.load_assistant()
            self.query_one("#assistant-table", DataTable).focus()
        else:
            self.query_one("#assistant-title", Static).update(Text(_("Search for an assistant above.")))
            picker.focus_search()

    def action_choose_client(self) -> None:
        self.show_pane("pick")
        self.query_one("#client-picker", Picker).focus_search()

    def action_reload(self) -> None:
        self.reload()

    def _changed(self) -> None:
        """A save or approval changed shifts: this view and every other that shows them reload."""
        self.reload()
        broadcast = getattr(self.app, "broadcast_change", None)
        if broadcast is not None:
            self._own_change = True  # the broadcast comes back here: one reload is enough
            try:
                broadcast("shift")
            finally:
                self._own_change = False

    # -- the main screen's hooks -----------------------------------------------------------
    def record_changed(self, kind: str) -> None:
        """Reload now if shown, else when next shown."""
        if kind in WATCHED and not self._own_change:
            self.stale = True
            if self.display and self.is_mounted:
                self.reload()

    def focus_content(self) -> None:
        if self.pane == "week":
            self.query_one(RosterGrid).focus()
        elif self.pane == "assistant":
            if self.assistant_id is not None:
                self.query_one("#assistant-table", DataTable).focus()
            else:
                self.query_one("#assistant-picker", Picker).focus_search()
        elif self.pane == "hours":
            self.query_one("#hours", VerticalScroll).focus()
        else:
            self.query_one("#client-picker", Picker).focus_search()
