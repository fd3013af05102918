"""The generic record form built from services' `FieldSpec`s: `SpecFieldRow` (one field) and
`SpecForm` (a modal of them whose Save calls a service). The Courses forms and the absence form
are `SpecForm`s.

They keep the record form's promises (screens/form_base.py): each field is checked as it is typed
and the message stands under it; Save (Ctrl+S or F2) is refused while a field has a problem, with
the first such field focused; the service checks again and its messages go under the fields it
names; a save refused because someone else changed the record says so and keeps the input; Esc on
a changed form asks first. The fields are the services' own `FieldSpec`s, so a form accepts exactly
what the command line accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Select, Static

from bpa_provider.errors import FieldError
from bpa_provider.i18n import N_, _
from bpa_provider.screens import labels
from bpa_provider.screens.form_base import FormScreen, save_keys
from bpa_provider.screens.ui import field_message
from bpa_provider.screens.widgets.fields import FieldRow
from bpa_provider.services.records import FieldSpec, parse_value


def word(words: Mapping[str, str], code: str | None) -> str:
    """A code as a word in the current language; unknown codes are shown as they are."""
    if not code:
        return ""
    return _(words[code]) if code in words else code


# --------------------------------------------------------------------------- fields


class SpecFieldRow(FieldRow):
    """A form field for a `FieldSpec` outside the registry (courses, course dates, outcomes).

    Checked with `records.parse_value` (the parser the service uses) instead of
    `records.check_field`, which only knows the registry's records; choices show words, or
    `options` given by the caller (course names from the database, as `Text`, never markup).
    """

    def __init__(
        self,
        spec: FieldSpec,
        *,
        editing: bool = False,
        readonly: str | None = None,
        words: Mapping[str, str] | None = None,
        options: Sequence[tuple[Text, str]] | None = None,
    ) -> None:
        super().__init__("course", spec, editing=editing, readonly=readonly)
        self.words = dict(words or {})
        self.options = list(options) if options is not None else None

    def _editor(self) -> Widget:
        if self.readonly is None and self.spec.kind == "choice":
            options = (
                self.options
                if self.options is not None
                else [(Text(word(self.words, c)), c) for c in self.spec.choices]
            )
            return Select(options, allow_blank=True, prompt=_("Choose…"), compact=True, classes="editor")
        return super()._editor()

    def problem(self) -> str | None:
        if self.readonly is not None:
            return None
        try:
            parse_value(None, self.spec, self.raw_value())
        except ValueError as exc:
            return field_message(labels.label(self.spec.label), exc)
        return None


# --------------------------------------------------------------------------- the generic form


class SpecForm(FormScreen):
    """A modal of `SpecFieldRow`s whose Save runs `save(data)` in a worker; dismisses with its result.

    `send` says what `data` holds: "filled" (a new record: every filled field), "changed" (an edit:
    only what changed; nothing changed closes the form) or "all".
    """

    DEFAULT_CSS = """
    SpecForm #dialog { width: 80; }
    SpecForm #info { color: $text-muted; height: auto; }
    """

    BINDINGS = [
        *save_keys(),
        Binding("escape", "cancel", N_("Cancel")),
    ]

    def __init__(
        self,
        title: str,
        rows: Sequence[SpecFieldRow],
        save: Callable[[dict[str, Any]], Any],
        *,
        values: Mapping[str, Any] | None = None,
        send: str = "filled",
        info: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.info = info
        self._rows = list(rows)
        self.save = save
        self.values = dict(values or {})
        self.send = send

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text), id="title")
            if self.info:
                yield Static(Text(self.info), id="info")
            with VerticalScroll(id="fields"):
                yield from self._rows
            yield Static("", id="banner", classes="-empty")
            yield from self.buttons()

    def rows(self) -> list[SpecFieldRow]:
        return list(self.query(SpecFieldRow))

    def row(self, name: str) -> SpecFieldRow | None:
        return next((r for r in self.rows() if r.spec.name == name), None)

    def on_mount(self) -> None:
        for row in self.rows():
            if row.readonly is not None:
                continue
            if row.spec.name in self.values:
                row.set_value(self.values[row.spec.name])
            else:
                row.initial = row.raw_value()
        self.call_after_refresh(self._focus_first)

    def _focus_first(self) -> None:
        for row in self.rows():
            if row.readonly is None:
                row.focus_editor()
                return

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for row in self.rows():
            if row.readonly is not None or (self.send == "changed" and not row.changed):
                continue
            value = row.raw_value()
            if self.send == "filled" and value in ("", None):
                continue
            out[row.spec.name] = value
        return out

    def action_save(self) -> None:
        if self.saving:
            return
        if self.refuse([r for r in self.rows() if r.validate(force=True)]):
            return
        data = self.data()
        if self.send == "changed" and not data:
            self.dismiss(None)
            return
        self.begin_save()
        self.call_service("save", self.save, data)

    def show_problem(self, problem: FieldError) -> SpecFieldRow | None:
        row = self.row(problem.field)
        if row is None or row.readonly is not None:
            return None  # a fixed field cannot be corrected here: said in the banner
        row.show_error(problem.localized())
        return row
