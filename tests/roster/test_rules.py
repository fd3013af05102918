"""Rule checks on save, on both engines: blocking rules refuse, warnings come back and can be
acknowledged, rules see every client of an assistant, the Swedish rule set for Swedish clients,
the grid's per-shift violations, the dashboard's credential gaps."""

from __future__ import annotations

from datetime import date

import factories as f
import pytest
from roster_world import make_world, utc
from sqlalchemy import select

from bpa_provider.db.models import AuditEvent, RuleAck, Shift
from bpa_provider.errors import ValidationError
from bpa_provider.services import records, roster, worktime


def test_missing_police_certificate_blocks_the_save(world):
    db, admin = world.db, world.admin
    newcomer = f.assistant(db, admin, name="Ny Person")
    f.employment(db, admin, newcomer.ref, police_certificate_on="")
    f.assignment(db, admin, newcomer.ref, world.client.ref)
    with pytest.raises(ValidationError) as exc:
        roster.create_shift(db, admin, world.client.id, newcomer.id, "2026-03-02T08:00", "16:00")
    message = exc.value.for_field("assistant_id")
    assert message.startswith("NO-POLICE-CERT:") and "police certificate" in message
    with db.read() as s:
        assert s.execute(select(Shift)).first() is None


def test_rest_violation_warns_and_the_warning_can_be_acknowledged(world):
    db, admin, c, a = world.db, world.admin, world.client, world.regular
    roster.create_shift(db, admin, c.id, a.id, "2026-03-02T08:00", "20:00")
    res = roster.create_shift(db, admin, c.id, a.id, "2026-03-03T06:00", "12:00")
    assert res.shift is not None
    rest = [v for v in res.warnings if v.rule_id == "NO-REST-DAILY"]
    assert rest and rest[0].severity == "warn" and "10.0 h rest, needs 11 h" in rest[0].detail
    with pytest.raises(ValidationError) as exc:
        worktime.acknowledge_warning(db, admin, res.shift.id, "NO-REST-DAILY", "  ")
    assert exc.value.for_field("comment")
    with pytest.raises(ValidationError):
        worktime.acknowledge_warning(db, admin, res.shift.id, "NO-NIGHT", "not applicable")
    worktime.acknowledge_warning(db, admin, res.shift.id, "no-rest-daily", "Agreed with the union")
    with db.read() as s:
        ack = s.execute(select(RuleAck)).scalar_one()
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "acknowledge")).scalar_one()
    assert (ack.rule_id, ack.comment, ack.by) == ("NO-REST-DAILY", "Agreed with the union", "admin")
    assert event.subject == a.ref
    grid = worktime.violations_for_client_week(db, admin, c.id, date(2026, 3, 2))
    shown = [v for v in grid[res.shift.id] if v.rule_id == "NO-REST-DAILY"]
    assert shown and shown[0].acknowledged and shown[0].ack_comment == "Agreed with the union"


def test_rules_see_the_assistants_shifts_at_every_client(world):
    db, admin, a = world.db, world.admin, world.regular
    other = f.client(db, admin, name="Ola Nordmann")
    f.assignment(db, admin, a.ref, other.ref)
    roster.create_shift(db, admin, world.client.id, a.id, "2026-03-02T08:00", "16:00")
    with pytest.raises(ValidationError) as exc:
        roster.create_shift(db, admin, other.id, a.id, "2026-03-02T15:00", "18:00")
    assert "NO-OVERLAP" in exc.value.message
    # Back to back at two clients: 08-16 then 16-23 is 15 h inside 24 h.
    res = roster.create_shift(db, admin, other.id, a.id, "2026-03-02T16:00", "23:00")
    assert {"NO-NORMAL-DAY", "NO-TOTAL-24H"} <= {v.rule_id for v in res.warnings}


def test_two_helpers_at_once_warn_unless_the_decision_grants_them(world):
    db, admin, c = world.db, world.admin, world.client
    roster.create_shift(db, admin, c.id, world.regular.id, "2026-03-02T08:00", "16:00")
    res = roster.create_shift(db, admin, c.id, world.substitute.id, "2026-03-02T12:00", "14:00")
    assert [v.rule_id for v in res.warnings] == ["NO-TWO-HELPERS"]
    dec = records.list_records(db, admin, "decision").rows[0]
    records.update(db, admin, "decision", dec.id, dec.version, {"two_helper_hours": 2})
    res2 = roster.create_shift(db, admin, c.id, world.substitute.id, "2026-03-02T14:00", "15:00")
    assert res2.warnings == []


def test_swedish_client_uses_the_swedish_rule_set(db, admin):
    w = make_world(db, admin, muni_name="Bjuv", country="se")
    late = f.assistant(db, admin, name="Oanmäld")
    f.employment(db, admin, late.ref)
    f.assignment(db, admin, late.ref, w.client.ref)  # not reported to Försäkringskassan
    with pytest.raises(ValidationError) as exc:
        roster.create_shift(db, admin, w.client.id, late.id, "2026-03-02T08:00", "16:00")
    assert "SE-FK-REPORTED" in exc.value.message
    # Every day 08:00-20:30: 11.5 h rest a night, but no 36 h weekly rest anywhere in the week.
    a = w.regular
    results = [
        roster.create_shift(db, admin, w.client.id, a.id, f"2026-03-{d:02d}T08:00", "20:30") for d in range(2, 9)
    ]
    rules = {v.rule_id for r in results for v in r.warnings}
    assert "SE-REST-WEEKLY" in rules and not any(r.startswith("NO-") for r in rules)
    assert results[0].shift.start_utc == utc(2026, 3, 2, 7)  # Europe/Stockholm


def test_missing_credentials_lists_assistants_with_coming_shifts(world):
    db, admin = world.db, world.admin
    roster.create_shift(db, admin, world.client.id, world.regular.id, "2026-12-03T08:00", "16:00")
    roster.create_shift(db, admin, world.client.id, world.substitute.id, "2027-02-01T08:00", "16:00")
    assert worktime.missing_credentials(db, admin, date(2026, 12, 1)) == []
    emp = records.list_records(db, admin, "employment", filters={"assistant_id": world.regular.id}).rows[0]
    records.update(db, admin, "employment", emp.id, emp.version, {"confidentiality_on": ""})
    gaps = worktime.missing_credentials(db, admin, date(2026, 12, 1))
    assert [(g.assistant_ref, g.client_ref, g.missing) for g in gaps] == [
        (world.regular.ref, world.client.ref, ("confidentiality",))
    ]
    assert gaps[0].shift_start == utc(2026, 12, 3, 7) and gaps[0].name == "Per Hansen"


def test_rest_report_lists_violations_with_rule_and_shifts(world):
    db, admin, c, a = world.db, world.admin, world.client, world.regular
    roster.create_shift(db, admin, c.id, a.id, "2026-03-02T08:00", "20:00")
    second = roster.create_shift(db, admin, c.id, a.id, "2026-03-03T06:00", "12:00").shift
    found = worktime.violations_between(db, admin, date(2026, 3, 1), date(2026, 3, 31))
    rest = [x for x in found if x.rule == "NO-REST-DAILY"]
    assert len(rest) == 1 and rest[0].assistant == a.ref and rest[0].severity == "warn"
    assert f"#{second.id}" in rest[0].shifts and "02.03 08:00–20:00" in rest[0].shifts
    assert worktime.violations_between(db, admin, date(2026, 4, 1), date(2026, 4, 30)) == []


def test_a_required_training_blocks_until_completed(world):
    from datetime import date as d

    from roster_world import add

    from bpa_provider.db.models import Course, CourseEnrollment, RequiredTraining

    db, admin = world.db, world.admin
    with db.write() as s:
        course = add(s, Course, name="Førstehjelp", kind="assistant_training", validity_months=24)
        s.execute(RequiredTraining.__table__.insert().values(client_id=world.client.id, course_id=course.id))
    with pytest.raises(ValidationError) as exc:
        roster.create_shift(db, admin, world.client.id, world.regular.id, "2026-03-02T08:00", "16:00")
    assert "NO-TRAINING" in exc.value.message and "Førstehjelp" in exc.value.message
    with db.write() as s:
        add(
            s,
            CourseEnrollment,
            course_id=course.id,
            assistant_id=world.regular.id,
            status="completed",
            completed_on=d(2025, 6, 1),
        )
    assert roster.create_shift(db, admin, world.client.id, world.regular.id, "2026-03-02T08:00", "16:00").shift
