"""A question that takes a date: "Mark “Police certificate” done for K-0001 on [02.03.2026]".

Used where something happened on a day the person knows (an onboarding step done last week), so
it need not have been today. Today is filled in; Enter (or Ctrl+S) answers, Esc cancels; a date
that cannot be read is said under the field.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from bpa_provider.formats import format_date
from bpa_provider.i18n import N_, _
from bpa_provider.rules.dates import parse_date
from bpa_provider.screens.ui import TranslatedBindings, field_message


class DatePrompt(TranslatedBindings, ModalScreen[date | None]):
    """Dismisses with the date typed, or None."""

    DEFAULT_CSS = """
    DatePrompt { align: center middle; }
    DatePrompt > Vertical { width: 64; max-width: 100%; height: auto; border: round $accent;
                            background: $surface; padding: 0 1; }
    DatePrompt Horizontal { height: auto; margin-top: 1; }
    DatePrompt Label { width: 12; }
    DatePrompt Input { width: 14; }
    DatePrompt #error { color: $text-error; text-style: bold; height: auto; padding-left: 12; }
    DatePrompt #hint { color: $text-muted; margin-top: 1; }
    """

    BINDINGS = [
        Binding("ctrl+s", "answer", N_("OK"), priority=True),
        Binding("escape", "close", N_("Cancel")),
    ]

    def __init__(self, question: str, label: str, default: date) -> None:
        super().__init__()
        self.translate_bindings()
        self.question, self.label, self.default = question, label, default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question, style="bold"))
            with Horizontal():
                yield Label(Text(self.label))
                yield Input(format_date(self.default), placeholder="dd.mm.yyyy", id="day", compact=True)
            yield Static("", id="error")
            yield Static(Text(_("Enter: OK · Esc: cancel")), id="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_answer()

    def action_answer(self) -> None:
        try:
            day = parse_date(self.query_one(Input).value)
        except ValueError as exc:
            self.query_one("#error", Static).update(Text(field_message(self.label, str(exc))))
            return
        self.dismiss(day)

    def action_close(self) -> None:
        self.dismiss(None)
