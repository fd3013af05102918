"""Rows derived from other rows, rewritten in the transaction that changes what they derive from.

Shared by the stored next reviews (`review_due_store`: per assistant) and the stored onboarding
reasons (`onboarding_due`: per supervisor). Each owns a rule (`expected_rows`) and a table keyed
by an owner; this module holds what they do alike:
- `rewrite`: lock the owners' rows, compute their rows from the rule, replace the stored ones;
- `keep_on_commit`: a session hook that notes the owners of every watched row a flush adds,
  changes (the owner a row moved from too) or deletes, and rewrites theirs before the commit, in
  its transaction — so every record form, import kind, handover and transfer that writes through
  the ORM keeps the table without a call of its own. A rolled-back transaction forgets its notes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Connection, delete, event, insert, inspect, select
from sqlalchemy.orm import Session

CHUNK = 500  # ids per IN list (well under either engine's limit on bound values)
EVERYONE = -1  # noted instead of an owner: every owner's rows are rewritten


def chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def rewrite(
    conn: Session | Connection,
    owners: Iterable[int] | None,
    *,
    owner_id: Any,
    table: Any,
    table_owner: Any,
    columns: Sequence[str],
    expected: Callable[[Session | Connection, list[int] | None], Sequence[tuple[Any, ...]]],
) -> None:
    """Replace the rows of `owners` (every owner when None) in `table` with `expected(conn, ids)`,
    in the caller's transaction. A session is flushed first, so its pending changes count.

    On PostgreSQL two writers for one owner at once would each rewrite the rows from what they
    saw: the owners' rows (`owner_id`, e.g. `Assistant.id`) are locked first, so the second waits
    and then reads the first one's (SQLite has one writer at a time and ignores the lock)."""
    if isinstance(conn, Session):
        conn.flush()
    ids = None if owners is None else sorted(set(owners))
    if ids is not None:
        for part in chunks(ids):
            conn.execute(select(owner_id).where(owner_id.in_(part)).with_for_update())
    rows = expected(conn, ids)
    if ids is None:
        conn.execute(delete(table))
    else:
        for part in chunks(ids):
            conn.execute(delete(table).where(table_owner.in_(part)))
    if rows:
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def keep_on_commit(
    info_key: str,
    watched: tuple[type, ...],
    owner: str,
    refresh: Callable[[Session, set[int] | None], None],
    *,
    everyone_when: Callable[[object], bool] | None = None,
) -> None:
    """Register the session hook (see the module's docstring): the owners are the `owner`
    attribute of the `watched` rows; `everyone_when(obj)` true for any other row in a flush
    rewrites every owner's rows (e.g. a course's kind changed)."""

    @event.listens_for(Session, "before_flush")
    def _collect(session: Session, _context: Any, _instances: Any) -> None:
        pending: set[int] | None = None
        for obj in chain(session.new, session.dirty, session.deleted):
            if isinstance(obj, watched):
                if pending is None:
                    pending = session.info.setdefault(info_key, set())
                if (value := getattr(obj, owner)) is not None:
                    pending.add(value)
                pending.update(v for v in inspect(obj).attrs[owner].history.deleted if v is not None)
            elif everyone_when is not None and everyone_when(obj):
                if pending is None:
                    pending = session.info.setdefault(info_key, set())
                pending.add(EVERYONE)

    @event.listens_for(Session, "before_commit")
    def _keep(session: Session) -> None:
        if not session.info.get(info_key) and not (session.new or session.dirty or session.deleted):
            return
        session.flush()  # what is still pending is noted by `_collect`
        pending = session.info.pop(info_key, None)
        if pending:
            refresh(session, None if EVERYONE in pending else pending)

    @event.listens_for(Session, "after_transaction_end")
    def _forget(session: Session, transaction: Any) -> None:
        # A savepoint's end keeps the notes; the outer transaction's end (commit or rollback) drops them.
        if transaction.parent is None:
            session.info.pop(info_key, None)
