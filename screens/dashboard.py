"""The dashboard: what needs action now, one section per list, counts in the headings.

`services.dashboard` decides what is listed; this view only shows it. Each row opens its
record with Enter. A section whose service refuses says why; a section that fails (a bug) says it
could not load and the traceback goes to the crash log — it is never passed off as "not available".

The sections are computed one after another in one worker, the cheap ones first (the hour
outlook in a second worker beside it), and each is shown as it arrives (the others say "Loading…"
meanwhile); leaving the dashboard cancels what is not computed yet, and coming back without a
change recomputes nothing. A table shows a section's first SHOWN_ROWS rows; its heading counts
them all (thousands of reviews can be due at once, and a DataTable measures every cell it holds).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from bpa_provider.errors import DatabaseBusy, DatabaseUnavailable
from bpa_provider.i18n import N_, _
from bpa_provider.screens import labels
from bpa_provider.screens.calls import ServiceCaller, filling, wait_for_keys
from bpa_provider.screens.messages import OpenRecord, ServiceResult, ShowClientRoster
from bpa_provider.screens.ui import TranslatedBindings, describe_error, hours, log_unexpected, text
from bpa_provider.screens.widgets.row_tip import RowTip, RowTips
from bpa_provider.screens.widgets.safe_table import SafeTable
from bpa_provider.services import sections as dash

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp

WHO_WIDTH = 21
#: The sections that take longest at a large provider, computed last (in this order).
SLOW_SECTIONS = (dash.COURSES_OVERDUE, dash.REVIEWS_DUE, dash.COURSES_EXPIRING, dash.HOURS_USAGE)
#: Sections computed in a worker of their own, beside the others (most of their time is in SQLite).
OWN_LANE = (dash.HOURS_USAGE,)
#: Seconds an answer waits for others before it is shown with them (one paint for several).
GATHER_ANSWERS = 0.05
SHOWN_ROWS = 50  # rows in a section's table; more would cost the UI thread and help nobody here

#: One part of a section on screen: ("static", its text, its classes) for a heading or a note,
#: ("table", the section, its classes) for its table.
Part = tuple[str, Any, str]

TITLES = {
    dash.DECISIONS_ENDING: N_("Decisions ending within {days} days"),
    dash.HOURS_USAGE: N_("Clients over or under their hours by year end"),
    dash.REVIEWS_DUE: N_("Staff reviews overdue or due within {days} days"),
    dash.COURSES_OVERDUE: N_("Supervisors with overdue onboarding (course or checklist)"),
    dash.CREDENTIALS_MISSING: N_("Assistants scheduled without police certificate or confidentiality"),
    dash.TRANSFER_STEPS_DUE: N_("Transfer steps due within {days} days"),
    dash.REVIEW_ACTIONS_DUE: N_("Review actions overdue or due within {days} days"),
    dash.COURSES_EXPIRING: N_("Courses expiring or expired"),
    dash.FK_DEADLINES: N_("Försäkringskassan time reports due within {days} days"),
    dash.VACANT_SHIFTS: N_("Vacant shifts in the next {days} days"),
    dash.NOTICES_UNDELIVERED: N_("Notices not delivered (failed or retrying), oldest first"),
}


class DashboardView(RowTips, ServiceCaller, TranslatedBindings, VerticalScroll):
    """The sections, each a heading with a count and a table (or a calm message)."""

    DEFAULT_CSS = """
    DashboardView { height: 1fr; padding: 0 1; }
    DashboardView .heading { text-style: bold; margin-top: 1; }
    DashboardView .note { color: $text-muted; padding-left: 2; }
    DashboardView .problem { color: $error; }
    DashboardView DataTable { height: auto; max-height: 12; margin-left: 1; overflow-x: hidden; }
    DashboardView #message { margin-top: 1; }
    DashboardView RowTip { dock: bottom; background: $panel; color: $foreground; padding: 0 1; }
    """

    BINDINGS = [Binding("f5", "reload", N_("Reload"))]

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.translate_bindings()
        self.items: dict[str, tuple[dash.Item, ...]] = {}
        self.board: dash.Dashboard | None = None  # the sections shown so far, in order
        self._keys: list[str] = []  # the sections asked for, in order
        self._sections: dict[str, dash.Section] = {}  # the latest answer of each (its first rows)
        self._totals: dict[str, int] = {}  # how many rows each answer had
        self._problems: dict[str, str] = {}  # sections that failed: what they say instead
        self._failed = False  # the database could not be reached: one message instead of sections
        self._shown_width = 0
        # `show` is called from this view's handlers and from callbacks the app runs
        # (`call_after_refresh` on a resize): two rebuilds must not interleave their
        # remove-then-mount steps, or the second mounts beside the first (duplicate ids).
        self._showing = asyncio.Lock()
        self._pending: set[str] = set()  # sections asked for and not answered yet
        self._unasked: set[str] = set()  # sections whose computing was cancelled: asked on the next visit
        self._arrived: set[str] = set()  # answers received and not shown yet (`_show_arrived`)
        self._flush_due = False
        self._flush_timer: Timer | None = None  # the pending `_show_arrived` of GATHER_ANSWERS
        self._unshown = False  # answers came while hidden: drawn on the next visit
        self.stale = True

    @property
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(_("Loading…"), id="message")

    def on_show(self) -> None:
        if self._unshown:
            self._unshown = False
            self.call_later(self.show)
        if self.stale:
            self.load()
        elif self._unasked:
            self._ask(self._unasked)

    def load(self) -> None:
        """Ask for every section (`_ask`); what is shown stays until its answer.

        The first time, the headings are painted before the worker starts: importing the
        services and querying would otherwise hold the GIL while the screen waits; and the view
        counts as being filled from then on (`calls.filling`)."""
        self.stale = False
        self._keys = dash.visible_sections(self.bpa.actor)
        self._failed = False
        if self.board is None:
            # Being filled from the first paint, not only from the asking: the work done ahead of
            # a key (the lists built ahead, screens/main.py) waits for the sections instead of
            # importing and building beside the database stack's loading, on the one interpreter
            # the sections then wait for (≈ 60 ms CPU at start; docs/performance.md, "Session 11 —
            # fill"). A key pressed meanwhile hides the dashboard, which ends this (`on_hide`).
            filling(self, bool(self._keys))
            self.call_later(self._first_show)
        else:
            self._ask()

    async def _first_show(self) -> None:
        await self.show()
        # At start no key asked for the sections: every key the person presses holds them.
        self.call_after_refresh(self.bpa.when_ready, partial(self._ask, by_key=False))

    def _ask(self, only: set[str] | None = None, by_key: bool = True) -> None:
        """Compute the sections one after another, the cheap ones first, in one worker — and the
        hour outlook beside them in a second (`OWN_LANE`).

        Two workers, not one per section: eleven threads contending for the interpreter made a
        person's own key (the clients list, a record) queue behind all of them. The hour outlook
        spends most of its time inside SQLite, which lets go of the interpreter, so on its own
        lane it uses the other core without holding up the screen. Each worker stops between
        sections once cancelled (the person left the dashboard, see `on_hide`).

        `by_key`: a key asked for them (`1`, F5, a saved change): that key does not hold them
        (`wait_for_keys(asked_at)`), later keys do."""
        app = self.bpa
        db, actor, today, policy = app.db, app.actor, app.today, app.settings.policy
        wanted = [k for k in self._keys if only is None or k in only]
        if not self.display:  # left before the database stack was loaded: asked on the next visit
            self._unasked = set(wanted)
            return
        self._unasked = set()
        keys = sorted(wanted, key=lambda k: SLOW_SECTIONS.index(k) if k in SLOW_SECTIONS else -1)
        seqs = self.__dict__.setdefault("_call_seq", {})
        asked: dict[str, int] = {}
        for key in keys:
            tag = f"section-{key}"
            asked[key] = seqs[tag] = seqs.get(tag, 0) + 1
        self._pending = set(keys)
        filling(self, bool(keys))  # the lists built ahead wait for these (screens/calls.py)
        asked_at = time.monotonic() if by_key else float("-inf")

        def job(lane: list[str]) -> None:
            worker = get_current_worker()
            for key in lane:
                if worker.is_cancelled:
                    return
                wait_for_keys(asked_at)  # a person's later key first, and their call (screens/calls.py)
                if worker.is_cancelled:
                    return
                try:
                    value, error = dash.gather_section(db, actor, today, key, policy, SHOWN_ROWS), None
                except Exception as exc:  # noqa: BLE001 - shown as the section's own message
                    value, error = None, exc
                if worker.is_cancelled:
                    return
                self.post_message(ServiceResult(f"section-{key}", value, error, asked[key]))

        self.workers.cancel_group(self, "dashboard")  # an earlier round's answers are not wanted
        for lane in ([k for k in keys if k in OWN_LANE], [k for k in keys if k not in OWN_LANE]):
            if lane:
                self.run_worker(
                    partial(job, lane), name="dashboard", group="dashboard", thread=True, exit_on_error=False
                )

    def on_hide(self) -> None:
        """Leaving the dashboard: sections not computed yet are not computed now (the person's
        next screen should not wait for them); they are asked on the next visit
        (only they: nothing changed the others, or `stale` would be set)."""
        filling(self, False)
        if self._pending:
            self.workers.cancel_group(self, "dashboard")
            self._unasked |= self._pending
            self._pending = set()

    def on_unmount(self) -> None:
        filling(self, False)

    def action_reload(self) -> None:
        self.load()

    def record_changed(self, kind: str) -> None:
        self.stale = True
        if self.display and self.is_mounted:
            self.load()

    async def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        key = result.tag.removeprefix("section-")
        self._pending.discard(key)
        if not self._pending:
            filling(self, False)
        if self._failed:  # the database could not be reached: one message stands for every section
            return
        if result.error is not None and not isinstance(result.error, (DatabaseUnavailable, DatabaseBusy)):
            # A bug in one section (or its service): that section says so, the rest still show.
            self._problems[key] = _("Could not load — see the log: {where}").format(where=log_unexpected(result.error))
            self._totals[key] = 0
            self._sections[key] = dash.Section(key, error=result.error)
            self._arrive(key)
            return
        if result.error is not None:
            self._failed = True
            self.board = None
            async with self._showing:
                await self.remove_children()
                await self.mount(Static(Text(describe_error(result.error)), id="message"))
            return
        section: dash.Section = result.value
        # Only the rows a table shows are kept (thousands of items would stay alive for nothing).
        self._totals[section.key] = section.count
        self._problems.pop(section.key, None)
        self._sections[section.key] = replace(section, items=section.items[:SHOWN_ROWS])
        self._arrive(section.key)

    def _arrive(self, key: str) -> None:
        """Answers that come close together are shown together: one layout and one paint of the
        screen for them, not one each (the UI thread's work competes with the workers'). The last
        answer asked for waits for nothing: it is shown at once, with those that came before it
        in the last `GATHER_ANSWERS` seconds (waiting for the timer there only delayed the filled
        dashboard by up to 50 ms, docs/performance.md "Session 11 — fill")."""
        self._arrived.add(key)
        if not self._pending:
            if self._flush_timer is not None:  # the window is open: nothing is left to wait for
                self._flush_timer.stop()
                self._flush_timer = None
                self.call_later(self._show_arrived)
            elif not self._flush_due:
                self._flush_due = True
                self.call_later(self._show_arrived)
        elif not self._flush_due:
            self._flush_due = True
            self._flush_timer = self.set_timer(GATHER_ANSWERS, self._show_arrived)

    async def _show_arrived(self) -> None:
        if not self._flush_due:  # shown already (the last answer's flush came before this timer)
            return
        self._flush_due = False
        self._flush_timer = None
        keys = [k for k in self._keys if k in self._arrived]
        self._arrived = set()
        if self._failed:  # the database could not be reached: its one message stays
            return
        if not self.display:
            # The person has left: the section still running when they left answers while their
            # list is being drawn, and its widgets, built then for a hidden view, took the
            # screen's time from that list. Kept, and drawn on the next visit (`on_show`).
            self._unshown = True
            return
        with self.app.batch_update():
            for key in keys:
                await self._show_section(key)

    def _update_board(self) -> None:
        self.board = dash.Dashboard(self.bpa.today, tuple(self._sections[k] for k in self._keys if k in self._sections))

    async def show(self) -> None:
        """Rebuild every section (keeping focus on the same section's table)."""
        async with self._showing:
            await self._rebuild()

    async def _rebuild(self) -> None:
        self._update_board()
        self._shown_width = self.size.width
        focused_key = self._focused_section()
        await self.remove_children()
        widgets: list = [
            Static(Text(_("What needs action on {day}").format(day=text(self.bpa.today))), id="message"),
            RowTip(),
        ]
        self.items = {}
        for key in self._keys:
            widgets += self._section_widgets(key)
        await self.mount_all(widgets)
        if focused_key:
            self._focus_section(focused_key)

    async def _show_section(self, key: str) -> None:
        """Put one section's answer in place of what showed it before.

        Its heading is kept and given the new count. A body of the same parts as before (a table
        where a table was, a note where a note was: the dashboard shown again) is filled in place;
        another (the "Loading…" placeholder becoming a table) is replaced. New widgets are what
        costs the screen: each is mounted, styled and laid out (docs/performance.md,
        "Session 10 — dstart")."""
        old = list(self.query(f".sec-{key}"))
        if not old or "heading" not in old[0].classes or self.size.width != self._shown_width:
            await self.show()
            return
        self._update_board()
        focused = self._focused_section() == key
        (_kind, title, _classes), *body = self._section_parts(key)
        heading, shown = old[0], old[1:]
        heading.update(title)  # type: ignore[attr-defined]
        if len(body) == len(shown) and all(self._fits(w, part) for w, part in zip(shown, body, strict=True)):
            for widget, (kind, value, _classes) in zip(shown, body, strict=True):
                if kind == "table":
                    self._fill(widget.clear(), value)  # type: ignore[attr-defined]
                else:
                    widget.update(value)  # type: ignore[attr-defined]
            return
        await self.remove_children(shown)  # first: the new table has the same id
        await self.mount_all(self._widgets(body), after=heading)
        if focused:
            self._focus_section(key)

    @staticmethod
    def _fits(widget: Widget, part: Part) -> bool:
        """True when `widget` can show `part` in place (a table a table, a note of the same classes)."""
        kind, _value, classes = part
        if kind == "table":
            return isinstance(widget, DataTable)
        return isinstance(widget, Static) and set(widget.classes) == set(classes.split())

    def _focus_section(self, key: str) -> None:
        for table in self.query(DataTable):
            if table.id == f"s-{key}":
                table.focus()

    def _title(self, key: str) -> str:
        policy = self.bpa.settings.policy
        days = {
            dash.DECISIONS_ENDING: policy.decision_ending_days,
            dash.REVIEWS_DUE: policy.review_due_window_days,
            dash.TRANSFER_STEPS_DUE: policy.transfer_step_window_days,
            dash.REVIEW_ACTIONS_DUE: policy.review_due_window_days,
            dash.FK_DEADLINES: policy.transfer_step_window_days,
            dash.VACANT_SHIFTS: dash.VACANT_WITHIN_DAYS,
        }
        return _(TITLES[key]).format(days=days.get(key, ""))

    def _section_widgets(self, key: str) -> list[Widget]:
        """Heading and body of one section (a "Loading…" note until its answer came)."""
        return self._widgets(self._section_parts(key))

    def _widgets(self, parts: list[Part]) -> list[Widget]:
        widgets: list[Widget] = []
        for kind, value, classes in parts:
            if kind == "table":
                table = self._fill(self._table(value), value)
                table.add_class(classes)
                widgets.append(table)
            else:
                widgets.append(Static(value, classes=classes))
        return widgets

    def _section_parts(self, key: str) -> list[Part]:
        """What shows one section, in order: its heading, then a note or its table (`Part`)."""
        mark = f"sec-{key}"
        title = self._title(key)
        section = self._sections.get(key)
        self.items.pop(key, None)
        if section is None:
            return [("static", Text(title), f"heading {mark}"), ("static", _("Loading…"), f"note {mark}")]
        if not section.available:
            return [
                ("static", Text(title), f"heading {mark}"),
                ("static", Text(self._problems.get(key) or describe_error(section.error)), f"note problem {mark}"),
            ]
        total = self._totals.get(key, len(section.items))
        parts: list[Part] = [("static", Text(f"{title} ({total})"), f"heading {mark}")]
        if not section.items:
            parts.append(("static", _("Nothing to do."), f"note {mark}"))
            return parts
        self.items[key] = section.items
        parts.append(("table", section, mark))
        if total > len(section.items):
            shown = _("The first {shown} of {total} are shown.").format(shown=len(section.items), total=total)
            parts.append(("static", Text(shown), f"note {mark}"))
        return parts

    def _table(self, section: dash.Section) -> DataTable:
        """An empty table for a section (`_fill` puts its rows in)."""
        # The last column takes the width that is left; a long reason is cut with … and shown in
        # full on the line at the bottom while its row is highlighted (RowTip).
        why_width = max(16, self.size.width - 1 - 2 - 6 - WHO_WIDTH - 10)  # margin, scrollbar, cell padding
        table: DataTable = SafeTable(cursor_type="row", id=f"s-{section.key}")
        table.add_column(Text(_("Date")), key="when", width=10)
        table.add_column(Text(_("Who")), key="who", width=WHO_WIDTH)
        table.add_column(Text(_("Why")), key="why", width=why_width)
        return table

    def _fill(self, table: DataTable, section: dash.Section) -> DataTable:
        """The section's rows into `table` (its columns made by `_table`)."""
        for item in section.items[:SHOWN_ROWS]:
            why = Text(labels.flag(item.flag), style="bold")
            detail = self._detail(item)
            if detail:
                why.append(" " + detail, style="not bold")
            table.add_row(text(item.when), text(f"{item.ref} {item.name}".strip()), why)
        return table

    @staticmethod
    def _detail(item: dash.Item) -> str:
        """The words after a row's flag; figures worded here, in the person's language."""
        if item.kind_detail == "year_end" and len(item.numbers) == 3:
            projected, decided, pct = item.numbers
            if projected is None or decided is None:
                return item.detail
            line = _("by year end {projected} of {decided} h").format(
                projected=hours(round(projected)), decided=hours(round(decided))
            )
            return line + (f" · {pct:.0f} %" if pct is not None else "")
        return item.detail

    def on_resize(self) -> None:
        # The reason column is sized to the width: rebuild when the width (not the content) changed.
        if self.board is not None and self.is_mounted and self.size.width != self._shown_width:
            self.call_after_refresh(self.show)

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
            self.open_item(items[event.cursor_row])

    def open_item(self, item: dash.Item) -> None:
        """Open what the row is about: the hour account, the checklist, the transfer, the review,
        or else the person's record."""
        if item.opens in ("hours", "roster") and item.record_id is not None:
            pane = "hours" if item.opens == "hours" else "week"
            self.post_message(ShowClientRoster(item.record_id, f"{item.ref} {item.name}".strip(), pane))
        elif item.opens == "onboarding" and item.opens_id is not None:
            from bpa_provider.screens.course_onboarding import ChecklistScreen

            self.app.push_screen(ChecklistScreen(item.opens_id))
        elif item.opens == "transfer" and item.opens_id is not None:
            from bpa_provider.screens.transfer_detail import TransferDetailScreen

            self.app.push_screen(TransferDetailScreen(item.opens_id))
        elif item.opens == "review" and item.opens_id is not None:
            from bpa_provider.screens.review_forms import ReviewScreen

            self.app.push_screen(ReviewScreen(item.opens_id))
        elif item.kind == "supervisor" and item.client_id:
            self.post_message(OpenRecord("client", item.client_id))
        elif item.record_id is not None:
            self.post_message(OpenRecord(item.kind, item.record_id))

    def focus_content(self) -> None:
        tables = list(self.query(DataTable))
        if tables:
            tables[0].focus()
        else:
            self.focus()
