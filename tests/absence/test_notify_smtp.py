"""Notices end to end: an absence, offers, a fill and a change are told through the outbox and
arrive at a real SMTP server (aiosmtpd, STARTTLS and AUTH), read back with the `email` package
and `icalendar` - an independent parser - in the recipient's language, with one stable UID per
shift and increasing SEQUENCEs; a second run sends nothing; a dead server is retried later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from absence_world import WEEK, world
from smtp_sink import calendar_of as _calendar
from smtp_sink import free_port as _free_port

from bpa_provider.db.models import OutboxMessage
from bpa_provider.services import absence, notify, records, roster, vacancy


def _supervisor(db, admin, client_ref: str):  # noqa: ANN001
    return records.create(
        db,
        admin,
        "supervisor",
        {
            "name": "Eva Leder",
            "email": "eva@example.org",
            "email_consent": "yes",
            "language": "sv",
            "client_id": client_ref,
            "relation": "parent",
            "since": "2026-01-01",
        },
    )


def test_the_whole_story_arrives_by_mail(db, admin, smtp_server):
    sink, url = smtp_server
    w = world(db, admin)
    _supervisor(db, admin, w["client"].ref)
    absence.add_absence(db, admin, w["sick"].ref, "sick-note", WEEK[0], WEEK[0])
    (row,) = vacancy.list_vacant(db, admin, WEEK[0], WEEK[0])
    assert vacancy.offer(db, admin, row.id, w["known"].ref) is True
    assert vacancy.offer(db, admin, row.id, w["known"].ref) is False  # told once
    assert vacancy.offer(db, admin, row.id, w["new"].ref) is True
    assert vacancy.offer(db, admin, row.id, w["nocert"].ref) is True  # no consent: skipped at send
    roster.reassign_shift(db, admin, row.id, None, w["known"].id)
    roster.update_shift(db, admin, row.id, None, start=f"{WEEK[0].isoformat()} 09:00", end="16:00")

    report = notify.send_due(db, admin, url, "planning@provider.example")
    assert (report.sent, report.skipped, report.failed) == (6, 2, 0)  # Ola: offer and its cancellation
    by_to: dict[str, list] = {}
    for msg in sink.messages:
        by_to.setdefault(msg["To"], []).append(msg)
    # The supervisor chose Swedish; no health detail ("sick-note") reaches them.
    (sup,) = by_to["eva@example.org"]
    assert "är borta" in sup["Subject"] or "vakanta" in sup["Subject"]
    assert "sick" not in sup.get_body(("plain",)).get_content().lower()
    # Kjell: offer (REQUEST, tentative), confirmation, change - one UID, SEQUENCE rising.
    kjell = by_to["known@example.org"]
    calendars = [_calendar(m) for m in kjell]
    assert [method for _, method in calendars] == ["REQUEST", "REQUEST", "REQUEST"]
    events = [next(iter(c.walk("VEVENT"))) for c, _ in calendars]
    assert len({str(e["UID"]) for e in events}) == 1
    sequences = [int(e["SEQUENCE"]) for e in events]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert [str(e["STATUS"]) for e in events] == ["TENTATIVE", "CONFIRMED", "CONFIRMED"]
    assert events[-1]["DTSTART"].dt == datetime(2027, 1, 11, 8, 0, tzinfo=UTC)  # 09:00 in Oslo
    assert "Kan du ta en vakt" in kjell[0]["Subject"]  # Norwegian client: Norwegian words
    # Nina was offered it too: her offer is cancelled with the same UID.
    nina = by_to["new@example.org"]
    (cal, method) = _calendar(nina[-1])
    assert method == "CANCEL" and str(next(iter(cal.walk("VEVENT")))["UID"]) == str(events[0]["UID"])
    # Idempotent: nothing is due any more.
    assert notify.send_due(db, admin, url, "planning@provider.example").sent == 0
    assert {r.status for r in notify.list_outbox(db, admin)} == {"sent", "skipped"}


def test_a_dead_server_is_retried_with_back_off(db, admin):
    w = world(db, admin)
    absence.add_absence(db, admin, w["sick"].ref, "holiday", WEEK[0], WEEK[0])
    (row,) = vacancy.list_vacant(db, admin, WEEK[0], WEEK[0])
    vacancy.offer(db, admin, row.id, w["known"].ref)
    now = datetime.now(UTC) + timedelta(seconds=5)
    report = notify.send_due(db, admin, f"smtp://127.0.0.1:{_free_port()}", "x@example.org", now=now, timeout=2)
    assert (report.sent, report.retried) == (0, 1)
    with db.read() as s:
        msg = s.query(OutboxMessage).filter(OutboxMessage.kind == "shift_offered").one()
        assert msg.status == "pending" and msg.attempts == 1
        assert msg.next_attempt_utc == now + timedelta(minutes=1)
    # Not due again before its time.
    assert notify.send_due(db, admin, "smtp://127.0.0.1:1", "x@example.org", now=now).retried == 0


def test_unapproved_hours_are_reminded_once_before_payroll_day(db, admin):
    from datetime import date

    w = world(db, admin)
    _supervisor(db, admin, w["client"].ref)
    # December 2026 has Kjell's shift and no approval: from 2 January (payroll day 5, 3 days before).
    assert notify.remind(db, admin, date(2027, 1, 1), 5, 3) == 0
    assert notify.remind(db, admin, date(2027, 1, 2), 5, 3) == 1
    assert notify.remind(db, admin, date(2027, 1, 3), 5, 3) == 0  # told once
    (row,) = [r for r in notify.list_outbox(db, admin) if r.kind == "approval_due"]
    assert row.status == "pending"
