"""Fixtures for the security tests.

Every test here gets BPA_AUTHORIZED_KEYS pointing into its tmp_path, so no test can touch the
machine's own ~/.ssh/authorized_keys.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_keys_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "ssh" / "authorized_keys"
    monkeypatch.setenv("BPA_AUTHORIZED_KEYS", str(path))
    return path


@pytest.fixture
def pg_db(request):
    """An empty, migrated PostgreSQL database only (for PostgreSQL-specific behaviour)."""
    from sqlalchemy import text
    from sqlmodel import SQLModel

    import bpa_provider.db.models  # noqa: F401
    from bpa_provider.db.engine import Database

    engine = request.getfixturevalue("pg_engine")
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as c:
        c.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    return Database(engine)
