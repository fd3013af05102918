"""What "own work" is in `make bench` (issue 19): each side of a row minus its own start-up, so a
command and its floor are compared on the same thing — the work after the process is ready.

- **A command**: its wall time minus the median wall time of the same CLI's start-up on the same
  database, `list municipalities` (Python, the CLI, SQLAlchemy and the models imported, the
  database opened, its revision and the log's guards checked, one small query), measured in the
  same loop, the two alternating. The start-up is a row of its own, beside `python -c 'import
  sqlmodel'` (bench/scale_rows.py). When the difference is small (under `SMALL`, 0.25 s) at least
  `SMALL_RUNS` pairs are taken instead of `runs`. Before, "own work" was the command minus `--help`, which left
  the ~0.26 s of importing the database stack and opening the database on the command's side.
- **A floor through a database shell** (`sqlite3`, `psql`): its wall time minus the median of the
  same shell running `SELECT 1` on the same database, alternating.
- **A floor in Python** (bench/*_floor.py run as a module): the elapsed time it prints itself,
  taken after Python and its imports, its connection opened inside the timed part.
- **A command whose own work is milliseconds** (`list assistants --format csv`, `report invoice`
  and `report hours`: ≈ 5–40 ms at 10 %): `in_process` — the command and the start-up command
  run by the CLI's own `main` inside Python processes, each call timed there; own work is the
  command's time minus the median of the start-up's. One fresh process per sample: it runs the
  start-up once untimed (what both commands' processes pay: the imports of building the parser,
  the first engine), freezes the objects made so far out of the garbage collector as the CLI
  does after building its parser, then times the start-up, the command's **first** call and the
  start-up again. So what a CLI run pays once and the start-up does not — the modules the
  command imports on its way, its statements compiled for the first time — is in every sample,
  as it is in every real run; each call builds its Context and opens the database (its engine,
  the schema and guard checks, who you are) as a new process would, and a new engine has an
  empty statement cache. The commands timed so only read (no audit row, no stored outlook, no
  ledger row): nothing one sample writes makes the next cheaper. Session 11 timed all pairs in
  one process, after one unmeasured pair: later calls found the command's modules imported and
  its ORM paths memoized, and the collector walked the CLI's unfrozen objects now and then
  (`report hours` at 10 %: 30 ms that way, 40 ms as first calls; docs/performance.md, "Session
  12 — inproc"). Taken as the difference of two ≈ 0.4 s processes instead, the own work of
  `list assistants` at 10 % was 10.5 ± 19.9 ms in session 10's final run (2.24× its floor) and
  −48 … +285 ms over fifteen pairs in session 11 on a shared machine, where in the process it
  is 4–6 ms. The rows run with bytecode compiled (bench/run.py): without it, each first call
  would also compile its modules' source (≈ 7 ms for `report hours`).

`peak_rss` is a command's peak resident memory (`ru_maxrss` of a fresh parent's only child).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence

from bench.measure import Sample, run


def startup_argv(cli: str, db: str) -> list[str]:
    """The command that opens the database and does next to nothing else."""
    return [cli, "--db", db, "list", "municipalities", "--format", "csv"]


def _wall(argv: Sequence[str]) -> float:
    t0 = time.perf_counter()
    proc = run(argv)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {proc.stderr.decode()[-500:]}")
    return elapsed


def minus_startup(
    argv: Sequence[str], start: Sequence[str], runs: int, before: Callable[[], object] | None = None
) -> tuple[Sample, Sample]:
    """(own work, start-up): `argv`'s wall time minus the median of `start`'s, the two run in
    turns after one unmeasured warm-up each; `before` runs untimed before every run of `argv`."""
    commands, starts = [], []
    i = 0
    while i <= runs or (i <= SMALL_RUNS and _small(commands, starts)):
        s = _wall(start)
        if before is not None:
            before()
        c = _wall(argv)
        if i:  # the first round warms the caches
            starts.append(s)
            commands.append(c)
        i += 1
    base = statistics.median(starts)
    return Sample([max(c - base, 0.0) for c in commands]), Sample(starts)


#: Runs taken at least when the work is small beside the start-up it is taken from: a difference
#: of tens of milliseconds between two ~0.7 s processes is within one run's noise on a shared VM,
#: and the median of three such differences swung 10x between runs in session 8 (`list … --format
#: csv` at 10 %: 88 ± 169 ms against an in-process 10 ms). Both sides of a row get the same.
SMALL_RUNS = 9
SMALL = 0.25  # seconds of own work


def _small(commands: Sequence[float], starts: Sequence[float]) -> bool:
    """Whether the own work so far is small beside the start-up (see `SMALL_RUNS`)."""
    return bool(commands) and statistics.median(commands) - statistics.median(starts) < SMALL


def in_process(
    argv: Sequence[str], start: Sequence[str], runs: int, outputs: list[str] | None = None
) -> tuple[Sample, Sample]:
    """(own work, start-up) of the CLI command `argv` beside the start-up command `start` (both
    `[CLI, *arguments]`), timed inside Python processes (`_in_process_main`): at least
    `SMALL_RUNS` fresh processes, each timing the start-up twice and the command's first call
    after them; own work is each command call minus the median of the start-up's calls. Both
    must exit 0. `outputs`, when given, gets each timed call's output (what it wrote to stdout)."""
    commands: list[float] = []
    starts: list[float] = []
    for _ in range(max(runs, SMALL_RUNS)):
        proc = run(
            [sys.executable, "-m", "bench.own_work", json.dumps(list(start[1:])), json.dumps(list(argv[1:]))],
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} in one process failed: {proc.stderr[-500:]}")
        times = json.loads(proc.stdout.strip().splitlines()[-1])
        starts += times["start"]
        commands.append(times["command"])
        if outputs is not None:
            outputs.append(times["output"])
    base = statistics.median(starts)
    return Sample([max(c - base, 0.0) for c in commands]), Sample(starts)


def _in_process_main(start: list[str], command: list[str]) -> None:
    """Run by `in_process` in a fresh process: `bpa_provider.cli.main` on `start` once untimed
    (what both commands' processes pay: the imports of building the parser, the first engine),
    the objects made so far frozen out of the garbage collector as the CLI freezes them after
    building its parser, then `start`, `command` (its first call: the modules it imports on the
    way, its statements compiled for the first time, as in its own process) and `start` again,
    each call's wall time (its output written to memory, as the floors make theirs) printed as
    JSON."""
    import gc

    from bpa_provider.cli import main

    written = io.StringIO()

    def timed(arguments: list[str]) -> float:
        written.seek(0)
        written.truncate()
        with contextlib.redirect_stdout(written):
            t0 = time.perf_counter()
            code = main(arguments)
            elapsed = time.perf_counter() - t0
        if code != 0:
            raise SystemExit(f"{' '.join(arguments)} exited {code}")
        return elapsed

    timed(start)
    gc.freeze()
    before, first = timed(start), timed(command)
    output = written.getvalue()
    after = timed(start)
    print(json.dumps({"start": [before, after], "command": first, "output": output}))
    sys.stdout.flush()
    os._exit(0)  # noqa: SLF001 - as the CLI ends: no interpreter teardown


def shell_floor(floor: Sequence[str], noop: Sequence[str], runs: int) -> Sample:
    """A database shell's query minus the same shell's `SELECT 1` on the same database."""
    return minus_startup(floor, noop, runs)[0]


PEAK = (
    "import resource, subprocess, sys; "
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
    "sys.exit(p.stderr.decode()[-300:]) if p.returncode else "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)"
)


def peak_rss(py: str, argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    """Peak resident memory of the process `argv`, in bytes."""
    proc = run([py, "-c", PEAK, *argv], text=True, env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {proc.stderr[-300:]}")
    return float(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    _in_process_main(json.loads(sys.argv[1]), json.loads(sys.argv[2]))
