"""Absence through the services on SQLite and PostgreSQL, and through the CLI: recording with the
rules' warnings, refusals with nothing written, the year report and the NAV refund."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from decimal import Decimal

import factories as f
import pytest

from bpa_provider.access import Actor
from bpa_provider.cli import main
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.errors import PermissionDenied, ValidationError
from bpa_provider.services import absence, absence_reports, roster


def _company(db: Database, actor: Actor) -> dict:
    f.municipality(db, actor, "Hamar")
    client = f.client(db, actor, "Hamar")
    f.decision(db, actor, client.ref)
    person = f.assistant(db, actor)
    f.employment(db, actor, person.ref)
    f.assignment(db, actor, person.ref, client.ref)
    # March 2026: 08:00-15:30 every weekday (7.5 h).
    day = date(2026, 3, 2)
    while day <= date(2026, 3, 31):
        if day.weekday() < 5:
            roster.create_shift(db, actor, client.id, person.id, f"{day.isoformat()} 08:00", "15:30")
        day += timedelta(days=1)
    return {"client": client, "assistant": person}


def test_a_sick_note_is_recorded_and_its_refund_follows_the_employer_period(db, admin):
    c = _company(db, admin)
    saved = absence.add_absence(
        db, admin, c["assistant"].ref, "sick-note", date(2026, 3, 2), date(2026, 3, 31), document_on=date(2026, 3, 2)
    )
    assert saved.warnings == []
    (row,) = absence_reports.nav_refund(db, admin, 2026, 3)
    assert row.employer_period_end == date(2026, 3, 17)
    assert row.refund_days == 14  # 18-31 March
    # Weekdays 18-31 March: 10 shifts of 7.5 h.
    assert row.refund_hours == Decimal("75.00")


def test_a_graded_sick_note_refunds_its_share(db, admin):
    c = _company(db, admin)
    absence.add_absence(db, admin, c["assistant"].ref, "sick-note", date(2026, 3, 2), date(2026, 3, 31), grade=40)
    (row,) = absence_reports.nav_refund(db, admin, 2026, 3)
    assert row.refund_hours == Decimal("30.00")


def test_a_long_self_certification_is_recorded_with_the_laws_warning(db, admin):
    c = _company(db, admin)
    saved = absence.add_absence(db, admin, c["assistant"].ref, "self-cert", date(2026, 3, 2), date(2026, 3, 6))
    assert [w.rule for w in saved.warnings] == ["NO-SELF-CERT-LENGTH"]
    assert "§ 8-24" in saved.warnings[0].law


def test_overlaps_and_bad_values_are_refused_with_nothing_written(db, admin):
    c = _company(db, admin)
    ref = c["assistant"].ref
    absence.add_absence(db, admin, ref, "holiday", date(2026, 7, 6), date(2026, 7, 17))
    with pytest.raises(ValidationError) as exc:
        absence.add_absence(db, admin, ref, "self-cert", date(2026, 7, 17), date(2026, 7, 18))
    assert "overlaps" in exc.value.message
    with pytest.raises(ValidationError):
        absence.add_absence(db, admin, ref, "holiday", date(2026, 8, 3), date(2026, 8, 4), grade=50)
    with pytest.raises(ValidationError):
        absence.add_absence(db, admin, ref, "nap", date(2026, 8, 3), date(2026, 8, 4))
    with pytest.raises(ValidationError):
        absence.add_absence(db, admin, ref, "holiday", date(2024, 8, 3), date(2024, 8, 4))  # before employment
    with pytest.raises(ValidationError):
        absence.add_absence(db, admin, ref, "unpaid", date(2026, 9, 3), date(2026, 9, 4), note="a\x1b[2Jb")
    assert len(absence.list_absences(db, admin, ref)) == 1


def test_cancelled_absence_counts_nowhere_and_frees_its_days(db, admin):
    c = _company(db, admin)
    ref = c["assistant"].ref
    saved = absence.add_absence(db, admin, ref, "sick-note", date(2026, 3, 2), date(2026, 3, 31))
    absence.cancel_absence(db, admin, saved.absence.id)
    assert absence_reports.nav_refund(db, admin, 2026, 3) == []
    absence.add_absence(db, admin, ref, "holiday", date(2026, 3, 2), date(2026, 3, 6))
    assert [r.kind for r in absence.list_absences(db, admin, ref, include_cancelled=True)] == ["holiday", "sick-note"]


def test_the_year_report_counts_days_by_kind_and_holiday_left(db, admin):
    c = _company(db, admin)
    ref = c["assistant"].ref
    absence.add_absence(db, admin, ref, "holiday", date(2026, 7, 6), date(2026, 7, 19))  # two weeks
    absence.add_absence(db, admin, ref, "self-cert", date(2026, 3, 2), date(2026, 3, 3))
    absence.add_absence(db, admin, ref, "sick-child", date(2026, 4, 7), date(2026, 4, 7))
    (row,) = absence_reports.absence_year(db, admin, 2026)
    assert (row.holiday, row.holiday_entitlement, row.holiday_left) == (12, 25, 13)
    assert (row.self_cert, row.sick_child, row.self_certs_used) == (2, 1, 1)


def test_supervisors_and_auditors_see_no_absence(db, admin, auditor):
    c = _company(db, admin)
    supervisor = Actor("kari", "supervisor", client_scope=frozenset({c["client"].id}))
    for who in (supervisor, auditor):
        with pytest.raises(PermissionDenied):
            absence.list_absences(db, who)
        with pytest.raises(PermissionDenied):
            absence_reports.nav_refund(db, who, 2026, 3)


@pytest.fixture
def url(tmp_path, sqlite_template) -> str:
    path = tmp_path / "cli.sqlite3"
    shutil.copy(sqlite_template, path)
    database = Database(make_engine(f"sqlite:///{path}"))
    admin = Actor("admin", "admin")
    _company(database, admin)
    from bpa_provider.identity import current_login
    from bpa_provider.services.users import ensure_first_admin

    ensure_first_admin(database, current_login())
    database.dispose()
    return f"sqlite:///{path}"


def _run(capsys, url: str, *argv: str) -> tuple[int, str, str]:  # noqa: ANN001
    code = main(["--db", url, "--lang", "en", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_records_absence_and_reports_the_refund_as_json(capsys, url):
    code, out, err = _run(
        capsys,
        url,
        "absence",
        "add",
        "A-0001",
        "--kind",
        "sick-note",
        "--from",
        "02.03.2026",
        "--to",
        "2026-03-31",
        "--document-on",
        "02.03.2026",
    )
    assert (code, err) == (0, "") and "Absence 1 recorded for A-0001." in out
    code, out, err = _run(capsys, url, "report", "nav-refund", "--month", "2026-03", "--format", "json")
    assert code == 0
    (row,) = json.loads(out)
    assert {"assistant", "period_from", "period_to", "employer_period_end", "refund_days", "refund_hours"} <= set(row)
    assert (row["employer_period_end"], row["refund_days"], row["refund_hours"]) == ("2026-03-17", 14, "75.00")
    code, out, _ = _run(capsys, url, "report", "absence", "--year", "2026", "--format", "csv")
    assert code == 0 and out.splitlines()[1].startswith("A-0001,")


def test_cli_refuses_bad_absence_in_one_line(capsys, url):
    code, out, err = _run(
        capsys, url, "absence", "add", "A-0001", "--kind", "holiday", "--from", "10.03.2026", "--to", "01.03.2026"
    )
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "cannot end" in err
    code, out, err = _run(
        capsys, url, "absence", "add", "A-0001", "--kind", "holiday", "--from", "31.02.2026", "--to", "01.03.2026"
    )
    assert code == 2 and len(err.strip().splitlines()) == 1
