"""Payroll pre-run check and CSV numbers, invoice basis and continuity on a fixed month (both engines)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from roster_world import make_world, may_dataset, supervisor_actor
from sqlalchemy import select

from bpa_provider.db.models import HourlyRate, PeriodApproval
from bpa_provider.errors import PermissionDenied
from bpa_provider.services import continuity, invoice, payroll, periods, worktime

MAY = (date(2026, 5, 1), date(2026, 6, 1))


def test_payroll_refuses_until_approved_and_acknowledged_then_exports_and_locks(world, coordinator):
    db = world.db
    made = may_dataset(world)
    kinds = {b.kind for b in payroll.payroll_check(db, coordinator, 2026, 5)}
    assert kinds == {"unapproved", "warning"}
    with pytest.raises(payroll.PayrollBlocked) as exc:
        payroll.export_payroll(db, coordinator, 2026, 5)
    assert any("NO-REST-DAILY" in b.detail for b in exc.value.blockers)
    periods.approve_period(db, coordinator, world.client.id, *MAY)
    assert {v.rule_id for v in made["sat_warnings"]} == {"NO-REST-DAILY", "NO-NORMAL-DAY"}
    for rule in ("NO-REST-DAILY", "NO-NORMAL-DAY"):
        worktime.acknowledge_warning(db, coordinator, made["sat"].id, rule, "swapped on request")
    assert payroll.payroll_check(db, coordinator, 2026, 5) == []
    written = []
    result = payroll.export_payroll(db, coordinator, 2026, 5, written.append)
    assert written == [result]
    rows = result.rows
    by_ref = {r.assistant_ref: r for r in rows}
    reg, sub = by_ref[world.regular.ref], by_ref[world.substitute.ref]
    assert (
        reg.shifts,
        reg.hours,
        reg.ordinary,
        reg.evening,
        reg.night,
        reg.weekend,
        reg.holiday,
        reg.passive,
        reg.passive_paid,
    ) == (5, 31.0, 14.0, 4.0, 2.0, 4.0, 4.0, 9.0, 3.0)
    assert (sub.hours, sub.ordinary, sub.night, sub.weekend, sub.holiday) == (8.0, 6.0, 8.0, 2.0, 0.0)
    with db.read() as s:
        row = s.execute(
            select(PeriodApproval).where(PeriodApproval.period_start == MAY[0], PeriodApproval.period_end == MAY[1])
        ).scalar_one()
    assert row.exported_at is not None and row.locked_by == "coord"
    assert {b.kind for b in payroll.payroll_check(db, coordinator, 2026, 5)} == {"exported"}
    with pytest.raises(periods.PeriodLocked):
        from bpa_provider.services import roster

        roster.cancel_shift(db, coordinator, made["mon"].id, None)


def test_payroll_is_for_coordinators_only(world):
    sup = supervisor_actor(world.db, world.admin, world.client.ref)
    with pytest.raises(PermissionDenied):
        payroll.payroll_check(world.db, sup, 2026, 5)


def test_invoice_uses_the_rate_in_force_and_the_swedish_state_rate(world, db, admin):
    may_dataset(world)
    se = make_world(db, admin, muni_name="Bjuv", country="se")
    from bpa_provider.services import roster

    roster.create_shift(db, admin, se.client.id, se.regular.id, "2026-05-05T08:00", "14:30")
    with db.write() as s:
        s.add(HourlyRate(country="NO", municipality_id=world.muni.id, valid_from=date(2025, 1, 1), rate=500.0))
        s.add(HourlyRate(country="NO", municipality_id=world.muni.id, valid_from=date(2026, 5, 1), rate=520.0))
        s.add(HourlyRate(country="NO", municipality_id=world.muni.id, valid_from=date(2026, 5, 2), rate=999.0))
        s.add(HourlyRate(country="SE", municipality_id=None, valid_from=date(2024, 1, 1), rate=332.60, currency="SEK"))
    lines = invoice.invoice_basis(db, admin, 2026, 5)
    got = [(x.municipality, x.client_ref, x.hours, x.rate, x.currency, x.amount) for x in lines]
    assert got == [
        ("Bjuv", se.client.ref, D("6.50"), D("332.60"), "SEK", D("2161.90")),
        ("Hamar", world.client.ref, D("39.00"), D("520.00"), "NOK", D("20280.00")),
    ]
    april = invoice.invoice_basis(db, admin, 2026, 4)
    assert [(x.hours, x.amount) for x in april] == [(D("8.00"), D("4000.00"))]


def test_continuity_counts_faces_and_flags_a_substitute_who_never_met_the_client(world):
    may_dataset(world)
    got = continuity.client_continuity(world.db, world.admin, world.client.id, date(2026, 5, 20))
    assert (got.distinct_14d, got.distinct_30d, got.regular_share) == (1, 1, 1.0)
    assert got.new_faces_month == (world.substitute.ref,)
    assert got.substitutes_never_met == (world.substitute.ref,)
    later = continuity.continuity_report(world.db, world.admin, date(2026, 6, 1))
    assert [(x.client_ref, x.distinct_14d, x.substitutes_never_met) for x in later] == [(world.client.ref, 2, ())]
    assert later[0].regular_share == pytest.approx(31 / 39, abs=1e-4)
