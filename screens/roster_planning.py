"""Planning beyond single shifts, for the Rosters area's week pane: copying the week to the next
weeks (`y`), the client's rota patterns (`m`), and deciding a shift's pending deviation — accept
(`d`, the worked times stand) or reject (`u`, the plan is restored).

`RosterPlanning` is a mixin of `bpa_provider.screens.rosters.RostersView` (which declares the keys, so they are
translated and listed in the help with the area's other keys); it only uses what the view offers:
`bpa`, `client_id`, `client_label`, `week`, `week_start`, `pane`, `_shift()`, `_message()`,
`_changed()` and `call_service`. The forms live in `screens/copy_week_form.py` and
`screens/pattern_forms.py`; deviations are decided with `services.periods.decide_deviation` after
a yes/no question (`screens/confirm.py`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bpa_provider.errors import Conflict
from bpa_provider.formats import format_short_date
from bpa_provider.i18n import N_, _
from bpa_provider.screens.confirm import ConfirmScreen
from bpa_provider.screens.copy_week_form import CopyWeekForm, copied_summary
from bpa_provider.screens.form_base import error_words
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.pattern_forms import PatternListScreen
from bpa_provider.screens.roster_grid import WEEKDAYS
from bpa_provider.screens.roster_text import week_label
from bpa_provider.services import periods
from bpa_provider.services.roster import ShiftView, WeekView

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp

PLANNING_ACTIONS = ("copy_week", "patterns", "accept_deviation", "reject_deviation")
DECIDED = {
    True: N_("Deviation accepted: the worked times stand."),
    False: N_("Deviation rejected: the planned times are restored."),
}


def _span(start: datetime, end: datetime) -> str:
    """ "03.03 08:00–17:00" (the end's date too when it is on another day)."""
    tail = f"{end:%H:%M}" if end.date() == start.date() else f"{format_short_date(end)} {end:%H:%M}"
    return f"{format_short_date(start)} {start:%H:%M}–{tail}"


def deviation_question(shift: ShiftView, accept: bool) -> str:
    """The yes/no question before a deviation is decided, with both the worked and the planned times."""
    who = (
        f"{_(WEEKDAYS[shift.start.weekday()])} {format_short_date(shift.start)} {shift.assistant_ref} "
        f"{shift.assistant_name}"
    )
    planned = _span(shift.planned_start, shift.planned_end) if shift.planned_start and shift.planned_end else "?"
    worked = _span(shift.start, shift.end)
    if accept:
        return _(
            "Accept the deviation on {shift}? The worked times {worked} stand instead of the plan {planned}."
        ).format(shift=who, worked=worked, planned=planned)
    return _("Reject the deviation on {shift}? The planned times {planned} are restored instead of {worked}.").format(
        shift=who, worked=worked, planned=planned
    )


class RosterPlanning:
    """Copy-week, rota patterns and deviation decisions for `RostersView` (a mixin)."""

    if TYPE_CHECKING:
        bpa: BpaApp
        app: Any
        client_id: int | None
        client_label: str
        pane: str
        week: WeekView | None
        week_start: date | None

        def _shift(self) -> ShiftView | None: ...
        def _message(self, message: str) -> None: ...
        def _changed(self) -> None: ...
        def call_service(self, tag: str, fn: Any, *args: Any, **kwargs: Any) -> int: ...

    def check_planning(self, action: str) -> bool:
        """Whether a planning key is offered now (for `check_action`; only PLANNING_ACTIONS)."""
        may = self.bpa.actor.may
        week_shown = self.pane == "week" and self.week is not None and self.client_id is not None
        if action == "copy_week":
            return may("roster.write") and week_shown
        if action == "patterns":
            return may("roster.read") and week_shown
        shift = self._shift() if week_shown else None
        return (
            may("hours.approve")
            and shift is not None
            and shift.deviation_status == "pending"
            and self.week is not None
            and not self.week.locked
        )

    # -- copy the week ---------------------------------------------------------------------
    def action_copy_week(self) -> None:
        if not self.check_planning("copy_week") or self.week is None or self.client_id is None:
            return

        form = CopyWeekForm(
            client_id=self.client_id,
            client_label=self.client_label,
            week_start=self.week.week_start,
            week_title=week_label(self.week.week_start),
            shifts=sum(1 for s in self.week.shifts if s.status != "cancelled"),
        )

        def done(result: Any) -> None:
            if result is None:
                return
            self._message(copied_summary(result, form.weeks() or 1))
            self._changed()

        self.app.push_screen(form, done)

    # -- rota patterns ---------------------------------------------------------------------
    def action_patterns(self) -> None:
        if not self.check_planning("patterns") or self.client_id is None or self.week_start is None:
            return

        def done(saved: Any) -> None:
            if saved:
                self._changed()

        self.app.push_screen(
            PatternListScreen(client_id=self.client_id, client_label=self.client_label, week_start=self.week_start),
            done,
        )

    # -- deviations ------------------------------------------------------------------------
    def action_accept_deviation(self) -> None:
        self._ask_deviation(True)

    def action_reject_deviation(self) -> None:
        self._ask_deviation(False)

    def _ask_deviation(self, accept: bool) -> None:
        shift = self._shift()
        if shift is None or not self.check_planning("accept_deviation" if accept else "reject_deviation"):
            return
        question = ConfirmScreen(
            deviation_question(shift, accept),
            yes=_("Accept deviation") if accept else _("Reject deviation"),
            no=_("Not now"),
        )
        self.app.push_screen(question, lambda yes: self._decide(shift, accept) if yes else None)

    def _decide(self, shift: ShiftView, accept: bool) -> None:
        self._message(_("Working…"))
        self._deciding = accept  # which of the two the "deviation" answer is about
        self.call_service(
            "deviation", periods.decide_deviation, self.bpa.db, self.bpa.actor, shift.id, shift.version, accept
        )

    def _got_deviation(self, result: ServiceResult) -> None:
        """The answer to accepting or rejecting a deviation."""
        if result.error is None:
            self._message(_(DECIDED[bool(getattr(self, "_deciding", True))]))
            self._changed()
        elif isinstance(result.error, Conflict):
            self._message(
                _("Someone else changed this shift meanwhile. The week is shown again: look at it, then decide again.")
            )
            self._changed()
        else:
            self._message(error_words(result.error))
