"""The payroll files (summary, Visma Lønn lines, PAXml 2.2) read back by independent readers
(csv with ';', xml.etree), their totals checked against the hours report; overtime paid as its own
wage type in a worked month; the formula guard on every CSV cell (both engines)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from roster_world import World
from sqlalchemy import select, update

from bpa_provider.config import PAXML_CODES, Policy, WageTypes
from bpa_provider.db.models import Employment, Shift
from bpa_provider.errors import ValidationError
from bpa_provider.rules.dates import local_to_utc
from bpa_provider.services import hours, payroll, payroll_files, periods, worktime

JUNE = (date(2026, 6, 1), date(2026, 7, 1))
NOW = datetime(2026, 7, 10, tzinfo=UTC)
CREATED = datetime(2026, 7, 2, 9, 30)
WAGES = WageTypes()


def _at(d: int, h: int) -> datetime:
    return local_to_utc(datetime(2026, 6, d, h), "Europe/Oslo")


def june(w: World) -> list[int]:
    """Hamar, June 2026 (no public holiday; nothing crosses the month):

    Regular (no. 1001, NOK 250/h): Mon 1 08-16 (8), Tue 2 08-19 (11: 2 h over the 9 h day, 2 h
    evening), Wed 3 14-20 (6, 3 h evening), Thu 4 08-18 (10: 1 h over the day, 1 h evening), Fri 5 08-17 (9: the
    week reaches 44 h, 4 h over the 40 h week, more than the days' 3 h: so Friday's last hour is
    overtime too): 44 h, 4 h overtime (NO-OVERTIME's count); a passive night
    Tue 9 22:00 - Wed 10 07:00 (9 h passive, 3 h paid). Substitute (no. 1002): Sun 7 18-23 (5 h
    weekend, 3 h evening, 2 h night). 58 h in all.
    """
    plan = [
        (w.regular, 1, 8, 1, 16, "active"),
        (w.regular, 2, 8, 2, 19, "active"),
        (w.regular, 3, 14, 3, 20, "active"),
        (w.regular, 4, 8, 4, 18, "active"),
        (w.regular, 5, 8, 5, 17, "active"),
        (w.regular, 9, 22, 10, 7, "passive"),
        (w.substitute, 7, 18, 7, 23, "active"),
    ]
    ids = []
    with w.db.write() as s:
        for person, d1, h1, d2, h2, kind in plan:
            sh = Shift(
                client_id=w.client.id,
                assistant_id=person.id,
                start_utc=_at(d1, h1),
                end_utc=_at(d2, h2),
                kind=kind,
                status="worked",
            )
            s.add(sh)
            s.flush()
            ids.append(sh.id)
        for person, number, wage in ((w.regular, "1001", 250.0), (w.substitute, "1002", None)):
            s.execute(
                update(Employment)
                .where(Employment.assistant_id == person.id)
                .values(employee_number=number, hourly_wage=wage)
            )
    return ids


def _hours_report_total(w: World) -> float:
    report = hours.hours_report(w.db, w.admin, 2026, 6, now=NOW, outlook=False)
    return sum(r.worked_hours for r in report)


def _preview(w: World, policy: Policy | None = None) -> payroll.PayrollMonth:
    return payroll.payroll_preview(w.db, w.admin, 2026, 6, policy=policy or Policy())


def test_overtime_is_paid_as_its_own_wage_type_in_a_worked_month(world):
    june(world)
    month = _preview(world)
    reg = {r.assistant_ref: r for r in month.rows}[world.regular.ref]
    assert (reg.hours, reg.ordinary, reg.evening, reg.overtime, reg.passive, reg.passive_paid) == (
        53.0,
        44.0,
        6.0,
        4.0,
        9.0,
        3.0,
    )
    assert reg.employee_number == "1001"
    lines = list(csv.reader(io.StringIO(payroll_files.lines(month, WAGES).decode()), delimiter=";"))
    overtime = [x for x in lines if x[3] == WAGES.overtime]
    # 4 h x (250 x 40 %) = 4 x 100.00 = 400.00, on the regular's number and the client's reference.
    assert overtime == [
        ["2026", "1", "1001", "310", "0.00", "4.00", "100.00", "400.00", "0", "0", "", world.client.ref]
    ]
    # A tariff paying 50 %: the same hours, a higher supplement (250 x 50 % = 125.00).
    tariff = replace(Policy(), overtime_supplement_percent=50.0)
    month = _preview(world, tariff)
    lines = list(csv.reader(io.StringIO(payroll_files.lines(month, WAGES).decode()), delimiter=";"))
    assert [x[5:8] for x in lines if x[3] == WAGES.overtime] == [["4.00", "125.00", "500.00"]]
    # What NO-OVERTIME counts for the week is what payroll pays: one definition.
    from bpa_provider.rules.worktime import ShiftFact, profile
    from bpa_provider.rules.worktime_ch10 import overtime_hours_by_week

    with world.db.read() as s:
        rows = s.execute(select(Shift).where(Shift.assistant_id == world.regular.id)).scalars().all()
    facts = [
        ShiftFact(r.id, r.assistant_id, r.client_id, _aware(r.start_utc), _aware(r.end_utc), r.kind, "Europe/Oslo")
        for r in rows
    ]
    assert sum(overtime_hours_by_week(facts, profile("no-default")).values()) == reg.overtime


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def test_an_overtime_supplement_under_40_percent_is_refused(world):
    june(world)
    with pytest.raises(ValidationError) as exc:
        _preview(world, replace(Policy(), overtime_supplement_percent=25.0))
    assert exc.value.for_field("overtime_supplement_percent")


def test_summary_reads_back_and_totals_the_hours_report(world):
    june(world)
    month = _preview(world)
    table = list(csv.DictReader(io.StringIO(payroll_files.summary(month).decode("utf-8"))))
    assert sum(float(r["hours"]) for r in table) == pytest.approx(_hours_report_total(world)) == 58.0
    excel = payroll_files.summary(month, excel=True)
    assert excel.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(excel.decode("utf-8-sig")), delimiter=";"))
    assert sum(float(r["hours"].replace(",", ".")) for r in rows) == pytest.approx(58.0)
    assert {r["employee_number"] for r in rows} == {"1001", "1002"}
    assert rows[0]["hours"] == "53,00"  # decimal comma for Norwegian and Swedish Excel


def test_lines_read_back_in_visma_order_and_total_the_hours_report(world):
    june(world)
    month = _preview(world)
    data = payroll_files.lines(month, WAGES, run=7, excel=True)
    assert data.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert all(len(r) == len(payroll_files.LINES_COLUMNS) for r in rows)
    assert {(r[0], r[1]) for r in rows} == {("2026", "7")}
    assert {r[11] for r in rows} == {world.client.ref}  # R2 project: the client
    qty: dict[str, D] = {}
    for r in rows:
        qty[r[3]] = qty.get(r[3], D(0)) + D(r[5])
    # Every hour the hours report counts is in the day kinds, or in passive time paid 20 min/hour.
    worked = qty[WAGES.ordinary] + qty.get(WAGES.weekend, D(0)) + qty.get(WAGES.holiday, D(0))
    assert float(worked + qty[WAGES.passive] * 3) == pytest.approx(_hours_report_total(world))
    assert (qty[WAGES.evening], qty[WAGES.night], qty[WAGES.overtime]) == (D("9.00"), D("2.00"), D("4.00"))
    ordinary = next(r for r in rows if r[2] == "1001" and r[3] == WAGES.ordinary)
    assert ordinary[5:8] == ["44.00", "250.00", "11000.00"]  # quantity, rate, amount (rules.money)
    no_wage = next(r for r in rows if r[2] == "1002" and r[3] == WAGES.weekend)
    assert no_wage[5:8] == ["5.00", "0.00", "0.00"]  # Visma uses its own rate


def test_paxml_reads_back_and_totals_the_hours_report(world):
    june(world)
    month = _preview(world)
    root = ET.fromstring(payroll_files.paxml(month, PAXML_CODES, company="Assistanse AS", created=CREATED))
    assert root.tag == "paxml"
    assert [(e.tag, e.text) for e in root.find("header")] == [
        ("format", "LÖNIN"),
        ("version", "2.2"),
        ("datum", "2026-07-02T09:30:00"),
        ("foretagnamn", "Assistanse AS"),
        ("programnamn", "bpa-provider"),
    ]
    trans = root.find("tidtransaktioner").findall("tidtrans")
    assert {t.get("anstid") for t in trans} == {"1001", "1002"}
    per_code: dict[str, D] = {}
    for t in trans:
        assert date.fromisoformat(t.findtext("datum")).month == 6
        assert t.find("resenheter/resenhet").get("id") == world.client.ref
        per_code[t.findtext("tidkod")] = per_code.get(t.findtext("tidkod"), D(0)) + D(t.findtext("timmar"))
    codes = PAXML_CODES
    worked = per_code[codes.ordinary] + per_code[codes.weekend] + per_code[codes.passive]
    assert float(worked) == pytest.approx(_hours_report_total(world))
    assert per_code[codes.overtime] == D("4.00")
    first = next(t for t in trans if t.get("anstid") == "1001")
    assert [c.tag for c in first] == ["tidkod", "datum", "timmar", "resenheter"]


def test_export_needs_employee_numbers_for_lines_and_paxml_and_locks_the_month(world, coordinator):
    ids = june(world)
    with world.db.write() as s:
        s.execute(update(Employment).where(Employment.assistant_id == world.substitute.id).values(employee_number=""))
    periods.approve_period(world.db, coordinator, world.client.id, *JUNE, now=NOW)
    for rule in {f.rule for f in worktime.violations_between(world.db, coordinator, *JUNE)}:
        for sid in ids:
            try:
                worktime.acknowledge_warning(world.db, coordinator, sid, rule, "agreed")
            except ValidationError:
                pass
    assert payroll.payroll_check(world.db, coordinator, 2026, 6, now=NOW) == []
    found = payroll.payroll_check(world.db, coordinator, 2026, 6, now=NOW, need_numbers=True)
    assert [(b.kind, b.assistant_ref) for b in found] == [("no_employee_number", world.substitute.ref)]
    with pytest.raises(payroll.PayrollBlocked):
        payroll.export_payroll(world.db, coordinator, 2026, 6, now=NOW, need_numbers=True)
    # Visma Lønn reads employee numbers as numbers: a letter blocks the lines layout, not PAXml.
    with world.db.write() as s:
        s.execute(
            update(Employment).where(Employment.assistant_id == world.substitute.id).values(employee_number="S-7")
        )
    assert payroll.payroll_check(world.db, coordinator, 2026, 6, now=NOW, need_numbers=True) == []
    found = payroll.payroll_check(world.db, coordinator, 2026, 6, now=NOW, need_numbers=True, digits_only=True)
    assert [(b.kind, b.assistant_ref) for b in found] == [("no_employee_number", world.substitute.ref)]
    assert "S-7" in found[0].detail
    written: list[bytes] = []
    result = payroll.export_payroll(
        world.db, coordinator, 2026, 6, lambda m: written.append(payroll_files.lines(m, WAGES)), now=NOW
    )
    assert written and len(result.rows) == 2
    assert {b.kind for b in payroll.payroll_check(world.db, coordinator, 2026, 6, now=NOW)} == {"exported"}


def test_every_csv_cell_passes_the_formula_guard():
    row = payroll.PayrollRow(
        "A-1", '=HYPERLINK("http://x")', 1, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, employee_number="7"
    )
    entry = payroll.PayEntry("A-1", "7", "@SUM(A1)", date(2026, 6, 1), "ordinary", 1.0)
    month = payroll.PayrollMonth(date(2026, 6, 1), [row], [entry], {"A-1": None}, 40.0, {1: "@SUM(A1)"})
    for data in (payroll_files.summary(month), payroll_files.summary(month, excel=True)):
        cells = [
            c
            for line in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";" if b";" in data else ",")
            for c in line
        ]
        assert '\'=HYPERLINK("http://x")' in cells
        assert not any(c[:1] in ("=", "+", "@", "\t", "\r") for c in cells)
    lines = list(csv.reader(io.StringIO(payroll_files.lines(month, WAGES).decode()), delimiter=";"))
    assert lines[0][11] == "'@SUM(A1)"


def test_the_month_is_locked_for_every_client_with_one_chained_log_insert(db, admin, coordinator, auditor):
    from roster_world import make_world
    from sqlalchemy import func

    from bpa_provider.db.models import AuditEvent, PeriodApproval
    from bpa_provider.services import audit_log

    worlds = [make_world(db, admin, muni_name=name) for name in ("Hamar", "Stange", "Elverum")]
    with db.write() as s:
        for w in worlds:
            for d in (1, 2, 3):
                s.add(
                    Shift(
                        client_id=w.client.id,
                        assistant_id=w.regular.id,
                        start_utc=_at(d, 8),
                        end_utc=_at(d, 15),
                        status="worked",
                    )
                )
    # One client approved its month before: its row is updated, the others' created.
    periods.approve_period(db, coordinator, worlds[0].client.id, *JUNE, now=NOW)
    for w in worlds[1:]:
        periods.approve_period(db, coordinator, w.client.id, date(2026, 6, 1), date(2026, 6, 8), now=NOW)
        periods.approve_period(db, coordinator, w.client.id, date(2026, 6, 8), JUNE[1], now=NOW)
    result = payroll.export_payroll(db, coordinator, 2026, 6, now=NOW)
    assert len(result.clients) == 3
    with db.read() as s:
        rows = (
            s.execute(
                select(PeriodApproval).where(
                    PeriodApproval.period_start == JUNE[0], PeriodApproval.period_end == JUNE[1]
                )
            )
            .scalars()
            .all()
        )
        logged = s.execute(
            select(AuditEvent.subject, AuditEvent.entity_id, AuditEvent.before)
            .where(AuditEvent.action == "export", AuditEvent.entity == "period_approval")
            .order_by(AuditEvent.id)
        ).all()
        assert (
            s.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "payroll")).scalar() == 1
        )
    assert sorted(r.client_id for r in rows) == sorted(w.client.id for w in worlds)
    assert all(r.exported_at is not None and r.locked_by == "coord" for r in rows)
    assert [x.subject for x in logged] == sorted(w.client.ref for w in worlds)
    assert {x.entity_id for x in logged} == {r.id for r in rows}
    assert [x.before is not None for x in logged] == [True, False, False]  # updated, created, created
    report = audit_log.verify(db, auditor)
    assert report.ok, report.reason
