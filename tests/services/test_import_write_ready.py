"""The write half of an import with less under the lock (issue 15, session 9): the access-log
rows' INSERT parameters made before the write transaction with their hashes
(`audit.chain_entries(..., dialect)`, `db.engine.RowShape.statement_params` / `run_flat`), and a
larger SQLite page cache for the write (`import_write.larger_cache`). Every row, every log row and
the chain as the code before writes them."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import factories as f
import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, select, text
from sqlalchemy.dialects import sqlite

from bench import loadkit
from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import RowShape
from bpa_provider.db.models import AuditEvent, Shift
from bpa_provider.db.types import UTCDateTime
from bpa_provider.services import import_write

TABLE = Table(
    "t",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime()),
    Column("flag", Integer),
    Column("data", JSON),
    Column("name", String),
    Column("fixed", String, default="d"),
)
COLUMNS = [c.name for c in AuditEvent.__table__.columns]
FIXED = datetime(2026, 12, 7, 9, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("n, size", [(0, 3), (1, 3), (7, 3), (9, 3), (7, 1), (7, 500)])
def test_statement_params_are_iter_params_laid_end_to_end(n, size):
    """Column-wise, made once: the same values, in the same order, as the rows `iter_params` makes,
    cut into statements of `size` rows — bind processors (a time in another zone, JSON) included."""
    shape = RowShape(sqlite.dialect(), TABLE, {"name": "constant"}, ["at", "flag", "data"])
    oslo = timezone(timedelta(hours=1))
    rows = [(datetime(2026, 1, 1, i % 24, tzinfo=oslo), i % 2 == 0, {"i": i}) for i in range(n)]
    flat = [v for params in shape.iter_params(rows) for v in params]
    statements = shape.statement_params([list(c) for c in zip(*rows)] if rows else [[], [], []], size)
    assert [v for s in statements for v in s] == flat
    width = len(shape.order)
    assert all(len(s) == width * size for s in statements[:-1])
    assert len(statements) == -(-n // size)


def test_statement_params_refuse_columns_of_different_lengths():
    shape = RowShape(sqlite.dialect(), TABLE, {}, ["flag", "name"])
    with pytest.raises(ValueError, match="different lengths"):
        shape.statement_params([[1, 2], ["a"]])


def _entries(n: int) -> audit.PreparedEntries:
    actor = Actor("bench", "admin", connection="ssh 10.0.0.1")
    subjects = ["K-0001", 'quote " and \\', "Ærlig øl", "emoji 🙂", "ctrl \x01\x7f", ""]
    return audit.prepare_entries(
        actor,
        "create",
        "shift",
        [(subjects[i % len(subjects)], f"imported: row {i} " + "ø" * (i % 7)) for i in range(n)],
    )


def _appended(db, prepared, ids, chained) -> list[tuple]:
    """The log rows `append_entries` writes, read back, then rolled back."""
    with db.write() as s:
        before = s.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)).scalar() or 0
        assert audit.append_entries(s, prepared, ids, chained=chained) == len(ids)
        got = s.execute(text(f"SELECT {', '.join(COLUMNS)} FROM audit_event WHERE id > :b ORDER BY id"), {"b": before})
        out = [tuple(r) for r in got]
        s.rollback()
    return out


@pytest.mark.parametrize("n, limit", [(1, None), (1203, None), (1203, 999)])
def test_log_statements_made_before_the_lock_write_what_the_rows_made_in_it_write(
    sqlite_db, admin, monkeypatch, n, limit
):
    """`chain_entries` with the dialect: under the lock only the statements are sent (never the
    rows made there); the same rows, ids and chain as without. With SQLite's old limit of 999
    parameters a statement, a prepared statement too large is sent as rows — still the same."""
    f.municipality(sqlite_db, admin)  # a row before: the batch chains to it
    monkeypatch.setattr(audit, "utcnow", lambda: FIXED)
    prepared = _entries(n)
    ids = list(range(40, 40 + n))
    with sqlite_db.read() as s:
        first = audit.last_hash(s)
    plain = _appended(sqlite_db, prepared, ids, audit.chain_entries(prepared, first, ids))
    ready = audit.chain_entries(prepared, first, ids, sqlite_db.engine.dialect)
    assert ready.statements is not None and ready.digests == [r[COLUMNS.index("hash")] for r in plain]
    made_here = []
    real = RowShape.run_in_statements
    monkeypatch.setattr(RowShape, "run_in_statements", lambda *a, **k: made_here.append(1) or real(*a, **k))
    if limit is None:
        assert _appended(sqlite_db, prepared, ids, ready) == plain
        assert not made_here  # nothing made per row under the lock
    else:
        with sqlite_db.write() as s:
            dbapi = s.connection().connection.dbapi_connection
            old = dbapi.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
            s.rollback()
        try:
            assert _appended(sqlite_db, prepared, ids, ready) == plain
        finally:
            with sqlite_db.write() as s:
                s.connection().connection.dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, old)
                s.rollback()
        assert made_here


def test_log_statements_made_for_a_log_that_moved_on_are_not_used(sqlite_db, admin):
    """Someone logged in between: the hashes and the statements are made again under the lock,
    and the chain verifies."""
    f.municipality(sqlite_db, admin)
    prepared = _entries(30)
    ids = list(range(100, 130))
    with sqlite_db.read() as s:
        ready = audit.chain_entries(prepared, audit.last_hash(s), ids, sqlite_db.engine.dialect)
    f.client(sqlite_db, admin)  # logged after the statements were made
    with sqlite_db.write() as s:
        audit.append_entries(s, prepared, ids, chained=ready)
    with sqlite_db.read() as s:
        assert audit.verify_chain(s).ok
        got = s.execute(select(AuditEvent.hash).where(AuditEvent.entity == "shift").order_by(AuditEvent.id)).scalars()
        assert list(got) != ready.digests


def _imported(db, csv_path) -> tuple[list[tuple], list[tuple]]:
    from bpa_provider.services.importer import import_csv

    import_csv(db, loadkit.ADMIN, "shifts", str(csv_path))
    with db.read() as s:
        shifts = [tuple(r) for r in s.execute(text("SELECT * FROM shift ORDER BY id"))]
        log = [tuple(r) for r in s.execute(text(f"SELECT {', '.join(COLUMNS)} FROM audit_event ORDER BY id"))]
        assert audit.verify_chain(s).ok
    return shifts, log


def test_an_import_writes_the_rows_and_chain_it_wrote_before(sqlite_template, tmp_path, monkeypatch):
    """The whole import on two copies of one company, the clock fixed: with the statements made
    before the lock and the larger cache, and without either (the code before) — every shift row
    and every access-log row byte for byte the same."""
    import shutil

    from bpa_provider.db.engine import Database, make_engine

    base = tmp_path / "base.sqlite3"
    shutil.copy(sqlite_template, base)
    company = Database(make_engine(f"sqlite:///{base}"))
    pairs = loadkit.build_company(company, clients=2)
    company.dispose()
    csv_path = tmp_path / "shifts.csv"
    loadkit.write_shifts_csv(csv_path, pairs, 1500)
    monkeypatch.setattr(audit, "utcnow", lambda: FIXED)
    monkeypatch.setattr(import_write, "utcnow", lambda: FIXED)

    def run(name: str) -> tuple[list[tuple], list[tuple]]:
        path = tmp_path / f"{name}.sqlite3"
        shutil.copy(base, path)
        db = Database(make_engine(f"sqlite:///{path}"))
        try:
            return _imported(db, csv_path)
        finally:
            db.dispose()

    sent = []
    real_flat = RowShape.run_flat
    with monkeypatch.context() as m:
        m.setattr(RowShape, "run_flat", lambda self, c, st: sent.append(len(st)) or real_flat(self, c, st))
        now = run("now")
    assert sent == [3]  # 1,500 log rows in statements of 500, made before the lock
    real_chain = audit.chain_entries
    with monkeypatch.context() as m:
        m.setattr(audit, "chain_entries", lambda p, first, ids, dialect=None: real_chain(p, first, ids))
        m.setattr(import_write, "WRITE_CACHE_KIB", 0)  # never larger than the connection's own
        before = run("before")
    assert len(now[0]) == 1500 and len(now[1]) > 1500
    assert now == before


def test_the_write_runs_with_a_larger_page_cache_then_puts_it_back(sqlite_db, admin, monkeypatch, tmp_path):
    pairs = loadkit.build_company(sqlite_db, clients=1)
    csv_path = tmp_path / "shifts.csv"
    loadkit.write_shifts_csv(csv_path, pairs, 50)
    seen = []
    real = import_write._bulk_insert

    def spy(s, prepared):
        seen.append(s.connection().exec_driver_sql("PRAGMA cache_size").scalar_one())
        return real(s, prepared)

    monkeypatch.setattr(import_write, "_bulk_insert", spy)
    from bpa_provider.services.importer import import_csv

    assert import_csv(sqlite_db, loadkit.ADMIN, "shifts", str(csv_path)).rows == 50
    assert seen == [-import_write.WRITE_CACHE_KIB]
    with sqlite_db.write() as s:  # the pooled connection is back to SQLite's default
        assert s.connection().exec_driver_sql("PRAGMA cache_size").scalar_one() == -2000
        assert s.execute(select(Shift.id)).all().__len__() == 50
