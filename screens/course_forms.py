"""Forms of the Courses area: a course, a course date and a course outcome (each a `SpecForm`,
screens/spec_form.py), and the words for the area's codes. Enrolling people and choosing a course
date are in screens/course_enroll.py.

The fields are the services' own `FieldSpec`s (`courses.COURSE_FIELDS`, `courses.SESSION_FIELDS`),
so a form accepts exactly what the command line accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.i18n import N_, _
from bpa_provider.screens.spec_form import SpecFieldRow, SpecForm
from bpa_provider.screens.ui import text
from bpa_provider.services import course_enrollment, courses
from bpa_provider.services.records import FieldSpec

# Words for the codes of this area (the codes never change with the language; these words do).
COURSE_KIND_WORDS = {
    "supervisor_basic": N_("supervisor basic course"),
    "supervisor_refresher": N_("supervisor refresher"),
    "assistant_training": N_("assistant training"),
}
OUTCOME_WORDS = {"attended": N_("attended"), "completed": N_("completed"), "no_show": N_("no-show")}


def session_name(s: courses.SessionRow) -> str:
    """How a course date is named in titles: "12.03.2026 First aid"."""
    return f"{text(s.starts_on).plain} {s.course}"


def seats(s: courses.SessionRow) -> str:
    """Free places in words."""
    if s.capacity is None:
        return _("{n} enrolled, no limit on places").format(n=s.enrolled)
    return _("{free} of {capacity} places free").format(free=s.free, capacity=s.capacity)


# --------------------------------------------------------------------------- the concrete forms


def course_form(db: Database, actor: Actor, course: Any | None = None) -> SpecForm:
    """New course (None) or edit one (sending only what changed, with the version read)."""
    rows = [SpecFieldRow(f, editing=course is not None, words=COURSE_KIND_WORDS) for f in courses.COURSE_FIELDS]
    if course is None:
        return SpecForm(_("New course"), rows, lambda data: courses.create_course(db, actor, data))
    values = {f.name: getattr(course, f.name, None) for f in courses.COURSE_FIELDS}
    return SpecForm(
        _("Edit course {name}").format(name=course.name),
        rows,
        lambda data: courses.update_course(db, actor, course.id, course.version, data),
        values=values,
        send="changed",
    )


COURSE_CHOICE = FieldSpec("course", N_("Course"), "choice", required=True)


def session_form(
    db: Database,
    actor: Actor,
    course_list: Sequence[Any],
    *,
    course: Any | None = None,
    course_date: courses.SessionRow | None = None,
) -> SpecForm:
    """New course date (of `course`, or chosen in the form) or edit one (`course_date`)."""
    if course_date is not None:
        rows = [SpecFieldRow(COURSE_CHOICE, readonly=course_date.course)]
        rows += [SpecFieldRow(f, editing=True) for f in courses.SESSION_FIELDS]
        values = {f.name: getattr(course_date, f.name, None) for f in courses.SESSION_FIELDS}
        return SpecForm(
            _("Edit course date {name}").format(name=session_name(course_date)),
            rows,
            lambda data: courses.update_session(db, actor, course_date.id, course_date.version, data),
            values=values,
            send="changed",
            info=seats(course_date),
        )
    if course is not None:
        fixed = course
        rows = [SpecFieldRow(COURSE_CHOICE, readonly=course.name)]

        def save(data: dict[str, Any]) -> Any:
            return courses.create_session(db, actor, fixed.id, data)
    else:
        spec = FieldSpec("course", N_("Course"), "choice", required=True, choices=tuple(str(c.id) for c in course_list))
        rows = [SpecFieldRow(spec, options=[(Text(c.name), str(c.id)) for c in course_list])]

        def save(data: dict[str, Any]) -> Any:
            data = dict(data)
            return courses.create_session(db, actor, int(data.pop("course")), data)

    rows += [SpecFieldRow(f) for f in courses.SESSION_FIELDS]
    return SpecForm(_("New course date"), rows, save)


OUTCOME_FIELDS = (
    FieldSpec("status", N_("Outcome"), "choice", required=True, choices=courses.OUTCOMES),
    FieldSpec("on", N_("Date"), "date", hint=N_("the day it was attended or completed")),
    FieldSpec("certificate_ref", N_("Certificate"), max_len=100, hint=N_("kept for a completion")),
)


def outcome_form(
    db: Database,
    actor: Actor,
    enrollment: course_enrollment.EnrollmentRow,
    status: str,
    course_date: courses.SessionRow | None,
) -> SpecForm:
    """Record attended / completed / no-show for one enrollment (the date defaults to the course's
    last day, as the service does)."""
    day = enrollment.completed_on or (course_date.ends_on or course_date.starts_on if course_date else None)
    values = {"status": status, "on": day, "certificate_ref": enrollment.certificate_ref}
    rows = [SpecFieldRow(f, words=OUTCOME_WORDS) for f in OUTCOME_FIELDS]

    def save(data: dict[str, Any]) -> Any:
        return course_enrollment.record_outcome(
            db,
            actor,
            enrollment.id,
            data["status"],
            data["on"] or None,
            data["certificate_ref"],
            version=enrollment.version,
        )

    title = _("Outcome for {who}").format(who=f"{enrollment.person_ref} {enrollment.person_name}")
    info = f"{text(enrollment.starts_on).plain} {enrollment.course}".strip()
    return SpecForm(title, rows, save, values=values, send="all", info=info)
