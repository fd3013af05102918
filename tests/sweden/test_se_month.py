"""End to end for a Swedish client on SQLite and PostgreSQL: country by municipality, FK
registration, the 36 h weekly rest, the time report, the invoice basis at 332.60 and a sick-pay
claim. One scenario build per engine (see se_scenario); smaller cases build only what they need."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import factories as f
import pytest
import se_scenario as sc
from sqlalchemy import select

from bpa_provider.db.models import AuditEvent, Client, Shift
from bpa_provider.errors import NotFound, PermissionDenied, ValidationError
from bpa_provider.rules.worktime import AssistantContext, ShiftFact, check_assistant, check_credentials, profile
from bpa_provider.services import sickpay, sweden, sweden_reports


def test_a_swedish_month_end_to_end(db, admin, auditor):
    se = sc.build(db, admin)
    f.municipality(db, admin, "Hamar")
    norwegian = f.client(db, admin, "Hamar")

    # Country, zone and holidays come from the municipality; the samordningsnummer gave the birth date.
    with db.read() as s:
        place = sweden.client_place(s, se.client_id)
        assert (place.country, place.timezone, place.municipality) == ("SE", "Europe/Stockholm", "Bjuv")
        assert sweden.client_country(s, norwegian.id) == "NO"
        swedish = sweden.client_holidays(s, se.client_id, [2026])
        assert s.get(Client, se.client_id).birth_date == date(1990, 4, 12)
        bo_rows = s.execute(select(Shift).where(Shift.assistant_id == se.bo_id)).scalars().all()
    assert date(2026, 6, 6) in swedish and date(2026, 5, 17) not in swedish

    # Seven days in a row (9-15 March): no 36 h weekly rest, and FK will not pay it.
    weekly = [
        v for v in check_assistant(sc.anna_shift_facts(db, se), profile("se-default")) if v.rule_id == "SE-REST-WEEKLY"
    ]
    assert len(weekly) == 1 and weekly[0].not_payable and len(weekly[0].shift_ids) == 7
    # Bo's two shifts before his FK report (18 March) are blocked.
    facts = [ShiftFact(r.id, r.assistant_id, r.client_id, r.start_utc, r.end_utc, r.kind, sc.ZONE) for r in bo_rows]
    ctx = AssistantContext(
        employments=[(date(2026, 1, 1), None)],
        assignments={se.client_id: [(date(2026, 1, 1), None)]},
        police_certificate_on=date(2025, 12, 1),
        confidentiality_on=date(2025, 12, 1),
        fk_reported={se.client_id: date(2026, 3, 18)},
    )
    blocked = check_credentials(facts, ctx, profile("se-default"))
    assert [(v.rule_id, v.numbers["shift_count"]) for v in blocked] == [("SE-FK-REPORTED", 2)]

    # The time report (masked).
    (r,) = sweden_reports.fk_time_report(db, admin, 2026, 3, now=sc.NOW)
    assert (r.client_ref, r.municipality, r.label, r.days) == (se.client_ref, "Bjuv", "2026-03", 31)
    assert r.client_national_id == "900472-****"
    anna, bo = r.assistants  # by name
    assert (anna.name, anna.total, anna.unreported_hours, anna.national_id) == (
        "Anna Andersson",
        104.0,
        0.0,
        "950203-****",
    )
    assert (anna.hours_by_day[0], anna.hours_by_day[1]) == (0.0, 8.0)
    assert (anna.hours_by_day[27], anna.hours_by_day[28]) == (2.0, 6.0)  # cut at midnight; DST hour lost
    assert (bo.total, bo.unreported_hours, bo.fk_reported_on) == (80.0, 16.0, date(2026, 3, 18))
    assert bo.hours_by_day[20] == bo.hours_by_day[21] == 0.0  # pending deviation, cancelled
    assert (r.total_hours, r.decided_hours, r.payable_hours) == (184.0, 200.0, 168.0)
    assert (r.deadline, r.fk_decision) == (date(2026, 5, 5), True)
    assert sum(anna.hours_by_day) == pytest.approx(anna.total)
    # Before they end, planned shifts do not count: on 18 March 07:00 Bo has 16 h.
    (early,) = sweden_reports.fk_time_report(db, admin, 2026, 3, now=datetime(2026, 3, 18, 6, tzinfo=UTC))
    assert [a.total for a in early.assistants if a.assistant_ref == se.bo_ref] == [16.0]

    # The copy for FK has full numbers, needs the reveal permission and is logged.
    (full,) = sweden_reports.fk_time_report(db, admin, 2026, 3, reveal_ids=True, purpose="(csv)", now=sc.NOW)
    assert (full.client_national_id, full.assistants[0].national_id) == (sc.CLIENT_NR, sc.ANNA_NR)
    with db.read() as s:
        ev = s.execute(select(AuditEvent).where(AuditEvent.action == "export")).scalar_one()
    assert ev.subject == se.client_ref and "(csv)" in ev.summary
    with pytest.raises(PermissionDenied):
        sweden_reports.fk_time_report(db, auditor, 2026, 3, reveal_ids=True)

    # The invoice basis: 168 payable hours x 332.60 (2024's rate, still in force; 2027's is not yet).
    (line,) = sweden_reports.fk_invoice_basis(db, auditor, 2026, 3, now=sc.NOW)
    assert (line.hours, line.unreported_hours, line.payable_hours) == (184.0, 16.0, 168.0)
    assert (line.rate, line.amount) == (Decimal("332.60"), Decimal("55876.80"))
    (later,) = sweden_reports.fk_invoice_basis(db, admin, 2027, 1, now=sc.NOW)
    assert later.rate == Decimal("345.00")

    # Anna is sick 16-27 March and Bo covered: one claim for days 2-12 with the 9 shifts on them.
    period = sickpay.add_sick_period(db, admin, se.anna_ref, date(2026, 3, 16), date(2026, 3, 27))
    (claim,) = sickpay.prepare_claims(db, admin, period.id, now=sc.NOW)
    assert (claim.client_id, claim.municipality_id, claim.status) == (se.client_id, se.muni_id, "prepared")
    assert (claim.first_day, claim.last_day, claim.hours) == (date(2026, 3, 17), date(2026, 3, 27), 72.0)
    assert claim.doctor_note_needed  # day 8 (23 March) reached, no note on record
    with pytest.raises(ValidationError) as exc:
        sickpay.set_claim_status(db, admin, claim.id, "paid")
    assert "sent" in exc.value.for_field("status")
    assert sickpay.set_claim_status(db, admin, claim.id, "sent").status == "sent"
    assert sickpay.set_claim_status(db, admin, claim.id, "paid").status == "paid"
    (row,) = sickpay.list_claims(db, admin)
    assert (row.status, row.client_ref, row.municipality, row.assistant_ref) == (
        "paid",
        se.client_ref,
        "Bjuv",
        se.anna_ref,
    )


def _swedish_client(db, admin, muni: str = "Bjuv", **decision):  # noqa: ANN001, ANN202
    f.municipality(db, admin, muni, country="se")
    c = f.client(db, admin, muni, name="Lars Larsson")
    if decision:
        f.decision(db, admin, c.ref, **decision)
    return c


def test_week_decision_is_pro_rata_and_municipal_decisions_are_not_fk(db, admin):
    c = _swedish_client(db, admin, hours=70, hours_unit="week", issuer="fk", valid_from="2026-03-15")
    (r,) = sweden_reports.fk_time_report(db, admin, 2026, 3)
    assert r.decided_hours == pytest.approx(170.0)  # 17 days of March x 70 / 7
    assert (r.assistants, r.total_hours, r.client_ref) == ((), 0.0, c.ref)
    lss = f.client(db, admin, "Bjuv", name="Lena")
    f.decision(db, admin, lss.ref, hours=100, hours_unit="month", issuer="municipality")
    assert [x.client_ref for x in sweden_reports.fk_time_report(db, admin, 2026, 3)] == [c.ref]


def test_invoice_without_a_rate_says_how_to_add_one(db, admin):
    _swedish_client(db, admin)
    with pytest.raises(ValidationError) as exc:
        sweden_reports.fk_invoice_basis(db, admin, 2026, 3)
    assert "fk rate add" in exc.value.for_field("rate")


def test_state_rate_is_validated_and_listed(db, admin, coordinator, auditor):
    sweden.add_state_rate(db, coordinator, date(2024, 1, 1), 332.6)
    with pytest.raises(ValidationError) as exc:
        sweden.add_state_rate(db, admin, date(2024, 1, 1), -1)
    assert {e.field for e in exc.value.errors} == {"rate", "valid_from"}
    with pytest.raises(PermissionDenied):
        sweden.add_state_rate(db, auditor, date(2025, 1, 1), 340.0)
    for bad in ("NaN", float("nan"), "332.605", "abc"):  # not a number, or finer than öre
        with pytest.raises(ValidationError) as exc:
            sweden.add_state_rate(db, admin, date(2025, 1, 1), bad)
        assert {e.field for e in exc.value.errors} == {"rate"}
    # Stored and read back as the exact decimal (a float 332.6 goes in through its text).
    assert [(r.rate, str(r.rate), r.currency) for r in sweden.list_state_rates(db, auditor)] == [
        (Decimal("332.60"), "332.60", "SEK")
    ]


def test_registration_names_each_failed_condition(db, admin):
    c = _swedish_client(db, admin)
    young = f.assistant(db, admin, name="Cia Ung", birth_date="2008-06-01", eea_resident="no")
    f.assignment(db, admin, young.ref, c.ref)
    with pytest.raises(ValidationError) as exc:
        sweden.register_assistant(db, admin, young.ref, c.ref, date(2026, 5, 31))
    assert "under 18 on 31.05.2026" in exc.value.for_field("birth_date")
    assert "not resident in the EEA" in exc.value.for_field("eea_resident")
    family = f.assistant(db, admin, name="Dag Ung", birth_date="2008-06-01")
    f.assignment(db, admin, family.ref, c.ref, family_relation="yes")
    reg = sweden.register_assistant(db, admin, family.ref, c.ref, date(2026, 6, 1))  # 18 that day
    assert (reg.age, reg.family_relation) == (18, True)
    with db.read() as s:
        ev = s.execute(select(AuditEvent).where(AuditEvent.action == "fk_register")).scalar_one()
    assert ev.subject == family.ref and json.loads(ev.after)["fk_reported_on"] == "2026-06-01"


def test_registration_needs_a_swedish_client_and_an_open_assignment(db, admin):
    f.municipality(db, admin, "Hamar")
    norwegian = f.client(db, admin, "Hamar")
    a = f.assistant(db, admin, birth_date="1990-01-01")
    f.assignment(db, admin, a.ref, norwegian.ref, end_date="2026-02-28")
    with pytest.raises(ValidationError) as exc:
        sweden.register_assistant(db, admin, a.ref, norwegian.ref, date(2026, 3, 1))
    assert exc.value.for_field("client") and "create the assignment" in exc.value.for_field("assignment")
    with pytest.raises(NotFound):
        sweden.register_assistant(db, admin, "A-9999", norwegian.ref, date(2026, 3, 1))
