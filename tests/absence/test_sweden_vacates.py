"""Sweden's `sick add` is an absence like Norway's: the sick assistant's coming shifts become
vacant shifts of the client, and shortening the sick period gives the days after back (one rule,
`services.vacancy`), on SQLite and PostgreSQL; the CLI says the same."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import factories as f

from bpa_provider.db.models import Shift
from bpa_provider.services import roster, sickpay, sweden, vacancy

DAYS = [date(2027, 3, 1) + timedelta(days=i) for i in range(4)]  # Monday to Thursday, in the future


def _world(db, admin):  # noqa: ANN001, ANN202
    f.municipality(db, admin, "Bjuv", country="se")
    client = f.client(db, admin, "Bjuv", name="Sara")
    f.decision(db, admin, client.ref)
    sick, sub = (f.assistant(db, admin, name=n, birth_date="1990-05-01") for n in ("Anna Sjuk", "Bo Vikarie"))
    for person, role in ((sick, "regular"), (sub, "substitute")):
        f.employment(db, admin, person.ref)
        f.assignment(db, admin, person.ref, client.ref, role=role)
        sweden.register_assistant(db, admin, person.ref, client.ref, date(2026, 12, 1))  # form 3066
    for day in DAYS:
        roster.create_shift(db, admin, client.id, sick.id, f"{day.isoformat()} 08:00", "16:00")
    return client, sick, sub


def _statuses(db) -> list[str]:  # noqa: ANN001
    with db.read() as s:
        return [
            sh.status
            for sh in s.query(Shift)
            .filter(Shift.start_utc >= datetime(2027, 3, 1, tzinfo=UTC))
            .order_by(Shift.start_utc)
        ]


def test_a_swedish_sick_period_vacates_the_shifts_and_shortening_it_gives_them_back(db, admin):
    client, sick, sub = _world(db, admin)
    period = sickpay.add_sick_period(db, admin, sick.ref, DAYS[0], DAYS[2])
    assert _statuses(db) == ["vacant", "vacant", "vacant", "planned"]
    rows = vacancy.list_vacant(db, admin, DAYS[0], DAYS[-1])
    assert [(r.client, r.was_assistant) for r in rows] == [(client.ref, sick.ref)] * 3
    ranked = vacancy.candidates(db, admin, rows[0].id)
    assert [c.assistant for c in ranked if c.eligible] == [sub.ref]
    sickpay.update_sick_period(db, admin, period.id, None, to_date=DAYS[0])
    assert _statuses(db) == ["vacant", "planned", "planned", "planned"]
    sickpay.update_sick_period(db, admin, period.id, None, to_date=DAYS[3])
    assert _statuses(db) == ["vacant"] * 4


def test_swedish_sick_pay_in_payroll_is_days_1_to_14(db, admin):
    from bpa_provider.services import payroll

    client, sick, _sub = _world(db, admin)
    for day in ("2027-03-14", "2027-03-15"):  # day 14 (the employer's) and day 15 (Försäkringskassan's)
        roster.create_shift(db, admin, client.id, sick.id, f"{day} 08:00", "12:00")
    sickpay.add_sick_period(db, admin, sick.ref, DAYS[0], date(2027, 3, 20))
    month = payroll.payroll_preview(db, admin, 2027, 3)
    anna = {r.assistant_ref: r for r in month.rows}[sick.ref]
    assert (anna.hours, anna.sick_employer_period) == (0.0, 4 * 8.0 + 4.0)
