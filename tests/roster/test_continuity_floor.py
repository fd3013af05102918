"""The floor of `report continuity` (bench/continuity_floor.py: hand-written SQL and a plain loop)
gives every figure the report gives — distinct assistants in 14 and 30 days, the regular share,
new faces, substitutes never met — on both engines, and the command's printed output on SQLite.
The bench row's ratio rests on this equality (issue 19)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta

import pytest

from bench import continuity_floor
from bench.company import CLI
from bpa_provider.demo import load_demo
from bpa_provider.services import continuity

TODAY = date(2026, 5, 20)
DAYS = [TODAY, TODAY - timedelta(days=25), TODAY.replace(day=1), date(2026, 6, 30), date(2026, 3, 29)]


@pytest.fixture
def company(db, admin):
    load_demo(db, admin, seed=3, clients=9, assistants=20, months=3, today=TODAY)
    return db


def _service(db, admin, day):
    rows = []
    for c in continuity.continuity_report(db, admin, day):
        row = asdict(c)
        row["new_faces_month"] = " ".join(c.new_faces_month)
        row["substitutes_never_met"] = " ".join(c.substitutes_never_met)
        rows.append(row)
    return rows


def _floor(db, day):
    conn = db.engine.raw_connection()
    try:
        return continuity_floor.floor_rows(conn, day, db.engine.dialect.name)
    finally:
        conn.close()


def test_the_floor_gives_every_figure_of_the_report_on_both_engines(company, admin):
    seen = []
    for day in DAYS:
        report = _service(company, admin, day)
        assert _floor(company, day) == report, day
        seen += report
    # The equality means something only if every measure has values to compare.
    assert any(r["distinct_30d"] for r in seen) and any(r["regular_share"] < 1 for r in seen)
    assert any(r["new_faces_month"] for r in seen)  # substitutes never met: the test below


def test_the_floor_follows_a_new_substitute(company, admin):
    """A shift given to an assistant who never worked with the client shows on both sides."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from bpa_provider.db.models import Assistant, Client, Shift

    with company.write() as s:
        client = s.execute(select(Client).order_by(Client.ref).limit(1)).scalar_one()
        worked = set(s.execute(select(Shift.assistant_id).where(Shift.client_id == client.id)).scalars())
        stranger = s.execute(select(Assistant).where(Assistant.id.not_in(worked)).limit(1)).scalar_one()
        shift = s.execute(
            select(Shift)
            .where(Shift.client_id == client.id, Shift.start_utc >= datetime(2026, 5, 22, tzinfo=UTC))
            .order_by(Shift.start_utc)
            .limit(1)
        ).scalar_one()
        shift.assistant_id = stranger.id
        ref = stranger.ref
    report = _service(company, admin, TODAY)
    assert ref in report[0]["substitutes_never_met"].split()
    assert _floor(company, TODAY) == report


def test_the_floor_check_reads_the_commands_output(tmp_path):
    from bpa_provider.cli import main

    path = str(tmp_path / "demo.sqlite3")
    assert main(["--db", path, "demo", "--clients", "6", "--months", "2", "--seed", "2"]) == 0
    for day in (date.today(), date.today().replace(day=1)):
        assert continuity_floor.check(path, CLI, day).startswith("equal ("), day
    assert continuity_floor.check(path, CLI) != "equal (0 clients)"


def test_the_floor_decides_a_changing_role_per_shift(company, admin):
    """A pair whose role changed (substitute, then regular) has each shift's date decide its role,
    on both sides: the regular share and the substitutes never met move with it."""
    from sqlalchemy import select

    from bpa_provider.db.models import Assignment, Shift

    with company.write() as s:
        cid, aid = s.execute(
            select(Shift.client_id, Shift.assistant_id)
            .where(Shift.assistant_id.is_not(None), Shift.status != "cancelled")
            .order_by(Shift.client_id, Shift.assistant_id)
            .limit(1)
        ).one()
        for a in s.execute(select(Assignment).where(Assignment.client_id == cid, Assignment.assistant_id == aid)):
            s.delete(a[0])
        s.add(
            Assignment(
                assistant_id=aid,
                client_id=cid,
                role="substitute",
                start_date=date(2026, 1, 1),
                end_date=date(2026, 5, 10),
            )
        )
        s.add(Assignment(assistant_id=aid, client_id=cid, role="regular", start_date=date(2026, 5, 11)))
    for day in DAYS:
        assert _floor(company, day) == _service(company, admin, day), day
