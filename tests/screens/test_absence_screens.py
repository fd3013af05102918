"""Absence, vacant shifts and the outbox through the real app (Pilot), on SQLite and PostgreSQL:
an absence recorded on the assistant's screen empties her week, the roster week marks the shifts
VACANT, `f` lists who can take one, Enter fills it; the form's problems stand under their fields
in the person's language; the outbox lists what was written with its state."""

from __future__ import annotations

from absence_screen_world import TODAY, WEEK, world
from pilot_steps import settle
from textual.widgets import DataTable, Input, Select, Static

from bpa_provider.screens.absence import AbsenceScreen
from bpa_provider.screens.app import BpaApp
from bpa_provider.screens.roster_grid import RosterGrid
from bpa_provider.screens.rosters import RostersView
from bpa_provider.screens.shift_form import ShiftForm
from bpa_provider.screens.spec_form import SpecForm
from bpa_provider.screens.vacancy import CandidatesScreen, VacantScreen
from bpa_provider.services import absence, vacancy


def _app(db, actor, lang: str = "en") -> BpaApp:
    return BpaApp(db, actor, lang=lang, today=TODAY)


def _error_under(form: SpecForm, name: str) -> str:
    return str(form.row(name).query_one(".error", Static).render())


async def _absence_screen(app, pilot, assistant_id: int) -> AbsenceScreen:
    await settle(app, pilot)
    app.open_record("assistant", assistant_id)
    await settle(app, pilot)
    await pilot.press("b")
    await settle(app, pilot)
    assert isinstance(app.screen, AbsenceScreen)
    return app.screen


async def _fill_form(app, pilot, kind: str, first: str, last: str, **more: str) -> SpecForm:
    form = app.screen
    assert isinstance(form, SpecForm)
    form.row("kind").query_one(Select).value = kind
    form.row("from_date").query_one(Input).value = first
    form.row("to_date").query_one(Input).value = last
    for name, value in more.items():
        form.row(name).query_one(Input).value = value
    await settle(app, pilot)
    return form


async def test_sick_note_to_vacant_week_to_candidates_to_fill(db, coordinator):
    w = world(db, coordinator)
    app = _app(db, coordinator)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _absence_screen(app, pilot, w["sick"].id)
        assert "No absence recorded" in str(screen.query_one("#body").children[-1].render())
        await pilot.press("n")
        await settle(app, pilot)
        await _fill_form(app, pilot, "sick-note", "11.01.2027", "15.01.2027", document_on="11.01.2027")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        table = screen.query_one("#absences", DataTable)
        assert table.row_count == 1
        cells = [str(c) for c in table.get_row_at(0)]
        assert cells[0] == "sick note" and "11.01.2027" in cells[1] and cells[2] == "5" and cells[5] == "planned"
        said = " ".join(str(s.render()) for s in screen.query(".note"))
        assert "5 shifts became vacant" in said

        # The roster week: the five shifts are marked VACANT (a word, not a colour) and say whose they were.
        await pilot.press("escape", "escape")
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        view = app.screen.query_one(RostersView)
        view.open_client(w["client"].id, f"{w['client'].ref} Kari Nordmann", WEEK[0])
        await settle(app, pilot)
        grid = "\n".join(app.screen.query_one(RosterGrid).plain_lines())
        assert grid.count("VACANT") == 5 and grid.count(w["sick"].ref) == 5
        assert "VACANT: f shows who can take it." in str(app.screen.query_one("#shift-info", Static).render())

        # f: the candidates, the one who knows the client first, with the reasons.
        await pilot.press("f")
        await settle(app, pilot)
        candidates = app.screen
        assert isinstance(candidates, CandidatesScreen)
        table = candidates.query_one("#candidates", DataTable)
        first = [str(c) for c in table.get_row_at(0)]
        assert first[1].startswith(w["known"].ref) and first[2] == "yes" and "has worked 1 shifts" in first[3]
        assert [str(c) for c in table.get_row_at(1)][1].startswith(w["new"].ref)

        # Enter fills it with the one under the cursor; the week shows them, four stay vacant.
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen.query_one(RostersView), RostersView)
        grid = "\n".join(app.screen.query_one(RosterGrid).plain_lines())
        assert grid.count("VACANT") == 4 and w["known"].ref in grid
    assert len(vacancy.list_vacant(db, coordinator, WEEK[0], WEEK[-1])) == 4


async def test_vacant_list_of_the_next_14_days_opens_candidates(db, coordinator):
    w = world(db, coordinator)
    absence.add_absence(db, coordinator, w["sick"].ref, "holiday", WEEK[1], WEEK[2])
    app = _app(db, coordinator)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        assert isinstance(app.screen, VacantScreen)
        table = app.screen.query_one("#vacant", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [r[0][:10] for r in rows] == ["12.01.2027", "13.01.2027"]  # earliest first
        assert all(r[2] == w["sick"].ref and r[4] == "VACANT" for r in rows)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CandidatesScreen)
        assert "12.01.2027 08:00–15:30" in app.screen.label


async def test_form_problems_stand_under_their_fields_in_norwegian(db, coordinator):
    w = world(db, coordinator)
    app = _app(db, coordinator, lang="nb")
    async with app.run_test(size=(80, 24)) as pilot:
        await _absence_screen(app, pilot, w["sick"].id)
        await pilot.press("n")
        await settle(app, pilot)
        # A grade on a holiday: the service refuses it under the grade field, in Norwegian.
        form = await _fill_form(app, pilot, "holiday", "11.01.2027", "12.01.2027", grade="50")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "sykmelding" in _error_under(form, "grade").lower()
        # A date that is not one: refused as typed, under its field.
        form.row("grade").query_one(Input).value = "100"
        form.row("to_date").query_one(Input).value = "31.02.2027"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form and _error_under(form, "to_date")
    assert absence.list_absences(db, coordinator) == []


async def test_end_and_cancel_give_the_shifts_back_and_a_warning_is_shown(db, coordinator):
    w = world(db, coordinator)
    absence.add_absence(db, coordinator, w["sick"].ref, "self-cert", WEEK[0], WEEK[-1])
    app = _app(db, coordinator)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _absence_screen(app, pilot, w["sick"].id)
        await pilot.press("x")
        await settle(app, pilot)
        app.screen.query_one(Input).value = "12.01.2027"
        await pilot.press("enter")
        await settle(app, pilot)
        said = " ".join(str(s.render()) for s in screen.query(".note"))
        assert "3 vacant shifts went back to the assistant." in said
        assert len(vacancy.list_vacant(db, coordinator, WEEK[0], WEEK[-1])) == 2
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        table = screen.query_one("#absences", DataTable)
        assert str(table.get_row_at(0)[5]) == "cancelled"
    assert vacancy.list_vacant(db, coordinator, WEEK[0], WEEK[-1]) == []


async def test_outbox_lists_messages_with_their_state(db, coordinator):
    w = world(db, coordinator)
    absence.add_absence(db, coordinator, w["sick"].ref, "holiday", WEEK[0], WEEK[0])
    (row,) = vacancy.list_vacant(db, coordinator, WEEK[0], WEEK[0])
    assert vacancy.offer(db, coordinator, row.id, w["new"].ref)
    app = _app(db, coordinator)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("0")
        await settle(app, pilot)
        table = app.screen.query_one("#outbox-table", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows[0][1] == "shift offered" and rows[0][2] == w["new"].ref and rows[0][3] == "DUE"
        assert "1 due" in str(app.screen.query_one("#outbox .status", Static).render())
        await pilot.press("f")
        await settle(app, pilot)
        assert app.screen.query_one("#outbox-table", DataTable).row_count == 0


def test_the_week_carries_vacant_shifts_only_for_the_screen(db, coordinator):
    """The roster screen asks for the vacant shifts (`with_vacant`); exports and checks do not."""
    from bpa_provider.services import roster

    w = world(db, coordinator)
    absence.add_absence(db, coordinator, w["sick"].ref, "holiday", WEEK[0], WEEK[1])
    shown = roster.client_week(db, coordinator, w["client"].id, WEEK[0], with_vacant=True)
    assert [s.status for s in shown.shifts] == ["vacant", "vacant", "planned", "planned", "planned"]
    assert shown.total_hours == 37.5  # still the client's plan
    plain = roster.client_week(db, coordinator, w["client"].id, WEEK[0])
    assert [s.status for s in plain.shifts] == ["planned"] * 3


async def test_edit_changes_only_what_was_typed(db, coordinator):
    w = world(db, coordinator)
    absence.add_absence(db, coordinator, w["sick"].ref, "sick-note", WEEK[0], WEEK[1], grade=50)
    app = _app(db, coordinator)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _absence_screen(app, pilot, w["sick"].id)
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, SpecForm) and form.row("grade").query_one(Input).value == "50"
        form.row("to_date").query_one(Input).value = "14.01.2027"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
    (row,) = absence.list_absences(db, coordinator, w["sick"].ref)
    assert (row.to_date, row.grade, row.kind) == (WEEK[3], 50, "sick-note")


async def test_a_supervisor_gets_neither_the_absence_key_nor_the_outbox(db, coordinator):
    from bpa_provider.access import Actor
    from bpa_provider.screens.nav import visible_areas
    from bpa_provider.services import records

    w = world(db, coordinator)
    sup = records.create(
        db,
        coordinator,
        "supervisor",
        {"name": "Anne Leder", "client_id": w["client"].ref, "relation": "parent", "since": "2026-01-01"},
    )
    actor = Actor(login="anne", role="supervisor", supervisor_id=sup.id)
    assert "outbox" not in [a.key for a in visible_areas(actor)]
    app = _app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_record("assistant", w["sick"].id)
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        assert not isinstance(app.screen, AbsenceScreen)


def _move_client_to(db, client_id: int, tz: str) -> None:
    """The client's municipality on another clock (its shifts keep their UTC instants)."""
    from bpa_provider.db.models import Client, Municipality

    with db.write() as s:
        s.get(Municipality, s.get(Client, client_id).municipality_id).timezone = tz


async def test_enter_on_a_vacant_shift_opens_the_candidates_and_e_still_edits(db, coordinator):
    w = world(db, coordinator)
    absence.add_absence(db, coordinator, w["sick"].ref, "holiday", WEEK[0], WEEK[0])
    app = _app(db, coordinator)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        app.screen.query_one(RostersView).open_client(w["client"].id, w["client"].ref, WEEK[0])
        await settle(app, pilot)
        assert app.screen.query_one(RosterGrid).current_shift().status == "vacant"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CandidatesScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        assert isinstance(app.screen, ShiftForm)


async def test_a_shift_created_vacant_reads_new_not_an_empty_was(db, coordinator):
    w = world(db, coordinator)
    (sh,) = vacancy.create_vacant_shift(db, coordinator, w["client"].id, f"{WEEK[2]} 18:00", "22:00").shifts
    app = _app(db, coordinator)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        view = app.screen.query_one(RostersView)
        view.open_client(w["client"].id, w["client"].ref, WEEK[0])
        await settle(app, pilot)
        grid = app.screen.query_one(RosterGrid)
        lines = "\n".join(grid.plain_lines())
        assert "VACANT" in lines and "new" in lines and "was \n" not in lines + "\n" and "None" not in lines
        await pilot.press("escape")
        await settle(app, pilot)
        app.push_screen(VacantScreen())
        await settle(app, pilot)
        table = app.screen.query_one("#vacant", DataTable)
        (row,) = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert row[2] == "(new)"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CandidatesScreen)
        assert "new vacant shift" in app.screen.label and "None" not in app.screen.label
    assert sh.status == "vacant"


async def test_vacant_times_are_on_the_clients_clock(db, coordinator):
    w = world(db, coordinator)
    absence.add_absence(db, coordinator, w["sick"].ref, "holiday", WEEK[1], WEEK[1])
    _move_client_to(db, w["client"].id, "Atlantic/Reykjavik")  # UTC+0 in January: 08:00 Oslo is 07:00 there
    app = _app(db, coordinator)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.push_screen(VacantScreen())
        await settle(app, pilot)
        table = app.screen.query_one("#vacant", DataTable)
        assert str(table.get_row_at(0)[0]) == "12.01.2027 07:00–14:30"


async def test_outbox_shows_when_sent_on_the_clients_clock(db, coordinator):
    from datetime import UTC, datetime

    from bpa_provider.db.models import OutboxMessage

    w = world(db, coordinator)
    absence.add_absence(db, coordinator, w["sick"].ref, "holiday", WEEK[0], WEEK[0])
    (row,) = vacancy.list_vacant(db, coordinator, WEEK[0], WEEK[0])
    assert vacancy.offer(db, coordinator, row.id, w["new"].ref)
    _move_client_to(db, w["client"].id, "Atlantic/Reykjavik")
    with db.write() as s:
        msg = s.query(OutboxMessage).filter(OutboxMessage.kind == "shift_offered").one()
        msg.status, msg.sent_at = "sent", datetime(2027, 1, 8, 12, 30, tzinfo=UTC)
        msg.next_attempt_utc = datetime(2027, 1, 8, 12, 29, tzinfo=UTC)
    app = _app(db, coordinator)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("0")
        await settle(app, pilot)
        table = app.screen.query_one("#outbox-table", DataTable)
        cells = [str(c) for c in table.get_row_at(0)]
        # The offer's params carry the client's zone when it was written (Oslo): shown on that clock.
        assert cells[1] == "shift offered" and cells[3] == "sent 08.01 13:30"
        assert cells[0] == "08.01 13:29"


async def test_v_is_a_letter_in_the_client_search_and_the_vacant_list_is_still_one_step_away(db, coordinator):
    """`v` in the client search is part of a name (Vera, Ove): it types. The vacant list stays
    reachable from there through Ctrl+P "Vacant shifts", and F1 names the key."""
    from bpa_provider.screens.commands import ScreenActions
    from bpa_provider.screens.help import collect

    world(db, coordinator)
    app = _app(db, coordinator)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        app.screen.query_one(RostersView).action_choose_client()
        await settle(app, pilot)
        search = app.focused
        assert isinstance(search, Input)
        await pilot.press("o", "v")
        await settle(app, pilot)
        assert search.value == "ov" and not isinstance(app.screen, VacantScreen)
        helped = [(keys, what) for _where, rows in collect(app, app.screen) for keys, what in rows]
        assert ("v", "Vacant shifts") in helped
        (run,) = [c for t, c, _h in ScreenActions(app.screen, None).commands() if t == "Vacant shifts"]
        await run()
        await settle(app, pilot)
        assert isinstance(app.screen, VacantScreen)
