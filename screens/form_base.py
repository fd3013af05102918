"""What every modal form of the app does the same way, in one place.

A form declares its fields, labels, key bindings and messages; `FormScreen` keeps its promises:
- Save (Ctrl+S or F2, and the Save button) is refused while a field has a problem: `refuse` says
  so in the banner and focuses the first such field;
- `begin_save` clears the banner and disables Save while the service runs in a worker (tag
  "save"); the form dismisses with what the service returned;
- the service checks again: its `ValidationError` goes under the fields it names (`show_problem`)
  and the rest into the banner (`refused`); a `Conflict` (someone else changed the record since
  the form read it) says so and keeps the input; any other error is worded by `describe_error`;
- Esc (and the Cancel button) on a changed form asks before throwing the changes away
  (`changed`);
- Enter in a text field moves to the next field.
Answers to a form's other calls (look-ups, loading the record) go to `answer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Static
from textual.widgets.button import ButtonVariant

from bpa_provider.errors import Conflict, FieldError, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.screens.calls import ServiceCaller
from bpa_provider.screens.confirm import ConfirmScreen
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.ui import TranslatedBindings, describe_error
from bpa_provider.screens.widgets.fields import show_line

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp


def save_keys(word: str = N_("Save")) -> list[Binding]:
    """Ctrl+S and F2 both save (F2 for terminals that take Ctrl+S for flow control); `word` is the
    footer's message id for what saving does here ("Save", "Copy", "End the record")."""
    return [Binding("ctrl+s", "save", word, priority=True), Binding("f2", "save", word, show=False, priority=True)]


# The refusal of a stale save, for forms that do not word their own.
CONFLICT = N_(
    "Someone else changed this record after you opened it. Your input is kept: close the "
    "form, look at their change, then make yours again."
)


def error_words(error: BaseException) -> str:
    """A refusal in words, for a banner or a notification; a validation error lists every problem."""
    if isinstance(error, ValidationError):
        return " ".join(e.localized() for e in error.errors)
    if isinstance(error, Conflict):
        return _(CONFLICT)
    return describe_error(error)


@runtime_checkable
class FieldWidget(Protocol):
    """A field row (label, editor, message) that knows how to put the cursor in its editor."""

    def focus_editor(self) -> None: ...


def focus_problem(widget: Widget) -> None:
    """Put the cursor on a field with a problem: a field row into its editor, an editor on itself."""
    if isinstance(widget, FieldWidget):
        widget.focus_editor()
    else:
        widget.focus()


class FormScreen(ServiceCaller, TranslatedBindings, ModalScreen[Any]):
    """The base of the app's forms; dismisses with the service's answer, or None when closed.

    Subclasses compose a `#dialog` holding a `#banner` (or override `banner`) and ending in
    `buttons()`, define `action_save`, and say what `changed` means for them (by default: one of
    `rows()` changed). Each declares its own BINDINGS (Ctrl+S and F2 save, Esc cancels): their
    words differ, and their order is the footer's. They must not define `on_service_result`:
    Textual would run this one as well (it walks the class hierarchy); `answer` is theirs.
    """

    # The frame every form shares; a form sets its dialog's width and styles its own fields.
    DEFAULT_CSS = """
    FormScreen { align: center middle; }
    FormScreen #dialog { max-width: 100%; height: auto; max-height: 100%;
                         border: round $accent; background: $surface; padding: 0 1; }
    FormScreen #title { text-style: bold; height: auto; }
    FormScreen #fields { height: auto; max-height: 1fr; }
    FormScreen #banner { height: auto; color: $text-error; text-style: bold; }
    FormScreen #banner.-empty { display: none; }
    FormScreen #buttons { height: 1; margin-top: 1; }
    FormScreen Button { margin-right: 2; }
    """

    #: The banner after a stale save (`Conflict`); a form may word it for what it saves.
    CONFLICT = CONFLICT
    #: The banner when the service marked fields and had nothing else to say.
    NOT_SAVED = N_("Not saved: fix the marked fields.")

    def __init__(self) -> None:
        super().__init__()
        self.translate_bindings()
        self.saving = False
        self.conflicted = False  # someone else changed the record: the screen behind may reload

    @property
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    # -- what subclasses say ---------------------------------------------------------------
    def rows(self) -> Sequence[Any]:
        """The form's field rows (each with a `changed` property)."""
        return []

    @property
    def changed(self) -> bool:
        """Whether Esc asks before closing: something was typed or chosen."""
        return any(r.changed for r in self.rows())

    def answer(self, result: ServiceResult) -> None:
        """Answers to calls with another tag than "save" (look-ups, loading)."""

    def show_problem(self, problem: FieldError) -> Widget | None:
        """Show a service's problem under the field it names; that field, or None when the form
        has no such field (the problem then goes into the banner)."""
        return None

    def loose_problem(self, problem: FieldError) -> str:
        """A problem no field took, as the banner says it."""
        return problem.localized()

    # -- the banner and the buttons --------------------------------------------------------
    def buttons(self, save: str = "", *, variant: ButtonVariant = "primary", cancel: str = "") -> ComposeResult:
        """The row that ends a dialog: Save (in the form's words, e.g. "Enroll (Ctrl+S)") and Cancel."""
        with Horizontal(id="buttons"):
            yield Button(save or _("Save (Ctrl+S)"), id="save", variant=variant, compact=True)
            yield Button(cancel or _("Cancel (Esc)"), id="cancel", compact=True)

    def banner(self, message: str) -> None:
        """The form-wide message above the buttons (hidden when empty)."""
        show_line(self.query_one("#banner", Static), message)

    def set_busy(self, busy: bool) -> None:
        self.query_one("#save", Button).disabled = busy

    # -- saving ----------------------------------------------------------------------------
    def refuse(self, problems: Sequence[Widget]) -> bool:
        """Before saving: True when a field has a problem; the banner says so and the first one
        is focused."""
        if not problems:
            return False
        self.banner(_("Not saved: fix the marked fields first."))
        focus_problem(problems[0])
        return True

    def begin_save(self) -> None:
        """The checks passed: the service is called now (Save stays disabled until it answers)."""
        self.banner("")
        self.saving = True
        self.set_busy(True)

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        if result.tag != "save":
            self.answer(result)
            return
        self.saving = False
        self.set_busy(False)
        error = result.error
        if error is None:
            self.dismiss(result.value)
        elif isinstance(error, ValidationError):
            self.refused(error)
        elif isinstance(error, Conflict):
            # Nothing is cleared: the banner says how to make the change again over theirs.
            self.conflicted = True
            self.banner(_(self.CONFLICT))
        else:
            self.banner(describe_error(error))

    def mark_fields(self, error: ValidationError) -> tuple[Widget | None, list[FieldError]]:
        """Show each problem under its field: the first field marked, and the problems left over."""
        first: Widget | None = None
        loose: list[FieldError] = []
        for problem in error.errors:
            target = self.show_problem(problem)
            if target is None:
                loose.append(problem)
                continue
            first = first or target
        return first, loose

    def refused(self, error: ValidationError) -> None:
        """The service refused the input: fields marked, the rest in the banner, the first focused."""
        first, loose = self.mark_fields(error)
        self.banner(" ".join(self.loose_problem(p) for p in loose) or _(self.NOT_SAVED))
        if first is not None:
            focus_problem(first)

    # -- closing ---------------------------------------------------------------------------
    def action_cancel(self) -> None:
        if self.changed:
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
