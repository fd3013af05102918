"""The progress line: only on a terminal's standard error, only after a second, never with
`quiet` (--format json), cleared at the end; wired into the long-running commands."""

from __future__ import annotations

import io
import json
import time

import pytest

from bpa_provider.cli import main
from bpa_provider.progress import Progress, progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_in_the_first_second_then_the_line_then_cleared():
    term, clock = Terminal(), Clock()
    with Progress("Importing", total=1000, stream=term, clock=clock, interval=3600) as bar:
        bar.advance(400)
        bar.draw()
        assert term.getvalue() == ""  # quick work shows nothing
        clock.now += 3
        bar.draw()
        assert term.getvalue().endswith("Importing: 40% (400/1000) 3 s")
        bar.step("shifts")
        bar.update(1000)
        bar.draw()
        assert term.getvalue().endswith("Importing: shifts: 100% (1000/1000) 3 s")
    assert term.getvalue().endswith("\r\x1b[K")  # what follows starts on a clean line


@pytest.mark.parametrize("stream, quiet", [(io.StringIO(), False), (Terminal(), True)])
def test_never_in_a_pipe_nor_when_quiet(stream, quiet):
    clock = Clock()
    with Progress("Backing up", stream=stream, quiet=quiet, clock=clock, interval=3600) as bar:
        clock.now += 10
        bar.draw()
    assert stream.getvalue() == "" and not bar.enabled


def test_the_thread_draws_without_being_asked():
    term = Terminal()
    with progress("Restoring", stream=term) as bar:
        bar._delay, bar._interval = 0.0, 0.01  # noqa: SLF001 - no need to wait a real second here
        deadline = time.monotonic() + 5
        while "Restoring" not in term.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    assert "Restoring… 0 s" in term.getvalue()


@pytest.fixture
def slow_retention(monkeypatch, tmp_path):
    """An admin on a fresh database whose retention check takes 1.3 s, and a terminal as stderr."""
    from bpa_provider.services import retention

    path = tmp_path / "bpa.sqlite3"
    assert main(["--db", str(path), "init"]) == 0
    real = retention.find_due

    def slow(*args, **kwargs):  # noqa: ANN002, ANN003
        time.sleep(1.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(retention, "find_due", slow)
    return str(path)


def test_a_long_command_shows_progress_on_a_terminal(slow_retention, monkeypatch):
    path, term = slow_retention, Terminal()
    monkeypatch.setattr("sys.stderr", term)  # here: capture puts its own back between setup and call
    assert main(["--db", path, "retention", "--dry-run"]) == 0
    assert "Looking for data past its retention period" in term.getvalue()


def test_never_with_format_json(slow_retention, monkeypatch, capsys):
    path, term = slow_retention, Terminal()
    monkeypatch.setattr("sys.stderr", term)  # here: capture puts its own back between setup and call
    assert main(["--db", path, "retention", "--dry-run", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert "retention period;" in term.getvalue()  # the summary, and nothing else
    assert "\r" not in term.getvalue()


def test_import_shows_progress_on_a_terminal(monkeypatch, tmp_path, capsys):
    from pathlib import Path

    from bpa_provider.services import importer

    path = tmp_path / "bpa.sqlite3"
    assert main(["--db", str(path), "init"]) == 0
    real = importer.import_csv

    def slow(*args, **kwargs):  # noqa: ANN002, ANN003
        time.sleep(1.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "import_csv", slow)
    term = Terminal()
    monkeypatch.setattr("sys.stderr", term)
    data = Path(__file__).resolve().parent.parent / "data" / "import" / "municipalities.csv"
    assert main(["--db", str(path), "import", "municipalities", str(data)]) == 0
    assert "Importing municipalities" in term.getvalue() and term.getvalue().endswith("\r\x1b[K")
    assert "Imported" in capsys.readouterr().out
