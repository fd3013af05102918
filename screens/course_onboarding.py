"""Supervisors' onboarding in the Courses area: the Onboarding tab (who has not done the course,
the most overdue first, `d` then `y` marks the next step done, `e` enrolls) and one supervisor's
checklist screen (status per client, then every step with its due date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Static

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.db.engine import Database
from bpa_provider.i18n import N_, _
from bpa_provider.screens import labels
from bpa_provider.screens.area_pane import AreaPane, flag
from bpa_provider.screens.course_enroll import pick_and_enroll
from bpa_provider.screens.detail_base import DetailScreen
from bpa_provider.screens.form_base import error_words
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.spec_form import word
from bpa_provider.screens.ui import text
from bpa_provider.screens.widgets.safe_table import SafeTable
from bpa_provider.services import courses, onboarding

# Onboarding status and step state as words; state is always written, never shown by colour alone.
ONBOARDING_WORDS = {
    "overdue": N_("OVERDUE"),
    "not_started": N_("not started"),
    "in_progress": N_("in progress"),
    "complete": N_("complete"),
}
STEP_WORDS = {"done": N_("done"), "overdue": N_("OVERDUE"), "open": N_("open")}
_ORDER = {"overdue": 0, "not_started": 1, "in_progress": 2, "complete": 3}


# --------------------------------------------------------------------------- onboarding


class OnboardingPane(AreaPane):
    """Onboarding status per supervisor and client, most overdue first."""

    BINDINGS = [
        Binding("d", "done", N_("Next step done")),
        Binding("i", "enroll", N_("Enroll")),
        Binding("s", "start", N_("Start checklist"), show=False),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    TABLE_ID = "onboarding-table"
    rows: list[onboarding.OnboardingStatus]

    @staticmethod
    def key_of(row: Any) -> Any:
        return (row.supervisor_id, row.client_id)

    def load(self) -> None:
        super().load()
        self.call_service(
            "overview", onboarding.onboarding_overview, self.db, self.actor, self.bpa.today, policy=self.policy
        )

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        if result.tag == "overview":
            self._show(result)
        else:
            self.report_change(result, _("Done.") if result.tag == "done" else _("Checklist started."), "onboarding")

    def _show(self, result: ServiceResult) -> None:
        if not self.keep_rows(result):
            return
        self.rows.sort(
            key=lambda o: (
                _ORDER.get(o.status, 9),
                -o.overdue_days,
                o.next_deadline or date.max,
                o.supervisor_ref,
                o.client_ref,
            )
        )
        self.fill(
            self.query_one(DataTable),
            [(_("Status"), 11), (_("Supervisor"), 16), (_("Next step"), None), (_("Due"), 10)],
            self.rows,
            self._cells,
        )
        counts = {k: sum(1 for o in self.rows if o.status == k) for k in _ORDER}
        if not self.rows:
            self.status(_("No current supervisor."))
            return
        self.status(
            _("{overdue} overdue · {started} in progress · {new} not started · {done} complete").format(
                overdue=counts["overdue"],
                started=counts["in_progress"],
                new=counts["not_started"],
                done=counts["complete"],
            )
            + " · "
            + _("Enter: checklist")
        )

    @staticmethod
    def _cells(o: onboarding.OnboardingStatus) -> list[Text]:
        step = Text(o.client_ref + ": ")
        if o.status == "complete":
            step.append(_("all steps done"))
        else:
            step.append(o.next_step_title)
            if o.overdue_days:
                step.append(" " + _("({n} days overdue)").format(n=o.overdue_days), style="bold")
            if not o.steps_total:
                step.append(" " + _("(no checklist yet: s starts one)"))
        return [
            flag(word(ONBOARDING_WORDS, o.status), o.status == "overdue"),
            Text(f"{o.supervisor_ref} {o.name}"),
            step,
            text(o.next_deadline),
        ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("done", "enroll", "start"):
            return self.actor.may("course.write")
        return True

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.current()
        if row is not None:
            self.app.push_screen(ChecklistScreen(row.supervisor_id))

    def action_done(self) -> None:
        row = self.current()
        if row is None:
            return
        if row.status == "complete":
            self.app.notify(_("Every step is done already."), markup=False)
            return
        if not row.steps_total:
            self.app.notify(_("No checklist yet: press s to start one from the template."), markup=False)
            return
        from bpa_provider.screens.date_prompt import DatePrompt

        question = _("Mark \u201c{step}\u201d done for {who} ({client})").format(
            step=row.next_step_title, who=f"{row.supervisor_ref} {row.name}", client=row.client_ref
        )

        def done(day: date | None) -> None:
            if day is not None:
                self.call_service(
                    "done",
                    onboarding.complete_step,
                    self.db,
                    self.actor,
                    row.supervisor_id,
                    row.next_step,
                    client=row.client_ref,
                    on=day,
                )

        self.app.push_screen(DatePrompt(question, _("Done on"), self.bpa.today), done)

    def action_start(self) -> None:
        row = self.current()
        if row is None:
            return
        if row.steps_total:
            self.app.notify(_("This supervisor has a checklist already: Enter opens it."), markup=False)
            return
        self.call_service(
            "start",
            onboarding.start_onboarding,
            self.db,
            self.actor,
            row.supervisor_id,
            row.client_id,
            policy=self.policy,
        )

    def action_enroll(self) -> None:
        row = self.current()
        if row is None:
            return
        kinds = ("supervisor_basic",) if row.next_step == onboarding.BASIC_COURSE else courses.SUPERVISOR_KINDS
        pick_and_enroll(self, f"{row.supervisor_ref} {row.name}", (row.supervisor_ref, row.name), kinds=kinds)


# --------------------------------------------------------------------------- a supervisor's checklist


@dataclass(frozen=True)
class Checklist:
    """What the checklist screen shows: status per client, and every step."""

    supervisor_ref: str
    name: str
    statuses: list[onboarding.OnboardingStatus]
    steps: list[onboarding.StepView]


def load_checklist(db: Database, actor: Actor, supervisor_id: int, today: date, policy: Policy) -> Checklist:
    """The checklist of one supervisor, through the onboarding services."""
    statuses = onboarding.onboarding_overview(db, actor, today, supervisor=supervisor_id, policy=policy)
    steps = onboarding.onboarding_steps(db, actor, supervisor_id, today)
    ref = statuses[0].supervisor_ref if statuses else (steps[0].supervisor_ref if steps else "")
    name = statuses[0].name if statuses else ""
    return Checklist(ref, name, statuses, steps)


class ChecklistScreen(DetailScreen):
    """One supervisor's onboarding: status per client, then every step with its due date, who is
    responsible and when it was done. `d` marks the step under the cursor done (after a yes)."""

    kind = "supervisor"

    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("d", "done", N_("Mark step done")),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    def load(self) -> None:
        app = self.bpa
        self.call_service("detail", load_checklist, app.db, app.actor, self.record_id, app.today, app.settings.policy)

    def where(self) -> str:
        d: Checklist = self.detail
        return f"{d.supervisor_ref} {d.name}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "done":
            return self.bpa.actor.may("course.write")
        return super().check_action(action, parameters)

    def build(self) -> list[Widget]:
        d: Checklist = self.detail
        out: list[Widget] = [self.summary([(_("Supervisor"), Text(f"{d.supervisor_ref} {d.name}", style="bold"))])]
        for o in d.statuses:
            line = Text(f"{o.client_ref}: ")
            line.append(word(ONBOARDING_WORDS, o.status), style="bold" if o.status == "overdue" else "")
            line.append(" · " + _("{done} of {total} steps done").format(done=o.steps_done, total=o.steps_total))
            if o.next_deadline:
                line.append(" · " + _("next due {day}").format(day=text(o.next_deadline).plain))
            out.append(Static(line, classes="summary"))
        out.append(self.heading(_("Checklist"), len(d.steps)))
        if not d.steps:
            return out + [self.note(_("No checklist yet. Start one from the Onboarding tab (s)."))]
        width = max(16, self.size.width - 2 - 2 - (10 + 9 + 6 + 11 + 10) - 12)
        table: DataTable = SafeTable(cursor_type="row", id="steps")
        for title, col_width in (
            (_("Due"), 10),
            (_("State"), 9),
            (_("Step"), width),
            (_("Client"), 6),
            (_("Who"), 11),
            (_("Done on"), 10),
        ):
            table.add_column(Text(title), width=col_width)
        for st in d.steps:
            step = Text(st.title)
            if st.note:
                step.append("\n" + st.note, style="dim")
            table.add_row(
                text(st.due_date),
                flag(word(STEP_WORDS, st.state), st.state == "overdue"),
                step,
                Text(st.client_ref),
                Text(labels.role(st.responsible)),
                text(st.done_on),
            )
        self.rows_of["steps"] = list(d.steps)
        out.append(table)
        return out

    async def show(self) -> None:
        await super().show()
        steps = self.query("#steps")
        if steps and not isinstance(self.focused, DataTable):
            table = steps.first(DataTable)
            rows = self.rows_of.get("steps", [])
            first_open = next((i for i, st in enumerate(rows) if st.done_on is None), 0)
            table.move_cursor(row=first_open)
            table.focus()

    def on_service_result(self, result: ServiceResult) -> None:
        # Textual also runs DetailScreen's handler (it walks the class hierarchy): answers of our
        # own calls stop it here; the detail itself is left to it.
        if result.tag != "done":
            return
        result.prevent_default()
        if result.error is not None:
            self.notify(error_words(result.error), severity="error", markup=False)
            return
        self.notify(_("Done."), markup=False)
        self.bpa.broadcast_change("onboarding")  # reloads this screen too (record_changed)

    def action_done(self) -> None:
        table_id, step = self.selected()
        if table_id != "steps" or step is None:
            self.notify(_("Choose a step first."), markup=False)
            return
        if step.done_on is not None:
            self.notify(_("This step was done on {day}.").format(day=text(step.done_on).plain), markup=False)
            return
        from bpa_provider.screens.date_prompt import DatePrompt

        question = _("Mark \u201c{step}\u201d done for {client}").format(step=step.title, client=step.client_ref)
        app = self.bpa

        def done(day: date | None) -> None:
            if day is not None:
                self.call_service(
                    "done",
                    onboarding.complete_step,
                    app.db,
                    app.actor,
                    self.record_id,
                    step.code,
                    client=step.client_ref or None,
                    on=day,
                )

        self.app.push_screen(DatePrompt(question, _("Done on"), app.today), done)
