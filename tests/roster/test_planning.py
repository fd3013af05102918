"""Planning on both engines: local times to UTC (DST nights, the gap), patterns expanded to the
horizon with rotations and detached occurrences, copying a week, reassigning, deviations."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from roster_world import utc
from sqlalchemy import select

from bpa_provider.db.models import AuditEvent, Shift
from bpa_provider.errors import ValidationError
from bpa_provider.services import periods, roster

OSLO = ZoneInfo("Europe/Oslo")


def _local(sh: Shift) -> datetime:
    return sh.start_utc.astimezone(OSLO)


def test_dst_nights_are_stored_in_utc_with_their_real_length(world):
    db, admin, c, a = world.db, world.admin, world.client, world.regular
    spring = roster.create_shift(db, admin, c.id, a.id, "2026-03-28T22:00", "08:00").shift
    autumn = roster.create_shift(db, admin, c.id, a.id, "24.10.2026 22:00", "2026-10-25T08:00").shift
    assert spring.start_utc == utc(2026, 3, 28, 21) and spring.end_utc == utc(2026, 3, 29, 6)
    assert autumn.end_utc - autumn.start_utc == timedelta(hours=11)
    week = roster.client_week(db, admin, c.id, date(2026, 3, 23))
    assert [v.hours for v in week.shifts] == [9.0]
    assert week.shifts[0].start.hour == 22 and week.shifts[0].end.hour == 8


def test_a_local_time_in_the_spring_gap_is_refused_and_nothing_saved(world):
    db, admin = world.db, world.admin
    with pytest.raises(ValidationError) as exc:
        roster.create_shift(db, admin, world.client.id, world.regular.id, "2026-03-29T02:30", "2026-03-29T08:00")
    assert "does not exist" in exc.value.for_field("start")
    with db.read() as s:
        assert s.execute(select(Shift)).first() is None


def test_pattern_mon_wed_fri_is_generated_to_the_horizon(world):
    db, admin = world.db, world.admin
    res = roster.create_pattern(
        db,
        admin,
        world.client.id,
        world.regular.id,
        weekdays="mon,wed,fri",
        start_time="08:00",
        end_time="16:00",
        valid_from=date(2026, 11, 30),
        today=date(2026, 11, 30),
        now=utc(2026, 11, 29),
    )
    days = sorted(_local(sh).date() for sh in res.shifts)
    assert len(days) == 39  # 13 weeks × 3
    assert {d.weekday() for d in days} == {0, 2, 4}
    assert days[0] == date(2026, 11, 30) and days[-1] == date(2027, 2, 26)
    assert all(_local(sh).time() == time(8) for sh in res.shifts)
    assert res.pattern.generated_until == date(2027, 2, 28)
    # Running it again creates nothing new.
    again = roster.extend_patterns(db, admin, today=date(2026, 11, 30), now=utc(2026, 11, 29))
    assert again.shifts == [] and again.removed == 0


def test_two_week_rotation_alternates_weeks(world):
    db, admin, c = world.db, world.admin, world.client
    common = dict(
        start_time="09:00",
        end_time="15:00",
        valid_from=date(2026, 12, 2),
        cycle_weeks=2,
        today=date(2026, 12, 1),
        now=utc(2026, 12, 1),
    )
    a = roster.create_pattern(db, admin, c.id, world.regular.id, weekdays="mon", cycle_week=0, **common)
    b = roster.create_pattern(db, admin, c.id, world.substitute.id, weekdays="tue", cycle_week=1, **common)
    a_days = sorted(_local(sh).date() for sh in a.shifts)
    b_days = sorted(_local(sh).date() for sh in b.shifts)
    # valid_from is a Wednesday: week A's Monday of that week is before it, so A starts a fortnight on.
    assert a_days[:3] == [date(2026, 12, 14), date(2026, 12, 28), date(2027, 1, 11)]
    assert b_days[:3] == [date(2026, 12, 8), date(2026, 12, 22), date(2027, 1, 5)]
    assert not {d - timedelta(days=d.weekday()) for d in a_days} & {d - timedelta(days=d.weekday()) for d in b_days}


def test_regeneration_keeps_detached_and_cancelled_occurrences(world):
    db, admin, c = world.db, world.admin, world.client
    now, today = utc(2026, 11, 29), date(2026, 11, 30)
    res = roster.create_pattern(
        db,
        admin,
        c.id,
        world.regular.id,
        weekdays="mon,wed",
        start_time="08:00",
        end_time="14:00",
        valid_from=today,
        today=today,
        now=now,
    )
    by_day = {_local(sh).date(): sh for sh in res.shifts}
    moved = by_day[date(2026, 12, 2)]
    dropped = by_day[date(2026, 12, 7)]
    roster.update_shift(db, admin, moved.id, moved.version, start="2026-12-02T10:00", end="15:00", now=now)
    roster.cancel_shift(db, admin, dropped.id, dropped.version, "client away")
    regen = roster.update_pattern(
        db, admin, res.pattern.id, res.pattern.version, start_time="07:00", end_time="13:00", today=today, now=now
    )
    assert len(regen.shifts) == 24  # 26 occurrences, minus the detached and the cancelled one
    with db.read() as s:
        rows = {(_local(sh).date(), sh.status): sh for sh in s.execute(select(Shift)).scalars()}
    assert _local(rows[(date(2026, 12, 2), "planned")]).time() == time(10)
    assert rows[(date(2026, 12, 2), "planned")].detached
    assert (date(2026, 12, 7), "planned") not in rows and (date(2026, 12, 7), "cancelled") in rows
    assert _local(rows[(date(2026, 12, 9), "planned")]).time() == time(7)


def test_regeneration_removes_future_dates_that_left_the_pattern(world):
    db, admin = world.db, world.admin
    today, now = date(2026, 11, 30), utc(2026, 11, 29)
    res = roster.create_pattern(
        db,
        admin,
        world.client.id,
        world.regular.id,
        weekdays="mon,fri",
        start_time="08:00",
        end_time="12:00",
        valid_from=today,
        today=today,
        now=now,
    )
    out = roster.update_pattern(db, admin, res.pattern.id, None, weekdays="mon", today=today, now=now)
    assert out.removed == 13
    with db.read() as s:
        days = {_local(sh).date().weekday() for sh in s.execute(select(Shift)).scalars()}
    assert days == {0}


def test_copy_week_keeps_local_times_across_dst_and_does_not_double(world):
    db, admin, c, a = world.db, world.admin, world.client, world.regular
    roster.create_shift(db, admin, c.id, a.id, "2026-03-16T08:00", "16:00")
    roster.create_shift(db, admin, c.id, a.id, "2026-03-18T08:00", "16:00")
    res = roster.copy_week(db, admin, c.id, date(2026, 3, 16), weeks=2)
    assert len(res.shifts) == 4
    # 30 March is after the change to summer time: 08:00 local is 06:00 UTC.
    assert {sh.start_utc for sh in res.shifts} >= {utc(2026, 3, 23, 7), utc(2026, 3, 30, 6)}
    assert roster.copy_week(db, admin, c.id, date(2026, 3, 16), weeks=2).shifts == []


def test_reassign_to_a_substitute_keeps_who_was_replaced(world):
    db, admin, c = world.db, world.admin, world.client
    sh = roster.create_shift(db, admin, c.id, world.regular.id, "2026-12-01T08:00", "16:00").shift
    moved = roster.reassign_shift(db, admin, sh.id, sh.version, world.substitute.id, reason="sick").shift
    assert (moved.assistant_id, moved.replaces_assistant_id) == (world.substitute.id, world.regular.id)
    back = roster.reassign_shift(db, admin, moved.id, moved.version, world.regular.id).shift
    assert back.replaces_assistant_id is None
    with db.read() as s:
        assert s.execute(select(AuditEvent).where(AuditEvent.action == "reassign")).scalars().all()


def test_changing_a_worked_shift_is_a_deviation_until_decided(world):
    db, admin, c = world.db, world.admin, world.client
    sh = roster.create_shift(db, admin, c.id, world.regular.id, "2026-03-02T08:00", "16:00").shift
    changed = roster.update_shift(db, admin, sh.id, sh.version, end="2026-03-02T18:00").shift
    assert changed.deviation_status == "pending"
    assert (changed.planned_start_utc, changed.planned_end_utc) == (sh.start_utc, sh.end_utc)
    assert changed.end_utc == utc(2026, 3, 2, 17)
    rejected = periods.decide_deviation(db, admin, changed.id, changed.version, accept=False, comment="no")
    assert rejected.deviation_status == "rejected" and rejected.end_utc == sh.end_utc
