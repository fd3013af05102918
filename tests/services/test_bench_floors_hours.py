"""The bench floors of issue 19's `report hours` (with the outlook, from the hour ledger) and
`audit --verify` (incremental and full) give the command's own figures (bench/hours_floor.py,
bench/audit_floor.py) — the equality the bench rows rest on, checked on a small company."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bench import audit_floor, hours_floor
from bench.company import CLI
from bpa_provider.cli import main


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("floors") / "demo.sqlite3")
    assert main(["--db", path, "demo", "--clients", "8", "--months", "14", "--seed", "2"]) == 0
    return path


def test_the_hours_floor_gives_the_reports_outlook_inputs(company):
    today = date.today()
    assert hours_floor.check(company).startswith("equal (")
    # Another month of the year, and a month before the locked ones (read raw from January).
    month = f"{today.year}-01"
    assert hours_floor.check(company, month).startswith("equal (")


def test_the_demo_company_has_ledger_rows(company):
    import sqlite3

    with sqlite3.connect(company) as conn:  # the demo locked its months before last month
        assert conn.execute("SELECT COUNT(*) FROM hour_ledger").fetchone()[0] > 0


def test_the_audit_floor_gives_the_commands_rows_and_head(tmp_path, capsys):
    path = str(tmp_path / "log.sqlite3")
    assert main(["--db", path, "init"]) == 0
    capsys.readouterr()
    audit_floor.prepare(path, 300, 40)
    cp = audit_floor.last_checkpoint(audit_floor.anchor_of(path))
    ok, rows, head = audit_floor.floor(path)
    assert ok and rows == cp["rows"] + 40
    assert audit_floor.floor(path, full=True) == (ok, rows, head)
    assert audit_floor.check(path, CLI) == "equal"
    # A row after the checkpoint edited: the floor and the command both say broken.
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER audit_event_no_update")
        conn.execute("UPDATE audit_event SET summary = 'x' WHERE id = ?", (cp["id"] + 5,))
    assert audit_floor.floor(path)[0] is False
    assert audit_floor.command(path, CLI)[0] is False


def test_the_hours_floor_on_both_engines(db, admin):
    from bpa_provider.demo import load_demo

    today = date(2026, 5, 14)
    now = datetime(2026, 5, 14, 12, tzinfo=UTC)
    load_demo(db, admin, seed=2, clients=6, assistants=18, months=14, today=today)
    for month in ("2026-05", "2026-02", "2026-12"):
        assert hours_floor.compare(db, month, today, now).startswith("equal ("), month


def test_the_hours_timed_in_process_write_the_commands_rows(company):
    """The bench times `report hours` (with the outlook, and without) inside a Python process
    (bench/own_work.py `in_process`): what it timed wrote the rows of the CLI run in a process of
    its own. A month already over, so no shift ends while the test runs."""
    import subprocess

    from bench import own_work

    today = date.today()
    y, m = (today.year, today.month - 2) if today.month > 2 else (today.year - 1, today.month + 10)
    for extra in ([], ["--no-outlook"]):
        argv = [CLI, "--db", company, "report", "hours", "--month", f"{y}-{m:02d}", "--format", "csv", *extra]
        outputs: list[str] = []
        own, _start = own_work.in_process(argv, own_work.startup_argv(CLI, company), 1, outputs)
        cli = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        assert len(outputs) == len(own.values) == own_work.SMALL_RUNS
        assert set(outputs) == {cli} and cli.count("\n") > 1, extra  # a heading and the clients
