"""Faults and load: killed writers, a killed migration, damaged files, many writers at once.

Writers are forked from the test process (everything is already imported, so a writer starts in
milliseconds and 50 kill rounds stay cheap). Each child opens its own engine and leaves with
os._exit, never touching the parent's connections.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import time
from collections.abc import Callable

import factories as f
import pytest
from sechelpers import corrupt_table, run_cli, sqlite_file
from sqlalchemy import text

from bpa_provider.access import Actor
from bpa_provider.audit import verify_chain
from bpa_provider.db import migrate
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.services import records
from bpa_provider.services.users import ensure_first_admin

ADMIN = Actor("writer", "admin")


def _fork(work: Callable[[], int]) -> int:
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            code = work()
        finally:
            os._exit(code)
    return pid


def _wait(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.slow
def test_writer_killed_mid_transaction_50_rounds(sqlite_db):
    path = sqlite_file(sqlite_db)
    rng = random.Random(42)

    def writer(round_no: int) -> Callable[[], int]:
        def work() -> int:
            db = Database(make_engine(f"sqlite:///{path}"))
            for i in range(10_000):
                # One transaction each: the row and its access-log entry, or neither.
                records.create(db, ADMIN, "municipality", {"name": f"R{round_no}-{i}", "unit_contact": "x" * 150})
            return 0

        return work

    # Warm the statement caches once here: forked writers inherit them and start writing at once.
    records.create(sqlite_db, ADMIN, "municipality", {"name": "warm-up"})

    def count() -> int:
        con = sqlite3.connect(path)
        try:
            return con.execute("SELECT count(*) FROM municipality").fetchone()[0]
        finally:
            con.close()

    for round_no in range(50):
        before = count()
        pid = _fork(writer(round_no))
        # Kill a writer that is writing: wait for its first commit (a busy machine may take a while
        # to schedule it), then at a random point of a later transaction.
        deadline = time.monotonic() + 10
        while count() == before and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.05))
        os.kill(pid, signal.SIGKILL)
        assert _wait(pid) == -signal.SIGKILL
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        munis = {r[0] for r in con.execute("SELECT id FROM municipality")}
        logged = {
            r[0]
            for r in con.execute(
                "SELECT entity_id FROM audit_event WHERE action = 'create' AND entity = 'municipality'"
            )
        }
    finally:
        con.close()
    assert munis == logged and len(munis) > 50  # no row without its log entry, no entry without its row
    with sqlite_db.read() as s:
        assert verify_chain(s).ok
    f.municipality(sqlite_db, ADMIN, name="after the storm")  # no lock was left behind


def _counting_engine(path, kill_at: int | None = None) -> tuple:
    """An engine that counts its SQL statements and, with `kill_at`, SIGKILLs its own process
    right after that statement: a kill at an exact point inside the migration."""
    from sqlalchemy import event

    engine = make_engine(f"sqlite:///{path}")
    seen = [0]

    @event.listens_for(engine, "after_cursor_execute")
    def _count(*_args) -> None:  # noqa: ANN002
        seen[0] += 1
        if kill_at is not None and seen[0] >= kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    return engine, seen


@pytest.mark.slow
def test_migration_killed_midway_leaves_old_or_new_version(tmp_path):
    warm, statements = _counting_engine(tmp_path / "warm.sqlite3")
    ends = [0]
    for rev in sorted(migrate.known_revisions()):  # also warms the caches the forked children inherit
        migrate.upgrade(warm, rev)
        ends.append(statements[0])
    warm.dispose()
    # Kills spread over each revision's own statements (first, middle, last), so a short revision
    # is hit as surely as the long first one.
    points = sorted({p for lo, hi in zip(ends, ends[1:]) for p in (lo + 1, (lo + hi + 1) // 2, hi)})
    seen = set()
    for round_no, kill_at in enumerate(points):
        path = tmp_path / f"m{round_no}.sqlite3"

        def work(path=path, kill_at=kill_at) -> int:
            migrate.upgrade(_counting_engine(path, kill_at)[0])
            return 0

        _wait(_fork(work))
        engine = make_engine(f"sqlite:///{path}")
        rev = migrate.current_revision(engine)
        seen.add(rev)
        with engine.connect() as c:
            tables = {r[0] for r in c.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
            triggers = {r[0] for r in c.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        known = sorted(migrate.known_revisions())
        assert rev is None or rev in known

        def since(r: str) -> bool:  # revision `r` applied whole (revisions are applied in id order)
            return rev is not None and rev >= r

        assert ("client" in tables) == since("0001")  # 0001 whole, or not at all
        assert bool(triggers) == since("0002")  # 0002 whole, or not at all
        assert ("audit_event_no_replace" in triggers) == since("0005")  # 0005 whole, or not at all
        assert ("absence" in tables) == since("0007") and ("outbox_message" in tables) == since("0008")
        if rev is not None:  # 0003 and 0004 whole, or not at all
            with engine.connect() as c:
                columns = {r[1] for r in c.exec_driver_sql("PRAGMA table_info(audit_event)")}
                employment = {r[1] for r in c.exec_driver_sql("PRAGMA table_info(employment)")}
            assert ("hash_format" in columns) == since("0003")
            assert ("employee_number" in employment) == since("0004")
        migrate.upgrade(engine)  # and it can always be finished
        assert migrate.current_revision(engine) == migrate.head_revision()
        engine.dispose()
    assert {None, "0001"} <= seen  # killed inside 0001 and between/inside 0002


@pytest.mark.parametrize("damage", ["header", "table"])
def test_damaged_database_file_is_a_clear_refusal(sqlite_db, admin, damage):
    ensure_first_admin(sqlite_db, "root")
    f.municipality(sqlite_db, admin)
    f.client(sqlite_db, admin)
    path = sqlite_file(sqlite_db)
    sqlite_db.dispose()
    if damage == "header":
        with open(path, "r+b") as fh:
            fh.write(b"not a database at all, sorry")
    else:
        corrupt_table(path, "client")
    before = open(path, "rb").read()
    r = run_cli("--db", path, "list", "clients")
    assert r.code == 1
    assert r.err.count("\n") == 1 and "Traceback" not in r.err and r.out == ""
    assert "damaged" in r.err or "cannot open the database" in r.err
    assert open(path, "rb").read() == before  # no silent repair


def _rmw_sqlite(path: str, rounds: int) -> Callable[[], int]:
    def work() -> int:
        db = Database(make_engine(f"sqlite:///{path}"))
        errors = 0
        for _ in range(rounds):
            try:
                with db.write() as s:
                    value = s.execute(text("SELECT unit_contact FROM municipality WHERE name = 'Hamar'")).scalar()
                    s.execute(
                        text("UPDATE municipality SET unit_contact = :v WHERE name = 'Hamar'"),
                        {"v": str(int(value or 0) + 1)},
                    )
            except Exception:  # noqa: BLE001 - counted: the test demands zero
                errors += 1
        return min(errors, 100)

    return work


def _rmw_pg(url: str, rounds: int) -> Callable[[], int]:
    def work() -> int:
        db = Database(make_engine(url))
        errors = 0
        for _ in range(rounds):
            try:
                with db.write() as s:
                    # PostgreSQL's READ COMMITTED needs the row lock; services use version checks instead.
                    value = s.execute(
                        text("SELECT unit_contact FROM municipality WHERE name = 'Hamar' FOR UPDATE")
                    ).scalar()
                    s.execute(
                        text("UPDATE municipality SET unit_contact = :v WHERE name = 'Hamar'"),
                        {"v": str(int(value or 0) + 1)},
                    )
            except Exception:  # noqa: BLE001
                errors += 1
        db.dispose()
        return min(errors, 100)

    return work


@pytest.mark.slow
def test_8_processes_x_300_read_modify_write_lose_nothing(db, admin):
    f.municipality(db, admin)
    if db.dialect == "sqlite":
        work = _rmw_sqlite(sqlite_file(db), 300)
    else:
        work = _rmw_pg(db.engine.url.render_as_string(hide_password=False), 300)
    pids = [_fork(work) for _ in range(8)]
    codes = [_wait(pid) for pid in pids]
    assert codes == [0] * 8  # zero errors in every process
    with db.read() as s:
        assert s.execute(text("SELECT unit_contact FROM municipality WHERE name = 'Hamar'")).scalar() == "2400"
