"""The record form: a modal generated from `records.SPECS` to create or edit any registry record.

- Each field validates as it is typed (`records.check_field`); the message stands under it.
- Save (Ctrl+S or F2) is refused while a field has a problem, and the first such field is focused.
- The service validates again on save; its `ValidationError` marks the fields it names.
- A save refused because someone else changed the record (`Conflict`) says so and keeps the input.
- Esc on a changed form asks before throwing the changes away.
- An edit sends only the fields that changed, with the version that was read.
Every form of the app keeps these promises through `FormScreen` (screens/form_base.py).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.errors import FieldError
from bpa_provider.i18n import N_, _
from bpa_provider.screens import labels
from bpa_provider.screens.form_base import FormScreen, save_keys
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.ui import describe_error, field_message
from bpa_provider.screens.widgets.fields import FieldRow
from bpa_provider.services import records


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


class RecordForm(FormScreen):
    """Create (`record_id` None) or edit one record; dismisses with the saved record or None.

    `preset` fixes fields on create, e.g. a decision made from a client's screen:
    {"client_id": ("K-0042", "K-0042 Kari Nordmann")} — the value sent and the text shown.
    """

    DEFAULT_CSS = """
    RecordForm #dialog { width: 96; }
    RecordForm #title { height: 1; }
    """

    BINDINGS = [
        *save_keys(),
        Binding("escape", "cancel", N_("Cancel")),
    ]

    CONFLICT = N_(
        "Someone else changed this record after you opened it. Your input is kept: "
        "close the form, reopen the record to see their change, then make yours again."
    )
    NOT_SAVED = N_("The record was not saved: fix the marked fields.")

    def __init__(
        self, kind: str, record_id: int | None = None, preset: dict[str, tuple[Any, str]] | None = None
    ) -> None:
        super().__init__()
        self.kind = kind
        self.spec = records.SPECS[kind]
        self.record_id = record_id
        self.preset = preset or {}
        self.version: int | None = None
        self.record: Any = None

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
            yield from self.buttons()

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
        if any(r.spec.kind == "ref" and r.spec.ref_kind == "municipality" and r.readonly is None for r in self.rows()):
            self.call_service(
                "municipalities", records.list_records, self.bpa.db, self.bpa.actor, "municipality", limit=1000
            )
        if self.editing:
            self.set_busy(True)
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

    # -- answers from workers (saving is the base's) ---------------------------------------
    def answer(self, result: ServiceResult) -> None:
        if result.tag == "municipalities":
            if result.error is None:
                options = sorted(((m.name, m.id) for m in result.value.rows), key=lambda o: o[0])
                for row in self.rows():
                    if row.spec.ref_kind == "municipality":
                        row.set_options(options)
        elif result.tag == "load":
            self._loaded(result)

    def _loaded(self, result: ServiceResult) -> None:
        if result.error is not None:
            self.banner(describe_error(result.error))
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
        self.set_busy(False)
        self._focus_first()

    def show_problem(self, problem: FieldError) -> FieldRow | None:
        row = self.row(problem.field)
        if row is not None:
            row.show_error(field_message(labels.label(row.spec.label), problem))
        return row

    def loose_problem(self, problem: FieldError) -> str:
        return problem.localized()

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
        if self.refuse([r for r in self.rows() if r.validate(force=True)]):
            return
        data = self.data()
        if self.editing and not data:
            self.dismiss(None)
            return
        self.begin_save()
        db, actor = self.bpa.db, self.bpa.actor
        if self.editing:
            self.call_service("save", records.update, db, actor, self.kind, self.record_id, self.version, data)
        else:
            self.call_service("save", records.create, db, actor, self.kind, data)
