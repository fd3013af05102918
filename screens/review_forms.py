"""Recording a staff review, and reading one.

`ReviewForm` records a review that was held: the day, who took part, the private summary, and the
actions agreed (each with an owner, a due date and, optionally, a course that puts the assistant
on that course's list). It keeps the record form's promises (screens/form_base.py): fields are
checked as they are typed with the message under the field; Save is refused with the first problem
focused; the service's own refusals go under the fields they name; Esc on a changed form asks first.

`ReviewScreen` shows a review. The summary is private: it is fetched only when the person asks
(`s`), through `reviews.review_notes`, which refuses everyone but coordinators and the client's
supervisor and logs every reading — so the access log records real readings, not every glance
at a review's actions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Select, Static, TextArea

from bpa_provider.errors import FieldError
from bpa_provider.formats import format_date
from bpa_provider.i18n import N_, _
from bpa_provider.screens.confirm import ConfirmScreen
from bpa_provider.screens.detail_base import DetailScreen
from bpa_provider.screens.form_base import FormScreen, error_words, save_keys
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.typed_checks import date_problem, text_problem
from bpa_provider.screens.ui import describe_error, text
from bpa_provider.screens.widgets.fields import show_line
from bpa_provider.screens.widgets.safe_table import SafeTable
from bpa_provider.services import courses, reviews

PARTICIPANTS_MAX = 500
ACTION_TEXT_MAX = 500
OWNER_MAX = 200


class ActionRow(Vertical):
    """One agreed action: what, who, by when, and an optional course; its problem underneath."""

    DEFAULT_CSS = """
    ActionRow { height: auto; }
    ActionRow > Horizontal { height: auto; }
    ActionRow .what { width: 1fr; }
    ActionRow .owner { width: 14; margin-left: 1; }
    ActionRow .due { width: 12; margin-left: 1; }
    ActionRow Select { width: 18; margin-left: 1; }
    ActionRow .error { color: $text-error; text-style: bold; height: auto; }
    ActionRow .error.-empty { display: none; }
    """

    def __init__(self, number: int, course_options: list[tuple[Text, str]]) -> None:
        super().__init__(id=f"action-{number}")
        self.number = number
        self.course_options = course_options
        self.touched = False

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Input(
                placeholder=_("Action {n}: what was agreed").format(n=self.number), classes="what", compact=True
            )
            yield Input(placeholder=_("owner"), classes="owner", compact=True)
            yield Input(placeholder=_("due dd.mm.yyyy"), classes="due", compact=True)
            yield Select(self.course_options, prompt=_("no course"), compact=True)
        yield Static("", classes="error -empty")

    def values(self) -> tuple[str, str, str, str]:
        try:
            what, owner, due = (self.query_one(f".{c}", Input).value for c in ("what", "owner", "due"))
            select = self.query_one(Select)
        except NoMatches:
            # Just added (Ctrl+A) and not composed yet while a check of another field runs: empty.
            return "", "", "", ""
        return what, owner, due, "" if select.is_blank() else str(select.value)

    @property
    def empty(self) -> bool:
        return not any(v.strip() for v in self.values())

    def problem(self, held: date | None) -> str | None:
        what, owner, due, course = self.values()
        if self.empty:
            return None
        label = _("Action {n}").format(n=self.number)
        if not what.strip():
            return _("{label}: say what was agreed (or clear the row)").format(label=label)
        problem = text_problem(what, label, ACTION_TEXT_MAX) or text_problem(owner, label + " " + _("owner"), OWNER_MAX)
        if problem:
            return problem
        day, problem = date_problem(due, label + " " + _("due date"))
        if problem:
            return problem
        if day is not None and held is not None and day < held:
            return _("{label} is due before the review was held").format(label=label)
        return None

    def show_error(self, message: str | None) -> None:
        show_line(self.query_one(".error", Static), message)

    def focus_editor(self) -> None:
        self.query_one(".what", Input).focus()
        self.scroll_visible()


class ReviewForm(FormScreen):
    """Record a review of `due.assistant` with `due.client`; dismisses with the ReviewView saved."""

    DEFAULT_CSS = """
    ReviewForm #dialog { width: 96; }
    ReviewForm .line { height: auto; }
    ReviewForm .line Label { width: 14; }
    ReviewForm .line Input { width: 1fr; }
    ReviewForm #summary { height: 7; margin-left: 14; }
    ReviewForm .note { color: $text-muted; padding-left: 14; height: auto; }
    ReviewForm .error { color: $text-error; text-style: bold; padding-left: 14; height: auto; }
    ReviewForm .error.-empty { display: none; }
    ReviewForm .heading { text-style: bold; margin-top: 1; height: auto; }
    """

    BINDINGS = [
        *save_keys(),
        Binding("ctrl+a", "add_action", N_("Add action"), priority=True),
        Binding("escape", "cancel", N_("Cancel")),
    ]

    def __init__(self, due: reviews.ReviewDue) -> None:
        super().__init__()
        self.due = due
        self.course_options: list[tuple[Text, str]] = []
        self.sent: list[ActionRow] = []  # the action rows sent, in the service's numbering
        self.initial: tuple[Any, ...] = ()

    def compose(self) -> ComposeResult:
        d = self.due
        title = _("Record review: {assistant} with {client}").format(
            assistant=f"{d.assistant_ref} {d.assistant_name}", client=d.client_ref
        )
        with Vertical(id="dialog"):
            yield Static(Text(title), id="title")
            with VerticalScroll(id="fields"):
                with Horizontal(classes="line"):
                    yield Label(_("Held on") + " *")
                    yield Input(format_date(self.bpa.today), placeholder="dd.mm.yyyy", id="held_on", compact=True)
                yield Static("", id="held_on-error", classes="error -empty")
                with Horizontal(classes="line"):
                    yield Label(_("Participants"))
                    yield Input(placeholder=_("who took part"), id="participants", compact=True)
                yield Static("", id="participants-error", classes="error -empty")
                yield Label(_("Summary"))
                yield TextArea(id="summary")
                yield Static(
                    Text(
                        _(
                            "Private: only coordinators and the client's supervisor may read it; every "
                            "reading is logged."
                        )
                    ),
                    classes="note",
                )
                yield Static("", id="summary-error", classes="error -empty")
                yield Static(Text(_("Agreed actions (Ctrl+A adds one)")), classes="heading")
                yield ActionRow(1, self.course_options)
            yield Static("", id="banner", classes="-empty")
            yield from self.buttons()

    def on_mount(self) -> None:
        self.initial = self._snapshot()
        if self.bpa.actor.may("course.read"):
            self.call_service("courses", courses.list_courses, self.bpa.db, self.bpa.actor)
        self.call_after_refresh(self.query_one("#held_on", Input).focus)

    # -- values and checks -------------------------------------------------------------------
    def actions(self) -> list[ActionRow]:
        return list(self.query(ActionRow))

    def _snapshot(self) -> tuple[Any, ...]:
        return (
            self.query_one("#held_on", Input).value,
            self.query_one("#participants", Input).value,
            self.query_one("#summary", TextArea).text,
            tuple(a.values() for a in self.actions()),
        )

    @property
    def changed(self) -> bool:
        return self._snapshot() != self.initial

    def held(self) -> tuple[date | None, str | None]:
        day, problem = date_problem(self.query_one("#held_on", Input).value, _("Held on"), required=True)
        if problem or day is None:
            return None, problem
        if day > self.bpa.today:
            return None, _("Held on cannot be in the future: record a review after it was held")
        if day < self.due.assignment_start:
            return None, _("Held on is before {a} started with {c} ({d})").format(
                a=self.due.assistant_ref, c=self.due.client_ref, d=format_date(self.due.assignment_start)
            )
        return day, None

    def _show(self, widget_id: str, message: str | None) -> None:
        show_line(self.query_one(f"#{widget_id}-error", Static), message)

    def check(self, *, force: bool = False, only: str | None = None) -> list[Widget]:
        """Check every field; show the messages (all of them with `force`, else the one edited).
        Returns the widgets with a problem, first one first."""
        bad: list[Widget] = []
        held, problem = self.held()
        if force or only == "held_on":
            self._show("held_on", problem)
        if problem:
            bad.append(self.query_one("#held_on", Input))
        problem = text_problem(self.query_one("#participants", Input).value, _("Participants"), PARTICIPANTS_MAX)
        if force or only == "participants":
            self._show("participants", problem)
        if problem:
            bad.append(self.query_one("#participants", Input))
        problem = text_problem(
            self.query_one("#summary", TextArea).text, _("Summary"), reviews.SUMMARY_MAX, multiline=True
        )
        if force or only == "summary":
            self._show("summary", problem)
        if problem:
            bad.append(self.query_one("#summary", TextArea))
        for row in self.actions():
            problem = row.problem(held)
            if force or row.touched:
                row.show_error(problem)
            if problem:
                bad.append(row)
        return bad

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        row = next((a for a in event.input.ancestors if isinstance(a, ActionRow)), None)
        if row is not None:
            row.touched = True
        self.check(only=event.input.id)

    @on(TextArea.Changed)
    def _summary_edited(self) -> None:
        self.check(only="summary")

    @on(Select.Changed)
    def _course_chosen(self, event: Select.Changed) -> None:
        row = next((a for a in event.select.ancestors if isinstance(a, ActionRow)), None)
        if row is not None and self.is_mounted:
            row.touched = True
            self.check()

    # -- answers (saving is the base's) ----------------------------------------------------
    def answer(self, result: ServiceResult) -> None:
        if result.tag == "courses" and result.error is None:
            self.course_options[:] = [(Text(c.name), str(c.id)) for c in result.value]
            for row in self.actions():
                row.query_one(Select).set_options(self.course_options)

    def show_problem(self, problem: FieldError) -> Widget | None:
        target = self._target(problem.field)
        if target is None:
            return None
        widget, show = target
        show(problem.localized())
        return widget

    def _target(self, field: str) -> tuple[Widget, Callable[[str], None]] | None:
        """The widget a service's field name points at, and how to show its message."""
        if field in ("held_on", "participants", "summary"):
            return self.query_one(f"#{field}"), lambda m, f=field: self._show(f, m)
        if field.startswith("actions[") and "]" in field:
            try:
                index = int(field[len("actions[") : field.index("]")]) - 1
            except ValueError:
                return None
            if 0 <= index < len(self.sent):
                row = self.sent[index]
                return row.query_one(".what", Input), row.show_error
        return None

    # -- actions ---------------------------------------------------------------------------
    async def action_add_action(self) -> None:
        row = ActionRow(len(self.actions()) + 1, self.course_options)
        await self.query_one("#fields", VerticalScroll).mount(row)
        row.focus_editor()

    def action_save(self) -> None:
        if self.saving or self.refuse(self.check(force=True)):
            return
        self.begin_save()
        self.sent = [row for row in self.actions() if not row.empty]
        actions = []
        for row in self.sent:
            what, owner, due, course = row.values()
            actions.append(
                reviews.ActionInput(
                    text=what, owner=owner, due_date=due.strip() or None, course=int(course) if course else None
                )
            )
        app, d = self.bpa, self.due
        self.call_service(
            "save",
            reviews.record_review,
            app.db,
            app.actor,
            d.assistant_id,
            d.client_id,
            self.query_one("#held_on", Input).value,
            participants=self.query_one("#participants", Input).value,
            summary=self.query_one("#summary", TextArea).text,
            actions=actions,
        )


# --------------------------------------------------------------------------- reading a review


class ReviewScreen(DetailScreen):
    """One review: when, who took part, the agreed actions, and the private summary on request."""

    kind = "review"

    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("s", "show_summary", N_("Show summary")),
        Binding("d", "action_done", N_("Action done")),
        Binding("a", "open_assistant", N_("Open assistant")),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    def __init__(self, review_id: int) -> None:
        super().__init__(review_id)
        self.summary_text: str | None = None

    def load(self) -> None:
        app = self.bpa
        self.call_service("detail", reviews.get_review, app.db, app.actor, self.record_id)

    def where(self) -> str:
        r: reviews.ReviewView = self.detail
        return _("Review {assistant} · {client} · {day}").format(
            assistant=f"{r.assistant_ref} {r.assistant_name}", client=r.client_ref, day=format_date(r.held_on)
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        may = self.bpa.actor.may
        if action == "show_summary":
            return may("review.notes")
        if action == "action_done":
            return may("review.write")
        return super().check_action(action, parameters)

    def build(self) -> list[Widget]:
        r: reviews.ReviewView = self.detail
        out: list[Widget] = [
            self.summary(
                [
                    (_("Assistant"), Text(f"{r.assistant_ref} {r.assistant_name}", style="bold")),
                    (_("Client"), Text(r.client_ref)),
                    (_("Held on"), text(r.held_on)),
                    (_("Recorded by"), Text(r.created_by)),
                    (_("Participants"), Text(r.participants)),
                ]
            )
        ]
        out.append(self.heading(_("Summary")))
        if self.summary_text is not None:
            out.append(Static(Text(self.summary_text or _("(empty)")), classes="summary"))
        elif not r.has_summary:
            out.append(self.note(_("No summary was written.")))
        elif self.bpa.actor.may("review.notes"):
            out.append(self.note(_("Private. Press s to read it; the reading is logged.")))
        else:
            out.append(self.note(_("Private: only coordinators and the client's supervisor may read it.")))
        out.append(self.heading(_("Agreed actions"), len(r.actions)))
        if not r.actions:
            return out + [self.note(_("No action was agreed."))]
        width = max(16, self.size.width - 4 - (10 + 10 + 12 + 14) - 10)
        table: DataTable = SafeTable(cursor_type="row", id="actions")
        for title, col_width in (
            (_("Due"), 10),
            (_("Done on"), 10),
            (_("Action"), width),
            (_("Owner"), 12),
            (_("Course"), 14),
        ):
            table.add_column(Text(title), width=col_width)
        for a in r.actions:
            table.add_row(
                text(a.due_date),
                text(a.done_on) if a.done_on else Text(_("open"), style="bold"),
                Text(a.text),
                Text(a.owner),
                Text(a.course),
            )
        self.rows_of["actions"] = list(r.actions)
        out.append(table)
        return out

    async def on_service_result(self, result: ServiceResult) -> None:
        # Textual also runs DetailScreen's handler (it walks the class hierarchy): answers of our
        # own calls stop it here; the detail itself is left to it.
        if result.tag not in ("notes", "done"):
            return
        result.prevent_default()
        if result.tag == "notes":
            if result.error is not None:
                self.notify(describe_error(result.error), severity="error", markup=False)
                return
            self.summary_text = result.value
            await self.show()
            return
        if result.tag == "done":
            if result.error is not None:
                self.notify(error_words(result.error), severity="error", markup=False)
            else:
                self.notify(_("Done."), markup=False)
                self.bpa.broadcast_change("review")  # reloads this screen too

    def action_show_summary(self) -> None:
        if self.detail is None:
            return
        if not self.detail.has_summary:
            self.notify(_("No summary was written."), markup=False)
            return
        app = self.bpa
        self.call_service("notes", reviews.review_notes, app.db, app.actor, self.record_id)

    def action_action_done(self) -> None:
        table_id, action = self.selected()
        if table_id != "actions" or action is None:
            self.notify(_("Choose an action first (Tab moves to the table)."), markup=False)
            return
        if action.done_on is not None:
            self.notify(_("This action was done on {day}.").format(day=format_date(action.done_on)), markup=False)
            return
        app = self.bpa
        question = _("Mark \u201c{action}\u201d done on {day}?").format(action=action.text, day=format_date(app.today))

        def yes(answer: bool) -> None:
            if answer:
                self.call_service(
                    "done", reviews.complete_action, app.db, app.actor, action.id, app.today, version=action.version
                )

        self.app.push_screen(ConfirmScreen(question, yes=_("Yes"), no=_("No")), yes)

    def action_open_assistant(self) -> None:
        if self.detail is not None:
            self.bpa.open_record("assistant", self.detail.assistant_id)
