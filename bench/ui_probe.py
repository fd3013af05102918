"""Run by the benchmark: the longest stall of the app's event loop while a person browses.

Usage: `python -m bench.ui_probe lists|roster DB_URL [--size 120x40]`

The app runs headless under Pilot on the given database, as an admin. A ticker task on the app's
own event loop sleeps 1 ms at a time and records how late it wakes: a late wake-up means the loop
(the UI thread) was busy with something else — building widgets, measuring table cells, painting —
for that long. Database work runs in thread workers and does not count, except where it holds
the GIL in long stretches (which a person would feel too).

Steps, each measured on its own from the key press until its answer is on screen:
- `lists`: open the clients list (key 2) until its first page is shown; jump to its last row
  (ctrl+End, the paged table's "bottom" key) until the cursor is on the list's real last row; type
  a search into the search field until the matching page is shown.
- `roster`: open the rosters area (key 4) and its client picker; open the first client's week
  (Enter in the picker) until its shifts are in the grid; move to the next week (`]`) until that
  week's shifts are in the grid.

Start-up (process start, first paint, the dashboard) is not part of these figures: the probe waits
until the dashboard is loaded and idle before the first step, and imports the screens the
start-up worker imports in a person's session (`PREPARED_SCREENS`) before measuring. Each step's stall goes to stdout as
`step <name> <seconds>`; the last line is the longest of them, in seconds (what bench/run.py reads).
"""

from __future__ import annotations

import asyncio
import collections
import gc
import importlib
import os
import sys
import threading
import time
from collections.abc import Callable

# As `bpa-provider` starts the app: the cyclic collector is off while the modules are imported;
# run_app's tune_garbage_collector() (called below as well) freezes them and switches it back on.
gc.disable()

TICK = 0.001  # the ticker's sleep: the resolution of the measurement
SEARCH = "sen"  # a common ending of Nordic surnames (Hansen, Olsen, …): a full page of hits
TIMEOUT = 60.0  # seconds a step may take before the probe gives up


class StallStacks(threading.Thread):
    """Diagnosis (BENCH_STALL_STACKS=1): while the ticker is late by more than `threshold`, sample
    the UI thread's stack every 2 ms; `report()` prints the most frequent stacks to stderr."""

    def __init__(self, meter: StallMeter, threshold: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.meter, self.threshold = meter, threshold
        self.ui = threading.get_ident()
        self.samples: collections.Counter[tuple[str, ...]] = collections.Counter()
        self.running = True

    def run(self) -> None:
        while self.running:
            time.sleep(0.002)
            if time.perf_counter() - self.meter.last_tick > self.threshold:
                frame = sys._current_frames().get(self.ui)  # noqa: SLF001 - a diagnostic
                stack = []
                while frame is not None:
                    code = frame.f_code
                    stack.append(f"{code.co_filename.split('site-packages/')[-1]}:{frame.f_lineno} {code.co_name}")
                    frame = frame.f_back
                self.samples[tuple(stack[:40])] += 1

    def report(self) -> None:
        total = sum(self.samples.values())
        sys.stderr.write(f"{total} samples of the UI thread while stalled (2 ms apart)\n")
        for stack, n in self.samples.most_common(12):
            sys.stderr.write(f"--- {n}\n  " + "\n  ".join(stack[:25]) + "\n")


class StallMeter:
    """A task on the running loop that records the longest lateness of its own 1 ms sleeps."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._running = True
        self._task: asyncio.Task[None] | None = None
        self._last = time.perf_counter()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        clock = time.perf_counter
        while self._running:
            before = clock()
            await asyncio.sleep(TICK)
            self._last = now = clock()
            late = now - before - TICK
            if late > self.longest:
                self.longest = late

    @property
    def last_tick(self) -> float:
        return self._last

    def take(self) -> float:
        """The longest stall since the last call (and start again from zero)."""
        longest, self.longest = self.longest, 0.0
        return longest

    async def stop(self) -> None:
        self._running = False
        if self._task is not None:
            await self._task


async def until(app, pilot, done: Callable[[], bool], what: str) -> None:  # noqa: ANN001
    """Let the app work (workers, messages, paints) until `done()` holds."""
    deadline = time.monotonic() + TIMEOUT
    await pilot.pause(0.01)  # messages the key press posted (a page request) are handled first
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        await app.workers.wait_for_complete()
        await pilot.pause(0.01)
    # One more round so the answer is painted (the paint is part of the step's work).
    await pilot.pause(0.05)


async def _lists(app, pilot, meter: StallMeter, steps: dict[str, float]) -> None:  # noqa: ANN001
    from bpa_provider.screens.lists import RecordList

    meter.take()
    await pilot.press("2")
    view = app.screen.query_one("#clients", RecordList)
    await until(app, pilot, lambda: bool(view.rows) and not view.fetching, "the clients list")
    steps["open clients list"] = meter.take()

    table = view.query_one("#table")
    table.focus()
    await pilot.pause(0.05)
    meter.take()
    # ctrl+End until the cursor is on the list's real last row (the table holds a window of the
    # list from `view.base` after the jump). One press asks for the last page directly; the loop
    # keeps the probe honest should it ever need more presses.
    for _ in range(1 + view.total // 50):
        await pilot.press("ctrl+end")
        await until(app, pilot, lambda: not view.fetching and not getattr(view, "_to_end", False), "the last row")
        if view.base + table.cursor_row == view.total - 1:
            break
    else:
        raise RuntimeError("ctrl+End never reached the last row")
    steps["jump to last row"] = meter.take()

    await pilot.press("slash")
    await pilot.pause(0.05)
    meter.take()
    asked = view.__dict__.get("_call_seq", {}).get("page", 0)
    await pilot.press(*SEARCH)
    # The search runs after a short quiet pause (a new "page" call); wait until its page is shown.
    await until(
        app,
        pilot,
        lambda: view.__dict__.get("_call_seq", {}).get("page", 0) > asked and not view.fetching,
        "the search result",
    )
    steps["type a search"] = meter.take()


async def _roster(app, pilot, meter: StallMeter, steps: dict[str, float]) -> None:  # noqa: ANN001
    from datetime import timedelta

    meter.take()
    await pilot.press("4")  # the first time, this also imports the area's module, as for a person
    from bpa_provider.screens.rosters import Picker, RostersView

    view = app.screen.query_one(RostersView)
    picker = view.query_one("#client-picker", Picker)
    await until(app, pilot, lambda: picker.loaded and bool(picker.rows), "the client picker")
    steps["open rosters area"] = meter.take()

    picker.focus_search()
    await pilot.pause(0.05)
    meter.take()
    await pilot.press("enter")
    await until(app, pilot, lambda: view.week is not None, "the client's week")
    steps["open a client's week"] = meter.take()
    if not view.week.shifts:
        raise RuntimeError("the first client has no shifts this week: a poor benchmark")

    first = view.week_start
    meter.take()
    await pilot.press("right_square_bracket")
    await until(
        app, pilot, lambda: view.week is not None and view.week.week_start == first + timedelta(days=7), "the next week"
    )
    steps["next week"] = meter.take()


async def probe(mode: str, url: str, size: tuple[int, int]) -> dict[str, float]:
    from bpa_provider.access import Actor
    from bpa_provider.db.engine import open_database
    from bpa_provider.screens.app import PREPARED_SCREENS, BpaApp, tune_garbage_collector

    db = open_database(url)
    app = BpaApp(db, Actor("bench", "admin"))
    tune_garbage_collector()  # as run_app does
    steps: dict[str, float] = {}
    async with app.run_test(size=size) as pilot:
        # The dashboard first: loaded, shown and idle, so start-up is not counted.
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause(0.1)
        # The screens a person opens first are imported by the start-up worker in a person's
        # session (`PREPARED_SCREENS`, in a thread, before any key). Here the database is open
        # from the start, so that worker never runs: `_lists` imported the lists module (and its
        # services) on the UI thread, and that stall was charged to opening the list.
        for name in PREPARED_SCREENS:
            importlib.import_module(name)
        meter = StallMeter()
        meter.start()
        await pilot.pause(0.05)
        stacks = StallStacks(meter) if os.environ.get("BENCH_STALL_STACKS") else None
        if stacks is not None:
            stacks.start()
        profile = os.environ.get("BENCH_PROFILE")  # a file: cProfile of the UI thread, for finding stalls
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        try:
            await (_lists if mode == "lists" else _roster)(app, pilot, meter, steps)
        finally:
            await meter.stop()
            if stacks is not None:
                stacks.running = False
                stacks.report()
            if profile:
                profiler.disable()
                profiler.dump_stats(profile)
    db.dispose()
    return steps


def main() -> None:
    if len(sys.argv) < 3 or sys.argv[1] not in ("lists", "roster"):
        sys.exit("usage: python -m bench.ui_probe lists|roster DB_URL [--size 120x40]")
    size = (120, 40)
    if "--size" in sys.argv:
        w, h = sys.argv[sys.argv.index("--size") + 1].split("x")
        size = (int(w), int(h))
    steps = asyncio.run(probe(sys.argv[1], sys.argv[2], size))
    for name, stall in steps.items():
        print(f"step {name.replace(' ', '_')} {stall:.6f}")
    print(f"{max(steps.values()):.6f}")


if __name__ == "__main__":
    main()
