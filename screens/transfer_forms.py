"""Modal forms of the transfer screens: open a transfer, do a step, inform an assistant, record a
written refusal or the client's consent, cancel, export and import a handover package.

Every form is a `TransferForm` and behaves like the record forms (screens/form_base.py):
- fields are declared as `Field`s and checked as they are typed (required, dates, length); the
  message stands under the field, shown once the person has touched it;
- Save (Ctrl+S or F2) is refused while a field has a problem, and the first one is focused;
- the service decides everything else: its `ValidationError` is marked on the fields it names
  (a step out of order is refused under the step, in the workflow rules' own words) and the rest
  is listed above the buttons; a `Conflict` says someone else changed the transfer and keeps the
  input; any other error is worded by `describe_error`;
- Esc on a changed form asks before discarding.
Services run in thread workers (`ServiceCaller`); a form dismisses with what the service returned
(a `TransferView`, an `ExportResult` or an `ImportResult`), or None when cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
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
from bpa_provider.i18n import N_, _
from bpa_provider.rules.dates import parse_date
from bpa_provider.screens.form_base import FormScreen, focus_problem
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.ui import describe_error, field_message
from bpa_provider.screens.widgets.fields import FieldRow, show_line
from bpa_provider.screens.widgets.tickbox import TickBox
from bpa_provider.services import handover, records, transfers
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


def check_text(label: str, text: str, max_len: int) -> str | None:
    """Length and control characters, as the services check them, while the person types."""
    if len(text) > max_len:
        return _("{label} is too long (at most {n} characters)").format(label=label, n=max_len)
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in text):
        return _("{label} contains control characters").format(label=label)
    return None


def parsed_date(raw: Any) -> date | None:
    """The date typed in a field, or None when it is empty or not a date."""
    try:
        return parse_date(str(raw or ""))
    except ValueError:
        return None


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
        """The field's own problem (required, date, length); the form adds cross-field ones."""
        f = self.field
        if f.kind == "check":
            return None
        text = str(self.raw_value() or "").strip()
        if not text:
            return field_message(f.label, "is required") if f.required else None
        if f.kind == "date":
            try:
                parse_date(text)
            except ValueError as exc:
                return field_message(f.label, exc)
        if f.kind == "text":
            return check_text(f.label, text, f.max_len)
        return None

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

    def cross_check(self, values: dict[str, Any]) -> dict[str, str]:
        """Problems that involve several fields, by field name."""
        return {}

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


# --------------------------------------------------------------------------- opening


DIRECTION_CHOICES = (
    ("out", N_("out: the client leaves us")),
    ("in", N_("in: the client comes to us")),
)


class OpenTransferForm(TransferForm):
    """Open a transfer: the notice step is recorded on the notice date; the service computes the
    effective date from the municipality's notice period unless an agreed date is given."""

    def heading(self) -> str:
        return _("New transfer")

    def intro(self) -> Text | None:
        return Text(
            _(
                "Opening a transfer records the notice. The effective date is the notice date plus "
                "the municipality's notice period, unless you enter an agreed date."
            )
        )

    def lookups(self) -> list[FieldRow]:
        spec = records.FieldSpec("client", N_("Client"), kind="ref", ref_kind="client", required=True)
        return [FieldRow("transfer", spec, editing=False)]

    def fields(self) -> list[Field]:
        return [
            Field(
                "direction",
                _("Direction"),
                "select",
                True,
                "out",
                tuple((_(label), code) for code, label in DIRECTION_CHOICES),
            ),
            Field("counterpart", _("Other provider"), required=True, max_len=200),
            Field("notice_date", _("Notice date"), "date", True, self.today_text()),
            Field(
                "agreed_date", _("Agreed date"), "date", hint=_("Leave empty to use the municipality's notice period.")
            ),
        ]

    def cross_check(self, values: dict[str, Any]) -> dict[str, str]:
        notice, agreed = parsed_date(values.get("notice_date")), parsed_date(values.get("agreed_date"))
        if notice and agreed and agreed < notice:
            return {
                "agreed_date": _("The agreed date cannot be before the notice date ({date})").format(
                    date=format_date(notice)
                )
            }
        return {}

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        self.call_service(
            "save",
            transfers.open_transfer,
            app.db,
            app.actor,
            values["client"],
            values["direction"],
            values["counterpart"],
            values["notice_date"],
            values["agreed_date"] or None,
            today=app.today,
            policy=app.settings.policy,
        )


# --------------------------------------------------------------------------- steps


class StepForm(TransferForm):
    """Record a step as done on a date, with a note. The step list offers every step not yet
    done; the next one is chosen unless the person came from another step's row."""

    def __init__(self, view: TransferView, code: str | None = None) -> None:
        super().__init__(view)
        self.code = code or view.next_step or ""

    def heading(self) -> str:
        assert self.view is not None
        return _("Transfer {id}: record a step").format(id=self.view.id)

    def intro(self) -> Text | None:
        return self.about()

    def fields(self) -> list[Field]:
        assert self.view is not None
        open_steps = tuple((_(s.title), s.code) for s in self.view.steps if s.done_on is None)
        return [
            Field("step", _("Step"), "select", True, self.code, open_steps),
            Field("on", _("Done on"), "date", True, self.today_text()),
            Field("note", _("Note")),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self._describe(self.code)

    def edited(self, name: str) -> None:
        if name == "step":
            self._describe(self.input_row("step").raw_value())

    def _describe(self, code: str) -> None:
        """Under the step: whose step it is, its basis, its due date, what cut-over does."""
        assert self.view is not None
        step = next((s for s in self.view.steps if s.code == code), None)
        if step is None:
            return
        parts = []
        if step.reported:
            parts.append(_("the new provider's step, recorded as reported to us"))
        if step.law:
            parts.append(step.law)
        if step.due_date:
            parts.append(_("due {date}").format(date=format_date(step.due_date)))
        if code == "cutover":
            parts.append(
                _("ends the client's assignments, rota and planned shifts with us")
                if self.view.direction == "out"
                else _("creates employments and assignments from the handover package")
            )
        self.input_row("step").set_note("; ".join(parts))

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        assert self.view is not None
        self.call_service(
            "save",
            transfers.complete_step,
            app.db,
            app.actor,
            self.view.id,
            values["step"],
            values["on"],
            values["note"],
            policy=app.settings.policy,
            **self.common(),
        )


# --------------------------------------------------------------------------- assistants


def assistant_options(view: TransferView, *, informed: bool | None = None) -> tuple[tuple[str, str], ...]:
    """The transfer's assistants as select options (only informed / uninformed ones when asked)."""
    return tuple(
        (f"{a.ref} {a.name}", a.ref)
        for a in view.assistants
        if informed is None or (a.informed_on is not None) == informed
    )


class InformForm(TransferForm):
    """Record that an assistant was informed (aml. § 16-6) and their deadline to refuse in writing.

    The deadline follows the informed date (+ the policy's minimum, 14 days) until the person
    types one; an earlier deadline is refused under the field as it is typed (§ 16-3).
    """

    def __init__(self, view: TransferView, assistant_ref: str | None = None) -> None:
        super().__init__(view)
        pending = [a.ref for a in view.assistants if a.informed_on is None]
        self.assistant_ref = assistant_ref or (
            pending[0] if pending else (view.assistants[0].ref if view.assistants else "")
        )
        self.deadline_typed = False

    @property
    def min_days(self) -> int:
        return self.bpa.settings.policy.refusal_min_days

    def heading(self) -> str:
        assert self.view is not None
        return _("Transfer {id}: assistant informed").format(id=self.view.id)

    def intro(self) -> Text | None:
        out = self.about()
        out.append(
            "\n"
            + _(
                "Every assistant must be told in writing and given at least {n} days to refuse "
                "(arbeidsmiljøloven § 16-3, § 16-6)."
            ).format(n=self.bpa.settings.policy.refusal_min_days)
        )
        return out

    def fields(self) -> list[Field]:
        assert self.view is not None
        today = self.bpa.today
        return [
            Field("assistant", _("Assistant"), "select", True, self.assistant_ref, assistant_options(self.view)),
            Field("on", _("Informed on"), "date", True, format_date(today)),
            Field("deadline", _("Refusal deadline"), "date", True, format_date(today + timedelta(days=self.min_days))),
        ]

    def edited(self, name: str) -> None:
        if name == "deadline":
            self.deadline_typed = True
        elif name == "on" and not self.deadline_typed:
            informed = parsed_date(self.input_row("on").raw_value())
            if informed is not None:
                self.input_row("deadline").set_value(format_date(informed + timedelta(days=self.min_days)))

    def cross_check(self, values: dict[str, Any]) -> dict[str, str]:
        informed, until = parsed_date(values.get("on")), parsed_date(values.get("deadline"))
        if informed and until and until < informed + timedelta(days=self.min_days):
            return {
                "deadline": _(
                    "The refusal deadline must be at least {n} days after the assistant was informed ({informed}): "
                    "{earliest} or later"
                ).format(
                    n=self.min_days,
                    informed=format_date(informed),
                    earliest=format_date(informed + timedelta(days=self.min_days)),
                )
            }
        return {}

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        assert self.view is not None
        self.call_service(
            "save",
            transfers.inform_assistant,
            app.db,
            app.actor,
            self.view.id,
            values["assistant"],
            values["on"],
            values["deadline"],
            policy=app.settings.policy,
            **self.common(),
        )


class RefusalForm(TransferForm):
    """Record an assistant's written refusal to transfer, received by their deadline."""

    def __init__(self, view: TransferView, assistant_ref: str | None = None) -> None:
        super().__init__(view)
        candidates = [a.ref for a in view.assistants if a.informed_on is not None and a.refused_on is None]
        self.assistant_ref = assistant_ref or (candidates[0] if candidates else "")

    def heading(self) -> str:
        assert self.view is not None
        return _("Transfer {id}: written refusal").format(id=self.view.id)

    def intro(self) -> Text | None:
        assert self.view is not None
        out = self.about()
        if self.view.direction == "out":
            out.append(
                "\n"
                + _(
                    "An assistant who refuses in writing does not transfer: their employment with us "
                    "ends on {date} unless they work for other clients."
                ).format(date=format_date(self.view.effective_date - timedelta(days=1)))
            )
        return out

    def fields(self) -> list[Field]:
        assert self.view is not None
        return [
            Field("assistant", _("Assistant"), "select", True, self.assistant_ref, assistant_options(self.view)),
            Field(
                "on",
                _("Refused on"),
                "date",
                True,
                self.today_text(),
                hint=_("The date the written refusal was received."),
            ),
        ]

    def edited(self, name: str) -> None:
        if name == "assistant":
            self._show_deadline()

    def on_mount(self) -> None:
        super().on_mount()
        self._show_deadline()

    def _show_deadline(self) -> None:
        assert self.view is not None
        ref = self.input_row("assistant").raw_value()
        person = next((a for a in self.view.assistants if a.ref == ref), None)
        note = ""
        if person is not None and person.refusal_deadline is not None:
            note = _("Informed {informed}; deadline {deadline}").format(
                informed=format_date(person.informed_on), deadline=format_date(person.refusal_deadline)
            )
        elif person is not None:
            note = _("Not informed yet: record that first (i on the transfer screen).")
        self.input_row("assistant").set_note(note)

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        assert self.view is not None
        self.call_service(
            "save",
            transfers.record_refusal,
            app.db,
            app.actor,
            self.view.id,
            values["assistant"],
            values["on"],
            policy=app.settings.policy,
            **self.common(),
        )


# --------------------------------------------------------------------------- consent, cancel


class ConsentForm(TransferForm):
    """Record the client's consent to hand over the client part of the package (or withdraw it)."""

    def heading(self) -> str:
        assert self.view is not None
        return _("Transfer {id}: client's consent").format(id=self.view.id)

    def intro(self) -> Text | None:
        out = self.about()
        out.append(
            "\n"
            + _(
                "With the client's consent the handover package also carries the decision, the "
                "supervisors, the rota pattern and the hour balance."
            )
        )
        return out

    def fields(self) -> list[Field]:
        assert self.view is not None
        given = self.view.client_consent_on
        out = [Field("on", _("Consent given on"), "date", False, format_date(given or self.bpa.today))]
        if given is not None:
            out.append(Field("withdraw", _("Withdraw consent"), "check", value=False))
        return out

    def cross_check(self, values: dict[str, Any]) -> dict[str, str]:
        if not values.get("withdraw") and not str(values.get("on") or "").strip():
            return {"on": field_message(_("Consent given on"), "is required")}
        return {}

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        assert self.view is not None
        withdraw = bool(values.get("withdraw"))
        self.call_service(
            "save",
            transfers.record_consent,
            app.db,
            app.actor,
            self.view.id,
            None if withdraw else values["on"],
            withdraw=withdraw,
            **self.common(),
        )


class CancelForm(TransferForm):
    """Cancel the transfer before cut-over; the steps done stay as history with the reason."""

    def heading(self) -> str:
        assert self.view is not None
        return _("Cancel transfer {id}").format(id=self.view.id)

    def intro(self) -> Text | None:
        out = self.about()
        out.append(
            "\n"
            + _(
                "The steps done stay as history. A cancelled transfer cannot be reopened; "
                "open a new one if the switch comes back."
            )
        )
        return out

    def save_label(self) -> str:
        return _("Cancel the transfer (Ctrl+S)")

    def fields(self) -> list[Field]:
        return [
            Field("reason", _("Reason"), required=True),
            Field("on", _("Date"), "date", True, self.today_text()),
        ]

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        assert self.view is not None
        self.call_service(
            "save",
            transfers.cancel_transfer,
            app.db,
            app.actor,
            self.view.id,
            values["reason"],
            values["on"],
            **self.common(),
        )


# --------------------------------------------------------------------------- handover package


class ExportForm(TransferForm):
    """Write the handover package (JSON + Markdown) of an outgoing transfer into a folder."""

    aliases = {"out_dir": "out_dir"}

    def __init__(self, view: TransferView, folder: str | None = None) -> None:
        super().__init__(view)
        self.folder = folder if folder is not None else str(Path.cwd())

    def heading(self) -> str:
        assert self.view is not None
        return _("Transfer {id}: export the handover package").format(id=self.view.id)

    def intro(self) -> Text | None:
        assert self.view is not None
        out = self.about()
        part = (
            _("included (consent {date})").format(date=format_date(self.view.client_consent_on))
            if self.view.client_consent_on
            else _("not included (no consent recorded)")
        )
        out.append("\n" + _("Client part: {part}.").format(part=part))
        out.append(
            "\n"
            + _(
                "The file holds national IDs and pay: it is written readable by you only. "
                "Recording it as sent is the step \u201cHandover sent\u201d."
            )
        )
        return out

    def save_label(self) -> str:
        return _("Export (Ctrl+S)")

    def fields(self) -> list[Field]:
        return [Field("out_dir", _("Folder"), required=True, value=self.folder, max_len=4096)]

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        assert self.view is not None
        # The sender's name is the one of the provider's signing key (provider init).
        self.call_service(
            "save", handover.export_package, app.db, app.actor, self.view.id, str(values["out_dir"]).strip()
        )


def check_package_file(path: str) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """Read a package file and validate it without touching the database (for "Check file")."""
    p = Path(path.strip()).expanduser()
    try:
        with p.open("rb") as fh:
            raw = fh.read(handover.MAX_PACKAGE_BYTES + 1)
    except OSError as exc:
        return None, [FieldError("file", _("Cannot read {path}: {why}").format(path=p, why=exc.strerror or exc))]
    return handover.validate_package(raw)


class ImportForm(TransferForm):
    """Import a handover package: everything is validated first and a bad file is refused with every
    problem listed and nothing written. F3 checks the file without importing it."""

    BINDINGS = [Binding("f3", "check", N_("Check file"))]

    def heading(self) -> str:
        return _("Import a handover package")

    def intro(self) -> Text | None:
        return Text(
            _(
                "Opens the incoming transfer (or updates it with a newer package) with the client "
                "and the assistants from the file. Nothing is written unless the whole file is valid."
            )
        )

    def save_label(self) -> str:
        return _("Import (Ctrl+S)")

    def fields(self) -> list[Field]:
        return [
            Field(
                "file",
                _("Package file"),
                required=True,
                max_len=4096,
                placeholder=_("path to handover-….json"),
                hint=_("F3 checks the file without importing it."),
            )
        ]

    def action_check(self) -> None:
        row = self.input_row("file")
        message = row.problem()
        if message:
            row.show_error(message)
            row.focus_editor()
            return
        row.show_error(None)
        self.banner(_("Checking…"))
        self.call_service("check", check_package_file, str(row.raw_value()))

    def answer(self, result: ServiceResult) -> None:
        if result.tag != "check":
            return
        if result.error is not None:
            self.banner(describe_error(result.error))
            return
        doc, problems = result.value
        if problems:
            self.refused(
                ValidationError(problems),
                _("The file is not a valid package. Problems found: {n}").format(n=len(problems)),
            )
            return
        n = len(doc["employment_part"]["assistants"])
        self.banner("")
        self.input_row("file").set_note(
            Text(
                _(
                    "Valid package from {sender}: client {client}, stage {stage}, {n} assistant(s), client part {part}."
                ).format(
                    sender=doc["from_provider"]["name"],
                    client=doc["client"]["name"],
                    stage=doc["stage"],
                    n=n,
                    part=_("included") if doc["client_part"] is not None else _("not included"),
                )
            )
        )

    def refused(self, error: ValidationError, lead: str | None = None) -> None:
        if lead is None:
            lead = _("Nothing was imported. Problems found: {n}").format(n=len(error.errors))
        super().refused(error, lead)

    def submit(self, values: dict[str, Any]) -> None:
        app = self.bpa
        self.call_service(
            "save",
            handover.import_package,
            app.db,
            app.actor,
            str(values["file"]).strip(),
            today=app.today,
            policy=app.settings.policy,
        )
