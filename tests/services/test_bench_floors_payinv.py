"""The bench floors of issue 19's `export payroll` (with its check) and `report invoice` give the
command's own figures (bench/payroll_floor.py, bench/invoice_floor.py): the equality the bench rows
rest on, checked on small demo companies."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bench import invoice_floor, payroll_floor
from bench.company import CLI
from bpa_provider.cli import main

TODAY = date(2026, 5, 14)
NOW = datetime(2026, 5, 14, 12, tzinfo=UTC)


def test_the_payroll_floor_gives_the_commands_blockers_and_file_on_both_engines(db, admin):
    from bpa_provider.demo import load_demo

    load_demo(db, admin, seed=2, clients=6, assistants=18, months=4, today=TODAY)
    # An approved month before this one, this month (shifts not worked yet, not approved) and an
    # empty one.
    results = {month: payroll_floor.compare(db, month, NOW) for month in ("2026-04", "2026-05", "2026-08")}
    for month, said in results.items():
        assert said.startswith("equal ("), (month, said)
    assert results["2026-05"] != "equal (0 assistants, 0 blockers)"  # the month has work and blockers


def test_the_payroll_floor_follows_a_changed_shift(db, admin):
    """Both sides see the data: a shift of the month made longer changes the floor's file, and the
    command's file changes with it."""
    from datetime import timedelta

    from sqlalchemy import select

    from bpa_provider.db.models import Shift
    from bpa_provider.demo import load_demo

    load_demo(db, admin, seed=2, clients=4, assistants=10, months=3, today=TODAY)
    before = payroll_floor.floor(db, "2026-04", NOW)
    assert before == payroll_floor.command(db, "2026-04", NOW)
    with db.write() as s:
        sh = s.execute(
            select(Shift)
            .where(Shift.status == "approved", Shift.start_utc >= datetime(2026, 4, 10, tzinfo=UTC))
            .order_by(Shift.start_utc, Shift.id)
            .limit(1)
        ).scalar_one()
        sh.end_utc = sh.end_utc + timedelta(minutes=30)
    after = payroll_floor.floor(db, "2026-04", NOW)
    assert after[1] != before[1]
    assert after == payroll_floor.command(db, "2026-04", NOW)


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("invoice") / "demo.sqlite3")
    assert main(["--db", path, "demo", "--clients", "8", "--months", "3", "--seed", "2"]) == 0
    return path


def test_the_invoice_floor_gives_the_commands_lines(company):
    today = date.today()
    for month in (f"{today.year}-{today.month:02d}", "2020-01"):
        assert invoice_floor.check(company, CLI, month).startswith("equal ("), month
    assert invoice_floor.check(company, CLI, f"{today.year}-{today.month:02d}") != "equal (0 clients)"


def test_the_invoice_timed_in_process_writes_the_commands_lines(company):
    """The bench times `report invoice` inside a Python process (bench/own_work.py `in_process`):
    what it timed wrote the lines of the CLI run in a process of its own, which the floor's equal."""
    import subprocess

    from bench import own_work

    today = date.today()
    month = f"{today.year}-{today.month:02d}"
    argv = [CLI, "--db", company, "report", "invoice", "--month", month, "--format", "csv"]
    outputs: list[str] = []
    own, _start = own_work.in_process(argv, own_work.startup_argv(CLI, company), 1, outputs)
    cli = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    assert len(outputs) == len(own.values) == own_work.SMALL_RUNS
    assert set(outputs) == {cli} and cli.count("\n") > 1  # a heading and lines
    assert invoice_floor.check(company, CLI, month).startswith("equal (")
