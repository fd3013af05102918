"""SSH keys: parsing like OpenSSH, the managed block of authorized_keys, add/remove/disable."""

from __future__ import annotations

import io
import stat
import subprocess
import sys
import threading

import factories as f
import pytest
from sechelpers import keygen, sqlite_file
from sqlalchemy import select

from bpa_provider import sshkeys
from bpa_provider.access import Actor
from bpa_provider.db.models import SshKey
from bpa_provider.errors import NotFound, PermissionDenied, ValidationError
from bpa_provider.services import audit_log, users


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    return {name: keygen(d / name, f"{name}@laptop") for name in ("k1", "k2", "k3")}


def _users(db, admin) -> None:
    f.municipality(db, admin)
    f.client(db, admin)
    f.records.create(db, admin, "supervisor", {"name": "Siv", "client_id": "K-0001"})
    users.add_user(db, admin, "coord", "coordinator")
    users.add_user(db, admin, "sup", "supervisor", "S-0001")


def test_fingerprint_matches_ssh_keygen(keys):
    out = subprocess.run(["ssh-keygen", "-lf", str(keys["k1"])], capture_output=True, text=True, check=True).stdout
    key = sshkeys.parse_public_key(keys["k1"].read_text())
    assert out.split()[1] == key.fingerprint
    assert (key.key_type, key.comment) == ("ssh-ed25519", "k1@laptop")


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda t: 'command="sh" ' + t, "not a plain OpenSSH public key"),
        (lambda t: t + t, "exactly one"),
        (lambda t: t.replace("AAAA", "!!!!", 1), "base64"),
        (lambda t: t.replace("ssh-ed25519", "ssh-rsa", 1), "does not match its type"),
        (lambda t: t.strip() + "\x1b[31m\n", "control characters"),
        (lambda t: "", "exactly one"),
    ],
)
def test_bad_key_files_are_refused(keys, mutate, message):
    with pytest.raises(sshkeys.BadKey) as exc:
        sshkeys.parse_public_key(mutate(keys["k1"].read_text()))
    assert message in str(exc.value)


def test_managed_block_replaced_foreign_lines_kept(tmp_path):
    path = tmp_path / "authorized_keys"
    path.write_text("ssh-ed25519 AAAAown admin@host\n# a note\n")
    path.chmod(0o600)
    with sshkeys.locked(path):
        sshkeys.write_managed(path, ["line-a", "line-b"])
        sshkeys.write_managed(path, ["line-c"])
    lines = path.read_text().splitlines()
    assert lines == ["ssh-ed25519 AAAAown admin@host", "# a note", sshkeys.BEGIN_MARK, "line-c", sshkeys.END_MARK]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]  # no temp file left behind


def test_key_line_has_forced_command_python_isolated_and_baked_settings(keys):
    key = sshkeys.parse_public_key(keys["k1"].read_text())
    line = sshkeys.key_line("coord", key, {"BPA_DATABASE_URL": "/srv/bpa/my db.sqlite3", "HOME": "/x"})
    assert line.startswith('restrict,pty,command="env ')
    assert "'BPA_DATABASE_URL=/srv/bpa/my db.sqlite3'" in line  # shell-quoted for the account's shell
    assert f'{sys.executable} -I -m bpa_provider.cli --as coord" ssh-ed25519 ' in line
    assert "HOME" not in line
    assert line.endswith(" k1@laptop")
    with pytest.raises(sshkeys.BadKey):
        sshkeys.forced_command("coord", {"BPA_CONFIG": "/a\nb"})


def test_a_clients_own_settings_never_reach_the_forced_command(tmp_path):
    """With `AcceptEnv *`, sshd puts the client's variables in the environment before it runs the
    forced command through the account's shell: every BPA_* setting is decided by the line."""
    import subprocess

    probe = tmp_path / "probe"
    probe.write_text(
        '#!/bin/sh\nprintf \'%s|%s|%s|%s\' "$BPA_CONFIG" "$BPA_DATABASE_URL" "$BPA_AUTHORIZED_KEYS" "$BPA_DATA_DIR"\n'
    )
    probe.chmod(0o700)
    client = {
        "BPA_CONFIG": "/tmp/evil.toml",
        "BPA_DATABASE_URL": "/tmp/evil.sqlite3",
        "BPA_AUTHORIZED_KEYS": "/tmp/evil_keys",
        "BPA_DATA_DIR": "/tmp/evil_keys_folder",
        "PATH": "/usr/bin:/bin",
    }
    for baked, expected in (
        ({}, "|||"),
        ({"BPA_CONFIG": "/etc/bpa.toml"}, "/etc/bpa.toml|||"),
        ({"BPA_DATA_DIR": "/srv/bpa/keys"}, "|||/srv/bpa/keys"),
    ):
        command = sshkeys.forced_command("kari", baked, python=str(probe))
        seen = subprocess.run(["/bin/sh", "-c", command], env=client, capture_output=True, text=True, check=True)
        assert seen.stdout == expected


def test_add_remove_and_disable_maintain_table_and_file(db, admin, keys, private_keys_file):
    _users(db, admin)
    k1 = users.add_key(db, admin, "coord", keys["k1"].read_text())
    users.add_key(db, admin, "coord", keys["k2"].read_text())
    users.add_key(db, admin, "sup", keys["k3"].read_text())
    text = private_keys_file.read_text()
    assert text.count('--as coord"') == 2 and text.count('--as sup"') == 1
    assert sshkeys.has_forced_line("coord", private_keys_file)

    removed = users.remove_key(db, admin, "coord", k1.fingerprint.removeprefix("SHA256:"))
    assert [k.fingerprint for k in removed] == [k1.fingerprint]
    users.remove_key(db, admin, "coord", "k2@laptop")  # by comment
    assert "--as coord" not in private_keys_file.read_text()
    assert not sshkeys.has_forced_line("coord", private_keys_file)

    users.set_disabled(db, admin, "sup", True)
    assert "--as sup" not in private_keys_file.read_text()
    assert users.list_keys(db, admin, "sup") == []
    users.set_disabled(db, admin, "sup", False)  # enabling does not bring old keys back
    assert "--as sup" not in private_keys_file.read_text()
    # A removed key can be added again (same fingerprint row reused).
    users.add_key(db, admin, "coord", keys["k1"].read_text())
    assert "--as coord" in private_keys_file.read_text()
    actions = [(r.action, r.entity) for r in audit_log.query(db, admin, action=None) if r.entity == "ssh_key"]
    assert actions.count(("create", "ssh_key")) == 4 and actions.count(("end", "ssh_key")) == 2


def test_key_errors_and_permissions(db, admin, keys):
    _users(db, admin)
    users.add_key(db, admin, "coord", keys["k1"].read_text())
    with pytest.raises(ValidationError, match="already registered for them"):
        users.add_key(db, admin, "coord", keys["k1"].read_text())
    with pytest.raises(ValidationError, match="already registered for user 'coord'"):
        users.add_key(db, admin, "sup", keys["k1"].read_text())
    with pytest.raises(NotFound):
        users.remove_key(db, admin, "coord", "SHA256:nothing")
    with pytest.raises(NotFound):
        users.add_key(db, admin, "ghost", keys["k2"].read_text())
    with pytest.raises(PermissionDenied):
        users.add_key(db, Actor("coord", "coordinator"), "coord", keys["k2"].read_text())
    for bad_login in ("-rf", "--db=x", "kari nordmann", "kåre", "a" * 65, 'x"y'):
        with pytest.raises(ValidationError):  # it would be read as an option or need quoting in the line
            users.add_user(db, admin, bad_login, "coordinator")
    with pytest.raises(ValidationError):
        users.add_user(db, admin, "kari", "coordinator", name="Kari\x1b[2J")
    with db.read() as s:
        assert len(s.execute(select(SshKey)).scalars().all()) == 1


def test_concurrent_key_changes_all_reach_the_file(sqlite_db, admin, tmp_path, private_keys_file):
    _users(sqlite_db, admin)
    names = [f"u{i}" for i in range(6)]
    for n in names:
        users.add_user(sqlite_db, admin, n, "coordinator")
    pubs = {n: keygen(tmp_path / n, n) for n in names}
    errors: list[BaseException] = []

    def add(n: str) -> None:
        try:
            users.add_key(sqlite_db, admin, n, pubs[n].read_text())
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(sshkeys.managed_lines(private_keys_file)) == 6


def test_cli_key_add_from_file_and_stdin_and_list(sqlite_db, admin, keys, private_keys_file, capsys, monkeypatch):
    from bpa_provider.cli import main

    users.ensure_first_admin(sqlite_db, "root")
    _users(sqlite_db, admin)
    path = sqlite_file(sqlite_db)
    assert main(["--db", path, "users", "key", "add", "coord", str(keys["k1"])]) == 0
    assert "BPA_DATABASE_URL=" + path in private_keys_file.read_text()  # --db is baked into the line
    monkeypatch.setattr(sys, "stdin", io.StringIO(keys["k2"].read_text()))
    assert main(["--db", path, "users", "key", "add", "sup", "-"]) == 0
    capsys.readouterr()
    assert main(["--db", path, "users", "key", "list", "--format", "csv"]) == 0
    assert capsys.readouterr().out.count("ssh-ed25519") == 2
    assert main(["--db", path, "users", "key", "add", "coord", str(keys["k1"]) + ".missing"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err


def test_a_stored_comment_with_format_or_control_characters_is_cleaned_in_the_file():
    """Rows saved before comments were checked must not carry C1 codes or bidi marks into the file."""
    line = sshkeys.key_line("kari", ("ssh-ed25519", "AAAA", "kari\x9b31m@\u202elaptop"), env={}, python="/py")
    assert line.endswith(" ssh-ed25519 AAAA kari31m@laptop")
    with pytest.raises(sshkeys.BadKey):
        sshkeys.parse_public_key("ssh-ed25519 AAAA kari\x9b31m")
