"""A real OpenSSH server in front of bpa-provider: keys, forced commands and what each person sees.

sshd runs on a free loopback port with its own host key and config; its AuthorizedKeysFile is the
file `users key add` writes. Tests run as root, so root is the service account here
(`PermitRootLogin prohibit-password`: keys only). Without sshd the tests skip — except under CI=true,
where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import factories as f
import pytest
from sechelpers import keygen
from sshd_server import Server, free_port, need_ssh_tools, running_sshd, wait_port
from tooling import need_tool

from bpa_provider.access import Actor
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.services import audit_log, records, users

pytestmark = pytest.mark.slow  # a real sshd per test: seconds each


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    need_ssh_tools()
    d = tmp_path_factory.mktemp("sshd")
    db_path = d / "bpa.sqlite3"
    shutil.copy(sqlite_template, db_path)
    db = Database(make_engine(f"sqlite:///{db_path}"))
    admin = Actor("admin", "admin")
    users.ensure_first_admin(db, "root")
    f.municipality(db, admin)
    f.client(db, admin, national_id=f.valid_fnr())
    f.client(db, admin, name="Ola Nordmann")
    records.create(db, admin, "supervisor", {"name": "Siv Arbeidsleder", "client_id": "K-0001"})
    users.add_user(db, admin, "coord", "coordinator")
    users.add_user(db, admin, "sup", "supervisor", "S-0001")
    keys_file = d / "authorized_keys"
    keys_file.write_text("# a line the admin wrote by hand stays\n")
    env = {"BPA_DATABASE_URL": str(db_path), "BPA_AUTHORIZED_KEYS": str(keys_file), "BPA_CONFIG": "/nonexistent"}
    keys = {}
    for name, login in (("coord", "coord"), ("sup", "sup"), ("coord_old", "coord")):
        pub = keygen(d / name, f"{name}@laptop")
        keys[name] = d / name
        users.add_key(db, admin, login, pub.read_text(), keys_file=keys_file, env=env)
    try:
        with running_sshd(d) as port:
            yield Server(port, d, db, keys_file, keys, env)
    finally:
        db.dispose()


def test_report_without_terminal_each_sees_only_theirs(server):
    with ThreadPoolExecutor(2) as pool:
        coord, sup = pool.map(lambda k: server.ssh(k, "list", "clients", "--format", "csv"), ["coord", "sup"])
    assert coord.returncode == 0, coord.stderr
    assert sup.returncode == 0, sup.stderr
    assert coord.stdout.splitlines()[0].startswith("ref,name")
    assert [ln.split(",")[0] for ln in coord.stdout.splitlines()[1:]] == ["K-0001", "K-0002"]
    assert [ln.split(",")[0] for ln in sup.stdout.splitlines()[1:]] == ["K-0001"]
    assert "*****" in coord.stdout  # national IDs masked in the list


def test_refusal_over_ssh_is_logged_with_the_connection(server):
    r = server.ssh("sup", "bpa-provider", "reveal", "client", "K-0001")
    assert r.returncode == 1 and r.stdout == ""
    refused = audit_log.query(server.db, Actor("a", "admin"), user="sup", action="refused")
    assert refused and refused[-1].connection.startswith("127.0.0.1 ")


@pytest.mark.parametrize(
    "command",
    [
        ["sh", "-c", "id"],
        ["id"],
        ["cat", "/etc/passwd"],
        ["--as", "root", "users", "list"],
        ["list", "clients", "--db", "/tmp/other.sqlite3"],
        ["init"],
    ],
)
def test_shell_and_foreign_commands_are_refused(server, command):
    r = server.ssh("sup", *command)
    assert r.returncode == 1
    assert "uid=" not in r.stdout and "root:" not in r.stdout and r.stdout == ""
    assert r.stderr.startswith("bpa-provider: refused:") and r.stderr.count("\n") == 1


def test_file_copy_is_refused(server):
    target = server.dir / "copied"
    r = subprocess.run(
        [
            "scp",
            "-F",
            "/dev/null",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-i",
            str(server.keys["coord"]),
            "-P",
            str(server.port),
            "root@127.0.0.1:/etc/hostname",
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode != 0 and not target.exists()


def test_port_forwarding_is_refused(server):
    local = free_port()
    fwd = subprocess.Popen(
        server.ssh_args("coord", "-N", "-L", f"{local}:127.0.0.1:{server.port}"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(local)
        with socket.create_connection(("127.0.0.1", local), timeout=10) as s:
            origin = s.getsockname()[1]
            s.settimeout(10)
            try:
                data = s.recv(64)
            except (ConnectionResetError, TimeoutError):
                data = b""
        # Through a working tunnel, sshd's own banner would arrive.
        assert not data.startswith(b"SSH-2.0")
        expected = f"refused local port forward: originator 127.0.0.1 port {origin}"
        deadline = time.monotonic() + 10
        while expected not in (server.dir / "sshd.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert expected in (server.dir / "sshd.log").read_text()
    finally:
        fwd.terminate()
        try:
            fwd.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a client still in its handshake on a busy machine
            fwd.kill()
            fwd.wait(timeout=10)


def test_removed_key_is_refused(server):
    assert server.ssh("coord_old", "list", "municipalities").returncode == 0
    fingerprint = [
        k.fingerprint
        for k in users.list_keys(server.db, Actor("a", "admin"), "coord")
        if k.comment == "coord_old@laptop"
    ][0]
    users.remove_key(server.db, Actor("a", "admin"), "coord", fingerprint, keys_file=server.keys_file, env=server.env)
    r = server.ssh("coord_old", "list", "municipalities")
    assert r.returncode == 255 and "Permission denied" in r.stderr
    assert "# a line the admin wrote by hand stays" in server.keys_file.read_text()
    assert server.ssh("coord", "list", "municipalities").returncode == 0  # the other key still works


class Tmux:
    """A private tmux server running one interactive ssh session."""

    def __init__(self, name: str, command: str):
        self.base = ["tmux", "-L", name]
        subprocess.run(
            [*self.base, "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "110", "-y", "30", command],
            check=True,
            env={**os.environ, "TERM": "xterm-256color"},
        )

    def screen(self) -> str:
        r = subprocess.run([*self.base, "capture-pane", "-p", "-t", "t"], capture_output=True, text=True)
        return r.stdout

    def wait_for(self, *texts: str, timeout: float = 60) -> str:
        """Poll the pane until one line holds every text (e.g. the login and the role)."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if any(all(t in line for t in texts) for line in screen.splitlines()):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{texts} did not appear on one line; the screen was:\n{screen}")

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.base, "send-keys", "-t", "t", *keys], check=True)

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)


@pytest.mark.parametrize(
    "who, role, sees, never",
    [
        ("coord", "coordinator", ["K-0001", "K-0002"], []),
        ("sup", "supervisor", ["K-0001"], ["K-0002", "Ola Nordmann"]),
    ],
)
def test_interactive_login_opens_the_app_as_that_person(server, who, role, sees, never):
    need_tool("tmux")
    ssh = " ".join(server.ssh_args(who, "-tt"))
    session = Tmux(f"bpa-ssh-{os.getpid()}-{who}", f"{ssh}; echo SESSION-ENDED=$?; sleep 60")
    try:
        session.wait_for(who, role)  # the header names the person and their role
        session.keys("2")  # the Clients area
        for ref in sees:
            screen = session.wait_for(ref)
        assert not [n for n in never if n in screen]
        session.keys("C-q")  # inside an area a bare q only says how to quit (docs/tui.md)
        screen = session.wait_for("SESSION-ENDED=", timeout=30)
        assert "SESSION-ENDED=0" in screen
    finally:
        session.close()
