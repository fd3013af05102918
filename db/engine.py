"""Engine and transaction set-up for SQLite (embedded default) and PostgreSQL (psycopg 3).

SQLAlchemy is imported when an engine is first made, not with this module: the app paints its
first screen before the database stack is loaded (`open_database(url, deferred=True)`, see
docs/performance.md), so `Database` and `normalise_url` must cost nothing to import.

SQLite recipe (measured in shared/engineering.md): the DBAPI connection runs in autocommit mode so
SQLAlchemy's `begin` event can emit `BEGIN IMMEDIATE` for writes — the write lock is taken up front,
so concurrent coordinators queue on `busy_timeout` instead of losing updates or seeing
"database is locked". Reads use a plain deferred `BEGIN`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    # Erased personal data must be gone from the file, not left in free pages.
    "PRAGMA secure_delete=ON",
)


def default_sqlite_path() -> Path:
    """The embedded database in the user's data directory (platformdirs)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("bpa-provider", appauthor=False)) / "bpa.sqlite3"


def default_url() -> str:
    """`BPA_DATABASE_URL`, or the SQLite file in the user data directory."""
    env = os.environ.get("BPA_DATABASE_URL")
    if env:
        return env
    return f"sqlite:///{default_sqlite_path()}"


def normalise_url(url: str) -> str:
    """Accept a bare path for SQLite and `postgresql://` for psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def sqlite_file(url: str) -> str | None:
    """The file path of a SQLite URL (normalised first); None for PostgreSQL or in-memory."""
    url = normalise_url(url)
    if not url.startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///") :].split("?", 1)[0]  # absolute paths keep their leading "/"
    return path if path and path != ":memory:" else None


def make_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    """Create an engine with the right recipe for its dialect."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = normalise_url(url or default_url())
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db_path = parsed.database
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 10, "check_same_thread": False})
        _apply_sqlite_recipe(engine)
        return engine
    # No hstore columns here: skipping the dialect's hstore lookup saves a catalog query (and
    # ~3 ms) on every new connection. The pool hands out the connection used last (LIFO): a
    # server backend pays its own first use of each table (catalogue caches), so a record opened
    # on the backends its statements were warmed on costs what the next one does, where the
    # oldest-first pool handed it one that had only served the dashboard (docs/performance.md,
    # "Session 13 — pgfirst"). Connections left idle at the bottom are pinged before use.
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_use_lifo=True,
        pool_size=5,
        max_overflow=5,
        use_native_hstore=False,
    )


def _apply_sqlite_recipe(engine: Engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        # Autocommit at the driver level: we issue BEGIN ourselves (see module docstring).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in SQLITE_PRAGMAS:
            cur.execute(pragma)
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql("BEGIN" if mode == "DEFERRED" else "BEGIN IMMEDIATE")


def reading(engine: Engine) -> Engine:
    """The engine for reads only: on SQLite its transactions begin with a plain deferred `BEGIN`,
    so a read never waits for (or blocks) a writer — WAL gives it a snapshot. Writing through it is
    a mistake: a deferred transaction that later writes can fail with "database is locked"."""
    return engine.execution_options(sqlite_begin="DEFERRED") if is_sqlite(engine) else engine


def is_sqlite(engine: Engine) -> bool:
    """True for the embedded SQLite engine."""
    return engine.dialect.name == "sqlite"


def hide_password(url: str) -> str:
    """The URL as it may be shown: the password replaced by ***, as SQLAlchemy renders it."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))


class Database:
    """An engine plus the two kinds of transaction the services use.

    `write()` is one short transaction that takes the write lock up front (SQLite) and commits or
    rolls back as a whole; `read()` is a read-only transaction. Never hold either while a form is
    on screen.

    A deferred Database (`Database(url=...)`) makes its engine, and imports SQLAlchemy, when it is
    first used: the app creates one before its first paint and uses it from thread workers.
    """

    def __init__(self, engine: Engine | None = None, *, url: str | None = None):
        if engine is None and url is None:
            raise ValueError("a Database needs an engine or a URL")
        self._url = normalise_url(url) if url is not None else None
        self._lock = threading.Lock()
        self._engine = None
        if engine is not None:
            self._attach(engine)

    def _attach(self, engine: Engine) -> None:
        from sqlalchemy.orm import sessionmaker

        self._writer = sessionmaker(engine, expire_on_commit=False)
        self._reader = sessionmaker(reading(engine), expire_on_commit=False)
        self._engine = engine  # last: other threads test it without the lock

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:  # two workers asking at once make one engine
                if self._engine is None:
                    self._attach(make_engine(self._url))
        return self._engine  # type: ignore[return-value]

    @property
    def started(self) -> bool:
        """True once the engine exists (a deferred Database has not been used yet otherwise)."""
        return self._engine is not None

    @property
    def url(self) -> str:
        if self._engine is None and self._url is not None:
            return hide_password(self._url)
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        if self._engine is None and self._url is not None:
            return "sqlite" if self._url.startswith("sqlite") else "postgresql"
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: everything in the block is committed together or not at all."""
        self.engine  # noqa: B018 - makes the engine of a deferred Database
        with self._writer() as session:
            with session.begin():
                yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (rolled back at the end)."""
        self.engine  # noqa: B018 - makes the engine of a deferred Database
        with self._reader() as session:
            try:
                yield session
            finally:
                # Detach first: a rollback would expire what was read, and callers use it after.
                session.expunge_all()
                session.rollback()

    @contextmanager
    def holding(self) -> Iterator[None]:
        """One pooled connection kept checked out for the block (no transaction begun on it): what
        runs meanwhile is handed another. On leaving, the kept one is the pool's most recent again
        (`make_engine`: LIFO). Used to warm the connections a record's opening will use
        (screens/record_prep.py)."""
        with self.engine.connect():
            yield

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def open_database(url: str | None = None, *, deferred: bool = False) -> Database:
    """Engine + Database in one call; `deferred`: the engine is made when first used."""
    if deferred:
        return Database(url=url or default_url())
    return Database(make_engine(url))


def insert_rows(connection, table, rows: list[dict]) -> None:  # noqa: ANN001
    """Insert many rows of one shape (every dict with the same keys) into `table` in one executemany.

    Compiled once by SQLAlchemy for the connection's dialect and handed to the driver with the
    columns' own bind processors applied, so it is stored exactly as an ORM insert would store it,
    without SQLAlchemy's per-row parameter machinery (a third of the cost of importing 100,000
    shifts). No RETURNING: callers that need the ids read them back (see services.import_rows).
    SQLite: many rows to a statement (`RowShape.run_in_statements`), in order."""
    if not rows:
        return
    keys = list(rows[0])
    shape = RowShape(connection.dialect, table, {}, keys)
    params = shape.params(tuple(r[k] for k in keys) for r in rows)
    if connection.dialect.name == "sqlite":
        shape.run_in_statements(connection, params)
    else:
        shape.run(connection, params)


#: Rows in one INSERT at most (`RowShape.run_in_statements`): past a few hundred a longer
#: statement saves nothing more (measured: 500 and 2,000 rows cost the same).
ROWS_PER_STATEMENT = 500

#: Values remembered at most by `RowShape.iter_values` (its bind-processed results by identity).
_SHARED_LIMIT = 50_000


class RowShape:
    """An INSERT of rows of one shape, split so the costly part can be done before the write lock.

    `constant` values are the same in every row (bind-processed once); `variable` names the
    columns each row gives, in the order `params` receives them. `params` applies the columns' own
    bind processors (so a row is stored exactly as an ORM insert would store it) and returns what
    the driver takes; `run` is the one executemany. Columns with a default that neither names are
    filled as an ORM insert would fill them (a scalar once; a callable, such as a timestamp, once
    for the batch)."""

    __slots__ = ("_slots", "_template", "order", "positional", "sql")

    def __init__(self, dialect, table, constant: dict[str, Any], variable: list[str]) -> None:  # noqa: ANN001
        from sqlalchemy import insert

        compiled = insert(table).compile(dialect=dialect, column_keys=[*constant, *variable])
        self.sql = compiled.string
        self.positional = bool(compiled.positional)
        # Every column the statement names, in its order (those with a default included: the
        # compiled INSERT names them, so a dict of parameters or a COPY row must carry them).
        self.order = list(compiled.positiontup or ()) if compiled.positional else list(compiled.params)
        where = {k: i for i, k in enumerate(variable)}
        self._template: list[Any] = []
        self._slots: list[tuple[int, int, Any]] = []  # (position, index in a row, bind processor)
        for pos, k in enumerate(self.order):
            proc = table.c[k].type._cached_bind_processor(dialect)
            if k in where:
                self._template.append(None)
                self._slots.append((pos, where[k], proc))
                continue
            if k in constant:
                value = constant[k]
            else:
                default = table.c[k].default
                if default is None or not (default.is_scalar or default.is_callable):
                    raise ValueError(f"insert_rows({table.name}): no value and no default for {k}")
                value = default.arg if default.is_scalar else default.arg(None)
            self._template.append(proc(value) if proc else value)

    def params(self, rows: Iterable[Sequence[Any]]) -> list[Any]:
        """The driver's parameters for `rows` (each a sequence of the variable columns' values)."""
        return list(self.iter_params(rows))

    def iter_params(self, rows: Iterable[Sequence[Any]]) -> Iterator[Any]:
        """`params`, one row at a time (a generator costs no list of every row)."""
        positional, order = self.positional, self.order
        for values in self.iter_values(rows):
            yield tuple(values) if positional else dict(zip(order, values))

    def iter_values(self, rows: Iterable[Sequence[Any]]) -> Iterator[list[Any]]:
        """Each row's bind-processed values as a list in the order of `order` (every column of the
        INSERT, constants included): what `copy` writes."""
        from datetime import date, datetime, time
        from decimal import Decimal

        # Kinds of value that cannot change once made: only these are remembered (below).
        immutable = frozenset({str, int, float, bool, bytes, Decimal, datetime, date, time, type(None)})
        template = self._template
        plain = [(pos, i) for pos, i, proc in self._slots if proc is None]
        # Per column: its position, its index in a row, its bind processor and the results by
        # value object.
        processed: list[tuple[int, int, Any, dict[int, tuple[Any, Any]]]] = [
            (pos, i, proc, {}) for pos, i, proc in self._slots if proc is not None
        ]
        # A value object shared by many rows (an import's times are made once per distinct time:
        # `import_fast.RowChecks`) is processed once and its result shared too: remembered by the
        # object's identity (never by equality: 1 == True, and equal instants in two zones are
        # stored differently), the object kept alive beside it so its id is not reused; cleared
        # past `_SHARED_LIMIT` entries, so a file of all-different values costs no more.
        for r in rows:
            values = template.copy()
            for pos, i in plain:
                values[pos] = r[i]
            for pos, i, proc, shared in processed:
                v = r[i]
                if type(v) not in immutable:  # a list or dict may change between rows
                    values[pos] = proc(v)
                    continue
                seen = shared.get(id(v))
                if seen is None:
                    if len(shared) >= _SHARED_LIMIT:
                        shared.clear()
                    seen = shared[id(v)] = (v, proc(v))
                values[pos] = seen[1]
            yield values

    def copy(self, connection, table, rows: Iterable[Sequence[Any]]) -> None:  # noqa: ANN001
        """PostgreSQL: `rows` (lists from `iter_values`) into `table` with one COPY ... FROM STDIN
        through psycopg, in the connection's transaction: the server parses one stream instead of
        one statement per row, and nothing comes back."""
        quote = connection.dialect.identifier_preparer
        columns = ", ".join(quote.quote(k) for k in self.order)
        sql = f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            with cursor.copy(sql) as stream:
                for values in rows:
                    stream.write_row(values)
        finally:
            cursor.close()

    def run_in_statements(self, connection, params: Iterable[Sequence[Any]], rows: int | None = None) -> None:  # noqa: ANN001
        """SQLite: the positional `params` in INSERTs of up to `rows` rows each (default
        `ROWS_PER_STATEMENT`; one multi-row VALUES), in order, on the connection's driver cursor.
        Same rows, same order, same ids as `run`; for a table with a trigger (the access log's
        append-only guards) far cheaper: SQLite sets up a statement's trigger programs and its
        statement journal once per statement, which for an executemany is once per row (100,000
        access-log rows: 1.5 s of CPU → 0.7 s)."""
        if not self.positional:
            raise ValueError("run_in_statements: positional parameters only (SQLite)")
        head, values, one = self.sql.partition(" VALUES ")
        if not values:
            raise ValueError(f"run_in_statements: not a plain INSERT: {self.sql}")
        import sqlite3

        dbapi = connection.connection.dbapi_connection
        # The most parameters one statement may have (32,766 since SQLite 3.32; 999 before).
        limit = dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if hasattr(dbapi, "getlimit") else 999
        rows = max(1, min(rows or ROWS_PER_STATEMENT, limit // max(1, len(self.order))))
        statements: dict[int, str] = {}
        source = iter(params)
        cursor = dbapi.cursor()
        try:
            while chunk := list(islice(source, rows)):
                sql = statements.get(len(chunk))
                if sql is None:
                    sql = statements[len(chunk)] = f"{head}{values}{','.join([one] * len(chunk))}"
                cursor.execute(sql, list(chain.from_iterable(chunk)))
        finally:
            cursor.close()

    def statement_params(self, columns: Sequence[Sequence[Any]], rows: int | None = None) -> list[list[Any]]:
        """SQLite: the parameters of `run_flat`'s multi-row INSERTs, made before the write lock —
        up to `rows` rows each (default `ROWS_PER_STATEMENT`), in order. `columns` holds one
        sequence per variable column (all of one length), not one per row: each statement's flat
        list is filled a column at a time by slice assignment, so no per-row Python runs (100,000
        access-log rows: ≈ 0.3 s under the lock before, ≈ 0.03 s here, outside it). The values are
        those `iter_params` makes: the constants as processed once, each variable value through its
        column's bind processor."""
        if not self.positional:
            raise ValueError("statement_params: positional parameters only (SQLite)")
        width, n = len(self.order), len(columns[0]) if columns else 0
        if any(len(c) != n for c in columns):
            raise ValueError("statement_params: columns of different lengths")
        size = max(1, rows or ROWS_PER_STATEMENT)
        by_slot = {pos: (i, proc) for pos, i, proc in self._slots}
        out: list[list[Any]] = []
        for lo in range(0, n, size):
            k = min(size, n - lo)
            flat: list[Any] = [None] * (k * width)
            for pos in range(width):
                slot = by_slot.get(pos)
                if slot is None:
                    flat[pos::width] = [self._template[pos]] * k
                else:
                    i, proc = slot
                    part = columns[i][lo : lo + k]
                    flat[pos::width] = part if proc is None else [proc(v) for v in part]
            out.append(flat)
        return out

    def run_flat(self, connection, statements: Iterable[list[Any]]) -> None:  # noqa: ANN001
        """SQLite: each of `statement_params`'s lists as one multi-row INSERT on the connection's
        driver cursor, in order — the same rows, order and ids as `run_in_statements`. A list
        with more parameters than this connection allows a statement is sent as rows instead."""
        import sqlite3

        head, values, one = self.sql.partition(" VALUES ")
        if not self.positional or not values:
            raise ValueError(f"run_flat: not a plain positional INSERT: {self.sql}")
        width = len(self.order)
        dbapi = connection.connection.dbapi_connection
        limit = dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if hasattr(dbapi, "getlimit") else 999
        sql: dict[int, str] = {}
        cursor = dbapi.cursor()
        try:
            for flat in statements:
                k, rest = divmod(len(flat), width)
                if rest:
                    raise ValueError("run_flat: a list that is not whole rows")
                if not k:
                    continue
                if len(flat) > limit:
                    self.run_in_statements(connection, (flat[j : j + width] for j in range(0, len(flat), width)))
                    continue
                text = sql.get(k)
                if text is None:
                    text = sql[k] = f"{head}{values}{','.join([one] * k)}"
                cursor.execute(text, flat)
        finally:
            cursor.close()

    def run(self, connection, params: Iterable[Any]) -> None:  # noqa: ANN001
        """One executemany of `params` on `connection` (a SQLAlchemy Connection), in its
        transaction. A list goes through SQLAlchemy; any other iterable straight to the driver's
        cursor, which takes it row by row."""
        if isinstance(params, list):
            if params:
                connection.exec_driver_sql(self.sql, params)
            return
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.executemany(self.sql, params)
        finally:
            cursor.close()
