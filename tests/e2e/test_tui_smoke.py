"""Smoke test of the real `bpa-provider` console script in a terminal (tmux): start it on a
small demo database, move through the screens with keys, read the screen, quit cleanly.

tmux runs on a private socket (-L), so the test never touches a developer's own sessions.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent / "bpa-provider"

# Skips without tmux locally, fails under CI=true (.ci/run installs it): tests/tooling.py.
pytestmark = [pytest.mark.needs_tool("tmux"), pytest.mark.slow]


class Terminal:
    """One tmux session running one command, on a socket of its own."""

    def __init__(self, socket: str, width: int = 100, height: int = 30) -> None:
        self.socket, self.width, self.height = socket, width, height

    def tmux(self, *args: str, check: bool = True) -> str:
        out = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check)
        return out.stdout

    def start(self, command: str, env: dict[str, str]) -> None:
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        self.tmux(
            "new-session", "-d", "-s", "app", "-x", str(self.width), "-y", str(self.height), f"env {exports} {command}"
        )

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "app", check=False)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "app", *keys)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} did not appear; the screen shows:\n{shown}")

    def alive(self) -> bool:
        return (
            subprocess.run(["tmux", "-L", self.socket, "has-session", "-t", "app"], capture_output=True).returncode == 0
        )

    def kill(self) -> None:
        self.tmux("kill-server", check=False)


def _make_database(path: Path, env: dict[str, str]) -> None:
    """A small demo company: `bpa-provider demo` if this build has it, else init + fixed data."""
    full_env = {**os.environ, **env}
    help_text = subprocess.run([str(BIN), "--help"], capture_output=True, text=True, env=full_env).stdout
    if "\n    demo " in help_text:
        subprocess.run(
            [str(BIN), "--db", str(path), "demo", "--clients", "5", "--months", "1"],
            check=True,
            capture_output=True,
            env=full_env,
            cwd=ROOT,
        )
        return
    subprocess.run([str(BIN), "--db", str(path), "init"], check=True, capture_output=True, env=full_env)
    sys.path.insert(0, str(ROOT / "tests" / "screens"))
    import fixed_data

    from bpa_provider.db.engine import open_database

    db = open_database(str(path))
    fixed_data.build(db)
    db.dispose()


def test_real_command_moves_through_screens_and_quits_cleanly(tmp_path):
    env = {"BPA_CONFIG": str(tmp_path / "none.toml"), "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    db = tmp_path / "demo.sqlite3"
    _make_database(db, env)
    rc_file = tmp_path / "rc"
    term = Terminal(f"bpa-e2e-{os.getpid()}")
    try:
        term.start(f"sh -c '{BIN} --db {db} --lang en; echo $? > {rc_file}'", env)
        shown = term.wait_for("What needs action")
        assert "Dashboard" in shown and "Clients" in shown

        term.keys("2")
        term.wait_for("sorted by")
        term.wait_for("K-0001")  # the rows come from a worker, after the header: wait, not assert

        term.keys("Enter")
        shown = term.wait_for("Decisions")
        assert "K-0001" in shown and "Back" in shown

        term.keys("F1")
        term.wait_for("Client screen")
        term.keys("Escape")
        term.wait_for("Decisions")

        term.keys("Escape")
        term.wait_for("sorted by")
        term.keys("3")
        term.wait_for("A-0001")

        term.keys("C-q")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not rc_file.exists():
            time.sleep(0.2)
        assert rc_file.exists(), "the app did not exit:\n" + term.screen()
        assert rc_file.read_text().strip() == "0"
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and term.alive():
            time.sleep(0.1)
        assert not term.alive()
    finally:
        term.kill()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _app_pid(term: Terminal) -> int:
    """The app's process: the pane runs `env … bpa-provider` directly."""
    return int(term.tmux("list-panes", "-t", "app", "-F", "#{pane_pid}").split()[0])


def test_a_burst_of_arrows_over_the_terminal_ends_where_the_keys_say_and_goes_idle(tmp_path):
    env = {"BPA_CONFIG": str(tmp_path / "none.toml"), "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    db = tmp_path / "demo.sqlite3"
    _make_database(db, env)
    term = Terminal(f"bpa-burst-{os.getpid()}", width=80, height=24)
    try:
        term.start(f"{BIN} --db {db} --lang en", env)
        term.wait_for("What needs action")
        time.sleep(1.0)  # the dashboard's sections load in workers
        term.keys("Down", "Down")  # one send-keys: the bytes reach the app as one burst
        shown = term.wait_for("Assistants", timeout=10)
        time.sleep(1.0)
        pid = _app_pid(term)
        before = _cpu_seconds(pid)
        time.sleep(2.0)
        used = _cpu_seconds(pid) - before
        assert used < 0.4, f"the idle app used {used:.2f} s of CPU in 2 s"
        top = term.screen().splitlines()[0]
        assert "Assistants" in top, shown
        term.keys("C-q")
    finally:
        term.kill()
