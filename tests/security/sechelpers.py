"""Helpers shared by the security tests (plain functions; fixtures live in conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def sqlite_file(database) -> str:  # noqa: ANN001
    """The file behind a SQLite Database (for --db)."""
    return database.engine.url.database


@dataclass
class Run:
    """A finished CLI process."""

    code: int
    out: str
    err: str


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 60, isolated: bool = False
) -> Run:
    """Run `python [-I] -m bpa_provider.cli ARGS` in a fresh process, as the console script
    (or, with `isolated`, as the SSH forced command) would."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    full_env.update(env or {})
    python = [sys.executable, "-I"] if isolated else [sys.executable]
    p = subprocess.run(
        [*python, "-m", "bpa_provider.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT if not isolated else "/",
        input=stdin,
        timeout=timeout,
    )
    return Run(p.returncode, p.stdout, p.stderr)


def keygen(path: Path, comment: str) -> Path:
    """A fresh ed25519 key pair without passphrase; returns the .pub path."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True, capture_output=True
    )
    return path.with_name(path.name + ".pub")


def corrupt_table(path: str | Path, table: str) -> None:
    """Overwrite the b-tree page header of `table`'s root page: the file still opens, the table
    does not read, and `PRAGMA integrity_check` reports it. The WAL is folded in first (and is
    empty when the last connection closes), so writing the main file directly is enough."""
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    con.close()
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\xff" * 12)
