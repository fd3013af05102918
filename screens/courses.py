"""The Courses area: supervisors' onboarding, course dates with enrollment and outcomes, the course
catalog, and credentials about to expire — one tab each — plus a supervisor's checklist screen.

The Onboarding tab comes first because it answers the coordinator's question "who has not done
the course?": the most overdue first, the next step written out, and `d` (then `y`) marks it done.
Every list is a service call made in a worker (`ServiceCaller`); this module only displays and
asks. The tabs are `AreaPane`s of an `AreaTabs` area (screens/area_pane.py), as in Reviews.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.widgets import DataTable

from bpa_provider.i18n import N_, _, ngettext
from bpa_provider.screens.area_pane import AreaPane, AreaTabs, flag
from bpa_provider.screens.course_dates import DatesPane
from bpa_provider.screens.course_enroll import pick_and_enroll
from bpa_provider.screens.course_forms import COURSE_KIND_WORDS, course_form, session_form
from bpa_provider.screens.course_onboarding import OnboardingPane
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.spec_form import word
from bpa_provider.screens.ui import hours, text
from bpa_provider.services import course_credentials, courses

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
        self.fill(
            self.query_one(DataTable),
            [(_("Course"), None), (_("Kind"), 14), (_("Hours"), 5), (_("Valid"), 9)],
            self.rows,
            self._cells,
        )
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
        self.call_service(
            "expiring", course_credentials.expiring_credentials, self.db, self.actor, self.bpa.today, policy=self.policy
        )

    def on_service_result(self, result: ServiceResult) -> None:
        if not self.is_current(result) or not self.keep_rows(result):
            return
        self.fill(
            self.query_one(DataTable),
            [(_("Expires"), 10), (_("State"), 12), (_("Person"), 18), (_("Course"), None)],
            self.rows,
            self._cells,
        )
        first = max(self.policy.course_expiry_reminders, default=90)
        if self.rows:
            self.status(
                _("{n} expired or expiring within {days} days · i: enroll in a new date").format(
                    n=len(self.rows), days=first
                )
            )
        else:
            self.status(_("No course credential expires within {days} days.").format(days=first))

    @staticmethod
    def _cells(x: course_credentials.ExpiringCredential) -> list[Text]:
        state = (
            flag(_("EXPIRED"), True) if x.expired else flag(_("{n} days left").format(n=x.days_left), x.days_left <= 30)
        )
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

    TABS = (
        ("onboarding", N_("Onboarding")),
        ("dates", N_("Course dates")),
        ("catalog", N_("Catalog")),
        ("expiring", N_("Expiring")),
    )
    PANES: dict[str, Callable[..., AreaPane]] = {
        "onboarding": OnboardingPane,
        "dates": DatesPane,
        "catalog": CatalogPane,
        "expiring": ExpiringPane,
    }
