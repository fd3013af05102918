"""The PostgreSQL rows of the bench (issue 19): the loader (bench/pg_company.py) gives a database
equal to the SQLite company it copies — every table's rows, the access log verifying as on the
source, sequences past the copied ids — and each floor (bench/*_floor.py, now taking a PostgreSQL
URL) gives its command's output there, the equality the PostgreSQL rows rest on."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest
from pgserver import scratch_database

from bench import audit_floor, continuity_floor, hours_floor, invoice_floor, list_floor, payroll_floor, rest_floor
from bench.company import CLI
from bench.payinv_rows import last_month
from bench.pg_company import load, row_counts, verify
from bench.pg_connect import connect
from bpa_provider.cli import main


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("pg_rows") / "demo.sqlite3")
    assert main(["--db", path, "demo", "--clients", "8", "--months", "14", "--seed", "3"]) == 0
    return path


@pytest.fixture(scope="module")
def loaded(pg_cluster, source):
    """The SQLite company loaded into a scratch PostgreSQL database (read by the tests only)."""
    with scratch_database(pg_cluster, "bpa_pg_rows") as url:
        counts = load(source, url)
        yield url, counts


def test_the_loader_copies_every_row(loaded, source):
    url, counts = loaded
    expected = row_counts(f"sqlite:///{source}")
    assert counts == expected
    assert row_counts(url) == expected
    assert expected["shift"] > 1000 and expected["audit_event"] > 0


def test_the_copied_access_log_verifies_as_the_source(loaded, source):
    url, _ = loaded
    on_pg, on_source = verify(CLI, url), verify(CLI, source)
    assert on_pg.startswith("exit 0: Access log intact"), on_pg
    assert on_pg == on_source
    with connect(url) as pg, sqlite3.connect(source) as lite:
        head = "SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1"
        assert pg.execute(head).fetchone() == lite.execute(head).fetchone()
        # The append-only guard is still there and enabled: the copy refuses an update.
        with pytest.raises(Exception, match="append-only"):
            pg.execute("UPDATE audit_event SET summary = 'x' WHERE id = 1")


def test_the_sequences_continue_after_the_copied_ids(loaded):
    url, _ = loaded
    with connect(url) as pg:
        top = pg.execute("SELECT MAX(id) FROM shift").fetchone()[0]
        following = pg.execute("SELECT nextval(pg_get_serial_sequence('shift', 'id'))").fetchone()[0]
    assert following == top + 1


def test_the_loader_refuses_a_source_at_another_revision(pg_cluster, tmp_path):
    path = str(tmp_path / "old.sqlite3")
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.execute("INSERT INTO alembic_version VALUES ('0001')")
    with scratch_database(pg_cluster, "bpa_pg_old") as url, pytest.raises(RuntimeError, match="revision 0001"):
        load(path, url)


def test_the_floors_give_their_commands_output_on_postgresql(loaded):
    url, _ = loaded
    today = date.today()
    assert continuity_floor.check(url, CLI).startswith("equal (")
    assert list_floor.check(url, CLI).startswith("equal (")
    assert hours_floor.check(url).startswith("equal (")
    assert invoice_floor.check(url, CLI, last_month()).startswith("equal (")
    assert invoice_floor.check(url, CLI, last_month()) != "equal (0 clients)"
    last_month_end = today.replace(day=1) - timedelta(days=1)
    first = last_month_end.replace(day=1)
    found = rest_floor.check(url, CLI, first, last_month_end)
    assert found.startswith("equal (") and found != "equal (0 findings)", found


def test_the_rest_floor_reads_the_same_findings_on_both_engines(loaded, source):
    url, _ = loaded
    last_month_end = date.today().replace(day=1) - timedelta(days=1)
    first = last_month_end.replace(day=1)
    assert rest_floor.findings(url, first, last_month_end) == rest_floor.findings(source, first, last_month_end)


def test_the_payroll_floor_on_the_copy(loaded):
    url, _ = loaded
    database = payroll_floor._open(url)
    try:
        assert payroll_floor.compare(database, last_month(), datetime.now(UTC)).startswith("equal (")
    finally:
        database.dispose()


def test_the_audit_floor_on_postgresql(pg_cluster, source, monkeypatch, tmp_path):
    monkeypatch.setenv("BPA_AUDIT_ANCHOR", str(tmp_path / "anchor"))
    with scratch_database(pg_cluster, "bpa_pg_audit") as url:
        load(source, url)
        audit_floor.prepare(url, 300, 40)
        cp = audit_floor.last_checkpoint(audit_floor.anchor_of(url))
        ok, rows, head = audit_floor.floor(url)
        assert ok and rows == cp["rows"] + 40
        assert audit_floor.floor(url, full=True) == (ok, rows, head)
        assert audit_floor.check(url, CLI) == "equal"


def test_the_loaded_schema_is_the_migrations_own(pg_cluster, loaded):
    """The loader drops the foreign keys and plain indexes and makes them again after the rows:
    the indexes and constraints at the end are a freshly migrated database's, every one valid."""
    from bpa_provider.db import migrate
    from bpa_provider.db.engine import make_engine

    url, _ = loaded

    def schema(db_url: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
        with connect(db_url) as pg:
            indexes = pg.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1"
            ).fetchall()
            constraints = pg.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated "
                "FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2"
            ).fetchall()
        return indexes, constraints

    with scratch_database(pg_cluster, "bpa_pg_fresh") as fresh:
        engine = make_engine(fresh)
        migrate.upgrade(engine)
        engine.dispose()
        expected = schema(fresh)
    assert any("FOREIGN KEY" in c[2] for c in expected[1]) and len(expected[0]) > 10
    assert schema(url) == expected
