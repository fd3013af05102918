"""Employee numbers on the employment: imported with the record, editable, shown in the list, one
person's alone, and hostile text refused (both engines)."""

from __future__ import annotations

from datetime import date

import factories as f
import pytest

from bpa_provider.errors import ValidationError
from bpa_provider.services import employee_numbers, importer, listing, records


def _people(db, admin):  # noqa: ANN001, ANN202
    return f.assistant(db, admin, name="Per Hansen"), f.assistant(db, admin, name="Lise Berg")


def test_imported_with_the_employment_and_shown_in_the_list(db, admin):
    per, lise = _people(db, admin)
    table = importer.parse_csv(
        "assistant_ref;start_date;employee_number;police_certificate_on;confidentiality_on\n"
        f"{per.ref};2025-12-01;1001;2025-11-20;2025-11-20\n"
        f"{lise.ref};2026-01-15;1002;;\n"
    )
    importer.import_table(db, admin, "employments", table)
    shown, total = listing.rows(db, admin, "employment")
    assert total == 2
    assert {(r["assistant"], r["employee_number"]) for r in shown} == {(per.ref, "1001"), (lise.ref, "1002")}
    assert "employee_number" in listing.COLUMNS["employment"]


def test_editable_and_one_persons_alone(db, admin):
    per, lise = _people(db, admin)
    emp = f.employment(db, admin, per.ref, employee_number="1001")
    other = f.employment(db, admin, lise.ref)
    changed = records.update(db, admin, "employment", emp.id, emp.version, {"employee_number": "1007"})
    assert changed.employee_number == "1007"
    with pytest.raises(ValidationError) as exc:
        records.update(db, admin, "employment", other.id, other.version, {"employee_number": "1007"})
    assert per.ref in exc.value.for_field("employee_number")
    # The same person rehired keeps their number on the new employment.
    again = f.employment(db, admin, per.ref, start_date="2027-01-01", employee_number="1007")
    assert again.employee_number == "1007"


@pytest.mark.parametrize("bad", ["=HYPERLINK(1)", "10 01", "-1001", "1" * 21, "10\x1b[2J", "../1001"])
def test_hostile_numbers_are_refused(db, admin, bad):
    per, _lise = _people(db, admin)
    with pytest.raises(ValidationError) as exc:
        f.employment(db, admin, per.ref, employee_number=bad)
    assert exc.value.for_field("employee_number")


def test_payroll_reads_the_employment_in_force_in_the_month(db, admin):
    per, _lise = _people(db, admin)
    f.employment(db, admin, per.ref, start_date="2024-01-01", end_date="2026-04-30", employee_number="9")
    f.employment(db, admin, per.ref, start_date="2026-05-01", employee_number="10", hourly_wage=250)
    with db.read() as s:
        april = employee_numbers.in_force(s, [per.id], date(2026, 4, 1), date(2026, 5, 1))
        may = employee_numbers.in_force(s, [per.id], date(2026, 5, 1), date(2026, 6, 1))
    assert april[per.id].employee_number == "9"
    assert (may[per.id].employee_number, may[per.id].hourly_wage) == ("10", 250.0)
