"""The shift form: plan a shift, change one, cancel it, give it to another assistant, or
acknowledge a working-time warning on it with a comment. One modal, five modes.

It follows the record form's habits (screens/form_base.py):
- times are checked as they are typed, on the client's local clock (`roster.to_utc`,
  `roster.end_to_utc`: a time in the spring-forward gap "does not exist"); the message stands
  under the field;
- the service checks again on save; a blocking working-time rule comes back as a `ValidationError`
  whose message ("NO-OVERLAP: … (law)") is shown under the field it names (start, or assistant
  for credential rules) and nothing is saved;
- a save refused because someone changed the shift meanwhile (`Conflict`) says so and keeps
  the input; Esc on a changed form asks before throwing the changes away;
- an edit sends only what changed, with the version that was read.
Saving happens in a worker; the form dismisses with what the service returned.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.errors import FieldError, NotFound, ValidationError, localized
from bpa_provider.formats import format_datetime
from bpa_provider.i18n import N_, _
from bpa_provider.screens import labels
from bpa_provider.screens.form_base import FormScreen, save_keys
from bpa_provider.screens.typed_checks import text_problem
from bpa_provider.screens.ui import field_message, hours
from bpa_provider.screens.widgets.fields import FieldRow, show_line
from bpa_provider.services import records, roster
from bpa_provider.services.roster import SaveResult, ShiftView
from bpa_provider.services.worktime import acknowledge_warning

MODES = ("new", "edit", "cancel", "reassign", "ack")
KINDS = ("active", "passive", "night")
DATETIME_HINT = "dd.mm.yyyy HH:MM"
ASSISTANT = records.FieldSpec("assistant_id", N_("Assistant"), kind="ref", required=True, ref_kind="assistant")
NEW_ASSISTANT = records.FieldSpec("assistant_id", N_("New assistant"), kind="ref", required=True, ref_kind="assistant")
MAX_TEXT = {"note": 500, "reason": 200, "comment": 500}


def roster_words(label: str, limit: int) -> dict[str, str]:
    """The roster service's own words for a text's problems (services/roster.py `_text`), with the label."""
    return {
        "control": field_message(label, N_("contains control characters; remove them")),
        "long": _("{field} is too long (at most {n} characters)").format(field=label, n=limit),
    }


# --------------------------------------------------------------------------- saving (in a worker)


def _assistant_id(db: Database, actor: Actor, ref: str) -> int:
    try:
        return records.find_id(db, actor, "assistant", ref)
    except NotFound as exc:
        raise ValidationError(FieldError("assistant_id", exc.template, params=exc.params)) from None


def save_new(
    db: Database, actor: Actor, client_id: int, assistant: str, start: str, end: str, kind: str, note: str
) -> SaveResult:
    """Plan one shift for the assistant named by reference (as the look-up resolved it)."""
    return roster.create_shift(
        db, actor, client_id, _assistant_id(db, actor, assistant), start, end, kind=kind, note=note
    )


def save_reassign(
    db: Database, actor: Actor, shift_id: int, version: int | None, assistant: str, reason: str
) -> SaveResult:
    """Give the shift to the assistant named by reference."""
    return roster.reassign_shift(db, actor, shift_id, version, _assistant_id(db, actor, assistant), reason=reason)


def local_text(moment: datetime) -> str:
    """A local time as the form shows and accepts it."""
    return moment.strftime("%d.%m.%Y %H:%M")


def describe_shift(shift: ShiftView) -> Text:
    """ "Tue 03.03.2026 08:00–16:00 (8 h) A-0001 Per Hansen" — the name stays plain text."""
    line = Text(f"{format_datetime(shift.start)}–{shift.end:%H:%M} (" + _("{h} h").format(h=hours(shift.hours)) + ") ")
    line.append(f"{shift.assistant_ref} ")
    line.append(shift.assistant_name)
    return line


def _text_input(value: str = "", placeholder: str = "") -> Input:
    return Input(value, placeholder=placeholder, compact=True, classes="editor")


class ShiftField(Vertical):
    """A label and its editor on one line; the error (or a hint) below."""

    DEFAULT_CSS = """
    ShiftField { height: auto; }
    ShiftField > Horizontal { height: auto; }
    ShiftField .label { width: 16; padding-right: 1; }
    ShiftField .editor { width: 1fr; }
    ShiftField .hint { padding-left: 16; color: $text-muted; height: auto; }
    ShiftField .error { padding-left: 16; color: $text-error; text-style: bold; height: auto; }
    ShiftField .hint.-empty, ShiftField .error.-empty { display: none; }
    """

    def __init__(self, name: str, label: str, editor: Widget, *, required: bool = False, hint: str = "") -> None:
        super().__init__(id=f"f-{name}")
        self.field_name = name
        self.label = label
        self.required = required
        self.hint = hint
        self._editor = editor
        self.initial: Any = None
        self.touched = False

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(Text(self.label + (" *" if self.required else "")), classes="label")
            yield self._editor
        yield Static(Text(self.hint), classes="hint" + ("" if self.hint else " -empty"))
        yield Static("", classes="error -empty")

    @property
    def editor(self) -> Widget:
        return self._editor

    @property
    def value(self) -> str:
        ed = self._editor
        if isinstance(ed, Select):
            return "" if ed.is_blank() else str(ed.value)
        if isinstance(ed, Input):
            return ed.value
        return ""

    @property
    def changed(self) -> bool:
        return self.value != self.initial

    def show_error(self, message: str | None) -> None:
        show_line(self.query_one(".error", Static), message)

    def focus_editor(self) -> None:
        if self._editor.focusable:
            self._editor.focus()
        self.scroll_visible()


class ShiftFieldForm(FormScreen):
    """A form of ShiftFields (the shift and rota-pattern forms): finding a field, the "required"
    check every field shares, and showing a field's problem once it was touched (or on save).
    A subclass says what else is wrong with a typed value in `field_problem`."""

    def fields(self) -> list[ShiftField]:
        return list(self.query(ShiftField))

    def field(self, name: str) -> ShiftField | None:
        return next((f for f in self.fields() if f.field_name == name), None)

    def problem(self, name: str) -> str | None:
        """The field's problem as a sentence, or None (the same checks the service makes first)."""
        f = self.field(name)
        if f is None:
            return None
        value = f.value.strip()
        if f.required and not value:
            return _("{field} is required").format(field=f.label)
        return self.field_problem(name, f, value)

    def field_problem(self, name: str, f: ShiftField, value: str) -> str | None:
        return None

    def validate(self, name: str, *, force: bool = False) -> str | None:
        message = self.problem(name)
        f = self.field(name)
        if f is not None and (force or f.touched):
            f.show_error(message)
        return message


class ShiftForm(ShiftFieldForm):
    """Dismisses with the service's answer (SaveResult, the cancelled Shift, or the RuleAck), or
    None when closed without saving."""

    DEFAULT_CSS = """
    ShiftForm #dialog { width: 76; }
    ShiftForm #summary { color: $text-muted; height: auto; }
    ShiftForm FieldRow .label { width: 16; }
    ShiftForm FieldRow .note, ShiftForm FieldRow .error { padding-left: 16; }
    ShiftForm #rule-detail { padding-left: 16; height: auto; }
    """

    BINDINGS = [
        *save_keys(),
        Binding("escape", "close", N_("Close")),
    ]

    CONFLICT = N_(
        "Someone else changed this shift after you opened it. Your input is kept: "
        "close the form, look at their change in the week, then make yours again."
    )

    def __init__(
        self,
        mode: str,
        *,
        client_id: int,
        client_label: str,
        tz: str,
        shift: ShiftView | None = None,
        day: date | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown shift form mode {mode!r}")
        super().__init__()
        self.mode = mode
        self.client_id = client_id
        self.client_label = client_label
        self.tz = tz
        self.shift = shift
        self.day = day

    # -- layout ----------------------------------------------------------------------------
    def _title(self) -> str:
        return {
            "new": _("New shift for {client}"),
            "edit": _("Change shift of {client}"),
            "cancel": _("Cancel a shift of {client}"),
            "reassign": _("Give a shift of {client} to another assistant"),
            "ack": _("Acknowledge a warning on a shift of {client}"),
        }[self.mode].format(client=self.client_label)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self._title()), id="title")
            if self.shift is not None:
                yield Static(describe_shift(self.shift), id="summary")
            with VerticalScroll(id="fields"):
                yield from self._fields()
            yield Static("", id="banner", classes="-empty")
            yield from self.buttons(
                self._save_label(), variant="warning" if self.mode == "cancel" else "primary", cancel=_("Close (Esc)")
            )

    def _save_label(self) -> str:
        return {
            "cancel": _("Cancel the shift (Ctrl+S)"),
            "ack": _("Acknowledge (Ctrl+S)"),
            "reassign": _("Reassign (Ctrl+S)"),
        }.get(self.mode, _("Save (Ctrl+S)"))

    def _fields(self) -> list[Widget]:
        s = self.shift
        text_input = _text_input
        if self.mode in ("new", "edit"):
            start = local_text(s.start) if s else (self.day.strftime("%d.%m.%Y") + " 08:00" if self.day else "")
            end = local_text(s.end) if s else "16:00"
            kind = Select(
                [(labels.choice(k), k) for k in KINDS],
                value=s.kind if s else "active",
                allow_blank=False,
                compact=True,
                classes="editor",
            )
            out: list[Widget] = []
            if self.mode == "new":
                out.append(FieldRow("shift", ASSISTANT, editing=False))
            out += [
                ShiftField("start", _("Start"), text_input(start, DATETIME_HINT), required=True),
                ShiftField(
                    "end",
                    _("End"),
                    text_input(end, _("HH:MM or ") + DATETIME_HINT),
                    required=True,
                    hint=_("A time at or before the start ends the next day."),
                ),
                ShiftField("kind", _("Kind"), kind),
                ShiftField("note", _("Note"), text_input(s.note if s else "")),
            ]
            return out
        if self.mode == "cancel":
            return [ShiftField("reason", _("Reason"), text_input("", _("e.g. client away")))]
        if self.mode == "reassign":
            return [
                FieldRow("shift", NEW_ASSISTANT, editing=False),
                ShiftField("reason", _("Reason"), text_input("", _("e.g. sick"))),
            ]
        # ack: the shift's warnings (blocking rules cannot be acknowledged, only fixed)
        warnings = [v for v in (s.violations if s else ()) if v.severity != "block"]
        options = [(v.rule_id + (" " + _("(acknowledged)") if v.acknowledged else ""), v.rule_id) for v in warnings]
        first = next((v for v in warnings if not v.acknowledged), warnings[0] if warnings else None)
        rule = Select(
            options,
            value=first.rule_id if first else Select.NULL,
            allow_blank=not options,
            compact=True,
            classes="editor",
        )
        return [
            ShiftField("rule_id", _("Rule"), rule, required=True),
            Static(self._rule_text(first.rule_id if first else ""), id="rule-detail"),
            ShiftField(
                "comment",
                _("Comment"),
                text_input(first.ack_comment if first else "", _("why this is acceptable")),
                required=True,
            ),
        ]

    def _rule_text(self, rule_id: str) -> Text:
        v = next((v for v in (self.shift.violations if self.shift else ()) if v.rule_id == rule_id), None)
        if v is None:
            return Text("")
        out = Text(v.detail)
        if v.law:
            out.append(f" ({_(v.law)})")
        return out

    def assistant_row(self) -> FieldRow | None:
        found = self.query(FieldRow)
        return found.first() if found else None

    def rows(self) -> list[Widget]:
        """The assistant look-up (new, reassign) and the other fields: what `changed` looks at."""
        row = self.assistant_row()
        return [*([row] if row is not None else []), *self.fields()]

    def on_mount(self) -> None:
        for f in self.fields():
            f.initial = f.value
        row = self.assistant_row()
        if row is not None:
            row.initial = row.raw_value()
        self.call_after_refresh(self._focus_first)

    def _focus_first(self) -> None:
        row = self.assistant_row()
        if row is not None:
            row.focus_editor()
            return
        fields = self.fields()
        if fields:
            fields[0].focus_editor()

    # -- checking as typed -----------------------------------------------------------------
    def _start_utc(self) -> datetime | None:
        f = self.field("start")
        if f is None:
            return self.shift.start if self.shift else None
        try:
            return roster.to_utc(f.value.strip(), self.tz)
        except ValueError:
            return None

    def field_problem(self, name: str, f: ShiftField, value: str) -> str | None:
        if name == "start":
            try:
                roster.to_utc(value, self.tz)
            except ValueError as exc:
                return f"{f.label}: {localized(exc)}"
        elif name == "end":
            start = self._start_utc()
            if start is None:
                return None  # the start's own message says what to fix first
            try:
                end = roster.end_to_utc(value, start, self.tz)
            except ValueError as exc:
                return f"{f.label}: {localized(exc)}"
            if end <= start:
                return _("The shift must end after it starts")
            if end - start > roster.MAX_SHIFT:
                return _("A shift can be at most {h} hours long").format(
                    h=int(roster.MAX_SHIFT.total_seconds() // 3600)
                )
        elif name in MAX_TEXT:
            return text_problem(
                value, f.label, MAX_TEXT[name], multiline=name == "note", own=roster_words(f.label, MAX_TEXT[name])
            )
        return None

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        f = next((a for a in event.input.ancestors if isinstance(a, ShiftField)), None)
        if f is None or not self.is_mounted:
            return
        f.touched = f.touched or f.changed
        self.validate(f.field_name)
        if f.field_name == "start" and self.field("end") is not None:
            self.validate("end")  # "16:00" means another instant when the start moves

    @on(Select.Changed)
    def _chosen(self, event: Select.Changed) -> None:
        if self.mode == "ack" and self.is_mounted:
            rule = "" if event.select.is_blank() else str(event.value)
            for detail in self.query("#rule-detail").results(Static):
                detail.update(self._rule_text(rule))

    # -- saving ----------------------------------------------------------------------------
    def action_save(self) -> None:
        if self.saving:
            return
        problems: list[Widget] = []
        row = self.assistant_row()
        if row is not None and row.validate(force=True):
            problems.append(row)
        # Every field is checked (and its message shown), not only up to the first problem.
        problems += [f for f in self.fields() if self.validate(f.field_name, force=True)]
        if self.refuse(problems):
            return
        call = self._call()
        if call is None:
            self.dismiss(None)  # an edit that changed nothing
            return
        self.begin_save()
        fn, args, kwargs = call
        self.call_service("save", fn, self.bpa.db, self.bpa.actor, *args, **kwargs)

    def _call(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None:
        value = {f.field_name: f.value.strip() for f in self.fields()}
        row = self.assistant_row()
        s = self.shift
        if self.mode == "new":
            assert row is not None
            return (
                save_new,
                (self.client_id, row.raw_value(), value["start"], value["end"], value["kind"], value["note"]),
                {},
            )
        assert s is not None
        if self.mode == "edit":
            changes = {f.field_name: f.value.strip() for f in self.fields() if f.changed}
            if not changes:
                return None
            return roster.update_shift, (s.id, s.version), changes
        if self.mode == "cancel":
            return roster.cancel_shift, (s.id, s.version, value["reason"]), {}
        if self.mode == "reassign":
            assert row is not None
            return save_reassign, (s.id, s.version, row.raw_value(), value["reason"]), {}
        return acknowledge_warning, (s.id, value["rule_id"], value["comment"]), {}

    def show_problem(self, problem: FieldError) -> Widget | None:
        # A credential rule names the assistant; the others name a field (start, kind, …).
        row = self.assistant_row() if problem.field == "assistant_id" else None
        target: FieldRow | ShiftField | None = row if row is not None else self.field(problem.field)
        if target is not None:
            target.show_error(problem.localized())
        return target

    def banner_text(self) -> str:
        return str(self.query_one("#banner", Static).render())

    # -- closing ---------------------------------------------------------------------------
    def action_close(self) -> None:
        # Esc and the button say "Close": "Cancel" would read as cancelling the shift (a mode here).
        self.action_cancel()
