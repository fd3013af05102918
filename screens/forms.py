"""The record form: a modal generated from `records.SPECS` to create or edit any registry record.

- Each field validates as it is typed (`records.check_field`); the message stands under it.
- Save (Ctrl+S or F2) is refused while a field has a problem, and the first such field is focused.
- The service validates again on save; its `ValidationError` marks the fields it names.
- A save refused because someone else changed the record (`Conflict`) says so and keeps the input.
- Esc on a changed form asks before throwing the changes away.
- An edit sends only the fields that changed, with the version that was read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from bpa_provider.access import Actor
from bpa_provider.errors import Conflict, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.services import records
from db.engine import Database
from screens import labels
from screens.calls import ServiceCaller
from screens.confirm import ConfirmScreen
from screens.messages import ServiceResult
from screens.phrases import for_spec_field, translate
from screens.ui import TranslatedBindings, describe_error
from screens.widgets.fields import FieldRow

if TYPE_CHECKING:
    from screens.app import BpaApp


def load_for_edit(db: Database, actor: Actor, kind: str, record_id: int) -> tuple[Any, dict[str, str]]:
    """The record, and "K-0042 Kari Nordmann" for each reference field that cannot change."""
    record = records.get(db, actor, kind, record_id)
    names: dict[str, str] = {}
    for spec in records.SPECS[kind].fields:
        value = getattr(record, spec.name, None)
        if spec.kind == "ref" and spec.create_only and value is not None:
            other = records.get(db, actor, spec.ref_kind or "", value)
            names[spec.name] = f"{getattr(other, 'ref', '')} {other.name}".strip()
    return record, names


def describe(record: Any) -> str:
    """How a form's title names a record."""
    ref = getattr(record, "ref", "") or ""
    name = getattr(record, "name", "") or getattr(record, "case_number", "") or ""
    return f"{ref} {name}".strip()


class RecordForm(ServiceCaller, TranslatedBindings, ModalScreen[Any]):
    """Create (`record_id` None) or edit one record; dismisses with the saved record or None.

    `preset` fixes fields on create, e.g. a decision made from a client's screen:
    {"client_id": ("K-0042", "K-0042 Kari Nordmann")} — the value sent and the text shown.
    """

    DEFAULT_CSS = """
    RecordForm { align: center middle; }
    RecordForm #dialog { width: 96; max-width: 100%; height: auto; max-height: 100%;
                         border: round $accent; background: $surface; padding: 0 1; }
    RecordForm #title { text-style: bold; height: 1; }
    RecordForm #fields { height: auto; max-height: 1fr; }
    RecordForm #banner { height: auto; color: $text-error; text-style: bold; }
    RecordForm #banner.-empty { display: none; }
    RecordForm #buttons { height: 1; margin-top: 1; }
    RecordForm Button { margin-right: 2; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), priority=True),
        Binding("f2", "save", N_("Save"), show=False, priority=True),
        Binding("escape", "cancel", N_("Cancel")),
    ]

    def __init__(self, kind: str, record_id: int | None = None,
                 preset: dict[str, tuple[Any, str]] | None = None) -> None:
        super().__init__()
        self.translate_bindings()
        self.kind = kind
        self.spec = records.SPECS[kind]
        self.record_id = record_id
        self.preset = preset or {}
        self.version: int | None = None
        self.record: Any = None
        self.saving = False

    @property
    def bpa(self) -> "BpaApp":
        return self.app  # type: ignore[return-value]

    @property
    def editing(self) -> bool:
        return self.record_id is not None

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        specs = self.spec.fields + (() if self.editing else self.spec.extra_fields)
        with Vertical(id="dialog"):
            yield Static(Text(self._title()), id="title")
            with VerticalScroll(id="fields"):
                for spec in specs:
                    readonly = None
                    if spec.name in self.preset:
                        readonly = self.preset[spec.name][1]
                    elif self.editing and spec.create_only:
                        readonly = "…"
                    yield FieldRow(self.kind, spec, editing=self.editing, readonly=readonly)
            yield Static("", id="banner", classes="-empty")
            with Horizontal(id="buttons"):
                yield Button(_("Save (Ctrl+S)"), id="save", variant="primary", compact=True)
                yield Button(_("Cancel (Esc)"), id="cancel", compact=True)

    def _title(self, record: Any = None) -> str:
        what = labels.kind(self.kind)
        if not self.editing:
            return labels.new(self.kind)
        return _("Edit {kind} {name}").format(kind=what, name=describe(record) if record is not None else "")

    def rows(self) -> list[FieldRow]:
        return list(self.query(FieldRow))

    def row(self, name: str) -> FieldRow | None:
        return next((r for r in self.rows() if r.spec.name == name), None)

    def on_mount(self) -> None:
        for row in self.rows():
            if row.spec.name in self.preset:
                row.fixed_value = self.preset[row.spec.name][0]
        if any(r.spec.kind == "ref" and r.spec.ref_kind == "municipality" and r.readonly is None
               for r in self.rows()):
            self.call_service("municipalities", records.list_records, self.bpa.db, self.bpa.actor,
                              "municipality", limit=1000)
        if self.editing:
            self._set_busy(True)
            self.call_service("load", load_for_edit, self.bpa.db, self.bpa.actor, self.kind, self.record_id)
        else:
            for row in self.rows():
                row.initial = row.raw_value()
            self.call_after_refresh(self._focus_first)

    def _focus_first(self) -> None:
        for row in self.rows():
            if row.readonly is None:
                row.focus_editor()
                return

    def _set_busy(self, busy: bool) -> None:
        self.query_one("#save", Button).disabled = busy

    # -- answers from workers -------------------------------------------------------------
    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        if result.tag == "municipalities":
            if result.error is None:
                options = sorted(((m.name, m.id) for m in result.value.rows), key=lambda o: o[0])
                for row in self.rows():
                    if row.spec.ref_kind == "municipality":
                        row.set_options(options)
            return
        if result.tag == "load":
            self._loaded(result)
        elif result.tag == "save":
            self._saved(result)

    def _loaded(self, result: ServiceResult) -> None:
        if result.error is not None:
            self._banner(describe_error(result.error))
            return
        record, names = result.value
        self.record = record
        self.version = record.version
        self.query_one("#title", Static).update(Text(self._title(record)))
        for row in self.rows():
            if row.readonly is not None:
                shown = names.get(row.spec.name, getattr(record, row.spec.name, ""))
                row.query_one(".readonly", Static).update(Text(str(shown or "")))
                continue
            row.set_value(getattr(record, row.spec.name, None))
        self._set_busy(False)
        self._focus_first()

    def _saved(self, result: ServiceResult) -> None:
        self.saving = False
        self._set_busy(False)
        error = result.error
        if error is None:
            self.dismiss(result.value)
            return
        if isinstance(error, ValidationError):
            first: FieldRow | None = None
            loose: list[str] = []
            for problem in error.errors:
                row = self.row(problem.field)
                if row is None:
                    loose.append(translate(problem.message))
                    continue
                row.show_error(for_spec_field(row.spec.label, problem.message))
                first = first or row
            self._banner(" ".join(loose) or _("The record was not saved: fix the marked fields."))
            if first is not None:
                first.focus_editor()
        elif isinstance(error, Conflict):
            self._banner(_("Someone else changed this record after you opened it. Your input is kept: "
                           "close the form, reopen the record to see their change, then make yours again."))
        else:
            self._banner(describe_error(error))

    def _banner(self, message: str) -> None:
        banner = self.query_one("#banner", Static)
        banner.update(Text(message))
        banner.set_class(not message, "-empty")

    # -- actions ---------------------------------------------------------------------------
    def data(self) -> dict[str, Any]:
        """Create: every filled field. Edit: only what changed."""
        out: dict[str, Any] = {}
        for row in self.rows():
            if self.editing:
                if row.changed:
                    out[row.spec.name] = row.raw_value()
            else:
                value = row.raw_value()
                if value not in ("", None, False) or row.spec.kind == "bool":
                    out[row.spec.name] = value
        return out

    def action_save(self) -> None:
        if self.saving or (self.editing and self.record is None):
            return
        problems = [r for r in self.rows() if r.validate(force=True)]
        if problems:
            self._banner(_("Not saved: fix the marked fields first."))
            problems[0].focus_editor()
            return
        data = self.data()
        if self.editing and not data:
            self.dismiss(None)
            return
        self._banner("")
        self.saving = True
        self._set_busy(True)
        db, actor = self.bpa.db, self.bpa.actor
        if self.editing:
            self.call_service("save", records.update, db, actor, self.kind, self.record_id, self.version, data)
        else:
            self.call_service("save", records.create, db, actor, self.kind, data)

    def action_cancel(self) -> None:
        if any(r.changed for r in self.rows()):
            question = ConfirmScreen(_("Discard your changes?"), yes=_("Discard"), no=_("Keep editing"))
            self.app.push_screen(question, lambda discard: self.dismiss(None) if discard else None)
        else:
            self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()
