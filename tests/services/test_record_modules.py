"""records, reviews and onboarding after their split: the old modules stay the import point, and a
saved row's id is an int (`records.saved_id`)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from bpa_provider.db.models import Municipality
from bpa_provider.services import records

ROOT = Path(__file__).resolve().parents[2]
IMPORT_POINTS = ("bpa_provider.services.records", "bpa_provider.services.reviews", "bpa_provider.services.onboarding")


def _imported_names() -> list[tuple[str, str, str]]:
    """(module, name, file) for every `from <import point> import name` in the project."""
    found = []
    for folder in ("bpa_provider", "tests", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module in IMPORT_POINTS:
                    found += [(node.module, a.name, str(path.relative_to(ROOT))) for a in node.names]
    return found


def test_every_name_imported_from_the_old_modules_is_still_there() -> None:
    names = _imported_names()
    assert len(names) > 20  # the scan found the project's imports (not an empty pass)
    missing = [(m, n, f) for m, n, f in names if not hasattr(importlib.import_module(m), n)]
    assert missing == []


@pytest.mark.parametrize("module", IMPORT_POINTS)
def test_the_import_points_export_what_they_list(module: str) -> None:
    mod = importlib.import_module(module)
    assert [n for n in mod.__all__ if not hasattr(mod, n)] == []


def test_saved_id_is_the_id_of_a_saved_row_and_refuses_an_unsaved_one(db, admin) -> None:
    row = records.create(db, admin, "municipality", {"name": "Saved", "country": "no"})
    assert records.saved_id(row) == row.id
    assert isinstance(records.saved_id(row), int)
    with pytest.raises(RuntimeError, match="flush it first"):
        records.saved_id(Municipality(name="Never saved"))
