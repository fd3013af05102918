"""Backups and restores of the SQLite database with SQLite's online backup API.

Never copy the file: a copy taken while data sits in the -wal file can lose whole tables
(measured, shared/engineering.md). `backup()` reads one consistent snapshot while others keep
writing, turns the copy into a single self-contained file (journal_mode=DELETE), and runs
`PRAGMA integrity_check` on it before it takes the target's name. `restore()` first copies the
backup to a scratch file and checks that copy — integrity, a schema revision this app knows, an
intact access-log chain — and only then writes it into the target through the backup API, so a
damaged or foreign file never replaces a database. PostgreSQL is backed up with pg_dump
(`pg_dump_hint`, docs/privacy.md).
"""

from __future__ import annotations

import os
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bpa_provider import audit, audit_anchor
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.errors import DatabaseUnavailable, ServiceError
from bpa_provider.i18n import N_, Msg
from bpa_provider.services.base import require, service


class FileRefused(ServiceError):
    """The backup or restore file cannot be used (exists, missing, damaged, foreign): exit code 2."""

    exit_code = 2


class UsePgDump(ServiceError):
    """The database is PostgreSQL: back it up with pg_dump (exit code 2, like bad input)."""

    exit_code = 2


@dataclass(frozen=True)
class BackupResult:
    """What was written (or restored) and what was checked."""

    path: Path
    size: int
    revision: str
    audit_rows: int = 0


def pg_dump_hint(db: Database, target: str = "FILE") -> str:
    """The documented pg_dump command for this database (password never shown: use ~/.pgpass)."""
    url = db.engine.url.set(drivername="postgresql", password=None)
    return f"pg_dump --format=custom --no-owner --file={target} '{url.render_as_string(hide_password=True)}'"


def sqlite_path(db: Database) -> Path:
    """The file behind a SQLite Database."""
    name = db.engine.url.database
    if db.dialect != "sqlite" or not name or name == ":memory:":
        raise UsePgDump(
            N_("this is a {dialect} database; use: {command}"), dialect=db.dialect, command=pg_dump_hint(db)
        )
    return Path(name).resolve()


def _check_target(target: Path, force: bool, restoring: bool = False) -> None:
    """A file is written over only with --force, and only into a folder that exists."""
    if target.exists() and not force:
        if restoring:
            raise FileRefused(
                N_("{path} exists; add --force to replace it (stop the app and SSH logins first)"), path=str(target)
            )
        raise FileRefused(N_("{path} exists; add --force to replace it"), path=str(target))
    if not target.parent.is_dir():
        raise FileRefused(N_("the folder {path} does not exist"), path=str(target.parent))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _integrity(con: sqlite3.Connection) -> str:
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:  # damage so bad the check itself cannot run
        return str(exc)
    return "ok" if rows == ["ok"] else "; ".join(rows[:3])


def _revision(con: sqlite3.Connection) -> str | None:
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_stale_copies(folder: Path, kinds: tuple[str, ...] = ("partial", "restore")) -> list[Path]:
    """Delete the hidden scratch copies (`.NAME.partial-PID`, `.NAME.restore-PID` and their
    journals) a killed backup or restore left in `folder`: full copies of personal data. Only
    those whose process is gone; returns what was removed."""
    pattern = re.compile(r"^\.(.+)\.(" + "|".join(kinds) + r")-(\d+)(-journal|-wal|-shm)?$")
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for path in entries:
        m = pattern.match(path.name)
        if m and int(m.group(3)) != os.getpid() and not _pid_alive(int(m.group(3))):
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed


def _new_private_file(path: Path) -> None:
    """An empty file with mode 0600 from the start (SQLite then writes into it, and gives its
    journal the same mode): a copy of personal data is never readable by others, not even while
    it is written or after the process is killed."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _head(con: sqlite3.Connection) -> tuple[int, str, int] | None:
    """(last id, its hash, number of rows) of a database's access log; None when it is empty."""
    row = con.execute("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return None
    return int(row[0]), str(row[1]), int(con.execute("SELECT count(*) FROM audit_event").fetchone()[0])


@service
def backup(
    db: Database, actor: Actor, target: Path, *, force: bool = False, anchor: Path | None = None
) -> BackupResult:
    """Write a checked, self-contained copy of the live SQLite database to `target` (mode 0600),
    and checkpoint its access log's head in `anchor` (audit_anchor.py; by default the
    database's own checkpoint file)."""
    require(actor, "backup.run", what="make backups")
    source = sqlite_path(db)
    anchor = anchor if anchor is not None else audit_anchor.anchor_path(f"sqlite:///{source}")
    target = Path(target).expanduser().resolve()
    if target == source:
        raise FileRefused(N_("the backup cannot be the database itself"))
    _check_target(target, force)
    remove_stale_copies(target.parent, ("partial",))
    tmp = target.parent / f".{target.name}.partial-{os.getpid()}"
    head = None
    try:
        _new_private_file(tmp)
        with closing(sqlite3.connect(source, timeout=10)) as src, closing(sqlite3.connect(tmp)) as dst:
            src.execute("PRAGMA busy_timeout=10000")
            src.backup(dst)  # one step: one read transaction, a consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
            check = _integrity(dst)
            revision = _revision(dst) or "?"
            head = _head(dst) if check == "ok" else None
        if check != "ok":
            raise DatabaseUnavailable(
                N_(
                    "the copy failed its integrity check ({check}); the database "
                    "itself may be damaged: nothing was written"
                ),
                check=check,
            )
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(N_("the backup failed ({detail}); nothing was written"), detail=str(exc)) from None
    finally:
        for suffix in ("", "-journal"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    if head is not None:
        audit_anchor.write(anchor, *head)
    size = target.stat().st_size
    with db.write() as s:
        audit.record(
            s,
            actor,
            "backup",
            "database",
            summary=f"backup written to {target} ({size} bytes, schema {revision}, integrity ok)",
        )
    return BackupResult(target, size, revision)


def _check_copy(scratch: Path, anchor: Path) -> tuple[str, audit.ChainReport]:
    """Integrity, known schema revision, an intact and non-empty chain matching the target's
    checkpoints (those up to the backup's last row), and the append-only triggers of the scratch
    copy (after it was migrated: a migration does not put back a dropped trigger)."""
    from bpa_provider.db import migrate
    from bpa_provider.db.engine import open_database

    with closing(sqlite3.connect(scratch)) as con:
        check = _integrity(con)
        if check != "ok":
            raise FileRefused(N_("the backup is damaged ({check}): not restored"), check=check)
        revision = _revision(con)
    if revision is None:
        raise FileRefused(N_("the file is not a bpa-provider database (no schema revision): not restored"))
    if revision not in migrate.known_revisions():
        raise FileRefused(
            N_(
                "the backup has schema revision {revision}, which this version of "
                "bpa-provider does not know: not restored"
            ),
            revision=revision,
        )
    db = open_database(str(scratch))
    try:
        with db.read() as s:
            report = audit.verify_chain(s, checkpoints=audit_anchor.read(anchor), shorter_ok=True)
        if report.ok and revision != max(migrate.known_revisions()):
            # A backup from before the newest schema: the restored database is brought up to it
            # here, on the copy, so the app can open it and the restore can be logged in it.
            migrate.upgrade(db.engine)
        with db.engine.connect() as c:
            missing = audit.missing_guards(c)
    finally:
        db.dispose()
    if not report.ok:
        reason = Msg(report.reason_id or report.reason, **report.reason_params)
        if report.broken_at:
            raise FileRefused(
                N_("the backup's access log is broken at row {row} ({reason}): not restored"),
                row=report.broken_at,
                reason=reason,
            )
        raise FileRefused(N_("the backup's access log is broken ({reason}): not restored"), reason=reason)
    if missing:
        raise FileRefused(
            N_(
                "the backup's access log lost its append-only triggers ({triggers}): it was "
                "changed outside bpa-provider; not restored"
            ),
            triggers=", ".join(missing),
        )
    return revision, report


def _copy_into(src_path: Path, target: Path, wait: float = 10.0) -> None:
    with (
        closing(sqlite3.connect(src_path)) as src,
        closing(sqlite3.connect(target, timeout=wait, isolation_level=None)) as dst,
    ):
        # Python's backup() retries a locked destination forever: find out first, with a deadline,
        # whether a writer holds it (writers' transactions are short, so the copy then gets in).
        dst.execute("BEGIN IMMEDIATE")
        dst.execute("ROLLBACK")
        src.backup(dst)


def _damaged(target: Path) -> bool:
    """Whether the file at `target` is not a readable SQLite database (its header, its schema)."""
    try:
        with closing(sqlite3.connect(f"file:{target}?mode=ro", uri=True)) as con:
            con.execute("PRAGMA schema_version").fetchone()
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        text = str(exc).lower()
        return "not a database" in text or "malformed" in text
    return False


def _move_aside(target: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = target.with_name(f"{target.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{target}{suffix}")
        if part.exists():
            os.replace(part, Path(f"{aside}{suffix}"))
    return aside


def restore(
    source: Path, target: Path, *, force: bool = False, by: str = "", anchor: Path | None = None
) -> BackupResult:
    """Check a backup and write it into the SQLite database at `target` (`anchor`: the target's
    checkpoint file, by default beside it).

    Not a service: the target may be missing or damaged, so there may be no one to resolve as an
    actor. The authority is the server account that can write the database file (the CLI refuses
    `restore` over SSH). The restore is recorded in the restored database's access log.
    """
    source = Path(source).expanduser().resolve()
    target = Path(target).expanduser().resolve()
    if not source.is_file():
        raise FileRefused(N_("no such file: {name}"), name=str(source))
    if source == target:
        raise FileRefused(N_("the backup and the database are the same file"))
    _check_target(target, force, restoring=True)
    anchor = anchor if anchor is not None else audit_anchor.anchor_path(f"sqlite:///{target}")
    remove_stale_copies(target.parent, ("restore",))
    scratch = target.parent / f".{target.name}.restore-{os.getpid()}"
    try:
        try:
            _new_private_file(scratch)
            with (
                closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
                closing(sqlite3.connect(scratch)) as dst,
            ):
                src.backup(dst)
        except sqlite3.DatabaseError as exc:
            raise FileRefused(
                N_("the file is not a usable SQLite database ({detail}): not restored"), detail=str(exc)
            ) from None
        revision, report = _check_copy(scratch, anchor)
        rows = report.rows
        # The target itself damaged: keep it for inspection, never repair it silently.
        aside = _move_aside(target) if target.exists() and _damaged(target) else None
        # The restore is logged in the copy before it replaces anything, and the checkpoints of
        # the restored log are staged before the database is replaced (audit_anchor.py: a kill at
        # any point leaves a database and checkpoints that verify).
        _record_restore(scratch, source, revision, rows, by, aside)
        with closing(sqlite3.connect(scratch)) as con:
            head = _head(con)
        assert head is not None  # the restore's own row at least
        audit_anchor.stage_restore(anchor, report.last_id, head)
        try:
            _copy_into(scratch, target)
        except sqlite3.DatabaseError as exc:
            audit_anchor.drop_stale_restore(anchor)
            raise FileRefused(
                N_(
                    "the database could not be replaced ({detail}); is the app still "
                    "running? Stop it and SSH logins first"
                ),
                detail=str(exc),
            ) from None
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    os.chmod(target, 0o600)
    # The rows after the backup are gone on purpose: their checkpoints are set aside (kept), and
    # the restored log's head, its restore row included, is the new checkpoint.
    audit_anchor.finish_restore(anchor)
    return BackupResult(target, target.stat().st_size, revision, rows)


def _record_restore(target: Path, source: Path, revision: str, rows: int, by: str, aside: Path | None) -> None:
    from bpa_provider.db.engine import open_database

    db = open_database(str(target))
    try:
        with db.write() as s:
            note = f"; the damaged file was kept as {aside}" if aside else ""
            audit.record(
                s,
                Actor(login=by or "operator", role="operator"),
                "restore",
                "database",
                summary=f"database restored from {source} (schema {revision}, {rows} access-log rows verified){note}",
            )
    finally:
        db.dispose()
