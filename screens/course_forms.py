"""Forms of the Courses area: a course, a course date, a course outcome, enrolling people, and
choosing a course date for someone.

They keep the record form's promises (screens/form_base.py): each field is checked as it is typed
and the message stands under it; Save (Ctrl+S or F2) is refused while a field has a problem, with
the first such field focused; the service checks again and its messages go under the fields it
names; a save refused because someone else changed the record says so and keeps the input; Esc on
a changed form asks first. The fields are the services' own `FieldSpec`s (`courses.COURSE_FIELDS`,
`courses.SESSION_FIELDS`), so a form accepts exactly what the command line accepts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from bpa_provider.access import Actor
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.services import course_enrollment, courses, records
from bpa_provider.services.records import FieldSpec, parse_value
from db.engine import Database
from screens import labels
from screens.calls import ServiceCaller
from screens.form_base import FormScreen, error_words
from screens.messages import ServiceResult
from screens.ui import TranslatedBindings, describe_error, field_message, text
from screens.widgets.fields import FieldRow

if TYPE_CHECKING:
    from screens.app import BpaApp

LOOKUP_DELAY = 0.2
LOOKUP_LIMIT = 6

# Words for the codes of this area (the codes never change with the language; these words do).
COURSE_KIND_WORDS = {
    "supervisor_basic": N_("supervisor basic course"),
    "supervisor_refresher": N_("supervisor refresher"),
    "assistant_training": N_("assistant training"),
}
OUTCOME_WORDS = {"attended": N_("attended"), "completed": N_("completed"), "no_show": N_("no-show")}


def word(words: Mapping[str, str], code: str | None) -> str:
    """A code as a word in the current language; unknown codes are shown as they are."""
    if not code:
        return ""
    return _(words[code]) if code in words else code


def session_name(s: courses.SessionRow) -> str:
    """How a course date is named in titles: "12.03.2026 First aid"."""
    return f"{text(s.starts_on).plain} {s.course}"


def seats(s: courses.SessionRow) -> str:
    """Free places in words."""
    if s.capacity is None:
        return _("{n} enrolled, no limit on places").format(n=s.enrolled)
    return _("{free} of {capacity} places free").format(free=s.free, capacity=s.capacity)


# --------------------------------------------------------------------------- fields

class SpecFieldRow(FieldRow):
    """A form field for a `FieldSpec` outside the registry (courses, course dates, outcomes).

    Checked with `records.parse_value` (the parser the service uses) instead of
    `records.check_field`, which only knows the registry's records; choices show words, or
    `options` given by the caller (course names from the database, as `Text`, never markup).
    """

    def __init__(self, spec: FieldSpec, *, editing: bool = False, readonly: str | None = None,
                 words: Mapping[str, str] | None = None,
                 options: Sequence[tuple[Text, str]] | None = None) -> None:
        super().__init__("course", spec, editing=editing, readonly=readonly)
        self.words = dict(words or {})
        self.options = list(options) if options is not None else None

    def _editor(self) -> Widget:
        if self.readonly is None and self.spec.kind == "choice":
            options = self.options if self.options is not None else [
                (Text(word(self.words, c)), c) for c in self.spec.choices]
            return Select(options, allow_blank=True, prompt=_("Choose…"), compact=True, classes="editor")
        return super()._editor()

    def problem(self) -> str | None:
        if self.readonly is not None:
            return None
        try:
            parse_value(None, self.spec, self.raw_value())
        except ValueError as exc:
            return field_message(labels.label(self.spec.label), exc)
        return None


# --------------------------------------------------------------------------- the generic form

class SpecForm(FormScreen):
    """A modal of `SpecFieldRow`s whose Save runs `save(data)` in a worker; dismisses with its result.

    `send` says what `data` holds: "filled" (a new record: every filled field), "changed" (an edit:
    only what changed; nothing changed closes the form) or "all".
    """

    DEFAULT_CSS = """
    SpecForm #dialog { width: 80; }
    SpecForm #info { color: $text-muted; height: auto; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), priority=True),
        Binding("f2", "save", N_("Save"), show=False, priority=True),
        Binding("escape", "cancel", N_("Cancel")),
    ]

    def __init__(self, title: str, rows: Sequence[SpecFieldRow], save: Callable[[dict[str, Any]], Any], *,
                 values: Mapping[str, Any] | None = None, send: str = "filled", info: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.info = info
        self._rows = list(rows)
        self.save = save
        self.values = dict(values or {})
        self.send = send

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text), id="title")
            if self.info:
                yield Static(Text(self.info), id="info")
            with VerticalScroll(id="fields"):
                yield from self._rows
            yield Static("", id="banner", classes="-empty")
            yield from self.buttons()

    def rows(self) -> list[SpecFieldRow]:
        return list(self.query(SpecFieldRow))

    def row(self, name: str) -> SpecFieldRow | None:
        return next((r for r in self.rows() if r.spec.name == name), None)

    def on_mount(self) -> None:
        for row in self.rows():
            if row.readonly is not None:
                continue
            if row.spec.name in self.values:
                row.set_value(self.values[row.spec.name])
            else:
                row.initial = row.raw_value()
        self.call_after_refresh(self._focus_first)

    def _focus_first(self) -> None:
        for row in self.rows():
            if row.readonly is None:
                row.focus_editor()
                return

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for row in self.rows():
            if row.readonly is not None or (self.send == "changed" and not row.changed):
                continue
            value = row.raw_value()
            if self.send == "filled" and value in ("", None):
                continue
            out[row.spec.name] = value
        return out

    def action_save(self) -> None:
        if self.saving:
            return
        if self.refuse([r for r in self.rows() if r.validate(force=True)]):
            return
        data = self.data()
        if self.send == "changed" and not data:
            self.dismiss(None)
            return
        self.begin_save()
        self.call_service("save", self.save, data)

    def show_problem(self, problem: FieldError) -> SpecFieldRow | None:
        row = self.row(problem.field)
        if row is None or row.readonly is not None:
            return None  # a fixed field cannot be corrected here: said in the banner
        row.show_error(problem.localized())
        return row


# --------------------------------------------------------------------------- the concrete forms

def course_form(db: Database, actor: Actor, course: Any | None = None) -> SpecForm:
    """New course (None) or edit one (sending only what changed, with the version read)."""
    rows = [SpecFieldRow(f, editing=course is not None, words=COURSE_KIND_WORDS) for f in courses.COURSE_FIELDS]
    if course is None:
        return SpecForm(_("New course"), rows, lambda data: courses.create_course(db, actor, data))
    values = {f.name: getattr(course, f.name, None) for f in courses.COURSE_FIELDS}
    return SpecForm(_("Edit course {name}").format(name=course.name), rows,
                    lambda data: courses.update_course(db, actor, course.id, course.version, data),
                    values=values, send="changed")


COURSE_CHOICE = FieldSpec("course", N_("Course"), "choice", required=True)


def session_form(db: Database, actor: Actor, course_list: Sequence[Any], *, course: Any | None = None,
                 course_date: courses.SessionRow | None = None) -> SpecForm:
    """New course date (of `course`, or chosen in the form) or edit one (`course_date`)."""
    if course_date is not None:
        rows = [SpecFieldRow(COURSE_CHOICE, readonly=course_date.course)]
        rows += [SpecFieldRow(f, editing=True) for f in courses.SESSION_FIELDS]
        values = {f.name: getattr(course_date, f.name, None) for f in courses.SESSION_FIELDS}
        return SpecForm(_("Edit course date {name}").format(name=session_name(course_date)), rows,
                        lambda data: courses.update_session(db, actor, course_date.id, course_date.version, data),
                        values=values, send="changed", info=seats(course_date))
    if course is not None:
        fixed = course
        rows = [SpecFieldRow(COURSE_CHOICE, readonly=course.name)]

        def save(data: dict[str, Any]) -> Any:
            return courses.create_session(db, actor, fixed.id, data)
    else:
        spec = FieldSpec("course", N_("Course"), "choice", required=True,
                         choices=tuple(str(c.id) for c in course_list))
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


def outcome_form(db: Database, actor: Actor, enrollment: course_enrollment.EnrollmentRow, status: str,
                 course_date: courses.SessionRow | None) -> SpecForm:
    """Record attended / completed / no-show for one enrollment (the date defaults to the course's
    last day, as the service does)."""
    day = enrollment.completed_on or (course_date.ends_on or course_date.starts_on if course_date else None)
    values = {"status": status, "on": day, "certificate_ref": enrollment.certificate_ref}
    rows = [SpecFieldRow(f, words=OUTCOME_WORDS) for f in OUTCOME_FIELDS]

    def save(data: dict[str, Any]) -> Any:
        return course_enrollment.record_outcome(db, actor, enrollment.id, data["status"], data["on"] or None,
                                                data["certificate_ref"], version=enrollment.version)

    title = _("Outcome for {who}").format(who=f"{enrollment.person_ref} {enrollment.person_name}")
    info = f"{text(enrollment.starts_on).plain} {enrollment.course}".strip()
    return SpecForm(title, rows, save, values=values, send="all", info=info)


# --------------------------------------------------------------------------- enrolling people

def find_people(db: Database, actor: Actor, term: str) -> list[tuple[str, str]]:
    """(ref, name) of supervisors and assistants whose name or reference matches `term`."""
    found: list[tuple[str, str]] = []
    for kind in ("supervisor", "assistant"):
        if actor.may(f"{kind}.read"):
            page = records.list_records(db, actor, kind, search=term, limit=LOOKUP_LIMIT)
            found += [(r.ref, r.name) for r in page.rows]
    return found


class EnrollForm(FormScreen):
    """Enroll one or more people in a course date: type a reference or part of a name, Enter adds
    the match to the list, Ctrl+S enrolls everyone on it (all or nobody, as the service does)."""

    DEFAULT_CSS = """
    EnrollForm #dialog { width: 76; }
    EnrollForm #info, EnrollForm .note { color: $text-muted; height: auto; }
    EnrollForm Horizontal { height: auto; }
    EnrollForm Label { width: 10; }
    EnrollForm #person { width: 1fr; }
    EnrollForm .note { padding-left: 10; }
    EnrollForm #chosen { height: auto; max-height: 8; margin-left: 10; border: none; }
    EnrollForm .heading { margin-top: 1; }
    EnrollForm .error { color: $text-error; text-style: bold; height: auto; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Enroll"), priority=True),
        Binding("f2", "save", N_("Enroll"), show=False, priority=True),
        Binding("escape", "cancel", N_("Cancel")),
        Binding("delete", "remove", N_("Remove from the list")),
    ]

    def __init__(self, course_date: courses.SessionRow, people: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__()
        self.course_date = course_date
        self.people: list[tuple[str, str]] = list(people)
        self.initial_people = list(people)
        self.match: tuple[str, str] | None = None
        self.looking = False
        self.add_when_found = False
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        s = self.course_date
        info = seats(s) + (f" · {s.place}" if s.place else "")
        with Vertical(id="dialog"):
            yield Static(Text(_("Enroll in {name}").format(name=session_name(s))), id="title")
            yield Static(Text(info), id="info")
            with Horizontal():
                yield Label(_("Person"))
                yield Input(placeholder=_("reference or part of the name, then Enter"), id="person", compact=True)
            yield Static("", id="match", classes="note")
            yield Static(Text(_("To enroll (Delete removes):")), classes="heading")
            yield OptionList(*[self._option(p) for p in self.people], id="chosen")
            yield Static("", id="error", classes="error")
            yield from self.buttons(_("Enroll (Ctrl+S)"))

    @staticmethod
    def _option(person: tuple[str, str]) -> Option:
        return Option(Text(f"{person[0]} {person[1]}"), id=person[0])

    def on_mount(self) -> None:
        self.query_one("#person", Input).focus()

    def _say(self, widget_id: str, message: str) -> None:
        self.query_one(widget_id, Static).update(Text(message))

    def banner(self, message: str) -> None:
        self._say("#error", message)

    # -- look-up ---------------------------------------------------------------------------
    @on(Input.Changed, "#person")
    def _typed(self, event: Input.Changed) -> None:
        self.match = None
        self.add_when_found = False
        self._say("#match", "")
        if self._timer is not None:
            self._timer.stop()
        self.looking = bool(event.value.strip())
        if self.looking:
            self._timer = self.set_timer(LOOKUP_DELAY, self._lookup)

    def _lookup(self) -> None:
        term = self.query_one("#person", Input).value.strip()
        if term:
            self.call_service("lookup", find_people, self.bpa.db, self.bpa.actor, term)

    @on(Input.Submitted, "#person")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()  # Enter adds the person here: the base's "next field" must not run
        if self.match is not None:
            self._add(self.match)
        elif self.looking:
            self.add_when_found = True  # Enter came before the answer: add it when it comes
        elif not event.value.strip() and self.people:
            self.query_one("#save", Button).focus()

    def _add(self, person: tuple[str, str]) -> None:
        if person[0] not in [p[0] for p in self.people]:
            self.people.append(person)
            self.query_one("#chosen", OptionList).add_option(self._option(person))
        person_input = self.query_one("#person", Input)
        person_input.value = ""
        self.match = None
        self.looking = False
        self._say("#match", "")
        self._say("#error", "")
        person_input.focus()

    def answer(self, result: ServiceResult) -> None:
        if result.tag == "lookup":
            self._found(result)

    def _found(self, result: ServiceResult) -> None:
        self.looking = False
        term = self.query_one("#person", Input).value.strip()
        if result.error is not None:
            self._say("#match", error_words(result.error))
            return
        rows: list[tuple[str, str]] = result.value
        exact = [r for r in rows if r[0].lower() == term.lower()]
        self.match = exact[0] if exact else (rows[0] if len(rows) == 1 else None)
        if self.match is not None:
            if self.add_when_found:
                self._add(self.match)
                return
            self._say("#match", _("→ {who} (Enter adds)").format(who=f"{self.match[0]} {self.match[1]}"))
        elif rows:
            self._say("#match", _("{n} match: {names} — type more").format(
                n=len(rows), names=", ".join(f"{r[0]} {r[1]}" for r in rows[:3])))
        else:
            self._say("#match", _("No supervisor or assistant matches \u201c{text}\u201d.").format(text=term))
        self.add_when_found = False

    # -- actions ---------------------------------------------------------------------------
    def action_remove(self) -> None:
        chosen = self.query_one("#chosen", OptionList)
        index = chosen.highlighted
        if index is not None and 0 <= index < len(self.people):
            del self.people[index]
            chosen.remove_option_at_index(index)

    def action_save(self) -> None:
        if self.saving:
            return
        typed = self.query_one("#person", Input).value.strip()
        if typed:
            self._say("#error", _("Add \u201c{text}\u201d with Enter, or clear it, before enrolling.").format(
                text=typed))
            self.query_one("#person", Input).focus()
            return
        if not self.people:
            self._say("#error", _("Add at least one person: type a reference or part of a name, then Enter."))
            self.query_one("#person", Input).focus()
            return
        # Not `begin_save`: a message under the list stays until the service answers.
        self.saving = True
        self.set_busy(True)
        self.call_service("save", course_enrollment.enroll, self.bpa.db, self.bpa.actor, self.course_date.id,
                          [p[0] for p in self.people])

    def refused(self, error: ValidationError) -> None:
        self.banner(error_words(error))  # all or nobody: the problems are about the list as a whole

    @property
    def changed(self) -> bool:
        return self.people != self.initial_people or bool(self.query_one("#person", Input).value.strip())


# --------------------------------------------------------------------------- choosing a date

class SessionPicker(ServiceCaller, TranslatedBindings, ModalScreen[Any]):
    """Upcoming course dates of some kinds (or of one course); Enter picks one, Esc closes."""

    DEFAULT_CSS = """
    SessionPicker { align: center middle; }
    SessionPicker > Vertical { width: 72; max-width: 100%; height: auto; max-height: 100%;
                               border: round $accent; background: $surface; padding: 0 1; }
    SessionPicker #title { text-style: bold; height: auto; }
    SessionPicker #dates { height: auto; max-height: 14; border: none; }
    SessionPicker #message { color: $text-muted; height: auto; }
    """

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, who: str, *, kinds: Sequence[str] = (), course_id: int | None = None) -> None:
        super().__init__()
        self.translate_bindings()
        self.who = who
        self.kinds = tuple(kinds)
        self.course_id = course_id
        self.sessions: list[courses.SessionRow] = []

    @property
    def bpa(self) -> "BpaApp":
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("Choose a course date for {who}").format(who=self.who)), id="title")
            yield OptionList(id="dates")
            yield Static(_("Loading…"), id="message")

    def on_mount(self) -> None:
        self.call_service("sessions", courses.list_sessions, self.bpa.db, self.bpa.actor,
                          course=self.course_id, from_date=self.bpa.today)

    def on_service_result(self, result: ServiceResult) -> None:
        message = self.query_one("#message", Static)
        if result.error is not None:
            message.update(Text(describe_error(result.error)))
            return
        self.sessions = [s for s in result.value if not self.kinds or s.kind in self.kinds]
        dates = self.query_one("#dates", OptionList)
        for s in self.sessions:
            line = Text(session_name(s))
            line.append(f" · {s.place}" if s.place else "")
            line.append(" · " + seats(s), style="dim")
            dates.add_option(Option(line))
        if self.sessions:
            message.update(Text(_("Enter chooses; Esc closes.")))
            dates.highlighted = 0
            dates.focus()
        else:
            message.update(Text(_("No upcoming course date fits. Add one under Course dates (n), then "
                                  "come back.")))

    @on(OptionList.OptionSelected, "#dates")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.sessions):
            self.dismiss(self.sessions[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
