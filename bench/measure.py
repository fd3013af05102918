"""Timing helpers: run a thing several times and summarise with median and spread."""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

#: The longest any one measured process may take (seconds): a probe that waits for a screen that
#: never comes would otherwise hold the whole `make bench` run; it becomes its row's reason instead.
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "300"))


def run(argv: Sequence[str], timeout: float | None = None, **kwargs: Any) -> subprocess.CompletedProcess[Any]:
    """`subprocess.run(argv, capture_output=True, cwd=ROOT, ...)`, ended after `timeout` seconds
    (default TIMEOUT) with a RuntimeError that says so. The process runs in a process group of its
    own, and the whole group is killed then (or when the harness itself is interrupted), so a
    command a probe started does not outlive it."""
    limit = timeout or TIMEOUT
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, process_group=0, **kwargs
    ) as proc:
        try:
            out, err = proc.communicate(timeout=limit)
        except BaseException as exc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            if isinstance(exc, subprocess.TimeoutExpired):
                raise RuntimeError(f"timed out after {limit:.0f} s: {' '.join(map(str, argv))[-120:]}") from None
            raise
    return subprocess.CompletedProcess(list(argv), proc.returncode, out, err)


#: Runs the command after it as a child of a fresh, small Python process. A process's peak
#: memory (`ru_maxrss` of RUSAGE_SELF) survives `exec` on Linux and starts from the memory of the
#: process that forked it: a probe started straight from the harness (hundreds of MB after its
#: in-process checks at 100 %) reported the harness's peak, not its own.
FRESH_PARENT = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"


def from_fresh_parent(argv: Sequence[str]) -> list[str]:
    """`argv` started by a fresh Python process (its own stdout and exit status passed through),
    for a probe that reports its own peak memory (FRESH_PARENT)."""
    return [sys.executable, "-c", FRESH_PARENT, *argv]


@dataclass
class Sample:
    """Repeated measurements of one figure (seconds, bytes or a rate)."""

    values: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def spread(self) -> float:
        """Half the range between the fastest and the slowest run."""
        return (max(self.values) - min(self.values)) / 2 if len(self.values) > 1 else 0.0


def time_command(argv: Sequence[str], runs: int, env: dict[str, str] | None = None) -> Sample:
    """Wall time of a whole process, `runs` times (after one unmeasured warm-up run)."""
    full_env = {**os.environ, **(env or {})}
    run(argv, env=full_env)
    values = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = run(argv, env=full_env)
        values.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {proc.stderr.decode()[-500:]}")
    return Sample(values)


def time_call(fn: Callable[[], object], runs: int) -> Sample:
    """Wall time of an in-process call, `runs` times after one warm-up."""
    fn()
    values = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        values.append(time.perf_counter() - t0)
    return Sample(values)


def value_of_command(argv: Sequence[str], runs: int, env: dict[str, str] | None = None) -> Sample:
    """A number a helper process prints on its last stdout line (e.g. seconds or bytes)."""
    full_env = {**os.environ, **(env or {})}
    values = []
    for _ in range(runs):
        proc = run(argv, env=full_env, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {proc.stderr[-800:]}")
        values.append(float(proc.stdout.strip().splitlines()[-1]))
    return Sample(values)


def values_in_turns(
    argv_of: Callable[[str], Sequence[str]], dbs: dict[float, str], runs: int
) -> tuple[dict[float, list[float]], dict[float, str]]:
    """A probe printing a number, run once on the database of every scale in turns, `runs` times
    (10 %, 100 %, 10 %, …), so a busy minute on a shared machine slows every scale alike. A scale
    whose probe fails is left out of the later turns, with the reason in `errors`."""
    values: dict[float, list[float]] = {scale: [] for scale in dbs}
    errors: dict[float, str] = {}
    for _ in range(runs):
        for scale, db in dbs.items():
            if scale in errors:
                continue
            try:
                values[scale] += value_of_command(argv_of(db), 1).values
            except Exception as exc:  # noqa: BLE001
                errors[scale] = str(exc)[:80]
    return values, errors


def value_since_launch(argv: Sequence[str], runs: int) -> Sample:
    """Seconds from launching a helper process to the moment it reports (its last stdout line),
    `runs` times after one unmeasured warm-up. The launch instant goes to the helper as BENCH_T0,
    so the figure covers starting Python and the imports but not the process's teardown."""
    values = []
    for i in range(runs + 1):
        env = {**os.environ, "BENCH_T0": repr(time.time())}
        proc = run(argv, env=env, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {proc.stderr[-800:]}")
        if i:
            values.append(float(proc.stdout.strip().splitlines()[-1]))
    return Sample(values)
