"""The layers point one way: screens -> bpa_provider -> db."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_imports_no_textual_and_start_up_no_alembic():
    code = (
        "import sys; import bpa_provider.cli, bpa_provider.services.records, bpa_provider.db.models, bpa_provider.db.engine;"
        "from bpa_provider.cli import build_parser; build_parser();"
        "bad=[m for m in ('textual','bpa_provider.screens','screens','db','alembic','holidays') if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_app_and_its_areas_load_holidays_only_when_asked():
    # The `holidays` package takes ~50 ms to import: on the UI thread that was a stall each time
    # a session first opened the rosters area (bench/ui_probe.py). It loads in a worker instead.
    code = (
        "import sys; import bpa_provider.screens.app, bpa_provider.screens.main, bpa_provider.screens.rosters;"
        "bad=[m for m in ('alembic','holidays') if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_import_linter_contract():
    lint = Path(sys.executable).parent / "lint-imports"
    out = subprocess.run([str(lint)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "KEPT" in out.stdout
