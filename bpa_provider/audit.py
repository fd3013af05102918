"""The access and change log: append-only rows, each hash-chained to the one before.

`record()` is called inside the same transaction as the change it describes, so a change and its
log row are committed together or not at all. National IDs never enter the log: snapshots mask them.

Erasable snapshots. A row's before/after snapshots hold names, so retention must be able to erase
them when it anonymises the person, without breaking the chain. Rows are therefore written in hash
format 2: the row hash covers a salted SHA-256 digest of each snapshot, not its text. Retention
(`erase_snapshots`) sets the text and the salt to NULL; the digests stay, so `verify_chain` still
recomputes every row hash, counts the snapshot as erased, and checks every snapshot still present
against its digest. The salt is random per row and erased with the text, because the rest of a
snapshot survives in the anonymised record: with an unsalted digest anyone could confirm a guessed
name. Rows written before migration 0003 are format 1 (the hash covers the text) and cannot be
erased; the database's trigger refuses it and retention skips them.

This module writes the rows; the hash formula, `verify_chain` and `missing_guards` are in
audit_chain.py (named here too, where callers import them from).
"""

from __future__ import annotations

import hashlib
import json
import operator
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select, text, update
from sqlalchemy.orm import Session

from bpa_provider.access import Actor

# The hash formula, the verification and the guards' check (audit_chain.py), named here too.
from bpa_provider.audit_chain import (
    CURRENT_FORMAT,
    FORMAT_DIGESTS,
    FORMAT_TEXT,
    ChainReport,
    _chain_columns,  # noqa: F401 - the tamper tests read audit._chain_columns
    _row_hash,
    missing_guards,
    snapshot_digest,
    verify_chain,
)
from bpa_provider.db.models import AuditEvent
from bpa_provider.db.types import utcnow
from bpa_provider.rules.national_id import mask

_PG_CHAIN_LOCK = 784_211  # advisory lock id: serialises chain appends on PostgreSQL
_SENSITIVE = {"national_id"}


def snapshot(obj: Any) -> dict[str, Any] | None:
    """A JSON-able copy of a row for before/after, with sensitive fields masked."""
    if obj is None:
        return None
    data = obj.model_dump() if hasattr(obj, "model_dump") else dict(obj)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in _SENSITIVE and value:
            value = mask(str(value))
        elif isinstance(value, (date, datetime)):
            value = value.isoformat()
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[key] = value
    return out


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None = None,
    *,
    subject: str = "",
    summary: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Append one event, chained to the previous one, in the caller's transaction."""
    ev = AuditEvent(
        **_row(actor, _last_hash(session), utcnow(), action, entity, Entry(entity_id, subject, summary, before, after))
    )
    session.add(ev)
    session.flush()
    return ev


@dataclass(frozen=True)
class Entry:
    """One event of `record_entries`: what `record()` takes after the action and the entity."""

    entity_id: int | None
    subject: str = ""
    summary: str = ""
    before: Any = None
    after: Any = None


def record_entries(session: Session, actor: Actor, action: str, entity: str, entries: Sequence[Entry]) -> int:
    """Append one event per entry (one bulk action: a period locked for several clients, an import
    of 100,000 shifts), chained in order exactly as `record()` would chain them one by one, in one
    INSERT statement (executemany) straight to the driver, in the caller's transaction: no round
    trip and no `AuditEvent` object per row. Returns the number of rows written."""
    if not entries:
        return 0
    session.flush()  # rows record() added are in the chain before these
    prev, at = _last_hash(session), utcnow()
    rows = []
    for e in entries:
        row = _row(actor, prev, at, action, entity, e)
        prev = row["hash"]
        rows.append(row)
    # Straight to the driver (db.engine.insert_rows): the ORM's bulk path costs several times more.
    # Executed in list order (one executemany), so the ids follow the chain.
    from bpa_provider.db.engine import insert_rows

    insert_rows(session.connection(), AuditEvent.__table__, rows)
    return len(rows)


def _last_hash(session: Session) -> str:
    """The hash the next row chains to; on PostgreSQL first the lock that serialises appends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
    return session.execute(_newest_hashes(1)).scalar() or ""


def _newest_hashes(n: int) -> Select[Any]:
    """The statement `_last_hash` reads, for `n` rows (one place, so `warm_up` compiles the same)."""
    return select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(n)


def warm_up(session: Session) -> None:
    """Compile ahead, on a read of no row, the read the next `record()` makes (the hash it chains
    to): SQLAlchemy compiles a statement on its first use in a process, which the first record a
    person opens would otherwise pay while they wait (docs/performance.md, "Session 12 —
    pgrecord"). LIMIT 0 reads nothing; the limit is a bound value, so the statement compiled is
    the one `_last_hash` runs. Takes no lock and writes nothing."""
    session.execute(_newest_hashes(0)).all()


def _row(actor: Actor, prev: str, at: datetime, action: str, entity: str, e: Entry) -> dict[str, Any]:
    """The columns of one event chained to `prev`, its hash computed: the one place a row of the
    log is made (`record` adds it as an object, `record_entries` inserts many at once)."""
    role = actor.role if not actor.impersonated_by else f"{actor.role}<-{actor.impersonated_by}"
    before_text = json.dumps(snapshot(e.before), ensure_ascii=False, default=str) if e.before is not None else None
    after_text = json.dumps(snapshot(e.after), ensure_ascii=False, default=str) if e.after is not None else None
    salt = secrets.token_hex(16) if before_text is not None or after_text is not None else None
    row: dict[str, Any] = dict(
        at=at,
        actor=actor.login,
        role=role,
        action=action,
        entity=entity,
        entity_id=e.entity_id,
        subject=e.subject,
        summary=e.summary[:500],
        before=before_text,
        after=after_text,
        connection=actor.connection[:200],
        prev_hash=prev,
        hash_format=CURRENT_FORMAT,
        snapshot_salt=salt,
        before_digest=snapshot_digest(salt, before_text) if salt and before_text is not None else None,
        after_digest=snapshot_digest(salt, after_text) if salt and after_text is not None else None,
    )
    row["hash"] = _row_hash(prev, SimpleNamespace(**row)) or ""
    return row


def erase_snapshots(session: Session, *about: ColumnElement[bool]) -> tuple[int, int]:
    """Erase the before/after snapshots (and their salt) of every row matching any of `about`,
    in the caller's transaction: (snapshots erased, snapshots kept because their rows are of
    format 1, which cannot be erased). The digests, and so the chain, stay."""
    if not about:
        return 0, 0
    matching = or_(*about)
    present = or_(AuditEvent.before.is_not(None), AuditEvent.after.is_not(None))
    snapshots = case((AuditEvent.before.is_not(None), 1), else_=0) + case((AuditEvent.after.is_not(None), 1), else_=0)
    counts = session.execute(
        select(AuditEvent.hash_format, func.sum(snapshots)).where(matching, present).group_by(AuditEvent.hash_format)
    ).all()
    erased = sum(int(n) for fmt, n in counts if fmt == FORMAT_DIGESTS)
    kept = sum(int(n) for fmt, n in counts if fmt != FORMAT_DIGESTS)
    if erased:
        # The one UPDATE the database lets through (migration 0003): text and salt to NULL on a
        # format-2 row, every other column as it was.
        session.execute(
            update(AuditEvent)
            .where(matching, present, AuditEvent.hash_format == FORMAT_DIGESTS)
            .values(before=None, after=None, snapshot_salt=None)
            .execution_options(synchronize_session=False)
        )
    return erased, kept


@dataclass(frozen=True)
class PreparedEntries:
    """Events of one action, made ready for `append_entries` before any transaction."""

    actor: Actor
    action: str
    entity: str
    subjects: list[str]
    summaries: list[str]


def prepare_entries(actor: Actor, action: str, entity: str, entries: Sequence[tuple[str, str]]) -> PreparedEntries:
    """(subject, summary) per event -> what `append_entries` takes (summaries cut as `record` cuts
    them). Made before the write transaction."""
    return PreparedEntries(
        actor, action, entity, [subject for subject, _ in entries], [summary[:500] for _, summary in entries]
    )


@dataclass(frozen=True)
class ChainedEntries:
    """The hashes of prepared events worked out before the write transaction (`chain_entries`),
    for the log's last hash and the entity ids expected then. `append_entries` uses them only if
    both are still what they were (nothing was logged meanwhile, the ids are the ones expected);
    otherwise it works them out again under the lock, as always."""

    first: str  # the hash the first event chains to
    ids: Sequence[int | None]
    at: datetime
    digests: list[str]
    # SQLite: the rows' INSERT and its statements' parameters, made before the lock too
    # (`db.engine.RowShape.statement_params`); used with the hashes, by `RowShape.run_flat`.
    sql: str = field(default="", compare=False, repr=False)
    statements: list[list[Any]] | None = field(default=None, compare=False, repr=False)


def last_hash(session: Session) -> str:
    """The hash of the log's newest row ("" for an empty log), read in the caller's transaction."""
    return session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar() or ""


def _digests(prepared: PreparedEntries, first: str, entity_ids: Sequence[int | None], at: datetime) -> Iterator[str]:
    """Each event's hash, chained from `first`: `_row_hash` of format 2 (no snapshots), its JSON
    body put together from parts — byte for byte what `json.dumps` makes of the row's fields
    (tests/services/test_import_fast.py holds them equal)."""
    actor = prepared.actor
    role = actor.role if not actor.impersonated_by else f"{actor.role}<-{actor.impersonated_by}"
    # [2, prev, at, actor, role, action, entity, entity_id, subject, summary, null, null, connection]
    middle = (
        ","
        + ",".join(_json_str(v) for v in (at.isoformat(), actor.login, role, prepared.action, prepared.entity))
        + ","
    )
    end = f",null,null,{_json_str(actor.connection[:200])}]"
    head = f"[{FORMAT_DIGESTS},"
    sha256 = hashlib.sha256
    prev_json = _json_str(first)
    for eid, subject, summary in zip(entity_ids, prepared.subjects, prepared.summaries):
        body = (
            f"{head}{prev_json}{middle}{'null' if eid is None else int(eid)},"
            f"{_json_str(subject)},{_json_str(summary)}{end}"
        )
        digest = sha256(body.encode("utf-8")).hexdigest()
        yield digest
        prev_json = f'"{digest}"'


def chain_entries(
    prepared: PreparedEntries, first: str, entity_ids: Sequence[int | None], dialect: Any = None
) -> ChainedEntries:
    """The events' hashes as they will be if the log's last hash is still `first` and the ids are
    `entity_ids` when they are appended — worked out before the write transaction, so the write
    lock is not held for the hashing (`append_entries(..., chained=)`). With a SQLite `dialect`,
    the INSERTs' parameters too: under the lock only SQLite's own work is left."""
    if len(entity_ids) != len(prepared.subjects):
        raise ValueError("chain_entries: one entity id per prepared event")
    at = utcnow()
    digests = list(_digests(prepared, first, entity_ids, at))
    if dialect is None or dialect.name != "sqlite" or not digests:
        return ChainedEntries(first, entity_ids, at, digests)
    shape = _log_shape(dialect, prepared, at)
    prevs = [first, *digests[:-1]]  # each row chains to the one before it
    columns = [list(entity_ids), prepared.subjects, prepared.summaries, prevs, digests]
    return ChainedEntries(first, entity_ids, at, digests, shape.sql, shape.statement_params(columns))


#: The variable columns of an appended event, in the order `_log_shape`'s rows give them.
_LOG_COLUMNS = ["entity_id", "subject", "summary", "prev_hash", "hash"]


def _log_shape(dialect: Any, prepared: PreparedEntries, at: datetime) -> Any:
    """The INSERT of `append_entries`'s rows (`db.engine.RowShape`): what every row of one
    append shares as constants, `_LOG_COLUMNS` given per row."""
    from bpa_provider.db.engine import RowShape

    actor = prepared.actor
    role = actor.role if not actor.impersonated_by else f"{actor.role}<-{actor.impersonated_by}"
    common = dict(
        at=at,
        actor=actor.login,
        role=role,
        action=prepared.action,
        entity=prepared.entity,
        connection=actor.connection[:200],
        hash_format=CURRENT_FORMAT,
        before_digest=None,
        after_digest=None,
    )
    return RowShape(dialect, AuditEvent.__table__, common, _LOG_COLUMNS)


def append_entries(
    session: Session,
    prepared: PreparedEntries,
    entity_ids: Sequence[int | None],
    *,
    chained: ChainedEntries | None = None,
) -> int:
    """Append the prepared events (one per id, in order), chained to the log's last row, straight
    to the driver, in the caller's transaction. The hashes are `chained`'s if it was worked out for
    this log's last hash and these ids, else made here (`_digests`); either way the same formula.
    The rows are made one at a time as the driver takes them: no list of 100,000 rows in memory —
    unless `chained` brought its statements' parameters (SQLite), which are then sent as they are."""
    if len(entity_ids) != len(prepared.subjects):
        raise ValueError("append_entries: one entity id per prepared event")
    if not entity_ids:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
    session.flush()  # rows record() added are in the chain before these
    first = last_hash(session)
    digests: Iterable[str]
    ready = (
        chained is not None
        and chained.first == first
        and len(chained.ids) == len(entity_ids)
        and all(map(operator.eq, chained.ids, entity_ids))
    )
    if chained is not None and ready:
        at, digests = chained.at, chained.digests
    else:
        at = utcnow()
        digests = _digests(prepared, first, entity_ids, at)
    conn = session.connection()
    shape = _log_shape(conn.dialect, prepared, at)
    if chained is not None and ready and chained.statements is not None and conn.dialect.name == "sqlite":
        if chained.sql != shape.sql:  # made for another INSERT (cannot happen: the same shape)
            raise RuntimeError("append_entries: statements prepared for another INSERT")
        shape.run_flat(conn, chained.statements)
        return len(entity_ids)

    def rows() -> Iterator[tuple[Any, ...]]:
        prev = first
        for eid, subject, summary, digest in zip(entity_ids, prepared.subjects, prepared.summaries, digests):
            yield (eid, subject, summary, prev, digest)
            prev = digest

    # Straight to the driver (db.engine.RowShape): the ORM's bulk path costs several times more.
    if conn.dialect.name == "sqlite":
        # Many rows per INSERT: the append-only triggers make an executemany cost a statement's
        # set-up per row (db.engine.RowShape.run_in_statements). Same rows, same order.
        shape.run_in_statements(conn, shape.iter_params(rows()))
    elif conn.dialect.name == "postgresql":
        # One COPY, as the import's own rows (no statement per row; the id from its sequence, in
        # the order of the stream, under the chain's advisory lock taken above).
        shape.copy(conn, AuditEvent.__table__, shape.iter_values(rows()))
    else:
        shape.run(conn, shape.iter_params(rows()))
    return len(entity_ids)


def _json_str(value: str) -> str:
    """`value` as `json.dumps(value, ensure_ascii=False)` writes it."""
    return encode_basestring(value)


__all__ = [
    "CURRENT_FORMAT",
    "FORMAT_DIGESTS",
    "FORMAT_TEXT",
    "ChainReport",
    "ChainedEntries",
    "Entry",
    "PreparedEntries",
    "append_entries",
    "chain_entries",
    "erase_snapshots",
    "last_hash",
    "missing_guards",
    "prepare_entries",
    "record",
    "record_entries",
    "snapshot",
    "snapshot_digest",
    "verify_chain",
]
