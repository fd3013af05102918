"""The Rosters week pane's keys for single shifts and for the whole week: which keys are offered now
and why one is not (`check_action`, `why_not`), the shift form for new / change / cancel / reassign /
acknowledge (`screens/shift_form.py`), finding a substitute and the vacant shifts
(`screens/vacancy.py`), and approving, co-approving and locking the week (`services.periods`) after a
yes/no question.

`RosterWeekActions` is a mixin of `bpa_provider.screens.rosters.RostersView` (which declares the keys);
it only uses what the view offers: `bpa`, `app`, `client_id`, `client_label`, `tz`, `pane`, `week`,
`week_start`, `today`, `period_action`, `assistant_id`, `_shift()`, `_message()`, `_changed()`,
`notify`, `query_one`, `check_planning` and `call_service`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bpa_provider.errors import ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.screens.confirm import ConfirmScreen
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.roster_grid import RosterGrid
from bpa_provider.screens.roster_planning import PLANNING_ACTIONS
from bpa_provider.screens.roster_text import monday, week_label
from bpa_provider.screens.shift_form import ShiftForm
from bpa_provider.screens.ui import describe_error
from bpa_provider.services import periods
from bpa_provider.services.roster import ShiftView, WeekView

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp

PERIOD_DONE = {"approve": N_("week approved"), "coapprove": N_("week co-approved"), "lock": N_("week locked")}


class RosterWeekActions:
    """Shift and week keys for `RostersView` (a mixin)."""

    if TYPE_CHECKING:
        bpa: BpaApp
        app: Any
        client_id: int | None
        client_label: str
        tz: str
        pane: str
        week: WeekView | None
        week_start: date | None
        today: date
        period_action: str
        assistant_id: int | None

        def _shift(self) -> ShiftView | None: ...
        def _message(self, message: str) -> None: ...
        def _changed(self) -> None: ...
        def check_planning(self, action: str) -> bool: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...
        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def call_service(self, tag: str, fn: Any, *args: Any, **kwargs: Any) -> int: ...

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        may = self.bpa.actor.may
        if action in ("new_shift", "edit_shift", "cancel_shift", "reassign", "acknowledge"):
            if not may("roster.write") or self.pane != "week" or self.week is None or self.week.locked:
                return False
            if action != "new_shift" and self._shift() is None:
                return False
            return True
        if action == "approve":
            return may("hours.approve") and self.week is not None and self.pane == "week" and not self.week.locked
        if action in ("lock", "coapprove"):
            return may("roster.lock") and self.week is not None and self.pane == "week" and not self.week.locked
        if action in PLANNING_ACTIONS:
            return self.check_planning(action)
        if action in ("week", "this_week", "go_to_week"):
            return self.client_id is not None or (self.pane == "assistant" and self.assistant_id is not None)
        if action == "pane":
            return self.client_id is not None
        return True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why a key of the week does nothing now: a locked week, a role, no shift chosen."""
        may = self.bpa.actor.may
        changes = (
            "new_shift",
            "edit_shift",
            "cancel_shift",
            "reassign",
            "acknowledge",
            "copy_week",
            "accept_deviation",
            "reject_deviation",
        )
        needs = {
            "approve": "hours.approve",
            "accept_deviation": "hours.approve",
            "reject_deviation": "hours.approve",
            "lock": "roster.lock",
            "coapprove": "roster.lock",
        }
        if action not in changes and action not in needs:
            return None
        if self.pane != "week" or self.week is None:
            return _("Choose a client's week first (c).") if self.client_id is None else None
        if not may(needs.get(action, "roster.write")):
            return _("Your role may not do that in the roster.")
        if self.week.locked:
            return _("{week} is locked: its shifts cannot change (an admin can reopen it).").format(
                week=week_label(self.week.week_start)
            )
        if action in ("edit_shift", "cancel_shift", "reassign", "acknowledge") and self._shift() is None:
            return _("No shift under the cursor.")
        if action in ("accept_deviation", "reject_deviation"):
            return _("The shift under the cursor has no deviation waiting.")
        return None

    def _form(self, mode: str, shift: ShiftView | None = None) -> None:
        assert self.client_id is not None
        grid = self.query_one(RosterGrid)

        def done(value: Any) -> None:
            if value is None:
                return
            warnings = getattr(value, "warnings", None) or []
            if warnings:
                rules = ", ".join(sorted({w.rule_id for w in warnings}))
                self.notify(
                    _("Saved with warnings: {rules}. Press k on the shift to acknowledge.").format(rules=rules),
                    severity="warning",
                    markup=False,
                )
            else:
                self.notify(
                    {"cancel": _("Shift cancelled."), "ack": _("Warning acknowledged.")}.get(mode, _("Saved.")),
                    markup=False,
                )
            saved = getattr(value, "shift", None)
            start = getattr(saved, "start_utc", None)
            if start is not None and start.tzinfo is not None:
                # A shift typed into another week: show the week it landed in.
                self.week_start = monday(start.astimezone(ZoneInfo(self.tz)).date())
            self._changed()

        self.app.push_screen(
            ShiftForm(
                mode,
                client_id=self.client_id,
                client_label=self.client_label,
                tz=self.tz,
                shift=shift,
                day=grid.current_day(),
            ),
            done,
        )

    def action_new_shift(self) -> None:
        if self.check_action("new_shift", ()):
            self._form("new")

    def action_edit_shift(self) -> None:
        shift = self._shift()
        if shift is not None and self.check_action("edit_shift", ()):
            self._form("edit", shift)

    def action_cancel_shift(self) -> None:
        shift = self._shift()
        if shift is not None and self.check_action("cancel_shift", ()):
            self._form("cancel", shift)

    def action_reassign(self) -> None:
        shift = self._shift()
        if shift is not None and self.check_action("reassign", ()):
            self._form("reassign", shift)

    def action_substitute(self) -> None:
        from bpa_provider.screens.vacancy import open_candidates

        open_candidates(self, self._shift())

    def action_vacant(self) -> None:
        from bpa_provider.screens.vacancy import VacantScreen

        self.app.push_screen(VacantScreen())

    def action_acknowledge(self) -> None:
        shift = self._shift()
        if shift is None or not self.check_action("acknowledge", ()):
            return
        if not any(v.severity != "block" for v in shift.violations):
            if shift.violations:
                self.notify(
                    _("A blocking rule cannot be acknowledged, only fixed: change or reassign the shift."),
                    severity="warning",
                    markup=False,
                )
            else:
                self.notify(_("This shift breaks no working-time rule."), markup=False)
            return
        self._form("ack", shift)

    def _period(self, action: str, with_deviations: bool = False) -> None:
        assert self.client_id is not None and self.week_start is not None
        db, actor, first = self.bpa.db, self.bpa.actor, self.week_start
        last = first + timedelta(days=7)
        self._message(_("Working…"))
        if action == "approve":
            fn: Any = periods.approve_period
            kwargs: dict[str, Any] = {"approve_deviations": with_deviations, "today": self.today}
        elif action == "coapprove":
            fn, kwargs = periods.coapprove_period, {}
        else:
            fn, kwargs = periods.lock_period, {}
        self.period_action = action  # which of the three the "period" answer is about
        self.call_service("period", fn, db, actor, self.client_id, first, last, **kwargs)

    def _ask_period(self, action: str) -> None:
        if self.week is None or self.week_start is None:
            return
        what = {
            "approve": _("Approve the hours of {client}, {week}?"),
            "coapprove": _("Co-approve the hours of {client}, {week}?"),
            "lock": _("Lock {client}, {week}? Locked shifts cannot change; only an admin can reopen."),
        }[action]
        question = ConfirmScreen(
            what.format(client=self.client_label, week=week_label(self.week_start)),
            yes={"approve": _("Approve"), "coapprove": _("Co-approve"), "lock": _("Lock")}[action],
            no=_("Not now"),
        )
        self.app.push_screen(question, lambda yes: self._period(action) if yes else None)

    def action_approve(self) -> None:
        if self.check_action("approve", ()):
            self._ask_period("approve")

    def action_coapprove(self) -> None:
        if self.check_action("coapprove", ()):
            self._ask_period("coapprove")

    def action_lock(self) -> None:
        if self.check_action("lock", ()):
            self._ask_period("lock")

    def _got_period(self, result: ServiceResult) -> None:
        """The answer to approve, co-approve or lock."""
        action = self.period_action
        if result.error is None:
            row = result.value
            if getattr(row, "needs_coapproval", False) and not getattr(row, "coapproved_by", ""):
                self._message(
                    _(
                        "Week approved. It needs a coordinator's co-approval before it can be locked "
                        "(the supervisor's basic course is overdue)."
                    )
                )
            else:
                self._message(_("Done: {what}.").format(what=_(PERIOD_DONE.get(action, ""))))
            self._changed()
            return
        if isinstance(result.error, ValidationError):
            fields = {e.field for e in result.error.errors}
            self._message(" ".join(e.localized() for e in result.error.errors))
            if action == "approve" and fields == {"deviations"}:
                question = ConfirmScreen(
                    _("Deviations wait for a decision. Accept them all and approve the week?"),
                    yes=_("Accept and approve"),
                    no=_("Not now"),
                )
                self.app.push_screen(question, lambda yes: self._period("approve", True) if yes else None)
            return
        self._message(describe_error(result.error))
