"""`make bench`'s harness (issue 19: every target a row at every scale, on SQLite and PostgreSQL,
none silently dropped): a stuck probe ends after its time limit with the reason, and so does its
whole process group; the dashboard filled is a target row (≤ 1 s); a probe that fails, no tmux, a
missing company are rows with the reason; the scale rows compare each scale with the smallest."""

from __future__ import annotations

import os
import time

import pytest

from bench import measure, pg_rows, scale_rows
from bench.measure import Sample


def test_a_process_over_its_time_limit_is_ended_with_its_group_and_says_so(tmp_path):
    marker = tmp_path / "child-still-running"
    script = f"sleep 3 && touch {marker}"
    t0 = time.perf_counter()
    with pytest.raises(RuntimeError, match=r"timed out after 1 s"):
        measure.run(["sh", "-c", f"({script}) & wait"], timeout=1)
    assert time.perf_counter() - t0 < 2.5
    time.sleep(3)
    assert not marker.exists()  # the grandchild went with the group
    assert measure.run(["sh", "-c", "echo ok"], text=True).stdout == "ok\n"


def test_the_filled_dashboard_is_a_target_row_of_at_most_one_second(monkeypatch):
    scale_rows._BARE.clear()
    figures = {"bare": 0.2, "app": 0.6, "--filled": 1.4, "--again": 1.1}

    def since_launch(argv, runs):  # noqa: ANN001, ANN202
        key = next((flag for flag in ("--filled", "--again") if flag in argv), argv[3])
        return Sample([figures[key]] * runs)

    monkeypatch.setattr(scale_rows, "value_since_launch", since_launch)
    paint, filled, again = scale_rows.app_rows(1.0, 3, "db.sqlite3")
    assert (again.what, again.target, again.met(), again.floor) == (scale_rows.AGAIN, "≤ 1 s", "NO", None)
    assert (paint.target, paint.met(), paint.floor.median) == ("≤ 2.5×", "NO", 0.2)  # 3×
    assert filled.what == "start → every dashboard section filled"
    assert (filled.target, filled.met()) == ("≤ 1 s", "NO")
    figures["--filled"] = 0.9
    figures["app"] = 0.4
    figures["--again"] = 0.8
    paint, filled, again = scale_rows.app_rows(0.1, 3, "postgresql+psycopg://x", " on PostgreSQL")
    assert (paint.met(), filled.met(), again.met()) == ("yes", "yes", "yes")
    assert filled.what.endswith(" on PostgreSQL")


def test_a_probe_that_fails_is_its_row_with_the_reason(monkeypatch):
    scale_rows._BARE.clear()

    def since_launch(argv, runs):  # noqa: ANN001, ANN202
        if "--filled" in argv or "--again" in argv:
            raise RuntimeError("timed out after 900 s: app_probe")
        return Sample([0.3])

    monkeypatch.setattr(scale_rows, "value_since_launch", since_launch)
    rows = scale_rows.app_rows(1.0, 1, "db")
    assert [r.what for r in rows] == [scale_rows.FIRST_PAINT, scale_rows.FILLED, scale_rows.AGAIN]
    assert rows[1].value is None and "timed out" in rows[1].note and rows[1].cells()[2] == "n/a"
    assert rows[2].value is None and "timed out" in rows[2].note


def test_no_tmux_is_a_row_with_the_reason(monkeypatch):
    monkeypatch.setattr(scale_rows.shutil, "which", lambda name: None)
    rows = scale_rows.terminal_rows_on({0.1: "a", 1.0: "b"}, 1, " on PostgreSQL")
    assert [(r.scale, r.note) for r in rows] == [(0.1, "no tmux on this machine"), (1.0, "no tmux on this machine")]
    assert all(r.what == "key to screen, tmux 120x40: every step on PostgreSQL" for r in rows)


def test_the_scales_take_turns_and_a_failing_scale_keeps_its_row(monkeypatch):
    order = []

    def value(argv, runs):  # noqa: ANN001, ANN202
        order.append(argv[-1])
        if argv[-1] == "big" and len(order) > 2:
            raise RuntimeError("the probe broke")
        return Sample([{"small": 0.010, "big": 0.011}[argv[-1]]])

    monkeypatch.setattr(measure, "value_of_command", value)  # the turns are taken in measure.values_in_turns
    rows = scale_rows.probe_turns("a week", lambda db: ["probe", db], {0.1: "small", 1.0: "big"}, 3)
    assert order == ["small", "big", "small", "big", "small"]  # in turns; a broken scale stops
    small, big = rows
    assert (small.target, big.target) == ("≤ 1.2×", "≤ 1.2×")
    assert small.met() == "yes" and big.value.values == [0.011] and big.note == "the probe broke"


def test_a_missing_company_on_postgresql_is_a_row_with_the_reason(tmp_path):
    rows = pg_rows.pg_all_rows(1, {0.1: str(tmp_path / "company-10.sqlite3")})
    assert len(rows) == 1 and rows[0].note.startswith("no cached company") and rows[0].scale == 0.1


def test_every_row_module_stays_small():
    here = os.path.dirname(scale_rows.__file__)
    for name in ("scale_rows.py", "pg_rows.py", "run.py", "measure.py"):
        with open(os.path.join(here, name), encoding="utf-8") as fh:
            assert sum(1 for _ in fh) < 500, name


def test_each_part_logs_the_time_its_rows_took(capsys):
    from bench.row import Row, TimedRows

    rows = TimedRows()
    rows.append(Row("report rest", 0.1, None, "—", None, "—"))
    rows += [Row("peak memory: a", 0.1, None, "—", None, "—"), Row("peak memory: b", 0.1, None, "—", None, "—")]
    assert [r.what for r in rows] == ["report rest", "peak memory: a", "peak memory: b"]
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" s  ")[1] for line in lines] == ["report rest", "peak memory: a; peak memory: b"]


def test_a_probe_reports_its_own_peak_memory_not_the_harness_s():
    import sys

    held = bytearray(200_000_000)  # the harness after its in-process checks at 100 %
    held[::4096] = b"\1" * len(held[::4096])
    argv = [sys.executable, "-c", "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)"]
    straight = measure.value_of_command(argv, 1).median
    fresh = measure.value_of_command(measure.from_fresh_parent(argv), 1).median
    assert straight > 200e6  # Linux keeps the forking process's peak across exec
    assert fresh < 60e6
    assert measure.run(measure.from_fresh_parent(["sh", "-c", "echo hi; exit 3"]), text=True).returncode == 3
    del held
