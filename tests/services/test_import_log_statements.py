"""The access-log rows of an import go to SQLite many to an INSERT (`RowShape.run_in_statements`,
from `audit.append_entries`) instead of one executemany: the same rows, the same order, the same
ids and hash chain, whatever the number of rows per statement, and the append-only guards still
refuse a replaced row afterwards. Their hashes may be made before the write transaction
(`audit.chain_entries`): the same rows when the log and the ids are still as expected, made again
when not."""

from __future__ import annotations

from datetime import UTC, datetime

import factories as f
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from bpa_provider import audit
from bpa_provider.db import engine
from bpa_provider.db.engine import RowShape
from bpa_provider.db.models import AuditEvent

SUBJECTS = ["K-0001", 'quote " and \\', "Ærlig øl", "emoji 🙂", "ctrl \x01\x7f", ""]
COLUMNS = [c.name for c in AuditEvent.__table__.columns]


def _entries(n: int) -> audit.PreparedEntries:
    from bpa_provider.access import Actor

    actor = Actor("bench", "admin", connection="ssh 10.0.0.1")
    return audit.prepare_entries(
        actor,
        "create",
        "shift",
        [(SUBJECTS[i % len(SUBJECTS)], f"imported: row {i} " + "x" * (i % 7)) for i in range(n)],
    )


def _written(db, prepared: audit.PreparedEntries, ids: list[int | None], **kw) -> list[tuple]:
    """The log rows `append_entries` writes, read back, then rolled back (nothing stays)."""
    with db.write() as s:
        before = s.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)).scalar() or 0
        assert audit.append_entries(s, prepared, ids, **kw) == len(ids)
        rows = s.execute(text(f"SELECT {', '.join(COLUMNS)} FROM audit_event WHERE id > :b ORDER BY id"), {"b": before})
        out = [tuple(r) for r in rows]
        s.rollback()
    return out


@pytest.mark.parametrize("n, per_statement", [(1, 500), (23, 5), (23, 1), (1200, None)])
def test_many_rows_to_a_statement_write_what_one_executemany_writes(sqlite_db, admin, monkeypatch, n, per_statement):
    f.municipality(sqlite_db, admin)  # a row before: the batch chains to it
    monkeypatch.setattr(audit, "utcnow", lambda: datetime(2026, 12, 7, 9, 0, 0, tzinfo=UTC))  # the same `at` both times
    if per_statement is not None:
        monkeypatch.setattr(engine, "ROWS_PER_STATEMENT", per_statement)
    prepared = _entries(n)
    ids: list[int | None] = [None if i % 5 == 0 else 1000 + i for i in range(n)]
    batched = _written(sqlite_db, prepared, ids)

    def one_executemany(self, connection, params, rows=None):  # the code before: `run`
        self.run(connection, params)

    monkeypatch.setattr(RowShape, "run_in_statements", one_executemany)
    plain = _written(sqlite_db, prepared, ids)
    assert len(batched) == n
    assert batched == plain  # every column: ids, subjects, summaries, prev_hash, hash
    # The chain holds: each row's hash is the formula's over the one before.
    with sqlite_db.read() as s:
        prev = s.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    at = COLUMNS.index("prev_hash"), COLUMNS.index("hash")
    assert batched[0][at[0]] == prev
    assert all(a[at[1]] == b[at[0]] for a, b in zip(batched, batched[1:]))


def test_the_guards_still_refuse_a_replaced_row_after_a_batched_append(sqlite_db, admin):
    f.municipality(sqlite_db, admin)
    with sqlite_db.write() as s:
        audit.append_entries(s, _entries(40), list(range(1, 41)))
    with sqlite_db.read() as s:
        assert audit.verify_chain(s).ok
        last = s.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    with pytest.raises(DBAPIError, match="append-only"):
        with sqlite_db.write() as s:
            s.execute(
                text(
                    "INSERT OR REPLACE INTO audit_event (id, at, actor, role, action, entity, subject, summary,"
                    " connection, prev_hash, hash) SELECT id, at, actor, role, action, entity, subject, 'forged',"
                    " connection, prev_hash, hash FROM audit_event WHERE id = :id"
                ),
                {"id": last},
            )


def test_a_statement_never_has_more_parameters_than_sqlite_allows(sqlite_db, admin, monkeypatch):
    """SQLite before 3.32 allows 999 parameters a statement (300 rows of the log are several
    thousand): the rows per statement follow the connection's limit, else "too many SQL variables"."""
    import sqlite3

    f.municipality(sqlite_db, admin)
    monkeypatch.setattr(engine, "ROWS_PER_STATEMENT", 10_000)
    with sqlite_db.write() as s:
        dbapi = s.connection().connection.dbapi_connection
        old = dbapi.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        try:
            assert audit.append_entries(s, _entries(300), list(range(300))) == 300
        finally:
            dbapi.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, old)
    with sqlite_db.read() as s:
        assert audit.verify_chain(s).ok
        assert s.execute(select(AuditEvent.id).where(AuditEvent.entity == "shift")).all().__len__() == 300


# --------------------------------------------------------------------------- hashes made before the lock


def _chained_for(db, prepared: audit.PreparedEntries, ids: list[int | None]) -> audit.ChainedEntries:
    with db.read() as s:
        return audit.chain_entries(prepared, audit.last_hash(s), ids)


def test_hashes_made_before_the_write_are_the_ones_made_in_it(sqlite_db, admin, monkeypatch):
    f.municipality(sqlite_db, admin)
    monkeypatch.setattr(audit, "utcnow", lambda: datetime(2026, 12, 7, 9, 0, 0, tzinfo=UTC))
    prepared = _entries(57)
    ids: list[int | None] = [None if i % 5 == 0 else 7 + i for i in range(57)]
    chained = _chained_for(sqlite_db, prepared, ids)
    made_here = _written(sqlite_db, prepared, ids)
    used = []
    monkeypatch.setattr(audit, "_digests", lambda *a: used.append(a) or iter(()))  # must not be called
    assert _written(sqlite_db, prepared, ids, chained=chained) == made_here
    assert not used


@pytest.mark.parametrize("change", ["logged", "ids"])
def test_hashes_made_before_are_made_again_when_the_log_or_the_ids_moved_on(sqlite_db, admin, change):
    f.municipality(sqlite_db, admin)
    prepared = _entries(30)
    ids: list[int | None] = list(range(100, 130))
    chained = _chained_for(sqlite_db, prepared, ids)
    if change == "logged":
        f.client(sqlite_db, admin)  # someone else's change, logged after the hashes were made
    else:
        ids = list(range(101, 131))
    with sqlite_db.write() as s:
        audit.append_entries(s, prepared, ids, chained=chained)
    with sqlite_db.read() as s:
        assert audit.verify_chain(s).ok
        got = s.execute(select(AuditEvent.entity_id, AuditEvent.hash).where(AuditEvent.entity == "shift")).all()
    assert [e for e, _h in got] == ids
    assert [h for _e, h in got] != chained.digests


@pytest.mark.parametrize("per_statement", [5, 1])
def test_record_entries_write_what_one_executemany_writes(sqlite_db, admin, monkeypatch, per_statement):
    """`audit.record_entries` (a bulk action's log rows, snapshots included) goes the same way."""
    f.municipality(sqlite_db, admin)
    monkeypatch.setattr(audit, "utcnow", lambda: datetime(2026, 12, 7, 9, 0, 0, tzinfo=UTC))
    monkeypatch.setattr(audit.secrets, "token_hex", lambda n: "ab" * n)  # the same salt both times
    monkeypatch.setattr(engine, "ROWS_PER_STATEMENT", per_statement)
    entries = [
        audit.Entry(i, subject=SUBJECTS[i % len(SUBJECTS)], summary=f"locked {i}", after={"n": i} if i % 3 else None)
        for i in range(23)
    ]

    def written() -> list[tuple]:
        with sqlite_db.write() as s:
            before = s.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)).scalar() or 0
            assert audit.record_entries(s, admin, "lock", "period_approval", entries) == 23
            rows = s.execute(
                text(f"SELECT {', '.join(COLUMNS)} FROM audit_event WHERE id > :b ORDER BY id"), {"b": before}
            )
            out = [tuple(r) for r in rows]
            s.rollback()
        return out

    batched = written()
    monkeypatch.setattr(
        RowShape, "run_in_statements", lambda self, connection, params, rows=None: self.run(connection, params)
    )
    assert len(batched) == 23 and batched == written()


def test_appended_rows_are_those_of_one_executemany_on_either_database(db, admin, monkeypatch):
    """SQLite: many rows to a statement; PostgreSQL: one COPY. Every column but the id (a
    sequence does not roll back) as the plain executemany writes it, and the log verifies."""
    f.municipality(db, admin)
    monkeypatch.setattr(audit, "utcnow", lambda: datetime(2026, 12, 7, 9, 0, 0, tzinfo=UTC))
    prepared = _entries(120)
    ids: list[int | None] = [None if i % 7 == 0 else 50 + i for i in range(120)]
    but_id = [i for i, c in enumerate(COLUMNS) if c != "id"]
    fast = [[r[i] for i in but_id] for r in _written(db, prepared, ids)]
    with monkeypatch.context() as m:
        m.setattr(
            RowShape, "run_in_statements", lambda self, connection, params, rows=None: self.run(connection, params)
        )
        m.setattr(
            RowShape,
            "copy",  # the same values as one executemany (`iter_params` makes these of them)
            lambda self, connection, table, rows: self.run(
                connection, [tuple(v) if self.positional else dict(zip(self.order, v)) for v in rows]
            ),
        )
        plain = [[r[i] for i in but_id] for r in _written(db, prepared, ids)]
    assert len(fast) == 120 and fast == plain
    with db.write() as s:
        audit.append_entries(s, prepared, ids)
    with db.read() as s:
        assert audit.verify_chain(s).ok
