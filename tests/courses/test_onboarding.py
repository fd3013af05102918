"""Onboarding from the template: steps and due dates, idempotence, status transitions, the basic
course ticked by a course completion, and the roster's basic_course_overdue helper."""

from __future__ import annotations

from datetime import date

import course_builders as b
import pytest

from bpa_provider.config import Policy
from bpa_provider.db.models import OnboardingStep
from bpa_provider.errors import ValidationError
from bpa_provider.services import onboarding as ob
from bpa_provider.services import records


def test_template_creates_steps_with_due_dates_once(db, admin, two_clients):
    sup = b.supervisor(db, admin, "K-0001", since="2026-03-01")
    steps = ob.start_onboarding(db, admin, sup.ref, "K-0001")  # start defaults to the supervision's start
    due = {s.code: (s.due_date, s.responsible) for s in steps}
    assert due == {
        "first_rota": (date(2026, 3, 15), "supervisor"),
        "job_description": (date(2026, 3, 31), "coordinator"),
        "working_time_intro": (date(2026, 3, 31), "coordinator"),
        "basic_course": (date(2026, 5, 30), "supervisor"),  # 90 days (policy)
    }
    logged = len(b.audit_rows(db, entity="onboarding_step"))
    again = ob.start_onboarding(db, admin, sup.ref, "K-0001", "2026-04-01")
    assert [s.id for s in again] == [s.id for s in steps]
    assert b.count(db, OnboardingStep) == 4
    assert len(b.audit_rows(db, entity="onboarding_step")) == logged == 4


def test_policy_sets_the_course_deadline_and_supervision_is_required(db, admin, two_clients, monkeypatch):
    # The checklist is created when the supervision is, from the configured policy.
    monkeypatch.setenv("BPA_BASIC_COURSE_WITHIN_DAYS", "60")
    sup = b.supervisor(db, admin, "K-0001", since="2026-03-01")
    steps = ob.start_onboarding(db, admin, sup.ref, "K-0001", policy=Policy(basic_course_within_days=60))
    assert {s.code: s.due_date for s in steps}["basic_course"] == date(2026, 4, 30)
    with pytest.raises(ValidationError) as exc:
        ob.start_onboarding(db, admin, sup.ref, "K-0002")
    assert exc.value.for_field("client") == f"{sup.ref} does not supervise K-0002"


def test_status_moves_from_not_started_to_complete(db, admin, two_clients):
    sup = b.supervisor(db, admin, "K-0001", since="2026-03-01")
    ob.start_onboarding(db, admin, sup.ref, "K-0001")

    def status(today: date) -> ob.OnboardingStatus:
        (row,) = ob.onboarding_overview(db, admin, today)
        return row

    first = status(date(2026, 3, 15))  # the first deadline's own day is not overdue
    assert (first.status, first.next_step, first.next_deadline, first.overdue_days) == (
        "not_started",
        "first_rota",
        date(2026, 3, 15),
        0,
    )
    late = status(date(2026, 3, 16))
    assert (late.status, late.overdue_days) == ("overdue", 1)

    ob.complete_step(db, admin, sup.ref, "first_rota", on="2026-03-10")
    mid = status(date(2026, 3, 20))
    assert (mid.status, mid.next_step, mid.steps_done) == ("in_progress", "job_description", 1)
    assert ob.onboarding_overdue(db, admin, date(2026, 3, 20)) == []

    overdue = ob.onboarding_overdue(db, admin, date(2026, 4, 10))
    assert [(o.supervisor_ref, o.client_ref, o.next_step, o.next_deadline, o.overdue_days) for o in overdue] == [
        (sup.ref, "K-0001", "job_description", date(2026, 3, 31), 10)
    ]

    for code in ("job_description", "working_time_intro", "basic_course"):
        ob.complete_step(db, admin, sup.ref, code, on="2026-04-10")
    done = status(date(2026, 6, 1))
    assert (done.status, done.next_deadline, done.steps_done, done.steps_total) == ("complete", None, 4, 4)


def test_completed_basic_course_ticks_the_step_and_ends_co_approval(db, admin, two_clients):
    sup = b.supervisor(db, admin, "K-0001", since="2026-03-01")
    ob.start_onboarding(db, admin, sup.ref, "K-0001")
    with db.read() as s:
        assert ob.basic_course_overdue(s, sup.id, date(2026, 5, 30)) is False  # deadline day itself
        assert ob.basic_course_overdue(s, sup.id, date(2026, 5, 31)) is True
    basic = b.course(db, admin, "Arbeidslederkurs", kind="supervisor_basic", hours=12)
    b.complete(db, admin, basic, sup.ref, "2026-06-02")
    step = next(s for s in ob.onboarding_steps(db, admin, sup.ref, date(2026, 6, 3)) if s.code == "basic_course")
    assert (step.done_on, step.state) == (date(2026, 6, 2), "done")
    with db.read() as s:
        assert ob.basic_course_overdue(s, sup.id, date(2026, 6, 3)) is False


def test_course_done_before_onboarding_and_steps_for_two_clients(db, admin, two_clients):
    sup = b.supervisor(db, admin, "K-0001", since="2026-03-01")
    records.create(db, admin, "supervision", {"supervisor_id": sup.ref, "client_id": "K-0002", "since": "2026-04-01"})
    basic = b.course(db, admin, "Arbeidslederkurs", kind="supervisor_basic")
    b.complete(db, admin, basic, sup.ref, "2026-02-20")
    ob.start_onboarding(db, admin, sup.ref, "K-0001")
    ob.start_onboarding(db, admin, sup.ref, "K-0002")
    steps = ob.onboarding_steps(db, admin, sup.ref, date(2026, 4, 2))
    assert {(s.client_ref, s.done_on) for s in steps if s.code == "basic_course"} == {
        ("K-0001", date(2026, 2, 20)),
        ("K-0002", date(2026, 2, 20)),
    }
    with pytest.raises(ValidationError) as exc:
        ob.complete_step(db, admin, sup.ref, "first_rota")
    assert "several clients" in exc.value.for_field("client")
    done = ob.complete_step(db, admin, sup.ref, "first_rota", client="K-0002", on="2026-04-05")
    assert [d.client_id for d in done] == [two_clients[1].id]


def _legacy_supervisor(db, client_ref: str, since: date, name: str):
    """A supervisor from before the app (imported raw): a supervision without a checklist."""
    from sqlalchemy import select

    from bpa_provider.db.models import Client, Supervision, Supervisor

    with db.write() as s:
        sup = Supervisor(ref="S-9001", name=name)
        s.add(sup)
        s.flush()
        cid = s.execute(select(Client.id).where(Client.ref == client_ref)).scalar_one()
        s.add(Supervision(supervisor_id=sup.id, client_id=cid, since=since))
    return sup


def test_supervisor_sees_only_own_onboarding(db, admin, two_clients):
    s1 = b.supervisor(db, admin, "K-0001", since="2026-03-01")
    s2 = b.supervisor(db, admin, "K-0002", since="2026-03-01", name="Other")
    ob.start_onboarding(db, admin, s1.ref, "K-0001")
    ob.start_onboarding(db, admin, s2.ref, "K-0002")
    rows = ob.onboarding_overview(db, b.sup_actor(s1), date(2026, 3, 2))
    assert [r.supervisor_ref for r in rows] == [s1.ref]
    # A supervision without a checklist is judged by the basic course alone, so nobody falls through.
    third = _legacy_supervisor(db, "K-0002", date(2026, 3, 5), "Third")
    rows = {r.name: r for r in ob.onboarding_overview(db, admin, date(2026, 6, 4))}
    assert (
        rows["Third"].status,
        rows["Third"].next_deadline,
        rows["Third"].overdue_days,
        rows["Third"].steps_total,
    ) == ("overdue", date(2026, 6, 3), 1, 0)
    with db.read() as s:
        assert ob.basic_course_overdue(s, third.id, date(2026, 6, 3)) is False
        assert ob.basic_course_overdue(s, third.id, date(2026, 6, 4)) is True
    b.complete(db, admin, b.course(db, admin, "Grunnkurs", kind="supervisor_basic"), third.ref, "2026-06-04")
    rows = {r.name: r for r in ob.onboarding_overview(db, admin, date(2026, 6, 5))}
    assert (rows["Third"].status, rows["Third"].next_deadline) == ("complete", None)
    with db.read() as s:
        assert ob.basic_course_overdue(s, third.id, date(2026, 6, 5)) is False
