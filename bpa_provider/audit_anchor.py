"""Checkpoints of the access log's chain head, kept outside the database and keyed.

The hash chain (audit.py) shows a row edited or removed in the middle of the log — unless whoever
edits it recomputes every later hash, which anyone who can write the database can do, and unless
the rows at the end are cut off or the whole log is emptied and started again. A checkpoint is
the answer from outside: a line `{"at", "id", "hash", "rows", "mac"}` appended to a file beside
the database (or `BPA_AUDIT_ANCHOR`), saying "row `id` had hash `hash` and was the `rows`th row".
`audit --verify` then refuses a log that no longer holds a checkpointed row with that hash at that
place — a rewritten history, a log emptied or restarted, rows cut off the end up to a checkpoint.

Each line carries an HMAC-SHA256 under a key kept in its own file (`<anchor>.key`, created 0600,
never in the database), so the checkpoint file cannot be edited to match a rewritten log by
someone who can write the database but cannot read the key — a PostgreSQL administrator, someone
with the database file or a backup but not the server account. The service account that runs the
app can read the key: against it, only a copy of the lines kept elsewhere helps, so each
checkpoint is also sent to syslog when `BPA_AUDIT_SYSLOG` is set (docs/privacy.md says what each
deployment can and cannot detect).

The file is started by `init` (`services.audit_log.start_checkpoints`); checkpoints are then
written by `audit --verify` when the log is intact, by `backup`, and by `restore` (which sets aside
the checkpoints beyond the restored log: those rows are gone on purpose; see `stage_restore`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ENV_ANCHOR = "BPA_AUDIT_ANCHOR"
ENV_SYSLOG = "BPA_AUDIT_SYSLOG"


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint line: the `rows`th row of the log has id `id` and hash `hash`."""

    at: str
    id: int
    hash: str
    rows: int
    valid: bool = True  # False: its MAC does not match (the line was edited or forged)


def anchor_path(url: str) -> Path:
    """Where the checkpoints of the database at `url` are kept: `BPA_AUDIT_ANCHOR`, else beside
    a SQLite file (`bpa.sqlite3.audit-anchor`), else in the user data folder (PostgreSQL)."""
    env = os.environ.get(ENV_ANCHOR)
    if env:
        return Path(env).expanduser()
    from bpa_provider.db.engine import default_sqlite_path, sqlite_file

    path = sqlite_file(url)
    if path is not None:
        return Path(f"{path}.audit-anchor")
    from sqlalchemy.engine import make_url

    u = make_url(url)
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{u.host or 'local'}-{u.database or ''}")
    return default_sqlite_path().parent / f"audit-anchor-{name}"


def key_path(anchor: Path) -> Path:
    return anchor.with_name(anchor.name + ".key")


def _create_private(path: Path, data: bytes) -> None:
    """Write a new file readable by its owner only (0600 from the first byte, not chmod after)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _key(anchor: Path, create: bool) -> bytes | None:
    path = key_path(anchor)
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        if not create:
            return None
    try:
        _create_private(path, secrets.token_hex(32).encode("ascii") + b"\n")
    except FileExistsError:  # another process made it first
        pass
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def _mac(key: bytes, at: str, row_id: int, row_hash: str, rows: int) -> str:
    body = json.dumps([at, row_id, row_hash, rows], separators=(",", ":")).encode("utf-8")
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def read(anchor: Path, *, lines_from: Path | None = None) -> list[Checkpoint]:
    """Every checkpoint in the file (none when there is no file). A line that does not parse, or
    a file of lines without the key beside it, gives checkpoints marked invalid. `lines_from`
    reads another file's lines under the anchor's key (a restore's staged checkpoints)."""
    try:
        text = (lines_from or anchor).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    key = _key(anchor, create=False)
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            at, row_id, row_hash, rows, mac = str(d["at"]), int(d["id"]), str(d["hash"]), int(d["rows"]), str(d["mac"])
        except (ValueError, KeyError, TypeError):
            out.append(Checkpoint("", 0, "", 0, valid=False))
            continue
        ok = key is not None and hmac.compare_digest(mac, _mac(key, at, row_id, row_hash, rows))
        out.append(Checkpoint(at, row_id, row_hash, rows, valid=ok))
    return out


def _line(anchor: Path, row_id: int, row_hash: str, rows: int) -> tuple[str, str]:
    """A checkpoint line under the anchor's key (made when missing): (its time, the line)."""
    key = _key(anchor, create=True)
    assert key is not None
    at = datetime.now(UTC).replace(microsecond=0).isoformat()
    line = json.dumps(
        {"at": at, "id": row_id, "hash": row_hash, "rows": rows, "mac": _mac(key, at, row_id, row_hash, rows)},
        separators=(",", ":"),
    )
    return at, line


def write(anchor: Path, row_id: int, row_hash: str, rows: int) -> Checkpoint:
    """Append a checkpoint (the file and its key are created 0600 when missing); also to syslog
    when BPA_AUDIT_SYSLOG is set. An unchanged head is not written twice."""
    known = read(anchor)
    if known and (known[-1].id, known[-1].hash, known[-1].rows) == (row_id, row_hash, rows):
        return known[-1]
    at, line = _line(anchor, row_id, row_hash, rows)
    if not anchor.exists():
        try:
            _create_private(anchor, b"")
        except FileExistsError:
            pass
    with open(anchor, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    if os.environ.get(ENV_SYSLOG):
        import syslog

        syslog.openlog("bpa-provider", 0, syslog.LOG_AUTH)
        syslog.syslog(syslog.LOG_INFO, f"audit checkpoint {line}")
    return Checkpoint(at, row_id, row_hash, rows)


# A restore replaces the database and its checkpoints, two files that cannot change in one step.
# So the new checkpoints are staged first (`stage_restore`: the ones the restored log still has, and
# its new head, the restore's own row), the database is replaced, and only then the staged file
# takes the anchor's place (`finish_restore`). Killed in between, the database is either the old
# one, which the anchor still verifies, or the restored one, whose head is exactly the staged
# head: `audit --verify` accepts that pair and finishes the restore (services/audit_log.py).


def pending_path(anchor: Path) -> Path:
    return anchor.with_name(anchor.name + ".restore-pending")


def stage_restore(anchor: Path, last_id: int, head: tuple[int, str, int]) -> None:
    """Stage the checkpoints of a restored log: the anchor's up to `last_id` (the backup's last
    row), then `head` (row id, hash, rows) of the restored log with its restore row."""
    lines = anchor.read_text(encoding="utf-8").splitlines() if anchor.exists() else []
    keep = []
    for line in lines:
        try:
            if int(json.loads(line)["id"]) <= last_id:
                keep.append(line)
        except (ValueError, KeyError, TypeError):
            continue
    keep.append(_line(anchor, *head)[1])
    pending = pending_path(anchor)
    tmp = anchor.with_name(f".{anchor.name}.partial-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    _create_private(tmp, ("\n".join(keep) + "\n").encode("utf-8"))
    os.replace(tmp, pending)


def staged_head(anchor: Path) -> Checkpoint | None:
    """The head a staged restore expects the database to have, or None (nothing staged)."""
    staged = read(anchor, lines_from=pending_path(anchor))
    return staged[-1] if staged and all(c.valid for c in staged) else None


def finish_restore(anchor: Path) -> Path | None:
    """The staged checkpoints become the anchor; the checkpoints they leave out are kept in
    `<anchor>.before-restore-<time>` (returned; None when there were none)."""
    pending = pending_path(anchor)
    if not pending.exists():
        return None
    old = anchor.read_text(encoding="utf-8").splitlines() if anchor.exists() else []
    new = set(pending.read_text(encoding="utf-8").splitlines())
    aside = None
    if any(line not in new for line in old):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = anchor.with_name(f"{anchor.name}.before-restore-{stamp}")
        aside.unlink(missing_ok=True)  # a second restore in the same second: the newer record
        _create_private(aside, ("\n".join(old) + "\n").encode("utf-8"))
    os.replace(pending, anchor)
    head = read(anchor)[-1]
    if os.environ.get(ENV_SYSLOG):
        import syslog

        syslog.openlog("bpa-provider", 0, syslog.LOG_AUTH)
        syslog.syslog(syslog.LOG_INFO, f"audit checkpoint after restore id={head.id} hash={head.hash} rows={head.rows}")
    return aside


def drop_stale_restore(anchor: Path) -> None:
    """A staged restore that never replaced the database (the anchor still verifies it)."""
    pending_path(anchor).unlink(missing_ok=True)
