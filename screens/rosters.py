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
  the running balance and the projected year-end (`services.hours.client_account`).

Beyond single shifts (`screens/roster_planning.py`): copy the week to the next weeks (`y`), the
client's rota patterns (`m`), and accept (`d`) or reject (`u`) a shift's pending deviation.

Every database call goes through `call_service` (a worker); the answers come back as
`ServiceResult`s. Permissions are the services' to enforce; keys a role cannot use are not offered.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import ContentSwitcher, DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.errors import ValidationError
from bpa_provider.formats import format_date, format_date_range, format_number, format_short_date
from bpa_provider.i18n import N_, _
from bpa_provider.screens import labels
from bpa_provider.screens.calls import ServiceCaller
from bpa_provider.screens.confirm import ConfirmScreen
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.roster_grid import WEEKDAYS, RosterGrid, open_problems, severity_mark, time_range
from bpa_provider.screens.roster_planning import PLANNING_ACTIONS, RosterPlanning
from bpa_provider.screens.shift_form import ShiftForm
from bpa_provider.screens.ui import TranslatedBindings, describe_error, hours
from bpa_provider.screens.widgets.safe_table import SafeTable
from bpa_provider.screens.widgets.status_line import ExplainsKeys
from bpa_provider.services import periods, records, roster
from bpa_provider.services.roster import ShiftView, WeekView

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp

SEARCH_DELAY = 0.2
PICK_LIMIT = 50
WIDE = 110  # from this many columns the shift's description stands beside the grid
PANES = (
    ("week", "w", N_("Week")),
    ("assistant", "a", N_("Assistant")),
    ("hours", "h", N_("Hours")),
    ("pick", "c", N_("Client")),
)
PERIOD_NAMES = {
    "week": N_("Week"),
    "month": N_("Month"),
    "year_to_date": N_("Year to date"),
    "decision": N_("Decision"),
}
PERIOD_DONE = {"approve": N_("week approved"), "coapprove": N_("week co-approved"), "lock": N_("week locked")}
# Records whose change may change what this area shows.
WEEK_KEYS = Binding.Group(N_("Week"), compact=True)  # [ and ] share one footer entry
WATCHED = {"shift", "client", "assistant", "assignment", "employment", "decision", "municipality", "supervision"}


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_label(week_start: date) -> str:
    """ "Week 10 · 02.03–08.03.2026"."""
    last = week_start + timedelta(days=6)
    return _("Week {n} · {days}").format(n=week_start.isocalendar()[1], days=format_date_range(week_start, last))


def span(first: date, last: date) -> str:
    """02.03–08.03.26, or 01.01.25–15.04.26 across a new year (sv: ISO days)."""
    return format_date_range(first, last, short_year=True)


def hour_account(db: Database, actor: Actor, client_id: int, today: date) -> Any:
    """The client's hour account (the hours service is imported here, in the worker: it is large
    and only this pane needs it)."""
    from bpa_provider.services.hours import client_account

    return client_account(db, actor, client_id, today)


class Picker(ServiceCaller, Vertical):
    """A search field over a list of clients or assistants; Enter picks (posts `Picked`)."""

    DEFAULT_CSS = """
    Picker { height: auto; }
    Picker OptionList { height: auto; max-height: 16; border: none; padding: 0; }
    Picker .status { color: $text-muted; height: 1; }
    """

    BINDINGS = [Binding("down", "to_list", show=False)]

    class Picked(Message):
        """A record was chosen."""

        def __init__(self, picker: Picker, kind: str, record_id: int, label: str, auto: bool = False) -> None:
            super().__init__()
            self.picker = picker
            self.auto = auto  # picked by itself (the only record), not by a key
            self.kind = kind
            self.record_id = record_id
            self.label = label

        @property
        def control(self) -> Picker:
            """The picker, so `@on(Picker.Picked, "#id")` can tell two pickers apart."""
            return self.picker

    def __init__(self, kind: str, *, id: str, placeholder: str, auto_single: bool = False) -> None:
        super().__init__(id=id)
        self.kind = kind
        self.placeholder = placeholder
        self.auto_single = auto_single  # pick by itself when there is exactly one record at all
        self.rows: list[Any] = []
        self.loaded = False
        self._timer: Timer | None = None

    @property
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.placeholder, compact=True, classes="search")
        yield OptionList(classes="choices")
        yield Static("", classes="status")

    def load(self) -> None:
        """Ask for the records matching the search (the first PICK_LIMIT, by reference)."""
        self.call_service(
            "search",
            records.list_records,
            self.bpa.db,
            self.bpa.actor,
            self.kind,
            search=self.query_one(Input).value,
            order="ref",
            limit=PICK_LIMIT,
        )

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        status = self.query_one(".status", Static)
        if result.error is not None:
            status.update(Text(describe_error(result.error)))
            return
        page = result.value
        first_load = not self.loaded
        self.loaded = True
        self.rows = list(page.rows)
        choices = self.query_one(OptionList)
        choices.clear_options()
        choices.add_options([Option(Text(f"{r.ref} {r.name}"), id=str(r.id)) for r in self.rows])
        if self.rows:
            choices.highlighted = 0
        if not page.total:
            status.update(Text(_("Nothing found.")))
        elif page.total > len(self.rows):
            status.update(
                Text(
                    _("{shown} of {total}: type more of the name or reference").format(
                        shown=len(self.rows), total=page.total
                    )
                )
            )
        else:
            status.update(Text(_("{n} found · Enter opens").format(n=page.total)))
        if first_load and self.auto_single and page.total == 1 and not self.query_one(Input).value:
            self._pick(0, auto=True)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SEARCH_DELAY, self.load)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        choices = self.query_one(OptionList)
        self._pick(choices.highlighted if choices.highlighted is not None else 0)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option_index)

    def _pick(self, index: int, auto: bool = False) -> None:
        if 0 <= index < len(self.rows):
            row = self.rows[index]
            self.post_message(self.Picked(self, self.kind, row.id, f"{row.ref} {row.name}", auto))

    def action_to_list(self) -> None:
        if self.rows:
            self.query_one(OptionList).focus()

    def focus_search(self) -> None:
        self.query_one(Input).focus()


class RostersView(ExplainsKeys, RosterPlanning, ServiceCaller, TranslatedBindings, Vertical):
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
        for title, width in (
            (_("Day"), 9),
            (_("Time"), 12),
            (_("Hours"), 5),
            (_("Client"), 7),
            (_("Kind"), 8),
            (_("Status"), 9),
        ):
            table.add_column(Text(title), width=width)
        for s in self.assistant_rows:
            status = labels.choice(s.status)
            if s.deviation_status == "pending":
                status = _("DEVIATION")
            table.add_row(
                Text(f"{_(WEEKDAYS[s.start.weekday()])} {format_short_date(s.start)}"),
                Text(time_range(s, 12)),
                Text(hours(s.hours)),
                Text(s.client_ref),
                Text(labels.choice(s.kind)),
                Text(status),
            )
        self._assistant_title()

    def _got_hours(self, result: ServiceResult) -> None:
        body = self.query_one("#hours-body", Static)
        if result.error is not None:
            body.update(Text(describe_error(result.error)))
            return
        self.account = result.value
        body.update(self._account_table(result.value))

    def _got_period(self, result: ServiceResult) -> None:
        """The answer to approve, co-approve or lock."""
        action = self.period_action
        if result.error is None:
            row = result.value
            if getattr(row, "needs_coapproval", False) and not getattr(row, "coapproved_by", ""):
                self._message(
                    _(
                        "Week approved. It needs a coordinator's co-approval before it can be locked "
                        "(the supervisor's basic course is overdue)."
                    )
                )
            else:
                self._message(_("Done: {what}.").format(what=_(PERIOD_DONE.get(action, ""))))
            self._changed()
            return
        if isinstance(result.error, ValidationError):
            fields = {e.field for e in result.error.errors}
            self._message(" ".join(e.localized() for e in result.error.errors))
            if action == "approve" and fields == {"deviations"}:
                question = ConfirmScreen(
                    _("Deviations wait for a decision. Accept them all and approve the week?"),
                    yes=_("Accept and approve"),
                    no=_("Not now"),
                )
                self.app.push_screen(question, lambda yes: self._period("approve", True) if yes else None)
            return
        self._message(describe_error(result.error))

    # -- what the panes say ----------------------------------------------------------------
    def _title(self) -> None:
        if self.week_start is None:
            return
        line = Text(no_wrap=False)
        line.append(self.client_label or "", style="bold")  # a client's name: plain text
        line.append("  " + week_label(self.week_start))
        week = self.week
        if week is not None:
            line.append("  " + _("{h} h planned").format(h=hours(week.total_hours)))
            if week.locked:
                line.append("  " + _("LOCKED"), style="bold")
            elif week.shifts and all(s.status == "approved" for s in week.shifts):
                line.append("  " + _("APPROVED"), style="bold")
            marked = [s for s in week.shifts if open_problems(s)]
            if marked:
                blocking = sum(1 for s in marked if any(v.severity == "block" for v in open_problems(s)))
                line.append("  ")
                line.append(_("! {n} shift(s) break a rule").format(n=len(marked)), style="bold")
                if blocking:
                    line.append(" " + _("({n} BLOCK)").format(n=blocking), style="bold")
            named = [f"{format_short_date(d.day)} {d.holiday}" for d in week.days if d.holiday]
            if named:
                line.append("\n* " + _("Public holiday") + ": " + ", ".join(named))
        self.query_one("#week-title", Static).update(line)

    def _assistant_title(self, loading: bool = False) -> None:
        assert self.week_start is not None
        line = Text()
        line.append(self.assistant_label, style="bold")
        line.append("  " + week_label(self.week_start))
        if loading:
            line.append("  " + _("Loading…"))
        else:
            total = sum(s.hours for s in self.assistant_rows)
            line.append("  " + _("{n} shift(s), {h} h").format(n=len(self.assistant_rows), h=hours(total)))
            if not self.assistant_rows:
                line.append("  " + _("(no shifts you may see this week)"))
        self.query_one("#assistant-title", Static).update(line)

    def _account_table(self, account: Any) -> Table:
        # Narrow: the dates go under the period's name, so six columns fit in 60 cells.
        narrow = self.size.width < 80
        grid = Table(box=None, padding=(0, 1), show_edge=False, pad_edge=False)
        grid.add_column(Text(_("Period"), style="bold"))
        if not narrow:
            grid.add_column(Text(_("Dates"), style="bold"), no_wrap=True)
        for title in (_("Decided"), _("Planned"), _("Worked"), _("Balance")):
            grid.add_column(Text(title, style="bold"), justify="right", no_wrap=True)
        for p in account.periods:
            dates = Text(span(p.first, p.last), style="dim")
            name = Text(_(PERIOD_NAMES.get(p.name, p.name)))
            if narrow:
                name.append("\n")
                name.append_text(dates)
            cells = [name] if narrow else [name, dates]
            grid.add_row(
                *cells, Text(hours(p.decided)), Text(hours(p.planned)), Text(hours(p.worked)), Text(hours(p.balance))
            )
        proj = account.projection
        outlook = Table.grid(padding=(0, 1))
        outlook.add_column(no_wrap=True, style="dim")
        outlook.add_column()
        outlook.add_row(Text(""), Text(""))
        outlook.add_row(Text(_("Running balance") + ":"), Text(_("{h} h").format(h=hours(account.balance))))
        if account.opening_balance:
            outlook.add_row(Text(_("Adjustments") + ":"), Text(_("{h} h").format(h=hours(account.opening_balance))))
        flag = Text(labels.flag(account.flag) or account.flag.upper(), style="bold")
        ratio = f"{format_number(proj.ratio * 100, 1, trim=False)} %" if proj.decided else "–"
        year = Text(
            _("{used} h of {decided} h ({ratio}), balance {balance} h").format(
                used=hours(proj.projected_used),
                decided=hours(proj.decided),
                ratio=ratio,
                balance=hours(proj.projected_balance),
            )
            + "  "
        )
        year.append_text(flag)
        # The projection is made as of today: say so, as the month report does.
        outlook.add_row(Text(_("Projected year-end, as of {date}").format(date=format_date(account.today)) + ":"), year)
        outer = Table.grid()
        outer.add_row(grid)
        outer.add_row(outlook)
        return outer

    def _shift_info(self, day: date, shift: ShiftView | None) -> Text:
        """The shift under the cursor, and every rule it breaks with its reason and law."""
        out = Text()
        holiday = next((d.holiday for d in self.week.days if d.day == day and d.holiday), None) if self.week else None
        if shift is None:
            out.append(f"{_(WEEKDAYS[day.weekday()])} {format_date(day)}", style="bold")
            if holiday:
                out.append("  * " + holiday, style="bold")
            if self.week is not None:
                out.append("\n" + _("No shifts this day."))
                if self.bpa.actor.may("roster.write") and not self.week.locked:
                    out.append(" " + _("Enter or n plans one."))
            return out
        out.append(
            f"{_(WEEKDAYS[shift.start.weekday()])} {format_short_date(shift.start)} "
            f"{shift.start.strftime('%H:%M')}–{shift.end.strftime('%H:%M')}",
            style="bold",
        )
        out.append(
            " · "
            + _("{h} h").format(h=hours(shift.hours))
            + f" · {labels.choice(shift.kind)} · {labels.choice(shift.status)}"
        )
        if holiday:
            out.append(" · * " + holiday)
        out.append("\n")
        if shift.assistant_ref:
            out.append(f"{shift.assistant_ref} ")
            out.append(shift.assistant_name)
        else:  # created vacant: nobody's yet
            out.append(_("new vacant shift"))
        if shift.replaces_ref:
            out.append(" " + _("(for {ref})").format(ref=shift.replaces_ref))
        if shift.status == "vacant":
            out.append("\n" + _("VACANT: f shows who can take it."), style="bold")
        if shift.deviation_status == "pending" and shift.planned_start and shift.planned_end:
            out.append(
                "\n"
                + _("DEVIATION waiting for a decision; planned {start}–{end}").format(
                    start=f"{format_short_date(shift.planned_start)} {shift.planned_start:%H:%M}",
                    end=shift.planned_end.strftime("%H:%M"),
                )
            )
            if self.check_planning("accept_deviation"):
                out.append("\n" + _("d accepts it, u rejects it (the plan is restored)."), style="dim")
        if shift.note:
            out.append("\n")
            out.append(shift.note, style="italic")
        for v in shift.violations:
            out.append("\n")
            out.append(severity_mark(v.severity, v.acknowledged) + " " + v.rule_id, style="bold")
            out.append(": " + v.detail)
            if v.law:
                out.append(f" ({_(v.law)})", style="dim")
            if v.acknowledged and v.ack_comment:
                out.append(" — ")
                out.append(f"“{v.ack_comment}”", style="italic")
        if not shift.violations:
            out.append("\n" + _("No working-time rule broken."))
        elif any(v.severity != "block" and not v.acknowledged for v in shift.violations):
            out.append("\n" + _("k acknowledges a warning with a comment."), style="dim")
        return out

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
        self.query_one("#shift-info", Static).update(self._shift_info(event.day, event.shift))
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        may = self.bpa.actor.may
        if action in ("new_shift", "edit_shift", "cancel_shift", "reassign", "acknowledge"):
            if not may("roster.write") or self.pane != "week" or self.week is None or self.week.locked:
                return False
            if action != "new_shift" and self._shift() is None:
                return False
            return True
        if action == "approve":
            return may("hours.approve") and self.week is not None and self.pane == "week" and not self.week.locked
        if action in ("lock", "coapprove"):
            return may("roster.lock") and self.week is not None and self.pane == "week" and not self.week.locked
        if action in PLANNING_ACTIONS:
            return self.check_planning(action)
        if action in ("week", "this_week", "go_to_week"):
            return self.client_id is not None or (self.pane == "assistant" and self.assistant_id is not None)
        if action == "pane":
            return self.client_id is not None
        return True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why a key of the week does nothing now: a locked week, a role, no shift chosen."""
        may = self.bpa.actor.may
        changes = (
            "new_shift",
            "edit_shift",
            "cancel_shift",
            "reassign",
            "acknowledge",
            "copy_week",
            "accept_deviation",
            "reject_deviation",
        )
        needs = {
            "approve": "hours.approve",
            "accept_deviation": "hours.approve",
            "reject_deviation": "hours.approve",
            "lock": "roster.lock",
            "coapprove": "roster.lock",
        }
        if action not in changes and action not in needs:
            return None
        if self.pane != "week" or self.week is None:
            return _("Choose a client's week first (c).") if self.client_id is None else None
        if not may(needs.get(action, "roster.write")):
            return _("Your role may not do that in the roster.")
        if self.week.locked:
            return _("{week} is locked: its shifts cannot change (an admin can reopen it).").format(
                week=week_label(self.week.week_start)
            )
        if action in ("edit_shift", "cancel_shift", "reassign", "acknowledge") and self._shift() is None:
            return _("No shift under the cursor.")
        if action in ("accept_deviation", "reject_deviation"):
            return _("The shift under the cursor has no deviation waiting.")
        return None

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

    def _form(self, mode: str, shift: ShiftView | None = None) -> None:
        assert self.client_id is not None
        grid = self.query_one(RosterGrid)

        def done(value: Any) -> None:
            if value is None:
                return
            warnings = getattr(value, "warnings", None) or []
            if warnings:
                rules = ", ".join(sorted({w.rule_id for w in warnings}))
                self.notify(
                    _("Saved with warnings: {rules}. Press k on the shift to acknowledge.").format(rules=rules),
                    severity="warning",
                    markup=False,
                )
            else:
                self.notify(
                    {"cancel": _("Shift cancelled."), "ack": _("Warning acknowledged.")}.get(mode, _("Saved.")),
                    markup=False,
                )
            saved = getattr(value, "shift", None)
            start = getattr(saved, "start_utc", None)
            if start is not None and start.tzinfo is not None:
                # A shift typed into another week: show the week it landed in.
                self.week_start = monday(start.astimezone(ZoneInfo(self.tz)).date())
            self._changed()

        self.app.push_screen(
            ShiftForm(
                mode,
                client_id=self.client_id,
                client_label=self.client_label,
                tz=self.tz,
                shift=shift,
                day=grid.current_day(),
            ),
            done,
        )

    def action_new_shift(self) -> None:
        if self.check_action("new_shift", ()):
            self._form("new")

    def action_edit_shift(self) -> None:
        shift = self._shift()
        if shift is not None and self.check_action("edit_shift", ()):
            self._form("edit", shift)

    def action_cancel_shift(self) -> None:
        shift = self._shift()
        if shift is not None and self.check_action("cancel_shift", ()):
            self._form("cancel", shift)

    def action_reassign(self) -> None:
        shift = self._shift()
        if shift is not None and self.check_action("reassign", ()):
            self._form("reassign", shift)

    def action_substitute(self) -> None:
        from bpa_provider.screens.vacancy import open_candidates

        open_candidates(self, self._shift())

    def action_vacant(self) -> None:
        from bpa_provider.screens.vacancy import VacantScreen

        self.app.push_screen(VacantScreen())

    def action_acknowledge(self) -> None:
        shift = self._shift()
        if shift is None or not self.check_action("acknowledge", ()):
            return
        if not any(v.severity != "block" for v in shift.violations):
            if shift.violations:
                self.notify(
                    _("A blocking rule cannot be acknowledged, only fixed: change or reassign the shift."),
                    severity="warning",
                    markup=False,
                )
            else:
                self.notify(_("This shift breaks no working-time rule."), markup=False)
            return
        self._form("ack", shift)

    def _period(self, action: str, with_deviations: bool = False) -> None:
        assert self.client_id is not None and self.week_start is not None
        db, actor, first = self.bpa.db, self.bpa.actor, self.week_start
        last = first + timedelta(days=7)
        self._message(_("Working…"))
        if action == "approve":
            fn: Any = periods.approve_period
            kwargs: dict[str, Any] = {"approve_deviations": with_deviations, "today": self.today}
        elif action == "coapprove":
            fn, kwargs = periods.coapprove_period, {}
        else:
            fn, kwargs = periods.lock_period, {}
        self.period_action = action  # which of the three the "period" answer is about
        self.call_service("period", fn, db, actor, self.client_id, first, last, **kwargs)

    def _ask_period(self, action: str) -> None:
        if self.week is None or self.week_start is None:
            return
        what = {
            "approve": _("Approve the hours of {client}, {week}?"),
            "coapprove": _("Co-approve the hours of {client}, {week}?"),
            "lock": _("Lock {client}, {week}? Locked shifts cannot change; only an admin can reopen."),
        }[action]
        question = ConfirmScreen(
            what.format(client=self.client_label, week=week_label(self.week_start)),
            yes={"approve": _("Approve"), "coapprove": _("Co-approve"), "lock": _("Lock")}[action],
            no=_("Not now"),
        )
        self.app.push_screen(question, lambda yes: self._period(action) if yes else None)

    def action_approve(self) -> None:
        if self.check_action("approve", ()):
            self._ask_period("approve")

    def action_coapprove(self) -> None:
        if self.check_action("coapprove", ()):
            self._ask_period("coapprove")

    def action_lock(self) -> None:
        if self.check_action("lock", ()):
            self._ask_period("lock")

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
