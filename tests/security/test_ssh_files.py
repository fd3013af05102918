"""Files in and out through a real `ssh` login with the forced command: the coordinator on a laptop
pipes payroll, a week roster and a calendar out (`--out -`), a CSV in (`import KIND -`), and nothing
is created on the server.

Further legs belong in `LEGS_OUT` / `LEGS_IN` below (same shape): the handover package out
(`export handover ID --out -`) and in (`import handover -`).

The forced command runs this checkout's code: the key lines name a small wrapper around the
interpreter that puts the checkout first on the path (`python -I` would otherwise import whatever
copy of bpa_provider the interpreter has installed).
"""

from __future__ import annotations

import csv
import io
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bpa_provider.access import Actor
from bpa_provider.services import audit_log, roster, users
from db.engine import Database, make_engine
import factories as f
from sechelpers import keygen
from test_ssh import SSHD, SSHD_CONFIG, Server, _free_port, _wait_port
from tooling import need_tool

ROOT = Path(__file__).resolve().parents[2]
HOME = Path(os.path.expanduser("~"))  # the service account's home: tests run as root, and so does sshd's login


@dataclass
class Leg:
    """One file through the pipe: the command, what standard input carries, and a check of the output."""

    name: str
    command: tuple[str, ...]
    check: object  # callable(stdout: str, stderr: str) -> None
    stdin: str | None = None


def _payroll(out: str, err: str) -> None:
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["assistant_ref"] for r in rows] == ["A-0001"]
    assert rows[0]["hours"] == "8.0"
    assert "locked" in err  # the summary went to the terminal, not into lonn.csv


def _week(out: str, err: str) -> None:
    assert "Per Hansen" in out and "Mon 04.05" in out and err == ""


def _calendar(out: str, err: str) -> None:
    assert out.startswith("BEGIN:VCALENDAR") and out.rstrip().endswith("END:VCALENDAR") and err == ""


LEGS_OUT = [
    Leg("payroll", ("export", "payroll", "--month", "2026-05", "--out", "-"), _payroll),
    Leg("week roster", ("export", "roster", "K-0001", "--week", "2026-W19", "--out", "-"), _week),
    Leg("calendar", ("export", "calendar", "--from", "2026-05-01", "--out", "-"), _calendar),
    # handover slice: Leg("handover package", ("export", "handover", "1", "--out", "-"), _handover_json),
]
def _imported(out: str, err: str) -> None:
    assert "Imported 2 municipalities from standard input" in out and err == ""


LEGS_IN: list[Leg] = [
    # A sheet saved by Excel as "CSV (semikolondelt)": semicolons, Norwegian letters.
    Leg("municipalities CSV", ("import", "municipalities", "-"), _imported,
        stdin="name;country;notice_months;unit\nLillehammer;no;3;Tildelingskontoret\nØyer;no;3;\n"),
]


def _wrapper(d: Path) -> Path:
    """An interpreter for the key lines that runs this checkout, still isolated (`-I`)."""
    path = d / "python"
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
            "from bpa_provider.cli import main; main()")
    path.write_text("#!/bin/sh\n# called as: python -I -m bpa_provider.cli --as NAME\nshift 3\n"
                    f"exec {shlex.quote(sys.executable)} -I -c {shlex.quote(code)} \"$@\"\n")
    path.chmod(0o755)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    need_tool("sshd", SSHD)
    need_tool("ssh")
    need_tool("ssh-keygen")
    d = tmp_path_factory.mktemp("sshfiles")
    shutil.copy(sqlite_template, d / "bpa.sqlite3")
    db = Database(make_engine(f"sqlite:///{d / 'bpa.sqlite3'}"))
    admin = Actor("admin", "admin")
    users.ensure_first_admin(db, "root")
    f.municipality(db, admin)
    client = f.client(db, admin)  # K-0001 in Hamar
    f.decision(db, admin, "K-0001")
    regular = f.assistant(db, admin)  # A-0001 Per Hansen
    f.employment(db, admin, "A-0001")
    f.assignment(db, admin, "A-0001", "K-0001", role="regular")
    roster.create_shift(db, admin, client.id, regular.id, "2026-05-04T08:00", "16:00")
    users.add_user(db, admin, "coord", "coordinator")
    keys_file = d / "authorized_keys"
    env = {"BPA_DATABASE_URL": str(d / "bpa.sqlite3"), "BPA_AUTHORIZED_KEYS": str(keys_file),
           "BPA_CONFIG": "/nonexistent"}
    users.add_key(db, admin, "coord", keygen(d / "coord", "coord@laptop").read_text(), keys_file=keys_file, env=env)
    keys_file.write_text(keys_file.read_text().replace(shlex.quote(os.path.abspath(sys.executable)),
                                                       str(_wrapper(d))))
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "host_ed25519")], check=True)
    port = _free_port()
    (d / "sshd_config").write_text(SSHD_CONFIG.format(port=port, dir=d))
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    log = (d / "sshd.log").open("w")
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(d / "sshd_config")], stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_port(port)
        yield Server(port, d, db, keys_file, {"coord": d / "coord"}, env)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        db.dispose()


def _ssh(server: Server, *command: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*server.ssh_args("coord", "-T"), *command], capture_output=True, text=True,
                          timeout=90, input=stdin if stdin is not None else "")


def _visible(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")}


@pytest.fixture(scope="module")
def approved(server):
    """The coordinator approves May over SSH, as payroll needs."""
    r = _ssh(server, "roster", "approve", "K-0001", "--month", "2026-05")
    assert r.returncode == 0, r.stderr
    return server


@pytest.mark.slow
@pytest.mark.parametrize("leg", [*LEGS_OUT, *LEGS_IN], ids=lambda leg: leg.name)
def test_files_travel_through_the_pipe_and_nothing_lands_on_the_server(approved, leg):
    home_before, dir_before = _visible(HOME), _visible(approved.dir)
    r = _ssh(approved, *leg.command, stdin=leg.stdin)
    assert r.returncode == 0, f"{leg.name}: {r.stderr}"
    leg.check(r.stdout, r.stderr)
    assert not (HOME / "-").exists()
    assert _visible(HOME) - home_before == set()
    assert _visible(approved.dir) - dir_before <= {"bpa.sqlite3-wal", "bpa.sqlite3-shm"}


def test_payroll_piped_out_locked_the_month(approved):
    _ssh(approved, "export", "payroll", "--month", "2026-05", "--out", "-")  # whether or not the leg ran first
    r = _ssh(approved, "export", "payroll", "--month", "2026-05", "--check")
    assert r.returncode == 2  # blocked: exported and locked


def test_a_file_name_over_ssh_is_refused_logged_and_not_written(server):
    r = _ssh(server, "export", "roster", "K-0001", "--week", "2026-W19", "--out", "uke19.txt")
    assert r.returncode == 1 and r.stdout == ""
    assert "cannot name files on the server" in r.stderr and r.stderr.count("\n") == 1
    assert not (HOME / "uke19.txt").exists()
    refused = audit_log.query(server.db, Actor("a", "admin"), user="coord", action="refused")
    assert refused and "uke19.txt" in refused[-1].summary and refused[-1].connection.startswith("127.0.0.1 ")


@pytest.mark.parametrize("command, says", [
    (("sh", "-c", "id"), "not a bpa-provider command"),
    (("--as", "root", "users", "list"), "cannot be given over SSH"),
    (("backup", "-"), "runs only on the server"),
])
def test_refusals_through_sshd_are_logged_with_its_connection(server, command, says):
    before = len(audit_log.query(server.db, Actor("a", "admin"), user="coord", action="refused"))
    r = _ssh(server, *command)
    assert r.returncode == 1 and r.stdout == "" and says in r.stderr
    rows = audit_log.query(server.db, Actor("a", "admin"), user="coord", action="refused")
    assert len(rows) == before + 1
    host, port, *_rest = rows[-1].connection.split()
    assert host == "127.0.0.1" and port.isdigit()  # sshd's SSH_CONNECTION: the client's address and port
    assert says in rows[-1].summary
