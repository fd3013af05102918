"""What the app reads before its first paint, with the database driver alone (no SQLAlchemy).

Opening the app used to import SQLAlchemy, pydantic and our models (≈ 0.3 s on this machine)
before anything could be drawn, because the dashboard's layout depends on the person's role. Here
the schema revision and one user's row are read through the DB-API driver itself (`sqlite3`, or
psycopg for PostgreSQL), so the app can paint while the database stack loads in a worker.

This is a *fast path*, never an authority of its own: `peek_user` answers None whenever anything
is unusual (no file, no schema, an unknown revision, an error of any kind), and the caller then
takes the ordinary path, which gives the exact refusal. The row read here is the same row
`services.users.resolve_actor` reads (tests/services/test_peek.py holds them equal).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .engine import normalise_url, sqlite_file
from .guards import MESSAGE, PG_GUARDS, SQLITE_GUARDS

USER_QUERY = "SELECT id, login, role, supervisor_id, disabled FROM app_user WHERE login = {p}"
REVISION_QUERY = "SELECT version_num FROM alembic_version"


@dataclass(frozen=True)
class UserRow:
    """The columns of `app_user` that decide who someone is in the app."""

    id: int
    login: str
    role: str
    supervisor_id: int | None
    disabled: bool


def peek_user(url: str, login: str) -> UserRow | None:
    """The enabled user `login` of a current-schema database at `url`; None: take the slow path."""
    try:
        # Folded as services.users.fold stores and finds logins (KARI is kari).
        rows = _query(normalise_url(url), login.strip().lower())
    except Exception:  # noqa: BLE001 - any surprise means "ask the ordinary way", which explains it
        return None
    if rows is None:
        return None
    revision, user = rows
    from .migrate import SchemaMismatch, check_revision

    try:
        check_revision(revision)
    except SchemaMismatch:
        return None
    if user is None or bool(user[4]):
        return None
    return UserRow(
        id=int(user[0]),
        login=str(user[1]),
        role=str(user[2]),
        supervisor_id=None if user[3] is None else int(user[3]),
        disabled=False,
    )


def _query(url: str, login: str) -> tuple[str | None, tuple | None] | None:
    if url.startswith("sqlite:///"):
        return _sqlite(url, login)
    if url.startswith("postgresql+psycopg://"):
        return _postgresql(url, login)
    return None


def _sqlite(url: str, login: str) -> tuple[str | None, tuple | None] | None:
    import sqlite3

    path = sqlite_file(url)
    if path is None or "?" in url or not Path(path).is_file():
        return None  # never create a file here: the ordinary path says what is missing
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    try:
        revision = conn.execute(REVISION_QUERY).fetchone()
        user = conn.execute(USER_QUERY.format(p="?"), (login,)).fetchone()
        guards = {
            name
            for name, sql in conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
            )
            if MESSAGE in (sql or "")
        }
    finally:
        conn.close()
    if not set(SQLITE_GUARDS) <= guards:
        return None  # the ordinary path refuses a log that lost its triggers, in its own words
    return (revision[0] if revision else None), user


def _postgresql(url: str, login: str) -> tuple[str | None, tuple | None] | None:
    import psycopg

    conninfo = "postgresql://" + url.split("://", 1)[1]
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        revision = conn.execute(REVISION_QUERY).fetchone()
        user = conn.execute(USER_QUERY.format(p="%s"), (login,)).fetchone()
        guards = {
            r[0]
            for r in conn.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass AND NOT tgisinternal "
                "AND tgenabled <> 'D'"
            )
        }
    if not set(PG_GUARDS) <= guards:
        return None  # the ordinary path refuses a log that lost its triggers, in its own words
    return (revision[0] if revision else None), user
