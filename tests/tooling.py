"""Test tooling: tools the tests need from the machine (skip locally, fail in CI), and waiting by condition.

Tools (tmux, msgfmt, sshd, ...):

A developer without tmux should still be able to run the rest of the suite, so a missing tool
skips its tests. Under CI=true the same gap would hide a whole area behind a green run, so there
the test fails instead (.ci/run installs every tool listed in it).

Use `need_tool("tmux")` inside a test or fixture, or mark a test or module with
`@pytest.mark.needs_tool("msgfmt")` (tests/conftest.py applies the marker before each test).

`wait_for(pilot, condition)` is how a screen test waits after typing into a search or look-up:
until the debounce timer has fired, its worker has answered and the condition holds — never a
fixed sleep, which is too long on a fast machine and too short on a busy one.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest


def in_ci() -> bool:
    """Whether this run is CI's (`CI=true`, as .ci/run and most CI services set it)."""
    return os.environ.get("CI") == "true"


def need_tool(name: str, path: str | None = None) -> str:
    """The tool's path; skip the test when it is missing, or fail it under CI=true.

    `path` is a known location to accept when the tool is not on PATH (sshd in /usr/sbin)."""
    if path and os.access(path, os.X_OK):
        return path
    found = shutil.which(name)
    if found:
        return found
    if in_ci():
        pytest.fail(f"{name} is missing under CI=true (.ci/run installs it)", pytrace=False)
    pytest.skip(f"{name} is not installed")


# -- waiting for a debounce by condition, not by the clock ---------------------------------------

DEBOUNCE_MAX = 1.0  # seconds: a one-shot timer this short is a search/look-up waiting for quiet typing


def pending_debounces(app) -> list:  # noqa: ANN001 - a Textual App (this module imports no Textual)
    """The one-shot timers of at most DEBOUNCE_MAX seconds that have not fired yet, on any node.

    Searches and reference look-ups (screens/lists.py, rosters.py, widgets/fields.py) start a
    short `set_timer` on each keystroke and run when it fires; longer timers (the status line's
    8 s message) and repeating ones (the cursor's blink) are not debounces and are left out."""
    pending = []
    for node in [app, *list(getattr(app, "_registry", ()))]:
        for timer in list(getattr(node, "_timers", ())):
            task = getattr(timer, "_task", None)
            if timer._repeat == 0 and timer._interval <= DEBOUNCE_MAX and task is not None and not task.done():
                pending.append(timer)
    return pending


async def wait_for(pilot, condition=None, *, timeout: float = 5.0, what: str = "") -> None:  # noqa: ANN001
    """Wait until every debounce has fired, every worker has answered, and `condition()` holds.

    Replaces fixed `pilot.pause(0.3)` sleeps after typing: as fast as the app is, never too short
    on a busy machine. Fails (does not hang) after `timeout` seconds, naming what it waited for."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        if not pending_debounces(app):
            for _ in range(2):  # the worker a debounce started, then the messages it posted
                await app.workers.wait_for_complete()
                await pilot.pause()
            if not pending_debounces(app) and (condition is None or condition()):
                return
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout} s for {what or 'the debounced search to answer'}", pytrace=False)
        await pilot.pause(0.02)
