"""The access log's chain: the hash formula of a row (both formats), verifying the chain
(`verify_chain`) and checking the database's append-only guards (`missing_guards`).

bpa_provider/audit.py writes the rows and names everything here too, where callers import it from.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, inspect, literal, null, select, text
from sqlalchemy.orm import Session

from bpa_provider.db.guards import MESSAGE, PG_GUARDS, SQLITE_GUARDS
from bpa_provider.db.models import AuditEvent
from bpa_provider.i18n import N_, render_message

FORMAT_TEXT = 1  # rows written before migration 0003: the hash covers the snapshot text
FORMAT_DIGESTS = 2  # the hash covers salted digests of the snapshots: the text may be erased
CURRENT_FORMAT = FORMAT_DIGESTS


def snapshot_digest(salt: str, snapshot_text: str) -> str:
    """SHA-256 of the row's salt (hex) followed by the snapshot's UTF-8 text."""
    return hashlib.sha256(bytes.fromhex(salt) + snapshot_text.encode("utf-8")).hexdigest()


def _row_hash(prev_hash: str, ev: Any) -> str | None:
    """The row's hash under its own format (`ev`: an AuditEvent, or a row of `_chain_columns`);
    None for a format this version does not know."""
    head = [ev.at.isoformat(), ev.actor, ev.role, ev.action, ev.entity, ev.entity_id, ev.subject, ev.summary]
    if ev.hash_format == FORMAT_TEXT:
        fields: list[Any] = [prev_hash, *head, ev.before, ev.after, ev.connection]
    elif ev.hash_format == FORMAT_DIGESTS:
        # The format number leads the body, so a row cannot be passed off under the other formula.
        fields = [FORMAT_DIGESTS, prev_hash, *head, ev.before_digest, ev.after_digest, ev.connection]
    else:
        return None
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _snapshot_matches(salt: str | None, snapshot_text: str, digest: str | None) -> bool:
    if salt is None or digest is None:
        return False
    try:
        return snapshot_digest(salt, snapshot_text) == digest
    except ValueError:  # a salt that is not hex was not written by record()
        return False


@dataclass(frozen=True)
class ChainReport:
    """Result of verifying the chain: how many rows, the first broken one if any, and how many
    snapshots were erased by retention (their digests verified; not a break). `ok` is False also
    for an empty log, for a checkpoint the log no longer matches, and for snapshots erased outside
    a retention run (`broken_at` is then None or the checkpoint's row)."""

    rows: int
    ok: bool
    broken_at: int | None = None
    reason: str = ""
    erased: int = 0
    checkpoints: int = 0  # checkpoints (kept outside the database) the log was found to match
    last_id: int = field(default=0, compare=False)
    last_hash: str = field(default="", compare=False)
    # The checkpointed row an incremental check resumed after (0: the whole log was re-hashed).
    resumed_after: int = field(default=0, compare=False)
    # `reason` is the English text (tests, logs); the message id and its values translate it
    # where it is shown (`audit --verify`, a refused restore).
    reason_id: str = field(default="", compare=False)
    reason_params: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def refused(cls, rows: int, broken_at: int | None, template: str, **params: Any) -> ChainReport:
        """A report that is not intact, with its reason as a message id and values."""
        return cls(
            rows,
            False,
            broken_at,
            render_message(template, params, translate=False),
            reason_id=template,
            reason_params=params,
        )

    def because(self, template: str, **params: Any) -> ChainReport:
        """This report, no longer intact, for the reason given (a message id and values)."""
        return replace(
            self,
            ok=False,
            reason=render_message(template, params, translate=False),
            reason_id=template,
            reason_params=params,
        )

    def localized_reason(self) -> str:
        """The reason in the language in force."""
        if not self.reason_id:
            return self.reason
        return render_message(self.reason_id, self.reason_params)


_TEXT_COLUMNS = (
    "id",
    "at",
    "actor",
    "role",
    "action",
    "entity",
    "entity_id",
    "subject",
    "summary",
    "before",
    "after",
    "connection",
    "prev_hash",
    "hash",
)
_DIGEST_COLUMNS = ("hash_format", "before_digest", "after_digest", "snapshot_salt")
# What retention writes after erasing (services/retention.py): the number it erased.
_ERASE_SUMMARY = re.compile(r"^access-log snapshots erased after retention: (\d+)")


def _chain_columns(session: Session) -> list[Any]:
    """What verify_chain reads. A database from before migration 0003 — a backup checked before
    it is restored and migrated — has no digest columns: all its rows are format 1."""
    table = AuditEvent.__table__
    columns = [table.c[name] for name in _TEXT_COLUMNS]
    present = {c["name"] for c in inspect(session.connection()).get_columns("audit_event")}
    if "hash_format" in present:
        return columns + [table.c[name] for name in _DIGEST_COLUMNS]
    return columns + [
        literal(FORMAT_TEXT).label("hash_format"),
        null().label("before_digest"),
        null().label("after_digest"),
        null().label("snapshot_salt"),
    ]


def verify_chain(
    session: Session,
    batch: int = 5000,
    *,
    checkpoints: Sequence[Any] = (),
    allow_empty: bool = False,
    shorter_ok: bool = False,
    resume: Any = None,
) -> ChainReport:
    """Recompute every hash in order; report the first row whose link or content does not match.

    A format-2 row's snapshot that is present must match its digest (else the row is broken); one
    that is absent while its digest is kept was erased, and is counted — and must be accounted
    for by the retention runs' `erase` rows after it (else: erased outside retention).
    `checkpoints` (audit_anchor.Checkpoint) must each be matched: their row present, with their
    hash, at their place in the log; with `shorter_ok` (an older backup) those beyond the end of
    the log are skipped. An empty log is not intact unless `allow_empty`.

    `resume` (one of the checkpoints, `audit --verify` without `--full`): the rows up to it were
    verified when it was written; its row must still be there with its hash and as many rows up to
    it, and only the rows after it are re-hashed, chained from its hash. A row before it edited
    without recomputing the later hashes is then not re-read (`--full` finds it); one edited with
    every later hash recomputed changes the checkpointed row's hash and is found. Snapshots erased
    and retention's `erase` rows are counted from it on."""
    prev = ""
    count = 0
    erased = 0
    accounted = 0
    last_id = 0
    columns = _chain_columns(session)
    # The table's own columns, not the mapped class: a Core statement needs neither the mappers
    # configured nor the ORM's compile step, most of what a first `audit --verify` cost beyond
    # re-hashing the rows after its checkpoint (issue 19: its own work beside a plain re-hash).
    log = AuditEvent.__table__
    pending = sorted(checkpoints, key=lambda c: c.id)
    bad = next((c for c in pending if not c.valid), None)
    if bad is not None:
        return ChainReport.refused(
            0, None, N_("a checkpoint does not match its key (the checkpoint file was edited, or its key replaced)")
        )
    matched = 0

    def report(ok: bool, broken_at: int | None = None, reason: str = "", /, **params: Any) -> ChainReport:
        done = ChainReport(
            count,
            ok,
            broken_at,
            "",
            erased,
            matched,
            last_id,
            prev,
            resumed_after=resume.id if resume is not None else 0,
        )
        return done.because(reason, **params) if reason else done

    if resume is not None:
        head = session.execute(select(log.c.hash).where(log.c.id == resume.id)).first()
        before = session.execute(select(func.count()).select_from(log).where(log.c.id <= resume.id)).scalar_one()
        if head is None or head[0] != resume.hash or before != resume.rows:
            return report(
                False,
                resume.id,
                N_(
                    "the log no longer matches the checkpoint of {at} "
                    "(row {id} of {rows}): rows were rewritten or removed"
                ),
                at=resume.at,
                id=resume.id,
                rows=resume.rows,
            )
        prev, count, last_id, matched = resume.hash, resume.rows, resume.id, 1
        pending = [c for c in pending if c.id > resume.id]

    while True:
        # Plain rows rather than ORM objects: nothing to track, and an older schema reads too.
        rows = session.execute(select(*columns).where(log.c.id > last_id).order_by(log.c.id).limit(batch)).all()
        if not rows:
            break
        for ev in rows:
            if ev.prev_hash != prev:
                return report(False, ev.id, N_("link to the previous row does not match"))
            if _row_hash(prev, ev) != ev.hash:
                return report(False, ev.id, N_("row content does not match its hash"))
            if ev.hash_format == FORMAT_DIGESTS:
                for snap, digest in ((ev.before, ev.before_digest), (ev.after, ev.after_digest)):
                    if snap is None:
                        erased += digest is not None  # no digest: the row never had this snapshot
                    elif not _snapshot_matches(ev.snapshot_salt, snap, digest):
                        return report(False, ev.id, N_("a snapshot does not match its digest"))
            if ev.action == "erase" and ev.entity == "audit_event":
                m = _ERASE_SUMMARY.match(ev.summary or "")
                accounted += int(m.group(1)) if m else 0
            prev = ev.hash
            count += 1
            last_id = ev.id
            while pending and pending[0].id <= ev.id:
                cp = pending.pop(0)
                if cp.id != ev.id or cp.hash != ev.hash or cp.rows != count:
                    return report(
                        False,
                        cp.id,
                        N_(
                            "the log no longer matches the checkpoint of {at} "
                            "(row {id} of {rows}): rows were rewritten or removed"
                        ),
                        at=cp.at,
                        id=cp.id,
                        rows=cp.rows,
                    )
                matched += 1
    if count == 0 and not allow_empty:
        return report(False, None, N_("the access log is empty (a log that was emptied is not intact)"))
    if pending and not shorter_ok:
        cp = pending[0]
        return report(
            False,
            cp.id,
            N_("the log ends at row {last}, before the checkpoint of {at} (row {id} of {rows}): rows were removed"),
            last=last_id,
            at=cp.at,
            id=cp.id,
            rows=cp.rows,
        )
    if erased > accounted:
        return report(False, None, N_("{n} snapshots erased outside a retention run"), n=erased - accounted)
    return report(True)


# --------------------------------------------------------------------------- the database's guards


def missing_guards(connection: Any) -> list[str]:
    """The append-only triggers that are missing, disabled or no longer refuse anything (empty
    when all are in place). `connection`: a SQLAlchemy Connection or Session, or a sqlite3
    connection (a backup being checked)."""
    import sqlite3

    if isinstance(connection, sqlite3.Connection):
        rows = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
        ).fetchall()
        dialect = "sqlite"
    else:
        dialect = connection.get_bind().dialect.name if isinstance(connection, Session) else connection.dialect.name
        if dialect == "sqlite":
            rows = connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")
            ).all()
        else:
            rows = connection.execute(
                text(
                    "SELECT t.tgname, pg_get_functiondef(t.tgfoid) FROM pg_trigger t "
                    "WHERE t.tgrelid = 'audit_event'::regclass AND NOT t.tgisinternal AND t.tgenabled <> 'D'"
                )
            ).all()
    found = {name: body or "" for name, body in rows}
    expected = SQLITE_GUARDS if dialect == "sqlite" else PG_GUARDS
    return [name for name in expected if MESSAGE not in found.get(name, "")]
