"""`python -m bench.load`: the load and fault figures of issue 15 (docs/performance.md).

    python -m bench.load import   [--shifts 100000] [--workers N]  throughput, write-lock time, memory
    python -m bench.load sessions [--sessions 20] [--shifts 100000] [--pg] [--think 1 3] [--duration 300]
                                  [--no-import]
    python -m bench.load kills    [--kills 100]

`import` runs the import in a fresh process (its peak RSS is the import's own); `sessions` starts
N processes doing a coordinator's mix while the import runs (a clients list, a roster week, the
month's hours report and a small write, 1–3 s of think time before each: `loadkit.session_mix`),
each read timed in wall-clock and CPU seconds; `kills` SIGKILLs import, payroll
export, backup and restore at random moments and checks every database. Each prints one JSON line.
Nothing here is part of the tests; their short versions are in tests/services/test_import_load.py.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import loadkit


def fresh_database(where: Path, clients: int, per_client: int = 4) -> tuple[str, list[tuple[str, str]]]:
    """A migrated SQLite file with a company (see loadkit.build_company)."""
    from bpa_provider.db import migrate
    from bpa_provider.db.engine import Database, make_engine

    path = where / "load.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    db = Database(engine)
    pairs = loadkit.build_company(db, clients, per_client)
    db.dispose()
    return str(path), pairs


def fresh_pg_database(clients: int, per_client: int = 4):  # noqa: ANN201
    """A throwaway PostgreSQL cluster (tests/pgserver.py) with a migrated database and a company;
    returns (url, pairs, cluster) — stop the cluster when done."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from pgserver import PgCluster, pg_bin_dir
    from sqlalchemy import text

    from bpa_provider.db import migrate
    from bpa_provider.db.engine import Database, make_engine

    bindir = pg_bin_dir()
    if bindir is None:
        raise SystemExit("no PostgreSQL binaries on this machine")
    cluster = PgCluster(bindir)
    cluster.start()
    admin = make_engine(cluster.url())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("CREATE DATABASE bpa_load"))
    admin.dispose()
    url = cluster.url("bpa_load")
    engine = make_engine(url)
    migrate.upgrade(engine)
    db = Database(engine)
    pairs = loadkit.build_company(db, clients, per_client)
    db.dispose()
    return url, pairs, cluster


def import_once(url: str, csv_path: str, workers: int = 0) -> dict:
    """Import one shift file in this process: seconds, rows/s, longest write transaction, peak RSS.
    `workers`: the rules spread over that many forked processes (1: none) whatever the machine's
    load says (`import_spread.workers_for`); 0: as it says."""
    import os

    from bpa_provider.db.engine import open_database
    from bpa_provider.services import import_rows
    from bpa_provider.services.importer import import_csv

    db = open_database(url)
    writes = loadkit.timed_writes(db)
    phases: dict[str, float] = {}
    for name in ("plan_shifts", "write_shifts", "prepare"):
        setattr(import_rows, name, loadkit.timed(getattr(import_rows, name), phases, name))
    # The parts of the whole: reading the file; in the write, the shifts and the access log.
    from bpa_provider import audit
    from bpa_provider.services import import_spread, import_write, importer

    # How many processes the rules were spread over in this run (what `workers_for` chose, or
    # was told): a run is read with it, a spread run and a one-process run are not the same run.
    chosen: list[int] = []
    choose = (lambda shifts: workers) if workers > 0 else import_spread.workers_for

    def workers_for(shifts: int) -> int:
        chosen.append(choose(shifts))
        return chosen[-1]

    import_spread.workers_for = workers_for
    # The lock is timed without SQLite's automatic WAL checkpoint, which COMMIT runs after
    # releasing it: the same checkpoint runs right after the import, inside the timed run (the
    # run's seconds and CPU are the same work; `checkpoint_s` says how much of them it took).
    loadkit.checkpoint_left_to_caller(db)

    for name in ("read_bytes", "decode", "parse_csv"):  # reading the file (`importer.import_csv`)
        setattr(importer, name, loadkit.timed(getattr(importer, name), phases, "read_csv"))
    import_write._bulk_insert = loadkit.timed(import_write._bulk_insert, phases, "shift_rows")
    audit.append_entries = loadkit.timed(audit.append_entries, phases, "log_rows")

    def children_cpu() -> float:  # the check's forked workers (services/import_spread.py)
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return ru.ru_utime + ru.ru_stime

    started, cpu, kids = time.perf_counter(), time.process_time(), children_cpu()
    result = import_csv(db, loadkit.ADMIN, "shifts", csv_path)
    checkpoint_s = loadkit.checkpoint(db)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    kids = children_cpu() - kids
    db.dispose()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "rows": result.rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(result.rows / seconds),
        "cpu_s": round(cpu + kids, 2),  # this process and its check's worker processes
        "workers_cpu_s": round(kids, 2),
        "rows_per_cpu_s": round(result.rows / (cpu + kids)),
        "check_s": round(phases.get("plan_shifts", 0), 2),
        "insert_s": round(phases.get("write_shifts", 0), 2),
        "check_cpu_s": round(phases.get("plan_shifts_cpu", 0), 2),
        "insert_cpu_s": round(phases.get("write_shifts_cpu", 0), 2),
        # CPU seconds of the parts: reading the CSV, preparing the rows, in the write the shifts'
        # INSERT and the access-log rows (the rest of the lock is the commit).
        "read_cpu_s": round(phases.get("read_csv_cpu", 0), 2),
        "prepare_cpu_s": round(phases.get("prepare_cpu", 0), 2),
        "shift_rows_cpu_s": round(phases.get("shift_rows_cpu", 0), 2),
        "log_rows_cpu_s": round(phases.get("log_rows_cpu", 0), 2),
        "write_lock_s": round(writes.longest_lock, 2),
        "checkpoint_s": round(checkpoint_s, 2),  # the WAL checkpoint after it (SQLite; lock released)
        "write_transaction_s": round(writes.longest, 2),
        "peak_rss_mb": round(rss_mb),
        "workers_peak_rss_mb": round(workers_rss_mb),  # the largest worker (shares pages with this one)
        "warnings": result.warnings,
        "workers": workers,  # 0: as the machine's load said
        "spread": max(chosen, default=1),  # processes the rules ran in (1: this one alone)
        "load_average": round(os.getloadavg()[0], 1),
    }


def _import_child(url: str, csv_path: str, queue, workers: int = 0) -> None:  # noqa: ANN001
    queue.put(import_once(url, csv_path, workers))


def run_import(url: str, csv_path: str, workers: int = 0) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    p = ctx.Process(target=_import_child, args=(url, csv_path, queue, workers))
    p.start()
    while True:  # a child that died says so instead of leaving us waiting
        try:
            out = queue.get(timeout=5)
            break
        except Exception:  # noqa: BLE001 - queue.Empty
            if not p.is_alive():
                raise RuntimeError(f"the import process ended with {p.exitcode}") from None
    p.join()
    return out


def run_sessions(
    url: str,
    csv_path: str,
    sessions: int,
    extra_seconds: float = 2.0,
    *,
    think: tuple[float, float] = loadkit.THINK,
    duration: float = 0.0,
    with_import: bool = True,
) -> dict:
    """`sessions` processes doing the mix (`loadkit.session_mix`, `think` seconds between actions)
    from just before the import starts until it ends and at least `duration` seconds have passed;
    without the import (`with_import=False`), for `duration` seconds: the same reads on the same
    machine with nothing else of ours running, to tell the import's effect from the machine's."""
    import os
    import threading

    from sqlalchemy import select

    from bpa_provider.db.engine import open_database
    from bpa_provider.db.models import Assistant

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    month = loadkit.FIRST_DAY.strftime("%Y-%m")
    # The sessions run until told to stop: a shared deadline written once the import ends.
    deadline = ctx.Value("d", time.time() + 3600)
    loads: list[float] = []
    sampling = threading.Event()

    def sample() -> None:  # the machine's load average through the run, every 5 s
        while not sampling.wait(5.0):
            loads.append(os.getloadavg()[0])

    sampler = threading.Thread(target=sample, daemon=True)
    started = time.time()
    warmed = ctx.Value("i", 0)
    procs = [
        ctx.Process(target=_session_until, args=(url, w, deadline, month, queue, think, warmed))
        for w in range(sessions)
    ]
    for p in procs:
        p.start()
    sampler.start()
    while warmed.value < sessions and time.time() < started + 300:
        time.sleep(0.5)  # every session has started (one untimed round of its reads)
    started = time.time()
    print(f"{sessions} sessions started; load average {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    imported = run_import(url, csv_path) if with_import else None
    print(f"import: {imported}", file=sys.stderr, flush=True)
    deadline.value = max(time.time() + extra_seconds, started + duration)
    results = [queue.get(timeout=600 + duration) for _ in procs]
    for p in procs:
        p.join()
    sampling.set()
    db = open_database(url)
    with db.read() as s:
        stored = set(s.execute(select(Assistant.ref).where(Assistant.ref.like("W-%"))).scalars())
    db.dispose()
    acknowledged = {ref for _w, r in results for ref in r["writes_ok"]}
    times = sorted(t for _w, r in results for t in r["read_times"])
    slowest = max((r for _w, r in results), key=lambda r: r["slowest_read"])

    def pct(q: float) -> float:
        return round(times[min(len(times) - 1, int(q * len(times)))], 3) if times else 0.0

    return {
        "sessions": sessions,
        "think_s": list(think),
        "seconds": round(time.time() - started),
        "import": imported,
        "reads": len(times),
        "reads_locked": sum(r["read_locked"] for _w, r in results),
        "read_p50_s": pct(0.50),
        "read_p95_s": pct(0.95),
        "read_p99_s": pct(0.99),
        "reads_over_1s": sum(1 for t in times if t > 1.0),
        "slowest_read_s": round(slowest["slowest_read"], 3),
        "slowest_read_cpu_s": round(slowest["slowest_read_cpu"], 3),
        "slowest_read_core_wait_s": round(slowest["slowest_read_queued"], 3),
        "longest_wait_s": round(max(r["slowest_wait"] for _w, r in results), 3),
        "longest_other_wait_s": round(max(r["longest_other_wait"] for _w, r in results), 3),
        "writes_acknowledged": len(acknowledged),
        "writes_lost": len(acknowledged - stored),
        "writes_busy": sum(r["write_busy"] for _w, r in results),
        "load_average": {
            "min": min(loads, default=0.0),
            "max": max(loads, default=0.0),
            "mean": round(sum(loads) / len(loads), 1) if loads else 0.0,
        },
        "cpus": os.cpu_count(),
        "errors": [e for _w, r in results for e in r["errors"]][:5],
    }


def _session_until(url: str, worker: int, deadline, month: str, queue, think, warmed) -> None:  # noqa: ANN001
    """One session's mix until the shared deadline (set when the import ends)."""

    def ready() -> None:
        with warmed.get_lock():
            warmed.value += 1

    r = loadkit.session_mix(
        url, worker, 24 * 3600, month, think=tuple(think), stop=lambda: time.time() >= deadline.value, ready=ready
    )
    queue.put((worker, r.__dict__))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("figure", choices=("import", "sessions", "kills"))
    ap.add_argument("--shifts", type=int, default=100_000)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--kills", type=int, default=100)
    ap.add_argument("--pg", action="store_true", help="on a throwaway PostgreSQL cluster instead of SQLite")
    ap.add_argument(
        "--workers",
        type=int,
        default=0,
        help="import: the rules spread over N forked processes (1: one process) whatever the load; "
        "0: as the machine's load says (the default)",
    )
    ap.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=list(loadkit.THINK),
        metavar=("MIN", "MAX"),
        help="a session's think time between actions, seconds (uniform); 0 0: back to back",
    )
    ap.add_argument(
        "--duration", type=float, default=0.0, help="sessions: run at least this many seconds (the issue's figure: 300)"
    )
    ap.add_argument(
        "--no-import",
        action="store_true",
        help="sessions: the shift file imported first, then the same mix with no import running "
        "(a baseline for the machine and the data)",
    )
    args = ap.parse_args()
    where = Path(tempfile.mkdtemp(prefix="bpa-load-"))
    try:
        if args.figure == "kills":
            from bench.kills import run_kills

            print(json.dumps(run_kills(where, args.kills)), flush=True)
            return
        clients = max(1, args.shifts // 2000)  # 4 assistants x 500 shifts each (two years)
        cluster = None
        if args.pg:
            url, pairs, cluster = fresh_pg_database(clients)
        else:
            path, pairs = fresh_database(where, clients)
            url = f"sqlite:///{path}"
        csv_path = where / "shifts.csv"
        loadkit.write_shifts_csv(csv_path, pairs, args.shifts)
        print(f"file: {csv_path.stat().st_size / 1e6:.1f} MB", file=sys.stderr)
        try:
            if args.figure == "import":
                print(json.dumps(run_import(url, str(csv_path), args.workers)), flush=True)
            else:
                if args.no_import:  # the same data, imported first: only the import's running is left out
                    print(f"imported first: {run_import(url, str(csv_path))}", file=sys.stderr, flush=True)
                print(
                    json.dumps(
                        run_sessions(
                            url,
                            str(csv_path),
                            args.sessions,
                            think=tuple(args.think),
                            duration=args.duration,
                            with_import=not args.no_import,
                        )
                    ),
                    flush=True,
                )
        finally:
            if cluster is not None:
                cluster.stop()
    finally:
        shutil.rmtree(where, ignore_errors=True)


if __name__ == "__main__":
    main()
