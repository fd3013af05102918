"""The dashboard's absence sections at service level, on SQLite and PostgreSQL: vacant shifts in
the next 14 days earliest first (each a row opening the client's roster week), and notices that
failed or are being retried, oldest first with the server's answer on one line."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime, timedelta

from absence_world import WEEK, world

from bpa_provider.db.models import OutboxMessage
from bpa_provider.services import absence, dashboard, notify, vacancy
from bpa_provider.services.sections import NOTICES_UNDELIVERED, VACANT_SHIFTS, visible_sections


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_vacant_shifts_of_the_next_14_days_are_listed_earliest_first(db, admin):
    w = world(db, admin)
    absence.add_absence(db, admin, w["sick"].ref, "sick-note", WEEK[0], WEEK[-1])
    today = WEEK[0] - timedelta(days=11)  # Thursday 31 December: 14 days reach Wednesday 13 January
    section = dashboard.gather_section(db, admin, today, VACANT_SHIFTS)
    assert section.available
    assert [i.when for i in section.items] == [WEEK[0], WEEK[1], WEEK[2]]
    first = section.items[0]
    assert (first.kind, first.record_id, first.ref, first.flag, first.opens) == (
        "client",
        w["client"].id,
        w["client"].ref,
        "vacant",
        "roster",
    )
    assert first.detail == f"08:00–15:30, was {w['sick'].ref}'s" and "\n" not in first.detail
    # Filled, it is no longer listed.
    vacancy_id = vacancy.list_vacant(db, admin, WEEK[0], WEEK[0])[0].id
    from bpa_provider.services import roster

    roster.reassign_shift(db, admin, vacancy_id, None, w["known"].id)
    assert [i.when for i in dashboard.gather_section(db, admin, today, VACANT_SHIFTS).items] == [WEEK[1], WEEK[2]]


def test_a_shift_created_vacant_reads_new_on_the_dashboard(db, admin):
    w = world(db, admin)
    vacancy.create_vacant_shift(db, admin, w["client"].id, f"{WEEK[1]} 18:00", "22:00")
    (item,) = dashboard.gather_section(db, admin, WEEK[0], VACANT_SHIFTS).items
    assert item.detail == "18:00–22:00, new vacant shift"


def test_undelivered_notices_are_counted_oldest_first_with_the_reason(db, admin):
    w = world(db, admin)
    absence.add_absence(db, admin, w["sick"].ref, "holiday", WEEK[0], WEEK[1])
    rows = vacancy.list_vacant(db, admin, WEEK[0], WEEK[1])
    for row in rows:
        vacancy.offer(db, admin, row.id, w["known"].ref)
    assert dashboard.gather_section(db, admin, date(2027, 1, 1), NOTICES_UNDELIVERED).items == ()
    now = datetime.now(UTC) + timedelta(seconds=5)
    report = notify.send_due(db, admin, f"smtp://127.0.0.1:{_dead_port()}", "x@example.org", now=now, timeout=2)
    assert report.retried == 2
    with db.write() as s:  # the first offer gave up after its last attempt
        first = s.query(OutboxMessage).filter(OutboxMessage.kind == "shift_offered").order_by(OutboxMessage.id).first()
        first.status, first.last_error = "failed", "451 try\nlater"
    section = dashboard.gather_section(db, admin, date(2027, 1, 1), NOTICES_UNDELIVERED)
    assert [(i.kind, i.ref, i.flag) for i in section.items] == [
        ("assistant", w["known"].ref, "failed"),
        ("assistant", w["known"].ref, "retrying"),
    ]
    assert section.items[0].detail == "shift offered, 1 attempts: 451 try later"
    assert section.items[0].when <= section.items[1].when


def test_who_sees_the_sections(admin, coordinator, auditor):
    assert {VACANT_SHIFTS, NOTICES_UNDELIVERED} <= set(visible_sections(admin))
    assert NOTICES_UNDELIVERED not in visible_sections(auditor)
