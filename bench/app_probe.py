"""Run in a subprocess by the benchmark: start an app headless and report when it is ready.

Modes:
- `bare`: a bare Textual app that mounts one DataTable (the floor): ready at its first paint;
- `app DB_URL`: bpa-provider's app on that database, started as `bpa-provider --db DB_URL` starts
  it (the CLI, the person's identity read from the database, then the app), headless. Ready is
  the first full paint of the dashboard: every section the person may see is laid out, with its
  rows or, while its answer is still being computed in a worker, "Loading…";
- `app DB_URL --filled`: the same, but ready once every section has its rows on screen (every
  answer received and shown, none waiting for the view's next gathering of answers); the probe
  then leaves the app once the lists built ahead after the sections are built (not timed);
- `app DB_URL --again`: the dashboard opened again: once every section is filled and the app is
  still, the clients list is opened (`2`), a change of one's own marks the dashboard stale (as
  saving a record does), and `1` is pressed; prints the seconds from that key to every section
  answered and shown again (`--again --unchanged`: without the change, so nothing is recomputed);
- `floor DB_URL`: the floor of a start — a process that imports what the app's start imports
  (Textual, the CLI, the dashboard's services with SQLAlchemy and the models), opens the database
  and runs one query, then prints the seconds from process start; no screen is drawn.

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


def _floor(url: str) -> float:
    """A start with nothing drawn and nothing computed: the same modules imported, the database
    opened, one query (screens/app.py's `warm_up` does the same after the first paint)."""
    import textual.app  # noqa: F401
    from sqlalchemy import text

    import bpa_provider.cli  # noqa: F401
    import bpa_provider.services.dashboard  # noqa: F401
    from bpa_provider.db.engine import open_database

    db = open_database(url)
    with db.read() as s:
        s.execute(text("SELECT 1"))
    return _since_start()


def _app(url: str, filled: bool, memory: bool, again: str = "") -> float:
    """bpa-provider as `bpa-provider --db URL` opens it: the CLI, who you are, the app.

    The console script's own path runs (the person running the benchmark is the demo's first
    admin); only `App.run` is replaced by a headless run under Pilot."""
    from textual.app import App

    ready: list[float] = []

    def run_headless(app, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        ready.append(asyncio.run(_drive(app, filled, memory, again)))

    App.run = run_headless  # type: ignore[method-assign]
    from bpa_provider.cli import main as cli_main

    # With argv given, main() returns instead of ending the process (end_process) as the console
    # script does after the app closes; everything up to the app is the console script's path.
    code = cli_main(["--db", url])
    if code != 0 or not ready:
        raise SystemExit(f"the app did not open (exit code {code})")
    return ready[0]


async def _drive(app, filled: bool, memory: bool, again: str = "") -> float:  # noqa: ANN001
    from bpa_provider.screens.dashboard import DashboardView
    from bpa_provider.services.sections import visible_sections

    sections = len(visible_sections(app.actor))
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(app, pilot, lambda: bool(app.screen.query("#dashboard")))
        view = app.screen.query_one("#dashboard", DashboardView)
        if filled or memory or again:
            # Every section answered and shown: its answer received (`_sections`) and drawn — not
            # waiting in `_arrived` for the screen's next gathering of answers (`_show_arrived`).
            await _until(app, pilot, lambda: _shown(view, sections))
        else:
            await _until(app, pilot, lambda: len(view.query(".heading")) == sections)
        await pilot.pause(0)  # the paint (a pause without a delay would wait for the CPU to idle)
        ready = _since_start()
        if filled:
            # Leave once the lists built ahead right after the sections (screens/main.py) are
            # built, as a person would rather than in the middle of it: widgets mounted while the
            # app shuts down fail in their on_mount (NoMatches, exit code 1, 1 start in ≈ 10).
            await _until_prepared(app, pilot)
        if again:
            return await _again(app, pilot, view, again == "changed")
        if memory:
            await _browse(app, pilot)
        return ready


async def _until_prepared(app, pilot, at_most: float = 2.0) -> None:  # noqa: ANN001
    """The lists built ahead mounted and holding their first page, or `at_most` seconds."""
    from bpa_provider.screens.main import PREPARED_AREAS

    def prepared() -> bool:
        views = [app.screen.query(f"#{key}") for key in PREPARED_AREAS]
        return all(views) and not any(v.first().fetching for v in views)

    deadline = time.perf_counter() + at_most
    while app.prepare and not prepared() and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)


def _shown(view, sections: int) -> bool:  # noqa: ANN001
    """Every one of `sections` answered, and none of the answers still waiting to be shown."""
    return len(view._sections) == sections and not view._arrived and not view._flush_due  # noqa: SLF001


async def _again(app, pilot, view, changed: bool) -> float:  # noqa: ANN001
    """Seconds from `1` (the dashboard again, from the clients list) to every section answered
    and shown; with `changed`, a change of one's own has marked the dashboard stale meanwhile."""
    await _settle(app, pilot)
    await pilot.press("2")
    await _until(app, pilot, lambda: not view.display)
    await _settle(app, pilot)
    if changed:
        view.record_changed("client")  # what a saved record does (MainScreen tells every view)
    t0 = time.perf_counter()
    await pilot.press("1")
    await _until(app, pilot, lambda: bool(view.display))
    if changed:
        # Asked (`load` clears `stale` and fills `_pending` in one step once the view shows), then
        # every answer received and shown.
        await _until(app, pilot, lambda: not view.stale)
        await _until(
            app,
            pilot,
            lambda: not view._pending and not view._flush_due and not view._arrived,  # noqa: SLF001
        )
    await pilot.pause(0)  # the paint
    return time.perf_counter() - t0


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
    elif mode == "floor":
        took = _floor(sys.argv[2])
    else:
        again = ("unchanged" if "--unchanged" in sys.argv else "changed") if "--again" in sys.argv else ""
        took = _app(sys.argv[2], "--filled" in sys.argv, memory, again)
    if memory:
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    else:
        print(f"{took:.6f}")
    sys.stdout.flush()
    os._exit(0)  # noqa: SLF001 - do not wait for the dashboard's workers still running


if __name__ == "__main__":
    main()
