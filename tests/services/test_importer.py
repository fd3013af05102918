"""CSV import on SQLite and PostgreSQL: every kind imports, a bad file is refused whole with every
bad row listed by line and field, and nothing of it is written."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bpa_provider.db.models import (
    Assignment,
    AuditEvent,
    Client,
    Decision,
    Employment,
    Municipality,
    Review,
    Shift,
    Supervision,
    Supervisor,
)
from bpa_provider.errors import PermissionDenied, ValidationError
from bpa_provider.services import importer

DATA = Path(__file__).resolve().parent.parent / "data" / "import"
ORDER = [
    "municipalities",
    "clients",
    "decisions",
    "supervisors",
    "assistants",
    "employments",
    "assignments",
    "shifts",
    "reviews",
]


def _count(db, model) -> int:
    with db.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def _import_all(db, actor, upto: str = "reviews") -> None:
    for kind in ORDER[: ORDER.index(upto) + 1]:
        importer.import_csv(db, actor, kind, DATA / f"{kind}.csv")


def test_every_kind_imports(db, admin):
    _import_all(db, admin)
    with db.read() as s:
        munis = {m.name: m for m in s.execute(select(Municipality)).scalars()}
        assert (munis["Bjuv"].country, munis["Bjuv"].timezone, munis["Bjuv"].notice_months) == (
            "SE",
            "Europe/Stockholm",
            1,
        )
        assert munis["Hamar"].unit_name == "PAO"  # BOM and ';' handled
        k2 = s.execute(select(Client).where(Client.ref == "K-0102")).scalar_one()
        assert (k2.start_date, k2.birth_date) == (date(2026, 2, 1), date(1980, 4, 4))
        d1 = s.execute(select(Decision).order_by(Decision.id)).scalars().first()
        assert (d1.hours, d1.hours_unit, d1.valid_to, d1.case_number) == (37.5, "week", date(2026, 12, 31), "2026/17")
        # S-0102 named twice: the second row adds a supervision, not a second supervisor.
        assert _count(db, Supervisor) == 2 and _count(db, Supervision) == 3
        relations = sorted(r for r in s.execute(select(Supervision.relation)).scalars())
        assert relations == ["other", "parent", "self"]
        emp = s.execute(select(Employment).order_by(Employment.id)).scalars().first()
        assert (emp.position_percent, emp.police_certificate_on) == (80.0, date(2025, 11, 20))
        roles = sorted(s.execute(select(Assignment.role)).scalars())
        assert roles == ["regular", "regular", "substitute"]
        shifts = s.execute(select(Shift).order_by(Shift.id)).scalars().all()
        # Local Oslo time across the spring-forward night: 9 real hours, stored in UTC.
        assert shifts[0].start_utc == datetime(2026, 3, 28, 21, tzinfo=UTC)
        assert (shifts[0].end_utc - shifts[0].start_utc).total_seconds() == 9 * 3600
        assert [x.status for x in shifts] == ["worked", "approved", "worked"]  # status defaults to worked
        # Bjuv is on Stockholm time (same offset as Oslo, but its own zone).
        assert shifts[2].start_utc == datetime(2026, 3, 31, 21, tzinfo=UTC)
        review = s.execute(select(Review)).scalar_one()
        assert (review.held_on, review.participants) == (date(2026, 2, 10), "Per Hansen, Kari Nordmann")
        actions = s.execute(select(AuditEvent.action).where(AuditEvent.action == "import")).scalars().all()
        assert len(actions) == len(ORDER)


def test_bad_file_lists_every_bad_row_and_writes_nothing(db, admin):
    _import_all(db, admin, upto="municipalities")
    events = _count(db, AuditEvent)
    with pytest.raises(ValidationError) as exc:
        importer.import_csv(db, admin, "clients", DATA / "clients_bad.csv")
    found = {(e.row, e.field) for e in exc.value.errors}
    assert (3, "name") in found and (6, "national_id") in found
    assert (4, "municipality") in found and (4, "start_date") in found
    assert (5, "ref") in found  # K-0201 again, earlier in the same file
    assert not any(e.row == 2 for e in exc.value.errors)  # the good row is fine, but not written
    assert _count(db, Client) == 0
    assert _count(db, AuditEvent) == events


def test_bad_shifts_are_listed_by_line_and_column(db, admin):
    _import_all(db, admin, upto="assignments")
    with pytest.raises(ValidationError) as exc:
        importer.import_csv(db, admin, "shifts", DATA / "shifts_bad.csv")
    found = {(e.row, e.field) for e in exc.value.errors}
    assert {(3, "assistant_ref"), (3, "end"), (3, "status"), (4, "start")} <= found
    assert "does not exist" in str(exc.value)  # 02:30 on 29 March is in the DST gap
    assert _count(db, Shift) == 0


def test_unknown_and_missing_columns_are_named(db, admin, tmp_path):
    bad = tmp_path / "clients.csv"
    bad.write_text("ref,navn,municipality\nK-1,Kari,Hamar\n", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        importer.import_csv(db, admin, "clients", bad)
    fields = {e.field for e in exc.value.errors}
    assert fields == {"navn", "name"}
    assert "unknown column 'navn'" in str(exc.value)


def test_file_that_is_neither_utf8_nor_windows_1252_is_refused(db, admin, tmp_path):
    bad = tmp_path / "assistants.csv"
    bad.write_bytes(b"ref,name\nA-1,Bj\xf8rn\x81\n")  # 0x81 is undefined in Windows-1252 too
    with pytest.raises(ValidationError) as exc:
        importer.import_csv(db, admin, "assistants", bad)
    assert "neither UTF-8 nor Windows-1252" in str(exc.value)


def test_auditor_may_not_import(db, auditor):
    with pytest.raises(PermissionDenied):
        importer.import_csv(db, auditor, "municipalities", DATA / "municipalities.csv")


def test_parse_csv_reports_the_line_a_row_starts_on():
    table = importer.parse_csv('ref,name\n\nA-1,"two\nlines"\nA-2,x\n')
    rows = list(table.rows)
    assert [line for line, _ in rows] == [3, 5]
    assert rows[0][1]["name"] == "two\nlines"


def test_importing_the_same_shifts_again_is_refused(db, admin):
    _import_all(db, admin, upto="shifts")
    with pytest.raises(ValidationError) as exc:
        importer.import_csv(db, admin, "shifts", DATA / "shifts.csv")
    assert [e.row for e in exc.value.errors] == [2, 3, 4]
    assert all("already registered" in e.message for e in exc.value.errors)
    assert _count(db, Shift) == 3


def test_rows_that_cannot_be_read_are_listed_with_the_rest(db, admin, tmp_path):
    bad = tmp_path / "municipalities.csv"
    bad.write_text("name,country\nOslo,no,extra\nBergen,xx\nStord,no\n", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        importer.import_csv(db, admin, "municipalities", bad)
    assert [(e.row, e.field) for e in exc.value.errors] == [(2, "row"), (3, "country")]
    assert _count(db, Municipality) == 0


def test_column_problems_are_shown_in_the_readers_language(db, admin, tmp_path):
    from bpa_provider.i18n import current_language, set_language

    bad = tmp_path / "clients.csv"
    bad.write_text("ref,navn,municipality\nK-1,Kari,Hamar\n", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        importer.import_csv(db, admin, "clients", bad)
    before = current_language()
    try:
        set_language("sv")
        shown = exc.value.localized()
    finally:
        set_language(before)
    assert "okänd kolumn ”navn”" in shown and "filen har ingen kolumn ”name”" in shown
    assert "unknown column" not in shown
