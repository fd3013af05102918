"""Ending a record: an end date and a reason, never a hard delete of personal history.

The record's version travels with the request, so ending something another coordinator has just
changed is refused (and said so) like any other stale save.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from bpa_provider.errors import Conflict, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.rules.dates import format_date, parse_date
from bpa_provider.services import records
from screens import labels
from screens.calls import ServiceCaller
from screens.forms import describe
from screens.messages import ServiceResult
from screens.phrases import translate
from screens.ui import TranslatedBindings, describe_error, field_message

if TYPE_CHECKING:
    from screens.app import BpaApp


class EndForm(ServiceCaller, TranslatedBindings, ModalScreen[Any]):
    """Asks for the end date (default today) and a reason; dismisses with the ended record."""

    DEFAULT_CSS = """
    EndForm { align: center middle; }
    EndForm > Vertical { width: 72; max-width: 100%; height: auto; border: round $warning;
                         background: $surface; padding: 0 1; }
    EndForm #title { text-style: bold; margin-bottom: 1; }
    EndForm Horizontal { height: auto; }
    EndForm Label { width: 16; }
    EndForm Input { width: 1fr; }
    EndForm .error { color: $text-error; text-style: bold; padding-left: 16; height: auto; }
    EndForm #buttons { height: 1; margin-top: 1; }
    EndForm Button { margin-right: 2; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", N_("End the record"), priority=True),
        Binding("f2", "save", N_("End the record"), show=False, priority=True),
        Binding("escape", "cancel", N_("Cancel")),
    ]

    def __init__(self, kind: str, record: Any, name: str | None = None) -> None:
        super().__init__()
        self.translate_bindings()
        self.kind = kind
        self.record = record
        self.name_shown = name if name is not None else describe(record)
        self.saving = False

    @property
    def bpa(self) -> "BpaApp":
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        title = _("End {kind} {name}").format(kind=labels.kind(self.kind), name=self.name_shown)
        with Vertical():
            yield Static(Text(title), id="title")
            with Horizontal():
                yield Label(_("End date") + " *")
                yield Input(format_date(self.bpa.today), placeholder="dd.mm.yyyy", id="date", compact=True)
            yield Static("", id="date-error", classes="error")
            with Horizontal():
                yield Label(_("Reason"))
                yield Input(id="reason", compact=True)
            yield Static("", id="banner", classes="error")
            yield Static(Text(_("The record is kept with its history; it only stops being current.")))
            with Horizontal(id="buttons"):
                yield Button(_("End the record (Ctrl+S)"), id="save", variant="warning", compact=True)
                yield Button(_("Cancel (Esc)"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#date", Input).focus()

    def _date_problem(self) -> str | None:
        try:
            parse_date(self.query_one("#date", Input).value)
        except ValueError as exc:
            return field_message(_("End date"), str(exc))
        return None

    @on(Input.Changed, "#date")
    def _date_changed(self) -> None:
        self.query_one("#date-error", Static).update(Text(self._date_problem() or ""))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_save(self) -> None:
        if self.saving:
            return
        problem = self._date_problem()
        if problem:
            self.query_one("#date-error", Static).update(Text(problem))
            self.query_one("#date", Input).focus()
            return
        self.saving = True
        self.call_service(
            "end", records.end, self.bpa.db, self.bpa.actor, self.kind, self.record.id,
            self.record.version, self.query_one("#date", Input).value, self.query_one("#reason", Input).value,
        )

    def on_service_result(self, result: ServiceResult) -> None:
        self.saving = False
        if result.error is None:
            self.dismiss(result.value)
            return
        error = result.error
        if isinstance(error, ValidationError):
            message = " ".join(translate(e.message) for e in error.errors)
        elif isinstance(error, Conflict):
            message = _("Someone else changed this record after you opened it. Nothing was ended: "
                        "close this, look at their change, then try again.")
        else:
            message = describe_error(error)
        self.query_one("#banner", Static).update(Text(message))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
