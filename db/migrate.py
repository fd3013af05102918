"""Schema migrations: run Alembic programmatically from inside the installed package.

`upgrade()` brings a database to the newest revision (`bpa-provider init`); `check_current()`
refuses a database whose revision this version of the app does not know (a newer app wrote it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class SchemaMismatch(Exception):
    """The database's schema revision is unknown or not the newest."""


def _config(engine: Engine):
    from alembic.config import Config
    from sqlmodel import SQLModel

    from . import models  # noqa: F401  (registers the tables on SQLModel.metadata)

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # env.py is loaded by Alembic as a loose script, outside this package: it gets the engine and
    # the tables from here rather than importing the package by its installed name.
    cfg.attributes["engine"] = engine
    cfg.attributes["target_metadata"] = SQLModel.metadata
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database up (each revision in its own transaction)."""
    from alembic import command

    command.upgrade(_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate the database down."""
    from alembic import command

    command.downgrade(_config(engine), revision)


def head_revision() -> str:
    """The newest revision this version of the app knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config(None)).get_current_head()  # type: ignore[arg-type]


def current_revision(engine: Engine) -> str | None:
    """The revision stamped in the database, without importing Alembic (fast start-up).

    Asked directly rather than through the inspector: one statement, no catalog queries, on the
    path of every command. A database without the table has no schema yet. A read: it must not
    wait for a writer (on SQLite a deferred BEGIN, see `db.engine.reading`)."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from .engine import reading

    with reading(engine).connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, ProgrammingError) as exc:
            if "alembic_version" in str(exc.orig or exc):
                return None
            raise


def known_revisions() -> set[str]:
    """Revision ids present in migrations/versions, read from file names (no Alembic import)."""
    return {p.name.split("_", 1)[0] for p in (MIGRATIONS_DIR / "versions").glob("*.py")}


def check_current(engine: Engine) -> None:
    """Refuse to work on a database that is empty, from a newer app, or not yet migrated."""
    check_revision(current_revision(engine))


def check_revision(rev: str | None) -> None:
    """SchemaMismatch unless `rev` (None: no schema) is the newest revision this app knows."""
    if rev is None:
        raise SchemaMismatch("the database has no schema yet: run 'bpa-provider init'")
    if rev not in known_revisions():
        raise SchemaMismatch(
            f"the database is at schema revision {rev}, which this version of bpa-provider "
            "does not know (was it written by a newer version?)"
        )
    newest = max(known_revisions())
    if rev != newest:
        raise SchemaMismatch(f"the database schema is out of date ({rev}): run 'bpa-provider init'")
