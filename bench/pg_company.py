"""The bench company on PostgreSQL, fast: the cached SQLite company loaded into a PostgreSQL
database as a restore would, instead of generating it again with the (slow) demo.

- the schema by the project's own migrations (`db.migrate.upgrade`, what `bpa-provider init` runs);
- the rows by COPY (psycopg), table by table in foreign-key order, every column as stored — the
  access log's rows too, so its hash chain verifies on the copy (`audit --verify`). COPY fires no
  UPDATE or DELETE trigger, so the append-only guards stay in place and enabled: nothing is turned
  off (a plain data restore into a migrated schema, like `pg_restore --data-only` in FK order);
  the rows the insert triggers make (`hour_outlook`) are replaced by the source's;
- the foreign keys and the indexes that back no constraint dropped before the rows and made again
  after them, in the same transaction, as pg_restore orders its work (`_secondary`);
- the sequences set past the highest id of their table, then ANALYZE (as autovacuum would).

Usage: python -m bench.pg_company SQLITE_FILE [--url URL [--no-defer]]
With --url: load into that (empty) database and print the time (`--no-defer`: the keys and
indexes kept during the COPY, the slower way, for comparison). Without --url a throwaway cluster
(tests/pgserver.py) is started, loaded, checked (row counts equal to the source, `audit --verify`
as on the source), timed and stopped again.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.measure import ROOT

BATCH = 5000
# Tables whose rows the migrations wrote, or their triggers write as other tables' rows are
# copied (migration 0015o: a client's stored outlook row; 0017c: a row per stored day count).
# Emptied before their own rows are copied; the later tables' rows bump them, so they are copied
# stale and the first view computes them again (a copied day count has no PostgreSQL snapshot).
FILLED_BY_TRIGGERS = ("hour_outlook", "day_count")
# The stored day counts' change marks the copy's own writes made (migration 0017c): emptied after
# the copy, as in the source (SQLite keeps none). No count on the copy is valid before its first
# view, so they mark nothing.
MARKED_BY_TRIGGERS = ("day_count_change",)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables_in_fk_order(engine: Any) -> list[str]:
    """The migrated database's tables, each after every table it refers to."""
    from sqlalchemy import MetaData

    meta = MetaData()
    meta.reflect(engine)
    return [t.name for t in meta.sorted_tables if t.name != "alembic_version"]


def _copyable_columns(pg: Any, table: str) -> list[str]:
    """The table's columns a COPY may fill (generated columns compute themselves)."""
    rows = pg.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [r[0] for r in rows]


def _sqlite_revision(src: sqlite3.Connection) -> str | None:
    row = src.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _secondary(pg: Any) -> tuple[list[str], list[str]]:
    """(drop, create): the statements that take away and put back the foreign keys and the
    indexes that back no constraint — what pg_restore creates after the data, so the rows go in
    without a per-row check or index update and each is built once over the whole table."""
    fks = pg.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace ORDER BY conrelid::regclass::text, conname"
    ).fetchall()
    indexes = pg.execute(
        "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = current_schema() AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.connamespace = current_schema()::regnamespace) "
        "ORDER BY indexname"
    ).fetchall()
    drop = [f"ALTER TABLE {t} DROP CONSTRAINT {_quote(n)}" for t, n, _d in fks]
    drop += [f"DROP INDEX {_quote(n)}" for n, _d in indexes]
    create = [d for _n, d in indexes]
    create += [f"ALTER TABLE {t} ADD CONSTRAINT {_quote(n)} {d}" for t, n, d in fks]
    return drop, create


def load(sqlite_path: str, url: str, *, defer: bool = True) -> dict[str, int]:
    """Migrate the (empty) PostgreSQL database at `url` and copy every row of `sqlite_path` into
    it; the rows copied per table. Refuses a source at another schema revision than the code's.
    `defer`: the foreign keys and plain indexes are made after the rows (`_secondary`), in the same
    transaction — the schema at the end is the migrations' own (tests/services/test_bench_pg_rows.py)."""
    from bpa_provider.db import migrate
    from bpa_provider.db.engine import make_engine

    src = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    engine = make_engine(url)
    try:
        head = migrate.head_revision()
        if _sqlite_revision(src) != head:
            raise RuntimeError(f"{sqlite_path} is at revision {_sqlite_revision(src)}, the code at {head}")
        migrate.upgrade(engine)
        tables = _tables_in_fk_order(engine)
        counts: dict[str, int] = {}
        raw = engine.raw_connection()
        try:
            pg = raw.driver_connection
            assert pg is not None
            with pg.transaction():
                drop, create = _secondary(pg) if defer else ([], [])
                for sql in drop:
                    pg.execute(sql)
                for table in tables:
                    if table in FILLED_BY_TRIGGERS:  # the copied clients' triggers made rows: the source's replace them
                        pg.execute(f"DELETE FROM {_quote(table)}")
                    counts[table] = _copy_table(src, pg, table)
                for table in MARKED_BY_TRIGGERS:
                    pg.execute(f"DELETE FROM {_quote(table)}")
                pg.execute("SET LOCAL maintenance_work_mem = '256MB'")  # each index sorted in memory
                for sql in create:
                    pg.execute(sql)
                _set_sequences(pg, tables)
            pg.autocommit = True
            pg.execute("ANALYZE")
        finally:
            raw.close()
        return counts
    finally:
        engine.dispose()
        src.close()


def _copy_table(src: sqlite3.Connection, pg: Any, table: str) -> int:
    """Every row of `table` in the source's rowid order (ids ascending: a row that refers to an
    earlier row of its own table comes after it), the columns both sides have."""
    have = {r[1] for r in src.execute(f"PRAGMA table_info({_quote(table)})")}
    columns = [c for c in _copyable_columns(pg, table) if c in have]
    missing = [c for c in _copyable_columns(pg, table) if c not in have]
    if missing:
        raise RuntimeError(f"{table}: the source has no column {', '.join(missing)}")
    names = ", ".join(_quote(c) for c in columns)
    cursor = src.execute(f"SELECT {names} FROM {_quote(table)} ORDER BY rowid")
    n = 0
    with pg.cursor() as cur, cur.copy(f"COPY {_quote(table)} ({names}) FROM STDIN") as copy:
        while rows := cursor.fetchmany(BATCH):
            for row in rows:
                copy.write_row(row)
            n += len(rows)
    return n


def _set_sequences(pg: Any, tables: list[str]) -> None:
    """Each serial/identity column's sequence just past its table's highest value (a fresh
    insert must not collide with a copied id)."""
    for table in tables:
        for (column,) in pg.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s AND pg_get_serial_sequence(quote_ident(table_name), column_name) IS NOT NULL",
            (table,),
        ).fetchall():
            pg.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX({_quote(column)}), 1), "
                f"MAX({_quote(column)}) IS NOT NULL) FROM {_quote(table)}",
                (_quote(table), column),
            )


def row_counts(url: str) -> dict[str, int]:
    """Rows per table of a database (SQLite file path or URL), `alembic_version` left out."""
    from sqlalchemy import MetaData, func, select

    from bpa_provider.db.engine import make_engine

    engine = make_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as c:
            return {
                t.name: int(c.execute(select(func.count()).select_from(t)).scalar_one())
                for t in meta.sorted_tables
                if t.name != "alembic_version"
            }
    finally:
        engine.dispose()


def verify(cli: str, db: str) -> str:
    """`audit --verify --full` on `db`, its checkpoints kept in a throwaway anchor (never beside
    the cached company): its exit code and verdict line."""
    with tempfile.TemporaryDirectory(prefix="bpa-anchor-") as tmp:
        env = {**os.environ, "BPA_AUDIT_ANCHOR": str(Path(tmp) / "anchor")}
        proc = subprocess.run(
            [cli, "--db", db, "audit", "--verify", "--full"], capture_output=True, text=True, env=env, cwd=ROOT
        )
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    said = [line for line in lines if "Access log" in line] or lines[-1:]
    return f"exit {proc.returncode}: {said[0] if said else ''}"


def psql_argv(cluster: Any, database: str = "postgres") -> list[str]:
    """psql on a database of the cluster, quiet, unaligned, tuples only."""
    bindir = cluster.bindir
    psql = shutil.which("psql") or str(bindir / "psql")
    return [psql, "-h", str(cluster.dir), "-p", str(cluster.port), "-U", "postgres", "-d", database, "-qAt"]


def admin(cluster: Any, sql: str) -> None:
    """One statement on the cluster's `postgres` database (CREATE/DROP DATABASE)."""
    subprocess.run([*psql_argv(cluster), "-c", sql], check=True, capture_output=True)


def clone(cluster: Any, source: str, name: str) -> str:
    """A fresh copy of database `source` named `name` (file-level, CREATE DATABASE … TEMPLATE):
    its URL. An older `name` is dropped first."""
    admin(cluster, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(cluster, f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return cluster.url(name)  # type: ignore[no-any-return]


@contextmanager
def pg_company(sqlite_path: str) -> Iterator[tuple[str, Any, float]]:
    """A throwaway cluster holding the SQLite company in its database `company` (others can be
    made from it with `clone`): (its URL, the cluster, seconds to load)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pgserver import PgCluster, pg_bin_dir  # type: ignore[import-not-found]  # tests/pgserver.py

    bindir = pg_bin_dir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL")
    cluster = PgCluster(bindir)
    cluster.start()
    try:
        admin(cluster, "CREATE DATABASE company")
        url = cluster.url("company")
        t0 = time.perf_counter()
        load(sqlite_path, url)
        yield url, cluster, time.perf_counter() - t0
    finally:
        cluster.stop()


def main(argv: list[str]) -> None:
    from bench.company import CLI

    source = argv[0]
    if "--url" in argv:
        url = argv[argv.index("--url") + 1]
        t0 = time.perf_counter()
        counts = load(source, url, defer="--no-defer" not in argv)
        print(f"loaded {sum(counts.values()):,} rows in {time.perf_counter() - t0:.1f} s")
        return
    with pg_company(source) as (url, _cluster, seconds):
        counts = row_counts(url)
        print(f"loaded {sum(counts.values()):,} rows ({counts.get('shift', 0):,} shifts) in {seconds:.1f} s")
        same = counts == row_counts(f"sqlite:///{source}")
        print(f"row counts {'equal' if same else 'DIFFERENT'} to the source")
        print(f"audit --verify --full on PostgreSQL: {verify(CLI, url)}")
        print(f"audit --verify --full on the source: {verify(CLI, source)}")


if __name__ == "__main__":
    main(sys.argv[1:])
