"""Ending a record: an end date and a reason, never a hard delete of personal history.

The record's version travels with the request, so ending something another coordinator has just
changed is refused (and said so) like any other stale save. Nothing to lose by closing it, so Esc
never asks; the rest of the form's habits are `FormScreen`'s (screens/form_base.py).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from bpa_provider.errors import ValidationError
from bpa_provider.formats import format_date
from bpa_provider.i18n import N_, _
from bpa_provider.screens import labels
from bpa_provider.screens.form_base import FormScreen, save_keys
from bpa_provider.screens.forms import describe
from bpa_provider.screens.typed_checks import date_problem
from bpa_provider.screens.ui import field_message
from bpa_provider.services import records


class EndForm(FormScreen):
    """Asks for the end date (default today) and a reason; dismisses with the ended record."""

    DEFAULT_CSS = """
    EndForm > Vertical { width: 72; max-width: 100%; height: auto; border: round $warning;
                         background: $surface; padding: 0 1; }
    EndForm #title { margin-bottom: 1; }
    EndForm Horizontal { height: auto; }
    EndForm Label { width: 16; }
    EndForm Input { width: 1fr; }
    EndForm .error { color: $text-error; text-style: bold; padding-left: 16; height: auto; }
    """

    BINDINGS = [
        *save_keys(N_("End the record")),
        Binding("escape", "cancel", N_("Cancel")),
    ]

    CONFLICT = N_(
        "Someone else changed this record after you opened it. Nothing was ended: "
        "close this, look at their change, then try again."
    )

    def __init__(self, kind: str, record: Any, name: str | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.record = record
        self.name_shown = name if name is not None else describe(record)

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
            yield from self.buttons(_("End the record (Ctrl+S)"), variant="warning")

    def on_mount(self) -> None:
        self.query_one("#date", Input).focus()

    def _date_problem(self) -> str | None:
        return date_problem(self.query_one("#date", Input).value, _("End date"), required=True)[1]

    @on(Input.Changed, "#date")
    def _date_changed(self) -> None:
        self.query_one("#date-error", Static).update(Text(self._date_problem() or ""))

    def action_save(self) -> None:
        if self.saving:
            return
        problem = self._date_problem()
        if problem:
            self.query_one("#date-error", Static).update(Text(problem))
            self.query_one("#date", Input).focus()
            return
        # Not `begin_save`: here the last message and an enabled Save stay until the service answers.
        self.saving = True
        self.call_service(
            "save",
            records.end,
            self.bpa.db,
            self.bpa.actor,
            self.kind,
            self.record.id,
            self.record.version,
            self.query_one("#date", Input).value,
            self.query_one("#reason", Input).value,
        )

    def refused(self, error: ValidationError) -> None:
        """A problem with the date (before the start, say) stands under the date; the rest under
        the reason, in the banner."""
        date_fields = {"end_date", records.SPECS[self.kind].end_field}
        about_date = [e for e in error.errors if e.field in date_fields]
        rest = [e for e in error.errors if e.field not in date_fields]
        if about_date:
            self.query_one("#date-error", Static).update(
                Text(" ".join(field_message(_("End date"), e) for e in about_date))
            )
            self.query_one("#date", Input).focus()
        self.banner(" ".join(e.localized() for e in rest))
