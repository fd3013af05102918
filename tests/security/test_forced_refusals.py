"""Every refusal of the SSH forced command is in the access log with the SSH connection: a shell
or another program, `--as`/`--db`, a command that runs on the server only, a file on the server,
and an unknown or disabled user's login (without a real sshd; test_ssh.py has the real one).
Also: every file argument of every command is one the forced command checks."""

from __future__ import annotations

import argparse
import shutil

import factories as f
import pytest
from sechelpers import keygen, sqlite_file

import bpa_provider.screens.app
from bpa_provider import cli
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.services import audit_log, users

SSH = "192.0.2.7 51234 127.0.0.1 22"
AUDITOR = Actor("a", "admin")


@pytest.fixture(scope="module")
def template(tmp_path_factory, sqlite_template):
    """root (admin), coord, gone (disabled, its forced line kept by hand); a key for each."""
    d = tmp_path_factory.mktemp("refusals")
    shutil.copy(sqlite_template, d / "bpa.sqlite3")
    db = Database(make_engine(f"sqlite:///{d / 'bpa.sqlite3'}"))
    admin, keys_file = Actor("admin", "admin"), d / "authorized_keys"
    users.ensure_first_admin(db, "root")
    f.municipality(db, admin)
    f.client(db, admin)
    users.add_user(db, admin, "coord", "coordinator")
    users.add_user(db, admin, "gone", "coordinator")
    for name in ("coord", "gone"):
        users.add_key(db, admin, name, keygen(d / name, name).read_text(), keys_file=keys_file, env={})
    stale = keys_file.read_text()  # with gone's line, as a file restored from an old copy would be
    users.set_disabled(db, admin, "gone", True, keys_file=keys_file, env={})
    (d / "stale_keys").write_text(stale)
    db.dispose()
    return d


@pytest.fixture
def setup(template, tmp_path, private_keys_file, monkeypatch):
    shutil.copy(template / "bpa.sqlite3", tmp_path / "bpa.sqlite3")
    private_keys_file.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(template / "stale_keys", private_keys_file)
    monkeypatch.setenv("SSH_CONNECTION", SSH)
    monkeypatch.setattr(bpa_provider.screens.app, "run_app", lambda db, actor, **kw: pytest.fail("the app opened"))
    db = Database(make_engine(f"sqlite:///{tmp_path / 'bpa.sqlite3'}"))
    yield db
    db.dispose()


def _refusals(db: Database, user: str | None = None) -> list:
    return audit_log.query(db, AUDITOR, user=user, action="refused")


@pytest.mark.parametrize(
    "command, says",
    [
        ("sh -c id", "not a bpa-provider command"),
        ("scp -t /tmp", "not a bpa-provider command"),
        ("--as root users list", "cannot be given over SSH"),
        ("list clients --db=/tmp/other.sqlite3", "cannot be given over SSH"),
        ("init", "runs only on the server"),
        ("backup /tmp/copy.sqlite3", "runs only on the server"),
        ("export payroll --month 2026-03 --out /root/.ssh/authorized_keys", "cannot name files on the server"),
        ("export calendar --out cal.ics", "cannot name files on the server"),
        ("import clients /etc/shadow", "cannot name files on the server"),
        ("list clients\x1b]0;owned\x07", "control characters"),
    ],
)
def test_each_refused_command_is_logged_with_the_connection(setup, monkeypatch, capsys, command, says):
    monkeypatch.setenv("SSH_ORIGINAL_COMMAND", command)
    assert cli.main(["--db", sqlite_file(setup), "--as", "coord"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("bpa-provider: refused:") and says in err and err.count("\n") == 1
    [row] = _refusals(setup, "coord")
    assert row.connection == SSH and row.role == "coordinator"
    assert says in row.summary
    assert command.split()[0] in row.summary  # what was asked, in printable form
    assert "\x1b" not in row.summary and "\x07" not in row.summary


@pytest.mark.parametrize("login, says", [("nobody", "unknown user 'nobody'"), ("gone", "user 'gone' is disabled")])
@pytest.mark.parametrize("command", [None, "list clients"])
def test_unknown_or_disabled_logins_are_logged(setup, monkeypatch, capsys, private_keys_file, login, says, command):
    if login == "nobody":  # a forced line for a name that is not in the table
        private_keys_file.write_text(private_keys_file.read_text().replace("--as coord", "--as nobody"))
    if command is None:
        monkeypatch.delenv("SSH_ORIGINAL_COMMAND", raising=False)
    else:
        monkeypatch.setenv("SSH_ORIGINAL_COMMAND", command)
    assert cli.main(["--db", sqlite_file(setup), "--as", login]) == 1
    assert capsys.readouterr().err == f"bpa-provider: {says}\n"
    [row] = _refusals(setup, login)
    assert row.connection == SSH and says in row.summary


def test_a_claimed_name_without_its_forced_line_is_logged_as_the_account(setup, monkeypatch, capsys, private_keys_file):
    """Someone with a shell who sets SSH_CONNECTION and --as themselves is not the key's owner."""
    private_keys_file.write_text("")
    monkeypatch.setenv("SSH_ORIGINAL_COMMAND", "sh")
    assert cli.main(["--db", sqlite_file(setup), "--as", "coord"]) == 1
    capsys.readouterr()
    assert _refusals(setup, "coord") == []
    [row] = _refusals(setup)
    assert "claimed to be coord" in row.summary and row.connection == SSH


def test_a_refusal_without_a_database_is_still_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SSH_CONNECTION", SSH)
    monkeypatch.setenv("SSH_ORIGINAL_COMMAND", "sh -c id")
    missing = tmp_path / "none.sqlite3"
    assert cli.main(["--db", str(missing), "--as", "coord"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "not a bpa-provider command" in err
    assert not missing.exists()


def _arguments(parser: argparse.ArgumentParser, prefix: str = ""):
    for action in parser._actions:  # noqa: SLF001 - argparse offers no public walk
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for name, sub in action.choices.items():
                yield from _arguments(sub, f"{prefix} {name}".strip())
        else:
            yield prefix, action


def test_every_file_argument_is_checked_over_ssh():
    """A new command with a FILE or DIR argument must use a name the forced command checks
    (cli._PATH_ARGS), or over SSH it could read or write the service account's files."""
    files = [
        (cmd, a.dest)
        for cmd, a in _arguments(cli.build_parser())
        if any(w in str(a.metavar or "").upper() for w in ("FILE", "DIR", "PATH")) or "--out" in a.option_strings
    ]
    assert len(files) >= 6  # the walk finds them (payroll, calendar, ics, roster, import, users key add …)
    unchecked = [(cmd, dest) for cmd, dest in files if dest not in cli._PATH_ARGS]  # noqa: SLF001
    assert unchecked == []


@pytest.mark.parametrize("command", ["list clients; sh -c id", "list $(id)", "report hours --month"])
def test_a_command_our_parser_refuses_is_logged_too(setup, monkeypatch, capsys, command):
    """Shell syntax is only text to argparse (exit 2 with its own words): the attempt is still logged."""
    monkeypatch.setenv("SSH_ORIGINAL_COMMAND", command)
    with pytest.raises(SystemExit) as exc:
        cli.main(["--db", sqlite_file(setup), "--as", "coord"])
    assert exc.value.code == 2
    assert capsys.readouterr().out == ""
    [row] = _refusals(setup, "coord")
    assert row.connection == SSH and "not understood" in row.summary and command in row.summary


def test_help_over_ssh_is_not_a_refusal(setup, monkeypatch, capsys):
    monkeypatch.setenv("SSH_ORIGINAL_COMMAND", "export payroll --help")
    with pytest.raises(SystemExit) as exc:
        cli.main(["--db", sqlite_file(setup), "--as", "coord"])
    assert exc.value.code == 0 and "--month" in capsys.readouterr().out
    assert _refusals(setup) == []
