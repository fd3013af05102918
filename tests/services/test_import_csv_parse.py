"""`csvfile.parse_csv`'s row loop (made cheaper in session 8: one strip per row, no copy of a row
of the header's width) says exactly what the loop before it said: the columns, every row's line
and cells, the rows refused for extra cells and their words, on files with blank and
whitespace-only rows, quoted line breaks, short and long rows and Unicode whitespace."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from bpa_provider.errors import FieldError
from bpa_provider.i18n import N_
from bpa_provider.services import csvfile


def _reference(text: str) -> tuple[list[str], list[tuple[int, list[str]]], list[tuple[object, ...]]]:
    """The loop as it was before session 8 (the floor the new one is held to)."""
    text = text.lstrip("\ufeff")
    start = 0
    while True:
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end]
        if line.strip() or end < 0:
            break
        start = end + 1
    delimiter = csvfile._sniff(line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    previous_end = 0
    errors: list[FieldError] = []
    for cells in reader:
        line_no = previous_end + 1
        previous_end = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if columns is None:
            columns = [csvfile.normalise(c) for c in cells]
            continue
        if any(c.strip() for c in cells[len(columns) :]):
            errors.append(
                FieldError(
                    "row",
                    N_("the row has {cells} cells but the header names {columns} columns"),
                    row=line_no,
                    params={"cells": len(cells), "columns": len(columns)},
                )
            )
            continue
        records.append((line_no, cells[: len(columns)]))
    return columns or [], records, [(e.field, e.message, e.row, e.params) for e in errors]


CELL = st.sampled_from(["", " ", "\t", "\u00a0", "\u2003", "K-1", " A-2 ", "x\ny", "a;b", "07:00", "\u00a0z"])
ROW = st.lists(CELL, min_size=0, max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=12), st.sampled_from([",", ";"]), st.booleans())
def test_the_row_loop_says_what_it_said_before(rows, delimiter, crlf):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n").writerows(
        [["client_ref", "assistant_ref", "start"], *rows]
    )
    text = buf.getvalue()
    columns, records, errors = _reference(text)
    table = csvfile.parse_csv(text)
    assert table.columns == columns
    assert table.records == records
    assert [(e.field, e.message, e.row, e.params) for e in table.errors] == errors


@settings(max_examples=200, deadline=None)
@given(
    st.permutations(["client_ref", "assistant_ref", "start", "end", "note"]),
    st.integers(0, 5),
    st.lists(st.lists(CELL, min_size=0, max_size=5), max_size=8),
)
def test_the_rows_as_dicts_are_those_of_the_cells(columns, unmapped, records):
    """`importer._Renamed` (a row's dict zipped in C when every column is mapped in order and the
    row is full) gives what the dict per row made cell by cell gave: short rows filled with "",
    unmapped columns left out."""
    from bpa_provider.services import importer

    mapping = {c: c for c in columns[unmapped:]}
    table = importer.CsvTable(list(columns), [(n + 2, r) for n, r in enumerate(records)], ",", [], "utf-8")
    fields = [(i, mapping[c]) for i, c in enumerate(columns) if c in mapping]
    expected = [
        (line, {name: (cells[i] if i < len(cells) else "") for i, name in fields}) for line, cells in table.records
    ]
    assert list(importer._Renamed(table, mapping)) == expected
