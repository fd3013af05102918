"""Progress on standard error for long-running commands (demo, import, backup, restore, retention).

    with progress(_("Importing"), total=len(rows), quiet=args.format == "json") as bar:
        for row in rows:
            ...
            bar.advance()

Shown only when standard error is a terminal — never in a pipe, a log file or a test — and never
with `quiet` (the `--format json` rule: machine-read output stays exactly what it is, and a
terminal that shows stdout and stderr together must not get a line in the middle of the JSON).
Nothing appears for work that ends within a second. A background thread draws the line a few
times a second, so the work itself only moves a counter (`advance`, `update`, or `step` for work
that knows its phases but not its size); the line is cleared when the block ends, so what
follows starts on a clean line.

A disabled bar is the same object doing nothing: callers never test whether it is shown, and a
service may take `bar.update` as a plain `(done, total)` callback without knowing about terminals.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any

_CLEAR = "\r\x1b[K"


class Progress:
    """One progress line on a terminal's standard error (see the module docstring)."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        stream: IO[str] | None = None,
        quiet: bool = False,
        delay: float = 1.0,
        interval: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.label = label
        self.total = total
        self.done = 0
        self.phase = ""
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and _is_terminal(self.stream)
        self._delay, self._interval, self._clock = delay, interval, clock
        self._started = clock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False

    # -- what the work calls ------------------------------------------------------------------
    def advance(self, n: int = 1) -> None:
        """n more items done."""
        self.done += n

    def update(self, done: int, total: int | None = None) -> None:
        """Where the work stands: `done` of `total` (a `(done, total)` callback for services)."""
        self.done = done
        if total is not None:
            self.total = total

    def step(self, name: str) -> None:
        """The work moved on to a named phase (for work that does not know its size)."""
        self.phase = name

    # -- the line -----------------------------------------------------------------------------
    def line(self) -> str:
        """The text shown now, e.g. "Importing: 40% (400/1000) 3 s" or "Backing up… 3 s"."""
        seconds = int(self._clock() - self._started)
        head = f"{self.label}: {self.phase}" if self.phase else self.label
        if self.total:
            percent = min(100, int(100 * self.done / self.total))
            return f"{head}: {percent}% ({self.done}/{self.total}) {seconds} s"
        if self.done:
            return f"{head}: {self.done} {seconds} s"
        return f"{head}… {seconds} s"

    def draw(self) -> None:
        """Write the line now, if it is shown and the work has run for longer than the delay."""
        if not self.enabled or self._clock() - self._started < self._delay:
            return
        try:
            self.stream.write(_CLEAR + self.line()[:200])
            self.stream.flush()
            self._drawn = True
        except (OSError, ValueError):  # the terminal went away: the work goes on without it
            self.enabled = False

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.draw()

    def __enter__(self) -> Progress:
        self._started = self._clock()
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._drawn:
            try:
                self.stream.write(_CLEAR)
                self.stream.flush()
            except (OSError, ValueError):
                pass


def progress(label: str, total: int | None = None, *, quiet: bool = False, stream: IO[str] | None = None) -> Progress:
    """A progress line for a `with` block (see the module docstring)."""
    return Progress(label, total, quiet=quiet, stream=stream)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False
