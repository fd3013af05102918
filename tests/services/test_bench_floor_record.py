"""The floor of issue 19's record steps in a real terminal (bench/bare_table.py) shows what the
app's client screen shows: for every client, the same summary pairs and the same sections with
the same number of rows as the services behind the screen give — the equality the record rows'
floor rests on, checked on a small company."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from bench.bare_table import read_assistant, read_record
from bpa_provider.access import Actor
from bpa_provider.cli import main
from bpa_provider.db.engine import open_database
from bpa_provider.services import details


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("floors") / "demo.sqlite3")
    assert main(["--db", path, "demo", "--clients", "8", "--months", "3", "--seed", "2"]) == 0
    return path


def test_the_record_floor_has_the_client_screens_sections_and_rows(company):
    today = date.today()
    db = open_database(f"sqlite:///{company}")
    admin = Actor("floor", "admin")
    conn = sqlite3.connect(company)
    try:
        clients = conn.execute("SELECT id, ref FROM client ORDER BY id").fetchall()
        assert len(clients) >= 8
        for cid, ref in clients:
            floor = read_record(conn, ref, today)
            app = details.client_detail(db, admin, cid, today)
            counts = {title.split(" (")[0]: len(rows) for title, _cols, rows, _lines in floor.sections}
            assert counts == {
                "Decisions": len(app.decisions),
                "Hours": 0,
                "Work supervisors": len(app.supervisors),
                "Assistants": len(app.assignments),
                "Provider transfer": 0,
                "History": len(app.history or []),
            }, ref
            c = app.client
            # Client, status and period always; the others when the record has them (as the app).
            optional = [c.national_id, c.birth_date, app.municipality, c.phone, c.address]
            assert len(floor.pairs) == 3 + sum(bool(v) for v in optional), ref
    finally:
        conn.close()
        db.dispose()


def test_the_assistant_floor_has_the_assistant_screens_sections_and_rows(company):
    today = date.today()
    db = open_database(f"sqlite:///{company}")
    admin = Actor("floor", "admin")
    conn = sqlite3.connect(company)
    try:
        assistants = conn.execute("SELECT id, ref FROM assistant ORDER BY id").fetchall()
        assert len(assistants) >= 20
        upcoming = 0
        for aid, ref in assistants:
            floor = read_assistant(conn, ref, today)
            app = details.assistant_detail(db, admin, aid, today)
            counts = {title.split(" (")[0]: len(rows) for title, _cols, rows, _lines in floor.sections}
            assert counts == {
                "": 0,  # the credentials' line
                "Employments": len(app.employments or []),
                "Clients": len(app.assignments),
                "Courses": len(app.courses),
                "Staff reviews": len(app.reviews),
                "Upcoming shifts": len(app.shifts or []),
            }, ref
            upcoming += len(app.shifts or [])
            a = app.assistant
            optional = [a.national_id, a.birth_date, a.phone, a.email, a.eea_resident is not None]
            assert len(floor.pairs) == 1 + sum(bool(v) for v in optional), ref
        assert upcoming > 0  # the shifts' window is checked on rows, not only on empty lists
    finally:
        conn.close()
        db.dispose()
