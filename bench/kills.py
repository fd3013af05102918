"""SIGKILL robustness (issue 15): `bpa-provider` processes killed at random moments of an import,
a payroll export, a backup, a restore and a transfer's cut-over, each run as a person runs it (the
CLI in its own process). After every kill: the database passes `PRAGMA integrity_check` and
`audit --verify`, an import is all there or not at all, a cut-over either switched the client and
their assistants or left everything as it was, an output file is whole or absent, and the
leftovers (scratch copies, temporary files of processes that are gone) are counted.

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

OPERATIONS = ("import", "payroll", "backup", "restore", "cutover")


def _cli(db: Path, *argv: str) -> list[str]:
    return [sys.executable, "-m", "bpa_provider.cli", "--db", str(db), *argv]


def _integrity(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def _shifts(path: Path) -> tuple[int, int]:
    """The import's clients' shifts, and the access-log rows the import wrote for them (a cut-over
    changes other clients' shifts and logs that too: not counted here)."""
    con = sqlite3.connect(path)
    try:
        return (
            con.execute(
                "SELECT count(*) FROM shift JOIN client ON client.id = shift.client_id WHERE client.ref >= 'K-5000'"
            ).fetchone()[0],
            con.execute(
                "SELECT count(*) FROM audit_event WHERE entity = 'shift' AND action = 'create'"
                " AND summary LIKE 'imported:%'"
            ).fetchone()[0],
        )
    finally:
        con.close()


def _verify(db: Path) -> str:
    """ "" when `audit --verify` finds the log intact, else what it said (its last line, and its
    exit code): a problem is kept with its reason, not only that it happened."""
    done = subprocess.run(_cli(db, "audit", "--verify"), capture_output=True, text=True)
    said = (done.stdout + done.stderr).strip()
    if done.returncode == 0 and "intact" in said:
        return ""
    return f"exit {done.returncode}: {said.splitlines()[-1][:200] if said else 'nothing said'}"


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
        _cli(db_path, "demo", "--clients", "30", "--months", "3", "--seed", "3"), check=True, capture_output=True
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
    waiting = _ready_transfers(db_path)  # (transfer id, client id, effective date), not cut over yet
    stats = {op: {"started": 0, "killed": 0, "finished": 0} for op in OPERATIONS}
    lasted = dict.fromkeys(OPERATIONS, 3.0)  # seconds each operation took when last let finish
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
        elif op == "restore":
            target_db = out / "restored.sqlite3"
            argv = _cli(target_db, "restore", "--force", str(backup_file))
        else:
            if not waiting:  # every demo client is cut over: nothing left to kill a cut-over of
                stats[op].setdefault("skipped", 0)
                stats[op]["skipped"] += 1
                continue
            tid, _client, effective = waiting[0]
            argv = _cli(db_path, "transfer", "step", str(tid), "cutover", "--on", effective)
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stats[op]["started"] += 1
        # Somewhere in the operation's run, start-up included: up to the length of its last whole
        # run (a fixed window would kill nothing on a quiet machine and everything on a busy one).
        delay = rng.uniform(0.1, lasted[op])
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            stats[op]["killed"] += 1
            lasted[op] = max(lasted[op], delay)
        else:
            stats[op]["finished"] += 1
            lasted[op] = time.monotonic() - t0
        proc.wait()
        for path in {db_path, target_db}:
            if path.exists():
                if _integrity(path) != "ok":
                    problems.append(f"{n} {op}: {path.name} fails integrity_check")
                elif said := _verify(path):
                    problems.append(f"{n} {op}: {path.name} fails audit --verify ({said})")
        if op == "cutover":
            problem = _half_cut_over(db_path, waiting[0])
            if problem:
                problems.append(f"{n} {op}: {problem}")
            if _state(db_path, waiting[0][0]) == "cutover":
                waiting.pop(0)
        shifts, logged = _shifts(db_path)
        shifts, logged = shifts - base_shifts, logged - base_logged
        if shifts % expected_rows or logged != shifts:
            problems.append(f"{n} {op}: {shifts} shifts, {logged} logged (half an import?)")
        for name in ("payroll.csv", "backup.sqlite3"):
            f = out / name
            if f.exists() and f.suffix == ".sqlite3" and _integrity(f) != "ok":
                problems.append(f"{n} {op}: {name} is half-written")
    # A killed backup or restore cannot clean up after itself: its scratch copy is removed by the
    # next backup or restore in that folder (and by any command's start, beside the database).
    left_by_kills = _leftovers(out) + _leftovers(where)
    subprocess.run(_cli(db_path, "backup", "--force", str(out / "backup.sqlite3")), capture_output=True)
    subprocess.run(_cli(out / "restored.sqlite3", "restore", "--force", str(backup_file)), capture_output=True)
    return {
        "kills": sum(s["killed"] for s in stats.values()),
        "left_by_the_last_kills": left_by_kills,
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


def _ready_transfers(db_path: Path) -> list[tuple[int, int, str]]:
    """An outgoing transfer for every active client without one, walked up to cut-over (the
    dates of early 2026, so cut-over is due): what a kill during cut-over must leave whole."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from bpa_provider.db.engine import Database, make_engine
    from bpa_provider.db.models import Client
    from bpa_provider.services import transfers as tr

    db = Database(make_engine(f"sqlite:///{db_path}"))
    ready = []
    try:
        with db.read() as s:
            # The demo's own clients (the import's, K-5001 on, keep their shifts coming).
            clients = s.execute(
                select(Client.id, Client.ref).where(Client.status == "active", Client.ref < "K-5000")
            ).all()
        for cid, ref in clients:
            v = tr.open_transfer(db, loadkit.ADMIN, ref, "out", "Other AS", "2026-01-31", today=date(2026, 2, 1))
            day = date(2026, 2, 2)
            for step in v.steps[1:]:
                if step.code in ("cutover", "closed"):
                    break
                if step.code == "assistants_informed":
                    for person in v.assistants:
                        v = tr.inform_assistant(db, loadkit.ADMIN, v.id, person.ref, day, day + timedelta(days=14))
                if step.code == "refusal_deadline_passed":
                    day += timedelta(days=15)
                v = tr.complete_step(db, loadkit.ADMIN, v.id, step.code, day)
                day += timedelta(days=1)
            ready.append((v.id, cid, v.effective_date.isoformat()))
    finally:
        db.dispose()
    return ready


def _state(path: Path, transfer_id: int) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT state FROM transfer WHERE id = ?", (transfer_id,)).fetchone()[0]
    finally:
        con.close()


def _half_cut_over(path: Path, waiting: tuple[int, int, str]) -> str:
    """What is half-done about one transfer's cut-over, or "": the transfer's state, the client's
    status and the audit row of the step agree (all switched, or none)."""
    tid, cid, _effective = waiting
    con = sqlite3.connect(path)
    try:
        state = con.execute("SELECT state FROM transfer WHERE id = ?", (tid,)).fetchone()[0]
        status = con.execute("SELECT status FROM client WHERE id = ?", (cid,)).fetchone()[0]
        steps = con.execute(
            "SELECT count(*) FROM transfer_step WHERE transfer_id = ? AND code = 'cutover' AND done_on IS NOT NULL",
            (tid,),
        ).fetchone()[0]
    finally:
        con.close()
    cut = state == "cutover"
    if cut != (status == "ended") or cut != (steps == 1):
        return f"transfer {tid}: state {state}, client status {status}, cut-over step recorded {steps}"
    return ""


def _last_month() -> str:
    from datetime import date, timedelta

    first = date.today().replace(day=1) - timedelta(days=1)
    return first.strftime("%Y-%m")
