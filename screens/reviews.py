"""The Reviews area: the annual review schedule (filter due / overdue / done / all), the actions
agreed in reviews that are still open, and the reviews held — one tab each.

The Schedule tab opens on "due or overdue", most urgent first, so a late review is one Enter away
from its form. The review form and the review's screen live in `review_forms`; the summary of a
review is read only through `reviews.review_notes`, which logs the reading. The tabs are
`AreaPane`s of an `AreaTabs` area (screens/area_pane.py), as in Courses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Select, Static

from bpa_provider.i18n import N_, _, ngettext
from bpa_provider.screens.area_pane import AreaPane, AreaTabs, flag
from bpa_provider.screens.messages import OpenRecord, ServiceResult
from bpa_provider.screens.review_forms import ReviewForm, ReviewScreen
from bpa_provider.screens.spec_form import word
from bpa_provider.screens.ui import describe_error, text
from bpa_provider.screens.widgets.safe_table import SafeTable
from bpa_provider.services import reviews

# A review's state in words: written out, never shown by colour alone.
STATUS_WORDS = {"overdue": N_("OVERDUE"), "due": N_("DUE"), "done": N_("done"), "scheduled": N_("scheduled")}

# The schedule's filters: key, words, the statuses shown.
FILTERS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("needs", N_("Due or overdue"), frozenset({"due", "overdue"})),
    ("overdue", N_("Overdue"), frozenset({"overdue"})),
    ("due", N_("Due"), frozenset({"due"})),
    ("done", N_("Done this year"), frozenset({"done"})),
    ("all", N_("All"), frozenset(reviews.REVIEW_STATUSES)),
)


class SchedulePane(AreaPane):
    """Every current assistant–client pair's review: status, due date, last held."""

    DEFAULT_CSS = """
    SchedulePane #filter-line { height: 1; }
    SchedulePane #review-filter { width: 24; }
    SchedulePane #counts { width: 1fr; padding-left: 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("r", "record", N_("Record review")),
        Binding("f", "next_filter", N_("Filter")),
        Binding("v", "last_review", N_("Last review")),
        Binding("a", "open_assistant", N_("Open assistant")),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    rows: list[reviews.ReviewDue]

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.all_rows: list[reviews.ReviewDue] = []

    @staticmethod
    def key_of(row: Any) -> Any:
        return (row.assistant_id, row.client_id)

    def compose(self) -> ComposeResult:
        with Horizontal(id="filter-line"):
            yield Select(
                [(Text(_(title)), key) for key, title, _s in FILTERS],
                value="needs",
                allow_blank=False,
                compact=True,
                id="review-filter",
            )
            yield Static("", id="counts")
        yield SafeTable(cursor_type="row", id="schedule-table")
        yield Static(_("Loading…"), classes="status")

    def load(self) -> None:
        super().load()
        app = self.bpa
        self.call_service(
            "schedule", reviews.due_reviews, app.db, app.actor, app.today, include_all=True, policy=self.policy
        )

    @property
    def filter_key(self) -> str:
        value = self.query_one("#review-filter", Select).value
        return str(value) if value in [k for k, _t, _s in FILTERS] else "needs"

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        if result.tag == "last":
            if result.error is not None:
                self.app.notify(describe_error(result.error), severity="error", markup=False)
            elif not result.value:
                self.app.notify(_("No review held yet with this client."), markup=False)
            else:
                self.app.push_screen(ReviewScreen(result.value[0].id))
            return
        if result.error is not None:
            self.status(describe_error(result.error))
            return
        self.all_rows = list(result.value)
        self.refresh_rows()

    def refresh_rows(self) -> None:
        """Apply the filter to the rows loaded (no database trip)."""
        statuses = next(s for k, _t, s in FILTERS if k == self.filter_key)
        self.rows = [r for r in self.all_rows if r.status in statuses]
        self.fill(
            self.query_one(DataTable),
            [(_("Status"), 9), (_("Due"), 10), (_("Assistant"), None), (_("Client"), 6), (_("Last held"), 10)],
            self.rows,
            self._cells,
        )
        counts = {k: sum(1 for r in self.all_rows if r.status == k) for k in reviews.REVIEW_STATUSES}
        self.query_one("#counts", Static).update(
            Text(
                _("{overdue} overdue · {due} due · {done} done").format(
                    **{k: counts[k] for k in ("overdue", "due", "done")}
                )
            )
        )
        if self.rows:
            self.status(
                _("{shown} of {total} · Enter: record review · f: filter").format(
                    shown=len(self.rows), total=len(self.all_rows)
                )
            )
        else:
            self.status(_("Nothing here with this filter (f changes it)."))

    @staticmethod
    def _cells(r: reviews.ReviewDue) -> list[Text]:
        return [
            flag(word(STATUS_WORDS, r.status), r.status in ("due", "overdue")),
            text(r.next_due),
            Text(f"{r.assistant_ref} {r.assistant_name}"),
            Text(r.client_ref),
            text(r.last_held) if r.last_held else Text(_("never")),
        ]

    @on(Select.Changed, "#review-filter")
    def _filter_changed(self) -> None:
        if self.is_mounted and self.all_rows:
            self.refresh_rows()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "record":
            return self.actor.may("review.write")
        if action == "open_assistant":
            return self.actor.may("assistant.read")
        return True

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.actor.may("review.write"):
            self.action_record()
        else:
            self.action_last_review()

    def action_record(self) -> None:
        row = self.current()
        if row is None:
            return

        def saved(review: Any) -> None:
            if review is not None:
                self.app.notify(_("Review recorded."), markup=False)
                self.bpa.broadcast_change("review")

        self.app.push_screen(ReviewForm(row), saved)

    def action_next_filter(self) -> None:
        keys = [k for k, _t, _s in FILTERS]
        select = self.query_one("#review-filter", Select)
        select.value = keys[(keys.index(self.filter_key) + 1) % len(keys)]

    def action_last_review(self) -> None:
        row = self.current()
        if row is not None:
            self.call_service(
                "last", reviews.list_reviews, self.db, self.actor, assistant=row.assistant_id, client=row.client_id
            )

    def action_open_assistant(self) -> None:
        row = self.current()
        if row is not None:
            self.post_message(OpenRecord("assistant", row.assistant_id))


class ActionsPane(AreaPane):
    """Actions agreed in reviews and not yet done, by due date (undated last)."""

    BINDINGS = [
        Binding("d", "done", N_("Mark done")),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    TABLE_ID = "actions-table"
    rows: list[reviews.OpenAction]

    def load(self) -> None:
        super().load()
        self.call_service("actions", reviews.open_actions, self.db, self.actor, self.bpa.today)

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        if result.tag == "done":
            self.report_change(result, _("Done."), "review")
            return
        if not self.keep_rows(result):
            return
        self.fill(
            self.query_one(DataTable),
            [(_("Due"), 10), (_("State"), 9), (_("Assistant"), 15), (_("Action"), None)],
            self.rows,
            self._cells,
        )
        late = sum(1 for a in self.rows if a.overdue)
        self.status(
            _("{n} open, {late} overdue · d: done · Enter: the review").format(n=len(self.rows), late=late)
            if self.rows
            else _("No open action.")
        )

    @staticmethod
    def _cells(a: reviews.OpenAction) -> list[Text]:
        if a.days_left is None:
            state = Text(_("no date"))
        elif a.overdue:
            state = flag(_("OVERDUE"), True)
        elif a.days_left == 0:
            state = flag(_("today"), True)
        else:
            state = Text(_("in {n} d").format(n=a.days_left))
        what = Text(a.text)
        if a.owner:
            what.append(" · " + a.owner, style="dim")
        if a.course:
            what.append(" · " + _("course: {name}").format(name=a.course), style="dim")
        return [text(a.due_date), state, Text(f"{a.assistant_ref} {a.assistant_name}"), what]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "done":
            return self.actor.may("review.write")
        return True

    def action_done(self) -> None:
        row = self.current()
        if row is None:
            return
        app = self.bpa
        question = _("Mark \u201c{action}\u201d ({who}) done on {day}?").format(
            action=row.text, who=row.assistant_ref, day=text(app.today).plain
        )
        self.confirm(
            question,
            lambda: self.call_service(
                "done", reviews.complete_action, app.db, app.actor, row.id, app.today, version=row.version
            ),
        )

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.current()
        if row is not None:
            self.app.push_screen(ReviewScreen(row.review_id))


class HeldPane(AreaPane):
    """Reviews held, newest first (without their summaries)."""

    BINDINGS = [
        Binding("a", "open_assistant", N_("Open assistant")),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    TABLE_ID = "held-table"
    rows: list[reviews.ReviewView]

    def load(self) -> None:
        super().load()
        self.call_service("held", reviews.list_reviews, self.db, self.actor)

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result) or not self.keep_rows(result):
            return
        self.fill(
            self.query_one(DataTable),
            [(_("Held"), 10), (_("Assistant"), None), (_("Client"), 6), (_("Actions"), 10), (_("Summary"), 8)],
            self.rows,
            self._cells,
        )
        n = len(self.rows)
        self.status(
            ngettext("{n} review held", "{n} reviews held", n).format(n=n) + " · " + _("Enter: open")
            if n
            else _("No review recorded yet.")
        )

    @staticmethod
    def _cells(r: reviews.ReviewView) -> list[Text]:
        open_count = sum(1 for a in r.actions if a.done_on is None)
        if not r.actions:
            acts = Text(_("none"))
        elif open_count:
            acts = flag(_("{n} open").format(n=open_count), True)
        else:
            acts = Text(_("all done"))
        return [
            text(r.held_on),
            Text(f"{r.assistant_ref} {r.assistant_name}"),
            Text(r.client_ref),
            acts,
            Text(_("private") if r.has_summary else _("none")),
        ]

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.current()
        if row is not None:
            self.app.push_screen(ReviewScreen(row.id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_assistant":
            return self.actor.may("assistant.read")
        return True

    def action_open_assistant(self) -> None:
        row = self.current()
        if row is not None:
            self.post_message(OpenRecord("assistant", row.assistant_id))


class ReviewsView(AreaTabs):
    """The "reviews" area: Schedule, Open actions and Held tabs.

    Reviews, assignments and employments decide the schedule: a changed record reloads every tab.
    """

    TABS = (("schedule", N_("Schedule")), ("actions", N_("Open actions")), ("held", N_("Held")))
    PANES: dict[str, Callable[..., AreaPane]] = {"schedule": SchedulePane, "actions": ActionsPane, "held": HeldPane}
