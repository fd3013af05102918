"""One form field generated from a `records.FieldSpec`: label, editor, note and error line.

The editor follows the field's kind: a text input (text, numbers, dates, national IDs), a select
(choices, municipality), a checkbox (yes/no), or a text input with look-up for references to
clients, assistants and supervisors (type a reference or part of a name; the match shows below).
`records.check_field` validates as you type; the error stands under the field.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static
from textual.widgets.select import InvalidSelectValueError

from bpa_provider.formats import format_date
from bpa_provider.i18n import _
from bpa_provider.screens import labels
from bpa_provider.screens.calls import ServiceCaller
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.ui import describe_error, field_message, hours
from bpa_provider.screens.widgets.tickbox import TickBox
from bpa_provider.services import records

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp

LOOKUP_DELAY = 0.2
LOOKUP_LIMIT = 6
_PLACEHOLDER = {"date": "dd.mm.yyyy", "time": "HH:MM"}


def show_line(line: Static, message: str | Text | None) -> None:
    """Put a message on a line under a field (its error, its note) or in a form's banner; an empty
    message hides the line (the `-empty` class)."""
    text = message if isinstance(message, Text) else Text(message or "")
    line.update(text)
    line.set_class(not text.plain, "-empty")


def shown(spec: records.FieldSpec, value: Any) -> Any:
    """A stored value as the editor holds it."""
    if value is None:
        return False if spec.kind == "bool" else ""
    if spec.kind == "date" and isinstance(value, date):
        return format_date(value)
    if spec.kind == "float" and isinstance(value, (int, float)):
        return hours(float(value))
    if spec.kind == "bool":
        return bool(value)
    if spec.kind == "choice":
        text = str(value)
        return next((c for c in spec.choices if c.lower() == text.lower()), text)
    return str(value) if spec.kind != "ref" else value


class FieldRow(ServiceCaller, Vertical):
    """Label and editor on one line, then a note (hint or look-up result) and the error."""

    DEFAULT_CSS = """
    FieldRow { height: auto; }
    FieldRow > Horizontal { height: auto; }
    FieldRow .label { width: 24; padding-right: 1; }
    FieldRow .editor { width: 1fr; }
    FieldRow Select.editor { width: 1fr; }
    FieldRow .readonly { width: 1fr; color: $text-muted; }
    FieldRow .note { padding-left: 24; color: $text-muted; height: auto; }
    FieldRow .error { padding-left: 24; color: $text-error; text-style: bold; height: auto; }
    FieldRow .note.-empty, FieldRow .error.-empty { display: none; }
    """

    def __init__(self, kind: str, spec: records.FieldSpec, *, editing: bool, readonly: str | None = None) -> None:
        super().__init__(id=f"field-{spec.name}")
        self.kind = kind
        self.spec = spec
        self.editing = editing
        self.readonly = readonly  # text shown instead of an editor (preset or unchangeable)
        self.fixed_value: Any = None  # what a read-only field sends on create
        self.initial: Any = None
        self.touched = False
        self.resolved: str | None = None  # a reference's match
        self._lookup_timer: Timer | None = None
        self._masked = ""
        self._pending: Any = None

    @property
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    @property
    def is_lookup(self) -> bool:
        return self.spec.kind == "ref" and self.spec.ref_kind != "municipality" and self.readonly is None

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        title = labels.label(self.spec.label) + (" *" if self.spec.required and self.readonly is None else "")
        with Horizontal():
            yield Label(Text(title), classes="label")
            yield self._editor()
        note = labels.label(self.spec.hint) if self.spec.hint and self.readonly is None else ""
        yield Static(Text(note), classes="note" + ("" if note else " -empty"))
        yield Static("", classes="error -empty")

    def _editor(self) -> Widget:
        spec = self.spec
        if self.readonly is not None:
            return Static(Text(self.readonly), classes="readonly")
        if spec.kind == "bool":
            return TickBox("", compact=True, classes="editor")
        if spec.kind == "choice":
            options = [(labels.choice(c), c) for c in spec.choices]
            return Select(options, allow_blank=not self.editing, prompt=_("(default)"), compact=True, classes="editor")
        if spec.kind == "ref" and spec.ref_kind == "municipality":
            return Select([], prompt=_("Choose…"), compact=True, classes="editor")
        placeholder = _PLACEHOLDER.get(spec.kind, "")
        if self.is_lookup:
            placeholder = _("reference or part of the name")
        return Input(placeholder=placeholder, compact=True, classes="editor")

    # -- values ----------------------------------------------------------------------------
    def editor(self) -> Widget:
        return self.query_one(".editor, .readonly")

    def set_value(self, value: Any) -> None:
        """Put a stored value into the editor; it becomes the value "unchanged" compares with."""
        ed = self.editor()
        if self.spec.kind == "national_id" and self.editing and isinstance(ed, Input):
            # A form does not show a full national ID (that is a logged "reveal"): leave the
            # field empty and only change the number if a new one is typed.
            self._masked = records.display_national_id(self.bpa.actor, value)
            ed.placeholder = _("unchanged ({masked})").format(masked=self._masked) if value else ""
            value = ""
        value = shown(self.spec, value)
        if isinstance(ed, Checkbox):
            ed.value = bool(value)
        elif isinstance(ed, Select):
            self._pending = None
            try:
                if value in ("", None):
                    if not self.editing:
                        ed.clear()
                else:
                    ed.value = value
            except InvalidSelectValueError:
                self._pending = value  # a record list whose options are still loading
        elif isinstance(ed, Input):
            with ed.prevent(Input.Changed):
                ed.value = str(value)
            if self.is_lookup and value:
                self.resolved = str(value)
        self.initial = self.raw_value()

    def set_options(self, options: list[tuple[str, Any]]) -> None:
        """Options of a select that lists records (municipalities); keeps the chosen value."""
        ed = self.editor()
        if isinstance(ed, Select):
            current = self._pending if self._pending is not None else ed.value
            ed.set_options(options)
            if current != Select.NULL and any(v == current for _, v in options):
                ed.value = current
                if self._pending is not None:
                    self.initial = current
            self._pending = None

    def raw_value(self) -> Any:
        """What the service gets for this field (strings as typed; the service parses them)."""
        if self.readonly is not None:
            return self.fixed_value
        ed = self.editor()
        if isinstance(ed, Checkbox):
            return ed.value
        if isinstance(ed, Select):
            if self._pending is not None:
                # The record's value while the options are still loading: a save pressed before
                # they arrive (a busy server) keeps it, instead of refusing a field that shows it.
                return self._pending
            return "" if ed.is_blank() else ed.value
        assert isinstance(ed, Input)
        if self.is_lookup:
            return self.resolved or ed.value.strip()
        return ed.value

    @property
    def changed(self) -> bool:
        return self.readonly is None and self.raw_value() != self.initial

    # -- validation ------------------------------------------------------------------------
    def problem(self) -> str | None:
        """The field's problem as a sentence for a person, or None."""
        if self.readonly is not None:
            return None
        raw = self.raw_value()
        if self.is_lookup:
            text = self.query_one(Input).value.strip()
            if not text:
                return field_message(labels.label(self.spec.label), "is required") if self.spec.required else None
            if self.resolved is None:
                return _("No {kind} matches \u201c{text}\u201d: type a reference or more of the name.").format(
                    kind=labels.kind(self.spec.ref_kind or ""), text=text
                )
            return None
        if self.spec.kind == "ref":
            return (
                field_message(labels.label(self.spec.label), "is required")
                if self.spec.required and raw in ("", None)
                else None
            )
        message = records.check_field(self.kind, self.spec.name, raw)
        return field_message(labels.label(self.spec.label), message) if message else None

    def validate(self, *, force: bool = False) -> str | None:
        """Check the field; the message is shown once the person has touched it (or on save)."""
        message = self.problem()
        if force or self.touched:
            self.show_error(message)
        return message

    def show_error(self, message: str | None) -> None:
        show_line(self.query_one(".error", Static), message)

    def focus_editor(self) -> None:
        ed = self.editor()
        if ed.focusable:
            ed.focus()
        self.scroll_visible()

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _edited(self, event: Any) -> None:
        if not self.is_mounted:
            return
        if self.raw_value() != self.initial:
            self.touched = True
        if self.is_lookup and isinstance(event, Input.Changed):
            self.resolved = None
            self._set_note("")
            if self._lookup_timer is not None:
                self._lookup_timer.stop()
            if event.value.strip():
                self._lookup_timer = self.set_timer(LOOKUP_DELAY, self._lookup)
            self.show_error(None)
            return
        self.validate()

    # -- reference look-up ----------------------------------------------------------------
    def _lookup(self) -> None:
        text = self.query_one(Input).value.strip()
        if text:
            self.call_service(
                "lookup",
                records.list_records,
                self.bpa.db,
                self.bpa.actor,
                self.spec.ref_kind or "",
                search=text,
                limit=LOOKUP_LIMIT,
            )

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        text = self.query_one(Input).value.strip()
        if result.error is not None:
            self._set_note("")
            self.show_error(describe_error(result.error))
            return
        rows = result.value.rows
        exact = [r for r in rows if r.ref.lower() == text.lower()]
        match = exact[0] if exact else (rows[0] if len(rows) == 1 else None)
        self.resolved = match.ref if match is not None else None
        if match is not None:
            self._set_note(f"→ {match.ref} {match.name}")
        elif rows:
            more = "" if result.value.total <= len(rows) else " …"
            self._set_note(
                _("{n} matches: {names}").format(
                    n=result.value.total, names=", ".join(f"{r.ref} {r.name}" for r in rows[:3])
                )
                + more
            )
        else:
            self._set_note("")
        self.validate(force=True)

    def _set_note(self, message: str) -> None:
        show_line(self.query_one(".note", Static), message)
