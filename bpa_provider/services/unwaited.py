"""A short write that never waits for a lock, for caches a read may keep in passing.

The dashboard's stored outlook (`hour_outlook`) and stored day counts (`day_counts`) are written
by the reader that computed them. Such a write is only worth doing if it costs the reader nothing:
on SQLite it takes the write lock at once or not at all (`busy_timeout` 0 for the transaction, the
engine's own restored after it), on PostgreSQL it waits at most `LOCK_TIMEOUT` for a row lock. When
the lock is not to be had the value is simply not stored — the next reader computes it again —
and any other database error is raised as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from bpa_provider.db.engine import Database, is_sqlite

#: How long such a write waits for a row lock on PostgreSQL before it gives up (not stored).
LOCK_TIMEOUT = "50ms"

T = TypeVar("T")


def write_unwaited(db: Database, work: Callable[[Connection], T]) -> T | None:
    """`work` in one transaction of its own that never waits for a lock: its answer, or None
    when another writer (or a row lock) was in the way and nothing was written."""
    sqlite = is_sqlite(db.engine)
    with db.engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection
        if sqlite:  # on the driver's connection: through SQLAlchemy it would begin a transaction first
            busy_ms = raw.execute("PRAGMA busy_timeout").fetchone()[0]  # the engine's (db/engine.py)
            raw.execute("PRAGMA busy_timeout=0")
        try:
            with conn.begin():
                if not sqlite:
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                return work(conn)
        except DBAPIError as exc:
            if not _busy(exc):
                raise
            return None  # another writer or a row lock in the way: not stored
        finally:
            if sqlite:
                raw.execute(f"PRAGMA busy_timeout={int(busy_ms)}")


def _busy(exc: DBAPIError) -> bool:
    said = str(exc.orig or exc).lower()
    return any(w in said for w in ("locked", "busy", "lock timeout", "could not obtain lock"))
