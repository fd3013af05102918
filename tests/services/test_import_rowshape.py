"""`db.engine.RowShape` processes a value object shared by many rows once (by identity) and gives
exactly what processing each row afresh gives: shared times, equal values of other kinds
(1 and True, one instant in two zones), a list changed between rows, more values than it keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table
from sqlalchemy.dialects import sqlite

from bpa_provider.db import engine as db_engine
from bpa_provider.db.engine import RowShape
from bpa_provider.db.types import UTCDateTime

TABLE = Table(
    "t",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime()),
    Column("flag", Integer),
    Column("data", JSON),
    Column("name", String),
)


def _afresh(shape: RowShape, rows):
    """Each row's values through the columns' processors, one by one (the plain reference)."""
    out = []
    for r in rows:
        values = list(shape._template)
        for pos, i, proc in shape._slots:
            values[pos] = proc(r[i]) if proc else r[i]
        out.append(values)
    return out


def test_shared_values_are_processed_once_and_stored_as_each_row_alone(monkeypatch):
    shape = RowShape(sqlite.dialect(), TABLE, {}, ["at", "flag", "data", "name"])
    oslo = timezone(timedelta(hours=1))
    t1 = datetime(2026, 3, 2, 7, tzinfo=UTC)
    t2 = datetime(2026, 3, 2, 8, tzinfo=oslo)  # the same instant, another zone
    shared = {"a": 1}
    rows = []
    for n in range(30):
        shared = dict(shared, n=n) if n % 7 == 0 else shared
        rows.append((t1 if n % 2 else t2, True if n % 3 else 1, shared, "x" if n % 5 else None))
    assert [list(v) for v in shape.iter_values(rows)] == _afresh(shape, rows)

    changing = [0]
    mutated = [(t1, 1, changing, "a"), (t1, 1, changing, "a")]

    def rows_changing():
        yield mutated[0]
        changing.append(1)  # the same list, changed before the next row is taken
        yield mutated[1]

    got = list(shape.iter_values(rows_changing()))
    assert got[0][shape.order.index("data")] != got[1][shape.order.index("data")]

    monkeypatch.setattr(db_engine, "_SHARED_LIMIT", 3)
    many = [(t1 + timedelta(minutes=n), n, None, str(n)) for n in range(10)] * 2
    assert [list(v) for v in shape.iter_values(many)] == _afresh(shape, many)
