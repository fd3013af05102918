"""One renderer for every report and list: `--format table|csv|json`, tables by tabulate."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bpa_provider.formats import format_date, format_number, format_value
from bpa_provider.i18n import _

FORMATS = ("table", "csv", "json")


# C0/C1 control characters (escape sequences among them) and bidi overrides: shown, not obeyed.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _visible(text: str) -> str:
    """Text for a terminal: control characters shown as their code, never sent raw."""
    return _CONTROL.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text
    )


visible = _visible  # the app's tables draw their cells through the same check (screens/safe_text.py)


def _csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP: prefix with a quote)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.match(value):
        return "'" + value
    return value


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: Any) -> Any:
    """`_csv_cell(_visible(_plain(value)))` as the CSV branch of `render` writes a cell ("" for
    none), with a string's common case — no control character, no formula — in one call: the
    cells of a 12,000-row list were 48,000 calls of each (issue 19: `list … --format csv` beside
    its floor). The same cells: tests/cli/test_render.py."""
    if value is None:
        return ""
    if type(value) is not str:
        value = _plain(value)
        if not isinstance(value, str):
            return value
    if _CONTROL.search(value) is not None:
        value = _visible(value)
    if value[:1] in _FORMULA_START and not _NUMBER.match(value):
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
    """Render rows (dicts) as a plain-text table, CSV or JSON; `columns` fixes order and headers.

    JSON and CSV are for machines: the column keys, ISO dates and a decimal point in any language.
    A table is for a person: translated headings, codes in words (`code_words.py`), dates and numbers the language's way
    (`formats.py`: nb `72,5` and `31.12.2026`, sv `72,5` and `2026-12-31`)."""
    rows = list(rows)
    if columns is None:
        columns = list(rows[0].keys()) if rows else []
    if fmt == "table":
        from tabulate import tabulate

        from bpa_provider.code_words import word
        from bpa_provider.headings import heading

        if not rows:
            return _("(no rows)")
        # codes (a status, a role) in words: bpa_provider/code_words.py
        shown = [["" if r.get(c) is None else _display(word(c, r.get(c))) for c in columns] for r in rows]
        shown = [[_visible(v) if isinstance(v, str) else v for v in row] for row in shown]
        # Numbers are already text in the language's way: right-aligned like numbers still.
        align = ["right" if _numeric_column(rows, c) else "left" for c in columns]
        return tabulate(
            shown, headers=[heading(c) for c in columns], tablefmt="simple", disable_numparse=True, colalign=align
        )
    if fmt == "json":
        data = [[_plain(r.get(c)) for c in columns] for r in rows]
        return json.dumps([dict(zip(columns, row)) for row in data], ensure_ascii=False, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_csv_value(r.get(c)) for c in columns] for r in rows)
        return buf.getvalue().rstrip("\n")
    raise ValueError(f"unknown format '{fmt}' (use table, csv or json)")


def _numeric_column(rows: list[Mapping[str, Any]], column: str) -> bool:
    values = [r.get(column) for r in rows if r.get(column) not in (None, "")]
    return bool(values) and all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in values)


def _display(value: Any) -> Any:
    """A cell for a person: dates, times and numbers in the language, ISO dates in text too."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, float):
        return format_number(value, trim=False)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (datetime, date, Decimal)):
        return format_value(value)
    return value if isinstance(value, str) else str(value)
