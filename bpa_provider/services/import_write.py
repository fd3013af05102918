"""The write half of an import: a checked plan's rows made as the driver takes them before the
write transaction (`prepare`), then inserted in it with one access-log row each (`write_plan`).

SQLite: the bind-processed rows 500 to an INSERT, the ids worked out under the write lock
(`BEGIN IMMEDIATE`: no one else inserts) and checked by counting them. PostgreSQL: the ids
reserved from the table's sequence in one statement (`nextval` over `generate_series`), then
one COPY of every row (`db.engine.RowShape.copy`), no statement per row and nothing sent back.
Between the check (in a read snapshot) and the write, someone may change what the check read:
`audit_mark` remembers the access log's last row when the plan is made, and `changed_since`, in
the write transaction, says whether anything logged after it could matter to an import of that
kind (every change in the application is logged in its own transaction).
`services.import_rows` checks the rows and re-exports these names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import RowShape
from bpa_provider.db.models import AuditEvent, Review, Shift
from bpa_provider.db.types import utcnow
from bpa_provider.services import review_due_store

if TYPE_CHECKING:
    from bpa_provider.services.import_rows import Plan


@dataclass
class Prepared:
    """A plan's rows as the driver takes them, made before the write transaction (`prepare`) so the
    write lock is held only for the INSERTs, the access log's chain and the commit."""

    model: Any
    dialect: str
    shape: RowShape
    # SQLite: the executemany's parameters; PostgreSQL: each row's values (lists in
    # `shape.order`, the id left for the write to fill in from the sequence).
    params: list[Any]
    log: audit.PreparedEntries
    # SQLite: the access-log rows' hashes for the log's head and the ids the rows are expected to
    # get (`heads`), used at write time only if both are still so (`audit.append_entries`).
    chained: audit.ChainedEntries | None = None


def heads(s: Session, kind: str) -> tuple[str, int]:
    """In the check's snapshot: the access log's last hash and the largest id of the table an
    import of `kind` writes — what the rows' ids and log hashes will follow if nobody writes
    before the import does (`prepare` works the hashes out for that case)."""
    model: Any = Shift if kind == "shifts" else Review
    table = model.__table__
    return audit.last_hash(s), s.execute(select(func.max(table.c.id))).scalar() or 0


_SHIFT_COLUMNS = [
    "client_id",
    "assistant_id",
    "start_utc",
    "end_utc",
    "kind",
    "status",
    "active_minutes",
    "note",
    "legal_basis",
]
_REVIEW_COLUMNS = ["client_id", "assistant_id", "held_on", "participants", "summary"]


def prepare(
    plan: Plan,
    actor: Actor,
    source: str,
    dialect: Any,
    *,
    consume: bool = False,
    after: tuple[str, int] | None = None,
) -> Prepared:
    """Everything the write needs that does not depend on the database at write time: the rows'
    parameters (bind-processed for `dialect`) and the access-log rows' subjects and summaries.
    Pure work on the plan; no transaction. `consume`: each of `plan.rows` is let go (None left in
    its place; the count stays) as soon as its parameters and log entry are made, so a large
    file's checked rows and its prepared rows are not all held at once. `after` (SQLite; from
    `heads`): the log's hashes worked out too, for the rows' ids following that largest id and
    the log following that hash — so the write lock is not held for the hashing when nobody
    wrote in between (checked at write time; otherwise made there as before)."""
    stamp = utcnow()
    where = f" ({source})" if source else ""
    entries: list[tuple[str, str]] = []  # the access log's (subject, summary), made with the rows
    items: list[Any] = plan.rows

    def taken() -> Iterator[Any]:
        for i, row in enumerate(items):
            if consume:
                items[i] = None
            yield row

    rows: Iterable[tuple[Any, ...]]
    if plan.kind == "shifts":
        model: Any = Shift
        columns = _SHIFT_COLUMNS
        constant: dict[str, Any] = dict(version=1, created_at=stamp, updated_at=stamp)

        def shift_rows() -> Iterator[tuple[Any, ...]]:
            for sh in taken():
                entries.append(
                    (sh.client_ref, f"imported: {sh.assistant_ref} {sh.typed} ({sh.kind}, {sh.status}){where}")
                )
                yield (
                    sh.client_id,
                    sh.assistant_id,
                    sh.start_utc,
                    sh.end_utc,
                    sh.kind,
                    sh.status,
                    sh.active_minutes,
                    sh.note,
                    sh.legal_basis,
                )

        rows, entity = shift_rows(), "shift"
    else:
        model, columns = Review, _REVIEW_COLUMNS
        constant = dict(created_by=actor.login, version=1, created_at=stamp, updated_at=stamp)

        def review_rows() -> Iterator[tuple[Any, ...]]:
            for r in taken():
                entries.append(
                    (r.assistant_ref, f"imported: review with {r.client_ref} held {r.held_on.isoformat()}{where}")
                )
                yield (r.client_id, r.assistant_id, r.held_on, r.participants, r.summary)

        rows, entity = review_rows(), "review"
    if dialect.name == "postgresql":  # the id first, filled in from the sequence at write time
        shape = RowShape(dialect, model.__table__, constant, ["id", *columns])
        params: list[Any] = list(shape.iter_values((0, *r) for r in rows))
    else:
        shape = RowShape(dialect, model.__table__, constant, columns)
        params = shape.params(rows)
    log = audit.prepare_entries(actor, "create", entity, entries)
    chained = None
    if after is not None and dialect.name == "sqlite":
        first, top = after
        chained = audit.chain_entries(log, first, range(top + 1, top + 1 + len(params)), dialect)
    return Prepared(model, dialect.name, shape, params, log, chained)


def write_plan(s: Session, actor: Actor, plan: Plan, source: str, prepared: Prepared | None = None) -> list[int]:
    """Insert the planned rows and one access-log row per row (as `roster add` / `review record`
    log them), in the caller's write transaction; `prepared` (made before it) or made here. The
    new rows' ids, ascending."""
    if prepared is None:
        prepared = prepare(plan, actor, source, s.get_bind().dialect)
    with larger_cache(s):
        ids = _bulk_insert(s, prepared)
        audit.append_entries(s, prepared.log, ids, chained=prepared.chained)
    return ids


#: SQLite's page cache (KiB) while an import's rows are inserted; a connection's own is 2 MB
#: (SQLite's default). 100,000 shifts touch index pages all over the shifts' and the log's five
#: plus three indexes: in 2 MB they are written out to the WAL and read back again and again
#: before the commit (≈ 0.15–0.2 s of the write lock's CPU, docs/performance.md, session 9). At
#: most this much more memory, only for the write.
WRITE_CACHE_KIB = 16_000


@contextmanager
def larger_cache(s: Session) -> Iterator[None]:
    """SQLite: the connection's page cache raised to `WRITE_CACHE_KIB` for the block, then put
    back as it was (the pages above it are let go at the commit). Other databases: nothing."""
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    if before < 0 and -before >= WRITE_CACHE_KIB:  # already as large (negative: KiB)
        yield
        return
    conn.exec_driver_sql(f"PRAGMA cache_size=-{WRITE_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={before}")


def write_shifts(s: Session, actor: Actor, plan: Plan, source: str, prepared: Prepared | None = None) -> None:
    """Insert the planned shifts and one access-log row per shift."""
    write_plan(s, actor, plan, source, prepared)


def write_reviews(s: Session, actor: Actor, plan: Plan, source: str, prepared: Prepared | None = None) -> None:
    """Insert the planned reviews and one access-log row per review (about the assistant, as
    `review record` logs it), and the assistants' next reviews due (they go in through the table,
    past the session's hook)."""
    ids = write_plan(s, actor, plan, source, prepared)
    if ids:  # the plan's rows are let go as they are written: their assistants are read back
        new = select(Review.assistant_id).where(Review.id >= ids[0], Review.id <= ids[-1]).distinct()
        review_due_store.refresh(s, s.execute(new).scalars().all())


def _bulk_insert(s: Session, prepared: Prepared) -> list[int]:
    """Insert the prepared rows through the table (not the ORM's bulk path) and return their ids
    in order.

    PostgreSQL: the ids reserved from the table's sequence in one statement, then one COPY.
    SQLite: RETURNING with a guaranteed order makes SQLAlchemy send one statement per row (SQLite
    does not promise the order), so the rows go in INSERTs of many rows each, in order (one
    executemany would cost the shifts' triggers a statement journal per row), and the ids are
    worked out: under the write lock (BEGIN IMMEDIATE) no one else inserts, and SQLite gives each
    new row the largest id plus one, so they are the n ids after the previous largest — checked by
    counting them, never assumed."""
    table = prepared.model.__table__
    n = len(prepared.params)
    if not n:
        return []
    if prepared.dialect == "postgresql":
        ids = reserve_ids(s, table.name, n)
        at = prepared.shape.order.index("id")
        for values, new_id in zip(prepared.params, ids):
            values[at] = new_id
        prepared.shape.copy(s.connection(), table, prepared.params)
        return ids
    before = s.execute(select(func.max(table.c.id))).scalar() or 0
    # Many rows to a statement: the shifts' triggers (migration 0015o, the stored outlook) cost a
    # statement journal per statement, which for an executemany is per row (100,000 shifts: +1.0 s
    # of the write lock, against +0.1 s this way).
    prepared.shape.run_in_statements(s.connection(), prepared.params)
    # n rows above `before`, the largest of them before + n: they are exactly before+1 … before+n.
    count, top = s.execute(select(func.count(), func.max(table.c.id)).where(table.c.id > before)).one()
    if count != n or top != before + n:  # cannot happen under the write lock; never guess
        raise RuntimeError(f"bulk insert into {table.name}: {count} rows up to id {top} for {n} rows after {before}")
    return list(range(before + 1, before + n + 1))


def reserve_ids(s: Session, table: str, n: int) -> list[int]:
    """PostgreSQL: `n` new ids of `table` from its id sequence, in one statement, ascending. Other
    sessions may take ids meanwhile, so they need not be consecutive; each is ours alone."""
    taken = s.execute(
        text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"), {"t": table, "n": n}
    ).scalars()
    return sorted(int(i) for i in taken)


def audit_mark(s: Session) -> int:
    """The id of the newest access-log row (0: none)."""
    return s.execute(select(func.max(AuditEvent.id))).scalar() or 0


#: Logged actions that change nothing.
_READ_ACTIONS = frozenset({"view", "refused", "reveal_id", "impersonate"})
#: Access-log entities whose changes cannot touch what an import of each kind checked (people's
#: contact details, users, keys, sick pay, onboarding, course dates, the other kind). Anything not
#: named here — including entities added later — counts as a change: the check is made again.
_UNRELATED_COMMON = frozenset(
    {
        "assistant",
        "supervisor",
        "supervision",
        "user",
        "ssh_key",
        "audit_event",
        "onboarding_step",
        "sick_period",
        "sick_pay_claim",
        "hourly_rate",
        "fk_time_report",
        "course_session",
    }
)
_UNRELATED = {
    "shifts": _UNRELATED_COMMON | {"review", "review_action", "review_notes"},
    "reviews": _UNRELATED_COMMON | {"shift", "rule_ack", "rota_pattern", "review_action", "review_notes"},
}


def hold_log(s: Session) -> None:
    """In a write transaction: wait until no other transaction can still be logging (changing).
    On PostgreSQL every log append holds the log's advisory lock to its commit, so taking it here
    waits for those in flight; SQLite's BEGIN IMMEDIATE already excludes every other writer."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": audit._PG_CHAIN_LOCK})


def changed_since(s: Session, kind: str, mark: int) -> bool:
    """Whether anything logged after `mark` could change what an import of `kind` checked (asked
    in the write transaction, under `hold_log`). Every change in the application is logged in its
    own transaction, so the log is the list of changes; that a coordinator added an assistant
    meanwhile does not send a 100,000-row file back to be checked."""
    hold_log(s)
    since = s.execute(select(AuditEvent.action, AuditEvent.entity).where(AuditEvent.id > mark).distinct()).all()
    unrelated = _UNRELATED[kind]
    return any(action not in _READ_ACTIONS and entity not in unrelated for action, entity in since)
