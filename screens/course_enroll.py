"""Enrolling people in a course date: the enroll form (type a reference or part of a name, Enter
adds the match, Ctrl+S enrolls everyone on the list, all or nobody), the course-date picker, and
`pick_and_enroll`, which chains the two for one person from any Courses tab.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.errors import ValidationError
from bpa_provider.i18n import N_, _
from bpa_provider.screens.area_pane import AreaPane
from bpa_provider.screens.calls import ServiceCaller
from bpa_provider.screens.course_forms import seats, session_name
from bpa_provider.screens.form_base import FormScreen, error_words, save_keys
from bpa_provider.screens.messages import ServiceResult
from bpa_provider.screens.ui import TranslatedBindings, describe_error
from bpa_provider.services import course_enrollment, courses, records

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp

LOOKUP_DELAY = 0.2
LOOKUP_LIMIT = 6


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
        *save_keys(N_("Enroll")),
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
            self._say(
                "#match",
                _("{n} match: {names} — type more").format(
                    n=len(rows), names=", ".join(f"{r[0]} {r[1]}" for r in rows[:3])
                ),
            )
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
            self._say(
                "#error", _("Add \u201c{text}\u201d with Enter, or clear it, before enrolling.").format(text=typed)
            )
            self.query_one("#person", Input).focus()
            return
        if not self.people:
            self._say("#error", _("Add at least one person: type a reference or part of a name, then Enter."))
            self.query_one("#person", Input).focus()
            return
        # Not `begin_save`: a message under the list stays until the service answers.
        self.saving = True
        self.set_busy(True)
        self.call_service(
            "save",
            course_enrollment.enroll,
            self.bpa.db,
            self.bpa.actor,
            self.course_date.id,
            [p[0] for p in self.people],
        )

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
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("Choose a course date for {who}").format(who=self.who)), id="title")
            yield OptionList(id="dates")
            yield Static(_("Loading…"), id="message")

    def on_mount(self) -> None:
        self.call_service(
            "sessions",
            courses.list_sessions,
            self.bpa.db,
            self.bpa.actor,
            course=self.course_id,
            from_date=self.bpa.today,
        )

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
            message.update(Text(_("No upcoming course date fits. Add one under Course dates (n), then come back.")))

    @on(OptionList.OptionSelected, "#dates")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.sessions):
            self.dismiss(self.sessions[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


def pick_and_enroll(
    pane: AreaPane, who: str, person: tuple[str, str], *, kinds: Sequence[str] = (), course_id: int | None = None
) -> None:
    """Choose an upcoming course date, then open the enroll form with the person on its list."""

    def picked(course_date: Any) -> None:
        if course_date is not None:
            pane.app.push_screen(EnrollForm(course_date, [person]), enrolled)

    def enrolled(result: Any) -> None:
        if result is not None:
            pane.app.notify(_("Enrolled."), markup=False)
            pane.bpa.broadcast_change("course")

    pane.app.push_screen(SessionPicker(who, kinds=kinds, course_id=course_id), picked)
