"""Shared fixtures: databases on SQLite and a real PostgreSQL, actors per role, small factories.

Every test that takes `db` runs twice, once per engine. PostgreSQL comes from `tests/pgserver.py`;
without PostgreSQL binaries those runs skip, except under CI=true where they fail.

Markers (pyproject.toml): every PostgreSQL case carries `pg` (the `pg` parameters here and any
test that asks for a PostgreSQL fixture, see `pytest_collection_modifyitems`), the slowest tests
carry `slow`, and `needs_tool("name")` skips a test without that tool — or fails it under CI=true
(tests/tooling.py). `make test` deselects nothing; `-m "not pg and not slow"` is the quick run.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Keep a developer's own settings and data out of the tests.
os.environ.pop("BPA_DATABASE_URL", None)
os.environ["BPA_CONFIG"] = "/nonexistent/bpa-test-config.toml"
for _var in ("SSH_CONNECTION", "SSH_ORIGINAL_COMMAND"):
    os.environ.pop(_var, None)
# The CLI speaks the locale's language: tests start from English whatever the developer's shell says.
for _var in ("BPA_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_var, None)
os.environ["LANG"] = "C.UTF-8"

from hypothesis import settings as _hyp_settings  # noqa: E402

# CI must be reproducible: the same examples every run. Locally, Hypothesis explores at random.
_hyp_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI") == "true":
    _hyp_settings.load_profile("ci")

from pgserver import RefusedServer, external_url, scratch_database  # noqa: E402
from tooling import need_tool  # noqa: E402

from bpa_provider.access import Actor  # noqa: E402
from bpa_provider.db import migrate  # noqa: E402
from bpa_provider.db.engine import Database, make_engine  # noqa: E402

# Fixtures that reach PostgreSQL: a test asking for one of them is a `pg` test.
PG_FIXTURES = frozenset({"pg_cluster", "pg_engine", "pg_db"})


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if PG_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.pg)


def pytest_runtest_setup(item) -> None:
    for mark in item.iter_markers("needs_tool"):
        need_tool(*mark.args, **mark.kwargs)


@pytest.fixture(autouse=True)
def _own_data_folder(tmp_path, monkeypatch):
    """Signing keys and trusted keys go to the test's folder, never the developer's data folder."""
    monkeypatch.setenv("BPA_DATA_DIR", str(tmp_path / "bpa-data"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated empty SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("tpl") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    import sqlite3

    # Fold the WAL into the main file so a plain copy of it is a complete database.
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL server for the session (or BPA_TEST_PG_URL with BPA_TEST_PG_DISPOSABLE=1)."""
    try:
        url = external_url(os.environ)
    except RefusedServer as exc:
        pytest.fail(str(exc), pytrace=False)
    if url:
        yield url
        return
    from pgserver import PgCluster, pg_bin_dir

    bindir = pg_bin_dir()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL binaries are missing under CI=true: install postgresql")
        pytest.skip("no PostgreSQL binaries on this machine")
    cluster = PgCluster(bindir)
    cluster.start()
    try:
        yield cluster.url()
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_engine(pg_cluster):
    """A migrated PostgreSQL database shared by the session; tests truncate it before use.

    Its name is new each run (`scratch_name`), and it is dropped at the end: the run drops only
    the database it created, never one that was there before."""
    with scratch_database(pg_cluster, "bpa_test") as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        yield engine
        engine.dispose()


def _truncate_pg(engine) -> None:
    from sqlmodel import SQLModel

    import bpa_provider.db.models  # noqa: F401

    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as c:
        c.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def db(request, tmp_path, sqlite_template) -> Database:
    """An empty, migrated database — once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "bpa.sqlite3"
        shutil.copy(sqlite_template, path)
        database = Database(make_engine(f"sqlite:///{path}"))
        yield database
        database.dispose()
    else:
        engine = request.getfixturevalue("pg_engine")
        _truncate_pg(engine)
        yield Database(engine)


@pytest.fixture
def sqlite_db(tmp_path, sqlite_template) -> Database:
    """An empty, migrated SQLite database only (for SQLite-specific behaviour)."""
    path = tmp_path / "bpa.sqlite3"
    shutil.copy(sqlite_template, path)
    database = Database(make_engine(f"sqlite:///{path}"))
    yield database
    database.dispose()


@pytest.fixture
def admin() -> Actor:
    return Actor(login="admin", role="admin", user_id=None)


@pytest.fixture
def coordinator() -> Actor:
    return Actor(login="coord", role="coordinator")


@pytest.fixture
def auditor() -> Actor:
    return Actor(login="audit", role="auditor")
