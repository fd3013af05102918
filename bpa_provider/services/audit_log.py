"""Reading the access log: who did or saw what, about whom, and whether the chain is intact.

"Who looked at my data?" is `query(subject="K-0001")`. Reading the log is itself logged (an
auditor's questions are part of the record), in the same transaction as the read; verifying it is
not (a check must not change what it checks: it writes a checkpoint outside the database
instead). A snapshot that retention erased comes back as None with `before_erased`/`after_erased`
set, so a screen can say "erased" rather than show nothing; `verify` counts erased snapshots apart
from breaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select

from bpa_provider import audit, audit_anchor
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import AuditEvent
from bpa_provider.errors import ValidationError
from bpa_provider.i18n import N_
from bpa_provider.rules.dates import local_day_start_utc, to_local
from bpa_provider.services.base import require, service

DEFAULT_TZ = "Europe/Oslo"  # --from/--to are local calendar days; Norway and Sweden share the zone
COLUMNS = ["id", "at", "actor", "role", "action", "entity", "entity_id", "subject", "summary", "connection"]


@dataclass(frozen=True)
class LogRow:
    """One access-log row as shown to a person (local time, no hashes)."""

    id: int
    at: datetime
    actor: str
    role: str
    action: str
    entity: str
    entity_id: int | None
    subject: str
    summary: str
    connection: str
    before: str | None = None  # JSON snapshots (national IDs already masked when written)
    after: str | None = None
    before_erased: bool = False  # the snapshot was erased by retention (its digest is kept)
    after_erased: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _row(ev: AuditEvent, tz: str) -> LogRow:
    return LogRow(
        ev.id or 0,
        to_local(ev.at, tz).replace(microsecond=0),
        ev.actor,
        ev.role,
        ev.action,
        ev.entity,
        ev.entity_id,
        ev.subject,
        ev.summary,
        ev.connection,
        ev.before,
        ev.after,
        before_erased=ev.before is None and ev.before_digest is not None,
        after_erased=ev.after is None and ev.after_digest is not None,
    )


def _conditions(
    user: str | None, subject: str | None, since: date | None, until: date | None, action: str | None, tz: str
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if user:
        conds.append(AuditEvent.actor == user)
    if subject:
        conds.append(AuditEvent.subject == subject)
    if action:
        conds.append(AuditEvent.action == action)
    if since:
        conds.append(AuditEvent.at >= local_day_start_utc(since, tz))
    if until:
        conds.append(AuditEvent.at < local_day_start_utc(until + timedelta(days=1), tz))
    return conds


@service
def query(
    db: Database,
    actor: Actor,
    *,
    user: str | None = None,
    subject: str | None = None,
    since: date | None = None,
    until: date | None = None,
    action: str | None = None,
    limit: int = 10_000,
    tz: str = DEFAULT_TZ,
    newest_first: bool = False,
) -> list[LogRow]:
    """Log rows, oldest first (or newest first: the screen's order, so `limit` keeps the latest),
    filtered by acting user, data subject, local days and action."""
    require(actor, "audit.read", what="read the access log")
    if since and until and until < since:
        raise ValidationError(N_("--to must be on or after --from"), field="to")
    if not 1 <= limit <= 1_000_000:
        raise ValidationError(N_("limit must be between 1 and {most}"), field="limit", most=1_000_000)
    conds = _conditions(user, subject, since, until, action, tz)
    q = select(AuditEvent).order_by(AuditEvent.id.desc() if newest_first else AuditEvent.id).limit(limit)
    if conds:
        q = q.where(and_(*conds))
    filters = ", ".join(
        f"{k}={v}"
        for k, v in (("user", user), ("subject", subject), ("from", since), ("to", until), ("action", action))
        if v
    )
    with db.write() as s:
        rows = [_row(ev, tz) for ev in s.execute(q).scalars()]
        audit.record(
            s,
            actor,
            "view",
            "audit_event",
            subject=subject or "",
            summary=f"access log read ({filters or 'everything'}): {len(rows)} rows",
        )
    return rows


@service
def count(
    db: Database,
    actor: Actor,
    *,
    user: str | None = None,
    subject: str | None = None,
    since: date | None = None,
    until: date | None = None,
    action: str | None = None,
    tz: str = DEFAULT_TZ,
) -> int:
    """How many rows `query` with the same filters would give without a limit (a number only:
    so a caller can say how many rows its limit left out)."""
    require(actor, "audit.read", what="read the access log")
    q = select(func.count()).select_from(AuditEvent)
    conds = _conditions(user, subject, since, until, action, tz)
    if conds:
        q = q.where(and_(*conds))
    with db.read() as s:
        return s.execute(q).scalar_one()


@service
def verify(db: Database, actor: Actor, anchor: Path | None = None, *, full: bool = True) -> audit.ChainReport:
    """Recompute the hash chain, read-only: the first broken row, if any, and how many snapshots
    were erased by retention (not a break: their digests still verify).

    `full=False` (`audit --verify`; issue 19: the full check is linear, ~24 µs a row) resumes after
    the anchor's latest checkpoint — its row, hash and place checked, only the rows after it
    re-hashed (`audit.verify_chain(resume=…)` says what that does not see); `full=True`
    (`audit --verify --full`, and whenever there is no checkpoint) re-hashes every row.

    Not intact either: an empty log, a missing or disabled append-only trigger, snapshots erased
    outside a retention run, and — given the `anchor` file (audit_anchor.py) — a log that no longer
    matches a checkpoint. Nothing is written to the database it checks (verifying a backup must
    not change it); an intact head is checkpointed in the anchor file instead."""
    require(actor, "audit.read", what="read the access log")
    checkpoints = audit_anchor.read(anchor) if anchor is not None else []
    with db.read() as s:
        resume = None
        if not full and checkpoints and all(c.valid for c in checkpoints):
            resume = max(checkpoints, key=lambda c: c.id)
        report = audit.verify_chain(s, checkpoints=checkpoints, resume=resume)
        missing = audit.missing_guards(s)
    if report.ok and missing:
        report = report.because(
            N_("the append-only triggers are missing or disabled: {triggers}"), triggers=", ".join(missing)
        )
    if anchor is not None and audit_anchor.pending_path(anchor).exists():
        report = _after_staged_restore(db, anchor, report, full)
    if report.ok and anchor is not None:
        audit_anchor.write(anchor, report.last_id, report.last_hash, report.rows)
    return report


def _after_staged_restore(db: Database, anchor: Path, report: audit.ChainReport, full: bool) -> audit.ChainReport:
    """A restore staged its checkpoints and was stopped before they took the anchor's place.

    If the database verifies against the anchor, the restore never replaced it: the staged file is
    dropped. If not, but it holds the staged head — the restore's own row, under the anchor's key —
    it is the restored database: the staged checkpoints become the anchor (audit_anchor.py)."""
    if report.ok:
        audit_anchor.drop_stale_restore(anchor)
        return report
    staged = audit_anchor.read(anchor, lines_from=audit_anchor.pending_path(anchor))
    if not staged or not all(c.valid for c in staged):
        return report
    with db.read() as s:
        resume = None if full else max(staged, key=lambda c: c.id)
        again = audit.verify_chain(s, checkpoints=staged, resume=resume)
        missing = audit.missing_guards(s)
    if not again.ok or missing:
        return report
    audit_anchor.finish_restore(anchor)
    return again


def start_checkpoints(db: Database, anchor: Path) -> bool:
    """Write the first checkpoint of a database that has none yet (`init`), once its chain is
    verified; False when the file exists already or the chain does not verify (then `audit
    --verify` says why). Not a service: `init` runs it as the server account."""
    if anchor.exists():
        return False
    with db.read() as s:
        report = audit.verify_chain(s)
    if not report.ok:
        return False
    audit_anchor.write(anchor, report.last_id, report.last_hash, report.rows)
    return True


@service
def row(db: Database, actor: Actor, event_id: int, tz: str = DEFAULT_TZ) -> LogRow | None:
    """One row by id (to show the broken row after a failed verify)."""
    require(actor, "audit.read", what="read the access log")
    with db.read() as s:
        ev = s.get(AuditEvent, event_id)
        return _row(ev, tz) if ev is not None else None
