"""Where a command's file goes: `--out -` is standard output, anything else a file written safely.

Every command that writes a file opens it with `open_output`:
- `"-"` writes to standard output and creates nothing on disk (over SSH this is the only form
  allowed: `ssh bpa@server export payroll --month 2026-11 --out - > lonn.csv`). The bytes are
  the same as the file would hold (encoding and line endings), so a piped file and a written one
  do not differ;
- a path is written to a temporary file in the same folder, created with mode 0600 (exports hold
  personal data: national IDs, wages, where people are at night), and renamed over the target only
  when the block ended without an error — a failed or refused export leaves no file, half or whole.

`status_stream` tells a command where its summary line goes: standard error when the data itself
went to standard output (the summary must not end up inside lonn.csv), else standard output.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from bpa_provider.cli.context import CliError
from bpa_provider.i18n import _

STDIO = "-"


def is_stdio(target: str | os.PathLike[str] | None) -> bool:
    """True for the `-` that means standard input or output."""
    return isinstance(target, str) and target == STDIO


def status_stream(target: str | None, default: Any = None) -> Any:
    """Where a command's summary goes: stderr when its data went to stdout, else `default` (stdout)."""
    if is_stdio(target):
        return sys.stderr
    return default if default is not None else sys.stdout


def describe(target: str) -> str:
    """How a summary names the output: the path, or "standard output"."""
    return _("standard output") if is_stdio(target) else str(target)


def check_target(target: str | os.PathLike[str], *, remote: bool = False) -> Path:
    """Refuse, before any work is done, a file that cannot be written: its folder is missing, or
    it names a folder; or any file at all under an SSH forced command (`remote`), where a path
    names the server's files — the second lock behind `cli.server_paths`. `-` passes."""
    path = Path(target)
    if is_stdio(target):
        return path
    if remote:
        raise CliError(_("over SSH a command cannot write files on the server; use '--out -'"), exit_code=1)
    if not path.parent.is_dir():
        raise CliError(_("the folder {path} does not exist").format(path=path.parent))
    if path.is_dir():
        raise CliError(_("{path} is a folder; name a file (or '-' for standard output)").format(path=path))
    return path


@contextlib.contextmanager
def open_output(
    target: str | os.PathLike[str],
    *,
    binary: bool = False,
    encoding: str = "utf-8",
    newline: str | None = None,
    stdout: Any = None,
    remote: bool = False,
) -> Iterator[IO[Any]]:
    """A stream to write one export to: standard output for `-`, else a new file (mode 0600).

    The file appears under its name only when the `with` block ends without an exception; a
    CliError (exit 2, one line) names a missing folder, a folder given as the file, or a write that
    failed. `stdout` replaces sys.stdout (a Context's `out`); `remote` (a Context's) refuses files."""
    if is_stdio(target):
        with _stdout(stdout if stdout is not None else sys.stdout, binary, encoding, newline) as fh:
            yield fh
        return
    path = check_target(target, remote=remote)
    try:
        # mkstemp creates the file with mode 0600 whatever the umask: no moment where others may read it.
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise CliError(_("cannot write {path}: {err}").format(path=path, err=exc.strerror)) from None
    tmp = Path(tmp_name)
    try:
        mode = "wb" if binary else "w"
        kwargs = {} if binary else {"encoding": encoding, "newline": newline}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise CliError(_("cannot write {path}: {err}").format(path=path, err=exc.strerror)) from None
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _stdout(stream: Any, binary: bool, encoding: str, newline: str | None) -> Iterator[Any]:
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a StringIO standing in for stdout (tests): text is all it takes
        yield _Decoded(stream) if binary else stream
        return
    stream.flush()  # whatever was written as text before must come first
    target = buffer if binary else _Encoded(buffer, encoding, newline)
    yield target
    target.flush()


class _Decoded:
    """Bytes written to a text-only stand-in for stdout (a test's StringIO), as UTF-8 text."""

    def __init__(self, stream: Any):
        self._stream = stream

    def write(self, data: bytes) -> int:
        self._stream.write(data.decode("utf-8-sig"))
        return len(data)

    def flush(self) -> None:
        self._stream.flush()


class _Encoded:
    """Text written as bytes to stdout's buffer with the file's encoding and line endings.

    Not a TextIOWrapper around sys.stdout.buffer: detaching one flushes, and a flush that fails
    (the reader went away) would leave it attached, to close stdout when it is collected."""

    def __init__(self, buffer: Any, encoding: str, newline: str | None):
        self._buffer = buffer
        self._encoder = codecs.getincrementalencoder(encoding)()  # a BOM (utf-8-sig) comes once
        self._newline = os.linesep if newline is None else newline

    def write(self, text: str) -> int:
        data = text if self._newline in ("", "\n") else text.replace("\n", self._newline)
        self._buffer.write(self._encoder.encode(data))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._buffer.write(self._encoder.encode("", final=True))
        self._buffer.flush()
