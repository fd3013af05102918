"""The shape every transfer form shares (`TransferForm`) and its input rows (`Field`, `InputRow`).

Every form behaves like the record forms (screens/form_base.py):
- fields are declared as `Field`s and checked as they are typed by the transfer services' own pure
  checks (`services.transfer_checks`: required, dates, text, and each service's cross-field rules),
  so a form words no rule of its own; the message stands under the field, shown once the person
  has touched it, named by the form's own label;
- Save (Ctrl+S or F2) is refused while a field has a problem, and the first one is focused;
- the service decides everything else: its `ValidationError` is marked on the fields it names
  (a step out of order is refused under the step, in the workflow rules' own words) and the rest
  is listed above the buttons; a `Conflict` says someone else changed the transfer and keeps the
  input; any other error is worded by `describe_error`;
- Esc on a changed form asks before discarding.
Services run in thread workers (`ServiceCaller`); a form dismisses with what the service returned
(a `TransferView`, an `ExportResult` or an `ImportResult`), or None when cancelled. The forms
themselves are in `transfer_forms` and `transfer_package_forms`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.formats import format_date
from bpa_provider.i18n import N_, Msg, _
from bpa_provider.screens.form_base import FormScreen, focus_problem
from bpa_provider.screens.ui import field_message
from bpa_provider.screens.widgets.fields import FieldRow, show_line
from bpa_provider.screens.widgets.tickbox import TickBox
from bpa_provider.services import validation
from bpa_provider.services.transfer_views import TransferView

LABEL_WIDTH = 24  # as FieldRow's, so a look-up row lines up with the others


# --------------------------------------------------------------------------- fields


@dataclass(frozen=True)
class Field:
    """One input of a transfer form. `name` is the service's name for it (`FieldError.field`)."""

    name: str
    label: str  # already translated
    kind: str = "text"  # text, date, select, check
    required: bool = False
    value: Any = ""
    options: tuple[tuple[str, str], ...] = ()  # (shown, value) of a select
    max_len: int = 500
    hint: str = ""
    placeholder: str = ""


def shown(label: str, problem: FieldError) -> str:
    """A service check's problem under the form's own label (a row says "Done on is required"
    where the service, which calls the field "Date", says "Date is required")."""
    inner = problem.params.get("problem") if "label" in problem.params else None
    if isinstance(inner, Msg):
        return field_message(label, inner.template, **inner.params)
    return field_message(label, problem)


class InputRow(Vertical):
    """Label and editor on one line, then a note (hint) and the error, as `FieldRow` shows them."""

    DEFAULT_CSS = f"""
    InputRow {{ height: auto; }}
    InputRow > Horizontal {{ height: auto; }}
    InputRow .label {{ width: {LABEL_WIDTH}; padding-right: 1; }}
    InputRow .editor {{ width: 1fr; }}
    InputRow .note {{ padding-left: {LABEL_WIDTH}; color: $text-muted; height: auto; }}
    InputRow .error {{ padding-left: {LABEL_WIDTH}; color: $text-error; text-style: bold; height: auto; }}
    InputRow .note.-empty, InputRow .error.-empty {{ display: none; }}
    """

    def __init__(self, field: Field) -> None:
        super().__init__(id=f"row-{field.name}")
        self.field = field
        self.touched = False
        self.initial: Any = None

    def compose(self) -> ComposeResult:
        f = self.field
        with Horizontal():
            yield Label(Text(f.label + (" *" if f.required else "")), classes="label")
            yield self._editor()
        yield Static(Text(f.hint), classes="note" + ("" if f.hint else " -empty"))
        yield Static("", classes="error -empty")

    def _editor(self) -> Widget:
        f = self.field
        if f.kind == "check":
            return TickBox("", bool(f.value), compact=True, classes="editor")
        if f.kind == "select":
            value = f.value if any(v == f.value for _s, v in f.options) else Select.NULL
            return Select(
                [(Text(s), v) for s, v in f.options],
                value=value,
                allow_blank=value is Select.NULL,
                prompt=_("Choose…"),
                compact=True,
                classes="editor",
            )
        placeholder = f.placeholder or ("dd.mm.yyyy" if f.kind == "date" else "")
        return Input(str(f.value or ""), placeholder=placeholder, compact=True, classes="editor")

    def editor(self) -> Widget:
        return self.query_one(".editor")

    def raw_value(self) -> Any:
        ed = self.editor()
        if isinstance(ed, Checkbox):
            return ed.value
        if isinstance(ed, Select):
            return "" if ed.is_blank() else ed.value
        assert isinstance(ed, Input)
        return ed.value

    def set_value(self, value: Any) -> None:
        """Put a value into the editor without it counting as the person's edit."""
        ed = self.editor()
        if isinstance(ed, Input):
            with ed.prevent(Input.Changed):
                ed.value = str(value)
        elif isinstance(ed, Select):
            with ed.prevent(Select.Changed):
                ed.value = value
        elif isinstance(ed, Checkbox):
            with ed.prevent(Checkbox.Changed):
                ed.value = bool(value)

    @property
    def changed(self) -> bool:
        return self.raw_value() != self.initial

    def problem(self) -> str | None:
        """The field's own problem (required, a date, text) by the one validation module
        (`services.validation`); the form adds the service's whole check (`service_check`)."""
        f = self.field
        if f.kind == "check":
            return None
        found: list[FieldError] = []
        if f.kind == "date":
            validation.check_date(self.raw_value(), f.name, required=f.required, errors=found)
        else:
            validation.check_text(self.raw_value(), f.name, f.max_len, required=f.required, errors=found)
        return shown(f.label, found[0]) if found else None

    def show_error(self, message: str | None) -> None:
        show_line(self.query_one(".error", Static), message)

    def set_note(self, message: str | Text) -> None:
        show_line(self.query_one(".note", Static), message)

    def focus_editor(self) -> None:
        ed = self.editor()
        if ed.focusable:
            ed.focus()
        self.scroll_visible()


Row = InputRow | FieldRow


def row_name(row: Row) -> str:
    return row.field.name if isinstance(row, InputRow) else row.spec.name


def _loose(problem: FieldError) -> str:
    # Services word most problems as sentences; a package's problems are "<place> <what>".
    message = problem.localized()
    if problem.field and problem.message[:1].islower():
        return f"{problem.field}: {message}"
    return message


# --------------------------------------------------------------------------- the form


class TransferForm(FormScreen):
    """The shape every transfer form shares; subclasses declare fields and call their service."""

    DEFAULT_CSS = """
    TransferForm #dialog { width: 88; }
    TransferForm #intro { height: auto; color: $text-muted; margin-bottom: 1; }
    TransferForm #intro.-empty { display: none; }
    TransferForm #banner-box { height: auto; max-height: 9; }
    TransferForm #banner-box.-empty { display: none; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), priority=True),
        Binding("f2", "save", N_("Save"), show=False, priority=True),
        Binding("escape", "cancel", N_("Cancel")),
    ]

    CONFLICT = N_(
        "Someone else changed this transfer after you opened the form. Your input is "
        "kept: close the form, look at their change, then try again."
    )

    #: Service field names that stand for one of this form's rows.
    aliases: dict[str, str] = {}

    def __init__(self, view: TransferView | None = None) -> None:
        super().__init__()
        self.view = view

    # -- what subclasses say ---------------------------------------------------------------
    def heading(self) -> str:
        return ""

    def intro(self) -> Text | None:
        return None

    def fields(self) -> list[Field]:
        return []

    def lookups(self) -> list[FieldRow]:
        """Record look-ups (type a reference or part of a name) shown before the fields."""
        return []

    def save_label(self) -> str:
        return _("Save (Ctrl+S)")

    def service_check(self, values: dict[str, Any]) -> list[FieldError]:
        """The service's own check of this input (a `services.transfer_checks` function), run as
        the person types: its problems stand under the fields they name."""
        return []

    def cross_check(self, values: dict[str, Any]) -> dict[str, str]:
        """The service check's problems by field name (the first of each), in the row's words."""
        labels = {r.field.name: r.field.label for r in self.rows() if isinstance(r, InputRow)}
        out: dict[str, str] = {}
        for problem in self.service_check(values):
            if problem.field in labels and problem.field not in out:
                out[problem.field] = shown(labels[problem.field], problem)
        return out

    def edited(self, name: str) -> None:
        """A field was changed by the person (e.g. a default that follows another field)."""

    def submit(self, values: dict[str, Any]) -> None:
        """Call the service: `self.call_service("save", fn, ...)`."""

    def about(self) -> Text:
        """The transfer in one line, for titles and introductions."""
        v = self.view
        if v is None:
            return Text("")
        out = Text(f"{v.client_ref} {v.client_name} · ")
        out.append(
            (_("out to {provider}") if v.direction == "out" else _("in from {provider}")).format(provider=v.counterpart)
        )
        return out

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        intro = self.intro()
        with Vertical(id="dialog"):
            yield Static(Text(self.heading()), id="title")
            yield Static(intro or "", id="intro", classes="" if intro else "-empty")
            with VerticalScroll(id="fields"):
                yield from self.lookups()
                for f in self.fields():
                    yield InputRow(f)
            with VerticalScroll(id="banner-box", classes="-empty"):
                yield Static("", id="banner")
            yield from self.buttons(self.save_label())

    def rows(self) -> list[Row]:
        return [w for w in self.query("InputRow, FieldRow") if isinstance(w, (InputRow, FieldRow))]

    def row(self, name: str) -> Row | None:
        return next((r for r in self.rows() if row_name(r) == name), None)

    def input_row(self, name: str) -> InputRow:
        row = self.row(name)
        assert isinstance(row, InputRow), name
        return row

    def values(self) -> dict[str, Any]:
        return {row_name(r): r.raw_value() for r in self.rows()}

    def on_mount(self) -> None:
        for row in self.rows():
            row.initial = row.raw_value()
        self.call_after_refresh(self._focus_first)

    def _focus_first(self) -> None:
        rows = self.rows()
        if rows:
            rows[0].focus_editor()

    # -- checking as the person types ------------------------------------------------------
    def check_rows(self, *, force: bool = False) -> list[Row]:
        """Show each field's problem (touched fields only, unless forced); the rows with one."""
        cross = self.cross_check(self.values())
        bad: list[Row] = []
        for row in self.rows():
            if isinstance(row, FieldRow):
                message = row.validate(force=force)
            else:
                message = row.problem() or cross.get(row.field.name)
                if force or row.touched:
                    row.show_error(message)
            if message:
                bad.append(row)
        return bad

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _edited(self, event: Any) -> None:
        row = next((a for a in event.control.ancestors if isinstance(a, InputRow)), None)
        if row is None or not self.is_mounted or row.initial is None:
            return  # a look-up row checks itself; nothing counts before the form is ready
        if row.changed:
            row.touched = True
        self.edited(row.field.name)
        self.check_rows()

    # -- saving ----------------------------------------------------------------------------
    def banner(self, message: str) -> None:
        # The banner scrolls in a box of its own: a package's problems can be many.
        self.query_one("#banner", Static).update(Text(message))
        self.query_one("#banner-box").set_class(not message, "-empty")

    def action_save(self) -> None:
        if self.saving or self.refuse(self.check_rows(force=True)):
            return
        self.begin_save()
        self.submit(self.values())

    def show_problem(self, problem: FieldError) -> Row | None:
        row = self.row(self.aliases.get(problem.field, problem.field))
        if row is None:
            return None
        label = row.field.label if isinstance(row, InputRow) else _(row.spec.label)
        # "is not valid JSON …" under "Package file" reads as "Package file is not valid JSON …".
        row.show_error(field_message(label, problem))
        return row

    def refused(self, error: ValidationError, lead: str | None = None) -> None:
        """Mark the fields the service named; list the other problems above the buttons, after
        `lead` when given (always as a list then: a package's problems come in numbers)."""
        first, problems = self.mark_fields(error)
        loose = [_loose(problem) for problem in problems]
        if lead is not None:
            self.banner("\n".join([lead, *(f"• {m}" for m in loose)]))
        elif len(loose) > 1:
            self.banner("\n".join([_("Not saved:"), *(f"• {m}" for m in loose)]))
        else:
            self.banner(loose[0] if loose else _(self.NOT_SAVED))
        if first is not None:
            focus_problem(first)

    # -- shared arguments ------------------------------------------------------------------
    def today_text(self) -> str:
        return format_date(self.bpa.today)

    def common(self) -> dict[str, Any]:
        """Keyword arguments every transfer write takes: the version read, and today."""
        assert self.view is not None
        return {"version": self.view.version, "today": self.bpa.today}
