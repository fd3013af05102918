"""One renderer for every report and list: `--format table|csv|json`, tables by tabulate."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any, Iterable, Mapping, Sequence

FORMATS = ("table", "csv", "json")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 2)
    return value


def render(rows: Iterable[Mapping[str, Any]], fmt: str = "table", columns: Sequence[str] | None = None) -> str:
    """Render rows (dicts) as a plain-text table, CSV or JSON; `columns` fixes order and headers."""
    rows = list(rows)
    if columns is None:
        columns = list(rows[0].keys()) if rows else []
    data = [[_plain(r.get(c)) for c in columns] for r in rows]
    if fmt == "json":
        return json.dumps([dict(zip(columns, row)) for row in data], ensure_ascii=False, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(["" if v is None else v for v in row] for row in data)
        return buf.getvalue().rstrip("\n")
    if fmt == "table":
        from tabulate import tabulate

        if not data:
            return "(no rows)"
        shown = [["" if v is None else _display(v) for v in row] for row in data]
        return tabulate(shown, headers=list(columns), tablefmt="simple", floatfmt=".2f", disable_numparse=False)
    raise ValueError(f"unknown format '{fmt}' (use table, csv or json)")


def _display(value: Any) -> Any:
    # Dates in tables the Norwegian way; machine formats keep ISO.
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        y, m, d = value.split("-")
        return f"{d}.{m}.{y}"
    return value
