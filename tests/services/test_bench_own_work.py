"""The bench's "own work" (bench/own_work.py, issue 19): each side of a row minus its own start-up
measured in the same loop, and a command's peak memory read from the process itself."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench import own_work
from bench.company import CLI
from bench.measure import run
from bpa_provider.db.engine import open_database
from bpa_provider.identity import current_login
from bpa_provider.services import users


def test_own_work_is_each_run_minus_the_median_start_up(monkeypatch):
    walls = iter([9.0, 9.0, 1.0, 3.0, 1.2, 3.5, 0.8, 2.9])  # warm-up pair, then (start-up, command)
    before = []
    monkeypatch.setattr(own_work, "_wall", lambda argv: next(walls))
    own, start = own_work.minus_startup(["cmd"], ["start"], 3, before=lambda: before.append(1))
    assert start.values == [1.0, 1.2, 0.8]
    assert [round(v, 6) for v in own.values] == [2.0, 2.5, 1.9]  # minus the median start-up, 1.0
    assert len(before) == 4  # before every run of the command, the warm-up too


def test_small_own_work_takes_more_pairs_on_both_sides(monkeypatch):
    # 20 ms of work beside a 0.7 s start-up: three pairs are within one run's noise, so at least
    # SMALL_RUNS are taken (after the warm-up pair); work above SMALL stays at `runs`.
    walls = iter([0.7, 0.72] * (own_work.SMALL_RUNS + 1))
    monkeypatch.setattr(own_work, "_wall", lambda argv: next(walls))
    own, start = own_work.minus_startup(["cmd"], ["start"], 3)
    assert len(own.values) == len(start.values) == own_work.SMALL_RUNS
    assert round(own.median, 6) == 0.02
    walls = iter([0.7, 1.7] * 4)
    monkeypatch.setattr(own_work, "_wall", lambda argv: next(walls))
    own, _start = own_work.minus_startup(["cmd"], ["start"], 3)
    assert len(own.values) == 3


def test_startup_is_the_cli_opening_the_database():
    argv = own_work.startup_argv("bpa-provider", "x.sqlite3")
    assert argv[:3] == ["bpa-provider", "--db", "x.sqlite3"] and "municipalities" in argv


def test_peak_rss_is_the_commands_own():
    small = own_work.peak_rss(sys.executable, [sys.executable, "-c", "pass"])
    big = own_work.peak_rss(
        sys.executable, [sys.executable, "-c", "b = bytearray(150_000_000); b[::4096] = b'x' * len(b[::4096])"]
    )
    assert small < 100e6 < 150e6 <= big


def test_in_process_times_each_commands_first_call_in_a_fresh_process(tmp_path, sqlite_template, monkeypatch):
    """The list command's own work is milliseconds: both sides are timed inside the process (the
    difference of two whole processes swung by ±20 ms), each call opening the database anew, and
    the command's first call in a process of its own, so what a CLI run pays once (the modules
    it imports on the way, its statements' first compile) is in every sample."""
    path = tmp_path / "bpa.sqlite3"
    path.write_bytes(Path(sqlite_template).read_bytes())
    db = open_database(str(path))
    users.ensure_first_admin(db, current_login())
    db.dispose()
    processes = []

    def counted(argv, **kwargs):
        processes.append(argv)
        return run(argv, **kwargs)

    monkeypatch.setattr(own_work, "run", counted)
    argv = [CLI, "--db", str(path), "list", "assistants", "--format", "csv"]
    own, start = own_work.in_process(argv, own_work.startup_argv(CLI, str(path)), 2)
    assert len(own.values) == len(processes) == own_work.SMALL_RUNS  # one fresh process a sample
    assert len(start.values) == 2 * own_work.SMALL_RUNS  # the start-up timed before and after
    assert all(v >= 0 for v in own.values) and 0 < start.median < 5
    with pytest.raises(RuntimeError, match="in one process failed"):
        own_work.in_process([CLI, "--db", str(tmp_path / "missing.sqlite3"), "list", "assistants"], argv, 1)
