"""`g` in the roster: go to a week or a date typed in, instead of pressing `]` nine times.

Accepted: a week number of the year shown (`12`, `uke 12`, `v12`), a week of another year
(`12/2027`, `2027-W12`), or a date (`12.02.2026`, `2026-02-12`) — the week that holds it.
The answer is that week's Monday; a problem stands under the field and the screen stays.
"""

from __future__ import annotations

import re
from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from bpa_provider.i18n import N_, _
from bpa_provider.rules.dates import parse_date
from bpa_provider.screens.ui import TranslatedBindings

_WEEK = re.compile(r"^(?:w|v|uke|vecka|week)?\s*(\d{1,2})(?:\s*[/ ]\s*(\d{4}))?$", re.IGNORECASE)
_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


def week_monday(text: str, year: int) -> date:
    """The Monday of the week `text` names (see the module docstring); ValueError in words."""
    raw = (text or "").strip()
    m = _ISO_WEEK.match(raw)
    if m:
        y, week = int(m.group(1)), int(m.group(2))
    elif (m := _WEEK.match(raw)) is not None:
        week, y = int(m.group(1)), int(m.group(2) or year)
    else:
        try:
            day = parse_date(raw)
        except ValueError:
            raise ValueError(_("Type a week number (12, 12/2027) or a date (dd.mm.yyyy).")) from None
        return date.fromordinal(day.toordinal() - day.weekday())
    try:
        return date.fromisocalendar(y, week, 1)
    except ValueError:
        raise ValueError(_("{year} has no week {week}.").format(year=y, week=week)) from None


class GoToWeekScreen(TranslatedBindings, ModalScreen[date | None]):
    """One field; Enter goes to the week, Esc stays where you were."""

    DEFAULT_CSS = """
    GoToWeekScreen { align: center middle; }
    GoToWeekScreen > Vertical { width: 50; max-width: 100%; height: auto; border: round $accent;
                                background: $surface; padding: 0 1; }
    GoToWeekScreen #error { color: $text-error; text-style: bold; height: auto; }
    """

    BINDINGS = [Binding("escape", "close", N_("Cancel"))]

    def __init__(self, year: int) -> None:
        super().__init__()
        self.translate_bindings()
        self.year = year

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("Go to week or date"), style="bold"))
            yield Input(placeholder=_("12, 12/2027 or dd.mm.yyyy"), id="week", compact=True)
            yield Static("", id="error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _go(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            monday = week_monday(event.value, self.year)
        except ValueError as exc:
            self.query_one("#error", Static).update(Text(str(exc)))
            return
        self.dismiss(monday)

    def action_close(self) -> None:
        self.dismiss(None)
