"""The floor of `audit --verify`: a plain-Python loop over the sqlite3 driver that re-hashes the
access log the way `audit.verify_chain` does — from the last checkpoint (incremental, the default)
or from the first row (`--full`) — and a check that it gives the command's figures (rows, the
head's hash) on the same database.

Usage (what bench/run.py does):
  python -m bench.audit_floor prepare DB OLD NEW   append OLD rows, checkpoint the head, append NEW
  python -m bench.audit_floor floor DB [--full]    the floor: prints rows, head hash, then seconds
  python -m bench.audit_floor check DB             "equal" or the first difference

The log a provider's database accumulates (issue 19 measured 500,000 rows at 100 %) is made by
`prepare` with the app's own `audit.record_entries` (one INSERT per 10,000 rows); NEW rows after the
checkpoint stand for a day's work before the nightly check.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.pg_connect import connect, instant, is_postgres, sqlalchemy_url

COLUMNS = (
    "id, at, actor, role, action, entity, entity_id, subject, summary, before, after, connection, "
    "prev_hash, hash, hash_format, before_digest, after_digest, snapshot_salt"
)


def anchor_of(db: str) -> Path:
    """The checkpoint file of `db`: beside a SQLite file; for PostgreSQL the one the caller names
    in BPA_AUDIT_ANCHOR (as the command reads it; the bench never uses the user's data folder)."""
    if is_postgres(db):
        return Path(os.environ["BPA_AUDIT_ANCHOR"])
    return Path(f"{db}.audit-anchor")


def last_checkpoint(anchor: Path) -> dict | None:
    """The checkpoint with the highest row id (its MAC is checked by the command, not here)."""
    try:
        lines = [json.loads(x) for x in anchor.read_text(encoding="utf-8").splitlines() if x.strip()]
    except FileNotFoundError:
        return None
    return max(lines, key=lambda d: d["id"]) if lines else None


def _at(value: str | datetime) -> str:
    """The stored UTC instant as the chain hashes it (the ORM's aware datetime, isoformat)."""
    return instant(value).isoformat()


def floor(db: str, full: bool = False) -> tuple[bool, int, str]:
    """(intact, rows, head hash), re-hashing the rows after the last checkpoint (all with `full`)."""
    con = connect(db, readonly=True)  # a SQLite file (read-only), or a PostgreSQL URL
    try:
        cp = None if full else last_checkpoint(anchor_of(db))
        prev, rows, after = "", 0, 0
        if cp is not None:
            head = con.execute("SELECT hash FROM audit_event WHERE id = ?", (cp["id"],)).fetchone()
            count = con.execute("SELECT COUNT(*) FROM audit_event WHERE id <= ?", (cp["id"],)).fetchone()[0]
            if head is None or head[0] != cp["hash"] or count != cp["rows"]:
                return False, count, ""
            prev, rows, after = cp["hash"], cp["rows"], cp["id"]
        sha = hashlib.sha256
        for (
            _id,
            at,
            actor,
            role,
            action,
            entity,
            entity_id,
            subject,
            summary,
            before,
            after_,
            conn,
            prev_hash,
            hash_,
            fmt,
            b_digest,
            a_digest,
            salt,
        ) in con.execute(f"SELECT {COLUMNS} FROM audit_event WHERE id > ? ORDER BY id", (after,)):
            if prev_hash != prev:
                return False, rows, prev
            head = [_at(at), actor, role, action, entity, entity_id, subject, summary]
            if fmt == 2:
                fields = [2, prev, *head, b_digest, a_digest, conn]
                for snap, digest in ((before, b_digest), (after_, a_digest)):
                    if snap is not None and sha(bytes.fromhex(salt) + snap.encode("utf-8")).hexdigest() != digest:
                        return False, rows, prev
            else:
                fields = [prev, *head, before, after_, conn]
            if sha(json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest() != hash_:
                return False, rows, prev
            prev, rows = hash_, rows + 1
        return True, rows, prev
    finally:
        con.close()


def prepare(db: str, old: int, new: int) -> None:
    """Append `old` rows, checkpoint the head (`audit --verify --full`, as a nightly run leaves
    it), then append `new` rows. The checkpoint file is saved beside it as `.bench` so each timed
    run can start from the same checkpoint (an intact check moves it to the head)."""
    from bench.company import CLI
    from bpa_provider import audit
    from bpa_provider.access import Actor
    from bpa_provider.db.engine import open_database

    # `init` starts the checkpoint file of this database (`audit --verify` never starts one beside
    # a copy, and the bench works on a copy of the company).
    subprocess.run([CLI, "--db", db, "init"], check=True, capture_output=True)
    database = open_database(sqlalchemy_url(db))
    actor = Actor("bench", "admin")

    def append(n: int, tag: str) -> None:
        for start in range(0, n, 10_000):
            with database.write() as s:
                audit.record_entries(
                    s,
                    actor,
                    "view",
                    "client",
                    [
                        audit.Entry(
                            1 + (start + i) % 100,
                            "K-0001",
                            f"{tag} row {start + i}",
                            None,
                            {"note": f"looked at {start + i}"} if i % 10 == 0 else None,
                        )
                        for i in range(min(10_000, n - start))
                    ],
                )

    append(old, "before")
    subprocess.run([CLI, "--db", db, "audit", "--verify", "--full"], check=True, capture_output=True)
    append(new, "after")
    database.dispose()
    anchor = anchor_of(db)
    Path(f"{anchor}.bench").write_text(anchor.read_text(encoding="utf-8"), encoding="utf-8")


def reset(db: str) -> None:
    """Put back the checkpoint file `prepare` saved (before each timed incremental run)."""
    anchor = anchor_of(db)
    anchor.write_text(Path(f"{anchor}.bench").read_text(encoding="utf-8"), encoding="utf-8")


def command(db: str, cli: str, full: bool = False) -> tuple[bool, int, str]:
    """What `audit --verify` says: intact, its row count, and the head it checkpointed."""
    proc = subprocess.run(
        [cli, "--db", db, "--lang", "en", "audit", "--verify", *(["--full"] if full else [])],
        capture_output=True,
        text=True,
    )
    first = proc.stdout.splitlines()[0] if proc.stdout else ""
    rows = int(first.split(":", 1)[1].split()[0]) if first.startswith("Access log intact") else -1
    cp = last_checkpoint(anchor_of(db))
    return proc.returncode == 0, rows, cp["hash"] if cp else ""


def check(db: str, cli: str) -> str:
    """'equal' when the command and the floor give the same figures, incremental and full."""
    for full in (False, True):
        reset(db)
        expected = floor(db, full)
        got = command(db, cli, full)
        if got != expected:
            return f"differs{' (--full)' if full else ''}: command {got} floor {expected}"
    reset(db)
    return "equal"


if __name__ == "__main__":
    what, db = sys.argv[1], sys.argv[2]
    if what == "prepare":
        prepare(db, int(sys.argv[3]), int(sys.argv[4]))
    elif what == "floor":
        t0 = time.perf_counter()
        ok, rows, head = floor(db, "--full" in sys.argv)
        print(ok, rows, head)
        print(time.perf_counter() - t0)
    elif what == "check":
        from bench.company import CLI

        print(check(db, CLI))
