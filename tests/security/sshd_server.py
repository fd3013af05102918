"""A real OpenSSH server for the SSH tests (test_ssh.py, test_ssh_files.py): written once.

`running_sshd(folder)` makes a host key, writes a config whose AuthorizedKeysFile is
`folder/authorized_keys` (the file `users key add` writes), starts sshd on a free loopback port
and stops it afterwards; `need_ssh_tools()` skips without sshd/ssh/ssh-keygen (fails under
CI=true). `Server` is what a test's fixture hands its tests: the port, the folder, the database,
the key files and the settings baked into the key lines, with `ssh()` to log in as one of them.
Tests run as root, so root is the service account (`PermitRootLogin prohibit-password`: keys only).
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tooling import need_tool

from bpa_provider.db.engine import Database

SSHD = "/usr/sbin/sshd"

SSHD_CONFIG = """\
Port {port}
ListenAddress 127.0.0.1
HostKey {dir}/host_ed25519
PidFile {dir}/sshd.pid
AuthorizedKeysFile {dir}/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
# Left at sshd's default (yes) on purpose: `restrict` in each key line must be what refuses it.
AllowTcpForwarding yes
PermitUserEnvironment no
Subsystem sftp /usr/lib/openssh/sftp-server
LogLevel VERBOSE
"""


def free_port() -> int:
    """A loopback port nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 20) -> None:
    """Return once something accepts connections on the loopback port; TimeoutError otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


def need_ssh_tools() -> None:
    """Skip without the OpenSSH programs the tests run (fail under CI=true)."""
    need_tool("sshd", SSHD)
    need_tool("ssh")
    need_tool("ssh-keygen")


@contextmanager
def running_sshd(folder: Path) -> Iterator[int]:
    """sshd serving `folder/authorized_keys` on a free port (yielded); its log is `folder/sshd.log`."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / "host_ed25519")], check=True)
    port = free_port()
    (folder / "sshd_config").write_text(SSHD_CONFIG.format(port=port, dir=folder))
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
    log = (folder / "sshd.log").open("w")
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(folder / "sshd_config")], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_port(port)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@dataclass
class Server:
    """A running sshd in front of bpa-provider, as a fixture hands it to its tests."""

    port: int
    dir: Path
    db: Database
    keys_file: Path
    keys: dict[str, Path]  # private key files
    env: dict[str, str]  # the settings baked into the key lines

    def ssh_args(self, key: str, *extra: str) -> list[str]:
        """The ssh command line logging in with `key` (no config, no known hosts, keys only)."""
        return [
            "ssh",
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
            "-o",
            "LogLevel=ERROR",
            "-o",
            "ConnectTimeout=20",
            "-i",
            str(self.keys[key]),
            "-p",
            str(self.port),
            *extra,
            "--",
            "root@127.0.0.1",
        ]

    def ssh(self, key: str, *command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """Log in with `key` and run `command` (the forced command decides what runs)."""
        return subprocess.run(
            [*self.ssh_args(key, "-T"), *command],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
