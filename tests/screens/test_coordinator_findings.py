"""Findings of issue 16 (8) that live in the services the screens call: names in family-name
order (æøå/åäö where each language puts them), a client starting later is a prospect, a
supervisor's client list names the municipality, and `users list` names a supervisor."""

from __future__ import annotations

import getpass
from datetime import date, timedelta

import factories as f
import fixed_data
import pytest
from pilot_steps import settle

from bpa_provider import i18n
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.screens.lists import RecordList
from bpa_provider.services import name_order, records, users

NAMES = [
    "Åse Berg",
    "Ola Ødegård",
    "Kari Nordmann",
    "Per Ås",
    "Berit Æsen",
    "Anna Åkesson",
    "Lars Ärlig",
    "Ebba Öhman",
    "Zara Zeta",
    "anders berg",
]


def _sorted_by_service(db: Database, actor: Actor, lang: str, descending: bool = False) -> list[str]:
    i18n.set_language(lang)
    page = records.list_records(db, actor, "client", order="name", descending=descending, limit=50)
    return [r.name for r in page.rows]


def test_clients_sort_by_family_name_with_each_languages_letters(db, coordinator):
    f.municipality(db, coordinator)
    for name in NAMES:
        f.client(db, coordinator, name=name)
    # nb: … z, æ (ä with it), ø (ö with it), å; sv: … z, å, ä (æ with it), ö (ø with it).
    nb = [
        "anders berg",
        "Åse Berg",
        "Kari Nordmann",
        "Zara Zeta",
        "Lars Ärlig",
        "Berit Æsen",
        "Ola Ødegård",
        "Ebba Öhman",
        "Anna Åkesson",
        "Per Ås",
    ]
    sv = [
        "anders berg",
        "Åse Berg",
        "Kari Nordmann",
        "Zara Zeta",
        "Anna Åkesson",
        "Per Ås",
        "Lars Ärlig",
        "Berit Æsen",
        "Ola Ødegård",
        "Ebba Öhman",
    ]
    assert _sorted_by_service(db, coordinator, "nb") == nb
    assert _sorted_by_service(db, coordinator, "sv") == sv
    assert _sorted_by_service(db, coordinator, "nb", descending=True) == nb[::-1]
    # The Python key agrees with the database's order (lists a service assembles itself).
    assert sorted(NAMES, key=lambda n: name_order.sort_key(n, "nb")) == nb
    assert sorted(NAMES, key=lambda n: name_order.sort_key(n, "sv")) == sv


def test_a_client_starting_later_is_a_prospect_not_active(db, coordinator):
    f.municipality(db, coordinator)
    later = date.today() + timedelta(days=30)
    planned = f.client(db, coordinator, name="Siri Fremtid", start_date=later.isoformat())
    started = f.client(db, coordinator, name="Nils Nå", start_date=date.today().isoformat())
    chosen = f.client(db, coordinator, name="Eva Valgt", start_date=later.isoformat(), status="active")
    assert planned.status == "prospect"
    assert started.status == "active"
    assert chosen.status == "active"  # a status typed on purpose is kept


def test_users_list_names_a_supervisor_by_reference_and_name(db, admin, coordinator):
    f.municipality(db, coordinator)
    kari = f.client(db, coordinator)
    sup = records.create(
        db, coordinator, "supervisor", {"name": "Anne Nordmann", "client_id": kari.ref, "since": "2026-01-01"}
    )
    users.add_user(db, admin, "anne", "supervisor", sup.ref)
    users.add_user(db, admin, "kari", "coordinator")
    rows = {r["login"]: r for r in users.user_rows(db, admin)}
    assert rows["anne"]["supervisor"] == f"{sup.ref} Anne Nordmann"
    assert rows["kari"]["supervisor"] == ""


def test_users_list_command_shows_the_supervisor_not_a_number(sqlite_db, admin, coordinator, capsys):
    from bpa_provider.cli import main

    f.municipality(sqlite_db, coordinator)
    kari = f.client(sqlite_db, coordinator)
    sup = records.create(sqlite_db, coordinator, "supervisor", {"name": "Anne Nordmann", "client_id": kari.ref})
    users.add_user(sqlite_db, admin, "anne", "supervisor", sup.ref)
    users.add_user(sqlite_db, admin, getpass.getuser(), "admin")  # the CLI acts as the login running it
    url = str(sqlite_db.url)
    assert main(["--db", url, "--lang", "en", "users", "list"]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("anne"))
    assert f"{sup.ref} Anne Nordmann" in line


@pytest.mark.parametrize("role", ["supervisor", "coordinator"])
async def test_the_client_list_names_the_municipality_for_every_role(make_app, fixed_db, role):
    sup_id = records.find_id(fixed_db, fixed_data.BUILDER, "supervisor", "S-0001")
    actor = Actor(login="anne", role="supervisor", supervisor_id=sup_id) if role == "supervisor" else None
    app = make_app(actor=actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        view = app.screen.query_one("#clients", RecordList)
        kari = next(i for i, r in enumerate(view.rows) if r.ref == "K-0001")
        cells = [str(c) for c in view.query_one("PagedTable").get_row_at(kari)]
        assert "Hamar" in cells


def _client_with_assistant(db: Database, actor: Actor):
    f.municipality(db, actor)
    kari = f.client(db, actor, start_date="2025-01-01")
    f.decision(db, actor, kari.ref, valid_from="2025-01-01")
    per = f.assistant(db, actor)
    f.employment(db, actor, per.ref)
    f.assignment(db, actor, per.ref, kari.ref, start_date="2025-01-01")
    return kari, per


def test_an_overlap_refusal_names_the_shifts_by_client_day_and_time(db, coordinator):
    from bpa_provider.errors import ValidationError
    from bpa_provider.services import roster

    kari, per = _client_with_assistant(db, coordinator)
    first = roster.create_shift(db, coordinator, kari.id, per.id, "2026-03-02T08:00", "16:00").shifts[0]
    with pytest.raises(ValidationError) as caught:
        roster.create_shift(db, coordinator, kari.id, per.id, "2026-03-02T14:30", "20:00")
    english = caught.value.localized()  # the reader's text (en): dates as every English screen writes them
    i18n.set_language("nb")
    norwegian = caught.value.localized()
    assert f"{kari.ref} 02.03.2026 08:00–16:00" in english and "overlap by 1.5 h" in english
    assert f"#{first.id}" not in english and f"shifts {first.id} " not in english
    assert "overlapper med 1,5 t" in norwegian and f"{kari.ref} 02.03.2026 14:30–20:00" in norwegian


def test_rule_explanations_are_in_the_readers_language_with_decimal_commas(db, coordinator):
    from bpa_provider.services import roster

    kari, per = _client_with_assistant(db, coordinator)
    roster.create_shift(db, coordinator, kari.id, per.id, "2026-03-02T12:00", "22:00")
    warnings = roster.create_shift(db, coordinator, kari.id, per.id, "2026-03-03T07:30", "15:00").warnings
    rest = next(v for v in warnings if v.rule_id == "NO-REST-DAILY")
    assert rest.text().startswith("9.5 h rest, needs 11 h (the 24 h from 02.03.2026 12:00)")
    i18n.set_language("nb")
    assert rest.text().startswith("9,5 t hvile, krever 11 t (døgnet fra 02.03.2026 12:00)")
    i18n.set_language("sv")
    assert rest.text().startswith("9,5 h vila, kräver 11 h (dygnet från 2026-03-02 12:00)")


def test_a_cancelled_shift_is_named_by_client_day_and_time(db, coordinator):
    from bpa_provider.errors import ValidationError
    from bpa_provider.services import roster

    kari, per = _client_with_assistant(db, coordinator)
    shift = roster.create_shift(db, coordinator, kari.id, per.id, "2026-03-02T08:00", "16:00").shifts[0]
    roster.cancel_shift(db, coordinator, shift.id, None, "not needed")
    with pytest.raises(ValidationError) as caught:
        roster.update_shift(db, coordinator, shift.id, None, note="x")
    assert caught.value.message.endswith(f"The shift {kari.ref} 02.03 08:00–16:00 is cancelled")
    i18n.set_language("nb")
    assert caught.value.localized().endswith(f"Vakten {kari.ref} 02.03 08:00–16:00 er avlyst")


def test_overdue_is_forfalt_in_norwegian_not_on_overtime():
    """ "PÅ OVERTID" reads as "working overtime"; a missed deadline is "forfalt"."""
    i18n.set_language("nb")
    assert i18n._("OVERDUE") == "FORFALT"
    assert "overtid" not in i18n._("{overdue} overdue · {due} due · {done} done")
    assert "overtid" not in i18n._("Staff reviews overdue or due within {days} days")


@pytest.mark.parametrize(
    "keys",
    [("1",), ("2",), ("3",), ("4",), ("4", "enter"), ("5",), ("6",), ("7",), ("8",), ("9",), ("0",)],
    ids=[
        "dash",
        "clients",
        "assistants",
        "rosters",
        "week",
        "transfers",
        "courses",
        "reviews",
        "munis",
        "audit",
        "outbox",
    ],
)
@pytest.mark.parametrize("lang", ["nb", "sv"])
async def test_the_footer_fits_80_columns_in_each_language(make_app, keys, lang):
    """Every footer entry whole at 80x24 ("f1 Hjel▏" was cut): F5 stays in the help only, the
    roster's [ and ] share one entry."""
    from textual.widgets._footer import FooterKey

    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        footer_keys = [k for k in app.screen.query(FooterKey) if k.display]
        palette = next(k for k in footer_keys if k.action == "command_palette")
        others = [k for k in footer_keys if k is not palette]
        assert others and max(k.region.right for k in others) <= palette.region.x, [(k.key, k.region) for k in others]


async def test_a_cut_column_heading_ends_in_an_ellipsis(make_app, fixed_db):
    app = make_app(lang="nb")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.open_record("client", records.find_id(fixed_db, fixed_data.BUILDER, "client", "K-0001"))
        await settle(app, pilot)
        table = app.screen.query_one("#decisions")
        label = next(c.label for c in table.ordered_columns if c.label.plain.startswith("Saksn"))
        assert label.overflow == "ellipsis" and label.no_wrap
        services = str(table.get_row_at(0)[3])
        assert "praktisk bistand" in services  # the decision's services in Norwegian, not "practical"


@pytest.mark.parametrize(
    ("size", "columns"),
    [
        ((80, 24), ["Ref", "Name", "Status", "Municipality"]),
        ((120, 40), ["Ref", "Name", "Status", "Municipality", "Start", "End", "National ID"]),
    ],
)
async def test_a_list_shows_the_columns_that_fit_whole(make_app, size, columns):
    """At 80 columns the client list showed a sliver of its start date ("S", "0"): a column
    that does not fit whole is left out, and comes back on a wider terminal."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        table = app.screen.query_one("#clients", RecordList).query_one("PagedTable")
        assert [c.label.plain.rstrip(" ▲▼") for c in table.ordered_columns] == columns
        assert len(table.get_row_at(0)) == len(columns)


@pytest.mark.parametrize(("area", "status"), [("5", "#status"), ("6", ".status")], ids=["transfers", "onboarding"])
async def test_the_status_and_row_lines_under_a_list_take_one_line(make_app, area, status):
    """The line under a list (the highlighted row in full) and the status line took two or three
    lines at 80 columns ("… Enter åpner et" cut off): each is one line ending in … (the whole
    text stays in the record's detail)."""
    from textual.widgets import Static

    from bpa_provider.screens.widgets.row_tip import RowTip

    app = make_app(lang="nb")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press(area)
        await settle(app, pilot)
        line = next(w for w in app.screen.query(status) if w.display and w.region.height)
        assert isinstance(line, Static)
        line.update("ord " * 60)
        tip = next(t for t in app.screen.query(RowTip) if t.parent.display)
        tip.update("› " + "ord " * 60)
        tip.add_class("-shown")
        await settle(app, pilot)
        assert line.region.height == 1 and tip.region.height == 1
        assert str(line.render_line(0).text).rstrip().endswith("…")
        assert str(tip.render_line(0).text).rstrip().endswith("…")


async def test_the_columns_a_list_leaves_out_join_the_line_under_it(make_app):
    """At 80 columns the client list leaves out start, end and national ID; the line under the
    list names them for the highlighted row."""
    from bpa_provider.screens.widgets.row_tip import RowTip

    app = make_app(lang="nb")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        view = app.screen.query_one("#clients", RecordList)
        view.query_one("PagedTable").focus()
        await settle(app, pilot)
        tip = view.query_one(RowTip)
        assert tip.display and tip.region.height == 1
        line = str(tip.render())
        assert "Start: " in line or "Start…" in line or line.endswith("…"), line
        assert view.query_one("PagedTable").row_text(0).count("Start: ") == 1


def test_a_prospect_reads_as_active_from_its_start_date(db, coordinator):
    """Nothing writes "active" when a prospect's start date comes: lists, filters, the record and
    the client's screen work it out when they read it."""
    from bpa_provider.services import details

    f.municipality(db, coordinator)
    today = date.today()
    began = f.client(db, coordinator, name="Siri Startet", start_date=(today - timedelta(days=1)).isoformat())
    waits = f.client(db, coordinator, name="Per Venter", start_date=(today + timedelta(days=1)).isoformat())
    assert waits.status == "prospect"
    records.update(db, coordinator, "client", began.id, None, {"status": "prospect"})  # as stored last week

    def statuses(**filters: str) -> dict[str, str]:
        page = records.list_records(db, coordinator, "client", filters=filters)
        return {r.ref: r.status for r in page.rows}

    assert statuses() == {began.ref: "active", waits.ref: "prospect"}
    assert set(statuses(status="active")) == {began.ref}
    assert set(statuses(status="prospect")) == {waits.ref}
    assert records.get(db, coordinator, "client", began.id).status == "active"
    assert details.client_detail(db, coordinator, began.id, today).client.status == "active"
    assert details.client_detail(db, coordinator, waits.id, today).client.status == "prospect"


def test_a_client_coming_by_an_open_transfer_stays_a_prospect_until_the_cut_over(db, coordinator):
    from bpa_provider.services import transfers

    f.municipality(db, coordinator)
    comes = f.client(db, coordinator, name="Ida Inn", start_date="2026-01-01", status="prospect")
    transfers.open_transfer(db, coordinator, comes.ref, "in", "Other AS", "2026-01-31", today=date(2026, 2, 1))
    assert records.get(db, coordinator, "client", comes.id).status == "prospect"
    page = records.list_records(db, coordinator, "client", filters={"status": "prospect"})
    assert [r.ref for r in page.rows] == [comes.ref]
