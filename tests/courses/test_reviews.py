"""Annual reviews: due dates at the edges, recording with actions, who may read the private summary,
and the access-log row written for every reading."""

from __future__ import annotations

from datetime import date

import course_builders as b
import pytest

from bpa_provider.db.models import AuditEvent, CourseEnrollment
from bpa_provider.errors import PermissionDenied, ValidationError
from bpa_provider.services import course_enrollment, courses, reviews
from bpa_provider.services.reviews import ActionInput


def _status(db, actor, today: date, **kw) -> list[tuple[str, str, date, str]]:
    return [
        (r.assistant_ref, r.client_ref, r.next_due, r.status)
        for r in reviews.due_reviews(db, actor, today, include_all=True, **kw)
    ]


def test_first_review_six_months_after_start_and_the_deadline_day_is_due(db, admin, two_clients):
    a = b.staff(db, admin, "K-0001", start="2026-01-15")
    assert _status(db, admin, date(2026, 6, 14)) == [(a.ref, "K-0001", date(2026, 7, 15), "scheduled")]
    assert reviews.due_reviews(db, admin, date(2026, 6, 14)) == []
    assert [r.status for r in reviews.due_reviews(db, admin, date(2026, 6, 15))] == ["due"]  # 30 days before
    assert [r.status for r in reviews.due_reviews(db, admin, date(2026, 7, 15))] == ["due"]  # the day itself
    (late,) = reviews.due_reviews(db, admin, date(2026, 7, 16))
    assert (late.status, late.last_held, late.assistant_name) == ("overdue", None, "Per Hansen")
    assert [r.status for r in reviews.due_reviews(db, admin, date(2026, 6, 24), within_days=21)] == ["due"]
    assert reviews.due_reviews(db, admin, date(2026, 6, 23), within_days=21) == []


def test_review_held_on_29_february_is_next_due_28_february(db, admin, two_clients):
    a = b.staff(db, admin, "K-0001", start="2023-06-01")
    reviews.record_review(db, admin, a.ref, "K-0001", "29.02.2024")
    assert _status(db, admin, date(2024, 3, 1)) == [(a.ref, "K-0001", date(2025, 2, 28), "done")]
    assert _status(db, admin, date(2025, 1, 2)) == [(a.ref, "K-0001", date(2025, 2, 28), "scheduled")]
    assert _status(db, admin, date(2025, 2, 28))[0][3] == "due"
    assert _status(db, admin, date(2025, 3, 1))[0][3] == "overdue"


def test_ended_assignment_or_employment_cancels_the_review(db, admin, two_clients):
    b.staff(db, admin, "K-0001", start="2026-01-01", end="2026-06-30")  # due 1 July: after the end
    b.staff(db, admin, "K-0001", start="2026-01-01", employment_end="2026-06-30", name="Quits")
    kept = b.staff(db, admin, "K-0002", start="2026-01-01", end="2026-07-01", name="Last day")
    assert _status(db, admin, date(2026, 6, 1)) == [(kept.ref, "K-0002", date(2026, 7, 1), "due")]
    assert _status(db, admin, date(2026, 7, 2)) == []  # everything has ended


def test_record_review_with_actions_enrolls_and_keeps_the_summary_out_of_the_log(db, admin, coordinator, two_clients):
    a = b.staff(db, admin, "K-0001", start="2025-01-10")
    b.course(db, admin, "Førstehjelp")
    view = reviews.record_review(
        db,
        coordinator,
        a.ref,
        "K-0001",
        "2026-03-01",
        participants="Per, Siri",
        summary="Trives godt; ryggplager.",
        actions=[
            ActionInput("Førstehjelpskurs", "koordinator", "2026-06-01", "Førstehjelp"),
            ActionInput("Ny turnus", "Siri", "2026-04-01"),
        ],
    )
    assert view.summary == "Trives godt; ryggplager." and len(view.actions) == 2
    with db.read() as s:
        (enr,) = s.query(CourseEnrollment).all()
    assert (enr.assistant_id, enr.session_id, enr.status, enr.client_id) == (a.id, None, "enrolled", two_clients[0].id)
    (logged,) = b.audit_rows(db, entity="review")
    assert "ryggplager" not in (logged.after or "") and "private" in logged.after

    acts = reviews.open_actions(db, admin, date(2026, 4, 10))
    assert [(x.text, x.overdue, x.days_left) for x in acts] == [
        ("Ny turnus", True, -9),
        ("Førstehjelpskurs", False, 52),
    ]
    # Giving the waiting enrollment a date and completing it closes the action.
    cs = courses.create_session(db, admin, "Førstehjelp", {"starts_on": "2026-05-05"})
    course_enrollment.enroll(db, admin, cs.id, [a.ref])
    assert b.count(db, CourseEnrollment) == 1
    course_enrollment.record_session_outcomes(db, admin, cs.id, [a.ref], "completed", "2026-05-05")
    reviews.complete_action(db, admin, acts[0].id, "2026-04-11")
    assert reviews.open_actions(db, admin, date(2026, 5, 6)) == []


def test_review_input_is_checked(db, admin, two_clients):
    a = b.staff(db, admin, "K-0001", start="2026-01-10")
    with pytest.raises(ValidationError) as exc:
        reviews.record_review(db, admin, a.ref, "K-0002", "2026-03-01")
    assert exc.value.for_field("client") == f"{a.ref} has never worked for K-0002"
    with pytest.raises(ValidationError) as exc:
        reviews.record_review(
            db, admin, a.ref, "K-0001", "2099-01-01", actions=[ActionInput("", due_date="31.02.2026", course="Nope")]
        )
    fields = {e.field for e in exc.value.errors}
    assert fields == {"held_on", "actions[1].text", "actions[1].due_date", "actions[1].course"}
    with pytest.raises(ValidationError):
        reviews.record_review(
            db, admin, a.ref, "K-0001", "2026-03-01", actions=[ActionInput("x", due_date="2026-02-01")]
        )  # due before held


def test_summary_visibility_and_an_access_log_row_per_view(db, admin, coordinator, auditor, two_clients):
    own = b.supervisor(db, admin, "K-0001", since="2025-01-01")
    other = b.supervisor(db, admin, "K-0002", since="2025-01-01", name="Other")
    a = b.staff(db, admin, "K-0001", start="2025-01-10")
    rid = reviews.record_review(db, admin, a.ref, "K-0001", "2026-03-01", summary="Privat.").id

    def views() -> list[AuditEvent]:
        return b.audit_rows(db, action="view", entity="review_notes")

    assert reviews.get_review(db, coordinator, rid, with_notes=True).summary == "Privat."
    assert reviews.review_notes(db, coordinator, rid) == "Privat."
    assert reviews.get_review(db, b.sup_actor(own), rid, with_notes=True).summary == "Privat."
    rows = views()
    assert [(r.actor, r.entity_id, r.subject) for r in rows] == [
        ("coord", rid, a.ref),
        ("coord", rid, a.ref),
        ("siri", rid, a.ref),
    ]

    seen = reviews.get_review(db, auditor, rid, with_notes=True)
    assert (seen.summary, seen.has_summary, seen.assistant_ref) == (None, True, a.ref)
    assert reviews.get_review(db, coordinator, rid).summary is None  # not asked for: nothing logged
    with pytest.raises(PermissionDenied):
        reviews.review_notes(db, auditor, rid)
    with pytest.raises(PermissionDenied):
        reviews.get_review(db, b.sup_actor(other, "olav"), rid, with_notes=True)
    with pytest.raises(PermissionDenied):
        reviews.review_notes(db, b.sup_actor(other, "olav"), rid)
    assert len(views()) == 3
    refused = b.audit_rows(db, action="refused")
    assert {r.actor for r in refused} == {"audit", "olav"}
    # The other supervisor does not even see the pair in the schedule.
    assert reviews.due_reviews(db, b.sup_actor(other, "olav"), date(2026, 3, 2), include_all=True) == []
