"""Engine behaviour: migrations both ways on both engines, concurrent writers, schema checks."""

from __future__ import annotations

import multiprocessing as mp

import pytest
from sqlalchemy import inspect, text

from bpa_provider.db import migrate
from bpa_provider.db.engine import make_engine


def test_migrations_up_and_down_on_sqlite(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    migrate.upgrade(engine)
    assert "client" in inspect(engine).get_table_names()
    assert migrate.current_revision(engine) == migrate.head_revision()
    migrate.downgrade(engine, "base")
    assert "client" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert "shift" in inspect(engine).get_table_names()


def test_migrations_up_and_down_on_postgresql(pg_cluster):
    from pgserver import scratch_database

    with scratch_database(pg_cluster, "bpa_migrate") as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        assert "client" in inspect(engine).get_table_names()
        migrate.downgrade(engine, "base")
        assert "client" not in inspect(engine).get_table_names()
        engine.dispose()


def test_unknown_revision_is_refused(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    migrate.upgrade(engine)
    with engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num='9999'"))
    with pytest.raises(migrate.SchemaMismatch, match="newer"):
        migrate.check_current(engine)


def test_empty_database_is_refused(tmp_path):
    with pytest.raises(migrate.SchemaMismatch, match="init"):
        migrate.check_current(make_engine(f"sqlite:///{tmp_path / 'e.sqlite3'}"))


def _writer(path: str, worker: int, n: int) -> None:
    from bpa_provider.access import Actor
    from bpa_provider.db.engine import Database, make_engine
    from bpa_provider.services import records

    db = Database(make_engine(f"sqlite:///{path}"))
    actor = Actor(f"w{worker}", "admin")
    for i in range(n):
        records.create(db, actor, "municipality", {"name": f"M-{worker}-{i}"})
    db.dispose()


@pytest.mark.slow  # four spawned interpreters: ~15 s on a loaded 2-core machine
def test_four_processes_write_400_rows_without_error(tmp_path, sqlite_template):
    import shutil

    path = tmp_path / "c.sqlite3"
    shutil.copy(sqlite_template, path)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), w, 100)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM municipality")).scalar() == 400
        assert c.execute(text("SELECT count(*) FROM audit_event")).scalar() == 400
        assert c.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    from bpa_provider import audit
    from bpa_provider.db.engine import Database

    with Database(engine).read() as s:
        assert audit.verify_chain(s).ok
