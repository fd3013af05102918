"""Reading the CSV files people have: what Excel, LibreOffice and Numbers write in Norway and Sweden.

- Encoding: UTF-8 with or without the byte-order mark; when the bytes are not valid UTF-8, the file
  is read as Windows-1252 (what Norwegian and Swedish Excel's "CSV (semikolondelt)" writes) and the
  caller says so in its summary line. Bytes that Windows-1252 does not define either are refused.
- Separator: `;` or `,`, whichever the header line uses.
- Size: a file over `MAX_BYTES` or `MAX_ROWS` rows is refused in one line before anything is
  parsed (a path is measured with stat, standard input while it is read), so memory stays bounded:
  an import validates the whole file before it writes, which needs the rows in memory.
- `-` reads standard input.

Rows are kept as lists of cells with their line number, not as dicts: a dict per row of a
100,000-row file costs about 100 MB.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import N_

#: Largest file read (bytes). 100,000 shifts take about 6 MB; 20 MB leaves room for long notes.
MAX_BYTES = 20 * 1024 * 1024
#: Most data rows in one file: one write transaction must stay short (docs/performance.md).
MAX_ROWS = 200_000

UTF8 = "UTF-8"
CP1252 = "Windows-1252"


@dataclass(frozen=True)
class CsvTable:
    """A parsed file: normalised column names and (line number, cells) per data row."""

    columns: list[str]
    records: list[tuple[int, list[str]]]
    delimiter: str = ","
    errors: list[FieldError] = field(default_factory=list)  # rows that could not be read
    encoding: str = UTF8

    def __len__(self) -> int:
        return len(self.records)

    @property
    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line, {column: cell}) per row, made as they are asked for."""
        width = len(self.columns)
        for line, cells in self.records:
            yield line, {c: (cells[i] if i < len(cells) else "") for i, c in enumerate(self.columns[:width])}


def normalise(name: str) -> str:
    """A header cell as a column name: case, spaces and `-` do not matter."""
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _sniff(header: str) -> str:
    """`;` (what a Norwegian or Swedish Excel writes) or `,`: the one the header line uses more."""
    try:
        return csv.Sniffer().sniff(header, delimiters=";,").delimiter
    except csv.Error:
        return ";" if header.count(";") > header.count(",") else ","


def _too_many_rows() -> ValidationError:
    return ValidationError(
        [FieldError("file", N_("the file has more than {n} rows: split it into smaller files"), params={"n": MAX_ROWS})]
    )


def parse_csv(text: str, encoding: str = UTF8) -> CsvTable:
    """Parse CSV text (a leading BOM is dropped); blank lines are skipped."""
    text = text.lstrip("\ufeff")
    start = 0
    while True:  # the header: the first line that is not blank
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end]
        if line.strip() or end < 0:
            break
        start = end + 1
    header = line
    if not header.strip():
        raise ValidationError([FieldError("file", N_("the file is empty"), row=1)])
    delimiter = _sniff(header)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    previous_end = 0
    errors: list[FieldError] = []
    width = 0
    add = records.append
    try:
        for cells in reader:
            line_no = previous_end + 1  # a quoted cell may span lines: report where the row starts
            previous_end = reader.line_num
            # A row is blank when every cell is whitespace: the cells joined are then whitespace
            # too (one strip for the row, not one per cell; the first cell usually settles it).
            if not (cells and cells[0].strip()) and not "".join(cells).strip():
                continue
            if columns is None:
                columns = [normalise(c) for c in cells]
                width = len(columns)
                continue
            if len(cells) > width:
                if "".join(cells[width:]).strip():
                    errors.append(
                        FieldError(
                            "row",
                            N_("the row has {cells} cells but the header names {columns} columns"),
                            row=line_no,
                            params={"cells": len(cells), "columns": width},
                        )
                    )
                    continue
                cells = cells[:width]
            if len(records) >= MAX_ROWS:
                raise _too_many_rows()
            add((line_no, cells))
    except csv.Error as exc:
        raise ValidationError(
            [
                FieldError(
                    "file",
                    N_("the file is not readable CSV ({reason})"),
                    row=previous_end + 1,
                    params={"reason": str(exc)},
                )
            ]
        ) from None
    return CsvTable(columns or [], records, delimiter, errors, encoding)


def decode(raw: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was read in: UTF-8 (BOM or not), else Windows-1252."""
    try:
        return raw.decode("utf-8-sig"), UTF8
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), CP1252
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValidationError(
            [
                FieldError(
                    "file", N_("the file is neither UTF-8 nor Windows-1252 text (save it as 'CSV UTF-8')"), row=line
                )
            ]
        ) from None


def _too_large() -> ValidationError:
    return ValidationError(
        N_("the file is larger than {mb} MB: split it into smaller files"), mb=MAX_BYTES // (1024 * 1024)
    )


def read_bytes(source: str | Path | BinaryIO) -> bytes:
    """The bytes of a file, `-` (standard input) or an open binary stream, at most MAX_BYTES."""
    if isinstance(source, (str, Path)) and str(source) == "-":
        source = sys.stdin.buffer
    if isinstance(source, (str, Path)):
        p = Path(source)
        try:
            if p.stat().st_size > MAX_BYTES:
                raise _too_large()
            with p.open("rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise ValidationError(
                N_("cannot read {file}: {reason}"), file=str(p), reason=exc.strerror or str(exc)
            ) from None
    else:
        raw = source.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise _too_large()
    return raw


def read_csv(source: str | Path | BinaryIO) -> CsvTable:
    """Read and parse a CSV file, `-` or a binary stream (see the module docstring)."""
    text, encoding = decode(read_bytes(source))
    return parse_csv(text, encoding)


def source_name(source: str | Path | BinaryIO) -> str:
    """How the file is named in the access log and messages."""
    if isinstance(source, (str, Path)):
        return "standard input" if str(source) == "-" else os.path.basename(str(source))
    return "standard input"
