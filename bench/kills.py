"""SIGKILL robustness (issue 15): `bpa-provider` processes killed at random moments of an import,
a payroll export, a backup and a restore, each run as a person runs it (the CLI in its own
process). After every kill: the database passes `PRAGMA integrity_check` and `audit --verify`, an
import is all there or not at all, an output file is whole or absent, and the leftovers (scratch
copies, temporary files of processes that are gone) are counted.

    python -m bench.load kills --kills 100
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench import loadkit

OPERATIONS = ("import", "payroll", "backup", "restore")


def _cli(db: Path, *argv: str) -> list[str]:
    return [sys.executable, "-m", "bpa_provider.cli", "--db", str(db), *argv]


def _integrity(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def _shifts(path: Path) -> tuple[int, int]:
    con = sqlite3.connect(path)
    try:
        return (
            con.execute("SELECT count(*) FROM shift").fetchone()[0],
            con.execute("SELECT count(*) FROM audit_event WHERE entity = 'shift'").fetchone()[0],
        )
    finally:
        con.close()


def _verify(db: Path) -> bool:
    done = subprocess.run(_cli(db, "audit", "--verify"), capture_output=True, text=True)
    return done.returncode == 0 and "intact" in (done.stdout + done.stderr)


def _leftovers(folder: Path) -> list[str]:
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.name.startswith(".") and ("partial" in p.name or ".restore-" in p.name or p.name.endswith(".tmp"))
    )


def run_kills(where: Path, kills: int, seed: int = 15) -> dict:
    """Start one of OPERATIONS, kill it after a random delay, check everything; `kills` times."""
    rng = random.Random(seed)
    db_path = where / "live.sqlite3"
    subprocess.run(
        _cli(db_path, "demo", "--clients", "12", "--months", "3", "--seed", "3"), check=True, capture_output=True
    )
    # Shifts for the demo's own assistants would clash with their rosters: clients and assistants
    # of their own are added once, and their shift file imported again and again (all or nothing:
    # after the first import the file is refused as already registered).
    csv_path = where / "shifts.csv"
    _company_shifts(db_path, csv_path)
    out = where / "out"
    out.mkdir()
    backup_file = where / "good-backup.sqlite3"
    subprocess.run(_cli(db_path, "backup", str(backup_file)), check=True, capture_output=True)
    month = _last_month()
    stats = {op: {"started": 0, "killed": 0, "finished": 0} for op in OPERATIONS}
    problems: list[str] = []
    expected_rows = sum(1 for _ in open(csv_path, encoding="utf-8")) - 1
    base_shifts, base_logged = _shifts(db_path)  # the demo's own (bulk-made, not logged one by one)
    for n in range(kills):
        op = OPERATIONS[n % len(OPERATIONS)]
        target_db = db_path
        if op == "import":
            argv = _cli(db_path, "import", "shifts", str(csv_path))
        elif op == "payroll":
            argv = _cli(db_path, "export", "payroll", "--month", month, "--out", str(out / "payroll.csv"))
        elif op == "backup":
            argv = _cli(db_path, "backup", "--force", str(out / "backup.sqlite3"))
        else:
            target_db = out / "restored.sqlite3"
            argv = _cli(target_db, "restore", "--force", str(backup_file))
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stats[op]["started"] += 1
        time.sleep(rng.uniform(0.5, 6.0))  # a start-up takes 1-2 s here: kill before, during, after
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            stats[op]["killed"] += 1
        else:
            stats[op]["finished"] += 1
        proc.wait()
        for path in {db_path, target_db}:
            if path.exists():
                if _integrity(path) != "ok":
                    problems.append(f"{n} {op}: {path.name} fails integrity_check")
                elif not _verify(path):
                    problems.append(f"{n} {op}: {path.name} fails audit --verify")
        shifts, logged = _shifts(db_path)
        shifts, logged = shifts - base_shifts, logged - base_logged
        if shifts % expected_rows or logged != shifts:
            problems.append(f"{n} {op}: {shifts} shifts, {logged} logged (half an import?)")
        for name in ("payroll.csv", "backup.sqlite3"):
            f = out / name
            if f.exists() and f.suffix == ".sqlite3" and _integrity(f) != "ok":
                problems.append(f"{n} {op}: {name} is half-written")
    return {
        "kills": sum(s["killed"] for s in stats.values()),
        "runs": kills,
        "by_operation": stats,
        "problems": problems[:20],
        "problem_count": len(problems),
        "leftovers": _leftovers(out) + _leftovers(where),
    }


def _company_shifts(db_path: Path, csv_path: Path) -> None:
    """Clients K-5001… with their assistants in the demo database, and a file of their shifts."""
    from bpa_provider.db.engine import Database, make_engine

    db = Database(make_engine(f"sqlite:///{db_path}"))
    try:
        pairs = loadkit.build_company(db, clients=5, first=5001, municipality="Loadtown")
    finally:
        db.dispose()
    loadkit.write_shifts_csv(csv_path, pairs, 5000)


def _last_month() -> str:
    from datetime import date, timedelta

    first = date.today().replace(day=1) - timedelta(days=1)
    return first.strftime("%Y-%m")
