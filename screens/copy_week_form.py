"""The copy-week form of the Rosters area (key `y` on a client's week): copy the shifts of the week
shown to the next N weeks with `services.roster.copy_week`.

One field, the number of weeks (1–26), checked as typed; the line below it says which weeks the
copies go to. The service checks again and refuses the whole copy when a target week is locked or
the week has nothing to copy: its words stand in the form and nothing is written. Copies are plain
shifts at the same local times; identical shifts already there are not doubled. What the copy did
(and the warnings it raised) is said under the week grid afterwards (`copied_summary`).
"""

from __future__ import annotations

from datetime import date, timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Static

from bpa_provider.errors import FieldError
from bpa_provider.formats import format_date
from bpa_provider.i18n import N_, _
from bpa_provider.screens.form_base import FormScreen, save_keys
from bpa_provider.screens.pattern_text import generation_notes
from bpa_provider.screens.shift_form import ShiftField
from bpa_provider.screens.ui import field_message
from bpa_provider.services import roster
from bpa_provider.services.roster import MAX_COPY_WEEKS, SaveResult


def target_weeks(week_start: date, weeks: int) -> str:
    """ "weeks 11–13 (09.03.2026–29.03.2026)": where `weeks` copies of the week from `week_start` go."""
    first = week_start + timedelta(days=7)
    last = week_start + timedelta(days=7 * (weeks + 1) - 1)
    n_first, n_last = first.isocalendar()[1], last.isocalendar()[1]
    if weeks == 1:
        head = _("week {n}").format(n=n_first)
    else:
        head = _("weeks {first}–{last}").format(first=n_first, last=n_last)
    return f"{head} ({format_date(first)}–{format_date(last)})"


def copied_summary(result: SaveResult, weeks: int) -> str:
    """What a copy did, for the line under the week grid."""
    if result.shifts:
        parts = [_("{n} shift(s) copied to the next {weeks} week(s).").format(n=len(result.shifts), weeks=weeks)]
    else:
        parts = [_("Nothing new to copy: the next {weeks} week(s) already hold these shifts.").format(weeks=weeks)]
    return " ".join(parts + generation_notes(result))


class CopyWeekForm(FormScreen):
    """Dismisses with the service's `SaveResult`, or None when closed without copying."""

    DEFAULT_CSS = """
    CopyWeekForm #dialog { width: 64; }
    CopyWeekForm #summary { height: auto; }
    CopyWeekForm #target { padding-left: 16; height: auto; color: $text-muted; }
    """

    BINDINGS = [
        *save_keys(N_("Copy")),
        Binding("escape", "cancel", N_("Cancel")),
    ]

    def __init__(self, *, client_id: int, client_label: str, week_start: date, week_title: str, shifts: int) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_label = client_label
        self.week_start = week_start
        self.week_title = week_title
        self.shifts = shifts  # shifts (not cancelled) in the week, as the grid shows them

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(_("Copy a week of {client}").format(client=self.client_label)), id="title")
            yield Static(
                Text(
                    _("{week}: {n} shift(s), copied at the same times to the weeks after it.").format(
                        week=self.week_title, n=self.shifts
                    )
                ),
                id="summary",
            )
            with VerticalScroll(id="fields"):
                yield ShiftField(
                    "weeks",
                    _("Weeks"),
                    Input("1", compact=True, classes="editor"),
                    required=True,
                    hint=_("1 to {n}").format(n=MAX_COPY_WEEKS),
                )
                yield Static(Text(""), id="target")
            yield Static("", id="banner", classes="-empty")
            yield from self.buttons(_("Copy (Ctrl+S)"), cancel=_("Cancel (Esc)"))

    def field(self) -> ShiftField:
        return self.query_one(ShiftField)

    def rows(self) -> list[ShiftField]:
        return [self.field()]

    def on_mount(self) -> None:
        f = self.field()
        f.initial = f.value
        self._show_target()
        self.call_after_refresh(f.focus_editor)

    # -- checking as typed -----------------------------------------------------------------
    def weeks(self) -> int | None:
        try:
            n = int(self.field().value.strip())
        except ValueError:
            return None
        return n if 1 <= n <= MAX_COPY_WEEKS else None

    def problem(self) -> str | None:
        f = self.field()
        value = f.value.strip()
        if not value:
            return _("{field} is required").format(field=f.label)
        if self.weeks() is None:
            return _("Copy to 1 to {n} weeks").format(n=MAX_COPY_WEEKS)
        return None

    def _show_target(self) -> None:
        n = self.weeks()
        text = _("To {weeks}").format(weeks=target_weeks(self.week_start, n)) if n else ""
        self.query_one("#target", Static).update(Text(text))

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if not self.is_mounted:
            return
        f = self.field()
        f.touched = f.touched or f.changed
        if f.touched:
            f.show_error(self.problem())
        self._show_target()

    # -- saving ----------------------------------------------------------------------------
    def action_save(self) -> None:
        if self.saving:
            return
        f = self.field()
        message = self.problem()
        f.show_error(message)
        if self.refuse([f] if message else []):
            return
        self.begin_save()
        self.call_service(
            "save", roster.copy_week, self.bpa.db, self.bpa.actor, self.client_id, self.week_start, self.weeks()
        )

    def show_problem(self, problem: FieldError) -> Widget | None:
        if problem.field != "weeks":
            return None  # a locked week, nothing to copy: the banner says it
        f = self.field()
        f.show_error(field_message(f.label, problem))
        return f

    def banner_text(self) -> str:
        return str(self.query_one("#banner", Static).render())
