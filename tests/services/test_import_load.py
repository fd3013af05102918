"""Short versions of the load and fault figures (issue 15; the full ones: `python -m bench.load`).

- Sessions doing a coordinator's mix (reads and small writes) in their own processes while a shift
  import runs: no write is lost, no read fails with "database is locked".
- SIGKILL at random moments of an import and of a backup: every database passes
  `PRAGMA integrity_check` and the access-log chain, an import is all there or not at all, and no
  partial copy is left behind.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import sqlite3
import time

import pytest
from sqlalchemy import func, select

from bench import loadkit
from bpa_provider.audit import verify_chain
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.db.models import Assistant, Shift


@pytest.fixture
def company(sqlite_db, tmp_path):
    pairs = loadkit.build_company(sqlite_db, clients=3)
    csv_path = tmp_path / "shifts.csv"
    rows = loadkit.write_shifts_csv(csv_path, pairs, 3000)
    return sqlite_db, csv_path, rows


@pytest.fixture
def any_company(db, tmp_path):
    """The same company on SQLite and on PostgreSQL."""
    pairs = loadkit.build_company(db, clients=3)
    csv_path = tmp_path / "shifts.csv"
    rows = loadkit.write_shifts_csv(csv_path, pairs, 3000)
    return db, csv_path, rows


def _session(url: str, worker: int, seconds: float, queue) -> None:  # noqa: ANN001
    # Short think times: this test counts lost writes and locked reads, it does not time them.
    queue.put(loadkit.session_mix(url, worker, seconds, loadkit.FIRST_DAY.strftime("%Y-%m"), think=(0.0, 0.2)).__dict__)


def test_sessions_keep_working_while_a_shift_import_runs(any_company):
    db, csv_path, rows = any_company
    url = db.engine.url.render_as_string(hide_password=False)
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_session, args=(url, w, 6.0, queue)) for w in range(3)]
    for p in procs:
        p.start()
    time.sleep(0.5)
    from bpa_provider.services.importer import import_csv

    result = import_csv(db, loadkit.ADMIN, "shifts", csv_path)
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
    assert result.rows == rows
    assert sum(r["reads"] for r in results) > 0 and not [e for r in results for e in r["errors"]]
    assert sum(r["read_locked"] for r in results) == 0
    acknowledged = {ref for r in results for ref in r["writes_ok"]}
    with db.read() as s:
        stored = set(s.execute(select(Assistant.ref).where(Assistant.ref.like("W-%"))).scalars())
        assert s.execute(select(func.count()).select_from(Shift)).scalar_one() == rows
        assert verify_chain(s).ok
    assert acknowledged and acknowledged <= stored  # no acknowledged write lost


def _fork(work) -> int:  # noqa: ANN001
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            code = work()
        finally:
            os._exit(code)
    return pid


def _check(path: str, shifts_in_file: int) -> None:
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        shifts = con.execute("SELECT count(*) FROM shift").fetchone()[0]
        logged = con.execute("SELECT count(*) FROM audit_event WHERE entity = 'shift'").fetchone()[0]
    finally:
        con.close()
    assert shifts in (0, shifts_in_file) and logged == shifts  # all or nothing, each with its row
    db = Database(make_engine(f"sqlite:///{path}"))
    try:
        with db.read() as s:
            assert verify_chain(s).ok
    finally:
        db.dispose()


def test_sigkill_during_import_backup_and_restore_leaves_clean_files(company, tmp_path):
    db, csv_path, rows = company
    path = make_engine_path(db)
    db.dispose()
    rng = random.Random(15)
    backup_dir = tmp_path / "backups"
    backup_dir.mkdir()

    def do_import() -> int:
        from bpa_provider.services.importer import import_csv

        mine = Database(make_engine(f"sqlite:///{path}"))
        import_csv(mine, loadkit.ADMIN, "shifts", csv_path)
        return 0

    def do_backup() -> int:
        from bpa_provider.services import backup

        mine = Database(make_engine(f"sqlite:///{path}"))
        backup.backup(mine, loadkit.ADMIN, backup_dir / "b.sqlite3")
        return 0

    from bpa_provider.services import backup

    good = tmp_path / "good.sqlite3"
    backup.backup(Database(make_engine(f"sqlite:///{path}")), loadkit.ADMIN, good)
    restored = tmp_path / "restored" / "r.sqlite3"
    restored.parent.mkdir()

    def do_restore() -> int:
        backup.restore(good, restored, force=True, by="test")
        return 0

    kills = 0
    for round_no in range(9):
        work = (do_import, do_backup, do_restore)[round_no % 3]
        pid = _fork(work)
        time.sleep(rng.uniform(0.05, 1.5))
        try:
            os.kill(pid, signal.SIGKILL)
            kills += 1
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        _check(path, rows)
        done = backup_dir / "b.sqlite3"
        if done.exists():  # a backup that finished is a whole, checked database
            _check(str(done), rows)
            done.unlink()
        if restored.exists():  # the old database or the whole backup, never half of it
            _check(str(restored), rows)
        for p in [*backup_dir.iterdir(), *restored.parent.iterdir()]:
            if p.name.startswith("."):  # a killed backup's scratch copy: see the test below
                p.unlink()
    assert kills >= 4


def test_a_killed_backup_leaves_no_partial_copy(company, tmp_path):
    db, _csv, _rows = company
    path = make_engine_path(db)
    db.dispose()
    target = tmp_path / "out" / "b.sqlite3"
    target.parent.mkdir()

    def do_backup() -> int:
        from bpa_provider.services import backup

        backup.backup(Database(make_engine(f"sqlite:///{path}")), loadkit.ADMIN, target)
        return 0

    pid = _fork(do_backup)
    waited = time.monotonic() + 20
    while not any("partial" in p.name for p in target.parent.iterdir()) and time.monotonic() < waited:
        time.sleep(0.005)  # kill it while its scratch copy exists
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    from bpa_provider.services import backup

    backup.backup(Database(make_engine(f"sqlite:///{path}")), loadkit.ADMIN, tmp_path / "out" / "c.sqlite3")
    strays = [p.name for p in target.parent.iterdir() if "partial" in p.name and not _owner_alive(p.name)]
    assert not strays


def _owner_alive(name: str) -> bool:
    """A `.NAME.partial-PID` copy whose process is still running is work in progress."""
    try:
        os.kill(int(name.rsplit("-", 1)[1]), 0)
        return True
    except (ValueError, ProcessLookupError):
        return False


def make_engine_path(db: Database) -> str:
    from sqlalchemy.engine import make_url

    return make_url(str(db.engine.url)).database


def test_the_bench_runs_the_wal_checkpoint_itself_after_the_commit(tmp_path, sqlite_template):
    """`bench.load import` times the write lock up to COMMIT's return: SQLite's automatic
    checkpoint, which COMMIT runs after releasing the lock, is left to the bench (session 10)."""
    import shutil

    from sqlalchemy import text

    path = tmp_path / "bpa.sqlite3"
    shutil.copy(sqlite_template, path)
    db = Database(make_engine(f"sqlite:///{path}"))
    try:
        loadkit.checkpoint_left_to_caller(db)
        with db.write() as s:
            assert s.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
            s.execute(text("CREATE TABLE scratch (x BLOB)"))
            # About 2,500 pages: well over the 1,000 at which a commit would checkpoint by itself.
            s.execute(
                text(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9000) "
                    "INSERT INTO scratch SELECT randomblob(1000) FROM n"
                )
            )
        before = path.stat().st_size
        assert before < 4_000_000  # the commit left the pages in the WAL
        assert loadkit.checkpoint(db) >= 0
        assert path.stat().st_size > before + 8_000_000  # the bench's checkpoint copied them back
    finally:
        db.dispose()


def test_the_bench_says_how_many_processes_the_rules_ran_in(company):
    from bench.load import run_import

    db, csv_path, rows = company
    out = run_import(db.engine.url.render_as_string(), str(csv_path), workers=1)
    assert out["rows"] == rows
    assert out["spread"] == 1 and out["workers_cpu_s"] == 0
    assert 0 <= out["write_lock_s"] <= out["write_transaction_s"]
    assert out["checkpoint_s"] >= 0
