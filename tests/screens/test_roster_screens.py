"""The Rosters area through the real app (Pilot): the week grid, moving weeks, rule marks, the
shift form's refusal of a blocking rule, public holidays, and a supervisor approving their week.

The area is reached the way a person reaches it (key 4 on the main screen). Shifts are
made through `services.roster` on the fixed dataset (Kari Nordmann K-0001 in Hamar, Per Hansen
A-0001 assigned; "today" is Monday 02.03.2026, which lies in the past of the real clock, so its
shifts have ended and can be approved).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import fixed_data
from pilot_steps import settle
from textual.widgets import Input, OptionList, Select, Static
from tooling import wait_for

from bpa_provider.access import Actor
from bpa_provider.screens.confirm import ConfirmScreen
from bpa_provider.screens.roster_grid import RosterGrid
from bpa_provider.screens.rosters import RostersView
from bpa_provider.screens.shift_form import ShiftForm
from bpa_provider.services import records, roster
from bpa_provider.services.roster import DayView, ShiftView, WeekView
from bpa_provider.services.worktime import ShiftViolation

BUILDER = fixed_data.BUILDER


def ids(db) -> tuple[int, int]:
    return (records.find_id(db, BUILDER, "client", "K-0001"), records.find_id(db, BUILDER, "assistant", "A-0001"))


def shift(db, start: str, end: str, **kw):
    client, per = ids(db)
    return roster.create_shift(db, BUILDER, client, per, start, end, **kw)


def grid_text(app) -> str:
    return "\n".join(app.screen.query_one(RosterGrid).plain_lines())


def static_text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def open_kari(app, pilot, *, search: bool = False) -> RostersView:
    """Key 4, then Kari's week of "today": searched for and picked with Enter, or opened directly."""
    await settle(app, pilot)
    await pilot.press("4")
    await settle(app, pilot)
    view = app.screen.query_one(RostersView)
    if search:
        view.query_one("#client-picker Input", Input).value = "Kari"
        await wait_for(pilot)
        await settle(app, pilot)
        await pilot.press("enter")
    else:
        view.open_client(ids(app.db)[0], "K-0001 Kari Nordmann")
    await settle(app, pilot)
    assert view.pane == "week" and view.week is not None
    return view


async def test_week_grid_shows_shifts_and_next_week_by_key(make_app, fixed_db):
    shift(fixed_db, "2026-03-02T08:00", "16:00")
    shift(fixed_db, "2026-03-04T07:30", "15:00", kind="passive")
    shift(fixed_db, "2026-03-10T10:00", "14:00")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_kari(app, pilot, search=True)
        text = grid_text(app)
        assert "Mon" in text and "02.03" in text and "08.03" in text
        assert "08–16" in text and "A-0001" in text and "Per" in text and "8 h" in text
        assert "7.5 h" in text
        assert "Week 10" in static_text(app, "#week-title")
        assert "15.5 h planned" in static_text(app, "#week-title")

        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        text = grid_text(app)
        assert "09.03" in text and "15.03" in text and "02.03" not in text
        assert "10–14" in text and "4 h" in text
        assert "Week 11" in static_text(app, "#week-title")
        await pilot.press("pageup")
        await settle(app, pilot)
        assert view.week.week_start == date(2026, 3, 2)


async def test_rest_violation_is_marked_and_explained(make_app, fixed_db):
    shift(fixed_db, "2026-03-06T17:00", "23:00")
    saturday = shift(fixed_db, "2026-03-07T08:00", "12:00")
    assert "NO-REST-DAILY" in [w.rule_id for w in saturday.warnings]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_kari(app, pilot)
        text = grid_text(app)
        assert "!17–23" in text and "!08–12" in text
        assert "WARN" in text and "NO-REST" in text
        assert "! 2 shift(s) break a rule" in static_text(app, "#week-title")
        grid = view.query_one(RosterGrid)
        assert grid.move_to_shift(saturday.shift.id)
        await pilot.pause()
        info = static_text(app, "#shift-info")
        assert "WARN NO-REST-DAILY" in info and "rest" in info

        # Acknowledge it with a comment: the mark turns to "ok" and the comment is kept.
        await pilot.press("k")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ShiftForm) and form.mode == "ack"
        form.query_one("#f-rule_id Select", Select).value = "NO-REST-DAILY"
        form.query_one("#f-comment Input", Input).value = "agreed with the union"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen.query_one(RostersView) is view
        assert "ok NO-REST-DAILY" in static_text(app, "#shift-info")
        assert "agreed with the union" in static_text(app, "#shift-info")


async def test_blocking_rule_refuses_the_save_inline(make_app, fixed_db):
    shift(fixed_db, "2026-03-03T08:00", "16:00")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_kari(app, pilot)
        await pilot.press("right")  # Tuesday
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ShiftForm) and form.mode == "new"
        assert form.field("start").value == "03.03.2026 08:00"
        form.query_one("#field-assistant_id Input", Input).value = "A-0001"
        await wait_for(pilot)
        await settle(app, pilot)
        form.query_one("#f-start Input", Input).value = "03.03.2026 10:00"
        form.query_one("#f-end Input", Input).value = "14:00"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form  # refused: the form stays with the input
        error = str(form.query_one("#f-start .error", Static).render())
        assert "NO-OVERLAP" in error
        assert form.field("start").value == "03.03.2026 10:00"
        client, _per = ids(fixed_db)
        week = roster.client_week(fixed_db, BUILDER, client, date(2026, 3, 2))
        assert len(week.shifts) == 1

        # Esc on the changed form asks first; "n" keeps editing.
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert app.screen.query_one(RostersView) is view


async def test_public_holiday_is_marked_at_120x40(make_app, fixed_db):
    lise = records.find_id(fixed_db, BUILDER, "client", "K-0005")  # "Lise [/bold] Lie": a name, not markup
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        view = app.screen.query_one(RostersView)
        view.open_client(lise, "K-0005")
        await settle(app, pilot)  # (a second load right away would cancel the first worker)
        view.move_to_week(date(2026, 5, 11))
        await settle(app, pilot)
        title = static_text(app, "#week-title")
        assert "K-0005 Lise [/bold] Lie" in title
        assert "* Public holiday: 14.05 Ascension Day, 17.05 Constitution Day" in title
        heading = view.query_one(RosterGrid).plain_lines()[:3]
        assert "Sun 17.05*" in heading[0]
        assert "Thu 14.05*" in heading[0]  # Ascension Day
        assert "*Constitutio" in heading[1]
        await pilot.press("left")  # from Monday round to Sunday
        await pilot.pause()
        assert "* Constitution Day" in static_text(app, "#shift-info")


async def test_supervisor_sees_only_their_client_and_approves_the_week(make_app, fixed_db):
    shift(fixed_db, "2026-03-02T08:00", "16:00")
    anne = records.list_records(fixed_db, BUILDER, "supervisor", search="Anne Nordmann").rows[0].id
    supervisor = Actor(login="anne", role="supervisor", supervisor_id=anne)
    app = make_app(actor=supervisor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        view = app.screen.query_one(RostersView)
        picker_rows = view.query_one("#client-picker OptionList", OptionList)
        assert picker_rows.option_count == 1
        assert view.week is not None and view.week.client_ref == "K-0001"  # the one client opened itself
        assert view.check_action("lock", ()) is False
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
        assert "APPROVED" in static_text(app, "#week-title")
        client, _per = ids(fixed_db)
        week = roster.client_week(fixed_db, BUILDER, client, date(2026, 3, 2))
        assert [s.status for s in week.shifts] == ["approved"]

        # Another client's roster is not theirs to see.
        view.query_one("#client-picker Input", Input).value = "Ola"
        await wait_for(pilot)
        await settle(app, pilot)
        assert picker_rows.option_count == 0


def _week(n_per_day: int) -> WeekView:
    """A synthetic busy week: n shifts a day, every other one breaking a rule."""
    start = date(2026, 3, 2)
    tz = timezone(timedelta(hours=1))
    shifts = []
    for d in range(7):
        for i in range(n_per_day):
            a = datetime(2026, 3, 2 + d, 6 + 3 * i, 0, tzinfo=tz)
            problems = (
                (
                    ShiftViolation(
                        "NO-REST-DAILY", "AML § 10-8", "warn", "9.0 h rest, needs 11 h", (d * 10 + i,), False, False
                    ),
                )
                if i % 2
                else ()
            )
            shifts.append(
                ShiftView(
                    d * 10 + i,
                    1,
                    1,
                    "K-0001",
                    1,
                    "A-0001",
                    "Per Hansen",
                    a,
                    a + timedelta(hours=3),
                    3.0,
                    "active",
                    "planned",
                    "none",
                    None,
                    None,
                    "",
                    None,
                    False,
                    "",
                    "",
                    problems,
                )
            )
    days = tuple(DayView(start + timedelta(days=i), None) for i in range(7))
    return WeekView(1, "K-0001", "Kari", "Hamar", "NO", "Europe/Oslo", start, days, tuple(shifts), 63.0, False)


async def test_a_busy_week_is_laid_out_by_day(make_app):
    """A week of 42 shifts is laid out six a day (what it costs the UI thread is measured
    in bench/ — `UI thread, roster` in docs/performance.md — not asserted here)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        grid = app.screen.query_one(RosterGrid)
        week = _week(6)
        grid.show_week(week.week_start, "Loading…")
        grid.set_week(week)
        assert grid.week is week and [len(day) for day in grid._by_day] == [6] * 7


async def test_changed_meanwhile_keeps_the_input(make_app, fixed_db):
    made = shift(fixed_db, "2026-03-02T08:00", "16:00").shift
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_kari(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ShiftForm) and form.mode == "edit"
        roster.update_shift(fixed_db, BUILDER, made.id, made.version, note="changed by a colleague")
        form.query_one("#f-end Input", Input).value = "02.03.2026 17:00"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "Someone else changed this shift" in form.banner_text()
        assert form.field("end").value == "02.03.2026 17:00"


async def test_coordinator_approves_and_locks_the_week(make_app, fixed_db):
    shift(fixed_db, "2026-03-02T08:00", "16:00")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_kari(app, pilot)
        for key in ("p", "y", "l", "y"):
            await pilot.press(key)
            await settle(app, pilot)
        assert "LOCKED" in static_text(app, "#week-title")
        assert view.week.locked
        assert view.check_action("new_shift", ()) is False  # a locked week takes no new shifts
        assert view.check_action("approve", ()) is False
