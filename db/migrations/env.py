"""Alembic environment: runs against the engine and tables handed in by db.migrate.

Alembic loads this file as a loose script, not as part of the package, so it imports nothing of
ours: `db.migrate._config` (and the developer tool `make_initial`) put the engine and the tables'
metadata in `config.attributes`. `UTCDateTime` is rendered as its plain SQLAlchemy implementation in
generated revisions, so a revision need not import the package either.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.types import TypeDecorator

config = context.config


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """A column of one of our TypeDecorators that keeps one implementation on every engine is
    written as that implementation (the same DDL). One that picks its own per engine (`Money`:
    text on SQLite) is left to Alembic's default rendering."""
    if type_ != "type" or not isinstance(obj, TypeDecorator):
        return False
    if type(obj).load_dialect_impl is TypeDecorator.load_dialect_impl:
        return f"sa.{obj.impl!r}"
    return False


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    metadata = config.attributes.get("target_metadata")
    if engine is None or metadata is None:
        raise SystemExit("run migrations through `bpa-provider init` (db.migrate), not the alembic command")
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=sqlite,  # SQLite cannot ALTER most things: copy-and-move tables
            transaction_per_migration=True,
            compare_type=True,
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: give a database")
run_migrations_online()
