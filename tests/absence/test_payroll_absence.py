"""Payroll carries absence with wage types of its own (docs/payroll.md, "Absence"): sick pay in the
employer period at the hourly wage, holiday and unpaid leave as zero-paid lines; a substitute's
hours on a formerly vacant shift are their ordinary work. Every layout is read back by an
independent reader (csv with ';', xml.etree), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import datetime

from absence_world import WEEK, world
from sqlalchemy import update

from bpa_provider.config import PAXML_CODES, WageTypes
from bpa_provider.db.models import Employment
from bpa_provider.services import absence, payroll, payroll_files, roster, vacancy

WAGES = WageTypes()


def _month(db, admin):  # noqa: ANN001, ANN202
    """Siri: sick note Monday-Wednesday, holiday Thursday, unpaid leave Friday (7.5 h shifts);
    Kjell (known) takes Monday's vacant shift. Siri no. 2001 at NOK 250/h, Kjell no. 2002."""
    w = world(db, admin)
    absence.add_absence(db, admin, w["sick"].ref, "sick-note", WEEK[0], WEEK[2])
    absence.add_absence(db, admin, w["sick"].ref, "holiday", WEEK[3], WEEK[3])
    absence.add_absence(db, admin, w["sick"].ref, "unpaid", WEEK[4], WEEK[4])
    monday = vacancy.list_vacant(db, admin, WEEK[0], WEEK[0])[0]
    roster.reassign_shift(db, admin, monday.id, None, w["known"].id)
    with db.write() as s:
        for person, number, wage in ((w["sick"], "2001", 250), (w["known"], "2002", 240)):
            s.execute(
                update(Employment)
                .where(Employment.assistant_id == person.id)
                .values(employee_number=number, hourly_wage=wage)
            )
    return w, payroll.payroll_preview(db, admin, 2027, 1)


def test_absence_has_its_own_columns_and_the_substitute_works_ordinary_hours(db, admin):
    w, month = _month(db, admin)
    rows = {r.assistant_ref: r for r in month.rows}
    siri, kjell = rows[w["sick"].ref], rows[w["known"].ref]
    assert (siri.shifts, siri.hours, siri.ordinary) == (0, 0.0, 0.0)  # nobody's work is hers
    assert (siri.sick_employer_period, siri.holiday_absence, siri.unpaid_leave) == (22.5, 7.5, 7.5)
    # Kjell's December shift is another month; Monday's shift is his ordinary work, not absence.
    assert (kjell.shifts, kjell.hours, kjell.ordinary, kjell.sick_employer_period) == (1, 7.5, 7.5, 0.0)
    table = list(csv.DictReader(io.StringIO(payroll_files.summary(month).decode())))
    siri_row = next(r for r in table if r["assistant_ref"] == w["sick"].ref)
    assert (siri_row["sick_employer_period"], siri_row["holiday_absence"], siri_row["unpaid_leave"]) == (
        "22.5",
        "7.5",
        "7.5",
    )
    excel = list(csv.reader(io.StringIO(payroll_files.summary(month, excel=True).decode("utf-8-sig")), delimiter=";"))
    assert excel[0][-3:] == ["sick_employer_period", "holiday_absence", "unpaid_leave"]
    assert next(r for r in excel if r[0] == w["sick"].ref)[-3:] == ["22,50", "7,50", "7,50"]


def test_visma_lines_pay_sick_hours_at_the_wage_and_register_holiday_and_leave_at_zero(db, admin):
    w, month = _month(db, admin)
    lines = list(csv.reader(io.StringIO(payroll_files.lines(month, WAGES).decode()), delimiter=";"))
    siri = {(r[3], r[11]): r for r in lines if r[2] == "2001"}
    ref = w["client"].ref
    assert set(siri) == {(WAGES.sick_employer_period, ref), (WAGES.holiday_absence, ref), (WAGES.unpaid_leave, ref)}
    sick = siri[(WAGES.sick_employer_period, ref)]
    assert (sick[5], sick[6], sick[7]) == ("22.50", "250.00", "5625.00")  # 22.5 h x NOK 250
    assert [siri[(WAGES.holiday_absence, ref)][k] for k in (5, 6, 7)] == ["7.50", "0.00", "0.00"]
    assert [siri[(WAGES.unpaid_leave, ref)][k] for k in (5, 6, 7)] == ["7.50", "0.00", "0.00"]
    kjell = [r for r in lines if r[2] == "2002"]
    assert [(r[3], r[5], r[7]) for r in kjell] == [(WAGES.ordinary, "7.50", "1800.00")]


def test_paxml_writes_absence_as_franvarotrans(db, admin):
    w, month = _month(db, admin)
    root = ET.fromstring(
        payroll_files.paxml(month, PAXML_CODES, company="Assistanse AS", created=datetime(2027, 2, 1, 9, 0))
    )
    work = [
        (t.get("anstid"), t.findtext("tidkod"), t.findtext("datum"), t.findtext("timmar"))
        for t in root.iter("tidtrans")
    ]
    assert work == [("2002", "TID", WEEK[0].isoformat(), "7.50")]
    absent = [
        (
            t.get("anstid"),
            t.findtext("franvarotyp"),
            t.findtext("datum"),
            t.findtext("timmar"),
            t.find("resenheter/resenhet").get("id"),
        )
        for t in root.iter("franvarotrans")
    ]
    expected = [("2001", "SJK", d.isoformat(), "7.50", w["client"].ref) for d in WEEK[:3]]
    expected += [
        ("2001", "SEM", WEEK[3].isoformat(), "7.50", w["client"].ref),
        ("2001", "TJL", WEEK[4].isoformat(), "7.50", w["client"].ref),
    ]
    assert absent == expected
    # Work before absence, as PAXml orders its sections.
    assert [c.tag for c in root] == ["header", "tidtransaktioner", "franvarotransaktioner"]


def test_a_graded_sick_note_pays_its_grade_and_the_days_after_the_employer_period_carry_no_line(db, admin):
    w = world(db, admin)
    # Shifts on day 17 and 18 of a sickness from Monday 11 January: NAV's days, not the employer's.
    for day in ("2027-01-27", "2027-01-28"):
        roster.create_shift(db, admin, w["client"].id, w["sick"].id, f"{day} 08:00", "12:00")
    absence.add_absence(db, admin, w["sick"].ref, "sick-note", WEEK[0], datetime(2027, 1, 31).date(), grade=40)
    month = payroll.payroll_preview(db, admin, 2027, 1)
    siri = {r.assistant_ref: r for r in month.rows}[w["sick"].ref]
    # A graded note keeps the plan (she works 60 %): her shifts are her work, 40 % of the employer
    # period's rostered hours (5 x 7.5 h) is sick pay, the 8 h after day 16 are not.
    assert siri.ordinary == 45.5 and siri.sick_employer_period == 15.0
