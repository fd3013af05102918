"""Every column the CLI shows in a table has a heading in the person's language (headings.py).

A key without a heading would be shown as itself ("next days left") in every language. The keys
are read from the code: the column lists of bpa_provider/cli (constants named *COLUMNS, the list
given to `ctx.emit`, the keys of rows written there as dict literals) and the services' COLUMNS."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bpa_provider import i18n
from bpa_provider.headings import HEADINGS, heading

CLI = Path(__file__).resolve().parents[2] / "bpa_provider" / "cli"


def _strings(node: ast.AST | None) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    if isinstance(node, ast.BinOp):  # MONTH_COLUMNS + ["year_decided", …]
        return _strings(node.left) + _strings(node.right)
    return []


def _dict_keys(node: ast.AST | None) -> list[str]:
    for sub in ast.walk(node) if node is not None else ():
        if isinstance(sub, ast.Dict):
            return [k.value for k in sub.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    return []


def cli_columns() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(CLI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            keys: list[str] = []
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id.endswith("COLUMNS") for t in node.targets
            ):
                keys = _strings(node.value)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "emit"
                and node.args
            ):
                keys = _dict_keys(node.args[0]) + (_strings(node.args[2]) if len(node.args) > 2 else [])
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "columns" for t in node.targets
            ):
                keys = _strings(node.value)
            if keys:
                found.setdefault(path.relative_to(CLI).as_posix(), set()).update(keys)
    return found


def service_columns() -> set[str]:
    from bpa_provider.services import audit_log, continuity, invoice, listing, payroll

    keys = set(audit_log.COLUMNS) | set(continuity.COLUMNS) | set(invoice.COLUMNS) | set(payroll.COLUMNS)
    for columns in listing.COLUMNS.values():
        keys |= set(columns)
    return keys


def test_every_table_column_has_a_heading():
    found = cli_columns()
    assert len(found) > 15  # the walk saw the commands
    missing = {where: sorted(keys - HEADINGS.keys()) for where, keys in found.items() if keys - HEADINGS.keys()}
    assert missing == {}
    assert sorted(service_columns() - HEADINGS.keys()) == []


@pytest.mark.parametrize(
    "key, nb",
    [("next_days_left", "Dager til neste frist"), ("projected_as_of", "Prognose per"), ("next_title", "Neste trinn")],
)
def test_the_headings_found_missing_are_norwegian(key, nb):
    i18n.set_language("nb")
    try:
        assert heading(key) == nb
    finally:
        i18n.set_language("en")
