"""`notify.list_outbox` rows carry when a message was sent and the zone its times read in: the
shift's client's for a shift message, the supervisor's client's for theirs, else the providers'
default (what the Outbox screen shows; docs/absence.md), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from absence_world import WEEK, world

from bpa_provider.db.models import Client, Municipality, OutboxMessage
from bpa_provider.services import absence, notify, records, vacancy


def test_rows_carry_the_sent_time_and_the_clients_zone(db, admin):
    w = world(db, admin)
    records.create(
        db,
        admin,
        "supervisor",
        {"name": "Eva Leder", "client_id": w["client"].ref, "relation": "parent", "since": "2026-01-01"},
    )
    with db.write() as s:  # the client on another clock: what a supervisor's message reads in
        s.get(Municipality, s.get(Client, w["client"].id).municipality_id).timezone = "Europe/Stockholm"
    absence.add_absence(db, admin, w["sick"].ref, "holiday", WEEK[0], WEEK[0])
    (row,) = vacancy.list_vacant(db, admin, WEEK[0], WEEK[0])
    assert row.tz == "Europe/Stockholm"
    assert vacancy.offer(db, admin, row.id, w["known"].ref)
    sent = datetime(2027, 1, 8, 12, 30, tzinfo=UTC)
    with db.write() as s:
        offered = s.query(OutboxMessage).filter(OutboxMessage.kind == "shift_offered").one()
        offered.status, offered.sent_at = "sent", sent
        orphan = OutboxMessage(
            dedupe_key="test:nobody", kind="absence", recipient_kind="assistant", recipient_id=w["new"].id
        )
        s.add(orphan)
    rows = {r.kind + ":" + r.recipient: r for r in notify.list_outbox(db, admin)}
    offer = rows[f"shift_offered:{w['known'].ref}"]
    assert (offer.sent_at, offer.tz) == (sent, "Europe/Stockholm")
    told = next(r for k, r in rows.items() if k.startswith("absence:") and r.recipient != w["new"].ref)
    assert (told.sent_at, told.tz) == (None, "Europe/Stockholm")  # the supervisor's client
    assert rows[f"absence:{w['new'].ref}"].tz == notify.DEFAULT_TZ
