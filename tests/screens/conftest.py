"""Fixtures for the screen tests: the fixed dataset (built once, copied per test), the app on
it, English as the language, and no cursor blinking (it would make snapshots flaky)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import fixed_data
import pytest

from bpa_provider import i18n
from bpa_provider.db.engine import Database, make_engine


@pytest.fixture(scope="session")
def fixed_template(sqlite_template, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fixed") / "bpa.sqlite3"
    shutil.copy(sqlite_template, path)
    db = Database(make_engine(f"sqlite:///{path}"))
    fixed_data.build(db)
    db.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


@pytest.fixture
def fixed_db(fixed_template, tmp_path) -> Database:
    """The fixed dataset in a file of its own (named bpa.sqlite3, as the header shows it)."""
    folder = tmp_path / "db"
    folder.mkdir()
    path = folder / "bpa.sqlite3"
    shutil.copy(fixed_template, path)
    database = Database(make_engine(f"sqlite:///{path}"))
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def english_and_still(monkeypatch):
    """Every test starts in English with a steady cursor; the language is reset afterwards."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture
def make_app(fixed_db, coordinator):
    """A factory for the app on the fixed data, at the fixed date."""
    from bpa_provider.screens.app import BpaApp

    def make(actor=None, lang: str = "en", db: Database | None = None) -> BpaApp:
        return BpaApp(db or fixed_db, actor or coordinator, lang=lang, today=fixed_data.TODAY)

    return make
