"""Planning beyond single shifts in the Rosters area, through the real app (Pilot) at 80×24:
copying a week (`y`), rota patterns (`m`: list, create, change) and deciding a pending deviation
(`d` accepts, `u` rejects). Each flow is driven by keys and its result read back through the
services; refused input stays in the form with its message and writes nothing; a role without the
permission is not offered the keys.

Fixed dataset (tests/screens/fixed_data.py): Kari Nordmann K-0001 in Hamar, Per Hansen A-0001
assigned; the app's "today" is Monday 02.03.2026, which lies in the past of the real clock (so its
shifts have started: a changed time records a deviation).
"""

from __future__ import annotations

from datetime import date, time, timedelta

import fixed_data
from pilot_steps import settle
from textual.widgets import DataTable, Input, Static
from tooling import wait_for

from bpa_provider.access import Actor
from bpa_provider.screens.app import BpaApp
from bpa_provider.screens.confirm import ConfirmScreen
from bpa_provider.screens.copy_week_form import CopyWeekForm
from bpa_provider.screens.help import collect
from bpa_provider.screens.pattern_forms import PatternForm, PatternListScreen
from bpa_provider.screens.roster_grid import RosterGrid
from bpa_provider.screens.rosters import RostersView
from bpa_provider.services import periods, records, roster

BUILDER = fixed_data.BUILDER
MONDAY = date(2026, 3, 2)


def ids(db) -> tuple[int, int]:
    return (records.find_id(db, BUILDER, "client", "K-0001"), records.find_id(db, BUILDER, "assistant", "A-0001"))


def shift(db, start: str, end: str, **kw):
    client, per = ids(db)
    return roster.create_shift(db, BUILDER, client, per, start, end, **kw)


def week_of(db, week_start: date):
    return roster.client_week(db, BUILDER, ids(db)[0], week_start)


def static_text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def open_kari(app, pilot, week_start: date | None = None) -> RostersView:
    """Key 4 (the Rosters area), then Kari's week."""
    await settle(app, pilot)
    await pilot.press("4")
    await settle(app, pilot)
    view = app.screen.query_one(RostersView)
    view.open_client(ids(app.db)[0], "K-0001 Kari Nordmann", week_start)
    await settle(app, pilot)
    assert view.pane == "week" and view.week is not None
    return view


async def type_into(app, pilot, widget: Input, text: str) -> None:
    """Put text into a field the way typing does (Changed events), then let look-ups answer."""
    widget.value = text
    await wait_for(pilot)
    await settle(app, pilot)


# --------------------------------------------------------------------------- copy the week


async def test_copy_week_to_the_next_weeks_by_key(make_app, fixed_db):
    shift(fixed_db, "2026-03-02T08:00", "16:00")
    shift(fixed_db, "2026-03-04T07:30", "15:00", kind="passive")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_kari(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, CopyWeekForm)
        assert "2 shift(s)" in static_text(form, "#summary")
        assert "week 11" in static_text(form, "#target")
        await type_into(app, pilot, form.query_one("#f-weeks Input", Input), "2")
        assert "weeks 11–12 (09.03.2026–22.03.2026)" in static_text(form, "#target")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen.query_one(RostersView) is view
        assert "4 shift(s) copied to the next 2 week(s)" in static_text(view, "#week-message")
    assert [
        (s.start.strftime("%d.%m %H:%M"), s.kind) for s in week_of(fixed_db, MONDAY + timedelta(days=7)).shifts
    ] == [("09.03 08:00", "active"), ("11.03 07:30", "passive")]
    assert len(week_of(fixed_db, MONDAY + timedelta(days=14)).shifts) == 2
    assert week_of(fixed_db, MONDAY + timedelta(days=21)).shifts == ()


async def test_copy_week_refusals_stay_in_the_form_and_write_nothing(make_app, fixed_db):
    shift(fixed_db, "2026-03-02T08:00", "16:00")
    client, _per = ids(fixed_db)
    next_week = MONDAY + timedelta(days=7)
    periods.approve_period(fixed_db, BUILDER, client, next_week, next_week + timedelta(days=7), today=MONDAY)
    periods.lock_period(fixed_db, BUILDER, client, next_week, next_week + timedelta(days=7))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_kari(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, CopyWeekForm)

        # Checked as typed: 27 weeks is too many.
        await type_into(app, pilot, form.query_one("#f-weeks Input", Input), "27")
        assert "Copy to 1 to 26 weeks" in static_text(form, "#f-weeks .error")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form and "fix the marked fields" in form.banner_text()

        # The service refuses: the next week is locked. Its words stand in the form.
        await type_into(app, pilot, form.query_one("#f-weeks Input", Input), "3")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "is locked" in form.banner_text() and "09.03.2026–15.03.2026" in form.banner_text()

        # Esc on the changed form asks; yes throws the input away.
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen.query_one(RostersView), RostersView)
    for n in (1, 2, 3):
        assert week_of(fixed_db, MONDAY + timedelta(days=7 * n)).shifts == ()


async def test_copying_an_empty_week_is_refused_in_words(make_app, fixed_db):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_kari(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        form = app.screen
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "There are no shifts to copy in the week from 02.03.2026" in form.banner_text()
    assert week_of(fixed_db, MONDAY + timedelta(days=7)).shifts == ()


# --------------------------------------------------------------------------- rota patterns


async def test_new_pattern_generates_shifts(make_app, fixed_db):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_kari(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        listing = app.screen
        assert isinstance(listing, PatternListScreen)
        assert "No rota patterns yet" in static_text(listing, "#hint")
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, PatternForm)
        assert form.field("valid_from").value == "02.03.2026"  # the week shown
        await type_into(app, pilot, form.query_one("#field-assistant_id Input", Input), "Per")
        await type_into(app, pilot, form.query_one("#f-weekdays Input", Input), "mon,wed")
        await type_into(app, pilot, form.query_one("#f-end_time Input", Input), "15:30")
        await type_into(app, pilot, form.query_one("#f-name Input", Input), "Weekdays")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is listing
        assert listing.query_one("#patterns", DataTable).row_count == 1
        assert "Pattern saved: 26 shift(s)" in static_text(listing, "#message")
        assert "Weekdays" in static_text(listing, "#detail") and "Mon, Wed 08:00–15:30" in static_text(
            listing, "#detail"
        )
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen.query_one(RostersView) is view
        grid = "\n".join(view.query_one(RosterGrid).plain_lines())
        assert "08–15:30" in grid or "08:00–15:30" in grid
    client, per = ids(fixed_db)
    [pattern] = roster.list_patterns(fixed_db, BUILDER, client)
    assert (pattern.weekdays, pattern.start_time, pattern.end_time, pattern.assistant_id, pattern.name) == (
        "0,2",
        time(8, 0),
        time(15, 30),
        per,
        "Weekdays",
    )
    shifts = week_of(fixed_db, MONDAY).shifts
    assert [(s.start.strftime("%a %H:%M"), s.pattern_id) for s in shifts] == [
        ("Mon 08:00", pattern.id),
        ("Wed 08:00", pattern.id),
    ]


async def test_pattern_input_refused_inline_writes_nothing(make_app, fixed_db):
    shift(fixed_db, "2026-03-04T10:00", "14:00")  # a Wednesday shift a pattern would overlap
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_kari(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, PatternForm)
        await type_into(app, pilot, form.query_one("#field-assistant_id Input", Input), "A-0001")
        await type_into(app, pilot, form.query_one("#f-weekdays Input", Input), "mon,xyz")
        await type_into(app, pilot, form.query_one("#f-end_time Input", Input), "08:00")
        await type_into(app, pilot, form.query_one("#f-cycle_weeks Input", Input), "2")
        await type_into(app, pilot, form.query_one("#f-cycle_week Input", Input), "3")
        assert "is not a weekday" in static_text(form, "#f-weekdays .error")
        assert "Start and end are the same time" in static_text(form, "#f-end_time .error")
        assert "The week of the rotation is 1 to 2" in static_text(form, "#f-cycle_week .error")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form and "fix the marked fields" in form.banner_text()

        # Fixed as typed; the service then refuses the overlap with Wednesday's shift, under the start.
        await type_into(app, pilot, form.query_one("#f-weekdays Input", Input), "wed")
        await type_into(app, pilot, form.query_one("#f-end_time Input", Input), "16:00")
        await type_into(app, pilot, form.query_one("#f-cycle_weeks Input", Input), "1")
        await type_into(app, pilot, form.query_one("#f-cycle_week Input", Input), "1")
        assert static_text(form, "#f-weekdays .error") == ""
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "NO-OVERLAP" in static_text(form, "#f-start_time .error")
        assert form.field("weekdays").value == "wed"  # the input is kept

        # Esc on the changed form asks; "n" keeps editing.
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form
    client, _per = ids(fixed_db)
    assert roster.list_patterns(fixed_db, BUILDER, client) == []
    assert len(week_of(fixed_db, MONDAY).shifts) == 1


async def test_changing_a_pattern_moves_its_future_shifts(fixed_db, coordinator):
    # Shifts that have started are never regenerated, so this pattern lies ahead of the real clock.
    today = date.today() + timedelta(days=14 - date.today().weekday())  # a Monday two weeks ahead
    client, per = ids(fixed_db)
    made = roster.create_pattern(
        fixed_db,
        BUILDER,
        client,
        per,
        weekdays="tue",
        start_time="09:00",
        end_time="17:00",
        valid_from=today,
        today=today,
        name="Tuesdays",
    )
    app = BpaApp(fixed_db, coordinator, lang="en", today=today)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_kari(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        listing = app.screen
        assert isinstance(listing, PatternListScreen)
        assert "Tuesdays" in static_text(listing, "#detail")
        await pilot.press("enter")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, PatternForm) and form.pattern.id == made.pattern.id
        assert form.field("weekdays").value == "tue" and form.field("end_time").value == "17:00"
        await type_into(app, pilot, form.query_one("#f-end_time Input", Input), "15:00")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is listing
        assert "08:00" not in static_text(listing, "#detail") and "09:00–15:00" in static_text(listing, "#detail")
        await pilot.press("escape")
        await settle(app, pilot)
    [pattern] = roster.list_patterns(fixed_db, BUILDER, client)
    assert pattern.end_time == time(15, 0)
    [tuesday] = week_of(fixed_db, today).shifts
    assert tuesday.end.strftime("%H:%M") == "15:00"


async def test_changed_pattern_meanwhile_keeps_the_input(make_app, fixed_db):
    client, per = ids(fixed_db)
    made = roster.create_pattern(
        fixed_db,
        BUILDER,
        client,
        per,
        weekdays="fri",
        start_time="08:00",
        end_time="12:00",
        valid_from=MONDAY,
        today=MONDAY,
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_kari(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, PatternForm)
        roster.update_pattern(fixed_db, BUILDER, made.pattern.id, None, name="changed by a colleague", today=MONDAY)
        await type_into(app, pilot, form.query_one("#f-name Input", Input), "mine")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "Someone else changed this pattern" in form.banner_text()
        assert form.field("name").value == "mine"
    [pattern] = roster.list_patterns(fixed_db, BUILDER, client)
    assert pattern.name == "changed by a colleague"


# --------------------------------------------------------------------------- deviations


async def test_accept_and_reject_a_deviation_by_key(make_app, fixed_db):
    monday = shift(fixed_db, "2026-03-02T08:00", "16:00").shift
    wednesday = shift(fixed_db, "2026-03-04T08:00", "16:00").shift
    roster.update_shift(fixed_db, BUILDER, monday.id, None, end="17:00")
    roster.update_shift(fixed_db, BUILDER, wednesday.id, None, end="15:00")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_kari(app, pilot)
        grid = view.query_one(RosterGrid)
        assert grid.current_shift().id == monday.id
        assert "d accepts it, u rejects it" in static_text(view, "#shift-info")
        await pilot.press("d")
        await pilot.pause()
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        assert "08:00–17:00" in question.question and "08:00–16:00" in question.question
        await pilot.press("y")
        await settle(app, pilot)
        assert "Deviation accepted" in static_text(view, "#week-message")
        assert view.check_action("accept_deviation", ()) is False  # decided: no longer offered

        assert grid.move_to_shift(wednesday.id)
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
        assert "Deviation rejected" in static_text(view, "#week-message")
    by_id = {s.id: s for s in week_of(fixed_db, MONDAY).shifts}
    assert by_id[monday.id].deviation_status == "approved" and by_id[monday.id].end.strftime("%H:%M") == "17:00"
    assert by_id[wednesday.id].deviation_status == "rejected"
    assert by_id[wednesday.id].end.strftime("%H:%M") == "16:00"  # the plan is back


async def test_not_now_leaves_the_deviation_waiting(make_app, fixed_db):
    made = shift(fixed_db, "2026-03-02T08:00", "16:00").shift
    roster.update_shift(fixed_db, BUILDER, made.id, None, end="17:00")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_kari(app, pilot)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await settle(app, pilot)
    assert week_of(fixed_db, MONDAY).shifts[0].deviation_status == "pending"


# --------------------------------------------------------------------------- who gets the keys


async def test_auditor_is_not_offered_planning_keys(make_app, fixed_db, auditor):
    made = shift(fixed_db, "2026-03-02T08:00", "16:00").shift
    roster.update_shift(fixed_db, BUILDER, made.id, None, end="17:00")
    app = make_app(actor=auditor)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_kari(app, pilot)
        for action in ("copy_week", "accept_deviation", "reject_deviation"):
            assert view.check_action(action, ()) is False, action
        assert "d accepts it" not in static_text(view, "#shift-info")
        for key in ("y", "d", "u"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen.query_one(RostersView) is view  # nothing opened
        keys = {what for _where, items in collect(app, app.screen) for _keys, what in items}
        assert "Rota patterns" in keys
        assert not {"Copy week", "Accept deviation", "Reject deviation"} & keys

        # The patterns may be read, not changed.
        await pilot.press("m")
        await settle(app, pilot)
        listing = app.screen
        assert isinstance(listing, PatternListScreen)
        assert listing.check_action("new_pattern", ()) is False
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is listing
    assert week_of(fixed_db, MONDAY).shifts[0].deviation_status == "pending"


async def test_supervisor_decides_a_deviation_of_their_client(make_app, fixed_db):
    made = shift(fixed_db, "2026-03-02T08:00", "16:00").shift
    roster.update_shift(fixed_db, BUILDER, made.id, None, end="17:00")
    anne = records.list_records(fixed_db, BUILDER, "supervisor", search="Anne Nordmann").rows[0].id
    supervisor = Actor(login="anne", role="supervisor", supervisor_id=anne)
    app = make_app(actor=supervisor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        view = app.screen.query_one(RostersView)
        assert view.week is not None and view.week.client_ref == "K-0001"  # their one client opened itself
        keys = {what for _where, items in collect(app, app.screen) for _keys, what in items}
        assert {"Copy week", "Rota patterns", "Accept deviation", "Reject deviation"} <= keys
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
    assert week_of(fixed_db, MONDAY).shifts[0].deviation_status == "approved"


async def test_help_lists_the_new_keys(make_app, fixed_db):
    shift(fixed_db, "2026-03-02T08:00", "16:00")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_kari(app, pilot)
        groups = dict(collect(app, app.screen))
        rosters = dict((what, keys) for keys, what in groups["Rosters"])
        assert rosters["Copy week"] == "y" and rosters["Rota patterns"] == "m"
        assert "Accept deviation" not in rosters  # no deviation under the cursor
