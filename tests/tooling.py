"""Tools the tests need from the machine (tmux, msgfmt, sshd, ...): skip locally, fail in CI.

A developer without tmux should still be able to run the rest of the suite, so a missing tool
skips its tests. Under CI=true the same gap would hide a whole area behind a green run, so there
the test fails instead (.ci/run installs every tool listed in it).

Use `need_tool("tmux")` inside a test or fixture, or mark a test or module with
`@pytest.mark.needs_tool("msgfmt")` (tests/conftest.py applies the marker before each test).
"""

from __future__ import annotations

import os
import shutil

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
