"""The reports' numbers on a fixed dataset (course_builders.fixed_dataset), on both engines."""

from __future__ import annotations

from datetime import date

import course_builders as b

from bpa_provider.services import course_report, courses, onboarding, reviews

TODAY = date(2026, 6, 15)


def test_reports_on_the_fixed_dataset(db, admin):
    b.fixed_dataset(db, admin)

    schedule = [
        (r.assistant_ref, r.client_ref, r.last_held, r.next_due, r.status)
        for r in reviews.due_reviews(db, admin, TODAY, include_all=True)
    ]
    assert schedule == [
        ("A-0002", "K-0001", None, date(2026, 6, 1), "overdue"),
        ("A-0003", "K-0002", None, date(2026, 7, 1), "due"),
        ("A-0004", "K-0001", None, date(2026, 9, 1), "scheduled"),
        ("A-0004", "K-0002", None, date(2026, 9, 1), "scheduled"),
        ("A-0001", "K-0001", date(2026, 1, 20), date(2027, 1, 20), "done"),
    ]
    assert [r.assistant_ref for r in reviews.due_reviews(db, admin, TODAY, 10)] == ["A-0002"]

    status = [
        (o.supervisor_ref, o.client_ref, o.status, o.next_step, o.next_deadline, o.overdue_days, o.steps_done)
        for o in onboarding.onboarding_overview(db, admin, TODAY)
    ]
    assert status == [
        ("S-0001", "K-0001", "overdue", "first_rota", date(2026, 1, 15), 151, 1),
        ("S-0002", "K-0002", "not_started", "first_rota", date(2026, 6, 15), 0, 0),
    ]

    report = course_report.training_report(db, admin, 2026)
    assert [
        (
            c.client_ref,
            c.supervisors_trained,
            c.assistants_trained,
            c.supervisor_hours,
            c.assistant_hours,
            c.completions,
        )
        for c in report.clients
    ] == [
        ("K-0001", 1, 2, 12.0, 10.0, 3),
        ("K-0002", 0, 2, 0.0, 10.0, 2),
    ]
    assert [
        (r.client_ref, r.person_ref, r.course, r.completed_on, r.hours, r.certificate_ref) for r in report.rows
    ] == [
        ("K-0001", "S-0001", "Arbeidslederkurs", date(2026, 2, 10), 12.0, "AL-1"),
        ("K-0001", "A-0001", "Førstehjelp", date(2026, 3, 5), 6.0, ""),
        ("K-0001", "A-0004", "Løfteteknikk", date(2026, 4, 1), 4.0, ""),
        ("K-0002", "A-0003", "Førstehjelp", date(2026, 3, 5), 6.0, ""),
        ("K-0002", "A-0004", "Løfteteknikk", date(2026, 4, 1), 4.0, ""),
    ]
    assert course_report.training_report(db, admin, 2025).clients[0].completions == 1


def test_training_from_a_previous_provider_is_not_claimed(db, admin):
    b.fixed_dataset(db, admin)
    before = course_report.training_report(db, admin, 2026).clients[0].completions
    with db.read() as s:
        first_aid = courses.find_course(s, "Førstehjelp")
    b.complete(db, admin, first_aid, "A-0001", "2026-05-05", client="K-0001", cert="handover: Aleris")
    assert course_report.training_report(db, admin, 2026).clients[0].completions == before
