"""Exports for people on both engines: an assistant's calendar and the printable week."""

from __future__ import annotations

from datetime import date

import pytest
from roster_world import may_dataset, supervisor_actor
from sqlalchemy import select

from bpa_provider.db.models import AuditEvent
from bpa_provider.errors import PermissionDenied
from bpa_provider.services import exports, roster


def test_ics_holds_the_assistants_shifts_in_utc(world):
    made = may_dataset(world)
    text = exports.assistant_ics(world.db, world.admin, world.regular.id, date(2026, 5, 1), date(2026, 5, 31))
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.count("BEGIN:VEVENT") == 5
    assert f"UID:shift-{made['mon'].id}@bpa-provider" in text
    assert "DTSTART:20260504T060000Z\r\nDTEND:20260504T140000Z" in text  # 08-16 CEST
    assert "SUMMARY:BPA Kari Nordmann (K-0001)" in text
    assert f"shift-{made['sub_night'].id}@" not in text  # another assistant's shift
    with world.db.read() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "export")).scalar_one()
    assert event.subject == world.regular.ref


def test_printable_week_marks_holidays_and_rule_warnings(world):
    may_dataset(world)
    text = exports.week_roster_text(world.db, world.admin, world.client.id, date(2026, 5, 11))
    lines = text.splitlines()
    assert lines[0].startswith("Roster K-0001 Kari Nordmann — week 2026-W20 (11.05.2026–17.05.2026)")
    thursday = next(line for line in lines if line.startswith("Thu 14.05 *"))
    assert "08:00" in thursday and "12:00" in thursday and "Per Hansen (A-0001)" in thursday
    assert any(line.startswith("* public holiday: Thu 14.05.2026") for line in lines)
    assert any(line.startswith("* public holiday: Sun 17.05.2026") for line in lines)
    assert "Total: 4.00 h" in text
    week19 = exports.week_roster_text(world.db, world.admin, world.client.id, date(2026, 5, 4))
    saturday = next(line for line in week19.splitlines() if line.startswith("Sat 09.05"))
    assert "!NO-REST-DAILY" in saturday
    sup = supervisor_actor(world.db, world.admin, None)
    with pytest.raises(PermissionDenied):
        exports.week_roster_text(world.db, sup, world.client.id, date(2026, 5, 11))
    assert roster.client_week(world.db, world.admin, world.client.id, date(2026, 5, 11)).days[3].holiday
