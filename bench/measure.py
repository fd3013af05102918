"""Timing helpers: run a thing several times and summarise with median and spread."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


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
    subprocess.run(argv, capture_output=True, env=full_env, cwd=ROOT)
    values = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, env=full_env, cwd=ROOT)
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
        proc = subprocess.run(argv, capture_output=True, env=full_env, cwd=ROOT, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {proc.stderr[-800:]}")
        values.append(float(proc.stdout.strip().splitlines()[-1]))
    return Sample(values)


def value_since_launch(argv: Sequence[str], runs: int) -> Sample:
    """Seconds from launching a helper process to the moment it reports (its last stdout line),
    `runs` times after one unmeasured warm-up. The launch instant goes to the helper as BENCH_T0,
    so the figure covers starting Python and the imports but not the process's teardown."""
    values = []
    for i in range(runs + 1):
        env = {**os.environ, "BENCH_T0": repr(time.time())}
        proc = subprocess.run(argv, capture_output=True, env=env, cwd=ROOT, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {proc.stderr[-800:]}")
        if i:
            values.append(float(proc.stdout.strip().splitlines()[-1]))
    return Sample(values)
