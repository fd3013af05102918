"""The dashboard's section counts, stored for the day and reused while their inputs are unchanged.

A section shows its first 50 items and says how many there are (`Counted.total`). At a large
provider counting them walked thousands of index entries on every visit — 3,583 courses expiring,
8,013 reviews due, 1,901 decisions ending — about 2.9 ms of the dashboard's 16 that grew with the
database, not with what is shown (issue 19). So an unscoped reader's count (an admin's or a
coordinator's: every one of them counts the same) is stored in `day_count` for its section, day
and policy (`basis`), and reused until one of the tables it is counted from is written. Database
triggers (migration 0017c; db/guards.py names them and the tables) see every write path — the
services, an import, a handover, the demo, raw SQL — and a table marks only the counts read from
it (a shift marks none: the import's shifts pay nothing). The first view of a day, or the first
after a change, counts with the section's own live query and stores the result; every process
reuses it, so the app's start benefits as well. A supervisor's counts stay live: they are small.

Valid, per engine:
- SQLite: the row's `changes` is bumped by the triggers inside the writer's transaction (SQLite's
  writers take turns, so one row a count makes nobody wait). A count is valid while its
  `computed_changes` equals `changes`; a reader sees both in one snapshot with the data.
- PostgreSQL: one row bumped by every writer would hold each writer of those tables until the one
  before it commits. The triggers INSERT a row (count, transaction id) into `day_count_change`
  instead. A count stores `counted_xmin`, the oldest transaction still running in the snapshot it was
  counted in: every transaction below it had finished, so the count saw its writes. The count is
  valid while no change row has an id at or above `counted_xmin`. The id is read before the count, in its
  own statement or earlier: a later snapshot's oldest transaction is no older, so this is safe.

Storing never waits (SQLite: no busy wait; PostgreSQL: a 50 ms lock timeout). Busy means not
stored, and the count shown is still right. A count made before a change it did not see is never
stored as valid. On SQLite the store keeps it only if `changes` is still the value read with the
count. On PostgreSQL that writer's change row is at or above the stored `counted_xmin`. A stored `counted_xmin`
never goes back, and change rows below it are pruned when it is stored. The store is a cache, not
an action: it writes no audit row (docs/privacy.md), like the stored hour outlook.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Connection, Date, Integer, String, bindparam, text
from sqlalchemy.orm import Session

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database, is_sqlite
from bpa_provider.services.unwaited import write_unwaited

#: The stored counts (migration 0017c makes their rows and triggers).
DECISIONS_ENDING = "decisions_ending"
REVIEWS_DUE = "reviews_due"
COURSES_EXPIRING = "courses_expiring"
COURSES_OVERDUE = "courses_overdue"
#: Not a section's count: how many assistants have no employment at all ("credentials missing"
#: lists their shifts too only when there are some; the same for every reader, never scoped).
ASSISTANTS_UNEMPLOYED = "assistants_unemployed"


def _params(*names: tuple[str, Any]) -> list[Any]:
    return [bindparam(n, type_=t) for n, t in names]


_KEY, _DAY, _BASIS = ("k", String()), ("d", Date()), ("b", String())
# Written out once, not built on each visit: the read is the whole cost of a stored count.
_READ_SQLITE = text(
    "SELECT changes, CASE WHEN as_of = :d AND basis = :b AND computed_changes = changes THEN total END"
    " FROM day_count WHERE key = :k"
).bindparams(*_params(_KEY, _DAY, _BASIS))
_READ_PG = text(
    "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint,"
    " (SELECT c.total FROM day_count c WHERE c.key = :k AND c.as_of = :d AND c.basis = :b"
    " AND c.counted_xmin IS NOT NULL AND NOT EXISTS"
    " (SELECT 1 FROM day_count_change x WHERE x.key = c.key AND x.xid >= c.counted_xmin))"
).bindparams(*_params(_KEY, _DAY, _BASIS))
_STORE_SQLITE = text(
    "INSERT INTO day_count (key, changes, computed_changes, as_of, basis, total) VALUES (:k, :s, :s, :d, :b, :t)"
    " ON CONFLICT (key) DO UPDATE SET computed_changes = excluded.computed_changes, as_of = excluded.as_of,"
    " basis = excluded.basis, total = excluded.total WHERE day_count.changes = excluded.changes"
).bindparams(*_params(_KEY, ("s", Integer()), _DAY, _BASIS, ("t", Integer())))
_STORE_PG = text(
    "INSERT INTO day_count (key, changes, counted_xmin, as_of, basis, total) VALUES (:k, 0, :s, :d, :b, :t)"
    " ON CONFLICT (key) DO UPDATE SET counted_xmin = excluded.counted_xmin, as_of = excluded.as_of, basis = excluded.basis,"
    " total = excluded.total WHERE day_count.counted_xmin IS NULL OR day_count.counted_xmin <= excluded.counted_xmin"
).bindparams(*_params(_KEY, ("s", BigInteger()), _DAY, _BASIS, ("t", Integer())))
_PRUNE_PG = text("DELETE FROM day_count_change WHERE key = :k AND xid < :s").bindparams(
    *_params(_KEY, ("s", BigInteger()))
)


def total(
    db: Database, s: Session, actor: Actor | None, key: str, today: date, basis: str, count: Callable[[], int]
) -> int:
    """The section's count: `count()` (the live query, run in `s`) for a scoped reader; for an
    unscoped one (or None: a count that is the same for everyone) the stored count when it is
    valid, else `count()` stored for the next visit."""
    if actor is not None and actor.is_scoped:
        return count()
    params = {"k": key, "d": today, "b": basis}
    sqlite = s.get_bind().dialect.name == "sqlite"
    seen, stored = s.execute(_READ_SQLITE if sqlite else _READ_PG, params).one_or_none() or (0, None)
    if stored is not None:
        return int(stored)
    n = count()
    store(db, key, today, basis, int(seen), n)
    return n


def store(db: Database, key: str, today: date, basis: str, seen: int, n: int) -> bool:
    """Store count `n` of `key` for `today` and `basis`, counted at `seen` (SQLite: the row's
    `changes`; PostgreSQL: the snapshot's oldest running transaction), if that can be done at
    once; whether it was written (a newer count already there, or a change since, is left)."""
    sqlite = is_sqlite(db.engine)
    params = {"k": key, "s": seen, "d": today, "b": basis, "t": n}

    def write(conn: Connection) -> int:
        done: int = conn.execute(_STORE_SQLITE if sqlite else _STORE_PG, params).rowcount
        if not sqlite:
            conn.execute(_PRUNE_PG, params)
        return done

    return bool(write_unwaited(db, write))
