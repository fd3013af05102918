"""One renderer for every report and list: `--format table|csv|json`, tables by tabulate."""

from __future__ import annotations

import csv
import io
import re
import json
from decimal import Decimal
from datetime import date, datetime
from typing import Any, Iterable, Mapping, Sequence

FORMATS = ("table", "csv", "json")


# C0/C1 control characters (escape sequences among them) and bidi overrides: shown, not obeyed.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")


def _visible(text: str) -> str:
    """Text for a terminal: control characters shown as their code, never sent raw."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def _csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP: prefix with a quote)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.match(value):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, Decimal):
        return str(value)  # exact: money and hours stay as computed ("75.00"), never a float
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
        writer.writerows(["" if v is None else _csv_cell(_visible(v) if isinstance(v, str) else v) for v in row]
                         for row in data)
        return buf.getvalue().rstrip("\n")
    if fmt == "table":
        from tabulate import tabulate

        if not data:
            return "(no rows)"
        shown = [["" if v is None else _display(v) for v in row] for row in data]
        shown = [[_visible(v) if isinstance(v, str) else v for v in row] for row in shown]
        return tabulate(shown, headers=list(columns), tablefmt="simple", floatfmt=".2f", disable_numparse=False)
    raise ValueError(f"unknown format '{fmt}' (use table, csv or json)")


def _display(value: Any) -> Any:
    # Dates in tables the Norwegian way; machine formats keep ISO.
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        y, m, d = value.split("-")
        return f"{d}.{m}.{y}"
    return value
