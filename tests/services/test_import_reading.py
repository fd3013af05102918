"""CSV import reads what people have (issue 14 item 4): UTF-8 with or without BOM, Windows-1252
when the bytes are not UTF-8 (said in the summary line), `;` or `,`, decimal commas, standard input
(`import KIND -`), and a file over the size or row limit refused in one line. The files are written
by independent writers: Python's csv module, and bytes encoded as Windows-1252 by the codec."""

from __future__ import annotations

import csv
import io
import json
import sys

import pytest
from sqlalchemy import select

from bpa_provider.cli import main
from bpa_provider.db.models import Assistant, Decision, Municipality
from bpa_provider.errors import ValidationError
from bpa_provider.services import csvfile, importer

ROWS = [["name", "country", "unit"], ["Bærum", "no", "Tjenestekontoret"], ["Malmö", "se", "Försäkringskassan"]]


def _write(path, rows, *, encoding: str, delimiter: str) -> None:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)


def _names(db) -> list[str]:
    with db.read() as s:
        return sorted(s.execute(select(Municipality.name)).scalars())


@pytest.mark.parametrize(
    "encoding,delimiter,expected",
    [
        ("utf-8", ",", csvfile.UTF8),
        ("utf-8-sig", ";", csvfile.UTF8),  # Excel's "CSV UTF-8"
        ("cp1252", ";", csvfile.CP1252),  # Excel's "CSV (semikolondelt)" in Norway and Sweden
        ("cp1252", ",", csvfile.CP1252),
    ],
)
def test_encodings_and_separators(db, admin, tmp_path, encoding, delimiter, expected):
    path = tmp_path / "municipalities.csv"
    _write(path, ROWS, encoding=encoding, delimiter=delimiter)
    result = importer.import_csv(db, admin, "municipalities", path)
    assert result.encoding == expected
    assert _names(db) == ["Bærum", "Malmö"]


def test_decimal_comma_in_a_windows_1252_semicolon_file(sqlite_db, admin, tmp_path):
    db = sqlite_db
    importer.import_csv(db, admin, "municipalities", _bytes([["name"], ["Hamar"]]))
    importer.import_csv(
        db, admin, "clients", _bytes([["ref", "name", "municipality"], ["K-0001", "Åse Øren", "Hamar"]])
    )
    path = tmp_path / "decisions.csv"
    _write(
        path,
        [["client", "hours_per_week", "valid_from", "note"], ["K-0001", "37,5", "01.01.2026", "Vedtak for Åse"]],
        encoding="cp1252",
        delimiter=";",
    )
    assert importer.import_csv(db, admin, "decisions", path).encoding == csvfile.CP1252
    with db.read() as s:
        assert float(s.execute(select(Decision.hours)).scalar_one()) == 37.5


def _bytes(rows, encoding="utf-8", delimiter=",") -> io.BytesIO:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    return io.BytesIO(buf.getvalue().encode(encoding))


def test_windows_1252_characters_outside_latin_1(sqlite_db, admin):
    """€, „ and š exist in Windows-1252 but not in ISO-8859-1: the codec, not a guess, decides."""
    data = _bytes([["ref", "name"], ["A-0001", "Šárka „Ola“ €"]], encoding="cp1252")
    importer.import_csv(sqlite_db, admin, "assistants", data)
    with sqlite_db.read() as s:
        assert s.execute(select(Assistant.name)).scalar_one() == "Šárka „Ola“ €"


def _cli_db(db, capsys) -> str:
    """The database's file, with the OS login made admin (`init`), for the CLI."""
    from sqlalchemy.engine import make_url

    path = make_url(str(db.engine.url)).database
    assert main(["--db", path, "init"]) == 0
    capsys.readouterr()
    return path


def test_cli_reads_standard_input_and_says_the_encoding(sqlite_db, tmp_path, capsys, monkeypatch):
    path = _cli_db(sqlite_db, capsys)
    stdin = io.TextIOWrapper(_bytes(ROWS, encoding="cp1252", delimiter=";"))
    monkeypatch.setattr(sys, "stdin", stdin)
    code = main(["--db", path, "import", "municipalities", "-"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Imported 2 municipalities from standard input." in out and "Windows-1252" in out
    assert main(["--db", path, "list", "municipalities", "--format", "json"]) == 0
    assert {m["name"] for m in json.loads(capsys.readouterr().out)} == {"Bærum", "Malmö"}


def test_a_file_over_the_size_limit_is_refused_in_one_line(sqlite_db, admin, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(csvfile, "MAX_BYTES", 1000)
    big = tmp_path / "assistants.csv"
    _write(big, [["ref", "name"]] + [[f"A-{i:04d}", "Per Hansen"] for i in range(100)], encoding="utf-8", delimiter=",")
    with pytest.raises(ValidationError, match="larger than"):
        importer.import_csv(sqlite_db, admin, "assistants", big)
    with pytest.raises(ValidationError, match="larger than"):  # standard input: measured while read
        importer.import_csv(sqlite_db, admin, "assistants", io.BytesIO(big.read_bytes()))
    path = _cli_db(sqlite_db, capsys)
    code = main(["--db", path, "import", "assistants", str(big)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "larger than" in err


def test_a_file_over_the_row_limit_is_refused(sqlite_db, admin, monkeypatch):
    monkeypatch.setattr(csvfile, "MAX_ROWS", 10)
    data = _bytes([["ref", "name"]] + [[f"A-{i:04d}", "Per"] for i in range(11)])
    with pytest.raises(ValidationError, match="more than 10 rows"):
        importer.import_csv(sqlite_db, admin, "assistants", data)


def test_a_50_mb_file_is_refused_before_it_is_read(sqlite_db, admin, tmp_path):
    """The real limit: the size is asked of the file system, nothing is read or parsed."""
    path = tmp_path / "shifts.csv"
    with open(path, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: costs no disk
    with pytest.raises(ValidationError, match="larger than 20 MB"):
        importer.import_csv(sqlite_db, admin, "shifts", path)


def test_parse_keeps_cells_not_dicts():
    table = csvfile.parse_csv("a;b\n1;2\n3;4\n")
    assert table.delimiter == ";" and table.records == [(2, ["1", "2"]), (3, ["3", "4"])]
    assert len(table) == 2 and list(table.rows)[1] == (3, {"a": "3", "b": "4"})
