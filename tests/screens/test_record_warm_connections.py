"""The record screens' warm-up runs on the connections a record's opening will use (issue 19,
docs/performance.md "Session 13 — pgfirst"): on PostgreSQL a server backend pays its own first use
of a record's tables, and an opening asks for its header and its parts in two threads at once, so
the warm-up runs the header's and the parts' reads on each of the two connections the pool hands
out first — and the pool hands out the connection used last (LIFO), not the one the dashboard left
longest ago. The warm-up still reads no record's header, logs no view and writes nothing."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select, text

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import AuditEvent
from bpa_provider.screens import record_prep
from bpa_provider.services import details, records

BUILDER = Actor(login="coord", role="coordinator")
#: A client's parts (screens/client_detail.py `part_calls`), asked in the parts' thread of an opening.
PARTS = (details.client_records, details.client_hours, details.client_continuity)


def _backend(db: Database) -> int:
    with db.read() as s:
        return int(s.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _at_once(db: Database, n: int) -> set[int]:
    """The backends `n` threads get when they ask for a connection at the same moment (as a
    record's header and parts do, or the dashboard's workers)."""
    held = threading.Barrier(n)
    seen: set[int] = set()

    def one() -> None:
        with db.read() as s:
            seen.add(int(s.execute(text("SELECT pg_backend_pid()")).scalar_one()))
            held.wait(timeout=10)  # all checked out together: each a connection of its own

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return seen


@pytest.mark.pg
def test_an_opening_s_two_connections_are_the_ones_the_warm_up_ran_on_and_it_wrote_nothing(pg_engine):
    db = Database(pg_engine)
    with pg_engine.begin() as c:
        c.execute(text("TRUNCATE client, municipality, audit_event RESTART IDENTITY CASCADE"))
    records.create(db, BUILDER, "municipality", {"name": "Hamar", "country": "no"})
    client_id = records.create(
        db, BUILDER, "client", {"name": "Kari", "municipality_id": "Hamar", "start_date": "2026-01-01"}
    ).id
    _at_once(db, 4)  # the dashboard's workers left connections in the pool, used before the warm-up

    warmed: list[int] = []
    calls = [
        lambda: details.warm_header(db, "client"),
        *(lambda fn=fn: fn(db, BUILDER, client_id, date(2026, 6, 1)) for fn in PARTS),
        lambda: warmed.append(_backend(db)),
    ]
    with db.read() as s:
        rows_before = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    record_prep.warm_on(db, calls, record_prep.RECORD_CONNECTIONS)

    # The header's worker and the parts' thread of an opening (screens/detail_base.py): two at once.
    assert len(set(warmed)) == 2  # each call ran on two backends
    assert _at_once(db, 2) == set(warmed)  # the two an opening's threads are then handed
    assert _backend(db) in warmed  # and a call alone (a supervisor's header, then its parts)
    with db.read() as s:  # no view logged, nothing written
        assert s.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == rows_before
