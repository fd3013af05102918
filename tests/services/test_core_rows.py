"""`core_rows.rows` gives what `Session.execute` gives for a query of columns (the same rows, the
same types), sees what the session holds unflushed as `Session.execute` does — on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import factories as f
from sqlalchemy import func, select

from bpa_provider.db.models import Client, Decision, Shift
from bpa_provider.services import core_rows


def test_the_same_rows_as_session_execute_and_unflushed_changes_seen(db, admin):
    f.municipality(db, admin, "Hamar")
    client = f.client(db, admin, "Hamar")
    f.decision(db, admin, client.ref, 12.5, valid_from="2026-01-01", valid_to="2026-06-30")
    a = f.assistant(db, admin)
    q = select(Decision.client_id, Decision.hours, Decision.valid_from, Decision.valid_to, Client.ref).join(Client)
    with db.read() as s:
        want = s.execute(q).all()
        got = core_rows.rows(s, q).all()
    assert got == want and [tuple(map(type, r)) for r in got] == [tuple(map(type, r)) for r in want]
    count = select(func.count()).select_from(Shift)
    with db.write() as s:
        start = datetime(2026, 3, 1, 8, tzinfo=UTC)
        s.add(Shift(client_id=client.id, assistant_id=a.id, start_utc=start, end_utc=start.replace(hour=12)))
        assert core_rows.rows(s, count).scalar_one() == 1 == s.execute(count).scalar_one()
