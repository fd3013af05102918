"""Reads never wait for writers (issue 15, finding 2): while another process holds SQLite's write
lock (`BEGIN IMMEDIATE`, as every writer does), the schema check on every command's path, a read
transaction and the read-only CLI commands finish at once — they do not queue on `busy_timeout`
(10 s) and never fail with "database is locked"."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date

import pytest

from bpa_provider.cli import main
from bpa_provider.db import migrate
from bpa_provider.db.engine import Database, make_engine

# The writer: another process that takes the write lock and keeps it until its stdin closes.
_HOLDER = """
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
c.execute("UPDATE municipality SET name = name || ' (held)'")
print("locked", flush=True)
sys.stdin.read()
c.execute("ROLLBACK")
"""

# Far below busy_timeout (10 s): a read that queued behind the writer would take at least that.
PROMPT = 6.0


@pytest.fixture(scope="module")
def small_company(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("reads") / "demo.sqlite3"
    assert main(["--db", str(path), "demo", "--clients", "4", "--months", "1", "--seed", "7"]) == 0
    return str(path)


@pytest.fixture
def writer_holding_lock(small_company):
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, small_company], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "locked"
        yield small_company
    finally:
        proc.stdin.close()
        proc.wait(10)


def test_schema_check_and_read_transaction_do_not_wait(writer_holding_lock):
    engine = make_engine(f"sqlite:///{writer_holding_lock}")
    try:
        started = time.monotonic()
        migrate.check_current(engine)  # on every command's path
        with Database(engine).read() as s:
            from sqlalchemy import text

            # A snapshot: the writer's uncommitted row is not seen.
            names = s.execute(text("SELECT name FROM municipality")).scalars().all()
        assert names and not any("(held)" in n for n in names)
        assert time.monotonic() - started < PROMPT
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "argv",
    [
        ("list", "clients"),
        ("list", "assistants", "--format", "json"),
        ("report", "hours", "--month", date.today().strftime("%Y-%m")),
        ("report", "reviews"),
        ("transfer", "list"),
        ("users", "list"),
        ("report", "rest", "--from", date.today().replace(day=1).isoformat(), "--to", date.today().isoformat()),
        ("roster", "week", "K-0001", "--week", date.today().strftime("%G-W%V")),
        ("course", "list"),
        ("review", "list"),
        ("fk", "deadlines"),
        ("sick", "claims"),
    ],
)
def test_read_only_commands_finish_while_a_writer_holds_the_lock(writer_holding_lock, capsys, argv):
    started = time.monotonic()
    code = main(["--db", writer_holding_lock, *argv])
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    assert "locked" not in err and "busy" not in err, err
    assert code == 0 and out.strip()
    assert elapsed < PROMPT, f"{' '.join(argv)} waited {elapsed:.1f} s for the writer"


def test_a_write_still_waits_for_the_writer(small_company, capsys):
    """The other side of the rule: writes queue behind the lock (BEGIN IMMEDIATE) and go through
    once it is released, nothing lost."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, small_company], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "locked"
    from bpa_provider.access import Actor
    from bpa_provider.services import records

    db = Database(make_engine(f"sqlite:///{small_company}"))
    try:
        import threading

        threading.Timer(1.0, proc.stdin.close).start()
        started = time.monotonic()
        records.create(db, Actor("root-test", "admin"), "municipality", {"name": "After the writer"})
        assert time.monotonic() - started >= 0.9  # it queued
        with db.read() as s:
            from sqlalchemy import text

            names = s.execute(text("SELECT name FROM municipality")).scalars().all()
        assert "After the writer" in names and not any("(held)" in n for n in names)
    finally:
        proc.wait(10)
        db.dispose()
