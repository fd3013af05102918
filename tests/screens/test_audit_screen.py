"""The audit-log area through the real app (Pilot) at 80×24, on the fixed dataset: the log newest
first, filters (the person a row is about, the user, dates), "who looked at my data?", the chain
check intact and broken, the whole row with its snapshots as text, and who may open the area.

The fixed dataset's log has 24 rows written by `coord` on 20.02.2026 from 10:00 Oslo time, one
a minute; tests add views and reveals by other people through the real services.
"""

from __future__ import annotations

import io
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import fixed_data
import pytest
from pilot_steps import settle
from rich.console import Console
from textual.widgets import DataTable, Input, Select, Static

from bpa_provider.access import Actor
from bpa_provider.screens.audit_log import AuditLogView, AuditRowScreen
from bpa_provider.screens.widgets.nav import NavList
from bpa_provider.services import audit_log, details, records

AUDITOR = Actor(login="revisor", role="auditor")
KARI = Actor(login="kari", role="coordinator", connection="10.0.0.7 51234 10.0.0.1 22")


async def open_area(app, pilot) -> AuditLogView:
    await settle(app, pilot)
    await pilot.press("9")
    await settle(app, pilot)
    return app.screen.query_one("#audit", AuditLogView)


def cells(table: DataTable, index: int) -> list[str]:
    return [str(c) for c in table.get_row_at(index)]


def shown(view: AuditLogView, widget_id: str) -> str:
    return str(view.query_one(f"#{widget_id}", Static).render())


def plain(static: Static) -> str:
    """What a Static shows, as plain text (a rich Table included)."""
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


def client_id(db, ref: str) -> int:
    return records.find_id(db, fixed_data.BUILDER, "client", ref)


def log_ids(db, where: str = "1 = 1") -> list[int]:
    """Row ids straight from the file (a service query would log itself and change the answer)."""
    con = sqlite3.connect(db.engine.url.database)
    try:
        return [r[0] for r in con.execute(f"SELECT id FROM audit_event WHERE {where} ORDER BY id DESC")]
    finally:
        con.close()


async def apply_filter(pilot, view: AuditLogView, name: str, value: str) -> None:
    """Put `value` in a filter field and press Enter there (typing is not what these tests are about)."""
    field = view.query_one(f"#f-{name}", Input)
    field.value = value
    field.focus()
    await pilot.press("enter")


async def test_log_is_listed_newest_first_with_who_role_when_action_subject(make_app, fixed_db):
    details.client_detail(fixed_db, KARI, client_id(fixed_db, "K-0002"), fixed_data.TODAY)
    app = make_app(actor=AUDITOR)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_area(app, pilot)
        table = view.query_one(DataTable)
        assert [r.id for r in view.rows] == log_ids(fixed_db)[1:]  # not the view's own question
        assert table.row_count == len(view.rows) == 25
        when, who, role, action, about = cells(table, 0)
        assert (who, role, action, about) == ("kari", "coordinator", "viewed", "K-0002")
        assert when == view.rows[0].at.strftime("%d.%m.%Y %H:%M")  # Oslo time, to the minute
        # The dataset's newest row: 10:23 Oslo time (09:23 UTC), the assignment of Mona to Kari.
        assert cells(table, 1) == ["20.02.2026 10:23", "coord", "coordinator", "created", "K-0001"]
        # The row under the cursor is described below the table, connection included.
        preview = shown(view, "preview")
        assert "client record opened" in preview and "10.0.0.7 51234" in preview
        assert "25 rows, newest first" in shown(view, "status")
        # Every column fits in the 62 columns the area has at 80x24.
        assert sum(c.get_render_width(table) for c in table.columns.values()) < view.size.width


async def test_filter_by_subject_shows_only_that_person_and_who_looked(make_app, fixed_db):
    ingrid = client_id(fixed_db, "K-0003")
    details.client_detail(fixed_db, KARI, ingrid, fixed_data.TODAY)
    records.reveal_national_id(fixed_db, KARI, "client", ingrid)
    app = make_app(actor=AUDITOR)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_area(app, pilot)
        expected = log_ids(fixed_db, "subject = 'K-0003'")
        await apply_filter(pilot, view, "subject", "k-0003")  # references are matched in upper case
        await settle(app, pilot)
        assert [r.id for r in view.rows] == expected
        assert {cells(view.query_one(DataTable), i)[4] for i in range(len(expected))} == {"K-0003"}
        assert app.screen.focused is view.query_one(DataTable)  # Enter applied and went to the rows
        # "Who looked at my data?": views only — the auditor's own question about K-0003 included.
        view.query_one("#f-action", Select).value = "view"
        await settle(app, pilot)
        assert [(r.actor, r.action, r.entity) for r in view.rows] == [
            ("revisor", "view", "audit_event"),
            ("kari", "view", "client"),
        ]
        # u on kari's row: everything kari did, whoever it was about.
        await pilot.press("down", "u")
        await settle(app, pilot)
        assert [r.action for r in view.rows] == ["reveal_id", "view"]
        assert view.query_one("#f-user", Input).value == "kari"
        assert view.query_one("#f-subject", Input).value == ""
    # Every question asked from the screen is in the log, with its filter.
    asked = [r.summary for r in audit_log.query(fixed_db, AUDITOR, user="revisor", action="view")]
    assert any("subject=K-0003" in s and "action=view" in s for s in asked)


async def test_w_shows_everything_about_the_person_of_the_row(make_app, fixed_db):
    details.client_detail(fixed_db, KARI, client_id(fixed_db, "K-0002"), fixed_data.TODAY)
    app = make_app(actor=AUDITOR)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_area(app, pilot)
        await pilot.press("w")  # the newest row: kari viewed K-0002
        await settle(app, pilot)
        assert view.query_one("#f-subject", Input).value == "K-0002"
        assert [(r.actor, r.action) for r in view.rows] == [("kari", "view"), ("coord", "create"), ("coord", "create")]


async def test_long_answers_page_into_the_table_and_say_when_rows_are_missing(make_app, fixed_db, monkeypatch):
    from bpa_provider.screens import audit_log as view_module

    monkeypatch.setattr(view_module, "FETCH_LIMIT", 20)  # the dataset's log has 24 rows
    monkeypatch.setattr(view_module, "PAGE", 5)
    app = make_app(actor=AUDITOR)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_area(app, pilot)
        table = view.query_one(DataTable)
        assert [r.id for r in view.rows] == list(range(24, 4, -1))  # the newest 20, newest first
        assert table.row_count == 5
        await pilot.press("down")
        await pilot.pause()
        assert table.row_count == 10  # the next page, from memory: the log is not asked again
        assert shown(view, "status").startswith("More than 20 rows match; the newest 20 are listed.")


async def test_a_wrong_date_is_refused_without_asking_the_log(make_app, fixed_db):
    app = make_app(actor=AUDITOR)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_area(app, pilot)
        before = log_ids(fixed_db)
        await apply_filter(pilot, view, "from", "31.02.2026")
        await settle(app, pilot)
        assert "From: “31.02.2026” is not a real calendar date" in shown(view, "status")
        assert app.screen.focused is view.query_one("#f-from", Input)
        view.query_one("#f-from", Input).value = "20.02.2026"
        await apply_filter(pilot, view, "to", "19.02.2026")
        await settle(app, pilot)
        assert "To must be on or after From" in shown(view, "status")
        assert log_ids(fixed_db) == before  # nothing was asked, so nothing was logged
        await apply_filter(pilot, view, "to", "20.02.2026")
        await settle(app, pilot)
        assert len(view.rows) == 24 and all(r.at.day == 20 for r in view.rows)


async def test_verify_says_the_chain_is_intact(make_app):
    app = make_app(actor=AUDITOR)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_area(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        # 24 rows of the dataset and the view's own question.
        assert shown(view, "chain") == "Chain intact: 25 rows, every hash matches."
        assert "F5 reloads" in shown(view, "status")  # the check is itself a new row


async def test_verify_shows_the_broken_row(make_app, fixed_db):
    # Someone with the file drops the append-only trigger and edits a row.
    con = sqlite3.connect(fixed_db.engine.url.database)
    con.execute("DROP TRIGGER audit_event_no_update")
    con.execute("UPDATE audit_event SET actor = 'nobody' WHERE id = 5")
    con.commit()
    con.close()
    app = make_app(actor=AUDITOR)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_area(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        assert shown(view, "chain") == (
            "Chain BROKEN at row 5: its content does not match its hash (4 rows before it are intact)."
        )
        assert view.current_id() == 5  # the cursor is on the broken row
        assert shown(view, "preview").startswith("BROKEN · ")
        assert "#5 ·" in shown(view, "preview")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AuditRowScreen)
        title = str(app.screen.query(Static).first().render())
        assert title.startswith("Access-log row 5") and "BROKEN" in title


@dataclass(frozen=True)
class RowWithSnapshots(audit_log.LogRow):
    """A log row carrying its before/after JSON, as the service's row may (see docs/tui-audit.md)."""

    before: str | None = None
    after: str | None = None


async def test_whole_row_shows_snapshots_as_text_never_markup(make_app, monkeypatch):
    at = datetime(2026, 3, 2, 14, 5, tzinfo=ZoneInfo("Europe/Oslo"))
    row = RowWithSnapshots(
        7,
        at,
        "kari",
        "coordinator<-root",
        "update",
        "client",
        5,
        "K-0005",
        "Client changed",
        "",
        before='{"name": "Lise [/bold] Lie", "national_id": "140385*****"}',
        after='{"name": "Lise [link=http://x]Lie[/link]", "national_id": "140385*****"}',
    )
    monkeypatch.setattr(audit_log, "query", lambda *a, **k: [row])
    app = make_app(actor=AUDITOR)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_area(app, pilot)
        assert cells(view.query_one(DataTable), 0)[2].startswith("coordinator, impersonated")
        assert "impersonated by root" in shown(view, "preview")  # the column may cut it off
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AuditRowScreen)
        everything = "\n".join(plain(s) for s in app.screen.query(Static))
        assert "coordinator, impersonated by root" in everything
        assert "changed (update)" in everything and "client 5" in everything
        assert '"name": "Lise [/bold] Lie"' in everything
        assert '"name": "Lise [link=http://x]Lie[/link]"' in everything
        assert "140385*****" in everything
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one("#audit", AuditLogView) is view


async def test_fits_at_80_columns_in_norwegian(make_app):
    app = make_app(actor=AUDITOR, lang="nb")
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_area(app, pilot)
        table = view.query_one(DataTable)
        assert [str(c.label) for c in table.columns.values()] == ["Når", "Hvem", "Rolle", "Hva", "Gjelder"]
        assert cells(table, 0)[1:4] == ["coord", "koordinator", "opprettet"]
        assert sum(c.get_render_width(table) for c in table.columns.values()) < view.size.width
        assert shown(view, "status") == "24 rader, nyeste først · Enter viser hele raden"


@pytest.mark.parametrize("role", ["auditor", "coordinator", "supervisor"])
async def test_who_may_open_the_area(make_app, fixed_db, role):
    actor = Actor(login="x", role=role)
    if role == "supervisor":
        actor = Actor(
            login="anne",
            role="supervisor",
            supervisor_id=records.find_id(fixed_db, fixed_data.BUILDER, "supervisor", "S-0001"),
        )
    app = make_app(actor=actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("9")
        await settle(app, pilot)
        areas = [o.id for o in app.screen.query_one(NavList).options]
        views = list(app.screen.query(AuditLogView))
        if role == "supervisor":
            assert "audit" not in areas and views == []
            assert app.screen.current == "dashboard"
        else:
            assert "audit" in areas and app.screen.current == "audit"
            assert views[0].rows and "newest first" in shown(views[0], "status")
