"""Who is acting: the forced command, `--as`, the clean environment (without a real sshd)."""

from __future__ import annotations

import io
import shutil

import factories as f
import pytest
from sechelpers import keygen, run_cli, sqlite_file

import bpa_provider.screens.app
from bpa_provider import cli, identity
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.services import audit_log, records, users

SSH = "127.0.0.1 50000 127.0.0.1 22"


@pytest.fixture(scope="module")
def template(tmp_path_factory, sqlite_template):
    """Built once: root (admin), coord, sup (client K-0001 only), gone (disabled); keys for each."""
    d = tmp_path_factory.mktemp("identity")
    shutil.copy(sqlite_template, d / "bpa.sqlite3")
    db = Database(make_engine(f"sqlite:///{d / 'bpa.sqlite3'}"))
    admin, keys_file = Actor("admin", "admin"), d / "authorized_keys"
    users.ensure_first_admin(db, "root")
    f.municipality(db, admin)
    f.client(db, admin)
    f.client(db, admin, name="Ola Nordmann")
    records.create(db, admin, "supervisor", {"name": "Siv", "client_id": "K-0001"})
    users.add_user(db, admin, "coord", "coordinator")
    users.add_user(db, admin, "sup", "supervisor", "S-0001")
    users.add_user(db, admin, "gone", "coordinator")
    for name in ("coord", "sup", "gone"):
        users.add_key(db, admin, name, keygen(d / name, name).read_text(), keys_file=keys_file, env={})
    users.set_disabled(db, admin, "gone", True, keys_file=keys_file, env={})
    db.dispose()  # the last connection to close folds the WAL into the file
    return d


@pytest.fixture
def setup(template, tmp_path, private_keys_file):
    """A private copy of the template database and its authorized_keys file."""
    shutil.copy(template / "bpa.sqlite3", tmp_path / "bpa.sqlite3")
    private_keys_file.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(template / "authorized_keys", private_keys_file)
    db = Database(make_engine(f"sqlite:///{tmp_path / 'bpa.sqlite3'}"))
    yield db
    db.dispose()


def _forced(monkeypatch, command: str | None) -> None:
    monkeypatch.setenv("SSH_CONNECTION", SSH)
    if command is None:
        monkeypatch.delenv("SSH_ORIGINAL_COMMAND", raising=False)
    else:
        monkeypatch.setenv("SSH_ORIGINAL_COMMAND", command)


def test_forced_command_runs_our_subcommand_as_the_key_owner(setup, monkeypatch, capsys):
    _forced(monkeypatch, "bpa-provider list clients --format csv")
    assert cli.main(["--db", sqlite_file(setup), "--as", "sup"]) == 0
    out = capsys.readouterr().out
    assert "K-0001" in out and "K-0002" not in out  # a supervisor sees only their client
    assert not audit_log.query(setup, Actor("a", "admin"), action="impersonate")


@pytest.mark.parametrize(
    "command, says",
    [
        ("sh -c id", "not a bpa-provider command"),
        ("/bin/bash", "not a bpa-provider command"),
        ("scp -t /tmp", "not a bpa-provider command"),
        ("/usr/lib/openssh/sftp-server", "not a bpa-provider command"),
        ("--as root list clients", "cannot be given over SSH"),
        ("list clients --as=root", "cannot be given over SSH"),
        ("list clients --d /tmp/other.sqlite3", "cannot be given over SSH"),
        ("init", "runs only on the server"),
        ("restore /tmp/x --force", "runs only on the server"),
        ("list 'clients", "cannot be read"),
        ("list clients\x1b[2J", "control characters"),
        ("list clients\x9b2J", "control characters"),
        ("list clients\n/bin/sh", "control characters"),
    ],
)
def test_anything_else_is_refused_with_one_line(setup, monkeypatch, capsys, command, says):
    _forced(monkeypatch, command)
    assert cli.main(["--db", sqlite_file(setup), "--as", "coord"]) == 1
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1


def test_shell_syntax_is_just_text_to_our_parser(setup, monkeypatch, capsys):
    # No shell ever sees the command: ';' is part of an argument, and argparse refuses it (exit 2).
    _forced(monkeypatch, "list clients; sh -c id")
    with pytest.raises(SystemExit) as exc:
        cli.main(["--db", sqlite_file(setup), "--as", "coord"])
    assert exc.value.code == 2
    assert "invalid choice: 'clients;'" in capsys.readouterr().err


def test_no_command_opens_the_app_as_the_key_owner(setup, monkeypatch):
    opened: list[Actor] = []
    monkeypatch.setattr(bpa_provider.screens.app, "run_app", lambda db, actor, **kw: opened.append(actor) or 0)
    _forced(monkeypatch, None)
    assert cli.main(["--db", sqlite_file(setup), "--as", "coord"]) == 0
    _forced(monkeypatch, "  ")
    assert cli.main(["--db", sqlite_file(setup), "--as", "sup"]) == 0
    assert [(a.login, a.role, a.connection) for a in opened] == [
        ("coord", "coordinator", SSH),
        ("sup", "supervisor", SSH),
    ]


@pytest.mark.parametrize("login, says", [("nobody", "unknown user 'nobody'"), ("gone", "user 'gone' is disabled")])
def test_unknown_or_disabled_user_gets_one_line_and_no_app(setup, monkeypatch, capsys, login, says, private_keys_file):
    opened: list[str] = []
    monkeypatch.setattr(bpa_provider.screens.app, "run_app", lambda db, actor, **kw: opened.append("app") or 0)
    # Even with a (stale) forced line for the name, the table decides.
    text = private_keys_file.read_text().replace("--as coord", f"--as {login}")
    private_keys_file.write_text(text)
    _forced(monkeypatch, None)
    assert cli.main(["--db", sqlite_file(setup), "--as", login]) == 1
    err = capsys.readouterr().err
    assert err == f"bpa-provider: {says}\n" and opened == []


def test_ssh_connection_alone_does_not_honour_as(setup, monkeypatch, capsys, private_keys_file):
    """A shell login over SSH has SSH_CONNECTION too; without our forced line, --as is impersonation."""
    private_keys_file.unlink()
    monkeypatch.setenv("SSH_CONNECTION", SSH)
    monkeypatch.setattr(identity, "current_login", lambda: "coord")
    assert cli.main(["--db", sqlite_file(setup), "--as", "root", "list", "clients"]) == 1
    assert "only an admin may act as another user" in capsys.readouterr().err
    # An admin may, and it is logged as impersonation.
    monkeypatch.setattr(identity, "current_login", lambda: "root")
    assert cli.main(["--db", sqlite_file(setup), "--as", "sup", "list", "clients"]) == 0
    rows = audit_log.query(setup, Actor("a", "admin"), action="impersonate")
    assert [(r.actor, r.subject) for r in rows] == [("root", "sup")]


def test_is_forced_command_needs_both_the_connection_and_the_line(setup, private_keys_file):
    env = {"BPA_AUTHORIZED_KEYS": str(private_keys_file)}
    assert not identity.is_forced_command("coord", env)
    assert identity.is_forced_command("coord", {**env, "SSH_CONNECTION": SSH})
    assert not identity.is_forced_command("gone", {**env, "SSH_CONNECTION": SSH})  # disabled: line removed
    assert not identity.is_forced_command("coordx", {**env, "SSH_CONNECTION": SSH})


def test_clean_environment_under_ssh_is_an_allow_list():
    env = {
        "SSH_CONNECTION": SSH,
        "SSH_ORIGINAL_COMMAND": "list clients",
        "TERM": "xterm-256color",
        "TEXTUAL_DRIVER": "x",
        "TEXTUAL": "devtools",
        "PYTHONINSPECT": "1",
        "LD_PRELOAD": "/tmp/x.so",
        "LANG": "nb_NO.UTF-8",
        "LC_ALL": "$(id)",
        "PATH": "/tmp/evil:/usr/bin",
        "BPA_DATABASE_URL": "/srv/db",
        "BPA_NOTICE_MONTHS": "0",
    }
    cli.clean_environment(env)
    assert env == {
        "SSH_CONNECTION": SSH,
        "SSH_ORIGINAL_COMMAND": "list clients",
        "TERM": "xterm-256color",
        "LANG": "nb_NO.UTF-8",
        "PATH": "/usr/bin:/bin",
        "BPA_DATABASE_URL": "/srv/db",
        "BROWSER": "/bin/true",
    }
    bad_term = {"SSH_CONNECTION": SSH, "TERM": "../../tmp/terminfo"}
    cli.clean_environment(bad_term)
    assert "TERM" not in bad_term


def test_clean_environment_locally_drops_textual_and_python_hooks():
    env = {"TEXTUAL_DRIVER": "x", "TEXTUAL_SCREENSHOT": "1", "PYTHONINSPECT": "1", "HOME": "/root", "TERM": "xterm"}
    cli.clean_environment(env)
    assert env == {"HOME": "/root", "TERM": "xterm"}


def test_real_process_isolated_python_ignores_inspect_and_textual(setup, private_keys_file):
    """The forced command's own interpreter line: -I, and a hostile environment does nothing."""
    r = run_cli(
        "--as",
        "coord",
        env={
            "SSH_CONNECTION": SSH,
            "SSH_ORIGINAL_COMMAND": "list clients --format csv",
            "BPA_DATABASE_URL": sqlite_file(setup),
            "PYTHONINSPECT": "1",
            "PYTHONSTARTUP": "/dev/null",
            "TEXTUAL_DRIVER": "nonexistent.module:Driver",
            "BPA_AUTHORIZED_KEYS": str(private_keys_file),
        },
        stdin="print('pwned')\n",
        isolated=True,
    )
    assert r.code == 0, r.err
    assert "pwned" not in r.out and ">>>" not in r.err
    assert r.out.splitlines()[0].startswith("ref,name") and "K-0002" in r.out


@pytest.mark.parametrize(
    "command",
    [
        "export payroll --month 2026-03 --out /srv/bpa/.ssh/authorized_keys",
        "import clients /etc/shadow",
    ],
)
def test_over_ssh_no_command_may_name_a_server_file(setup, monkeypatch, capsys, command):
    parser = cli.build_parser()
    name = command.split()[0]
    if name not in cli._subcommands(parser):
        pytest.skip(f"no '{name}' command yet")
    _forced(monkeypatch, command)
    assert cli.main(["--db", sqlite_file(setup), "--as", "coord"]) == 1
    assert "cannot name files on the server" in capsys.readouterr().err


def test_over_ssh_a_key_file_path_is_refused_stdin_is_used(setup, monkeypatch, capsys, tmp_path):
    """A path given over SSH would name a file on the server: only standard input is read."""
    _forced(monkeypatch, "users key add coord /etc/ssh/ssh_host_ed25519_key.pub")
    assert cli.main(["--db", sqlite_file(setup), "--as", "root"]) == 1
    assert "cannot name files on the server" in capsys.readouterr().err
    pub = keygen(tmp_path / "extra", "extra@laptop")
    monkeypatch.setattr("sys.stdin", io.StringIO(pub.read_text()))
    _forced(monkeypatch, "users key add coord -")
    assert cli.main(["--db", sqlite_file(setup), "--as", "root"]) == 0
    assert "added for 'coord'" in capsys.readouterr().out
