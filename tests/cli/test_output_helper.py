"""`open_output`: `-` gives standard output the very bytes the file would hold; a file is 0600 and
appears whole or not at all; a write that fails leaves nothing behind."""

from __future__ import annotations

import csv
import io
import os
import stat

import pytest

from bpa_provider.cli.context import CliError
from bpa_provider.cli.output import open_output, status_stream

ROWS = [["ref", "name"], ["K-0001", "Åse Ødegård"], ["K-0002", "=HYPERLINK()"]]


class FakeStdout(io.TextIOWrapper):
    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="ascii")  # not the file's encoding on purpose


def _write(target, stdout=None, **kw) -> None:  # noqa: ANN001
    with open_output(target, stdout=stdout, **kw) as fh:
        csv.writer(fh, delimiter=";").writerows(ROWS)


@pytest.mark.parametrize("encoding, newline", [("utf-8", ""), ("utf-8-sig", ""), ("cp1252", None)])
def test_standard_output_holds_the_bytes_of_the_file(tmp_path, encoding, newline):
    _write(tmp_path / "x.csv", encoding=encoding, newline=newline)
    out = FakeStdout()
    out.write("before;")
    _write("-", out, encoding=encoding, newline=newline)
    assert out.buffer.getvalue() == b"before;" + (tmp_path / "x.csv").read_bytes()
    assert out.buffer.getvalue().count("\ufeff".encode("utf-8")) == (encoding == "utf-8-sig")


def test_a_file_is_private_and_replaces_the_old_one_only_when_whole(tmp_path):
    target = tmp_path / "x.csv"
    target.write_text("old\n")
    os.chmod(target, 0o644)
    with pytest.raises(RuntimeError):
        with open_output(target) as fh:
            fh.write("half a fi")
            raise RuntimeError("the work failed")
    assert target.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]
    _write(target)
    assert target.read_text(encoding="utf-8").startswith("ref;name")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_missing_folder_or_a_folder_is_a_cli_error(tmp_path):
    with pytest.raises(CliError, match="does not exist"):
        _write(tmp_path / "nope" / "x.csv")
    with pytest.raises(CliError, match="is a folder"):
        _write(tmp_path)


def test_summaries_go_to_stderr_when_the_data_went_to_stdout(capsys):
    import sys

    assert status_stream("-") is sys.stderr
    assert status_stream("x.csv") is sys.stdout


class _Gone(io.RawIOBase):
    """A pipe whose reader went away."""

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # noqa: ANN001
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_that_went_away_is_an_error_in_the_block_and_stdout_stays_usable():
    out = io.TextIOWrapper(io.BufferedWriter(_Gone()), encoding="utf-8")
    with pytest.raises(BrokenPipeError):
        _write("-", out)
    assert not out.closed and not out.buffer.closed


def test_under_the_forced_command_no_file_is_written_even_if_a_check_was_missed(tmp_path):
    """The second lock: a Context marked remote refuses any path (exit 1), and `-` still works."""
    target = tmp_path / "x.csv"
    with pytest.raises(CliError, match="over SSH") as exc:
        _write(target, remote=True)
    assert exc.value.exit_code == 1 and not target.exists()
    out = FakeStdout()
    _write("-", out, remote=True)
    assert out.buffer.getvalue().startswith(b"ref;name")
