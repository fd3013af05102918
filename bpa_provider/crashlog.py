"""The one crash log: unexpected errors' tracebacks go to the user's log folder, never to a screen.

Used by the CLI and the app alike, so a person always gets one line and the details are in one file.
"""

from __future__ import annotations

import traceback
from pathlib import Path


def log_path() -> Path:
    from platformdirs import user_log_dir

    return Path(user_log_dir("bpa-provider", appauthor=False)) / "errors.log"


def log_crash(exc: BaseException) -> str:
    """Append the traceback of `exc` to the crash log and return where it went."""
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc)) + "\n")
    except OSError:
        return "(the log could not be written)"
    return str(path)
