"""One DB-API connection for a floor, whichever database the bench gives it: a SQLite file path
(the `sqlite3` module) or a PostgreSQL URL (psycopg, the driver the app uses there).

The floors were written for `sqlite3` (qmark parameters, stored text for instants and dates); on
PostgreSQL `connect` hands back psycopg's connection behind a thin shim that takes `?` markers, and
the floors read instants and dates through `instant`/`day`, which take either form."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from typing import Any


def is_postgres(db: str) -> bool:
    return db.startswith(("postgresql:", "postgresql+", "postgres:"))


def dialect(db: str) -> str:
    return "postgresql" if is_postgres(db) else "sqlite"


def sqlalchemy_url(db: str) -> str:
    """The URL `open_database` takes for `db` (a path becomes `sqlite:///path`)."""
    return db if "://" in db else f"sqlite:///{db}"


class _Qmark:
    """psycopg's connection taking the `?` parameter markers the floors' statements use."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Any = None) -> Any:
        return self._conn.execute(sql.replace("?", "%s") if params else sql, params)

    def cursor(self) -> Any:
        return self._conn.cursor()

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> _Qmark:
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.close()


def connect(db: str, *, readonly: bool = False) -> Any:
    """A DB-API connection to `db` (a SQLite path, or a PostgreSQL URL of psycopg's or SQLAlchemy's)."""
    if is_postgres(db):
        import psycopg

        return _Qmark(psycopg.connect(db.replace("+psycopg", "", 1), autocommit=True))
    if readonly:
        return sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    return sqlite3.connect(db)


def instant(value: Any) -> datetime:
    """A stored UTC instant as the driver gives it (SQLite: text; PostgreSQL: naive datetime)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]


def day(value: Any) -> date:
    """A stored date as the driver gives it (SQLite: text; PostgreSQL: a date)."""
    return date.fromisoformat(value) if isinstance(value, str) else value
