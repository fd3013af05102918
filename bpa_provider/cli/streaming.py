"""Writing a list page by page, so a command's memory does not grow with the number of rows.

CSV and JSON are written as each page arrives and come out byte for byte as `render` would give
for all rows at once (the header once; one JSON array). A table needs every row to size its
columns, so it is collected and rendered whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

from bpa_provider.render import render


def write_pages(out: TextIO, pages: Iterable[Sequence[Mapping[str, Any]]], fmt: str, columns: Sequence[str]) -> int:
    """Write the rows of every page to `out` in `fmt`; the number of rows written."""
    count = 0
    if fmt == "table":
        rows = [r for page in pages for r in page]
        out.write(render(rows, fmt, columns) + "\n")
        return len(rows)
    first = True
    for page in pages:
        if not page and not first:
            continue
        text = render(page, fmt, columns)
        count += len(page)
        if fmt == "csv":
            # The header is a fixed list of column names (one line); later pages drop it.
            out.write((text if first else text.split("\n", 1)[1] if page else "") + "\n")
        elif fmt == "json":
            if not page:
                continue  # an empty first page: the closing "[]" below
            body = text[1:-1].strip("\n")  # the objects of "[\n  {...},\n  {...}\n]"
            out.write(("[\n" if first else ",\n") + body)
        else:
            raise ValueError(f"unknown format '{fmt}' (use table, csv or json)")
        first = False
    if fmt == "json":
        out.write("[]\n" if count == 0 else "\n]\n")
    elif first and fmt == "csv":
        out.write(render([], fmt, columns) + "\n")
    return count
