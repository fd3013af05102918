"""Files in and out through a real `ssh` login with the forced command: the coordinator on a laptop
pipes payroll, a week roster, a calendar and a signed handover package out (`--out -`), a CSV and
another provider's signed handover package in (`import KIND -`), and nothing is created on the
server: not in the service account's home, not beside the database, not in the provider's data
folder (where its signing key lives).

Further legs belong in `LEGS_OUT` / `LEGS_IN` below (same shape).

The signing key: the admin who writes the key lines has `BPA_DATA_DIR` set to the test's own
provider folder, so the forced command finds the key there (baked into the line, as for the
database) and the machine's real data folder is never touched.

The forced command runs this checkout's code: the key lines name a small wrapper around the
interpreter that puts the checkout first on the path (`python -I` would otherwise import whatever
copy of bpa_provider the interpreter has installed).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import factories as f
import pytest
from sechelpers import keygen
from sqlalchemy import func, select
from sshd_server import Server, need_ssh_tools, running_sshd

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.db.models import Transfer
from bpa_provider.services import audit_log, roster, transfers, users
from bpa_provider.services import handover as ho
from bpa_provider.signing import Keyring, allowed_signers_line, verify_bytes

ROOT = Path(__file__).resolve().parents[2]
HOME = Path(os.path.expanduser("~"))  # the service account's home: tests run as root, and so does sshd's login
US, THEM = "Omsorg Øst AS", "Assistanse Vest AS"  # this server's provider, and the other one
# K-0001's and A-0001's national IDs: in the package (the new employer needs them), never on the terminal.
CLIENT_ID, ASSISTANT_ID = f.valid_fnr(date(1950, 2, 2)), f.valid_fnr(date(1988, 8, 8))


@dataclass
class FilesServer(Server):
    """The SSH server, plus what the handover legs need: our provider folder and key, and a
    package another provider signed for us (an envelope, as their `--out -` prints it)."""

    data: Path = field(default=Path("/nonexistent"))
    provider: Keyring | None = None
    incoming: str = ""


@dataclass
class Leg:
    """One file through the pipe: the command, what standard input carries, and a check of the output."""

    name: str
    command: tuple[str, ...]
    check: object  # callable(stdout: str, stderr: str, server: FilesServer) -> None
    stdin: str | Callable[[FilesServer], str] | None = None  # text, or made from the server


def _payroll(out: str, err: str, _server: FilesServer) -> None:
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["assistant_ref"] for r in rows] == ["A-0001"]
    assert rows[0]["hours"] == "8.0"
    assert "locked" in err  # the summary went to the terminal, not into lonn.csv


def _week(out: str, err: str, _server: FilesServer) -> None:
    assert "Per Hansen" in out and "Mon 04.05" in out and err == ""


def _calendar(out: str, err: str, _server: FilesServer) -> None:
    assert out.startswith("BEGIN:VCALENDAR") and out.rstrip().endswith("END:VCALENDAR") and err == ""


def _handover_out(out: str, err: str, server: FilesServer) -> None:
    """One signed envelope on stdout; our signature holds (in-process and by stock ssh-keygen); the
    national IDs are in the package (the new employer needs them) but not on the terminal or in the log."""
    env = json.loads(out)
    assert set(env) == {"bpa_handover_signed", "package", "signature"}
    package = env["package"].encode("utf-8")
    assert server.provider is not None
    assert verify_bytes(package, env["signature"], {US: server.provider.public_key()}) == US
    with tempfile.TemporaryDirectory() as tmp:  # the laptop's side: never the service account's home
        signers, sig = Path(tmp) / "allowed_signers", Path(tmp) / "pkg.json.sig"
        signers.write_text(allowed_signers_line(US, server.provider.public_key()) + "\n")
        sig.write_text(env["signature"])
        ok = subprocess.run(
            ["ssh-keygen", "-Y", "verify", "-f", str(signers), "-I", US, "-n", "bpa-handover", "-s", str(sig)],
            input=package,
            capture_output=True,
            timeout=30,
            check=False,
        )
        bad = subprocess.run(
            ["ssh-keygen", "-Y", "verify", "-f", str(signers), "-I", US, "-n", "bpa-handover", "-s", str(sig)],
            input=package.replace(b"K-0001", b"K-0002"),
            capture_output=True,
            timeout=30,
            check=False,
        )
    assert ok.returncode == 0, ok.stderr
    assert bad.returncode != 0
    pkg = json.loads(package)
    assert (pkg["from_provider"]["name"], pkg["to_provider"]["name"]) == (US, THEM)
    assert pkg["client_part"] is not None  # consent recorded
    assert CLIENT_ID in env["package"] and ASSISTANT_ID in env["package"]  # in clear, as docs/handover.md says
    digest = hashlib.sha256(package).hexdigest()
    assert err == f"SHA-256 {digest}\n"  # the terminal gets the digest only
    logged = audit_log.query(server.db, Actor("a", "admin"), user="coord", action="export")
    summary = next(r.summary for r in reversed(logged) if digest in r.summary)
    assert "to standard output" in summary and CLIENT_ID not in summary and ASSISTANT_ID not in summary


LEGS_OUT = [
    Leg("payroll", ("export", "payroll", "--month", "2026-05", "--out", "-"), _payroll),
    Leg("week roster", ("export", "roster", "K-0001", "--week", "2026-W19", "--out", "-"), _week),
    Leg("calendar", ("export", "calendar", "--from", "2026-05-01", "--out", "-"), _calendar),
    Leg("handover package out", ("export", "handover", "1", "--out", "-"), _handover_out),
]


def _imported(out: str, err: str, _server: FilesServer) -> None:
    assert "Imported 2 municipalities from standard input" in out and err == ""


def _handover_in(out: str, err: str, server: FilesServer) -> None:
    digest = hashlib.sha256(json.loads(server.incoming)["package"].encode("utf-8")).hexdigest()
    assert err == "", err
    assert out.splitlines()[0].startswith("Handover package imported: transfer ")
    assert f"(signed by {THEM})" in out and f"SHA-256 {digest}" in out.splitlines()
    with server.db.read() as s:
        incoming = s.execute(
            select(func.count()).select_from(Transfer).where(Transfer.direction == "in", Transfer.counterpart == THEM)
        ).scalar_one()
    assert incoming == 1


LEGS_IN: list[Leg] = [
    # A sheet saved by Excel as "CSV (semikolondelt)": semicolons, Norwegian letters.
    Leg(
        "municipalities CSV",
        ("import", "municipalities", "-"),
        _imported,
        stdin="name;country;notice_months;unit\nLillehammer;no;3;Tildelingskontoret\nØyer;no;3;\n",
    ),
    # Another provider's signed package for us, as their `export handover ID --out -` printed it.
    Leg("handover package in", ("import", "handover", "-"), _handover_in, stdin=lambda server: server.incoming),
]


def _wrapper(d: Path) -> Path:
    """An interpreter for the key lines that runs this checkout, still isolated (`-I`)."""
    path = d / "python"
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bpa_provider.cli import main; main()"
    path.write_text(
        "#!/bin/sh\n# called as: python -I -m bpa_provider.cli --as NAME\nshift 3\n"
        f'exec {shlex.quote(sys.executable)} -I -c {shlex.quote(code)} "$@"\n'
    )
    path.chmod(0o755)
    return path


def _providers(folder: Path) -> tuple[Keyring, Keyring]:
    """Our signing key (in the data folder the key lines name) and the other provider's, each
    trusting the other, as `provider init` / `provider trust` leave them."""
    ours, theirs = Keyring(folder / "data"), Keyring(folder / "them")
    ours.init(US)
    theirs.init(THEM)
    ours.trust(THEM, theirs.public_key())
    theirs.trust(US, ours.public_key())
    return ours, theirs


def _their_package(folder: Path, sqlite_template: Path, theirs: Keyring) -> str:
    """A package the other provider signed for us, exported from their own throwaway database."""
    shutil.copy(sqlite_template, folder / "them.sqlite3")
    sender = Database(make_engine(f"sqlite:///{folder / 'them.sqlite3'}"))
    try:
        admin = Actor("admin", "admin")
        f.municipality(sender, admin)
        c = f.client(sender, admin, name="Eva Berg", national_id=f.valid_fnr(date(1960, 6, 6)))
        a = f.assistant(sender, admin, name="Ola Vik", national_id=f.valid_fnr(date(1991, 1, 11)))
        f.employment(sender, admin, a.ref)
        f.assignment(sender, admin, a.ref, c.ref)
        t = transfers.open_transfer(sender, admin, c.ref, "out", US, "2026-11-30")
        return ho.export_package(sender, admin, t.id, "-", keys=theirs).envelope.decode("utf-8")
    finally:
        sender.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    need_ssh_tools()
    d = tmp_path_factory.mktemp("sshfiles")
    providers = tmp_path_factory.mktemp("providers")  # not beside the database: its own folder
    ours, theirs = _providers(providers)
    shutil.copy(sqlite_template, d / "bpa.sqlite3")
    db = Database(make_engine(f"sqlite:///{d / 'bpa.sqlite3'}"))
    admin = Actor("admin", "admin")
    users.ensure_first_admin(db, "root")
    f.municipality(db, admin)
    client = f.client(db, admin, national_id=CLIENT_ID)  # K-0001 in Hamar
    f.decision(db, admin, "K-0001")
    regular = f.assistant(db, admin, national_id=ASSISTANT_ID)  # A-0001 Per Hansen
    f.employment(db, admin, "A-0001")
    f.assignment(db, admin, "A-0001", "K-0001", role="regular")
    roster.create_shift(db, admin, client.id, regular.id, "2026-05-04T08:00", "16:00")
    users.add_user(db, admin, "coord", "coordinator")
    # K-0001 is leaving for the other provider (notice after May, so May's legs are unaffected),
    # with the client's consent: the package carries the client part.
    out = transfers.open_transfer(db, admin, "K-0001", "out", THEM, "2026-11-30")
    assert out.id == 1  # the handover leg's TRANSFER_ID
    transfers.record_consent(db, admin, out.id, "2026-12-01")
    keys_file = d / "authorized_keys"
    env = {
        "BPA_DATABASE_URL": str(d / "bpa.sqlite3"),
        "BPA_AUTHORIZED_KEYS": str(keys_file),
        "BPA_CONFIG": "/nonexistent",
        "BPA_DATA_DIR": str(ours.folder),
    }
    users.add_key(db, admin, "coord", keygen(d / "coord", "coord@laptop").read_text(), keys_file=keys_file, env=env)
    keys_file.write_text(keys_file.read_text().replace(shlex.quote(os.path.abspath(sys.executable)), str(_wrapper(d))))
    try:
        with running_sshd(d) as port:
            yield FilesServer(
                port,
                d,
                db,
                keys_file,
                {"coord": d / "coord"},
                env,
                data=ours.folder,
                provider=ours,
                incoming=_their_package(providers, sqlite_template, theirs),
            )
    finally:
        db.dispose()


def _ssh(server: FilesServer, *command: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*server.ssh_args("coord", "-T"), *command],
        capture_output=True,
        text=True,
        timeout=90,
        input=stdin if stdin is not None else "",
    )


def _visible(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")}


def _files(folder: Path) -> dict[str, int]:
    """Every file under `folder` with its size: a key folder that must not change."""
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def approved(server):
    """The coordinator approves May over SSH, as payroll needs."""
    r = _ssh(server, "roster", "approve", "K-0001", "--month", "2026-05")
    assert r.returncode == 0, r.stderr
    return server


@pytest.mark.slow
@pytest.mark.parametrize("leg", [*LEGS_OUT, *LEGS_IN], ids=lambda leg: leg.name)
def test_files_travel_through_the_pipe_and_nothing_lands_on_the_server(approved, leg):
    home_before, dir_before, data_before = _visible(HOME), _visible(approved.dir), _files(approved.data)
    stdin = leg.stdin(approved) if callable(leg.stdin) else leg.stdin
    r = _ssh(approved, *leg.command, stdin=stdin)
    assert r.returncode == 0, f"{leg.name}: {r.stderr}"
    leg.check(r.stdout, r.stderr, approved)
    assert _files(approved.data) == data_before  # the provider folder: read, never written
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


@pytest.mark.parametrize(
    "command, says",
    [
        (("sh", "-c", "id"), "not a bpa-provider command"),
        (("--as", "root", "users", "list"), "cannot be given over SSH"),
        (("backup", "-"), "runs only on the server"),
    ],
)
def test_refusals_through_sshd_are_logged_with_its_connection(server, command, says):
    before = len(audit_log.query(server.db, Actor("a", "admin"), user="coord", action="refused"))
    r = _ssh(server, *command)
    assert r.returncode == 1 and r.stdout == "" and says in r.stderr
    rows = audit_log.query(server.db, Actor("a", "admin"), user="coord", action="refused")
    assert len(rows) == before + 1
    host, port, *_rest = rows[-1].connection.split()
    assert host == "127.0.0.1" and port.isdigit()  # sshd's SSH_CONNECTION: the client's address and port
    assert says in rows[-1].summary
