"""The Course dates tab of the Courses area: course dates (upper table) and who is enrolled on the
highlighted one (lower table), with planning, enrolling and outcomes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from bpa_provider.i18n import N_, _, ngettext
from bpa_provider.screens import labels
from bpa_provider.screens.area_pane import AreaPane, Columns
from bpa_provider.screens.course_enroll import EnrollForm
from bpa_provider.screens.course_forms import outcome_form, session_form, session_name
from bpa_provider.screens.form_base import error_words
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.ui import describe_error, text
from bpa_provider.screens.widgets.safe_table import SafeTable
from bpa_provider.services import course_enrollment, courses

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
        self.call_service(
            "enrollments", course_enrollment.list_enrollments, self.db, self.actor, session_id=self.session_id
        )

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
        self.fill(
            table,
            [(_("Starts"), 10), (_("Course"), None), (_("Place"), 12), (_("Places"), 8)],
            rows,
            self._session_cells,
        )
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
            self.status(
                ngettext("{n} course date", "{n} course dates", len(rows)).format(n=len(rows))
                + " · "
                + _("Enter: to the people enrolled")
            )

    @staticmethod
    def _session_cells(s: courses.SessionRow) -> list[Text]:
        places = f"{s.enrolled}/{s.capacity}" if s.capacity is not None else f"{s.enrolled}/–"
        full = s.capacity is not None and not s.free
        return [
            text(s.starts_on),
            Text(s.course),
            Text(s.place),
            Text(places + (" " + _("FULL") if full else ""), style="bold" if full else ""),
        ]

    @staticmethod
    def _people_columns() -> Columns:
        return [(_("Person"), None), (_("Outcome"), 10), (_("Date"), 10), (_("Certificate"), 12)]

    @staticmethod
    def _person_cells(e: course_enrollment.EnrollmentRow) -> list[Text]:
        return [
            Text(f"{e.person_ref} {e.person_name}"),
            Text(labels.choice(e.status)),
            text(e.completed_on),
            Text(e.certificate_ref),
        ]

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
            self.app.push_screen(
                session_form(self.db, self.actor, self.course_list, course_date=course_date), self._changed(_("Saved."))
            )

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
        self.app.push_screen(
            outcome_form(self.db, self.actor, row, status, self.current_date()), self._changed(_("Saved."))
        )
