"""A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl from Debian's package.

Runs the server as the `postgres` user when the tests run as root (initdb refuses root), on a
Unix socket in a private directory (no TCP port is opened). `BPA_TEST_PG_URL` names an existing
server instead — only together with `BPA_TEST_PG_DISPOSABLE=1`, because the tests create and drop
databases and roles on it (`external_url`). Either way the tests' databases get names of their own
(`scratch_name`), so a run only ever drops a database it created.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


def pg_bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    """Start with `start()`, stop with `stop()`; `url(dbname)` gives a psycopg 3 URL."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="bpa-pg-"))
        self.port = _free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *cmd: str) -> None:
        full = list(cmd)
        if self.as_root:
            full = ["runuser", "-u", "postgres", "--", *full]
        subprocess.run(full, check=True, capture_output=True, text=True)

    def start(self) -> None:
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.dir / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-locale",
        )
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.dir / "data"),
            "-o",
            opts,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{dbname}?host={self.dir}&port={self.port}"

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def with_database(url: str, name: str) -> str:
    """The same server URL with another database name."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


URL_VARIABLE = "BPA_TEST_PG_URL"
DISPOSABLE_VARIABLE = "BPA_TEST_PG_DISPOSABLE"


class RefusedServer(Exception):
    """BPA_TEST_PG_URL names a server nobody said the tests may change."""


def external_url(environ: Mapping[str, str]) -> str | None:
    """The server `BPA_TEST_PG_URL` names, or None to start a throwaway cluster.

    The tests create and drop databases and login roles (`bpa_app_test`, `bpa_app_erase`) on the
    server, so a server the tests did not start is used only when `BPA_TEST_PG_DISPOSABLE=1`
    says it is a scratch server; otherwise RefusedServer."""
    url = environ.get(URL_VARIABLE, "").strip()
    if not url:
        return None
    if environ.get(DISPOSABLE_VARIABLE) != "1":
        raise RefusedServer(
            f"{URL_VARIABLE} is set, but the tests create and drop databases and roles on that server: "
            f"set {DISPOSABLE_VARIABLE}=1 if it is a scratch server, or unset {URL_VARIABLE} to let "
            "the tests start their own"
        )
    return url


def scratch_name(prefix: str) -> str:
    """A database name no one else uses: the tests create it, and drop only what they created."""
    return f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"


@contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """CREATE a database of a new name on the server, yield its URL, DROP it afterwards."""
    name = scratch_name(prefix)
    from sqlalchemy import text

    from bpa_provider.db.engine import make_engine

    admin = make_engine(server_url)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield with_database(server_url, name)
        finally:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
