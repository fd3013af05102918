"""Run in a subprocess by the benchmark: start an app headless and report when it is ready.

Modes:
- `bare`: a bare Textual app that mounts one DataTable (the floor): ready at its first paint;
- `app DB_URL`: bpa-provider's app on that database, started as `bpa-provider --db DB_URL` starts
  it (the CLI, the person's identity read from the database, then the app), headless. Ready is
  the first full paint of the dashboard: every section the person may see is laid out, with its
  rows or, while its answer is still being computed in a worker, "Loading…";
- `app DB_URL --filled`: the same, but ready once every section has its rows.

Prints seconds from process start to ready. Process start is BENCH_T0 (a `time.time()` the
benchmark takes just before it starts this process; without it, this module's import), so the
figure includes starting Python and the imports but not the teardown: after the first paint the
dashboard's slower sections may still be computing, and a process exit waits for them.

With `--memory` it prints instead the peak resident memory in bytes after browsing: the dashboard
with every section filled, the clients list to its last row, the assistants list, a client's roster
week, and back to the dashboard.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import time

_T0 = time.perf_counter()
_WALL0 = float(os.environ.get("BENCH_T0", "0") or 0)


def _since_start() -> float:
    if _WALL0:
        return time.time() - _WALL0
    return time.perf_counter() - _T0


async def _bare(memory: bool) -> float:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Bare(App):
        def compose(self) -> ComposeResult:
            yield DataTable()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("a", "b")
            table.add_row("1", "2")

    app = Bare()
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(app, pilot, lambda: app.query_one(DataTable).row_count == 1)
        await pilot.pause(0)  # the paint (a pause without a delay would wait for the CPU to idle)
        return _since_start()


async def _until(app, pilot, done) -> None:  # noqa: ANN001
    while not done():
        await asyncio.sleep(0.005)


async def _settle(app, pilot) -> None:  # noqa: ANN001
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause(0.05)


def _app(url: str, filled: bool, memory: bool) -> float:
    """bpa-provider as `bpa-provider --db URL` opens it: the CLI, who you are, the app.

    The console script's own path runs (the person running the benchmark is the demo's first
    admin); only `App.run` is replaced by a headless run under Pilot."""
    from textual.app import App

    ready: list[float] = []

    def run_headless(app, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        ready.append(asyncio.run(_drive(app, filled, memory)))

    App.run = run_headless  # type: ignore[method-assign]
    from bpa_provider.cli import main as cli_main

    # With argv given, main() returns instead of ending the process (end_process) as the console
    # script does after the app closes; everything up to the app is the console script's path.
    code = cli_main(["--db", url])
    if code != 0 or not ready:
        raise SystemExit(f"the app did not open (exit code {code})")
    return ready[0]


async def _drive(app, filled: bool, memory: bool) -> float:  # noqa: ANN001
    from bpa_provider.screens.dashboard import DashboardView
    from bpa_provider.services.sections import visible_sections

    sections = len(visible_sections(app.actor))
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(app, pilot, lambda: bool(app.screen.query("#dashboard")))
        view = app.screen.query_one("#dashboard", DashboardView)
        if filled or memory:
            await _until(app, pilot, lambda: len(view._sections) == sections)  # noqa: SLF001
        else:
            await _until(app, pilot, lambda: len(view.query(".heading")) == sections)
        await pilot.pause(0)  # the paint (a pause without a delay would wait for the CPU to idle)
        ready = _since_start()
        if memory:
            await _browse(app, pilot)
        return ready


async def _browse(app, pilot) -> None:  # noqa: ANN001
    """The main screens, so the memory figure covers them."""
    from bpa_provider.screens.lists import RecordList

    await _settle(app, pilot)
    await pilot.press("2")
    await _settle(app, pilot)
    clients = app.screen.query_one("#clients", RecordList)
    clients.query_one("#table").focus()
    await pilot.press("ctrl+end")
    await _until(app, pilot, lambda: not clients.fetching and clients.base + len(clients.rows) >= clients.total)
    for key in ("3", "4"):
        await pilot.press(key)
        await _settle(app, pilot)
    await pilot.press("enter")  # the first client's week
    await _settle(app, pilot)
    await pilot.press("1")
    await _settle(app, pilot)


def main() -> None:
    mode = sys.argv[1]
    memory = "--memory" in sys.argv
    if mode == "bare":
        took = asyncio.run(_bare(memory))
    else:
        took = _app(sys.argv[2], "--filled" in sys.argv, memory)
    if memory:
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    else:
        print(f"{took:.6f}")
    sys.stdout.flush()
    os._exit(0)  # noqa: SLF001 - do not wait for the dashboard's workers still running


if __name__ == "__main__":
    main()
