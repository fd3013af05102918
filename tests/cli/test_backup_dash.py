"""`backup -` and `restore -` are refused in one line: a backup is checked where it is written, on
the server, so it has no standard-output form (and a file literally named `-` is never made)."""

from __future__ import annotations

import pytest

from bpa_provider.cli import main


@pytest.mark.parametrize(
    "command, says", [("backup", "a backup is a file on the server"), ("restore", "restore reads a backup file")]
)
def test_dash_is_refused(tmp_path, monkeypatch, capsys, command, says):
    db = tmp_path / "bpa.sqlite3"
    assert main(["--db", str(db), "init"]) == 0
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["--db", str(db), command, "-"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and says in err
    assert not (tmp_path / "-").exists()
