"""Issue 18 through the services, on both engines: the police-certificate cut-off on save, in the
payroll check and in the credential gaps; the two-helpers warning names references; overtime over
4 weeks is seen at save although its earlier weeks lie beyond the usual 7-day margin."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import factories as f
import pytest
from roster_world import add, utc

from bpa_provider.config import Policy
from bpa_provider.db.models import Shift
from bpa_provider.errors import ValidationError
from bpa_provider.services import payroll, roster, worktime

AFTER_MARCH = datetime(2026, 4, 15, tzinfo=UTC)


def _hire(world, name: str, started: str):
    db, admin = world.db, world.admin
    person = f.assistant(db, admin, name=name)
    f.employment(db, admin, person.ref, start_date=started, police_certificate_on="")
    f.assignment(db, admin, person.ref, world.client.ref)
    return person


def test_police_certificate_is_required_from_the_cut_off_date_exactly(world):
    db, admin, c = world.db, world.admin, world.client
    veteran = _hire(world, "Lang Tjeneste", "2016-12-31")
    res = roster.create_shift(db, admin, c.id, veteran.id, "2026-03-02T08:00", "16:00")
    assert res.shift is not None and not [v for v in res.warnings if v.rule_id == "NO-POLICE-CERT"]
    newcomer = _hire(world, "Ny Person", "2017-01-01")
    with pytest.raises(ValidationError) as exc:
        roster.create_shift(db, admin, c.id, newcomer.id, "2026-03-03T08:00", "16:00")
    assert exc.value.for_field("assistant_id").startswith("NO-POLICE-CERT:")
    # The cut-off is policy: a provider that asks everyone refuses the veteran too.
    strict = replace(Policy(), police_certificate_required_from=date(1900, 1, 1))
    with pytest.raises(ValidationError):
        roster.create_shift(db, admin, c.id, veteran.id, "2026-03-04T08:00", "16:00", policy=strict)


def test_payroll_check_and_credential_gaps_leave_long_serving_assistants_alone(world):
    db, admin, c = world.db, world.admin, world.client
    veteran = _hire(world, "Lang Tjeneste", "2010-08-01")
    newcomer = _hire(world, "Ny Person", "2017-01-01")
    with db.write() as s:  # e.g. imported: stored before the rule could refuse them
        for who, day in ((veteran, 2), (newcomer, 3)):
            add(
                s,
                Shift,
                client_id=c.id,
                assistant_id=who.id,
                start_utc=utc(2026, 3, day, 7),
                end_utc=utc(2026, 3, day, 15),
                kind="active",
                status="worked",
            )
    blocked = [b for b in payroll.payroll_check(db, admin, 2026, 3, now=AFTER_MARCH) if "NO-POLICE-CERT" in b.detail]
    assert [b.assistant_ref for b in blocked] == [newcomer.ref]
    gaps = worktime.missing_credentials(db, admin, date(2026, 3, 1))
    assert [(g.assistant_ref, g.missing) for g in gaps] == [(newcomer.ref, ("police_certificate",))]


def test_two_helpers_warning_names_the_assistants_references(world):
    db, admin, c = world.db, world.admin, world.client
    roster.create_shift(db, admin, c.id, world.regular.id, "2026-03-02T08:00", "16:00")
    res = roster.create_shift(db, admin, c.id, world.substitute.id, "2026-03-02T12:00", "14:00")
    (v,) = res.warnings
    assert f"assistants {world.regular.ref} and {world.substitute.ref} overlap" in v.detail
    assert f"assistants {world.regular.id} and" not in v.detail


def test_overtime_over_four_weeks_is_seen_beyond_the_seven_day_margin(world):
    db, admin, c, a = world.db, world.admin, world.client, world.regular
    found = []
    for monday in (2, 9, 16):  # three weeks of Mon–Wed 07–19: 3 h over the 9 h day, 9 h a week
        for day in range(monday, monday + 3):
            res = roster.create_shift(db, admin, c.id, a.id, f"2026-03-{day:02d}T07:00", "19:00")
            found += [v for v in res.warnings if v.rule_id == "NO-OVERTIME"]
    (v,) = found  # the third week: 27 h over 4 weeks, limit 25
    assert v.numbers["weeks"] == 4 and v.numbers["overtime_hours"] == 27.0
    assert "limit 25 h per 4 weeks" in v.detail and v.law == "arbeidsmiljøloven § 10-6"
    agreed = replace(Policy(), overtime_agreement=True)  # 50 h per 4 weeks by agreement
    with db.read() as s:
        last = s.query(Shift).order_by(Shift.start_utc.desc()).first()
    assert [
        x
        for x in worktime.check_assistant_window(db, a.id, last.start_utc, last.end_utc, policy=agreed)
        if x.rule_id == "NO-OVERTIME"
    ] == []


def test_a_bad_working_time_setting_is_reported_as_such(world):
    db, admin, c, a = world.db, world.admin, world.client, world.regular
    with pytest.raises(ValidationError) as exc:
        roster.create_shift(
            db, admin, c.id, a.id, "2026-03-02T08:00", "16:00", policy=replace(Policy(), sunday_off_every=0)
        )
    assert "Bad working-time setting" in exc.value.message


def test_the_assistant_record_says_no_certificate_is_required_before_the_cut_off(world):
    from bpa_provider.services import details

    db, admin = world.db, world.admin
    veteran = _hire(world, "Lang Tjeneste", "2016-12-31")
    newcomer = _hire(world, "Ny Person", "2017-01-01")
    old = details.assistant_detail(db, admin, veteran.id, date(2026, 3, 1))
    new = details.assistant_detail(db, admin, newcomer.id, date(2026, 3, 1))
    assert {e.id for e in old.employments} == old.certificate_not_required
    assert new.certificate_not_required == frozenset()


def test_the_working_time_policy_is_read_from_the_environment(tmp_path):
    from bpa_provider.config import load_settings

    env = {
        "BPA_POLICE_CERTIFICATE_REQUIRED_FROM": "2018-01-01",
        "BPA_OVERTIME_AGREEMENT": "true",
        "BPA_BREAKS_IN_SHIFT": "false",
        "BPA_SUNDAY_AVERAGE_WEEKS": "26",
    }
    policy = load_settings(tmp_path / "none.toml", env=env).policy
    assert (
        policy.police_certificate_required_from,
        policy.overtime_agreement,
        policy.breaks_in_shift,
        policy.sunday_average_weeks,
        policy.sunday_off_every,
    ) == (date(2018, 1, 1), True, False, 26, 4)
    rules = worktime.rule_set("no-default", policy)
    assert (
        rules.police_certificate_from,
        rules.overtime_week_hours,
        rules.breaks_in_shift,
        rules.sunday_average_weeks,
    ) == (date(2018, 1, 1), 20.0, False, 26)
