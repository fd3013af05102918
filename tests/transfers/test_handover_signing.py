"""Signed handover packages: stock OpenSSH accepts our signatures, and an import refuses a changed
digit, a wrong key, a missing signature, a wrong addressee and a package from ourselves — each
with one line on the command line, exit 2, and nothing written. Standard input and output carry a
signed envelope and leave no file behind."""

from __future__ import annotations

import io
import json
import shutil
import stat
import subprocess
import sys

import pytest
from handover_keys import pair, provider
from sqlalchemy import select
from transfer_builders import build, count

from bpa_provider.access import Actor
from bpa_provider.cli import main
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.db.models import AuditEvent, Client, HandoverExport, Transfer
from bpa_provider.errors import PermissionDenied, ValidationError
from bpa_provider.identity import current_login
from bpa_provider.services import handover as ho
from bpa_provider.services import transfers as tr
from bpa_provider.services.users import ensure_first_admin
from bpa_provider.signing import Keyring, SignatureError, allowed_signers_line, sign_bytes, verify_bytes

SSH_KEYGEN = shutil.which("ssh-keygen")
needs_ssh_keygen = pytest.mark.skipif(SSH_KEYGEN is None, reason="OpenSSH's ssh-keygen is not installed")


@pytest.fixture
def receiver_db(tmp_path, sqlite_template):
    path = tmp_path / "receiver.sqlite3"
    shutil.copy(sqlite_template, path)
    database = Database(make_engine(f"sqlite:///{path}"))
    yield database
    database.dispose()


def _exported(db, coord, tmp_path, keys):
    w = build(db, coord, assistants=1)
    v = tr.open_transfer(db, coord, w.client, "out", keys.b.name(), "2026-01-31")
    return ho.export_package(db, coord, v.id, tmp_path / "out", keys=keys.a)


def _ssh_verify(tmp_path, name: str, key: bytes, data: bytes, sig) -> subprocess.CompletedProcess:
    signers = tmp_path / "allowed_signers"
    signers.write_text(allowed_signers_line(name, key) + "\n")
    return subprocess.run(
        [SSH_KEYGEN, "-Y", "verify", "-f", str(signers), "-I", name, "-n", "bpa-handover", "-s", str(sig)],
        input=data,
        capture_output=True,
        timeout=30,
    )


@needs_ssh_keygen
def test_stock_ssh_keygen_accepts_our_package_and_refuses_a_changed_digit(db, coord, tmp_path):
    keys = pair(tmp_path, "Omsorg Øst AS", "Assistanse Vest AS")
    r = _exported(db, coord, tmp_path, keys)
    data = r.json_path.read_bytes()
    assert r.sig_path == r.json_path.with_name(r.json_path.name + ".sig")
    ok = _ssh_verify(tmp_path, "Omsorg Øst AS", keys.a.public_key(), data, r.sig_path)
    assert ok.returncode == 0, ok.stderr
    assert b'Good "bpa-handover" signature for Omsorg' in ok.stdout + ok.stderr
    changed = data.replace(b"230.5", b"231.5", 1)
    assert changed != data
    assert _ssh_verify(tmp_path, "Omsorg Øst AS", keys.a.public_key(), changed, r.sig_path).returncode != 0
    # The key file is OpenSSH's own format, owner-only, and ssh-keygen can sign with it by hand:
    assert stat.S_IMODE(keys.a.private_path.stat().st_mode) == 0o600
    by_hand = tmp_path / "by-hand.json"
    by_hand.write_bytes(data)
    subprocess.run(
        [SSH_KEYGEN, "-Y", "sign", "-f", str(keys.a.private_path), "-n", "bpa-handover", str(by_hand)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    assert (
        verify_bytes(data, (tmp_path / "by-hand.json.sig").read_text(), {"Omsorg Øst AS": keys.a.public_key()})
        == "Omsorg Øst AS"
    )


def test_sign_and_verify_refuse_namespace_key_and_garbage(tmp_path):
    keys = provider(tmp_path / "k", "A AS")
    other = provider(tmp_path / "o", "B AS")
    sig = keys.sign(b"x")
    assert verify_bytes(b"x", sig, {"A AS": keys.public_key()}) == "A AS"
    with pytest.raises(SignatureError, match="untrusted key"):
        verify_bytes(b"x", sig, {"B AS": other.public_key()})
    with pytest.raises(SignatureError, match="namespace"):
        verify_bytes(b"x", sign_bytes(b"x", keys.private_key(), "file"), {"A AS": keys.public_key()})
    with pytest.raises(SignatureError, match="does not match"):
        verify_bytes(b"y", sig, {"A AS": keys.public_key()})
    for junk in ("", "hello", sig.replace("A", "B", 3), sig[:60] + "\n-----END SSH SIGNATURE-----\n"):
        with pytest.raises(SignatureError):
            verify_bytes(b"x", junk, {"A AS": keys.public_key()})
    with pytest.raises(SignatureError, match="already exists"):
        keys.init("A AS")
    with pytest.raises(ValueError, match="quotes, commas"):
        Keyring(tmp_path / "bad").init('Evil", AS')


def _nothing_written(db) -> None:
    for model in (Client, Transfer, HandoverExport):
        assert count(db, model) == 0


@pytest.mark.parametrize("case", ["digit", "wrong_key", "missing", "addressee", "ourselves", "impostor"])
def test_import_refuses_bad_signatures_with_nothing_written(db, receiver_db, coord, tmp_path, case):
    keys = pair(tmp_path)
    r = _exported(db, coord, tmp_path, keys)
    receiver, words = (
        keys.b,
        {
            "digit": "does not match",
            "wrong_key": "untrusted key",
            "missing": "no signature",
            "addressee": "addressed to New Provider AS",
            "ourselves": "from this provider",
            "impostor": "signed by Mallory AS",
        }[case],
    )
    if case == "digit":
        raw = r.json_path.read_bytes()
        r.json_path.write_bytes(raw.replace(b'"position_percent": 80', b'"position_percent": 90'))
    elif case == "wrong_key":
        r.sig_path.write_text(provider(tmp_path / "x", "Old Provider AS").sign(r.json_path.read_bytes()))
    elif case == "missing":
        r.sig_path.unlink()
    elif case == "addressee":
        receiver = provider(tmp_path / "c", "Third Provider AS")
        receiver.trust("Old Provider AS", keys.a.public_key())
    elif case == "ourselves":
        receiver = keys.a
    else:  # a trusted key, but not the sender's: the package claims another sender
        mallory = provider(tmp_path / "m", "Mallory AS")
        receiver.trust("Mallory AS", mallory.public_key())
        r.sig_path.write_text(mallory.sign(r.json_path.read_bytes()))
    with pytest.raises(ValidationError) as exc:
        ho.import_package(receiver_db, coord, r.json_path, keys=receiver)
    assert words in str(exc.value), exc.value
    _nothing_written(receiver_db)
    assert count(receiver_db, AuditEvent) == 0


def test_unsigned_only_for_an_admin_and_logged(db, receiver_db, coord, tmp_path):
    keys = pair(tmp_path)
    r = _exported(db, coord, tmp_path, keys)
    r.sig_path.unlink()
    with pytest.raises(PermissionDenied):
        ho.import_package(receiver_db, coord, r.json_path, keys=keys.b, accept_unsigned=True)
    _nothing_written(receiver_db)
    got = ho.import_package(
        receiver_db, Actor(login="boss", role="admin"), r.json_path, keys=keys.b, accept_unsigned=True
    )
    assert got.signed_by is None
    with receiver_db.read() as s:
        summary = s.execute(select(AuditEvent.summary).where(AuditEvent.action == "import")).scalar_one()
    assert "UNSIGNED, accepted by admin" in summary and got.sha256 in summary


@pytest.fixture
def two_clis(tmp_path, sqlite_template, capsys, monkeypatch):
    """`bpa-provider` for provider A and provider B: each its own database and data folder."""
    paths = {}
    for side in ("a", "b"):
        paths[side] = tmp_path / f"{side}.sqlite3"
        shutil.copy(sqlite_template, paths[side])
        d = Database(make_engine(f"sqlite:///{paths[side]}"))
        ensure_first_admin(d, current_login())
        d.dispose()

    def run(side: str, *argv: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        monkeypatch.setenv("BPA_DATA_DIR", str(tmp_path / f"data-{side}"))
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        try:
            code = main(["--db", str(paths[side]), *argv])
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    run.paths = paths
    return run


def test_cli_keys_export_to_stdout_and_import_from_stdin(two_clis, tmp_path, coord):
    run = two_clis
    assert run("a", "provider", "init", "--name", "Omsorg Øst AS")[0] == 0
    code, out, err = run("b", "provider", "init", "--name", "Assistanse Vest AS")
    assert code == 0, err
    line_b = out.splitlines()[-1]
    assert line_b.startswith('"Assistanse Vest AS" namespaces="bpa-handover" ssh-ed25519 ')
    code, out, _ = run("a", "provider", "show")
    line_a = out.splitlines()[3]
    (tmp_path / "a.pub").write_text(line_a + "\n")
    assert run("b", "provider", "trust", "Omsorg Øst AS", str(tmp_path / "a.pub"))[0] == 0
    code, out, err = run("a", "provider", "trust", "Assistanse Vest AS", "-", stdin=line_b.encode())
    assert code == 0, err

    a_db = Database(make_engine(f"sqlite:///{run.paths['a']}"))
    w = build(a_db, coord, assistants=1)
    a_db.dispose()
    run(
        "a",
        "transfer",
        "open",
        w.client,
        "--direction",
        "out",
        "--counterpart",
        "Assistanse Vest AS",
        "--notice-date",
        "31.01.2026",
    )
    before = set(tmp_path.rglob("*"))
    code, out, err = run("a", "export", "handover", "1", "--out", "-")
    assert code == 0, err
    assert set(tmp_path.rglob("*")) == before  # nothing written anywhere
    env = json.loads(out)
    assert set(env) == {"bpa_handover_signed", "package", "signature"}
    digest = err.split()[-1]

    # A changed digit in the envelope's package is refused: one line, exit 2, nothing written.
    bad = json.dumps({**env, "package": env["package"].replace('"position_percent": 80', '"position_percent": 81')})
    code, out2, err2 = run("b", "import", "handover", "-", stdin=bad.encode())
    assert (code, out2) == (2, "") and len(err2.splitlines()) == 1 and "does not match" in err2
    code, out2, err2 = run("b", "import", "handover", "-", stdin=out.encode())
    assert code == 0, err2
    assert "signed by Omsorg Øst AS" in out2 and f"SHA-256 {digest}" in out2
    assert set(tmp_path.rglob("*")) - before <= {
        p for p in tmp_path.rglob("*") if p.suffix in (".sqlite3-wal", ".sqlite3-shm")
    }
    code, _, err2 = run("b", "import", "handover", "-", stdin=out.encode())
    assert code == 2 and "already imported" in err2 and len(err2.splitlines()) == 1
    # Trusting and key making are admin actions, logged.
    code, _, err3 = run("b", "--as", "nobody", "provider", "trust", "X", str(tmp_path / "a.pub"))
    assert code != 0 and "Traceback" not in err3
