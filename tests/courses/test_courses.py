"""Course catalog and dates, enrollment with capacity, outcomes, expiry reminders and required
trainings, through the services on both engines."""

from __future__ import annotations

from datetime import date

import course_builders as b
import pytest

from bpa_provider.db.models import CourseEnrollment
from bpa_provider.errors import Conflict, PermissionDenied, ValidationError
from bpa_provider.services import course_credentials, course_enrollment, courses


def test_catalog_validation_and_versioned_update(db, admin, auditor):
    with pytest.raises(ValidationError) as exc:
        courses.create_course(db, admin, {"name": "", "kind": "cooking", "hours": "-2", "validity_months": "1.5"})
    assert {e.field for e in exc.value.errors} == {"name", "kind", "hours", "validity_months"}
    first_aid = b.course(db, admin, "Førstehjelp", hours=6, validity=24)
    with pytest.raises(ValidationError) as exc:
        b.course(db, admin, "FØRSTEHJELP")
    assert "already exists" in exc.value.for_field("name")
    changed = courses.update_course(db, admin, first_aid.id, first_aid.version, {"validity_months": ""})
    assert changed.validity_months is None and changed.version == 2
    with pytest.raises(Conflict):
        courses.update_course(db, admin, first_aid.id, first_aid.version, {"hours": 7})
    with pytest.raises(PermissionDenied):
        b.course(db, auditor, "Løfteteknikk")
    with pytest.raises(ValidationError) as exc:
        courses.create_session(db, admin, first_aid.id, {"starts_on": "10.05.2026", "ends_on": "09.05.2026"})
    assert exc.value.for_field("ends_on")


def test_capacity_is_respected_and_a_batch_is_all_or_nothing(db, admin, two_clients):
    people = [b.staff(db, admin, "K-0001", name=f"Assistant {i}").ref for i in range(3)]
    course = b.course(db, admin, "Løfteteknikk")
    cs = courses.create_session(db, admin, course.id, {"starts_on": "2026-05-10", "capacity": "2", "place": "Hamar"})
    with pytest.raises(ValidationError) as exc:
        course_enrollment.enroll(db, admin, cs.id, people)
    assert "2 free place(s) of 2" in exc.value.for_field("people")
    assert b.count(db, CourseEnrollment) == 0
    rows = course_enrollment.enroll(db, admin, cs.id, people[:2])
    assert [r.client_id for r in rows] == [two_clients[0].id] * 2  # their only client
    with pytest.raises(ValidationError) as exc:
        course_enrollment.enroll(db, admin, cs.id, [people[2]])
    assert "0 free place(s)" in exc.value.for_field("people")
    (row,) = courses.list_sessions(db, admin, course=course.id)
    assert (row.enrolled, row.free) == (2, 0)
    with pytest.raises(ValidationError) as exc:
        courses.update_session(db, admin, cs.id, None, {"capacity": 1})
    assert exc.value.for_field("capacity")


def test_enrollment_refuses_unknown_duplicate_and_wrong_kind(db, admin, two_clients):
    a = b.staff(db, admin, "K-0001")
    sup = b.supervisor(db, admin, "K-0001")
    basic = b.course(db, admin, "Arbeidslederkurs", kind="supervisor_basic")
    cs = courses.create_session(db, admin, basic.id, {"starts_on": "2026-05-10"})
    with pytest.raises(ValidationError) as exc:
        course_enrollment.enroll(db, admin, cs.id, [a.ref, "S-9999", sup.ref, sup.ref])
    messages = [e.text for e in exc.value.errors]
    assert any("is an assistant" in m for m in messages)
    assert any("no supervisor or assistant 'S-9999'" in m for m in messages)
    assert any("named twice" in m for m in messages)
    course_enrollment.enroll(db, admin, cs.id, [sup.ref])
    with pytest.raises(ValidationError) as exc:
        course_enrollment.enroll(db, admin, cs.id, [sup.ref])
    assert "already enrolled" in exc.value.for_field("people")


def test_outcomes_with_date_and_certificate(db, admin, two_clients):
    a1 = b.staff(db, admin, "K-0001", name="One")
    a2 = b.staff(db, admin, "K-0001", name="Two")
    course = b.course(db, admin, "Førstehjelp", validity=24)
    cs = courses.create_session(db, admin, course.id, {"starts_on": "2026-05-10", "ends_on": "2026-05-11"})
    course_enrollment.enroll(db, admin, cs.id, [a1.ref, a2.ref])
    with pytest.raises(ValidationError) as exc:
        course_enrollment.record_session_outcomes(db, admin, cs.id, [a1.ref], "completed", "2026-05-09")
    assert "before the course started" in exc.value.for_field("on")
    (done,) = course_enrollment.record_session_outcomes(db, admin, cs.id, [a1.ref], "completed", None, "NRK-123")
    assert (done.status, done.completed_on, done.certificate_ref) == ("completed", date(2026, 5, 11), "NRK-123")
    (missed,) = course_enrollment.record_session_outcomes(db, admin, cs.id, [a2.ref], "no_show")
    assert (missed.status, missed.completed_on) == ("no_show", None)
    rows = {r.person_ref: r for r in course_enrollment.list_enrollments(db, admin, session_id=cs.id)}
    assert rows[a1.ref].expires_on == date(2028, 5, 11)
    assert rows[a2.ref].expires_on is None


def test_expiry_reminders_at_90_30_7_days(db, admin, two_clients):
    a = b.staff(db, admin, "K-0001")
    gone = b.staff(db, admin, "K-0001", employment_end="2026-06-30", name="Left us")
    course = b.course(db, admin, "Førstehjelp", validity=12)
    b.complete(db, admin, course, a.ref, "2025-12-10")
    b.complete(db, admin, course, gone.ref, "2025-12-10")
    expected = {
        date(2026, 9, 10): None,  # 91 days before
        date(2026, 9, 11): 90,
        date(2026, 11, 10): 30,
        date(2026, 12, 3): 7,
        date(2026, 12, 10): 7,  # the expiry day: expired
    }
    for today, bucket in expected.items():
        rows = course_credentials.expiring_credentials(db, admin, today)
        assert [r.reminder for r in rows] == ([] if bucket is None else [bucket]), today
    (last,) = course_credentials.expiring_credentials(db, admin, date(2026, 12, 10))
    assert (last.person_ref, last.expires_on, last.expired, last.days_left) == (a.ref, date(2026, 12, 10), True, 0)
    # A newer completion replaces the old credential.
    b.complete(db, admin, course, a.ref, "2026-11-20")
    assert course_credentials.expiring_credentials(db, admin, date(2026, 12, 10)) == []


def test_refresher_renews_the_supervisor_credential(db, admin, two_clients):
    sup = b.supervisor(db, admin, "K-0001", since="2024-01-01")
    basic = b.course(db, admin, "Arbeidslederkurs", kind="supervisor_basic", validity=24)
    refresher = b.course(db, admin, "Oppfriskning", kind="supervisor_refresher", validity=24)
    b.complete(db, admin, basic, sup.ref, "2024-03-01")
    (row,) = course_credentials.expiring_credentials(db, admin, date(2026, 2, 1))
    assert (row.course, row.expires_on, row.reminder) == ("Arbeidslederkurs", date(2026, 3, 1), 30)
    b.complete(db, admin, refresher, sup.ref, "2026-02-15")
    assert course_credentials.expiring_credentials(db, admin, date(2026, 2, 20)) == []


def test_required_training_and_what_is_missing(db, admin, two_clients):
    a = b.staff(db, admin, "K-0001")
    lifting = b.course(db, admin, "Løfteteknikk", validity=12)
    course_credentials.set_required_training(db, admin, "K-0001", "løfteteknikk")
    course_credentials.set_required_training(db, admin, "K-0001", lifting.id)  # idempotent
    assert [(r.client_ref, r.course) for r in course_credentials.required_trainings(db, admin)] == [
        ("K-0001", "Løfteteknikk")
    ]
    with db.read() as s:
        assert course_credentials.missing_trainings(s, a.id, date(2026, 3, 1)) == {two_clients[0].id: ("Løfteteknikk",)}
    b.complete(db, admin, lifting, a.ref, "2026-02-01")
    with db.read() as s:
        assert course_credentials.missing_trainings(s, a.id, date(2026, 3, 1)) == {}
        assert course_credentials.missing_trainings(s, a.id, date(2027, 2, 1)) == {two_clients[0].id: ("Løfteteknikk",)}
    course_credentials.set_required_training(db, admin, "K-0001", lifting.id, required=False)
    assert course_credentials.required_trainings(db, admin) == []
