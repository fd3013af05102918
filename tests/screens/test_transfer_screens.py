"""The transfer screens through the real app (Pilot) on the fixed dataset: the list, a transfer's
checklist, steps done and refused, assistants informed and refusing, the handover package exported
and imported from the screen.

The tests drive the area with its number key like a person would.
"""

from __future__ import annotations

import hashlib
from datetime import date

import fixed_data
import pytest
from pilot_steps import settle
from textual.widgets import DataTable, Input, Select, Static
from tooling import wait_for

from bpa_provider.screens.transfer_detail import TransferDetailScreen
from bpa_provider.screens.transfer_forms import ExportForm, ImportForm, InformForm, RefusalForm, StepForm, TransferForm
from bpa_provider.screens.transfers import TransfersView
from bpa_provider.services import handover, records
from bpa_provider.services import transfers as tr
from bpa_provider.services.transfer_views import TransferView

A = fixed_data.BUILDER
NOTICE = "02.03.2026"  # fixed_data.TODAY: effective 02.06.2026 with Hamar's 3 months


@pytest.fixture
def outgoing(fixed_db) -> TransferView:
    """Kari (K-0001, Hamar) leaves for Aleris Omsorg; Per and Mona are assigned to her."""
    return tr.open_transfer(fixed_db, A, "K-0001", "out", "Aleris Omsorg", NOTICE, today=fixed_data.TODAY)


async def open_list(app, pilot) -> TransfersView:
    await settle(app, pilot)
    await pilot.press("5")
    await settle(app, pilot)
    return app.screen.query_one("#transfers", TransfersView)


async def open_detail(app, pilot) -> TransferDetailScreen:
    await open_list(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, TransferDetailScreen)
    return app.screen


def row(form: TransferForm, name: str):
    found = form.row(name)
    assert found is not None, name
    return found


def error_of(form: TransferForm, name: str) -> str:
    return str(row(form, name).query_one(".error", Static).render())


def banner(form: TransferForm) -> str:
    return str(form.query_one("#banner", Static).render())


def cells(table: DataTable, index: int) -> list[str]:
    return [str(c) for c in table.get_row_at(index)]


async def test_list_shows_days_left_and_next_step(make_app, outgoing):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_list(app, pilot)
        table = view.query_one(DataTable)
        assert table.row_count == 1
        who, when, step = cells(table, 0)
        # One line per row: a cell's parts joined by " · " (cut with … where the column ends).
        assert who == "K-0001 Kari Nordmann · OUT to Aleris Omsorg"
        assert when == "02.06.2026 · 92 days"
        assert step == "Client signed · 09.03.2026 · in 7 days"
        assert all(r.height == 1 for r in table.rows.values())
        assert "1 open transfer ·" in str(view.query_one("#status", Static).render())
        # Every column fits in the 62 columns the area has at 80x24.
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= view.size.width


async def test_complete_the_next_step_with_a_date(make_app, fixed_db, outgoing):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await open_detail(app, pilot)
        steps = detail.query_one("#steps", DataTable)
        assert "NEXT" in cells(steps, 1)[2] and "DONE" in cells(steps, 0)[2]
        await pilot.press("c")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, StepForm)
        assert row(form, "step").raw_value() == "client_signed"
        row(form, "on").query_one(Input).value = "04.03.2026"  # after the app's today: refused
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        row(form, "on").query_one(Input).value = "02.03.2026"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is detail
        assert detail.view.state == "client_signed"
        assert cells(detail.query_one("#steps", DataTable), 1)[1:3] == ["02.03.2026", "DONE"]
    saved = tr.get_transfer(fixed_db, A, outgoing.id, today=fixed_data.TODAY)
    step = next(s for s in saved.steps if s.code == "client_signed")
    assert (step.done_on, step.done_by) == (date(2026, 3, 2), "coord")


async def test_step_out_of_order_is_refused_inline_and_nothing_changes(make_app, fixed_db, outgoing):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await open_detail(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        form = app.screen
        row(form, "step").query_one(Select).value = "municipality_signed"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form  # still open, input kept
        assert error_of(form, "step") == "Client signed must be done first"
        assert row(form, "step").raw_value() == "municipality_signed"
        await pilot.press("escape")  # changed: it asks first
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert app.screen is detail
    after = tr.get_transfer(fixed_db, A, outgoing.id, today=fixed_data.TODAY)
    assert (after.version, after.state) == (outgoing.version, "notice")
    assert all(s.done_on is None for s in after.steps if s.code != "notice")


async def test_inform_refuses_a_short_deadline_as_typed_then_saves(make_app, fixed_db, outgoing):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await open_detail(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, InformForm)
        assert row(form, "deadline").raw_value() == "16.03.2026"  # informed today + 14 days
        row(form, "deadline").query_one(Input).focus()
        await pilot.press("ctrl+u", *"12.03.2026")
        await pilot.pause()
        assert "at least 14 days" in error_of(form, "deadline")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        row(form, "deadline").query_one(Input).value = "16.03.2026"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is detail
        per = next(a for a in detail.view.assistants if a.ref == "A-0001")
        assert (per.informed_on, per.refusal_deadline) == (date(2026, 3, 2), date(2026, 3, 16))


async def test_record_an_assistants_written_refusal(make_app, fixed_db, outgoing):
    tr.inform_assistant(fixed_db, A, outgoing.id, "A-0001", "02.03.2026", "16.03.2026", today=fixed_data.TODAY)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await open_detail(app, pilot)
        people = detail.query_one("#assistants", DataTable)
        assert [cells(people, i)[2] for i in range(2)] == ["TRANSFERRING", "TRANSFERRING"]
        people.focus()
        await pilot.press("r")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RefusalForm)
        assert row(form, "assistant").raw_value() == "A-0001"
        row(form, "on").query_one(Input).value = "05.03.2026"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is detail
        assert cells(detail.query_one("#assistants", DataTable), 0)[2] == "REFUSED"
        notes = " ".join(str(s.render()) for s in detail.query(".note"))
        assert "Refused in writing 05.03.2026: employment with us ends 01.06.2026" in notes
    per = next(a for a in tr.get_transfer(fixed_db, A, outgoing.id).assistants if a.ref == "A-0001")
    assert per.refused_on == date(2026, 3, 5)


async def test_conflict_keeps_the_input(make_app, fixed_db, outgoing):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await open_detail(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        form = app.screen
        row(form, "note").query_one(Input).value = "signed at the office"
        tr.record_consent(fixed_db, A, outgoing.id, "02.03.2026")  # someone else, meanwhile
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "Someone else changed this transfer" in banner(form)
        assert row(form, "note").raw_value() == "signed at the office"
        await pilot.press("escape", "y")  # discard: the screen behind shows their change
        await settle(app, pilot)
        assert app.screen is detail and detail.view.client_consent_on == date(2026, 3, 2)


async def test_export_the_package_from_the_screen(make_app, fixed_db, outgoing, tmp_path):
    for ref, born in (("A-0001", date(1990, 5, 17)), ("A-0002", date(1995, 11, 2))):
        aid = records.find_id(fixed_db, A, "assistant", ref)
        current = records.get(fixed_db, A, "assistant", aid)
        records.update(fixed_db, A, "assistant", aid, current.version, {"national_id": fixed_data.fnr(born)})
    out = tmp_path / "packages"
    from bpa_provider.signing import Keyring

    Keyring.default().init("bpa-provider")  # the provider's signing key (provider init)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await open_detail(app, pilot)
        await pilot.press("p")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ExportForm)
        row(form, "out_dir").query_one(Input).value = str(out)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is detail
        shown = str(detail.query_one("#export-result", Static).render())
    files = sorted(out.glob("handover-K-0001-*"))
    assert [p.name.split(".", 1)[1] for p in files] == ["json", "json.sig", "md"]
    digest = hashlib.sha256(files[0].read_bytes()).hexdigest()
    assert f"SHA-256: {digest}" in shown
    assert str(files[0]) in shown


async def test_import_lists_every_problem_and_writes_nothing(make_app, fixed_db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": "1", "stage": "notice"}', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_list(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ImportForm)
        row(form, "file").query_one(Input).value = str(bad)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        text = banner(form)
        assert text.startswith("Nothing was imported.")
        for place in ("generated_at", "from_provider", "transfer", "client", "employment_part"):
            assert f"• {place}: is missing" in text
    assert tr.list_transfers(fixed_db, A, include_ended=True) == []


async def test_import_a_package_opens_the_incoming_transfer(make_app, fixed_db, outgoing, sqlite_db, tmp_path):
    for ref, born in (("A-0001", date(1990, 5, 17)), ("A-0002", date(1995, 11, 2))):
        aid = records.find_id(fixed_db, A, "assistant", ref)
        current = records.get(fixed_db, A, "assistant", aid)
        records.update(fixed_db, A, "assistant", aid, current.version, {"national_id": fixed_data.fnr(born)})
    # The two providers' signing keys: ours (the receiver's, in the data folder) trusts the sender's.
    from bpa_provider.signing import Keyring

    sender, receiver = Keyring(tmp_path / "sender-keys"), Keyring.default()
    sender.init("bpa-provider")
    receiver.init("Aleris Omsorg")
    receiver.trust("bpa-provider", sender.public_key())
    package = handover.export_package(fixed_db, A, outgoing.id, tmp_path, keys=sender).json_path
    app = make_app(db=sqlite_db)  # the receiving provider's empty database
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_list(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        row(app.screen, "file").query_one(Input).value = str(package)
        await pilot.press("f3")  # check first: nothing is written
        await settle(app, pilot)
        assert "Valid package from bpa-provider: client Kari Nordmann" in str(
            row(app.screen, "file").query_one(".note", Static).render()
        )
        assert tr.list_transfers(sqlite_db, A) == []
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        detail = app.screen
        assert isinstance(detail, TransferDetailScreen)
        assert (detail.view.direction, detail.view.counterpart) == ("in", "bpa-provider")
        assert [a.status for a in detail.view.assistants] == ["joining", "joining"]
        await pilot.press("escape")
        await settle(app, pilot)
        assert [r.client_name for r in view.rows] == ["Kari Nordmann"]


async def test_open_a_transfer_from_the_list(make_app, fixed_db):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_list(app, pilot)
        assert "No open transfers." in str(view.query_one("#status", Static).render())
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        row(form, "client").query_one(Input).focus()
        await pilot.press(*"ingrid")
        await wait_for(pilot)  # the look-up waits for a pause in typing
        await settle(app, pilot)
        assert row(form, "client").resolved == "K-0003"
        row(form, "counterpart").query_one(Input).value = "Stendi [/b] AS"
        row(form, "agreed_date").query_one(Input).value = "01.02.2026"  # before the notice
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "cannot be before the notice date" in error_of(form, "agreed_date")
        row(form, "agreed_date").query_one(Input).value = "30.06.2026"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        detail = app.screen
        assert isinstance(detail, TransferDetailScreen)
        assert (detail.view.client_ref, detail.view.effective_date) == ("K-0003", date(2026, 6, 30))
        await pilot.press("escape")
        await settle(app, pilot)
        # A name that looks like markup shows as typed.
        assert cells(view.query_one(DataTable), 0)[0].endswith(" · OUT to Stendi [/b] AS")


async def test_cancel_keeps_the_history_and_ends_the_actions(make_app, fixed_db, outgoing):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_list(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        detail = app.screen
        await pilot.press("x")
        await settle(app, pilot)
        await pilot.press("ctrl+s")  # the reason is required
        await settle(app, pilot)
        assert error_of(app.screen, "reason") == "Reason is required"
        row(app.screen, "reason").query_one(Input).value = "the client stays with us"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is detail and detail.view.state == "cancelled"
        assert "Cancelled: the client stays with us" in " ".join(str(s.render()) for s in detail.query(".note"))
        enabled = {b.binding.action for b in detail.active_bindings.values() if b.enabled}
        assert not enabled & {"complete", "inform", "refusal", "cancel_transfer", "export"}
        await pilot.press("escape")
        await settle(app, pilot)
        assert view.rows == []  # the list shows open transfers…
        view.focus_content()
        await pilot.press("a")  # …and the ended ones on request
        await settle(app, pilot)
        assert cells(view.query_one(DataTable), 0)[2] == "CANCELLED"


async def test_auditor_reads_but_has_no_write_keys(make_app, outgoing, auditor):
    app = make_app(actor=auditor)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_list(app, pilot)
        shown = {b.binding.key for b in app.screen.active_bindings.values() if b.enabled}
        assert not {"n", "i"} & shown
        assert len(view.rows) == 1
        await pilot.press("enter")
        await settle(app, pilot)
        detail = app.screen
        assert isinstance(detail, TransferDetailScreen) and detail.view is not None
        shown = {b.binding.key for b in detail.active_bindings.values() if b.enabled}
        assert not {"c", "i", "r", "k", "p", "x"} & shown


async def test_forms_refuse_as_typed_in_the_services_own_words(make_app, fixed_db, outgoing):
    """The forms call the services' pure checks (services/transfer_checks.py) as the person types:
    a step dated after today is refused under "Done on" before any save, and an over-long note
    in the service's wording, named by the form's label."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, StepForm)
        row(form, "on").query_one(Input).focus()
        await pilot.press("ctrl+u", *"04.03.2026")
        await pilot.pause()
        assert error_of(form, "on") == "Done on cannot be after today (02.03.2026): record a step when it is done"
        row(form, "note").query_one(Input).focus()
        await pilot.press(*("x" * 501))
        await pilot.pause()
        assert error_of(form, "note") == "Note is too long (501 characters, at most 500)"
    after = tr.get_transfer(fixed_db, A, outgoing.id, today=fixed_data.TODAY)
    assert after.version == outgoing.version
