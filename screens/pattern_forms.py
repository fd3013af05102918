"""Rota patterns on screen: the list of one client's recurring patterns (`PatternListScreen`) and
the form that creates or changes one (`PatternForm`), for the Rosters area's `m` key.

The services do the work (`services.pattern_list.client_patterns` reads the list and each pattern's
assistant in one call; `services.roster.create_pattern`, `update_pattern` save): a
saved pattern generates its shifts up to the planning horizon at once, and every blocking
working-time rule refuses the whole save. The form follows `screens/form_base.py`: fields are
checked as typed with the service's own parsers (`roster.parse_weekdays`, `parse_time_of_day`,
`rules.dates.parse_date`), the service's refusal stands under the field it names, a pattern changed
by someone else meanwhile keeps the input, and Esc on a changed form asks first.

The week of the rotation is shown and typed counting from 1 (1 = the week of "valid from"); the
service counts from 0, and the form converts.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.errors import FieldError, NotFound, ValidationError
from bpa_provider.formats import format_date
from bpa_provider.i18n import N_, _
from bpa_provider.screens import labels
from bpa_provider.screens.calls import ServiceCaller
from bpa_provider.screens.form_base import save_keys
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.pattern_text import (
    describe_pattern,
    rotation_text,
    saved_summary,
    times_text,
    validity_text,
    weekday_input,
    weekday_names,
)
from bpa_provider.screens.shift_form import ASSISTANT, KINDS, ShiftField, ShiftFieldForm, roster_words
from bpa_provider.screens.typed_checks import date_problem, text_problem
from bpa_provider.screens.ui import TranslatedBindings, describe_error, field_message
from bpa_provider.screens.widgets.fields import FieldRow, show_line
from bpa_provider.screens.widgets.safe_table import SafeTable
from bpa_provider.services import records, roster
from bpa_provider.services.pattern_list import PatternRow, client_patterns
from bpa_provider.services.roster import SaveResult

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp


MAX_CYCLE = 4
MAX_NAME = 100
# The service's field names for problems that are about a time of the pattern (working-time rules
# name "start"; a locked period names "start" too).
FIELD_ALIASES = {"start": "start_time", "end": "end_time"}
# The fields the form sends, in order; `assistant_id` is the look-up row.
FIELDS = ("weekdays", "start_time", "end_time", "kind", "cycle_weeks", "cycle_week", "valid_from", "valid_to", "name")


# --------------------------------------------------------------------------- reading and saving (in a worker)


def _assistant_id(db: Database, actor: Actor, ref: str) -> int:
    try:
        return records.find_id(db, actor, "assistant", ref)
    except NotFound as exc:
        raise ValidationError(FieldError("assistant_id", exc.template, params=exc.params)) from None


def save_new_pattern(
    db: Database, actor: Actor, client_id: int, assistant: str, today: date, **values: Any
) -> SaveResult:
    """Create the pattern for the assistant named by reference; its shifts are generated at once."""
    return roster.create_pattern(db, actor, client_id, _assistant_id(db, actor, assistant), today=today, **values)


def save_pattern_changes(
    db: Database, actor: Actor, pattern_id: int, version: int | None, today: date, assistant: str | None, **changes: Any
) -> SaveResult:
    """Change the pattern read at `version` (a new assistant named by reference)."""
    if assistant is not None:
        changes["assistant_id"] = _assistant_id(db, actor, assistant)
    return roster.update_pattern(db, actor, pattern_id, version, today=today, **changes)


# --------------------------------------------------------------------------- the list


class PatternListScreen(ServiceCaller, TranslatedBindings, ModalScreen[bool]):
    """A client's rota patterns; n creates one, Enter or e changes the one under the cursor.
    Dismisses with True when a pattern was saved (the week behind then reloads)."""

    DEFAULT_CSS = """
    PatternListScreen { align: center middle; }
    PatternListScreen > Vertical { width: 78; max-width: 100%; height: auto; max-height: 100%;
                                   border: round $accent; background: $surface; padding: 0 1; }
    PatternListScreen #title { text-style: bold; height: auto; }
    PatternListScreen #patterns { height: auto; max-height: 10; }
    PatternListScreen #detail { height: auto; min-height: 3; border-top: solid $panel-lighten-2; }
    PatternListScreen #message { height: auto; text-style: bold; }
    PatternListScreen #message.-empty { display: none; }
    PatternListScreen #hint { height: auto; color: $text-muted; }
    """

    BINDINGS = [
        Binding("n", "new_pattern", N_("New pattern")),
        Binding("e", "edit_pattern", N_("Change pattern")),
        Binding("f5", "reload", N_("Reload"), show=False),
        Binding("escape", "close", N_("Close")),
    ]

    def __init__(self, *, client_id: int, client_label: str, week_start: date) -> None:
        super().__init__()
        self.translate_bindings()
        self.client_id = client_id
        self.client_label = client_label
        self.week_start = week_start  # a new pattern is valid from the week shown
        self.rows: list[PatternRow] = []
        self.saved = False

    @property
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("Rota patterns of {client}").format(client=self.client_label)), id="title")
            yield SafeTable(cursor_type="row", id="patterns")
            yield Static("", id="detail")
            yield Static("", id="message", classes="-empty")
            yield Static("", id="hint")

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        self.query_one("#hint", Static).update(Text(_("Loading…")))
        self.call_service("patterns", client_patterns, self.bpa.db, self.bpa.actor, self.client_id)

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        table = self.query_one("#patterns", DataTable)
        hint = self.query_one("#hint", Static)
        if result.error is not None:
            hint.update(Text(describe_error(result.error)))
            return
        keep = self.current()
        self.rows = list(result.value)
        table.clear(columns=True)
        # 71 cells with the columns' padding: fits the dialog at 80 columns (the kind is in the detail).
        for title, width in (
            (_("Assistant"), 9),
            (_("Days"), 11),
            (_("Time"), 13),
            (_("Rotation"), 11),
            (_("Valid"), 17),
        ):
            table.add_column(Text(title), width=width)
        for row in self.rows:
            p = row
            table.add_row(
                Text(row.assistant_ref),
                Text(weekday_names(p.weekdays, ",")),
                Text(times_text(p)),
                Text(rotation_text(p)),
                Text(validity_text(p, short=True)),
            )
        if keep is not None:
            index = next((i for i, r in enumerate(self.rows) if r.id == keep.id), 0)
            table.move_cursor(row=index)
        writer = self.bpa.actor.may("roster.write")
        if not self.rows:
            text = _("No rota patterns yet.") + (" " + _("n creates one.") if writer else "")
        else:
            text = _("{n} pattern(s).").format(n=len(self.rows))
            if writer:
                text += " " + _("n creates one, Enter or e changes the one under the cursor.")
        hint.update(Text(text + " " + _("Esc closes.")))
        self._describe()
        table.focus()
        self.refresh_bindings()

    def current(self) -> PatternRow | None:
        table = self.query_one("#patterns", DataTable)
        if not self.rows or table.cursor_row is None:
            return None
        return self.rows[table.cursor_row] if 0 <= table.cursor_row < len(self.rows) else None

    def _describe(self) -> None:
        row = self.current()
        self.query_one("#detail", Static).update(describe_pattern(row) if row is not None else Text(""))

    @on(DataTable.RowHighlighted, "#patterns")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._describe()
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#patterns")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit_pattern()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("new_pattern", "edit_pattern"):
            if not self.bpa.actor.may("roster.write"):
                return False
            return action == "new_pattern" or self.current() is not None
        return True

    def message(self, text: str) -> None:
        show_line(self.query_one("#message", Static), text)

    def _open(self, row: PatternRow | None) -> None:
        def done(result: Any) -> None:
            if result is None:
                return
            self.saved = True
            self.message(saved_summary(result))
            self.load()

        self.app.push_screen(
            PatternForm(client_id=self.client_id, client_label=self.client_label, row=row, week_start=self.week_start),
            done,
        )

    def action_new_pattern(self) -> None:
        if self.check_action("new_pattern", ()):
            self._open(None)

    def action_edit_pattern(self) -> None:
        row = self.current()
        if row is not None and self.check_action("edit_pattern", ()):
            self._open(row)

    def action_reload(self) -> None:
        self.load()

    def action_close(self) -> None:
        self.dismiss(self.saved)


# --------------------------------------------------------------------------- the form


def _input(value: str = "", placeholder: str = "") -> Input:
    return Input(value, placeholder=placeholder, compact=True, classes="editor")


class PatternForm(ShiftFieldForm):
    """Create a pattern (`row` None) or change one; dismisses with the service's `SaveResult`, or
    None when closed without saving."""

    DEFAULT_CSS = """
    PatternForm #dialog { width: 76; }
    PatternForm #summary { color: $text-muted; height: auto; }
    PatternForm FieldRow .label, PatternForm ShiftField .label { width: 20; }
    PatternForm FieldRow .note, PatternForm FieldRow .error,
    PatternForm ShiftField .hint, PatternForm ShiftField .error { padding-left: 20; }
    """

    BINDINGS = [
        *save_keys(),
        Binding("escape", "cancel", N_("Cancel")),
    ]

    CONFLICT = N_(
        "Someone else changed this pattern after you opened it. Your input is kept: close the "
        "form, look at their change in the list, then make yours again."
    )

    def __init__(self, *, client_id: int, client_label: str, row: PatternRow | None, week_start: date) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_label = client_label
        self.row = row
        self.week_start = week_start

    @property
    def pattern(self) -> PatternRow | None:
        return self.row

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        title = _("Change a rota pattern of {client}") if self.row else _("New rota pattern for {client}")
        with Vertical(id="dialog"):
            yield Static(Text(title.format(client=self.client_label)), id="title")
            if self.row is not None:
                yield Static(
                    Text(_("From today on; started, locked and separately changed shifts stay.")), id="summary"
                )
            with VerticalScroll(id="fields"):
                yield from self._fields()
            yield Static("", id="banner", classes="-empty")
            yield from self.buttons(_("Save (Ctrl+S)"), cancel=_("Cancel (Esc)"))

    def _fields(self) -> list[Widget]:
        p = self.pattern
        kind = Select(
            [(labels.choice(k), k) for k in KINDS],
            value=p.kind if p else "active",
            allow_blank=False,
            compact=True,
            classes="editor",
        )
        return [
            FieldRow("shift", ASSISTANT, editing=p is not None),
            ShiftField(
                "weekdays",
                _("Weekdays"),
                _input(weekday_input(p.weekdays) if p else "", _("e.g. mon,wed,fri")),
                required=True,
            ),
            ShiftField(
                "start_time", _("Start time"), _input(f"{p.start_time:%H:%M}" if p else "08:00", "HH:MM"), required=True
            ),
            ShiftField(
                "end_time",
                _("End time"),
                _input(f"{p.end_time:%H:%M}" if p else "16:00", "HH:MM"),
                required=True,
                hint=_("At or before the start: the shift ends the next day."),
            ),
            ShiftField("kind", _("Kind"), kind),
            ShiftField(
                "cycle_weeks",
                _("Rotation weeks"),
                _input(str(p.cycle_weeks) if p else "1", _("1 = every week, up to 4")),
                required=True,
            ),
            ShiftField(
                "cycle_week",
                _("Week of rotation"),
                _input(str(p.cycle_week + 1) if p else "1"),
                required=True,
                hint=_("1 = the week of Valid from, 2 = the week after, …"),
            ),
            ShiftField(
                "valid_from",
                _("Valid from"),
                _input(format_date(p.valid_from if p else self.week_start), "dd.mm.yyyy"),
                required=True,
            ),
            ShiftField(
                "valid_to",
                _("Valid to"),
                _input(format_date(p.valid_to) if p else "", _("empty: until further notice")),
            ),
            ShiftField("name", _("Name"), _input(p.name if p else "", _("optional, e.g. A week"))),
        ]

    def assistant_row(self) -> FieldRow:
        return self.query_one(FieldRow)

    def rows(self) -> list[Widget]:
        return [self.assistant_row(), *self.fields()]

    def on_mount(self) -> None:
        row = self.assistant_row()
        if self.row is not None and self.row.assistant_ref:
            row.set_value(self.row.assistant_ref)
        row.initial = row.raw_value()
        for f in self.fields():
            f.initial = f.value
        self.call_after_refresh(row.focus_editor)

    # -- checking as typed -----------------------------------------------------------------
    def _int(self, name: str) -> int | None:
        f = self.field(name)
        try:
            return int(f.value.strip()) if f is not None else None
        except ValueError:
            return None

    def _date(self, name: str) -> date | None:
        f = self.field(name)
        return date_problem(f.value, f.label)[0] if f is not None else None

    def field_problem(self, name: str, f: ShiftField, value: str) -> str | None:
        try:
            if name == "weekdays":
                roster.parse_weekdays(value)
            elif name in ("start_time", "end_time"):
                at = roster.parse_time_of_day(value)
                start = self.field("start_time")
                if name == "end_time" and start is not None:
                    try:
                        if roster.parse_time_of_day(start.value.strip()) == at:
                            return _("Start and end are the same time")
                    except ValueError:
                        pass  # the start's own message says what to fix
            elif name in ("valid_from", "valid_to") and value:
                day, problem = date_problem(value, f.label)
                first = self._date("valid_from")
                if problem is None and name == "valid_to" and first is not None and day is not None and day < first:
                    return _("Valid to must be on or after valid from")
                return problem
        except ValueError as exc:
            return field_message(f.label, exc)
        if name == "cycle_weeks":
            n = self._int(name)
            if n is None or not 1 <= n <= MAX_CYCLE:
                return _("A rotation is 1 to 4 weeks")
        elif name == "cycle_week":
            k, n = self._int(name), self._int("cycle_weeks")
            if k is None or k < 1 or (n is not None and 1 <= n <= MAX_CYCLE and k > n):
                top = n if n is not None and 1 <= n <= MAX_CYCLE else MAX_CYCLE
                return _("The week of the rotation is 1 to {n}").format(n=top)
        elif name == "name":
            return text_problem(value, f.label, MAX_NAME, own=roster_words(f.label, MAX_NAME))
        return None

    # Fields whose check depends on another: a change of the first checks the second again.
    DEPENDS = {"start_time": "end_time", "valid_from": "valid_to", "cycle_weeks": "cycle_week"}

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        f = next((a for a in event.input.ancestors if isinstance(a, ShiftField)), None)
        if f is None or not self.is_mounted:
            return
        f.touched = f.touched or f.changed
        self.validate(f.field_name)
        other = self.DEPENDS.get(f.field_name)
        if other is not None:
            self.validate(other)

    # -- saving ----------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The fields as the service takes them (the week of the rotation counted from 0)."""
        out: dict[str, Any] = {f.field_name: f.value.strip() for f in self.fields()}
        out["cycle_weeks"] = int(out["cycle_weeks"])
        out["cycle_week"] = int(out["cycle_week"]) - 1
        out["valid_to"] = out["valid_to"] or None
        return out

    def action_save(self) -> None:
        if self.saving:
            return
        problems: list[Widget] = []
        row = self.assistant_row()
        if row.validate(force=True):
            problems.append(row)
        problems += [f for f in self.fields() if self.validate(f.field_name, force=True)]
        if self.refuse(problems):
            return
        db, actor, today = self.bpa.db, self.bpa.actor, self.bpa.today
        values = self.values()
        p = self.pattern
        if p is None:
            self.begin_save()
            self.call_service("save", save_new_pattern, db, actor, self.client_id, row.raw_value(), today, **values)
            return
        changes = {f.field_name: values[f.field_name] for f in self.fields() if f.changed}
        assistant = row.raw_value() if row.changed else None
        if not changes and assistant is None:
            self.dismiss(None)  # nothing changed
            return
        self.begin_save()
        self.call_service("save", save_pattern_changes, db, actor, p.id, p.version, today, assistant, **changes)

    def show_problem(self, problem: FieldError) -> Widget | None:
        name = FIELD_ALIASES.get(problem.field, problem.field)
        if name == "assistant_id":
            row = self.assistant_row()
            row.show_error(problem.localized())
            return row
        target = self.field(name)
        if target is None:
            return None
        if name == "cycle_week":  # the service counts the weeks of a rotation from 0, the form from 1
            message = _("The week of the rotation is 1 to {n}").format(n=self._int("cycle_weeks") or MAX_CYCLE)
        else:
            message = field_message(target.label, problem)
        target.show_error(message)
        return target

    def banner_text(self) -> str:
        return str(self.query_one("#banner", Static).render())
