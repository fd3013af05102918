"""The coordinator's main flows through the real app (Pilot), on the fixed dataset."""

from __future__ import annotations

from datetime import date

import fixed_data
from pilot_steps import settle
from textual.widgets import DataTable, Input, Select, Static
from tooling import wait_for

from bpa_provider.access import Actor
from bpa_provider.screens.assistant_detail import AssistantDetailScreen
from bpa_provider.screens.client_detail import ClientDetailScreen
from bpa_provider.screens.end_form import EndForm
from bpa_provider.screens.forms import RecordForm
from bpa_provider.screens.help import HelpScreen
from bpa_provider.screens.lists import RecordList
from bpa_provider.screens.widgets.fields import FieldRow
from bpa_provider.screens.widgets.nav import NavList
from bpa_provider.services import records


def field(form: RecordForm, name: str) -> FieldRow:
    row = form.row(name)
    assert row is not None, name
    return row


def screen_text(widget) -> str:
    """The plain text of every Static under a widget."""
    return "\n".join(str(s.render()) for s in widget.query(Static))


def client_id(db, ref: str) -> int:
    return records.find_id(db, fixed_data.BUILDER, "client", ref)


async def test_create_client_with_a_decision(make_app, fixed_db):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        field(form, "name").query_one(Input).value = "Astrid Lie"
        field(form, "municipality_id").query_one(Select).value = records.find_id(
            fixed_db, fixed_data.BUILDER, "municipality", "Hamar"
        )
        field(form, "national_id").query_one(Input).value = fixed_data.fnr(date(1990, 7, 1))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        detail = app.screen
        assert isinstance(detail, ClientDetailScreen)
        assert detail.detail.client.name == "Astrid Lie"

        await pilot.press("d")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RecordForm) and form.kind == "decision"
        assert field(form, "client_id").readonly.endswith("Astrid Lie")
        field(form, "hours").query_one(Input).value = "37,5"
        field(form, "valid_from").query_one(Input).value = "01.03.2026"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is detail
        decisions = records.list_records(
            fixed_db, fixed_data.BUILDER, "decision", filters={"client_id": detail.record_id}
        ).rows
        assert [(d.hours, d.valid_from) for d in decisions] == [(37.5, date(2026, 3, 1))]
        assert "37.5/week" in str(detail.query_one("#decisions", DataTable).get_row_at(0)[1])


async def test_invalid_national_id_shows_inline_error_and_saves_nothing(make_app, fixed_db):
    before = records.list_records(fixed_db, fixed_data.BUILDER, "client").total
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_form("client")
        await settle(app, pilot)
        form = app.screen
        field(form, "name").query_one(Input).value = "Bad Number"
        good = fixed_data.fnr(date(1985, 3, 14))
        typo = good[:-1] + str((int(good[-1]) + 1) % 10)
        field(form, "national_id").query_one(Input).focus()
        await pilot.press(*typo)  # typed, so validation runs as the person types
        await pilot.pause()
        error = str(field(form, "national_id").query_one(".error", Static).render())
        assert "check digit" in error
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert form.focused is field(form, "national_id").query_one(Input) or form.focused is field(
            form, "municipality_id"
        ).query_one(Select)
        assert "fix the marked fields" in str(form.query_one("#banner", Static).render())
    assert records.list_records(fixed_db, fixed_data.BUILDER, "client").total == before


async def test_search_and_open_a_client(make_app, fixed_db):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        await pilot.press("slash")
        await pilot.press(*"ingr")
        await wait_for(pilot)  # the search waits for a pause in typing
        await settle(app, pilot)
        table = app.screen.query_one("#clients DataTable", DataTable)
        assert table.row_count == 1
        await pilot.press("enter", "enter")  # leave the search field, open the row
        await settle(app, pilot)
        assert isinstance(app.screen, ClientDetailScreen)
        assert app.screen.detail.client.ref == "K-0003"
    from bpa_provider.services import audit_log

    views = audit_log.query(fixed_db, fixed_data.BUILDER, subject="K-0003", action="view")
    assert [v.entity for v in views] == ["client"]


async def test_dashboard_row_opens_its_record(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#s-decisions_ending", DataTable)
        # Ingrid's decision ends too, but a new one follows it: only Kari's needs action.
        assert table.row_count == 1
        table.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ClientDetailScreen)
        assert app.screen.detail.client.ref == "K-0001"


async def test_save_refused_when_someone_else_changed_the_record(make_app, fixed_db):
    kari = client_id(fixed_db, "K-0001")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_form("client", kari)
        await settle(app, pilot)
        form = app.screen
        phone = field(form, "phone").query_one(Input)
        phone.value = "000 00 000"
        # Another coordinator saves the same client meanwhile.
        other = Actor(login="other", role="coordinator")
        current = records.get(fixed_db, other, "client", kari)
        records.update(fixed_db, other, "client", kari, current.version, {"address": "Elsewhere 2"})
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "Someone else changed this record" in str(form.query_one("#banner", Static).render())
        assert phone.value == "000 00 000"
    saved = records.get(fixed_db, fixed_data.BUILDER, "client", kari)
    assert (saved.phone, saved.address) == ("912 34 567", "Elsewhere 2")


async def test_escape_on_a_changed_form_asks_first(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_form("municipality")
        await settle(app, pilot)
        form = app.screen
        field(form, "name").query_one(Input).value = "Tynset"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not form  # the question
        await pilot.press("n")  # keep editing
        await pilot.pause()
        assert app.screen is form
        await pilot.press("escape", "y")
        await pilot.pause()
        assert not isinstance(app.screen, RecordForm)


async def test_switch_language_to_norwegian(make_app):
    app = make_app(lang="nb")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        nav = app.screen.query_one(NavList)
        labels = [str(nav.get_option_at_index(i).prompt) for i in range(nav.option_count)]
        assert "2 Brukere" in labels and "3 Assistenter" in labels
        await app.set_language_and_rebuild("en")
        await settle(app, pilot)
        nav = app.screen.query_one(NavList)
        assert str(nav.get_option_at_index(1).prompt) == "2 Clients"
        await app.set_language_and_rebuild("nb")
        await settle(app, pilot)
        await pilot.press("2", "n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        assert "Ny bruker" in str(form.query_one("#title", Static).render())
        assert "Navn *" in screen_text(field(form, "name"))


async def test_help_lists_the_keys_of_the_screen(make_app, fixed_db):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_record("client", client_id(fixed_db, "K-0001"))
        await settle(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = " ".join(f"{keys} {what}" for _title, items in app.screen.groups for keys, what in items)
        for words in ("New decision", "Assign assistant", "End…", "Show national ID", "Command palette"):
            assert words in shown
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ClientDetailScreen)


async def test_end_a_decision_keeps_it_with_an_end_date(make_app, fixed_db):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_record("client", client_id(fixed_db, "K-0002"))
        await settle(app, pilot)
        app.screen.query_one("#decisions", DataTable).focus()
        await pilot.press("x")
        await settle(app, pilot)
        end = app.screen
        assert isinstance(end, EndForm)
        end.query_one("#date", Input).value = "30.06.2026"
        end.query_one("#reason", Input).value = "new decision coming"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ClientDetailScreen)
        assert app.screen.detail.decisions[0].valid_to == date(2026, 6, 30)


async def test_assign_an_assistant_by_typing_part_of_the_name(make_app, fixed_db):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_record("client", client_id(fixed_db, "K-0002"))
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        form = app.screen
        lookup = field(form, "assistant_id")
        lookup.query_one(Input).focus()
        await pilot.press(*"mona")
        await wait_for(pilot)
        await settle(app, pilot)
        assert lookup.resolved == "A-0002"
        field(form, "start_date").query_one(Input).value = "2026-03-01"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ClientDetailScreen)
        assert [a.assistant_ref for a in app.screen.detail.assignments] == ["A-0002"]
        app.screen.query_one("#assignments", DataTable).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, AssistantDetailScreen)


async def test_list_pages_from_the_database_and_sorts_there(make_app, monkeypatch):
    from bpa_provider.screens import lists

    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        view = app.screen.query_one("#clients", RecordList)
        table = view.query_one(DataTable)
        assert view.total == 5 and table.row_count >= 2
        for _ in range(5):
            await pilot.press("down")
            await settle(app, pilot)
        assert table.row_count == 5
        await pilot.press("s")  # next sortable column: name, by family name
        await settle(app, pilot)
        assert [r.name for r in view.rows][:2] == ["Ingrid Berg", "Ola Hansen"]


async def test_palette_finds_a_client_and_offers_no_screenshot(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "Screenshot" not in [c.title for c in app.get_system_commands(app.screen)]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"kari")
        await wait_for(pilot)
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ClientDetailScreen)
        assert app.screen.detail.client.ref == "K-0001"


async def test_supervisor_sees_own_clients_and_no_write_keys(make_app, fixed_db):
    sup_id = records.find_id(fixed_db, fixed_data.BUILDER, "supervisor", "S-0001")
    actor = Actor(login="anne", role="supervisor", supervisor_id=sup_id)
    app = make_app(actor=actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        view = app.screen.query_one("#clients", RecordList)
        assert [r.ref for r in view.rows] == ["K-0001"]
        shown = {b.binding.key for b in app.screen.active_bindings.values() if b.enabled}
        assert "n" not in shown


async def test_unreachable_database_is_a_message_not_a_traceback(coordinator):
    from bpa_provider.db.engine import Database, make_engine
    from bpa_provider.screens.app import BpaApp

    db = Database(make_engine("postgresql://nobody@127.0.0.1:9/none?connect_timeout=2"))
    app = BpaApp(db, coordinator, lang="en", today=fixed_data.TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        message = str(app.screen.query_one("#dashboard #message", Static).render())
        assert "database" in message.lower()
        assert app.is_running
    db.dispose()


async def test_reveal_shows_the_full_national_id_and_logs_it(make_app, fixed_db):
    from bpa_provider.services import audit_log

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_record("client", client_id(fixed_db, "K-0001"))
        await settle(app, pilot)
        detail = app.screen
        assert "140385*****" in str(detail.national_id_text(detail.detail.client.national_id))
        await pilot.press("r")
        await settle(app, pilot)
        assert detail.revealed == fixed_data.fnr(date(1985, 3, 14))
    shown = audit_log.query(fixed_db, fixed_data.BUILDER, subject="K-0001", action="reveal_id")
    assert len(shown) == 1


async def test_a_save_before_the_municipalities_arrive_keeps_the_municipality(make_app, fixed_db, monkeypatch):
    """On a busy server the form's municipality list can come after the record: a save pressed
    meanwhile keeps the record's municipality instead of refusing "Municipality is required"."""
    import threading

    import bpa_provider.screens.forms

    gate = threading.Event()
    real = bpa_provider.screens.forms.records.list_records

    def slow_list(db, actor, kind, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if kind == "municipality":
            gate.wait(10)
        return real(db, actor, kind, *args, **kwargs)

    monkeypatch.setattr(bpa_provider.screens.forms.records, "list_records", slow_list)
    kari = client_id(fixed_db, "K-0001")
    before = records.get(fixed_db, fixed_data.BUILDER, "client", kari)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_form("client", kari)
        for _ in range(200):
            await pilot.pause(0.02)
            if isinstance(app.screen, RecordForm) and app.screen.record is not None:
                break
        form = app.screen
        field(form, "phone").query_one(Input).value = "000 11 222"
        await pilot.press("ctrl+s")
        for _ in range(200):
            if app.screen is not form:
                break
            await pilot.pause(0.02)
        assert app.screen is not form, str(form.query_one("#banner", Static).render())
        gate.set()
        await settle(app, pilot)
    saved = records.get(fixed_db, fixed_data.BUILDER, "client", kari)
    assert (saved.phone, saved.municipality_id) == ("000 11 222", before.municipality_id)
