"""The Courses and Reviews areas through the real app (Pilot at 80x24), on the fixed dataset.

The views are wired into the main screen the way the lead will wire them (`make_view`), by a
fixture, so these tests run before that wiring lands. In the fixed data, S-0001 Anne Nordmann has
supervised K-0001 since 01.01.2025 (no onboarding step done) and A-0001 Per Hansen has worked for
K-0001 since 01.01.2025 with no review (overdue since 01.07.2025); "today" is 02.03.2026.

The machine is shared, so the tests wait for what they expect to see (`until`) rather than for a
fixed number of refreshes: a pane loads when it is first shown, one refresh after the key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

import fixed_data
import pytest
from pilot_steps import settle
from textual.widgets import DataTable, Input, Select, Static, TextArea

from bpa_provider.access import Actor
from bpa_provider.screens.area_pane import AreaPane
from bpa_provider.screens.confirm import ConfirmScreen
from bpa_provider.screens.course_enroll import EnrollForm
from bpa_provider.screens.course_onboarding import ChecklistScreen
from bpa_provider.screens.courses import CoursesView
from bpa_provider.screens.date_prompt import DatePrompt
from bpa_provider.screens.review_forms import ReviewForm, ReviewScreen
from bpa_provider.screens.reviews import ReviewsView
from bpa_provider.screens.spec_form import SpecForm
from bpa_provider.services import audit_log, course_enrollment, courses, onboarding, records, reviews

BUILDER = fixed_data.BUILDER


@pytest.fixture(autouse=True)
def wired(monkeypatch):
    """Courses and Reviews areas built by make_view, as the lead wires them."""
    from bpa_provider.screens import main

    original = main.make_view

    def make_view(key: str):
        if key == "courses":
            return CoursesView(id=key)
        if key == "reviews":
            return ReviewsView(id=key)
        return original(key)

    monkeypatch.setattr(main, "make_view", make_view)


async def until(app, pilot, check: Callable[[], Any], what: str, timeout: float = 10.0) -> None:
    """Wait (workers and refreshes) until `check()` is true."""
    end = time.monotonic() + timeout
    while True:
        await app.workers.wait_for_complete()
        await pilot.pause()
        try:
            if check():
                await settle(app, pilot)
                return
        except Exception:  # noqa: BLE001 - not there yet (a widget not mounted, a screen not pushed)
            pass
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def to_table(app, pilot, keys: tuple[str, ...], table_id: str) -> DataTable:
    """Press keys (an area's number, tab keys) until `table_id` has the focus and its pane has loaded."""
    await pilot.press(*keys)

    def ready() -> bool:
        table = app.screen.focused
        pane = next(a for a in table.ancestors if isinstance(a, AreaPane))
        return (
            table.id == table_id and not pane.stale and "Loading" not in str(pane.query_one(".status", Static).render())
        )

    try:
        await until(app, pilot, ready, f"{table_id} loaded and focused")
    except AssertionError:
        panes = {
            p.id: (p.stale, str(p.query_one(".status", Static).render()), p.display) for p in app.screen.query(AreaPane)
        }
        raise AssertionError(f"{table_id}: focused={app.screen.focused!r} panes={panes}") from None
    return app.screen.focused


async def to_screen(app, pilot, keys: tuple[str, ...], kind: type) -> Any:
    await pilot.press(*keys)
    await until(app, pilot, lambda: isinstance(app.screen, kind), kind.__name__)
    return app.screen


def cells(table: DataTable) -> list[str]:
    """Each row of a table as one line of plain text."""
    return [" | ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


def screen_text(screen) -> str:
    return "\n".join(str(s.render()) for s in screen.query(Static))


def steps_of(db, ref: str) -> dict[str, date | None]:
    return {s.code: s.done_on for s in onboarding.onboarding_steps(db, BUILDER, ref, fixed_data.TODAY)}


async def test_overdue_review_listed_with_status_text(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        table = await to_table(app, pilot, ("7",), "schedule-table")
        # Mona started 01.02.2026: her first review is months away, so "due or overdue" leaves her out.
        assert cells(table) == ["OVERDUE | 01.07.2025 | A-0001 Per Hansen | K-0001 | never"]
        assert "1 overdue" in str(app.screen.query_one("#counts", Static).render())
        await pilot.press("f", "f", "f", "f")  # → overdue → due → done → all
        await until(app, pilot, lambda: len(cells(table)) == 2, "the filter All")
        assert [r.split(" | ")[0] for r in cells(table)] == ["OVERDUE", "scheduled"]


async def test_record_review_from_the_list_in_one_key(make_app, fixed_db):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        table = await to_table(app, pilot, ("7",), "schedule-table")
        form = await to_screen(app, pilot, ("enter",), ReviewForm)  # one key from the list to the form
        held = form.query_one("#held_on", Input)
        assert held.value == "02.03.2026"
        # A date in the future is refused inline, and Save keeps the form open on that field.
        held.value = "03.03.2026"
        await pilot.pause()
        assert "future" in str(form.query_one("#held_on-error", Static).render())
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form and form.focused is held
        held.value = "01.03.2026"
        form.query_one("#participants", Input).value = "Per Hansen, Anne Nordmann"
        form.query_one("#summary", TextArea).text = "Trives [bold]godt[/bold]."
        form.query_one("#action-1 .what", Input).value = "Førstehjelpskurs"
        form.query_one("#action-1 .owner", Input).value = "coord"
        form.query_one("#action-1 .due", Input).value = "01.06.2026"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await until(app, pilot, lambda: app.screen is not form and cells(table) == [], "saved; nothing due")
        await pilot.press("f", "f", "f")  # → overdue → due → done
        await until(app, pilot, lambda: cells(table) != [], "the filter Done")
        assert cells(table) == ["done | 01.03.2027 | A-0001 Per Hansen | K-0001 | 01.03.2026"]

        # The agreed action is followed up in the next tab: d, y marks it done.
        actions = await to_table(app, pilot, ("greater_than_sign",), "actions-table")
        assert "Førstehjelpskurs" in cells(actions)[0]
        await pilot.press("d", "y")
        await until(app, pilot, lambda: cells(actions) == [], "the action done")
    held_reviews = reviews.list_reviews(fixed_db, BUILDER, assistant="A-0001")
    assert [(r.held_on, r.participants) for r in held_reviews] == [(date(2026, 3, 1), "Per Hansen, Anne Nordmann")]
    assert [a.done_on for a in held_reviews[0].actions] == [fixed_data.TODAY]


async def test_escape_on_a_changed_review_form_asks(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await to_table(app, pilot, ("7",), "schedule-table")
        form = await to_screen(app, pilot, ("r",), ReviewForm)
        form.query_one("#participants", Input).value = "Per"
        await to_screen(app, pilot, ("escape",), ConfirmScreen)
        await pilot.press("n")  # keep editing
        await until(app, pilot, lambda: app.screen is form, "back to the form")
        assert form.query_one("#participants", Input).value == "Per"
        await pilot.press("escape", "y")
        await until(app, pilot, lambda: isinstance(app.screen.query_one("#reviews"), ReviewsView), "the list")


async def test_onboarding_overdue_supervisor_shows_next_step_and_marks_it_done(make_app, fixed_db):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        table = await to_table(app, pilot, ("6",), "onboarding-table")
        # The earliest open step is the first rota (14 days after 01.01.2025).
        assert cells(table) == [
            "OVERDUE | S-0001 Anne Nordmann | K-0001: First rota planned (411 days overdue) | 15.01.2025"
        ]
        prompt = await to_screen(app, pilot, ("d",), DatePrompt)  # d, then Enter on today's date
        assert prompt.query_one(Input).value == "02.03.2026"
        await pilot.press("enter")
        await until(app, pilot, lambda: "Job description" in cells(table)[0], "the next step")
        assert steps_of(fixed_db, "S-0001")["first_rota"] == fixed_data.TODAY
        assert cells(table)[0].startswith("OVERDUE | S-0001 Anne Nordmann | K-0001: Job description")

        # Enter opens the checklist, the cursor on the first open step; d takes the day it was done.
        checklist = await to_screen(app, pilot, ("enter",), ChecklistScreen)
        await until(app, pilot, lambda: checklist.focused is checklist.query_one("#steps"), "the steps")
        steps = checklist.query_one("#steps", DataTable)
        chosen = checklist.rows_of["steps"][steps.cursor_row]
        assert chosen.code == "job_description"
        prompt = await to_screen(app, pilot, ("d",), DatePrompt)
        prompt.query_one(Input).value = "31.02.2026"  # not a real day: said under the field
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prompt and "not a real calendar date" in str(prompt.query_one("#error").render())
        prompt.query_one(Input).value = "26.02.2026"
        await pilot.press("enter")
        await until(
            app, pilot, lambda: "| done |" in cells(checklist.query_one("#steps", DataTable))[1], "the step done"
        )
        steps = checklist.query_one("#steps", DataTable)  # rebuilt with the answer
        assert (
            cells(steps)[1] == "31.01.2025 | done | Job description written with the provider | K-0001 | "
            "coordinator | 26.02.2026"
        )
        assert steps_of(fixed_db, "S-0001")["job_description"] == date(2026, 2, 26)
        await pilot.press("escape")
        # The list behind the checklist reloaded.
        await until(app, pilot, lambda: "K-0001: Working-time rules" in cells(table)[0], "the list reloaded")


async def test_enroll_a_supervisor_and_record_completion(make_app, fixed_db):
    course = courses.create_course(
        fixed_db,
        BUILDER,
        {"name": "Grunnkurs for arbeidsledere", "organiser": "ULOBA", "kind": "supervisor_basic", "hours": 14},
    )
    courses.create_session(
        fixed_db,
        BUILDER,
        course.id,
        {"starts_on": "16.02.2026", "ends_on": "17.02.2026", "place": "Hamar", "capacity": 10},
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await to_table(app, pilot, ("6",), "onboarding-table")
        dates = await to_table(app, pilot, ("greater_than_sign",), "sessions-table")  # the Course dates tab
        assert cells(dates) == ["16.02.2026 | Grunnkurs for arbeidsledere | Hamar | 0/10"]
        people = app.screen.query_one("#enrollments-table", DataTable)
        form = await to_screen(app, pilot, ("i",), EnrollForm)
        await pilot.press(*"anne")
        await until(app, pilot, lambda: form.match is not None, "the look-up")
        await pilot.press("enter")
        await until(app, pilot, lambda: form.people == [("S-0001", "Anne Nordmann")], "Anne on the list")
        await pilot.press("ctrl+s")
        await until(app, pilot, lambda: app.screen.focused is people and cells(people) != [], "enrolled")
        assert cells(people) == ["S-0001 Anne Nordmann | enrolled |  | "]

        outcome = await to_screen(app, pilot, ("c",), SpecForm)  # completed, with the course's last day
        assert outcome.query_one("#field-on Input", Input).value == "17.02.2026"
        assert outcome.query_one("#field-status Select", Select).value == "completed"
        outcome.query_one("#field-certificate_ref Input", Input).value = "ULOBA-2026-17"
        await pilot.press("ctrl+s")
        await until(app, pilot, lambda: "completed" in cells(people)[0], "the completion")
        assert cells(people) == ["S-0001 Anne Nordmann | completed | 17.02.2026 | ULOBA-2026-17"]
    done = course_enrollment.list_enrollments(fixed_db, BUILDER, person="S-0001")
    assert [(e.status, e.completed_on, e.certificate_ref) for e in done] == [
        ("completed", date(2026, 2, 17), "ULOBA-2026-17")
    ]
    # Completing the basic course ticked the supervisor's checklist.
    assert steps_of(fixed_db, "S-0001")["basic_course"] == date(2026, 2, 17)


async def test_outcome_refused_when_someone_else_changed_it_keeps_the_input(make_app, fixed_db):
    course = courses.create_course(fixed_db, BUILDER, {"name": "Løfteteknikk", "kind": "assistant_training"})
    course_date = courses.create_session(fixed_db, BUILDER, course.id, {"starts_on": "2026-02-20"})
    [enrolled] = course_enrollment.enroll(fixed_db, BUILDER, course_date.id, ["A-0001"])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await to_table(app, pilot, ("6",), "onboarding-table")
        await to_table(app, pilot, ("greater_than_sign",), "sessions-table")
        await pilot.press("enter")  # to the people enrolled
        await until(
            app,
            pilot,
            lambda: app.screen.focused.id == "enrollments-table" and cells(app.screen.focused) != [],
            "the people enrolled",
        )
        form = await to_screen(app, pilot, ("c",), SpecForm)
        form.query_one("#field-certificate_ref Input", Input).value = "LT-1"
        # Another coordinator records an outcome meanwhile.
        course_enrollment.record_outcome(fixed_db, Actor(login="other", role="coordinator"), enrolled.id, "no_show")
        await pilot.press("ctrl+s")
        banner = form.query_one("#banner", Static)
        await until(app, pilot, lambda: "Someone else changed this record" in str(banner.render()), "the refusal")
        assert app.screen is form
        assert form.query_one("#field-certificate_ref Input", Input).value == "LT-1"
    [row] = course_enrollment.list_enrollments(fixed_db, BUILDER, session_id=course_date.id)
    assert row.status == "no_show"


def note_views(db) -> list[tuple[str, str]]:
    """Who read a review summary of A-0001 (reading the log is itself logged, as another entity)."""
    return [
        (v.actor, v.summary)
        for v in audit_log.query(db, BUILDER, subject="A-0001", action="view")
        if v.entity == "review_notes"
    ]


def _a_review(db) -> reviews.ReviewView:
    return reviews.record_review(
        db,
        BUILDER,
        "A-0001",
        "K-0001",
        "01.03.2026",
        participants="Per, Anne",
        summary="Trives [/bold] godt; ønsker kurs i løfteteknikk.",
    )


async def test_review_summary_shown_to_a_coordinator_and_the_reading_logged(make_app, fixed_db):
    _a_review(fixed_db)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await to_table(app, pilot, ("7",), "schedule-table")
        held = await to_table(app, pilot, ("greater_than_sign", "greater_than_sign"), "held-table")
        assert "A-0001 Per Hansen" in cells(held)[0]
        screen = await to_screen(app, pilot, ("enter",), ReviewScreen)
        await until(app, pilot, lambda: "Press s to read it" in screen_text(screen), "the review")
        assert "Trives" not in screen_text(screen)
        assert note_views(fixed_db) == []
        await pilot.press("s")
        # As typed, not markup.
        await until(
            app, pilot, lambda: "Trives [/bold] godt; ønsker kurs i løfteteknikk." in screen_text(screen), "the summary"
        )
    assert [actor for actor, _summary in note_views(fixed_db)] == ["coord"]


async def test_an_auditor_cannot_read_the_summary(make_app, fixed_db):
    review = _a_review(fixed_db)
    app = make_app(actor=Actor(login="audit", role="auditor"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.push_screen(ReviewScreen(review.id))
        await until(
            app, pilot, lambda: "only coordinators and the client's supervisor" in screen_text(app.screen), "the review"
        )
        await pilot.press("s")  # not offered to this role: nothing happens
        await settle(app, pilot)
        assert "Trives" not in screen_text(app.screen)
    assert note_views(fixed_db) == []


async def test_new_course_validates_inline(make_app, fixed_db):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await to_table(app, pilot, ("6",), "onboarding-table")
        await to_table(app, pilot, ("greater_than_sign", "greater_than_sign"), "catalog-table")
        form = await to_screen(app, pilot, ("n",), SpecForm)
        form.query_one("#field-name Input", Input).value = "Førstehjelp [red]"
        form.query_one("#field-hours Input", Input).focus()
        await pilot.press(*"-3")
        await pilot.pause()
        assert "at least 0" in str(form.query_one("#field-hours .error", Static).render())
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form  # refused: the hours, and the kind is required
        assert "required" in str(form.query_one("#field-kind .error", Static).render())
        form.query_one("#field-hours Input", Input).value = "6"
        form.query_one("#field-kind Select", Select).value = "assistant_training"
        await pilot.press("ctrl+s")
        table = app.screen_stack[0].query_one("#catalog-table", DataTable)
        await until(app, pilot, lambda: app.screen is not form and cells(table) != [], "the course listed")
        assert cells(table)[0].startswith("Førstehjelp [red] | assistant training | 6 | no expiry")
    assert [c.name for c in courses.list_courses(fixed_db, BUILDER)] == ["Førstehjelp [red]"]
    assert records.list_records(fixed_db, BUILDER, "client").total == 5  # nothing else touched
