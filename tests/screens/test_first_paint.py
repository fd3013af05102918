"""The first paint of the app, as `bpa-provider` opens it: the dashboard with every heading the
person may see, drawn before the database stack (SQLAlchemy, the models) is loaded — that stack
loads after it, in a worker (docs/performance.md, "Session 11 — paint")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bpa_provider.db.engine import open_database
from bpa_provider.screens.ui import short_db_name
from bpa_provider.services import users

ROOT = Path(__file__).resolve().parents[2]

URLS = [
    "sqlite:////srv/bpa/data/bpa.sqlite3",
    "sqlite:////tmp/a%20b/x%3Fy.sqlite3",
    "sqlite:///relative/x.db?mode=ro",
    "sqlite://",
    "sqlite:///:memory:",
    "postgresql+psycopg://bpa:***@DB.Example:5432/bpa",
    "postgresql+psycopg://postgres@/bpa?host=/tmp/socket-dir",
    "postgresql+psycopg://bpa@[::1]:5432/b%2Fx",
    "postgresql+psycopg:///bpa",
    "postgresql+psycopg://db.example",
    "postgresql+psycopg://u:p@db.example/",
    "postgresql+psycopg://a@b@db.example/bpa",
]


@pytest.mark.parametrize("url", URLS)
def test_the_header_names_the_database_as_sqlalchemy_reads_its_url(url):
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        expected = (parsed.database or ":memory:").rsplit("/", 1)[-1]
    else:
        expected = f"{parsed.host or 'localhost'}/{parsed.database or ''}"
    assert short_db_name(url) == expected


#: Run in a fresh interpreter: the CLI's own path to the app, the app run headless until the
#: dashboard shows every heading the person may see, painted; then which of the database stack's
#: modules are loaded. The work started after the paint (the stack's worker, the lists built
#: ahead) is switched off, so only what the paint itself needed can have loaded them.
FIRST_PAINT = """
import asyncio, sys
from textual.app import App
from bpa_provider.screens.app import BpaApp
from bpa_provider.screens.main import MainScreen
from bpa_provider.services.sections import visible_sections
BpaApp._load_database_stack = lambda self: None
async def _no_views(self): return None
MainScreen.prepare_views = _no_views
seen = []
async def drive(app):
    async with app.run_test(size=(120, 40)) as pilot:
        want = len(visible_sections(app.actor))
        while len(app.screen.query(".heading")) < want:
            await asyncio.sleep(0.005)
        await pilot.pause(0)
        seen.append(sorted(m for m in ("sqlalchemy", "sqlmodel", "pydantic", "psycopg") if m in sys.modules))
        seen.append(want)
App.run = lambda self, *a, **k: asyncio.run(drive(self))
from bpa_provider.cli import main
code = main(["--db", sys.argv[1]])
print(code, seen)
"""


def test_the_first_full_paint_loads_no_database_stack(tmp_path, sqlite_template):
    """Before: the header's database name was read with SQLAlchemy's `make_url`, which imported
    SQLAlchemy on the UI thread in the middle of the first paint."""
    db_path = tmp_path / "bpa.sqlite3"
    db_path.write_bytes(Path(sqlite_template).read_bytes())
    seed = open_database(str(db_path))
    from bpa_provider.identity import current_login

    users.ensure_first_admin(seed, current_login())
    seed.dispose()
    out = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT, str(db_path)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    code, rest = out.stdout.strip().split(" ", 1)
    assert code == "0", out.stdout + out.stderr
    assert rest.startswith("[[], ") and not rest.startswith("[[], 0]"), out.stdout + out.stderr
