"""Issue 17's "Done when", end to end through the services on SQLite and PostgreSQL: a sick note
recorded on Monday morning empties the assistant's shifts; the coordinator sees the week's vacant
shifts, the app proposes the substitute the client knows and each shift is filled with them; the
substitute gets an e-mail with a calendar invitation per shift through a real SMTP server (read
back with `email` and `icalendar`); at month end `report nav-refund` and payroll say the right
amounts (read back with csv, ';')."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from absence_world import WEEK, world
from smtp_sink import calendar_of
from sqlalchemy import update

from bpa_provider.config import WageTypes
from bpa_provider.db.models import Employment
from bpa_provider.services import absence, absence_reports, notify, payroll, payroll_files, periods, roster, vacancy

WAGES = WageTypes()
MONDAY_MORNING = datetime(2027, 1, 11, 6, 30, tzinfo=UTC)  # 07:30 in Hamar, before the 08:00 shift


def test_a_sick_note_on_monday_is_covered_told_and_paid(db, admin, coordinator, smtp_server):  # noqa: F811
    sink, url = smtp_server
    w = world(db, admin)
    sick, known = w["sick"], w["known"]
    # Siri also had two short shifts in the month's last week: days 17 and 18 of the sickness.
    for day in ("2027-01-27", "2027-01-28"):
        roster.create_shift(db, admin, w["client"].id, sick.id, f"{day} 08:00", "12:00")
    with db.write() as s:
        for person, number, wage in ((sick, "3001", 250), (known, "3002", 240)):
            s.execute(
                update(Employment)
                .where(Employment.assistant_id == person.id)
                .values(employee_number=number, hourly_wage=wage)
            )

    # Monday morning: a sick note for three weeks.
    saved = absence.add_absence(db, coordinator, sick.ref, "sick-note", WEEK[0], date(2027, 1, 31), document_on=WEEK[0])
    assert saved.vacated == 7
    week = vacancy.list_vacant(db, coordinator, WEEK[0], WEEK[-1])
    assert [r.start.date() for r in week] == WEEK and {r.was_assistant for r in week} == {sick.ref}
    for row in week:
        ranked = vacancy.candidates(db, coordinator, row.id, now=MONDAY_MORNING)
        assert ranked[0].assistant == known.ref and ranked[0].eligible  # the substitute the client knows
        roster.reassign_shift(db, coordinator, row.id, None, known.id)
    assert vacancy.list_vacant(db, coordinator, WEEK[0], WEEK[-1]) == []

    report = notify.send_due(db, admin, url, "planning@provider.example")
    assert report.failed == 0
    invitations = [m for m in sink.messages if m["To"] == "known@example.org"]
    assert len(invitations) == 5
    starts = []
    for msg in invitations:
        cal, method = calendar_of(msg)
        assert method == "REQUEST"
        (event,) = cal.walk("VEVENT")
        assert str(event["STATUS"]) == "CONFIRMED"
        starts.append(event["DTSTART"].dt)
    assert sorted(starts) == [datetime(d.year, d.month, d.day, 7, 0, tzinfo=UTC) for d in WEEK]

    # Month end: the employer period is 11-26 January; the 27th and 28th are NAV's (8 h).
    (refund,) = absence_reports.nav_refund(db, coordinator, 2027, 1)
    assert (refund.assistant, refund.employer_period_end, refund.refund_days, refund.refund_hours) == (
        sick.ref,
        date(2027, 1, 26),
        5,
        Decimal("8.00"),
    )
    month = payroll.payroll_preview(db, admin, 2027, 1)
    lines = list(csv.reader(io.StringIO(payroll_files.lines(month, WAGES).decode()), delimiter=";"))
    paid = {(r[2], r[3]): (r[5], r[6], r[7]) for r in lines}
    # Siri: the week's 37.5 rostered hours as sick pay at her wage; Kjell: the same hours as his work.
    assert paid[("3001", WAGES.sick_employer_period)] == ("37.50", "250.00", "9375.00")
    assert paid[("3002", WAGES.ordinary)] == ("37.50", "240.00", "9000.00")
    assert ("3001", WAGES.ordinary) not in paid
    # The month is approved and exported: the pre-run check passes with vacant shifts and absence,
    # and the exported file is the preview's.
    after = datetime(2027, 2, 2, 9, 0, tzinfo=UTC)
    periods.approve_period(db, coordinator, w["client"].id, date(2027, 1, 1), date(2027, 2, 1), now=after)
    written: list[bytes] = []
    payroll.export_payroll(
        db,
        admin,
        2027,
        1,
        lambda m: written.append(payroll_files.lines(m, WAGES)),
        now=after,
        need_numbers=True,
        digits_only=True,
    )
    assert written == [payroll_files.lines(month, WAGES)]


def test_the_refund_of_a_month_ends_on_its_last_day(db, admin):
    w = world(db, admin)
    roster.create_shift(db, admin, w["client"].id, w["sick"].id, "2027-02-01 08:00", "16:00")
    absence.add_absence(db, admin, w["sick"].ref, "sick-note", WEEK[0], date(2027, 2, 10))
    (january,) = absence_reports.nav_refund(db, admin, 2027, 1)
    assert (january.refund_days, january.refund_hours) == (5, Decimal("0.00"))  # 27-31 January, no shifts
    (february,) = absence_reports.nav_refund(db, admin, 2027, 2)
    assert (february.refund_days, february.refund_hours) == (10, Decimal("8.00"))
