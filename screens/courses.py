"""The Courses area: supervisors' onboarding, course dates with enrollment and outcomes, the course
catalog, and credentials about to expire — one tab each — plus a supervisor's checklist screen.

The Onboarding tab comes first because it answers the coordinator's question "who has not done
the course?": the most overdue first, the next step written out, and `d` (then `y`) marks it done.
Every list is a service call made in a worker (`ServiceCaller`); this module only displays and
asks. The tabs are `AreaPane`s of an `AreaTabs` area (screens/area_pane.py), as in Reviews.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Static

from bpa_provider.access import Actor
from bpa_provider.config import Policy
from bpa_provider.i18n import N_, _, ngettext
from bpa_provider.services import course_credentials, course_enrollment, courses, onboarding
from db.engine import Database
from screens import labels
from screens.area_pane import AreaPane, AreaTabs, Columns, flag
from screens.confirm import ConfirmScreen
from screens.course_forms import (
    COURSE_KIND_WORDS, EnrollForm, SessionPicker, course_form, outcome_form, session_form, session_name,
    word,
)
from screens.detail_base import DetailScreen
from screens.form_base import error_words
from screens.messages import ServiceResult
from screens.ui import describe_error, hours, text
from screens.widgets.safe_table import SafeTable

# Onboarding status and step state as words; state is always written, never shown by colour alone.
ONBOARDING_WORDS = {
    "overdue": N_("OVERDUE"), "not_started": N_("not started"), "in_progress": N_("in progress"),
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
        self.call_service("overview", onboarding.onboarding_overview, self.db, self.actor, self.bpa.today,
                          policy=self.policy)

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
        self.rows.sort(key=lambda o: (
            _ORDER.get(o.status, 9), -o.overdue_days, o.next_deadline or date.max, o.supervisor_ref, o.client_ref))
        self.fill(self.query_one(DataTable), [
            (_("Status"), 11), (_("Supervisor"), 16), (_("Next step"), None), (_("Due"), 10)],
            self.rows, self._cells)
        counts = {k: sum(1 for o in self.rows if o.status == k) for k in _ORDER}
        if not self.rows:
            self.status(_("No current supervisor."))
            return
        self.status(_("{overdue} overdue · {started} in progress · {new} not started · {done} complete").format(
            overdue=counts["overdue"], started=counts["in_progress"], new=counts["not_started"],
            done=counts["complete"]) + " · " + _("Enter: checklist"))

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
        return [flag(word(ONBOARDING_WORDS, o.status), o.status == "overdue"),
                Text(f"{o.supervisor_ref} {o.name}"), step, text(o.next_deadline)]

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
        from screens.date_prompt import DatePrompt

        question = _("Mark \u201c{step}\u201d done for {who} ({client})").format(
            step=row.next_step_title, who=f"{row.supervisor_ref} {row.name}", client=row.client_ref)

        def done(day: date | None) -> None:
            if day is not None:
                self.call_service("done", onboarding.complete_step, self.db, self.actor, row.supervisor_id,
                                  row.next_step, client=row.client_ref, on=day)

        self.app.push_screen(DatePrompt(question, _("Done on"), self.bpa.today), done)

    def action_start(self) -> None:
        row = self.current()
        if row is None:
            return
        if row.steps_total:
            self.app.notify(_("This supervisor has a checklist already: Enter opens it."), markup=False)
            return
        self.call_service("start", onboarding.start_onboarding, self.db, self.actor, row.supervisor_id,
                          row.client_id, policy=self.policy)

    def action_enroll(self) -> None:
        row = self.current()
        if row is None:
            return
        kinds = ("supervisor_basic",) if row.next_step == onboarding.BASIC_COURSE else courses.SUPERVISOR_KINDS
        pick_and_enroll(self, f"{row.supervisor_ref} {row.name}", (row.supervisor_ref, row.name), kinds=kinds)


def pick_and_enroll(pane: AreaPane, who: str, person: tuple[str, str], *, kinds: Sequence[str] = (),
                    course_id: int | None = None) -> None:
    """Choose an upcoming course date, then open the enroll form with the person on its list."""
    def picked(course_date: Any) -> None:
        if course_date is not None:
            pane.app.push_screen(EnrollForm(course_date, [person]), enrolled)

    def enrolled(result: Any) -> None:
        if result is not None:
            pane.app.notify(_("Enrolled."), markup=False)
            pane.bpa.broadcast_change("course")

    pane.app.push_screen(SessionPicker(who, kinds=kinds, course_id=course_id), picked)


# --------------------------------------------------------------------------- course dates

class DatesPane(AreaPane):
    """Course dates (upper table) and who is enrolled on the highlighted one (lower table)."""

    DEFAULT_CSS = """
    DatesPane #sessions-table { height: 1fr; }
    DatesPane #enrollments-table { height: 1fr; }
    """

    BINDINGS = [
        Binding("n", "new", N_("New date")),
        Binding("e", "edit", N_("Edit date"), show=False),
        Binding("i", "enroll", N_("Enroll")),
        Binding("c", "outcome('completed')", N_("Completed")),
        Binding("t", "outcome('attended')", N_("Attended")),
        Binding("o", "outcome('no_show')", N_("No-show")),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.sessions: list[courses.SessionRow] = []
        self.enrollments: list[course_enrollment.EnrollmentRow] = []
        self.course_list: list[Any] = []
        self.session_id: int | None = None
        self._focus_person: str | None = None

    def compose(self) -> ComposeResult:
        yield SafeTable(cursor_type="row", id="sessions-table")
        yield Static("", id="enrolled-heading", classes="heading")
        yield SafeTable(cursor_type="row", id="enrollments-table")
        yield Static(_("Loading…"), classes="status")

    def load(self) -> None:
        super().load()
        self.call_service("sessions", courses.list_sessions, self.db, self.actor)
        self.call_service("courses", courses.list_courses, self.db, self.actor)

    def load_enrollments(self) -> None:
        if self.session_id is None:
            self.enrollments = []
            self.fill(self.query_one("#enrollments-table", DataTable), self._people_columns(), [], self._person_cells)
            self.query_one("#enrolled-heading", Static).update("")
            return
        self.call_service("enrollments", course_enrollment.list_enrollments, self.db, self.actor, session_id=self.session_id)

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result):
            return
        if result.tag == "courses":
            self.course_list = list(result.value or []) if result.error is None else []
            return
        if result.error is not None:
            if result.tag in ("sessions", "enrollments"):
                self.status(describe_error(result.error))
            else:
                self.app.notify(error_words(result.error), severity="error", markup=False)
            return
        if result.tag == "sessions":
            self._show_sessions(result.value)
        elif result.tag == "enrollments":
            self._show_enrollments(result.value)

    def _show_sessions(self, rows: list[courses.SessionRow]) -> None:
        first = self.sessions == [] and self.session_id is None
        self.sessions = rows
        table = self.query_one("#sessions-table", DataTable)
        self.fill(table, [(_("Starts"), 10), (_("Course"), None), (_("Place"), 12), (_("Places"), 8)],
                  rows, self._session_cells)
        if first and rows:
            # Open on the first date that has not passed: the one people are planning for.
            upcoming = [i for i, s in enumerate(rows) if (s.ends_on or s.starts_on) >= self.bpa.today]
            table.move_cursor(row=upcoming[0] if upcoming else len(rows) - 1)
        current = self.row_of(table, self.sessions)
        self.session_id = current.id if current is not None else None
        self.load_enrollments()
        if not rows:
            self.status(_("No course date yet.") + " " + (_("Press n to add one.") if self._may_write() else ""))
        else:
            self.status(ngettext("{n} course date", "{n} course dates", len(rows)).format(n=len(rows))
                        + " · " + _("Enter: to the people enrolled"))

    @staticmethod
    def _session_cells(s: courses.SessionRow) -> list[Text]:
        places = f"{s.enrolled}/{s.capacity}" if s.capacity is not None else f"{s.enrolled}/–"
        full = s.capacity is not None and not s.free
        return [text(s.starts_on), Text(s.course), Text(s.place),
                Text(places + (" " + _("FULL") if full else ""), style="bold" if full else "")]

    @staticmethod
    def _people_columns() -> Columns:
        return [(_("Person"), None), (_("Outcome"), 10), (_("Date"), 10), (_("Certificate"), 12)]

    @staticmethod
    def _person_cells(e: course_enrollment.EnrollmentRow) -> list[Text]:
        return [Text(f"{e.person_ref} {e.person_name}"), Text(labels.choice(e.status)), text(e.completed_on),
                Text(e.certificate_ref)]

    def _show_enrollments(self, rows: list[course_enrollment.EnrollmentRow]) -> None:
        self.enrollments = rows
        table = self.query_one("#enrollments-table", DataTable)
        self.fill(table, self._people_columns(), rows, self._person_cells)
        course_date = self.current_date()
        if course_date is not None:
            heading = _("Enrolled on {name} ({n})").format(name=session_name(course_date), n=len(rows))
            self.query_one("#enrolled-heading", Static).update(Text(heading))
        if self._focus_person is not None:
            refs = [e.person_ref for e in rows]
            if self._focus_person in refs:
                table.move_cursor(row=refs.index(self._focus_person))
                table.focus()
            self._focus_person = None

    def current_date(self) -> courses.SessionRow | None:
        return next((s for s in self.sessions if s.id == self.session_id), None)

    @on(DataTable.RowHighlighted, "#sessions-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = self.row_of(event.data_table, self.sessions)
        if row is not None and row.id != self.session_id:
            self.session_id = row.id
            self.load_enrollments()

    @on(DataTable.RowSelected, "#sessions-table")
    def _to_people(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.query_one("#enrollments-table", DataTable).focus()

    @on(DataTable.RowSelected, "#enrollments-table")
    def _person_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.row_of(event.data_table, self.enrollments)
        if row is not None:
            self.action_outcome(row.status if row.status in courses.OUTCOMES else "completed")

    # -- actions ---------------------------------------------------------------------------
    def _may_write(self) -> bool:
        return self.actor.may("course.write")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("new", "edit", "enroll", "outcome") and not self._may_write():
            return False
        if action == "outcome":
            # Outcomes are for the person under the cursor of the lower table.
            return self.screen.focused is self.query_one("#enrollments-table")
        return True

    def _changed(self, what: str) -> Callable[[Any], None]:
        def done(result: Any) -> None:
            if result is not None:
                self.app.notify(what, markup=False)
                self.bpa.broadcast_change("course")
        return done

    def action_new(self) -> None:
        if not self.course_list:
            self.app.notify(_("Add a course to the catalog first (Catalog tab, n)."), markup=False)
            return
        self.app.push_screen(session_form(self.db, self.actor, self.course_list), self._changed(_("Saved.")))

    def action_edit(self) -> None:
        course_date = self.current_date()
        if course_date is not None:
            self.app.push_screen(session_form(self.db, self.actor, self.course_list, course_date=course_date),
                                 self._changed(_("Saved.")))

    def action_enroll(self) -> None:
        course_date = self.current_date()
        if course_date is None:
            return

        def enrolled(result: Any) -> None:
            if result is not None:
                self._focus_person = None
                self.app.notify(_("Enrolled."), markup=False)
                self.bpa.broadcast_change("course")
                self.query_one("#enrollments-table", DataTable).focus()

        self.app.push_screen(EnrollForm(course_date), enrolled)

    def action_outcome(self, status: str) -> None:
        row = self.row_of(self.query_one("#enrollments-table", DataTable), self.enrollments)
        if row is None:
            return
        self._focus_person = row.person_ref
        self.app.push_screen(outcome_form(self.db, self.actor, row, status, self.current_date()),
                             self._changed(_("Saved.")))


# --------------------------------------------------------------------------- catalog

class CatalogPane(AreaPane):
    """The course catalog: name and organiser, kind, hours, validity."""

    BINDINGS = [
        Binding("n", "new", N_("New course")),
        Binding("e", "edit", N_("Edit course")),
        Binding("d", "new_date", N_("New date")),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    TABLE_ID = "catalog-table"

    def load(self) -> None:
        super().load()
        self.call_service("courses", courses.list_courses, self.db, self.actor)

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result) or not self.keep_rows(result):
            return
        self.fill(self.query_one(DataTable), [
            (_("Course"), None), (_("Kind"), 14), (_("Hours"), 5), (_("Valid"), 9)], self.rows, self._cells)
        if self.rows:
            self.status(ngettext("{n} course", "{n} courses", len(self.rows)).format(n=len(self.rows)))
        else:
            self.status(_("The catalog is empty.") + " " + (_("Press n to add a course.") if self._may_write() else ""))

    @staticmethod
    def _cells(c: Any) -> list[Text]:
        name = Text(c.name)
        if c.organiser:
            name.append("\n" + c.organiser, style="dim")
        valid = _("{n} months").format(n=c.validity_months) if c.validity_months else _("no expiry")
        return [name, Text(word(COURSE_KIND_WORDS, c.kind)), Text(hours(c.hours)), Text(valid)]

    def _may_write(self) -> bool:
        return self.actor.may("course.write")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("new", "edit", "new_date"):
            return self._may_write()
        return True

    def _saved(self, result: Any) -> None:
        if result is not None:
            self.app.notify(_("Saved."), markup=False)
            self.bpa.broadcast_change("course")

    def action_new(self) -> None:
        self.app.push_screen(course_form(self.db, self.actor), self._saved)

    def action_edit(self) -> None:
        row = self.current()
        if row is not None:
            self.app.push_screen(course_form(self.db, self.actor, row), self._saved)

    def action_new_date(self) -> None:
        row = self.current()
        if row is not None:
            self.app.push_screen(session_form(self.db, self.actor, self.rows, course=row), self._saved)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self._may_write():
            self.action_edit()


# --------------------------------------------------------------------------- expiring credentials

class ExpiringPane(AreaPane):
    """Course credentials of current staff that expire within the first reminder (or have)."""

    BINDINGS = [
        Binding("i", "enroll", N_("Enroll")),
        Binding("f5", "reload", N_("Reload"), show=False),
    ]

    TABLE_ID = "expiring-table"
    rows: list[course_credentials.ExpiringCredential]

    @staticmethod
    def key_of(row: Any) -> Any:
        return (row.person_kind, row.person_id, row.course_id)

    def load(self) -> None:
        super().load()
        self.call_service("expiring", course_credentials.expiring_credentials, self.db, self.actor, self.bpa.today,
                          policy=self.policy)

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result) or not self.keep_rows(result):
            return
        self.fill(self.query_one(DataTable), [
            (_("Expires"), 10), (_("State"), 12), (_("Person"), 18), (_("Course"), None)], self.rows, self._cells)
        first = max(self.policy.course_expiry_reminders, default=90)
        if self.rows:
            self.status(_("{n} expired or expiring within {days} days · i: enroll in a new date").format(
                n=len(self.rows), days=first))
        else:
            self.status(_("No course credential expires within {days} days.").format(days=first))

    @staticmethod
    def _cells(x: course_credentials.ExpiringCredential) -> list[Text]:
        state = flag(_("EXPIRED"), True) if x.expired else flag(
            _("{n} days left").format(n=x.days_left), x.days_left <= 30)
        return [text(x.expires_on), state, Text(f"{x.person_ref} {x.person_name}"), Text(x.course)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enroll":
            return self.actor.may("course.write")
        return True

    def action_enroll(self) -> None:
        row = self.current()
        if row is None:
            return
        who = f"{row.person_ref} {row.person_name}"
        if row.person_kind == "supervisor":
            pick_and_enroll(self, who, (row.person_ref, row.person_name), kinds=courses.SUPERVISOR_KINDS)
        else:
            pick_and_enroll(self, who, (row.person_ref, row.person_name), course_id=row.course_id)


# --------------------------------------------------------------------------- the area

class CoursesView(AreaTabs):
    """The "courses" area: Onboarding, Course dates, Catalog and Expiring tabs.

    Onboarding, courses and reviews touch each other (a completed basic course ticks the
    checklist; a review action puts someone on a course): a changed record reloads every tab.
    """

    TABS = (("onboarding", N_("Onboarding")), ("dates", N_("Course dates")), ("catalog", N_("Catalog")),
            ("expiring", N_("Expiring")))
    PANES: dict[str, Callable[..., AreaPane]] = {
        "onboarding": OnboardingPane, "dates": DatesPane, "catalog": CatalogPane, "expiring": ExpiringPane}


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
        self.call_service("detail", load_checklist, app.db, app.actor, self.record_id, app.today,
                          app.settings.policy)

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
        for title, col_width in ((_("Due"), 10), (_("State"), 9), (_("Step"), width), (_("Client"), 6),
                                 (_("Who"), 11), (_("Done on"), 10)):
            table.add_column(Text(title), width=col_width)
        for st in d.steps:
            step = Text(st.title)
            if st.note:
                step.append("\n" + st.note, style="dim")
            table.add_row(text(st.due_date), flag(word(STEP_WORDS, st.state), st.state == "overdue"), step,
                          Text(st.client_ref), Text(labels.role(st.responsible)), text(st.done_on))
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
        from screens.date_prompt import DatePrompt

        question = _("Mark \u201c{step}\u201d done for {client}").format(step=step.title, client=step.client_ref)
        app = self.bpa

        def done(day: date | None) -> None:
            if day is not None:
                self.call_service("done", onboarding.complete_step, app.db, app.actor, self.record_id, step.code,
                                  client=step.client_ref or None, on=day)

        self.app.push_screen(DatePrompt(question, _("Done on"), app.today), done)
