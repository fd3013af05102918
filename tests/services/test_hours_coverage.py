"""The hour report splits a month's planned hours into covered (a shift someone is to work) and
uncovered (vacant shifts, issue 17 item 5), on SQLite and PostgreSQL, in the table, JSON and CSV
output, with translated headings."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import factories as f
import pytest

from bpa_provider import headings, i18n
from bpa_provider.db.models import Shift
from bpa_provider.services import hours

NOW = datetime(2026, 4, 15, 12, tzinfo=UTC)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Europe/Oslo")).astimezone(UTC)


@pytest.fixture
def vacant_month(db, admin):
    f.municipality(db, admin, "Hamar")
    f.client(db, admin, "Hamar")
    f.client(db, admin, "Hamar")
    a = f.assistant(db, admin)
    with db.write() as s:
        for start, end, status, cid in [
            ((2026, 4, 1, 8), (2026, 4, 1, 16), "worked", 1),  # covered 8
            ((2026, 4, 2, 8), (2026, 4, 2, 14), "vacant", 1),  # uncovered 6
            ((2026, 4, 30, 20), (2026, 5, 1, 6), "vacant", 1),  # uncovered 4 in April (6 in May)
            ((2026, 4, 3, 8), (2026, 4, 3, 12), "cancelled", 1),  # neither
            ((2026, 4, 20, 8), (2026, 4, 20, 18), "planned", 2),  # covered 10
        ]:
            s.add(Shift(client_id=cid, assistant_id=a.id, start_utc=local(*start), end_utc=local(*end), status=status))
    return db


def test_planned_hours_are_split_into_covered_and_uncovered(vacant_month, admin):
    rows = {r.client: r for r in hours.hours_report(vacant_month, admin, 2026, 4, today=date(2026, 4, 15), now=NOW)}
    k1, k2 = rows["K-0001"], rows["K-0002"]
    assert (k1.planned_hours, k1.covered_hours, k1.uncovered_hours) == (18.0, 8.0, 10.0)
    assert (k2.planned_hours, k2.covered_hours, k2.uncovered_hours) == (10.0, 10.0, 0.0)
    assert k1.worked_hours == 8.0  # a vacant shift is nobody's work
    may = {
        r.client: r
        for r in hours.hours_report(vacant_month, admin, 2026, 5, today=date(2026, 4, 15), now=NOW, outlook=False)
    }
    assert (may["K-0001"].covered_hours, may["K-0001"].uncovered_hours) == (0.0, 6.0)


def test_cli_json_csv_and_table_carry_the_split(tmp_path, capsys):
    from bpa_provider.cli import main

    path = str(tmp_path / "c.sqlite3")
    assert main(["--db", path, "init"]) == 0
    from bpa_provider.access import Actor
    from bpa_provider.db.engine import Database

    db = Database(url=f"sqlite:///{path}")
    admin = Actor(login="admin", role="admin", user_id=None)
    f.municipality(db, admin, "Hamar")
    f.client(db, admin, "Hamar")
    a = f.assistant(db, admin)
    with db.write() as s:
        s.add(
            Shift(
                client_id=1,
                assistant_id=a.id,
                start_utc=local(2026, 3, 2, 8),
                end_utc=local(2026, 3, 2, 16),
                status="worked",
            )
        )
        s.add(
            Shift(
                client_id=1,
                assistant_id=a.id,
                start_utc=local(2026, 3, 3, 8),
                end_utc=local(2026, 3, 3, 11),
                status="vacant",
            )
        )
    capsys.readouterr()
    assert main(["--db", path, "report", "hours", "--month", "2026-03", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["planned_hours"], row["covered_hours"], row["uncovered_hours"]) == (11.0, 8.0, 3.0)
    assert main(["--db", path, "report", "hours", "--month", "2026-03", "--no-outlook", "--format", "csv"]) == 0
    (line,) = csv.DictReader(io.StringIO(capsys.readouterr().out))
    assert (line["covered_hours"], line["uncovered_hours"]) == ("8.0", "3.0")
    assert main(["--db", path, "--lang", "nb", "report", "hours", "--month", "2026-03"]) == 0
    table = capsys.readouterr().out
    assert "Dekkede timer" in table and "Udekkede timer" in table


@pytest.mark.parametrize(
    "lang, covered, uncovered",
    [("nb", "Dekkede timer", "Udekkede timer"), ("sv", "Bemannade timmar", "Obemannade timmar")],
)
def test_headings_are_translated(lang, covered, uncovered):
    before = i18n.current_language()
    try:
        i18n.set_language(lang)
        assert (headings.heading("covered_hours"), headings.heading("uncovered_hours")) == (covered, uncovered)
    finally:
        i18n.set_language(before)
