"""Key to screen in a real terminal: what a person waits, measured in tmux by polling the screen.

Usage: `python -m bench.tmux_probe DB [--size 120x40] [--runs 3] [--idle SECONDS] [--floor-db SQLITE]`

The app (`bpa-provider --db DB`, as the machine's login, which the demo company makes an admin) runs
in a tmux pane of the given size on a private socket. For each step the probe sends the key with
`tmux send-keys` and reads the pane (`capture-pane`) in a tight loop until the step's answer is on
the screen; the time from the key to that first screen is the figure. Between steps it waits until
the screen has been still for a while, so no step is charged for the one before.

Beside each step, the floor: a bare Textual app (bench/bare_table.py) showing the same rows in one
DataTable in the same terminal, driven by the same keys and read the same way. For the record
steps (open a record, record filled, open the next client, next client filled) its Enter shows
the same record as the app's client screen — the summary, then each section's heading and table
with the same columns and rows (decisions, work supervisors, assistants, history) or its lines
(hours, continuity, transfer) — read from the same SQLite file with plain sqlite3 before the key
and built on the key, in one frame; for the assistant's steps, `3` shows the assistants list's
rows (not a figure) and Enter the first one's record as the app's assistant screen holds it
(employments, clients, courses, staff reviews, upcoming shifts). On PostgreSQL the floor's Enter
shows the row's fields only, and the assistant's steps have no floor. Issue 19 asks for ≤ 150 ms
for opening any list or record and paging, and ≤ 2× the floor.

`--idle` waits that long after the start-up screen is still before the first key (both apps): the
first list is then opened by a person who looked at the dashboard first, after the app's start-up
work (the database stack, the lists built ahead) is done; without it the key comes while that
work may still be running.

Steps: open the clients list (2); page down; jump to the last row (ctrl+End); open the highlighted
client (Enter: its header on screen, then — from the same key — every section filled); back to
the list (Escape); open the client above it (Up, then Enter: the second record of a session,
whose screen the app keeps); open the assistants list (3, the app only); open its highlighted assistant
(Enter: its header, then every section on screen filled; the floor: the first row of the list).
Prints one line per step: `step|<name>|<app seconds, comma-separated per run>|<floor's, or empty>`.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from bench.measure import ROOT, VENV_BIN

CLI = str(VENV_BIN / "bpa-provider")
POLL = 0.002  # seconds between two reads of the pane (each read is itself a tmux round trip)
STILL = 0.4  # the screen unchanged this long: the previous step is over
TIMEOUT = 30.0

Screen = str
Done = Callable[[Screen], bool]


class Pane:
    """One command in a tmux session of its own (a private socket: never a person's sessions)."""

    def __init__(self, command: list[str], size: tuple[int, int], env: dict[str, str]) -> None:
        self.socket = f"bpa-probe-{os.getpid()}-{time.monotonic_ns()}"
        exports = [f"{k}={v}" for k, v in env.items()]
        self._tmux(
            "new-session",
            "-d",
            "-s",
            "p",
            "-c",
            str(ROOT),
            "-x",
            str(size[0]),
            "-y",
            str(size[1]),
            "env",
            *exports,
            *command,
        )

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True).stdout

    def screen(self) -> Screen:
        return self._tmux("capture-pane", "-p", "-t", "p")

    def key(self, key: str) -> None:
        self._tmux("send-keys", "-t", "p", key)

    def close(self) -> None:
        self._tmux("kill-server")

    def until(self, done: Done, what: str) -> float:
        """Seconds from now until `done(screen)` holds."""
        t0 = time.perf_counter()
        while True:
            shown = self.screen()
            if done(shown):
                return time.perf_counter() - t0
            if time.perf_counter() - t0 > TIMEOUT:
                raise TimeoutError(f"gave up waiting for {what}; the screen shows:\n{shown}")
            time.sleep(POLL)

    def step(self, key: str, done: Done, what: str) -> float:
        """Key to screen: send `key`, then wait until `done` holds on the screen."""
        return self.steps(key, [(done, what)])[0]

    def steps(self, key: str, answers: list[tuple[Done, str]]) -> list[float]:
        """Send `key`, then the time to each answer in turn (each from the key)."""
        t0 = time.perf_counter()
        self.key(key)
        out = []
        for done, what in answers:
            self.until(done, what)
            out.append(time.perf_counter() - t0)
        self.settle()
        return out

    def settle(self) -> None:
        """Wait until the screen has not changed for STILL seconds."""
        last, since = self.screen(), time.perf_counter()
        deadline = since + TIMEOUT
        while time.perf_counter() - since < STILL and time.perf_counter() < deadline:
            time.sleep(0.02)
            now = self.screen()
            if now != last:
                last, since = now, time.perf_counter()


def refs(screen: Screen, prefix: str) -> list[str]:
    return re.findall(rf"\b{prefix}-\d{{4,}}\b", screen)


def a_page_of(prefix: str, at_least: int = 10, app: bool = True) -> Done:
    """A list's page on screen: its rows, and (in the app) its status line ("… sorted by …"), so
    the dashboard's own references do not count; in the floor, the placeholder gone."""
    shown = (lambda s: "sorted by" in s) if app else (lambda s: "bare: press 2" not in s)
    return lambda s: shown(s) and len(set(refs(s, prefix))) >= at_least


def changed_page(before: Screen, prefix: str) -> Done:
    old = set(refs(before, prefix))
    return lambda s: len(set(refs(s, prefix))) >= 10 and set(refs(s, prefix)) != old


def showing(ref: str) -> Done:
    return lambda s: ref in s


def client_rows(db: str, kind: str = "clients") -> tuple[list[str], list[list[str]]]:
    """The clients (or assistants) list's rows as the CLI gives them (for the floor and for the
    last row's ref)."""
    out = subprocess.run(
        [CLI, "--db", db, "--lang", "en", "list", kind, "--format", "csv"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    header, *rows = list(csv.reader(out.splitlines()))
    return header, rows


def run_steps(pane: Pane, last_ref: str, app: bool, next_ref: str = "", first_assistant: str = "") -> dict[str, float]:
    """Every step once, in order; the screen is settled before each."""
    out: dict[str, float] = {}
    out["open clients list"] = pane.step("2", a_page_of("K", app=app), "the clients list")
    before = pane.screen()
    out["page down"] = pane.step("PageDown", changed_page(before, "K"), "the next page")
    out["jump to last row"] = pane.step("C-End", showing(last_ref), "the last row")
    # The record's answer is its header: the client's summary ("Client: <ref> <name>", drawn from
    # the header call) with the list gone; its sections fill in after it, each from its own call
    # ("filled": every section there, no "Loading…" left). The floor shows its one row at once.
    if app:
        header = lambda s: "Client:" in s and last_ref in s and "sorted by" not in s  # noqa: E731
        filled = lambda s: "Decisions" in s and "Work supervisors" in s and "Loading…" not in s  # noqa: E731
        out["open a record"], out["record filled"] = pane.steps(
            "Enter", [(header, "the record's header"), (filled, "the record's sections")]
        )
    else:
        # The floor builds the whole record on the key (one frame): its header and its sections.
        out["open a record"] = out["record filled"] = pane.step(
            "Enter", lambda s: "RECORD-SHOWN" in s and last_ref in s, "the record"
        )
    record_gone = (lambda s: "sorted by" in s and "Decisions" not in s) if app else (lambda s: "RECORD-SHOWN" not in s)
    out["back to the list"] = pane.step("Escape", lambda s: record_gone(s) and last_ref in s, "the list")
    if not app and next_ref:
        pane.key("Up")
        pane.settle()
        out["open the next client"] = out["next client filled"] = pane.step(
            "Enter", lambda s: "RECORD-SHOWN" in s and next_ref in s, "the next client"
        )
        pane.step("Escape", lambda s: "RECORD-SHOWN" not in s, "the list")
    if not app and first_assistant:
        # The floor's assistants list (not a figure: the list steps' floors are the clients list's),
        # then its first row's record, as the app's first assistant.
        pane.step("3", lambda s: first_assistant in s and not refs(s, "K"), "the assistants list")
        out["open an assistant"] = out["assistant filled"] = pane.step(
            "Enter", lambda s: "RECORD-SHOWN" in s and first_assistant in s, "the assistant"
        )
    if app and next_ref:
        # The next client (the row above): a record screen of its kind has been open before in
        # this session, as it has for a person after the first record (the app keeps it).
        pane.key("Up")
        pane.settle()
        header = lambda s: "Client:" in s and next_ref in s and "sorted by" not in s  # noqa: E731
        filled = lambda s: header(s) and "Decisions" in s and "Work supervisors" in s and "Loading…" not in s  # noqa: E731
        out["open the next client"], out["next client filled"] = pane.steps(
            "Enter", [(header, "the next client's header"), (filled, "the next client's sections")]
        )
        pane.step("Escape", lambda s: "sorted by" in s and "Decisions" not in s, "the list")
    if app:
        # The status line of the clients list says "sorted by" too: wait for assistants' rows.
        out["open assistants list"] = pane.step(
            "3", lambda s: "sorted by" in s and len(set(refs(s, "A"))) >= 10 and not refs(s, "K"), "the assistants list"
        )
        # The assistant's header ("Assistant: <ref> <name>", the list gone), then every section
        # on the 120×40 screen filled (no "Loading…" left; the shifts may be below the fold).
        first = refs(pane.screen(), "A")[0]  # the highlighted row: the list's first
        a_header = lambda s: "Assistant:" in s and first in s and "sorted by" not in s  # noqa: E731
        a_filled = lambda s: a_header(s) and "Employments" in s and "Clients (" in s and "Loading…" not in s  # noqa: E731
        out["open an assistant"], out["assistant filled"] = pane.steps(
            "Enter", [(a_header, "the assistant's header"), (a_filled, "the assistant's sections")]
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=0.0, help="seconds to wait before the first key")
    parser.add_argument(
        "--floor-db",
        default="",
        help="the SQLite file holding the same company, for the floor's records when DB is a PostgreSQL URL",
    )
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    header, rows = client_rows(args.db)
    last_ref = rows[-1][header.index("ref")]
    next_ref = rows[-2][header.index("ref")] if len(rows) > 1 else ""
    env = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    if os.environ.get("BPA_CONFIG"):
        env["BPA_CONFIG"] = os.environ["BPA_CONFIG"]

    # The floor's records (the two clients and the assistant the steps open), read by plain sqlite3
    # from the same company: the SQLite file itself, or on PostgreSQL the file it was loaded from
    # (`--floor-db`; the load checks every table's count equal). Without one the floor's Enter
    # shows the row's fields only (bench/bare_table.py).
    records: list[str] = []
    first_assistant = ""
    floor_db = args.floor_db or (args.db if "://" not in args.db else "")
    if floor_db:
        a_header, a_rows = client_rows(args.db, "assistants")
        first_assistant = a_rows[0][a_header.index("ref")] if a_rows else ""
        with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", encoding="utf-8", delete=False) as fh:
            csv.writer(fh).writerows([a_header, *a_rows])
            assistants_file = fh.name
        records = ["--db", floor_db, "--records", f"{last_ref},{next_ref}", "--assistants", assistants_file]
        records += ["--assistant-records", first_assistant]
    app_runs: list[dict[str, float]] = []
    floor_runs: list[dict[str, float]] = []
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", encoding="utf-8", delete=False) as fh:
        csv.writer(fh).writerows([header, *rows])
        rows_file = fh.name
    try:
        for _ in range(args.runs):
            for app, runs, command, ready in (
                (True, app_runs, [CLI, "--db", args.db, "--lang", "en"], "What needs action"),
                (False, floor_runs, [sys.executable, "-m", "bench.bare_table", rows_file, *records], "bare: press 2"),
            ):
                pane = Pane(command, size, env)
                try:
                    pane.until(lambda s, r=ready: r in s, "start-up")
                    pane.settle()
                    time.sleep(args.idle)
                    runs.append(run_steps(pane, last_ref, app, next_ref, "" if app else first_assistant))
                finally:
                    pane.close()
    finally:
        os.unlink(rows_file)
        if first_assistant:
            os.unlink(assistants_file)
    for name in app_runs[0]:
        app_values = ",".join(f"{r[name]:.4f}" for r in app_runs)
        floor_values = ",".join(f"{r[name]:.4f}" for r in floor_runs if name in r)
        print(f"step|{name}|{app_values}|{floor_values}")


if __name__ == "__main__":
    main()
