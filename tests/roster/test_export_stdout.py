"""`--out -` on every export: the file goes to standard output and nothing is created on disk; a
file that is written is mode 0600 and appears whole or not at all (bpa_provider/cli/output.py)."""

from __future__ import annotations

import csv
import io
import os
import stat

import pytest
from roster_world import make_world, may_dataset

from bpa_provider.cli import main
from bpa_provider.identity import current_login
from bpa_provider.services.users import ensure_first_admin


@pytest.fixture
def cli(sqlite_db, admin, capsys, tmp_path, monkeypatch):
    """`bpa-provider --db … ARGS` in an empty working folder; returns (code, stdout, stderr)."""
    ensure_first_admin(sqlite_db, current_login())
    world = make_world(sqlite_db, admin)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main(["--db", sqlite_db.url, *args])
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    run.world, run.cwd = world, work
    return run


def _ready_for_payroll(cli) -> None:  # noqa: ANN001
    made = may_dataset(cli.world)
    assert cli("roster", "approve", "K-0001", "--month", "2026-05")[0] == 0
    for rule in ("NO-REST-DAILY", "NO-NORMAL-DAY"):
        assert cli("roster", "ack", str(made["sat"].id), rule, "--comment", "asked for it")[0] == 0


def test_payroll_to_standard_output_creates_no_file_and_locks_the_month(cli):
    _ready_for_payroll(cli)
    code, out, err = cli("export", "payroll", "--month", "2026-05", "--out", "-")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["assistant_ref"] for r in rows} == {"A-0001", "A-0002"}
    assert "locked" in err and "standard output" in err  # the summary is not inside the CSV
    assert "locked" not in out
    assert list(cli.cwd.iterdir()) == []
    assert cli("export", "payroll", "--month", "2026-05", "--check")[0] == 2  # exported and locked


def test_every_export_to_standard_output_leaves_the_folder_empty(cli):
    may_dataset(cli.world)
    code, out, err = cli(
        "export", "ics", "--assistant", "A-0001", "--from", "2026-05-01", "--to", "2026-05-31", "--out", "-"
    )
    assert code == 0 and out.count("BEGIN:VEVENT") == 5 and err == ""
    code, out, err = cli("export", "roster", "K-0001", "--week", "2026-W20", "--out", "-")
    assert code == 0 and "Thu 14.05 *" in out and err == ""
    code, out, err = cli("export", "calendar", "--out", "-", "--from", "2026-01-01")
    assert code == 0 and out.startswith("BEGIN:VCALENDAR") and err == ""
    assert list(cli.cwd.iterdir()) == []


def test_exported_files_are_private(cli, tmp_path):
    _ready_for_payroll(cli)
    old = os.umask(0o022)  # an ordinary umask would give 0644
    try:
        for args, name in (
            (("export", "payroll", "--month", "2026-05"), "pay.csv"),
            (("export", "roster", "K-0001", "--week", "2026-W20"), "week.txt"),
            (("export", "ics", "--assistant", "A-0001", "--from", "2026-05-01", "--to", "2026-05-31"), "a.ics"),
            (("export", "calendar", "--from", "2026-01-01"), "cal.ics"),
        ):
            target = tmp_path / name
            code, out, err = cli(*args, "--out", str(target))
            assert code == 0, err
            assert str(target) in out
            assert stat.S_IMODE(target.stat().st_mode) == 0o600, name
    finally:
        os.umask(old)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp left


def test_a_refused_payroll_leaves_no_file_and_keeps_the_old_one(cli, tmp_path):
    may_dataset(cli.world)  # not approved: blocked
    target = tmp_path / "pay.csv"
    target.write_text("last month's file\n")
    code, out, err = cli("export", "payroll", "--month", "2026-05", "--out", str(target))
    assert code == 2 and "blocked" in err and out == ""
    assert target.read_text() == "last month's file\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("where", ["missing/x.csv", "."])
def test_an_unwritable_target_is_one_line_before_any_work(cli, tmp_path, where):
    may_dataset(cli.world)
    code, out, err = cli("export", "payroll", "--month", "2026-05", "--out", str(tmp_path / where))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "does not exist" in err or "is a folder" in err


class _GonePipe(io.RawIOBase):
    """Standard output whose reader went away (`ssh` cut off): every write is EPIPE."""

    def __init__(self, fd: int):
        self._fd = fd

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # noqa: ANN001
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        return self._fd


def test_a_payroll_that_could_not_be_written_out_locks_nothing(cli):
    _ready_for_payroll(cli)
    fd = os.open(os.devnull, os.O_WRONLY)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("sys.stdout", io.TextIOWrapper(io.BufferedWriter(_GonePipe(fd)), encoding="utf-8"))
            cli("export", "payroll", "--month", "2026-05", "--out", "-")
    finally:
        os.close(fd)
    code, out, err = cli("export", "payroll", "--month", "2026-05", "--check")
    assert code == 0 and "nothing blocks it" in out  # not exported, not locked
