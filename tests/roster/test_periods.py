"""Approval, co-approval, lock and reopen on both engines; supervisors scoped to their clients."""

from __future__ import annotations

from datetime import date

import factories as f
import pytest
from roster_world import supervisor_actor, utc
from sqlalchemy import select

from bpa_provider.db.models import AuditEvent, OnboardingStep, PeriodApproval, Shift
from bpa_provider.errors import PermissionDenied, ValidationError
from bpa_provider.services import periods, roster

WEEK = (date(2026, 3, 2), date(2026, 3, 9))


def _two_shifts(world):
    db, admin, c, a = world.db, world.admin, world.client, world.regular
    one = roster.create_shift(db, admin, c.id, a.id, "2026-03-02T08:00", "16:00").shift
    two = roster.create_shift(db, admin, c.id, a.id, "2026-03-04T08:00", "16:00").shift
    return one, two


def test_lock_prevents_edits_and_only_an_admin_reopens_with_a_reason(world, coordinator):
    db, admin = world.db, world.admin
    one, _two = _two_shifts(world)
    with pytest.raises(ValidationError) as exc:
        periods.lock_period(db, coordinator, world.client.id, *WEEK)
    assert "not approved" in exc.value.message
    periods.approve_period(db, coordinator, world.client.id, *WEEK)
    periods.lock_period(db, coordinator, world.client.id, *WEEK)
    with pytest.raises(periods.PeriodLocked) as locked:
        roster.update_shift(db, admin, one.id, None, end="17:00")
    assert locked.value.exit_code == 1 and "locked" in locked.value.message
    with pytest.raises(periods.PeriodLocked):
        roster.create_shift(db, admin, world.client.id, world.substitute.id, "2026-03-05T08:00", "10:00")
    with pytest.raises(PermissionDenied):
        periods.reopen_period(db, coordinator, world.client.id, *WEEK, reason="typo")
    with pytest.raises(ValidationError):
        periods.reopen_period(db, admin, world.client.id, *WEEK, reason=" ")
    rows = periods.reopen_period(db, admin, world.client.id, *WEEK, reason="wrong end time on Monday")
    assert rows[0].locked_at is None and rows[0].approved_at is None
    changed = roster.update_shift(db, admin, one.id, None, end="17:00").shift
    assert changed.deviation_status == "pending"
    with db.read() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "reopen")).scalar_one()
        statuses = set(s.execute(select(Shift.status)).scalars())
    assert event.actor == "admin" and "wrong end time on Monday" in event.summary and event.before
    assert "approved" not in statuses


def test_approval_waits_for_deviations_and_is_withdrawn_by_a_change(world, coordinator):
    db, admin = world.db, world.admin
    one, two = _two_shifts(world)
    roster.update_shift(db, admin, one.id, None, end="17:00")
    with pytest.raises(ValidationError) as exc:
        periods.approve_period(db, coordinator, world.client.id, *WEEK)
    assert exc.value.for_field("deviations")
    row = periods.approve_period(db, coordinator, world.client.id, *WEEK, approve_deviations=True)
    assert row.approved_by == "coord"
    with db.read() as s:
        assert {sh.status for sh in s.execute(select(Shift)).scalars()} == {"approved"}
    roster.cancel_shift(db, admin, two.id, None, "client in hospital")
    with db.read() as s:
        again = s.execute(select(PeriodApproval)).scalar_one()
    assert again.approved_at is None


def test_overdue_course_needs_a_coordinators_coapproval_before_the_lock(world, coordinator):
    db, admin = world.db, world.admin
    sup = supervisor_actor(db, admin, world.client.ref)
    with db.write() as s:
        s.add(
            OnboardingStep(
                supervisor_id=sup.supervisor_id, code="basic_course", title="Basic course", due_date=date(2026, 2, 1)
            )
        )
    _two_shifts(world)
    row = periods.approve_period(db, sup, world.client.id, *WEEK, today=date(2026, 3, 10))
    assert row.needs_coapproval and row.approved_by == "sup"
    with pytest.raises(ValidationError) as exc:
        periods.lock_period(db, coordinator, world.client.id, *WEEK)
    assert "co-approval" in exc.value.message
    periods.coapprove_period(db, coordinator, world.client.id, *WEEK)
    assert periods.lock_period(db, coordinator, world.client.id, *WEEK).locked_by == "coord"


def test_a_supervisor_sees_and_approves_only_their_own_clients(world):
    db, admin = world.db, world.admin
    sup = supervisor_actor(db, admin, world.client.ref)
    other = f.client(db, admin, name="Ola Nordmann")
    f.assignment(db, admin, world.regular.ref, other.ref)
    roster.create_shift(db, admin, other.id, world.regular.id, "2026-03-03T08:00", "12:00")
    _two_shifts(world)
    assert periods.approve_period(db, sup, world.client.id, *WEEK).client_id == world.client.id
    with pytest.raises(PermissionDenied):
        periods.approve_period(db, sup, other.id, *WEEK)
    with pytest.raises(PermissionDenied):
        roster.client_week(db, sup, other.id, WEEK[0])
    with pytest.raises(PermissionDenied):
        roster.create_shift(db, sup, other.id, world.regular.id, "2026-03-05T08:00", "12:00")
    mine = roster.assistant_shifts(db, sup, world.regular.id, *WEEK)
    assert {v.client_ref for v in mine} == {world.client.ref}
    with db.read() as s:
        refused = s.execute(select(AuditEvent).where(AuditEvent.action == "refused")).scalars().all()
    assert len(refused) == 3 and {e.actor for e in refused} == {"sup"}


def test_approval_refused_before_the_shifts_are_worked(world, coordinator):
    db, admin = world.db, world.admin
    roster.create_shift(db, admin, world.client.id, world.regular.id, "2026-03-02T08:00", "16:00")
    with pytest.raises(ValidationError) as exc:
        periods.approve_period(db, coordinator, world.client.id, *WEEK, now=utc(2026, 3, 2, 10))
    assert "not ended" in exc.value.message
    assert periods.week_range("2026-W10") == WEEK
    assert periods.month_range("2026-02") == (date(2026, 2, 1), date(2026, 3, 1))
    with pytest.raises(ValueError):
        periods.week_range("2026-W54")
